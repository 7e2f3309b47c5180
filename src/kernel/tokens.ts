import type { InjectionToken } from 'tsyringe';
import type { SchedulerLike } from 'rxjs';
import type { Clock } from './clock.js';
import type { KernelConfig } from './kernel-config.js';
import type { Journal } from './journal.js';
import type { PolicyRegistration } from './policy.js';
import type { Store } from './store.js';

/**
 * DI tokens. Register many policies under {@link POLICY} (each a {@link PolicyRegistration});
 * the kernel takes them all with `@injectAll`. Each kernel lives in its own child container.
 */
export const STORE: InjectionToken<Store> = Symbol('reclaim.Store');
export const JOURNAL: InjectionToken<Journal> = Symbol('reclaim.Journal');
export const POLICY: InjectionToken<PolicyRegistration> = Symbol('reclaim.Policy');
export const CLOCK: InjectionToken<Clock> = Symbol('reclaim.Clock');
export const RX_SCHEDULER: InjectionToken<SchedulerLike> = Symbol('reclaim.RxScheduler');
export const KERNEL_CONFIG: InjectionToken<KernelConfig> = Symbol('reclaim.KernelConfig');

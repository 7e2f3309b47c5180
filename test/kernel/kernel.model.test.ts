import fc from 'fast-check';
import { VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { createKernel, type DomainEvent, type Kernel, type RecordSnapshot, type RunResult, type Schedule, type Store } from '../../src/kernel/index.js';

/** A store whose every `loadRecords` waits until the test opens its gate: runs last until told. */
class GatedStore implements Store {
  readonly name = 'gated';
  readonly #gates: (() => void)[] = [];
  get waiting(): number {
    return this.#gates.length;
  }
  loadRecords(): Promise<RecordSnapshot> {
    return new Promise((resolve) => this.#gates.push(() => resolve({ source: { status: 'ok' }, records: [], rejected: [] })));
  }
  measure() {
    return Promise.resolve({ usedBytes: 0, limitBytes: null });
  }
  remove() {
    return Promise.resolve({ status: 'gone' as const });
  }
  open(): void {
    this.#gates.shift()?.();
  }
}

interface Model {
  active: { dryRun: boolean; schedule: boolean } | null;
  queued: { dryRun: boolean; schedule: boolean } | null;
  started: number;
  completed: number;
  schedule: 'idle' | 'started' | 'stopped';
  /** The scheduled run in progress, if any: ticks are dropped while it lasts. */
  scheduleBusy: boolean;
}

interface Real {
  kernel: Kernel;
  store: GatedStore;
  scheduler: VirtualTimeScheduler;
  schedule: Schedule;
  events: DomainEvent[];
  results: Promise<RunResult>[];
  maxInFlight: number;
}

const INTERVAL = 1000;
const settle = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

function count(real: Real, type: DomainEvent['type']): number {
  return real.events.filter((e) => e.type === type).length;
}

function check(m: Model, r: Real): void {
  expect(count(r, 'RunStarted')).toBe(m.started);
  expect(count(r, 'RunCompleted')).toBe(m.completed);
  expect(r.maxInFlight).toBeLessThanOrEqual(1);
  expect(r.kernel.running).toBe(m.active !== null);
}

/** Starts a run in the model, as `kernel.run` would: join, queue, or start. */
function trigger(m: Model, dryRun: boolean, schedule: boolean): void {
  if (m.active === null) {
    m.active = { dryRun, schedule };
    m.started += 1;
  } else if (m.active.dryRun === dryRun) {
    if (schedule) m.active.schedule = true;
  } else if (m.queued === null) {
    m.queued = { dryRun, schedule };
  } else if (schedule) {
    m.queued.schedule = true;
  }
}

class RunCommand implements fc.AsyncCommand<Model, Real> {
  constructor(readonly dryRun: boolean) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    trigger(m, this.dryRun, false);
    r.results.push(r.kernel.run({ dryRun: this.dryRun }));
    await settle();
    check(m, r);
  }
  toString = () => `run(${this.dryRun ? 'dry' : 'real'})`;
}

class FinishCommand implements fc.AsyncCommand<Model, Real> {
  check = (m: Readonly<Model>) => m.active !== null;
  async run(m: Model, r: Real): Promise<void> {
    expect(r.store.waiting).toBe(1);
    r.store.open();
    await settle();
    m.completed += 1;
    if (m.active?.schedule === true) m.scheduleBusy = false;
    m.active = null;
    if (m.queued !== null) {
      m.active = m.queued;
      m.queued = null;
      m.started += 1;
    }
    check(m, r);
  }
  toString = () => 'finish';
}

class TickCommand implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    if (m.schedule === 'started' && !m.scheduleBusy) {
      m.scheduleBusy = true;
      trigger(m, false, true);
    }
    r.scheduler.maxFrames = r.scheduler.frame + INTERVAL;
    r.scheduler.flush();
    r.scheduler.frame = r.scheduler.maxFrames;
    await settle();
    check(m, r);
  }
  toString = () => 'tick';
}

class StartScheduleCommand implements fc.AsyncCommand<Model, Real> {
  check = (m: Readonly<Model>) => m.schedule === 'idle';
  async run(m: Model, r: Real): Promise<void> {
    m.schedule = 'started';
    r.schedule.start();
    await settle();
    check(m, r);
  }
  toString = () => 'startSchedule';
}

class StopScheduleCommand implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    m.schedule = 'stopped';
    r.schedule.stop();
    expect(() => r.schedule.start()).toThrow(expect.objectContaining({ code: 'RECLAIM_SCHEDULE_STOPPED' }));
    await settle();
    check(m, r);
  }
  toString = () => 'stopSchedule';
}

describe('kernel run / coalesce / schedule / stop (model-based)', () => {
  it('behaves like the model: one run at a time, triggers join or queue, the schedule never overlaps and stops for good', async () => {
    const commands = [
      fc.boolean().map((dry) => new RunCommand(dry)),
      fc.constant(new FinishCommand()),
      fc.constant(new TickCommand()),
      fc.constant(new StartScheduleCommand()),
      fc.constant(new StopScheduleCommand()),
    ];
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 30 }), async (cmds) => {
        const store = new GatedStore();
        const scheduler = new VirtualTimeScheduler();
        const kernel = createKernel({ store, scheduler, clock: { now: () => scheduler.frame } });
        const real: Real = {
          kernel,
          store,
          scheduler,
          schedule: kernel.schedule({ intervalMs: INTERVAL, runOnStart: false }),
          events: [],
          results: [],
          maxInFlight: 0,
        };
        let inFlight = 0;
        kernel.events$.subscribe((e) => {
          real.events.push(e);
          if (e.type === 'RunStarted') real.maxInFlight = Math.max(real.maxInFlight, ++inFlight);
          if (e.type === 'RunCompleted') inFlight -= 1;
        });
        await kernel.ready;
        const model: Model = { active: null, queued: null, started: 0, completed: 0, schedule: 'idle', scheduleBusy: false };
        await fc.asyncModelRun(() => ({ model, real }), cmds);
        // Drain: every promise a caller holds settles once the gates open.
        real.schedule.stop();
        while (store.waiting > 0 || kernel.running) {
          store.open();
          await settle();
        }
        const results = await Promise.all(real.results);
        expect(results.every((res) => res.outcome === 'noop')).toBe(true);
        await kernel.close();
      }),
      { numRuns: 60 },
    );
  });
});

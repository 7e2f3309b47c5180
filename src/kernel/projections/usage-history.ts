import type { DomainEvent } from '../events.js';
import { fromSnapshot, type Projection } from './projection.js';

/** One usage reading. */
export interface UsagePoint {
  readonly at: string;
  readonly stage: string;
  readonly usedBytes: number;
  readonly limitBytes: number | null;
}

/** Storage usage over time, oldest first, at most {@link USAGE_HISTORY_LIMIT} points. */
export type UsageHistoryState = readonly UsagePoint[];

/** How many readings the usage history keeps. */
export const USAGE_HISTORY_LIMIT = 500;

/** The usage-over-time projection. */
export const usageHistoryProjection: Projection<UsageHistoryState> = {
  name: 'usageHistory',
  initialState: () => [],
  evolve(state, event: DomainEvent): UsageHistoryState {
    if (event.type === 'JournalCompacted') return fromSnapshot(usageHistoryProjection, event, state);
    if (event.type !== 'StorageMeasured') return state;
    const point: UsagePoint = {
      at: event.at,
      stage: event.data.stage,
      usedBytes: event.data.usedBytes,
      limitBytes: event.data.limitBytes,
    };
    const next = [...state, point];
    return next.length > USAGE_HISTORY_LIMIT ? next.slice(next.length - USAGE_HISTORY_LIMIT) : next;
  },
};

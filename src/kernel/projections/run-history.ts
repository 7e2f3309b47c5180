import type { DomainEvent, RunSummaryData } from '../events.js';
import { fromSnapshot, type Projection } from './projection.js';

/** One finished run, newest last. */
export interface RunRecord extends RunSummaryData {
  readonly runId: string;
  readonly endedAt: string;
  readonly seq: number;
}

/** The last runs, newest last, at most {@link RUN_HISTORY_LIMIT}. */
export type RunHistoryState = readonly RunRecord[];

/** How many runs the history keeps. */
export const RUN_HISTORY_LIMIT = 100;

/** The run-history projection. */
export const runHistoryProjection: Projection<RunHistoryState> = {
  name: 'runHistory',
  initialState: () => [],
  evolve(state, event: DomainEvent): RunHistoryState {
    if (event.type === 'JournalCompacted') return fromSnapshot(runHistoryProjection, event, state);
    if (event.type !== 'RunCompleted') return state;
    const record: RunRecord = { ...event.data, runId: event.runId ?? '', endedAt: event.at, seq: event.seq };
    const next = [...state, record];
    return next.length > RUN_HISTORY_LIMIT ? next.slice(next.length - RUN_HISTORY_LIMIT) : next;
  },
};

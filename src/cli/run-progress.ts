import { SingleBar } from 'cli-progress';
import type { Subscription } from 'rxjs';
import type { DomainEvent } from '../kernel/index.js';
import { formatBytes, type CliIo } from './cli-io.js';

/**
 * Shows a run's progress: a bar on a terminal for long runs (once a run has lasted `delayMs` or
 * planned `manyDeletions` deletions), one plain line per stage otherwise.
 */
export function showProgress(
  events$: { subscribe(next: (e: DomainEvent) => void): Subscription },
  io: CliIo,
  delayMs = 500,
  manyDeletions = 1000,
): () => void {
  const terminal = io.stderr.isTTY === true;
  let planned = 0;
  let done = 0;
  let bar: SingleBar | null = null;
  const started = Date.now();
  const subscription = events$.subscribe((event) => {
    switch (event.type) {
      case 'DeletionPlanned':
        planned += 1;
        bar?.setTotal(planned);
        break;
      case 'ItemDeleted':
      case 'ItemAlreadyGone':
      case 'DeletionFailed':
        done += 1;
        if (terminal && bar === null && (Date.now() - started >= delayMs || planned >= manyDeletions)) {
          bar = new SingleBar({ stream: io.stderr, format: 'reclaim [{bar}] {value}/{total} deletions', hideCursor: true }, undefined);
          bar.start(planned, done);
        }
        bar?.update(done);
        break;
      case 'StorageMeasured':
        if (!terminal) io.stderr.write(`reclaim: ${event.data.stage}: storage ${formatBytes(event.data.usedBytes)}, ${done} deletions so far\n`);
        break;
      default:
        break;
    }
  });
  return () => {
    subscription.unsubscribe();
    bar?.stop();
  };
}

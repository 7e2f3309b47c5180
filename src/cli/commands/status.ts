import type { Command } from 'commander';
import { replayState, toServerMetrics, type DomainEvent } from '../../kernel/index.js';
import { readJournalFile } from '../../node/journal-reader.js';
import { EXIT, formatBytes, type CliIo } from '../cli-io.js';
import { loadServiceConfig } from '../load-config.js';

/** `reclaim status [--json]`: metrics and the last runs, replayed from the journal read-only. */
export function registerStatusCommand(program: Command, io: CliIo): void {
  program
    .command('status')
    .description('show cumulative metrics and the last runs (read from the journal; works while a server runs)')
    .option('--json', 'print as JSON')
    .action(async (local: { json?: boolean }, command: Command) => {
      const options = loadServiceConfig({ flags: command.optsWithGlobals(), env: io.env, cwd: io.cwd });
      const events: DomainEvent[] = [];
      for await (const event of readJournalFile(options.journalFile)) events.push(event);
      const state = replayState(events);
      const metrics = {
        ...toServerMetrics(state.metrics),
        storageLimit: state.metrics.storageLimit ?? options.maxStorageMB * 1_048_576,
        retentionHours: state.metrics.retentionHours ?? options.retentionHours,
      };
      const lastRuns = state.runHistory.slice(-5);
      if (local.json === true) {
        io.stdout.write(`${JSON.stringify({ metrics, lastRuns, journalFile: options.journalFile }, null, 2)}\n`);
      } else {
        io.stdout.write(
          [
            `journal: ${options.journalFile}`,
            `tokens cleaned: ${metrics.tokensCleaned}, files cleaned: ${metrics.filesCleaned}, bytes freed: ${formatBytes(metrics.bytesFreed)}`,
            `errors: ${metrics.errors}${metrics.lastError === null ? '' : ` (last: ${metrics.lastError})`}`,
            `last cleanup: ${metrics.lastCleanup ?? 'never'}`,
            `storage: ${formatBytes(metrics.storageSize)} of ${formatBytes(metrics.storageLimit)}, retention ${metrics.retentionHours} h`,
            ...lastRuns.map((r) => `run ${r.runId} ${r.endedAt} ${r.outcome}${r.dryRun ? ' (dry)' : ''}: ${r.totals.records} records, ${r.totals.files} files, ${formatBytes(r.totals.bytesFreed)}`),
          ].join('\n') + '\n',
        );
      }
      process.exitCode = EXIT.ok;
    });
}

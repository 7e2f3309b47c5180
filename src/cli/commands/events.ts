import { watch } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { readJournalFile, type JournalCursor } from '../../node/journal-reader.js';
import { EXIT, type CliIo } from '../cli-io.js';
import { loadServiceConfig } from '../load-config.js';

/** `reclaim events [--from <seq>] [--follow]`: journaled events as JSON lines. */
export function registerEventsCommand(program: Command, io: CliIo): void {
  program
    .command('events')
    .description('print journaled domain events as JSON lines; --follow keeps printing new ones')
    .option('--from <seq>', 'start at this seq', '1')
    .option('--follow', 'keep watching the journal for new events (until Ctrl-C)')
    .action(async (local: { from: string; follow?: boolean }, command: Command) => {
      const options = loadServiceConfig({ flags: command.optsWithGlobals(), env: io.env, cwd: io.cwd });
      const from = Number(local.from);
      if (!Number.isInteger(from) || from < 1) {
        io.stderr.write(`reclaim: --from must be a whole number from 1 (got ${JSON.stringify(local.from)})\n`);
        process.exitCode = EXIT.usage;
        return;
      }
      let cursor: JournalCursor = { offset: 0, lastSeq: 0 };
      const pass = async (): Promise<void> => {
        for await (const event of readJournalFile(options.journalFile, from, cursor, (c) => (cursor = c))) {
          io.stdout.write(`${JSON.stringify(event)}\n`);
        }
      };
      await pass();
      if (local.follow === true) {
        // Follow until Ctrl-C or SIGTERM, then exit 0 after the current pass.
        const controller = new AbortController();
        const { signal } = controller;
        const stop = (): void => controller.abort();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        // Watch the folder (a compaction renames a new file in) and poll as a fallback.
        let wake: (() => void) | null = null;
        const watcher = watch(dirname(options.journalFile), () => wake?.());
        try {
          while (!signal.aborted) {
            await new Promise<void>((resolve) => {
              wake = resolve;
              const timer = setTimeout(resolve, 500);
              signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
            });
            wake = null;
            await pass();
          }
        } finally {
          watcher.close();
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
        }
      }
      process.exitCode = EXIT.ok;
    });
}

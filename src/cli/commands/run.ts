import type { Command } from 'commander';
import { createCleanupService } from '../../node/create-cleanup-service.js';
import { EXIT, formatBytes, type CliIo } from '../cli-io.js';
import { loadServiceConfig } from '../load-config.js';
import { showProgress } from '../run-progress.js';

/** `reclaim run [--dry-run] [--json]`: one cleanup now; exit 0 when it succeeded, 1 when it ran with errors. */
export function registerRunCommand(program: Command, io: CliIo): void {
  program
    .command('run')
    .description('run one cleanup now (expiry, orphan, emergency) and report what it did')
    .option('--dry-run', 'plan and report, delete nothing')
    .option('--json', 'print the result as JSON on stdout')
    .action(async (local: { dryRun?: boolean; json?: boolean }, command: Command) => {
      const options = loadServiceConfig({ flags: command.optsWithGlobals(), env: io.env, cwd: io.cwd });
      const service = createCleanupService(options);
      const stop = local.json === true ? () => undefined : showProgress(service.events$, io);
      let result;
      try {
        result = await service.runCleanup({ dryRun: local.dryRun === true });
      } finally {
        stop();
        await service.close();
      }
      if (local.json === true) {
        io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      } else {
        const verb = result.dryRun ? 'would free' : 'freed';
        io.stdout.write(
          `${result.outcome}${result.dryRun ? ' (dry run)' : ''}: ${result.tokensCleaned} tokens, ${result.filesCleaned} files, ` +
            `${verb} ${formatBytes(result.bytesFreed)} in ${(result.durationMs / 1000).toFixed(2)} s; ` +
            `storage ${formatBytes(result.storageSize)} of ${formatBytes(options.maxStorageMB * 1_048_576)}\n`,
        );
        if (result.emergency !== null) {
          io.stdout.write(
            `emergency: target ${formatBytes(result.emergency.targetBytes)}, freed ${formatBytes(result.emergency.freedBytes)}, shortfall ${formatBytes(result.emergency.shortfallBytes)}\n`,
          );
        }
        if (result.error !== undefined) io.stderr.write(`reclaim: ${result.error}\n`);
      }
      process.exitCode = result.success ? EXIT.ok : EXIT.ranWithErrors;
    });
}

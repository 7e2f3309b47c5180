import { Command, CommanderError } from 'commander';
import { describeError } from '../kernel/index.js';
import { EXIT, type CliIo } from './cli-io.js';
import { registerEventsCommand } from './commands/events.js';
import { registerRunCommand } from './commands/run.js';
import { registerServeCommand } from './commands/serve.js';
import { registerStatusCommand } from './commands/status.js';
import { isUsageError } from './load-config.js';
import { CLI_OPTIONS } from './option-table.js';

/** Builds the `reclaim` program: global service options, then the commands. */
export function buildProgram(io: CliIo): Command {
  const program = new Command('reclaim')
    .description('Cleans up recovery data: expired tokens, orphaned files, oldest-first eviction when storage runs short.')
    .option('--config <file>', 'JSON config file (see schema/config.schema.json); also RECLAIM_CONFIG')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError();
  for (const spec of CLI_OPTIONS) program.option(spec.flag, `${spec.description}; env ${spec.env}`);
  registerRunCommand(program, io);
  registerStatusCommand(program, io);
  registerEventsCommand(program, io);
  registerServeCommand(program, io);
  return program;
}

/** Runs the command line and returns its exit code: 0 done, 1 done with errors, 2 bad usage or configuration. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  process.exitCode = undefined;
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here too, with exit code 0.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (isUsageError(error)) {
      io.stderr.write(`reclaim: ${error.message}\n`);
      return EXIT.usage;
    }
    const { code, message } = describeError(error);
    io.stderr.write(`reclaim: ${message} (${code})\n`);
    return EXIT.ranWithErrors;
  }
}

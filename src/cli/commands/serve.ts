import { Option, type Command } from 'commander';
import { configError, type FieldProblem } from '../../kernel/index.js';
import { EXIT, type CliIo } from '../cli-io.js';
import { loadServiceConfig } from '../load-config.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

interface ServeFlags {
  port: string;
  host: string;
  intervalHours: string;
  schedule: boolean;
  runOnStart: boolean;
  token?: string;
  prefix: string;
  rateLimit: boolean;
  rateLimitRead: string;
  rateLimitWrite: string;
  logLevel: (typeof LOG_LEVELS)[number];
}

const processIo = (): CliIo => ({ stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() });

/** Reads a whole number flag within bounds, or names the flag and the fix. */
function wholeNumber(raw: string, flag: string, min: number, max: number, problems: FieldProblem[]): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(value) || value < min || value > max) {
    problems.push({ field: flag, problem: `is ${JSON.stringify(raw)}`, fix: `give a whole number from ${min} to ${max}` });
  }
  return value;
}

/**
 * Registers `reclaim serve`: the HTTP API (SPEC §6) and the scheduler over the configured
 * storage, until SIGTERM or SIGINT, which stop it gracefully (exit 0). Service options come
 * from the program's global flags, `RECLAIM_*` variables and the config file, as for `run`.
 *
 * @example
 * const program = new Command('reclaim');
 * registerServeCommand(program, io);
 * // reclaim serve --port 8080 --interval-hours 1   (token from RECLAIM_API_TOKEN)
 */
export function registerServeCommand(program: Command, io: CliIo = processIo()): void {
  program
    .command('serve')
    .description('serve the HTTP API under /api/cleanup and run the scheduler, until SIGTERM or Ctrl-C')
    .addOption(new Option('--port <port>', 'port to listen on').env('RECLAIM_PORT').default('8080'))
    .addOption(new Option('--host <host>', 'address to listen on (0.0.0.0 for every interface)').env('RECLAIM_HOST').default('127.0.0.1'))
    .addOption(new Option('--interval-hours <hours>', 'hours between scheduled runs').env('RECLAIM_INTERVAL_HOURS').default('1'))
    .option('--no-schedule', 'serve the API without starting the scheduler')
    .option('--no-run-on-start', 'first scheduled run after one interval instead of at start')
    .addOption(
      new Option('--token <token>', 'bearer token every route then requires (prefer RECLAIM_API_TOKEN: flags show in ps)').env('RECLAIM_API_TOKEN'),
    )
    .addOption(new Option('--prefix <path>', 'where the routes live').default('/api/cleanup'))
    .option('--no-rate-limit', 'leave rate limiting to a proxy in front')
    .addOption(new Option('--rate-limit-read <n>', 'GET requests per minute per client').default('120'))
    .addOption(new Option('--rate-limit-write <n>', 'POST requests per minute per client').default('10'))
    .addOption(new Option('--log-level <level>', 'request log level').choices(LOG_LEVELS).default('info'))
    .action(async (local: ServeFlags, command: Command) => {
      const serviceOptions = loadServiceConfig({ flags: command.optsWithGlobals(), env: io.env, cwd: io.cwd });
      const problems: FieldProblem[] = [];
      const port = wholeNumber(local.port, '--port', 0, 65_535, problems);
      const read = wholeNumber(local.rateLimitRead, '--rate-limit-read', 1, 1_000_000, problems);
      const write = wholeNumber(local.rateLimitWrite, '--rate-limit-write', 1, 1_000_000, problems);
      const intervalHours = Number(local.intervalHours);
      if (local.schedule && (local.intervalHours.trim() === '' || !Number.isFinite(intervalHours) || intervalHours <= 0)) {
        problems.push({ field: '--interval-hours', problem: `is ${JSON.stringify(local.intervalHours)}`, fix: 'give hours above 0, e.g. 1 or 0.5' });
      }
      if (local.prefix !== '' && !/^\/[A-Za-z0-9._~\-/]*[A-Za-z0-9._~-]$/.test(local.prefix)) {
        problems.push({ field: '--prefix', problem: `is ${JSON.stringify(local.prefix)}`, fix: 'give a path such as /api/cleanup, without a trailing slash' });
      }
      if (local.token !== undefined && (local.token.length < 16 || /\s/.test(local.token))) {
        problems.push({ field: '--token / RECLAIM_API_TOKEN', problem: 'is shorter than 16 characters or has whitespace', fix: 'use a long random token, e.g. `openssl rand -hex 32`' });
      }
      if (problems.length > 0) throw configError('RECLAIM_INVALID_CONFIG', 'Invalid serve options', problems);

      // Loaded here: the HTTP stack (Fastify, prom-client) costs the other commands ~0.2 s of start-up.
      const { startServer } = await import('../../http/serve.js');
      const server = await startServer({
        serviceOptions,
        host: local.host,
        port,
        intervalHours: local.schedule ? intervalHours : null,
        runOnStart: local.runOnStart,
        prefix: local.prefix,
        ...(local.token === undefined ? {} : { auth: local.token }),
        rateLimit: local.rateLimit ? { read: { max: read, timeWindow: 60_000 }, write: { max: write, timeWindow: 60_000 } } : false,
        logger: { level: local.logLevel, stream: io.stderr },
      });
      const scheduled = local.schedule ? `scheduled cleanup every ${intervalHours} h` : 'no schedule';
      if (server.listening) {
        io.stdout.write(
          `reclaim: serving ${server.apiUrl} (${scheduled}${local.token === undefined ? '' : ', bearer token required'}); SIGTERM or Ctrl-C stops\n`,
        );
      }
      await server.closed;
      io.stdout.write('reclaim: stopped\n');
      process.exitCode = typeof process.exitCode === 'number' && process.exitCode !== 0 ? process.exitCode : EXIT.ok;
    });
}

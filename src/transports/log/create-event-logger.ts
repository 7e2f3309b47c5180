import winston from 'winston';

/** Options of {@link createEventLogger}. */
export interface EventLoggerOptions {
  /** The lowest level written (default `info`: per-item `debug` records are left out). */
  readonly level?: string;
  /**
   * `json`: one JSON object per line, for log shippers. `pretty`: a coloured line per record,
   * for people. `auto` (default): pretty when the output is a terminal, else JSON.
   */
  readonly format?: 'json' | 'pretty' | 'auto';
  /**
   * Where every record goes. Default: stdout, with `error` and `warn` records on stderr. A CLI
   * that prints its result on stdout passes `process.stderr`.
   */
  readonly stream?: NodeJS.WritableStream;
  /** Fields on every record, e.g. `{ service: 'tts-api' }`. */
  readonly defaultMeta?: Readonly<Record<string, unknown>>;
}

const { combine, timestamp, json, colorize, printf } = winston.format;

function prettyLine(info: winston.Logform.TransformableInfo): string {
  const { level, message, timestamp: at, event, seq, runId } = info as Record<string, unknown>;
  const where = [event, seq === undefined ? undefined : `#${String(seq)}`, runId].filter((part) => part !== undefined).join(' ');
  return `${String(at)} ${String(level)} ${String(message)}${where === '' ? '' : `  [${where}]`}`;
}

/**
 * A winston logger for hosts that have none: JSON lines (or pretty lines in a terminal) on
 * stdout, warnings and errors on stderr. Pass it to {@link attachEventLogger}.
 *
 * @example
 * attachEventLogger(kernel, createEventLogger({ level: 'debug' }));
 */
export function createEventLogger(options: EventLoggerOptions = {}): winston.Logger {
  const output = options.stream ?? process.stdout;
  const pretty = options.format === 'pretty' || (options.format !== 'json' && (output as { isTTY?: boolean }).isTTY === true);
  const format = pretty ? combine(colorize(), timestamp(), printf(prettyLine)) : combine(timestamp(), json());
  const transport =
    options.stream === undefined
      ? new winston.transports.Console({ stderrLevels: ['error', 'warn'] })
      : new winston.transports.Stream({ stream: options.stream });
  return winston.createLogger({
    level: options.level ?? 'info',
    format,
    transports: [transport],
    ...(options.defaultMeta === undefined ? {} : { defaultMeta: { ...options.defaultMeta } }),
  });
}

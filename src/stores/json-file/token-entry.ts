import { parseTokenTime, tokenTimeMs } from './token-time.js';

/** A token entry that reads cleanly: an id, a file path and at least one usable time. */
export interface TokenEntry {
  readonly id: string;
  /** `file_path` (or the older `path`) exactly as written. */
  readonly filePath: string;
  /** Epoch milliseconds from `created_at`, when usable. */
  readonly createdAt?: number;
  /** Epoch milliseconds from `expires_at` (or the older `expires`), when usable. */
  readonly expiresAt?: number;
  /** The entry as stored in the file, untouched (unknown fields included). */
  readonly raw: Readonly<Record<string, unknown>>;
}

/** An entry that cannot be used. It is reported and stays in the file as it is. */
export interface RejectedTokenEntry {
  readonly id: string;
  /** Names the field and the fix. */
  readonly reason: string;
  /** The path it names, when it has a usable one (it still protects that file from orphan deletion). */
  readonly filePath?: string;
  readonly raw: unknown;
}

/** The outcome of reading one entry. */
export type ParsedTokenEntry =
  | { readonly ok: true; readonly entry: TokenEntry }
  | { readonly ok: false; readonly rejected: RejectedTokenEntry };

const TIME_FIX = 'set it to an ISO-8601 UTC time such as "2025-09-07T02:21:07Z" or to epoch seconds';

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : String(value);
}

const PATH_FIELDS = ['file_path', 'path'] as const;
const CREATED_FIELDS = ['created_at'] as const;
const EXPIRY_FIELDS = ['expires_at', 'expires'] as const;

function usablePath(raw: Record<string, unknown>): string | undefined {
  for (const field of PATH_FIELDS) {
    const value = raw[field];
    if (typeof value === 'string' && value.length > 0 && !value.includes('\0')) return value;
  }
  return undefined;
}

function rejectEntry(id: string, value: unknown, reason: string, filePath?: string): ParsedTokenEntry {
  return { ok: false, rejected: filePath === undefined ? { id, reason, raw: value } : { id, reason, raw: value, filePath } };
}

/** The first usable time among `fields` (epoch ms). Runs for every token: it allocates nothing. */
function firstTime(raw: Record<string, unknown>, fields: readonly string[]): number | undefined {
  for (const field of fields) {
    if (!Object.hasOwn(raw, field)) continue;
    const ms = tokenTimeMs(raw[field]);
    if (ms !== undefined) return ms;
  }
  return undefined;
}

/** Why each present field among `fields` is not a usable time (for the rejection reason). */
function timeProblems(raw: Record<string, unknown>, fields: readonly string[], out: string[]): void {
  for (const field of fields) {
    if (!Object.hasOwn(raw, field)) continue;
    const time = parseTokenTime(raw[field]);
    if (!time.ok) out.push(`${field} ${describe(raw[field])} ${time.problem}`);
  }
}

/**
 * Reads one entry of the token file, in the current form (`file_path`, `created_at`,
 * `expires_at`) or the older one (`path`, `expires`).
 *
 * Rejected (with a reason naming the field and the fix): a value that is not an object, an
 * entry without a usable path, and one with neither a usable creation nor expiry time (even if
 * it names a file: such a token is reported and kept, never deleted). When one time field is
 * usable and another is not, the usable one is kept: expiry takes whichever comes first anyway.
 */
export function parseTokenEntry(id: string, value: unknown): ParsedTokenEntry {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return rejectEntry(id, value, `token ${id} is ${describe(value)}, not an object; make it {"file_path": …, "created_at": …, "expires_at": …}`);
  }
  const raw = value as Record<string, unknown>;
  const filePath = usablePath(raw);
  if (filePath === undefined) {
    const seen = raw.file_path ?? raw.path;
    const what = seen === undefined ? 'has no file_path' : `has file_path ${describe(seen)}, not a usable path`;
    return rejectEntry(id, value, `token ${id} ${what}; set file_path to the audio file's path`);
  }

  const createdAt = firstTime(raw, CREATED_FIELDS);
  const expiresAt = firstTime(raw, EXPIRY_FIELDS);
  if (createdAt === undefined && expiresAt === undefined) {
    const problems: string[] = [];
    timeProblems(raw, CREATED_FIELDS, problems);
    timeProblems(raw, EXPIRY_FIELDS, problems);
    const what = problems.length === 0 ? 'has neither created_at nor expires_at' : `has no usable time: ${problems.join('; ')}`;
    return rejectEntry(id, value, `token ${id} ${what}; ${TIME_FIX} (the token is kept and never deleted until then)`, filePath);
  }
  // Built field by field: spreading optional fields costs more than the rest of the entry.
  const entry: { -readonly [K in keyof TokenEntry]: TokenEntry[K] } = { id, filePath, raw };
  if (createdAt !== undefined) entry.createdAt = createdAt;
  if (expiresAt !== undefined) entry.expiresAt = expiresAt;
  return { ok: true, entry };
}

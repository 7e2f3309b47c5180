import { parseTokenEntry, type RejectedTokenEntry, type TokenEntry } from './token-entry.js';

/** The two top-level forms the token file comes in. */
export type TokenDocumentForm = 'object' | 'array';

/**
 * A token file held in memory as parsed JSON, with the layout to write it back in. Entries are
 * kept as the parsed values themselves, so an edit touches only the entries it adds or removes:
 * every other entry, and every unknown field, is written back as the same value.
 */
export interface TokenDocument {
  /** `object`: keyed by token id. `array`: a list of entries, each with its `token_id`. */
  readonly form: TokenDocumentForm;
  readonly value: Record<string, unknown> | unknown[];
  /** Indentation found in the file (`''` for compact JSON). */
  readonly indent: string;
  readonly trailingNewline: boolean;
}

/** The outcome of parsing a whole token file. */
export type TokenDocumentRead =
  | { readonly status: 'ok'; readonly document: TokenDocument }
  | { readonly status: 'unreadable'; readonly reason: string };

/** Every entry of a document, sorted into usable tokens and rejected entries. */
export interface TokenEntries {
  readonly tokens: readonly TokenEntry[];
  readonly rejected: readonly RejectedTokenEntry[];
}

const RESTORE = 'restore it from a backup or fix it by hand; reclaim never rewrites a file it cannot read';

function endsWithNewline(text: string): boolean {
  // A scan from the end: a regex anchored at $ would retry from every newline of a 100 MB file.
  for (let i = text.length - 1; i >= 0; i -= 1) {
    const c = text.charCodeAt(i);
    if (c === 10) return true;
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return false;
}

function detectIndent(text: string): string {
  const m = /^\s*[[{]\r?\n([ \t]+)\S/.exec(text);
  return m === null ? '' : (m[1] as string);
}

/**
 * Parses the whole text of a token file. Anything but a JSON object or array at the top level
 * (including an empty file, which is what a crashed non-atomic writer leaves) is unreadable:
 * the caller must then neither rewrite the file nor treat it as an empty database.
 */
export function parseTokenDocument(text: string): TokenDocumentRead {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (!/\S/.test(body)) return { status: 'unreadable', reason: `the token file is empty; write {} for an empty database, or ${RESTORE}` };
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    return { status: 'unreadable', reason: `the token file is not valid JSON (${(error as Error).message}); ${RESTORE}` };
  }
  if (typeof value !== 'object' || value === null) {
    return {
      status: 'unreadable',
      reason: `the token file holds ${value === null ? 'null' : `a ${typeof value}`}, not an object keyed by token id or an array of tokens; ${RESTORE}`,
    };
  }
  const form: TokenDocumentForm = Array.isArray(value) ? 'array' : 'object';
  return {
    status: 'ok',
    document: { form, value: value as TokenDocument['value'], indent: detectIndent(body), trailingNewline: endsWithNewline(body) },
  };
}

/** A new, empty document in the object form (the original service's), two-space indented. */
export function emptyTokenDocument(): TokenDocument {
  return { form: 'object', value: {}, indent: '  ', trailingNewline: true };
}

/** Sets an own enumerable key; "__proto__" too stays an ordinary key (an assignment would set the prototype). */
function setEntry(object: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  else object[key] = value;
}

/** The text of a document, in its own form and layout. */
export function serializeTokenDocument(document: TokenDocument): string {
  const text = JSON.stringify(document.value, null, document.indent === '' ? undefined : document.indent);
  return document.trailingNewline ? `${text}\n` : text;
}

/**
 * The text {@link serializeTokenDocument} writes, built `slice` top-level entries at a time with
 * `pause()` awaited in between, so a long rewrite (0.1–0.2 s for 35k tokens) leaves the event
 * loop free now and then: the deletions a cleanup has in flight go on meanwhile. Each slice is
 * `JSON.stringify` of an object (or array) holding just those entries, so it is indented as the
 * whole would be; its brackets are cut off and the slices joined as the whole joins entries.
 */
export async function serializeTokenDocumentInSlices(document: TokenDocument, pause: () => Promise<void>, slice = 2048): Promise<string> {
  // JSON.stringify uses at most 10 characters of a string indent.
  const gap = document.indent.slice(0, 10);
  const value = document.value;
  const keys = Array.isArray(value) ? null : Object.keys(value);
  const count = keys === null ? (value as unknown[]).length : keys.length;
  // A slice's text is `{` + (`\n` + gap when indented) + its entries + (`\n` when indented) + `}`.
  const head = gap === '' ? 1 : 2 + gap.length;
  const tail = gap === '' ? 1 : 2;
  const parts: string[] = [];
  for (let from = 0; from < count; from += slice) {
    if (from > 0) await pause();
    const to = Math.min(count, from + slice);
    let part: unknown;
    if (keys === null) {
      part = (value as unknown[]).slice(from, to);
    } else {
      const entries: Record<string, unknown> = {};
      for (let i = from; i < to; i += 1) {
        const key = keys[i] as string;
        setEntry(entries, key, (value as Record<string, unknown>)[key]);
      }
      part = entries;
    }
    const text = JSON.stringify(part, null, gap);
    // An object whose entries all have no JSON text (undefined) comes out empty.
    if (text.length > 2) parts.push(text.slice(head, text.length - tail));
  }
  const [open, close] = keys === null ? ['[', ']'] : ['{', '}'];
  const text = parts.length === 0 ? `${open}${close}` : gap === '' ? `${open}${parts.join(',')}${close}` : `${open}\n${gap}${parts.join(`,\n${gap}`)}\n${close}`;
  return document.trailingNewline ? `${text}\n` : text;
}

function arrayId(entry: unknown): string | undefined {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return undefined;
  const id = (entry as Record<string, unknown>).token_id;
  return typeof id === 'string' && id.length > 0 ? id : undefined;
}

/**
 * Reads every entry. In the object form the key is the id. In the array form `token_id` is;
 * an entry without one is rejected under the id `[index]`, and a repeated `token_id` after the
 * first is rejected as a duplicate (both stay in the file).
 */
export function readTokenEntries(document: TokenDocument): TokenEntries {
  const tokens: TokenEntry[] = [];
  const rejected: RejectedTokenEntry[] = [];
  const add = (id: string, value: unknown): void => {
    const parsed = parseTokenEntry(id, value);
    if (parsed.ok) tokens.push(parsed.entry);
    else rejected.push(parsed.rejected);
  };
  if (document.form === 'object') {
    const entries = document.value as Record<string, unknown>;
    // Keys, not Object.entries: one [key, value] array per token adds up over 100k tokens.
    for (const id of Object.keys(entries)) add(id, entries[id]);
    return { tokens, rejected };
  }
  const firstIndex = new Map<string, number>();
  (document.value as unknown[]).forEach((value, index) => {
    const id = arrayId(value);
    if (id === undefined) {
      const parsed = parseTokenEntry(`[${index}]`, value);
      const filePath = parsed.ok ? parsed.entry.filePath : parsed.rejected.filePath;
      rejected.push({
        id: `[${index}]`,
        reason: `array entry ${index} has no token_id; add "token_id": "<id>" to it`,
        raw: value,
        ...(filePath === undefined ? {} : { filePath }),
      });
      return;
    }
    const first = firstIndex.get(id);
    if (first !== undefined) {
      const parsed = parseTokenEntry(id, value);
      const filePath = parsed.ok ? parsed.entry.filePath : parsed.rejected.filePath;
      rejected.push({
        id: `${id}[${index}]`,
        reason: `array entry ${index} repeats token_id ${JSON.stringify(id)} of entry ${first}; give it its own id or remove it`,
        raw: value,
        ...(filePath === undefined ? {} : { filePath }),
      });
      return;
    }
    firstIndex.set(id, index);
    add(id, value);
  });
  return { tokens, rejected };
}

/** The stored value of the entry with this id (the first one, in the array form). */
export function getTokenValue(document: TokenDocument, id: string): unknown {
  if (document.form === 'object') {
    const value = document.value as Record<string, unknown>;
    return Object.hasOwn(value, id) ? value[id] : undefined;
  }
  return (document.value as unknown[]).find((entry) => arrayId(entry) === id);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * True when two parsed JSON values serialise to the same text. A token entry is a flat object
 * of strings and numbers, so it is compared key by key (same keys in the same order, values
 * `===`), which is what comparing the texts says for such values; anything nested is compared
 * by its text. Called once per removed token in a commit.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (!isRecord(a) || !isRecord(b)) return JSON.stringify(a) === JSON.stringify(b);
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  for (let i = 0; i < keysA.length; i += 1) {
    const key = keysA[i] as string;
    if (key !== keysB[i]) return false;
    const va = a[key];
    const vb = b[key];
    if (va === vb) continue;
    if ((typeof va === 'object' && va !== null) || (typeof vb === 'object' && vb !== null)) return JSON.stringify(a) === JSON.stringify(b);
    return false;
  }
  return true;
}

/**
 * Removes entries by id. With an expected value, an entry is removed only when it still equals
 * what the caller saw (so a token replaced under the same id meanwhile is kept). Returns the
 * ids removed.
 */
export function removeTokenValues(document: TokenDocument, ids: ReadonlyMap<string, unknown>): string[] {
  const removed: string[] = [];
  const matches = (id: string, current: unknown): boolean => {
    const expected = ids.get(id);
    return expected === undefined || sameJson(expected, current);
  };
  if (document.form === 'object') {
    const value = document.value as Record<string, unknown>;
    for (const id of ids.keys()) {
      if (Object.hasOwn(value, id) && matches(id, value[id])) {
        delete value[id];
        removed.push(id);
      }
    }
    return removed;
  }
  const list = document.value as unknown[];
  const seen = new Set<string>();
  let write = 0;
  for (let read = 0; read < list.length; read += 1) {
    const entry = list[read];
    const id = arrayId(entry);
    // Only the first entry of an id is that token; later duplicates are rejected and kept.
    if (id !== undefined && !seen.has(id)) {
      seen.add(id);
      if (ids.has(id) && matches(id, entry)) {
        removed.push(id);
        continue;
      }
    }
    list[write] = entry;
    write += 1;
  }
  list.length = write;
  return removed;
}

/** Adds an entry under a new id; in the object form it becomes a key, in the array form it is appended. */
export function addTokenValue(document: TokenDocument, id: string, entry: Record<string, unknown>): void {
  if (document.form === 'object') {
    setEntry(document.value as Record<string, unknown>, id, entry);
  } else {
    (document.value as unknown[]).push(entry);
  }
}

import { validateConfig, type JsonSchema } from '../../kernel/index.js';

/**
 * Where sessions live in IndexedDB and how their fields are read: the database, the object
 * store, which keys are sessions, and dotted paths to each field. Paths are read from the whole
 * record: `''` is the record itself, `value.lastAccessed` a field of its `value`.
 */
export interface SessionLayout {
  readonly databaseName: string;
  readonly storeName: string;
  /**
   * The newest database version this layout knows. A database at a higher version was
   * upgraded by a newer app whose schema this layout may misread, so it is left alone and
   * reported as unreadable. The database is never created or upgraded by reclaim.
   */
  readonly version: number;
  /** Key filter: only string keys starting with this are sessions (`''`: every record). The id is the key without it. */
  readonly keyPrefix: string;
  /** Paths tried in order for the last access time (epoch ms or s, ISO text, or a Date). */
  readonly lastAccessFields: readonly string[];
  /** Paths tried in order for the session's timestamp (its creation or last write). */
  readonly timestampFields: readonly string[];
  /** Paths tried in order for a stored size in bytes; when none holds one, `measurePath` is measured. */
  readonly sizeFields: readonly string[];
  /** What is measured (see `sessionBytes`) when no size is stored: `''` for the whole record. */
  readonly measurePath: string;
  /** Paths whose value `true` pins a session: it is never evicted. */
  readonly pinnedFields: readonly string[];
  /** Key of a record in the same store naming the active session; null when there is none. */
  readonly activeSessionKey: string | null;
  /** Path, in that record, of the active session's id (or its full key). */
  readonly activeSessionPath: string;
}

/** The two layouts of SPEC §4, by name. */
export type SessionPresetName = 'chatterbox-storage' | 'chatterbox-recovery';

/**
 * What the web app really writes: database `ChatterboxStorage` (version 1), store
 * `keyValueStore` with records `{ key, value, timestamp, size }`; recovery sessions under keys
 * `cbx_recovery_session_<id>`, the active session's id under `cbx_active_session`.
 */
export const CHATTERBOX_STORAGE_LAYOUT: SessionLayout = Object.freeze({
  databaseName: 'ChatterboxStorage',
  storeName: 'keyValueStore',
  version: 1,
  keyPrefix: 'cbx_recovery_session_',
  lastAccessFields: Object.freeze(['value.lastAccessed', 'value.lastAccessedAt']),
  timestampFields: Object.freeze(['timestamp', 'value.timestamp', 'value.createdAt']),
  sizeFields: Object.freeze(['size']),
  measurePath: 'value',
  pinnedFields: Object.freeze(['value.pinned']),
  activeSessionKey: 'cbx_active_session',
  activeSessionPath: 'value',
});

/**
 * The documented layout: database `chatterbox-recovery` (version 1), store `sessions` keyed by
 * `id`, with indexes `timestamp` and `lastAccessed`; each record is one session.
 */
export const CHATTERBOX_RECOVERY_LAYOUT: SessionLayout = Object.freeze({
  databaseName: 'chatterbox-recovery',
  storeName: 'sessions',
  version: 1,
  keyPrefix: '',
  lastAccessFields: Object.freeze(['lastAccessed', 'lastAccessedAt']),
  timestampFields: Object.freeze(['timestamp', 'createdAt']),
  sizeFields: Object.freeze(['size']),
  measurePath: '',
  pinnedFields: Object.freeze(['pinned']),
  activeSessionKey: null,
  activeSessionPath: 'value',
});

/** The presets by name. */
export const SESSION_PRESETS: Readonly<Record<SessionPresetName, SessionLayout>> = Object.freeze({
  'chatterbox-storage': CHATTERBOX_STORAGE_LAYOUT,
  'chatterbox-recovery': CHATTERBOX_RECOVERY_LAYOUT,
});

/** A layout as a host gives it: a preset name, or a preset with fields overridden. */
export type SessionLayoutInput = SessionPresetName | (Partial<SessionLayout> & { readonly preset?: SessionPresetName });

const path = { type: 'string', maxLength: 200 } as const;
const paths = { type: 'array', items: path, maxItems: 16 } as const;

/** JSON Schema of the object form of {@link SessionLayoutInput}. */
export const SESSION_LAYOUT_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    preset: { enum: Object.keys(SESSION_PRESETS) },
    databaseName: { type: 'string', minLength: 1 },
    storeName: { type: 'string', minLength: 1 },
    version: { type: 'integer', minimum: 1 },
    keyPrefix: { type: 'string' },
    lastAccessFields: paths,
    timestampFields: { ...paths, minItems: 1 },
    sizeFields: paths,
    measurePath: path,
    pinnedFields: paths,
    activeSessionKey: { type: ['string', 'null'], minLength: 1 },
    activeSessionPath: path,
  },
  additionalProperties: false,
};

/**
 * Resolves a layout: a preset by name, or a preset (default `chatterbox-storage`) with the
 * given fields replaced. Validated with ajv; a bad field is a `RECLAIM_INVALID_CONFIG` error
 * naming it. The result is frozen.
 */
export function resolveSessionLayout(input: SessionLayoutInput | undefined, root = 'store'): SessionLayout {
  if (input === undefined) return CHATTERBOX_STORAGE_LAYOUT;
  const object = typeof input === 'string' ? { preset: input } : input;
  const checked = validateConfig<Partial<SessionLayout> & { preset?: SessionPresetName }>(SESSION_LAYOUT_SCHEMA, object, {
    subject: 'Invalid IndexedDB session store configuration',
    root,
  });
  const { preset, ...overrides } = checked;
  return Object.freeze({ ...SESSION_PRESETS[preset ?? 'chatterbox-storage'], ...overrides });
}

import picomatch from 'picomatch';
import { defer, EMPTY, mergeMap, type Observable, of } from 'rxjs';
import type { Decision, ObservedFile, Policy } from '../kernel/index.js';

/** Options of the orphan policy. */
export interface OrphanOptions {
  /** Files younger than this (by mtime) are never orphans: a writer may not have linked them yet. */
  readonly graceMinutes: number;
  /** Extra glob patterns (root-relative) that are never candidates. */
  readonly exclude: readonly string[];
}

/** JSON Schema of {@link OrphanOptions}. */
export const ORPHAN_OPTIONS_SCHEMA = {
  type: 'object',
  properties: {
    graceMinutes: { type: 'number', minimum: 0, default: 60 },
    exclude: { type: 'array', items: { type: 'string', minLength: 1 }, default: [] },
  },
  additionalProperties: false,
} as const;

/** Names that are never orphans: temp and partial files, dot-files anywhere in the path. */
export function isAlwaysKept(key: string): boolean {
  if (key.endsWith('.tmp') || key.endsWith('.part')) return true;
  return key.split('/').some((segment) => segment.startsWith('.'));
}

/** Classifies one file given the references; `undefined` means nothing to say. */
export function classifyFile(
  file: ObservedFile,
  referenced: ReadonlySet<string>,
  now: number,
  graceMs: number,
  excluded: (key: string) => boolean,
): Decision | undefined {
  if (file.reserved === true || referenced.has(file.key) || isAlwaysKept(file.key) || excluded(file.key)) return undefined;
  if (file.type === 'symlink') return { kind: 'skip', target: { kind: 'file', path: file.key }, reason: 'symlink' };
  if (file.type !== 'file') return undefined;
  if (now - file.mtimeMs < graceMs) return { kind: 'skip', target: { kind: 'file', path: file.key }, reason: 'grace' };
  return { kind: 'delete', target: { kind: 'file', path: file.key }, reason: 'orphan', bytes: file.size };
}

/**
 * The orphan policy: deletes regular files under the root that no record refers to. Matching
 * is conservative (every key a record or rejected entry could mean is kept), and the pass is
 * suspended when the record source is missing or unreadable.
 */
export const orphanPolicy: Policy<OrphanOptions> = {
  name: 'orphan',
  optionsSchema: ORPHAN_OPTIONS_SCHEMA,
  observes: ['records', 'files'],
  plan: ({ storage$, source, now, options }): Observable<Decision> => {
    if (source.status !== 'ok') {
      const why =
        source.status === 'missing'
          ? `the token database is missing (${source.reason}); a mistyped path must not make every file an orphan`
          : `the token database cannot be read (${source.reason}); nothing is an orphan until it can`;
      return of({ kind: 'suspend', reason: why });
    }
    const graceMs = options.graceMinutes * 60_000;
    const excluded = options.exclude.length === 0 ? () => false : picomatch([...options.exclude], { dot: true });
    return defer(() => {
      const referenced = new Set<string>();
      return storage$.pipe(
        mergeMap((event) => {
          switch (event.type) {
            case 'RecordObserved':
              for (const ref of event.record.refs ?? []) referenced.add(ref);
              if (event.record.file?.key !== undefined) referenced.add(event.record.file.key);
              return EMPTY;
            case 'EntryRejected':
              for (const ref of event.entry.refs ?? []) referenced.add(ref);
              return EMPTY;
            case 'FileObserved': {
              const decision = classifyFile(event.file, referenced, now, graceMs, excluded);
              return decision === undefined ? EMPTY : of(decision);
            }
          }
        }),
      );
    });
  },
};

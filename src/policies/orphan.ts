import picomatch from 'picomatch';
import { Observable, of } from 'rxjs';
import { assertNever, type Decision, type ObservedFile, type Policy, type StorageEvent } from '../kernel/index.js';

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
  // A segment starts with a dot exactly when the key does or a dot follows a slash.
  return key.charCodeAt(0) === 46 || key.includes('/.');
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
  // Files of records whose deletion is still in flight are held like any other record's, and
  // usage is not read: the scan can run while the previous policy's deletions drain.
  overlapsPrevious: true,
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
    // One subscriber for the whole stream (a fresh reference set per subscription): an inner
    // observable per scanned file, as mergeMap would make, costs more than the decision itself.
    return new Observable<Decision>((subscriber) => {
      const referenced = new Set<string>();
      const hold = (refs: readonly string[] | undefined): void => {
        if (refs !== undefined) for (const ref of refs) referenced.add(ref);
      };
      const observe = (event: StorageEvent): void => {
        switch (event.type) {
          case 'RecordObserved': {
            hold(event.record.refs);
            const key = event.record.file?.key;
            if (key !== undefined) referenced.add(key);
            return;
          }
          case 'EntryRejected':
            hold(event.entry.refs);
            return;
          case 'FileObserved': {
            const decision = classifyFile(event.file, referenced, now, graceMs, excluded);
            if (decision !== undefined) subscriber.next(decision);
            return;
          }
          default:
            assertNever(event);
        }
      };
      return storage$.subscribe({
        next(event) {
          try {
            observe(event);
          } catch (error) {
            // A planner that throws fails its policy (PolicyFailed), as an operator would.
            subscriber.error(error);
          }
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
    });
  },
};

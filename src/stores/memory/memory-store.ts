import { from, type Observable } from 'rxjs';
import type {
  ObservedFile,
  ProtectionReason,
  RecordSnapshot,
  RejectedEntry,
  RemovalResult,
  SourceStatus,
  Store,
  StoredRecord,
  Target,
  Usage,
} from '../../kernel/index.js';

/** A record as the memory store keeps it; `fileKey` names a file in the same store. */
export interface MemoryRecord {
  readonly id: string;
  readonly kind?: string;
  readonly createdAt?: number;
  readonly expiresAt?: number;
  readonly lastAccessAt?: number;
  /** Bytes of a record without a file (a session's size). */
  readonly bytes?: number;
  /** Root-relative key of the file it owns; `../x` or `/x` stand for a path outside the root. */
  readonly fileKey?: string;
  readonly protectedBy?: ProtectionReason;
}

/** A file as the memory store keeps it. */
export interface MemoryFile {
  readonly key: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly type?: ObservedFile['type'];
  readonly reserved?: boolean;
}

/** Initial content of a memory store. */
export interface MemoryStoreInit {
  readonly records?: readonly MemoryRecord[];
  readonly files?: readonly MemoryFile[];
  readonly rejected?: readonly RejectedEntry[];
  readonly limitBytes?: number | null;
  readonly source?: SourceStatus;
}

function outside(key: string): boolean {
  return key.startsWith('../') || key.startsWith('/');
}

/**
 * A store held in memory: records, files and a limit. For tests, examples and hosts that keep
 * their recovery data in memory. It can also refuse deletions (`refuse`), as a real file system
 * does on EACCES, so the failure path is testable without mocks.
 */
export class MemoryStore implements Store {
  readonly name = 'memory';
  readonly #records = new Map<string, MemoryRecord>();
  readonly #files = new Map<string, MemoryFile>();
  readonly #refused = new Map<string, string>();
  #rejected: RejectedEntry[];
  #limitBytes: number | null;
  #source: SourceStatus;

  constructor(init: MemoryStoreInit = {}) {
    for (const record of init.records ?? []) this.#records.set(record.id, record);
    for (const file of init.files ?? []) this.#files.set(file.key, file);
    this.#rejected = [...(init.rejected ?? [])];
    this.#limitBytes = init.limitBytes ?? null;
    this.#source = init.source ?? { status: 'ok' };
  }

  /** Adds or replaces a record. */
  putRecord(record: MemoryRecord): void {
    this.#records.set(record.id, record);
  }

  /** Adds or replaces a file. */
  putFile(file: MemoryFile): void {
    this.#files.set(file.key, file);
  }

  /** Makes deletions of this target key (`record:<id>` or `file:<key>`) fail with `code`. */
  refuse(key: string, code = 'EACCES'): void {
    this.#refused.set(key, code);
  }

  /** Sets what `loadRecords` reports about the source (e.g. unreadable). */
  setSource(source: SourceStatus): void {
    this.#source = source;
  }

  setLimit(limitBytes: number | null): void {
    this.#limitBytes = limitBytes;
  }

  /** The records held now. */
  records(): readonly MemoryRecord[] {
    return [...this.#records.values()];
  }

  /** The files held now. */
  files(): readonly MemoryFile[] {
    return [...this.#files.values()];
  }

  loadRecords(): Promise<RecordSnapshot> {
    if (this.#source.status !== 'ok') {
      return Promise.resolve({ source: this.#source, records: [], rejected: [] });
    }
    const records = [...this.#records.values()].map((r) => this.#toStored(r));
    return Promise.resolve({ source: this.#source, records, rejected: [...this.#rejected] });
  }

  scanFiles(): Observable<ObservedFile> {
    return from(
      [...this.#files.values()].map((f): ObservedFile => ({
        key: f.key,
        size: f.size,
        mtimeMs: f.mtimeMs,
        type: f.type ?? 'file',
        ...(f.reserved === true ? { reserved: true } : {}),
      })),
    );
  }

  measure(): Promise<Usage> {
    let used = 0;
    for (const file of this.#files.values()) if ((file.type ?? 'file') === 'file') used += file.size;
    for (const record of this.#records.values()) if (record.fileKey === undefined) used += record.bytes ?? 0;
    return Promise.resolve({ usedBytes: used, limitBytes: this.#limitBytes });
  }

  remove(target: Target): Promise<RemovalResult> {
    const key = target.kind === 'record' ? `record:${target.id}` : `file:${target.path}`;
    const refused = this.#refused.get(key);
    if (refused !== undefined) {
      return Promise.resolve({ status: 'failed', code: refused, message: `${refused}: cannot delete ${key}`, path: key });
    }
    if (target.kind === 'file') {
      const file = this.#files.get(target.path);
      if (file === undefined || (file.type ?? 'file') !== 'file') return Promise.resolve({ status: 'gone' });
      this.#files.delete(target.path);
      return Promise.resolve({ status: 'deleted', records: 0, files: 1, bytes: file.size });
    }
    const record = this.#records.get(target.id);
    if (record === undefined) return Promise.resolve({ status: 'gone' });
    let files = 0;
    let bytes = record.fileKey === undefined ? (record.bytes ?? 0) : 0;
    if (target.file !== undefined) {
      const file = this.#files.get(target.file);
      if (file !== undefined && (file.type ?? 'file') === 'file') {
        if (this.#refused.has(`file:${target.file}`)) {
          return Promise.resolve({ status: 'failed', code: this.#refused.get(`file:${target.file}`) as string, message: `cannot delete file ${target.file}`, path: target.file });
        }
        this.#files.delete(target.file);
        files = 1;
        bytes = file.size;
      }
    }
    this.#records.delete(target.id);
    return Promise.resolve({ status: 'deleted', records: 1, files, bytes });
  }

  #toStored(record: MemoryRecord): StoredRecord {
    const base = {
      id: record.id,
      kind: record.kind ?? 'token',
      ...(record.createdAt === undefined ? {} : { createdAt: record.createdAt }),
      ...(record.expiresAt === undefined ? {} : { expiresAt: record.expiresAt }),
      ...(record.lastAccessAt === undefined ? {} : { lastAccessAt: record.lastAccessAt }),
      ...(record.protectedBy === undefined ? {} : { protectedBy: record.protectedBy }),
    };
    if (record.fileKey === undefined) return { ...base, bytes: record.bytes ?? 0 };
    const inRoot = !outside(record.fileKey);
    const file = inRoot ? this.#files.get(record.fileKey) : undefined;
    const exists = file !== undefined && (file.type ?? 'file') === 'file';
    const size = exists ? file.size : 0;
    return {
      ...base,
      bytes: size,
      file: { path: record.fileKey, ...(inRoot ? { key: record.fileKey } : {}), inRoot, exists, size },
      refs: inRoot ? [record.fileKey] : [],
    };
  }
}

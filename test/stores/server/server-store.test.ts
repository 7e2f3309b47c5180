import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServerStore, ServerStore } from '../../../src/stores/server/index.js';
import { HOUR, sandbox, type Sandbox } from './helpers.js';

let box: Sandbox;
const now = Date.now();
beforeEach(() => {
  box = sandbox('reclaim-store-');
});
afterEach(() => box.cleanup());

const open = (): ServerStore => createServerStore({ storagePath: box.root, tokenFile: box.tokenFile, limitBytes: 1000 });
const tokenIds = (): string[] => Object.keys(JSON.parse(readFileSync(box.tokenFile, 'utf8')) as object).sort();

describe('ServerStore records', () => {
  it('describes each token: key, containment, existence, size, refs; symlinks do not exist as files', async () => {
    box.file('a.wav', 12);
    box.file('sub/b.wav', 7);
    box.tokens({
      rel: { file_path: 'a.wav', created_at: now },
      abs: { file_path: join(box.root, 'sub', 'b.wav'), created_at: now },
      missing: { file_path: 'nope.wav', created_at: now },
      escape: { file_path: '../x.wav', created_at: now },
      viaCwd: { file_path: 'storage/a.wav', created_at: now },
    });
    const store = createServerStore({ storagePath: box.root, tokenFile: box.tokenFile, limitBytes: 1000, cwd: box.dir });
    const { records, source } = await store.loadRecords();
    expect(source.status).toBe('ok');
    const byId = new Map(records.map((r) => [r.id, r]));
    expect(byId.get('rel')).toMatchObject({ kind: 'token', bytes: 12, file: { path: 'a.wav', key: 'a.wav', inRoot: true, exists: true, size: 12 }, refs: ['a.wav'] });
    expect(byId.get('abs')?.file).toMatchObject({ key: 'sub/b.wav', inRoot: true, exists: true, size: 7 });
    expect(byId.get('missing')).toMatchObject({ bytes: 0, file: { key: 'nope.wav', inRoot: true, exists: false, size: 0 } });
    expect(byId.get('escape')?.file).toEqual({ path: '../x.wav', inRoot: false, exists: false, size: 0 });
    expect(byId.get('escape')?.refs).toEqual([]);
    // Relative to the root it names storage/a.wav (missing); relative to cwd it names a.wav: both are protected.
    expect(byId.get('viaCwd')?.file).toMatchObject({ key: 'storage/a.wav', exists: false });
    expect(byId.get('viaCwd')?.refs).toEqual(['storage/a.wav', 'a.wav']);
    expect(await store.measure()).toEqual({ usedBytes: 19, limitBytes: 1000 });
  });
});

describe('ServerStore removals', () => {
  it('after a load whose folder walk failed, no token is known: a removal finds it gone and its file stays', async () => {
    box.tokens({ one: { file_path: 'a.wav', created_at: now } });
    // The storage root is a regular file: the walk cannot list it.
    rmSync(box.root, { recursive: true });
    writeFileSync(box.root, 'not a folder');
    const store = open();
    await expect(store.loadRecords()).rejects.toThrow();
    expect(await store.remove({ kind: 'record', id: 'one' })).toEqual({ status: 'gone' });
    await store.commit();
    expect(tokenIds()).toEqual(['one']);
  });

  it('never unlinks a file another live token refers to, and frees it with the last one', async () => {
    box.file('shared.wav', 9);
    box.tokens({ one: { file_path: 'shared.wav', created_at: now }, two: { file_path: 'shared.wav', created_at: now } });
    const store = open();
    await store.loadRecords();
    expect(await store.remove({ kind: 'record', id: 'one', file: 'shared.wav' })).toEqual({ status: 'deleted', records: 1, files: 0, bytes: 0 });
    expect(existsSync(join(box.root, 'shared.wav'))).toBe(true);
    expect(await store.remove({ kind: 'file', path: 'shared.wav' })).toMatchObject({ status: 'failed', code: 'RECLAIM_PROTECTED_PATH' });
    expect(await store.remove({ kind: 'record', id: 'two', file: 'shared.wav' })).toEqual({ status: 'deleted', records: 1, files: 1, bytes: 9 });
    expect(await store.remove({ kind: 'record', id: 'two', file: 'shared.wav' })).toEqual({ status: 'gone' });
    await store.commit();
    expect(tokenIds()).toEqual([]);
  });

  it('refuses to delete a file that is not the token’s own, and a file a rejected entry names', async () => {
    box.file('a.wav', 1);
    box.file('b.wav', 1);
    box.tokens({ a: { file_path: 'a.wav', created_at: now }, bad: { file_path: 'b.wav' } });
    const store = open();
    await store.loadRecords();
    expect(await store.remove({ kind: 'record', id: 'a', file: 'b.wav' })).toMatchObject({ status: 'failed', code: 'RECLAIM_PROTECTED_PATH' });
    expect(await store.remove({ kind: 'file', path: 'b.wav' })).toMatchObject({ status: 'failed', code: 'RECLAIM_PROTECTED_PATH' });
    expect(await store.remove({ kind: 'file', path: '../b.wav' })).toMatchObject({ status: 'failed', code: 'RECLAIM_OUTSIDE_ROOT' });
    expect(existsSync(join(box.root, 'a.wav')) && existsSync(join(box.root, 'b.wav'))).toBe(true);
    await store.commit();
    expect(tokenIds()).toEqual(['a', 'bad']);
  });

  it('removes the token of a file already gone, counting nothing freed', async () => {
    box.tokens({ a: { file_path: 'a.wav', created_at: now } });
    box.file('a.wav', 5);
    const store = open();
    await store.loadRecords();
    rmSync(join(box.root, 'a.wav'));
    expect(await store.remove({ kind: 'record', id: 'a', file: 'a.wav' })).toEqual({ status: 'deleted', records: 1, files: 0, bytes: 0 });
    await store.close();
    expect(tokenIds()).toEqual([]);
  });

  it('commits removals without losing a token added meanwhile, and keeps a token changed meanwhile', async () => {
    box.tokens({ a: { file_path: 'a.wav', created_at: now - 48 * HOUR }, b: { file_path: 'b.wav', created_at: now - 48 * HOUR } });
    const store = open();
    await store.loadRecords();
    await store.remove({ kind: 'record', id: 'a' });
    await store.remove({ kind: 'record', id: 'b' });
    // Another writer, between the cleanup's read and its commit:
    await store.tokens.addToken({ id: 'c', filePath: 'c.wav' });
    const current = JSON.parse(readFileSync(box.tokenFile, 'utf8')) as Record<string, Record<string, unknown>>;
    writeFileSync(box.tokenFile, JSON.stringify({ ...current, b: { ...current.b, created_at: now } }));
    await store.commit();
    expect(tokenIds()).toEqual(['b', 'c']);
  });

  it('keeps queued removals when the token file turned unreadable, and commits them once it reads again', async () => {
    box.tokens({ a: { file_path: 'a.wav', created_at: now } });
    const store = open();
    await store.loadRecords();
    await store.remove({ kind: 'record', id: 'a' });
    const good = readFileSync(box.tokenFile, 'utf8');
    box.tokens('{ torn');
    await expect(store.commit()).rejects.toMatchObject({ code: 'RECLAIM_TOKEN_SOURCE_UNREADABLE' });
    expect(readFileSync(box.tokenFile, 'utf8')).toBe('{ torn');
    box.tokens(good);
    await store.commit();
    expect(tokenIds()).toEqual([]);
  });
});

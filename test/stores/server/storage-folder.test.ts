import { execFileSync, spawnSync } from 'node:child_process';
import fc from 'fast-check';
import * as fs from 'node:fs';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { firstValueFrom, lastValueFrom, take, toArray } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isReclaimError, type ObservedFile } from '../../../src/kernel/index.js';
import {
  isNormalAbsolute,
  isPlainRelative,
  removeRegularFile,
  StorageFolder,
  StorageRoot,
  walkFolder,
  walkInWorker,
  type UnlinkOutcome,
} from '../../../src/stores/folder/index.js';
import { rootSlices } from '../../../src/stores/folder/walk-steps.js';
import { REPO_ROOT, TSX_ENV, TSX_IMPORT } from '../../support/tsx.js';
import { lockFile, sandbox, unlockFile, type Sandbox } from './helpers.js';

let box: Sandbox;
let outside: string;
beforeEach(() => {
  box = sandbox('reclaim-folder-');
  outside = mkdtempSync(join(tmpdir(), 'reclaim-outside-'));
  writeFileSync(join(outside, 'precious.wav'), 'precious');
});
afterEach(() => {
  box.cleanup();
  rmSync(outside, { recursive: true, force: true });
});

const scanAll = (folder: StorageFolder): Promise<ObservedFile[]> => lastValueFrom(folder.scan().pipe(toArray()));

describe.each([
  ['thread', 1],
  ['worker', 1],
  ['worker', 3],
] as const)('StorageFolder scan (%s walker, %i thread)', (walker, walkerThreads) => {
  it('streams every entry of a sharded tree with root-relative keys, lstat sizes and mtimes', async () => {
    const mtime = Date.UTC(2025, 0, 1);
    const expected = new Map<string, number>();
    for (let i = 0; i < 300; i += 1) {
      const key = `${(i % 16).toString(16)}/${(i % 3).toString()}/f${i}.wav`;
      box.file(key, i, mtime);
      expected.set(key, i);
    }
    box.file('top.wav', 7, mtime);
    expected.set('top.wav', 7);
    symlinkSync(join(outside, 'precious.wav'), join(box.root, 'link.wav'));
    symlinkSync(outside, join(box.root, 'linkdir'));
    execFileSync('mkfifo', [join(box.root, 'pipe')]);
    const folder = new StorageFolder(box.root, { walker, walkerThreads, chunkSize: 7 });
    const files = await scanAll(folder);
    const byKey = new Map(files.map((f) => [f.key, f]));
    for (const [key, size] of expected) {
      expect(byKey.get(key), key).toEqual({ key, size, mtimeMs: mtime, type: 'file' });
    }
    expect(byKey.get('link.wav')?.type).toBe('symlink');
    // A symlinked folder is an entry, never a way in.
    expect(byKey.get('linkdir')?.type).toBe('symlink');
    expect(files.some((f) => f.key.startsWith('linkdir/'))).toBe(false);
    expect(byKey.get('pipe')?.type).toBe('other');
    expect(files.length).toBe(expected.size + 3);
    expect(await folder.measure()).toBe([...expected.values()].reduce((a, b) => a + b, 0));
  });

  it('streams a large folder (opendir path) and awaits pace between chunks', async () => {
    for (let i = 0; i < 3000; i += 1) writeFileSync(join(box.root, `long-name-to-grow-the-directory-${i}.wav`), 'x');
    // Big enough that the walk streams it through opendir instead of one readdir.
    expect(statSync(box.root).size).toBeGreaterThan(64 * 1024);
    let paced = 0;
    const folder = new StorageFolder(box.root, { walker, walkerThreads, chunkSize: 100 });
    const files = await lastValueFrom(
      folder.scan({ pace: () => new Promise((resolve) => setTimeout(() => ((paced += 1), resolve()), 0)) }).pipe(toArray()),
    );
    expect(files.length).toBe(3000);
    expect(new Set(files.map((f) => f.key)).size).toBe(3000);
    // Paced between chunks on this thread (100 entries), between batches from each worker (512).
    expect(paced).toBeGreaterThanOrEqual(walker === 'thread' ? 29 : 5);
  });

  it('stops walking when the subscriber leaves', async () => {
    for (let i = 0; i < 50; i += 1) box.file(`d${i}/x.wav`, 1);
    const folder = new StorageFolder(box.root, { walker, walkerThreads, chunkSize: 1 });
    expect((await firstValueFrom(folder.scan().pipe(take(3)).pipe(toArray()))).length).toBe(3);
  });

  it('flags reserved keys and does not descend into a reserved folder', async () => {
    box.file('tokens.json', 3);
    mkdirSync(join(box.root, 'tokens.json.lock'));
    writeFileSync(join(box.root, 'tokens.json.lock', 'inner'), 'x');
    box.file('a.wav', 1);
    const folder = new StorageFolder(box.root, { walker, walkerThreads, reservedKeys: () => ['tokens.json'] });
    const files = await scanAll(folder);
    expect(files.map((f) => [f.key, f.reserved ?? false]).sort()).toEqual([
      ['a.wav', false],
      ['tokens.json', true],
    ]);
    expect((await folder.removeFile('tokens.json')).status).toBe('failed');
    expect(existsSync(join(box.root, 'tokens.json'))).toBe(true);
  });

  it('has no entries and no usage when the root does not exist yet', async () => {
    const folder = new StorageFolder(join(box.dir, 'not-there'), { walker, walkerThreads });
    expect(await scanAll(folder)).toEqual([]);
    expect(await folder.measure()).toBe(0);
  });

  it('fails the scan with ENOTDIR when the root is a file, and names it', async () => {
    box.file('plain.wav', 1);
    const folder = new StorageFolder(join(box.root, 'plain.wav'), { walker, walkerThreads });
    await expect(scanAll(folder)).rejects.toMatchObject({ code: 'ENOTDIR', message: expect.stringContaining('plain.wav') });
  });

  it('counts files inside reserved folders toward usage, and keeps measuring after deletions', async () => {
    box.file('tokens.json', 3);
    mkdirSync(join(box.root, 'tokens.json.lock'));
    writeFileSync(join(box.root, 'tokens.json.lock', 'inner'), 'xx');
    box.file('a/b.wav', 5);
    const folder = new StorageFolder(box.root, { walker, walkerThreads, reservedKeys: () => ['tokens.json'] });
    expect(await folder.measure()).toBe(10);
    expect((await folder.removeFile('a/b.wav')).status).toBe('deleted');
    expect(await folder.measure()).toBe(5);
  });
});

describe('walkInWorker', () => {
  it('runs under tsx too, whose compiler adds name helpers to the walk function it ships to the worker', () => {
    for (let i = 0; i < 30; i += 1) box.file(`s${i % 3}/f${i}.wav`, 1);
    const script = `import { walkInWorker } from ${JSON.stringify(pathToFileURL(join(REPO_ROOT, 'src', 'stores', 'folder', 'index.ts')).href)};
let n = 0;
await walkInWorker(process.argv[2], () => { n += 1; });
console.log(n);`;
    const file = join(box.dir, 'walk.mjs');
    writeFileSync(file, script);
    const child = spawnSync(process.execPath, [...TSX_IMPORT, file, box.root], { env: { ...process.env, ...TSX_ENV }, encoding: 'utf8', timeout: 30_000 });
    expect(child.stderr).toBe('');
    expect(child.stdout.trim()).toBe('30');
  });

  it('stays paced: while the consumer holds a batch, no further entries arrive; released, every entry comes once, in walk order', async () => {
    for (let i = 0; i < 100; i += 1) box.file(`d${i % 7}/f${i}.wav`, 1);
    const inThread: string[] = [];
    await walkFolder(box.root, (entry) => inThread.push(entry.key));
    const seen: string[] = [];
    let release: (() => void) | undefined;
    let calls = 0;
    const walk = walkInWorker(box.root, (entry) => seen.push(entry.key), {
      batchSize: 10,
      window: 2,
      between: () => {
        calls += 1;
        return calls === 1 ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve();
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(seen).toHaveLength(10);
    release?.();
    await walk;
    expect(seen).toEqual(inThread);
  });
});

describe('a walk split between threads', () => {
  // Every entry's key, and every folder entered as `key/`.
  const walkAll = async (root = box.root): Promise<string[]> => {
    const seen: string[] = [];
    await walkFolder(root, (entry) => seen.push(entry.key), { enter: (key) => seen.push(`${key}/`) });
    return seen;
  };

  // A random tree: keys of one to three segments; a key that is also a folder of another stays a folder.
  const randomTree = fc.uniqueArray(
    fc.array(fc.constantFrom('a', 'b', 'c', 'd0', 'e1', 'f.wav', 'g.wav', 'h.part'), { minLength: 1, maxLength: 3 }).map((parts) => parts.join('/')),
    { minLength: 1, maxLength: 25 },
  );
  let run = 0;
  const makeTree = (keys: readonly string[]): string => {
    const root = join(box.dir, `tree-${run}`);
    run += 1;
    mkdirSync(root);
    const folders = new Set(keys.flatMap((k) => k.split('/').slice(0, -1).map((_, i, all) => all.slice(0, i + 1).join('/'))));
    for (const k of keys) {
      if (folders.has(k)) continue;
      mkdirSync(join(root, k, '..'), { recursive: true });
      writeFileSync(join(root, k), k);
    }
    return root;
  };

  it('slices the root so that each name is in exactly one slice, a folder alone, other names at most the slice size (property)', () => {
    fc.assert(
      fc.property(randomTree, fc.integer({ min: 1, max: 6 }), (keys, sliceSize) => {
        const root = makeTree(keys);
        const slices = [...rootSlices(fs, root, sliceSize)];
        const names = slices.flat();
        expect(names.sort()).toEqual(readdirSync(root).sort());
        for (const slice of slices) {
          const folders = slice.filter((name) => statSync(join(root, name)).isDirectory());
          if (folders.length > 0) expect(slice).toEqual(folders.slice(0, 1));
          else expect(slice.length).toBeLessThanOrEqual(sliceSize);
        }
        rmSync(root, { recursive: true });
      }),
      { numRuns: 100 },
    );
  });

  it('on any number of workers, with or without this thread helping, yields what one walk here yields: every entry once (property)', async () => {
    await fc.assert(
      fc.asyncProperty(randomTree, fc.integer({ min: 1, max: 3 }), fc.boolean(), async (keys, threads, helpHere) => {
        const root = makeTree(keys);
        const whole = await walkAll(root);
        const seen: string[] = [];
        await walkInWorker(root, (entry) => seen.push(entry.key), { threads, helpHere, batchSize: 2, enter: (key) => seen.push(`${key}/`) });
        expect(seen.sort()).toEqual(whole.sort());
        rmSync(root, { recursive: true });
      }),
      { numRuns: 25 },
    );
  });

  it('on worker threads, yields what one walk here yields, folders entered included', async () => {
    for (let i = 0; i < 600; i += 1) box.file(i % 3 === 0 ? `top-${i}.wav` : `s${i % 11}/t${i % 4}/f${i}.wav`, i);
    const here = await walkAll();
    const seen: string[] = [];
    await walkInWorker(box.root, (entry) => seen.push(entry.key), { threads: 3, batchSize: 16, enter: (key) => seen.push(`${key}/`) });
    expect(seen.sort()).toEqual(here.sort());
  });

  it('takes a thread count that is not a finite number as one worker, and still ends', async () => {
    for (let i = 0; i < 40; i += 1) box.file(`f${i}.wav`, 1);
    for (const threads of [Number.NaN, Number.POSITIVE_INFINITY]) {
      const seen: string[] = [];
      await walkInWorker(box.root, (entry) => seen.push(entry.key), { threads });
      expect(seen.length, String(threads)).toBe(40);
    }
  });

  it('while files come and go, sees every file that stays exactly once and nothing twice', async () => {
    for (let i = 0; i < 1500; i += 1) box.file(`stay-${i}.wav`, 1);
    for (let i = 0; i < 500; i += 1) box.file(`go-${i}.wav`, 1);
    const counts = new Map<string, number>();
    let batches = 0;
    await walkInWorker(box.root, (entry) => counts.set(entry.key, (counts.get(entry.key) ?? 0) + 1), {
      threads: 2,
      batchSize: 25,
      window: 1,
      between: async () => {
        batches += 1;
        // Between batches, some files go and new ones come, as deletions and a host's writes would.
        for (let i = batches * 10; i < batches * 10 + 10 && i < 500; i += 1) rmSync(join(box.root, `go-${i}.wav`), { force: true });
        for (let i = batches * 5; i < batches * 5 + 5; i += 1) writeFileSync(join(box.root, `new-${i}.wav`), 'n');
      },
    });
    expect(batches).toBeGreaterThan(20);
    for (let i = 0; i < 1500; i += 1) expect(counts.get(`stay-${i}.wav`), `stay-${i}.wav`).toBe(1);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect([...counts.keys()].every((k) => /^(stay|go|new)-\d+\.wav$/.test(k))).toBe(true);
  });

  it('refuses a walkerThreads that is not a whole number from 1 to 64, naming the field', () => {
    for (const walkerThreads of [0, 1.5, 65, Number.NaN]) {
      let error: unknown;
      try {
        new StorageFolder(box.root, { walkerThreads });
      } catch (caught) {
        error = caught;
      }
      expect(isReclaimError(error, 'RECLAIM_INVALID_CONFIG'), String(walkerThreads)).toBe(true);
      expect((error as { fields: { field: string }[] }).fields.map((f) => f.field)).toEqual(['walkerThreads']);
    }
  });
});

describe('StorageFolder removal', () => {
  it('deletes a regular file once, then finds it gone, and keeps usage current without a walk', async () => {
    box.file('a.wav', 10);
    box.file('b.wav', 5);
    const folder = new StorageFolder(box.root);
    expect(await folder.measure()).toBe(15);
    expect(await folder.removeFile('a.wav')).toEqual({ status: 'deleted', records: 0, files: 1, bytes: 10 });
    expect(await folder.removeFile('a.wav')).toEqual({ status: 'gone' });
    // A file appearing behind the folder's back is not seen until the next run starts over.
    box.file('c.wav', 100);
    expect(await folder.measure()).toBe(5);
    folder.startOver();
    expect(await folder.measure()).toBe(105);
  });

  it('never deletes a symlink, its target, or anything through a symlinked folder or outside the root', async () => {
    symlinkSync(join(outside, 'precious.wav'), join(box.root, 'link.wav'));
    symlinkSync(outside, join(box.root, 'linkdir'));
    const folder = new StorageFolder(box.root);
    for (const key of ['link.wav', 'linkdir/precious.wav', '../precious.wav', `../${relative(box.dir, outside)}/precious.wav`, join(outside, 'precious.wav'), '', '.', 'a/../../x']) {
      const result = await folder.removeFile(key);
      expect(result.status, key).toBe('failed');
    }
    expect(existsSync(join(outside, 'precious.wav'))).toBe(true);
    expect(existsSync(join(box.root, 'link.wav'))).toBe(true);
  });

  it('reports a refused deletion as failed with the path and the code, and leaves the file', async () => {
    // Root ignores permission bits, so chmod cannot refuse a deletion here; the immutable
    // attribute can: unlink fails with EPERM for every user, root included.
    const path = box.file('stuck.wav', 4);
    lockFile(path);
    try {
      const result = await new StorageFolder(box.root).removeFile('stuck.wav');
      expect(result).toMatchObject({ status: 'failed', code: 'EPERM', path });
      expect(existsSync(path)).toBe(true);
    } finally {
      unlockFile(path);
    }
  });
});

describe('removeRegularFile', () => {
  it('deletes regular files only, says what it met otherwise, and frees what a file held', async () => {
    const files = [box.file('a.wav', 10), box.file('b.wav', 3000), box.file('deep/c.wav', 0)];
    symlinkSync(join(outside, 'precious.wav'), join(box.root, 'link.wav'));
    mkdirSync(join(box.root, 'folder'));
    execFileSync('mkfifo', [join(box.root, 'pipe')]);
    const stuck = box.file('stuck.wav', 5);
    lockFile(stuck);
    try {
      const outcomes: UnlinkOutcome[] = [];
      // a.wav again at the end: by then it is gone; so is anything under a file.
      for (const path of [...files, ...['link.wav', 'folder', 'pipe', 'missing.wav', 'a.wav/x', 'stuck.wav', 'a.wav'].map((n) => join(box.root, n))]) {
        outcomes.push(await removeRegularFile(path));
      }
      expect(outcomes.slice(0, 3)).toEqual([
        { status: 'deleted', size: 10 },
        { status: 'deleted', size: 3000 },
        { status: 'deleted', size: 0 },
      ]);
      expect(outcomes.slice(3, 6)).toEqual([
        { status: 'not-a-file', type: 'symlink' },
        { status: 'not-a-file', type: 'folder' },
        { status: 'not-a-file', type: 'other' },
      ]);
      expect(outcomes[6]).toEqual({ status: 'gone' });
      expect(outcomes[7]).toEqual({ status: 'gone' });
      expect(outcomes[8]).toMatchObject({ status: 'refused', code: 'EPERM' });
      expect(outcomes[9]).toEqual({ status: 'gone' });
      expect(existsSync(join(outside, 'precious.wav'))).toBe(true);
      expect(existsSync(join(box.root, 'link.wav'))).toBe(true);
      expect(existsSync(stuck)).toBe(true);
    } finally {
      unlockFile(stuck);
    }
  });
});

describe('removeRegularFile on a path it cannot look at', () => {
  it('refuses it with the system code (the file may still be there) instead of calling it gone', async () => {
    // A folder that is a symlink to itself: looking up anything under it fails with ELOOP.
    symlinkSync('loop', join(box.root, 'loop'));
    const outcome = await removeRegularFile(join(box.root, 'loop', 'a.wav'));
    expect(outcome).toMatchObject({ status: 'refused', code: 'ELOOP' });
    expect(await removeRegularFile(join(box.root, `${'n'.repeat(300)}.wav`))).toEqual({ status: 'gone' });
  });
});

describe('plain paths (property)', () => {
  // The definitions the one-pass checks must agree with.
  const plainReference = (path: string): boolean =>
    path.length > 0 && !path.startsWith('/') && !path.endsWith('/') && !path.includes('//') && !path.includes('\0') && !/(?:^|\/)\.\.?(?:\/|$)/.test(path);
  it('recognises plain relative and normal absolute paths exactly', () => {
    const text = fc.array(fc.constantFrom('a', '.', '/', '\0', '..', 'é', ' '), { maxLength: 8 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(text, (path) => {
        expect(isPlainRelative(path)).toBe(plainReference(path));
        expect(isNormalAbsolute(path)).toBe(path.startsWith('/') && (path === '/' || plainReference(path.slice(1))));
        if (isNormalAbsolute(path)) expect(resolve(path)).toBe(path);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('StorageRoot containment (property)', () => {
  const segment = fc.constantFrom('..', '.', 'a', 'b', '', '..a', 'x.wav', '/', '\\');
  it('resolves a key only to a path strictly inside the root, and refuses everything else with RECLAIM_OUTSIDE_ROOT', () => {
    const root = new StorageRoot('/srv/app/storage');
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 6 }), fc.boolean(), (parts, absolute) => {
        const key = (absolute ? '/' : '') + parts.join('/');
        let path: string | undefined;
        try {
          path = root.resolveKey(key);
        } catch (error) {
          expect(isReclaimError(error, 'RECLAIM_OUTSIDE_ROOT')).toBe(true);
        }
        if (path !== undefined) {
          expect(path.startsWith('/srv/app/storage/')).toBe(true);
          expect(resolve(path)).toBe(path);
          expect(absolute).toBe(false);
          expect(root.keyOf(path)).toBe(relative('/srv/app/storage', path));
        }
      }),
      { numRuns: 500 },
    );
  });
});

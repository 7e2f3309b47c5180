import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isReclaimError } from '../../../src/kernel/index.js';
import {
  parseTokenDocument,
  readTokenEntries,
  serializeTokenDocument,
  TokenFile,
  type TokenDocument,
} from '../../../src/stores/json-file/index.js';
import { removeTokenValues, sameJson, serializeTokenDocumentInSlices } from '../../../src/stores/json-file/token-document.js';
import { sandbox, type Sandbox } from './helpers.js';

const AT = Date.UTC(2025, 8, 7, 2, 21, 7, 123);
const CREATED = AT - 86_400_000;

let box: Sandbox;
let file: TokenFile;
beforeEach(() => {
  box = sandbox('reclaim-tokens-');
  file = new TokenFile(box.tokenFile);
});
afterEach(() => box.cleanup());

async function rejects(promise: Promise<unknown>, code: Parameters<typeof isReclaimError>[1]): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isReclaimError(error, code), `expected ${code}, got ${String(error)}`).toBe(true);
  return error as Error;
}

describe('TokenFile: reading every form of SPEC §4', () => {
  it('reads the object form with every time format, and the older path/expires form', async () => {
    box.tokens({
      iso: { token_id: 'iso', file_path: '/srv/app/recovery_storage/iso.wav', created_at: '2025-09-06T02:21:07.123456', expires_at: '2025-09-07T02:21:07.123456', file_size: 10 },
      zulu: { file_path: 'zulu.wav', created_at: '2025-09-06T02:21:07.123Z', expires_at: '2025-09-07T02:21:07.123Z' },
      offset: { file_path: 'offset.wav', created_at: '2025-09-06T04:21:07.123+02:00', expires_at: '2025-09-06T22:21:07.123-04:00' },
      seconds: { file_path: 'seconds.wav', created_at: CREATED / 1000, expires_at: AT / 1000 },
      millis: { file_path: 'millis.wav', created_at: CREATED, expires_at: AT },
      strings: { file_path: 'strings.wav', created_at: String(CREATED / 1000), expires_at: String(AT) },
      older: { path: 'older.wav', expires: '2025-09-07T02:21:07.123' },
      only_created: { file_path: 'c.wav', created_at: '2025-09-06T02:21:07.123Z' },
    });
    const snapshot = await file.read();
    expect(snapshot.source).toEqual({ status: 'ok' });
    expect(snapshot.rejected).toEqual([]);
    const byId = new Map(snapshot.tokens.map((t) => [t.id, t]));
    for (const id of ['iso', 'zulu', 'offset', 'seconds', 'millis', 'strings']) {
      expect(byId.get(id)?.createdAt, id).toBe(CREATED);
      expect(byId.get(id)?.expiresAt, id).toBe(AT);
    }
    expect(byId.get('older')).toMatchObject({ filePath: 'older.wav', expiresAt: AT });
    expect(byId.get('older')?.createdAt).toBeUndefined();
    expect(byId.get('only_created')).toMatchObject({ createdAt: CREATED });
    expect(byId.get('iso')?.filePath).toBe('/srv/app/recovery_storage/iso.wav');
  });

  it('reads a top-level array keyed by token_id, rejecting entries without one and repeated ids', async () => {
    box.tokens([
      { token_id: 'a', file_path: 'a.wav', created_at: CREATED },
      { file_path: 'anon.wav', created_at: CREATED },
      { token_id: 'a', file_path: 'a2.wav', created_at: CREATED },
      { token_id: 'b', path: 'b.wav', expires: AT / 1000 },
    ]);
    const snapshot = await file.read();
    expect(snapshot.tokens.map((t) => t.id)).toEqual(['a', 'b']);
    expect(snapshot.rejected.map((r) => [r.id, r.filePath])).toEqual([
      ['[1]', 'anon.wav'],
      ['a[2]', 'a2.wav'],
    ]);
    expect(snapshot.rejected[0]?.reason).toMatch(/token_id/);
    expect(snapshot.rejected[1]?.reason).toMatch(/repeats token_id "a"/);
  });

  it('rejects bad entries with a reason naming the field and the fix, keeping their paths', async () => {
    box.tokens({
      text: 'not an entry',
      nothing: null,
      nopath: { created_at: CREATED },
      badpath: { file_path: 42, created_at: CREATED },
      notime: { file_path: 'notime.wav' },
      badtimes: { file_path: 'badtimes.wav', created_at: 'yesterday', expires_at: -1 },
      good: { file_path: 'good.wav', created_at: 'garbage', expires_at: AT },
    });
    const snapshot = await file.read();
    expect(snapshot.tokens.map((t) => t.id)).toEqual(['good']);
    const reasons = new Map(snapshot.rejected.map((r) => [r.id, r]));
    expect(reasons.get('text')?.reason).toMatch(/not an object/);
    expect(reasons.get('nothing')?.reason).toMatch(/null, not an object/);
    expect(reasons.get('nopath')?.reason).toMatch(/no file_path; set file_path/);
    expect(reasons.get('badpath')?.reason).toMatch(/file_path 42, not a usable path/);
    expect(reasons.get('notime')?.reason).toMatch(/neither created_at nor expires_at.*never deleted/);
    expect(reasons.get('notime')?.filePath).toBe('notime.wav');
    expect(reasons.get('badtimes')?.reason).toMatch(/created_at "yesterday" is neither.*expires_at -1 is a negative/);
    expect(reasons.get('badtimes')?.filePath).toBe('badtimes.wav');
  });

  it('reports a missing file as missing and a file it cannot parse as unreadable', async () => {
    expect((await file.read()).source.status).toBe('missing');
    for (const text of ['{"a": {"file_path": "a.wav", "created_at": 1', '', '   \n', '42', 'null', '"text"', '\u0000\u0001garbage']) {
      box.tokens(text);
      const snapshot = await file.read();
      expect(snapshot.source.status, JSON.stringify(text)).toBe('unreadable');
      expect(snapshot.tokens).toEqual([]);
    }
  });
});

describe('TokenFile: writing', () => {
  it('never rewrites an unreadable file: every write fails and the bytes stay', async () => {
    const text = '{"a": {"file_path": "a.wav", "created_at": 17000000';
    box.tokens(text);
    await rejects(file.addToken({ id: 'n', filePath: 'n.wav' }), 'RECLAIM_TOKEN_SOURCE_UNREADABLE');
    await rejects(file.removeToken('a'), 'RECLAIM_TOKEN_SOURCE_UNREADABLE');
    await rejects(file.redeemToken('a'), 'RECLAIM_TOKEN_SOURCE_UNREADABLE');
    expect(readFileSync(box.tokenFile, 'utf8')).toBe(text);
  });

  it('creates a missing file on the first add, in the original object form and time format', async () => {
    const entry = await file.addToken({ id: 'abc', filePath: 'abc.wav', createdAt: CREATED, expiresAt: new Date(AT), fileSize: 5, fields: { voice: 'x', token_id: 'ignored' } });
    expect(entry).toMatchObject({ id: 'abc', createdAt: CREATED, expiresAt: AT });
    expect(JSON.parse(readFileSync(box.tokenFile, 'utf8'))).toEqual({
      abc: { voice: 'x', token_id: 'abc', file_path: 'abc.wav', created_at: '2025-09-06T02:21:07.123000', expires_at: '2025-09-07T02:21:07.123000', file_size: 5 },
    });
    await rejects(file.addToken({ id: 'abc', filePath: 'other.wav' }), 'RECLAIM_TOKEN_EXISTS');
    await rejects(file.addToken({ id: '', filePath: 'x.wav' }), 'RECLAIM_TOKEN_INVALID');
    await rejects(file.addToken({ id: 'x', filePath: '' }), 'RECLAIM_TOKEN_INVALID');
    await rejects(file.addToken({ id: 'x', filePath: 'x.wav', expiresAt: Number.NaN }), 'RECLAIM_TOKEN_INVALID');
  });

  it('adds to an array document by appending, keeping the form', async () => {
    box.tokens([{ token_id: 'a', file_path: 'a.wav', created_at: CREATED }]);
    await file.addToken({ id: 'b', filePath: 'b.wav', createdAt: AT });
    const value = JSON.parse(readFileSync(box.tokenFile, 'utf8')) as { token_id: string }[];
    expect(value.map((e) => e.token_id)).toEqual(['a', 'b']);
  });

  it('redeems a token once; later calls and rejected entries get undefined', async () => {
    box.tokens({ t: { file_path: 't.wav', created_at: CREATED }, bad: { file_path: 'b.wav' } });
    const results = await Promise.all(Array.from({ length: 8 }, () => new TokenFile(box.tokenFile).redeemToken('t')));
    expect(results.filter((r) => r !== undefined).map((r) => r?.id)).toEqual(['t']);
    expect(await file.redeemToken('bad')).toBeUndefined();
    expect(await file.redeemToken('nope')).toBeUndefined();
    expect(Object.keys(JSON.parse(readFileSync(box.tokenFile, 'utf8')) as object)).toEqual(['bad']);
    expect(await file.removeToken('bad')).toBe(true);
    expect(await file.removeToken('bad')).toBe(false);
  });

  it('removes an entry only while it is still the value that was read', async () => {
    box.tokens({ t: { file_path: 't.wav', created_at: CREATED } });
    const seen = (await file.read()).tokens[0]?.raw;
    box.tokens({ t: { file_path: 't.wav', created_at: AT } });
    expect(await file.removeTokens(new Map([['t', seen]]))).toEqual([]);
    expect((await file.read()).tokens.map((t) => t.createdAt)).toEqual([AT]);
  });

  it('a commit after a read sees an edit made in place meanwhile, even one of the same size in the same inode', async () => {
    // The reader keeps the text it parsed to skip parsing it again; only the very same text may
    // reuse it. An in-place edit that keeps size and inode (and may keep the mtime tick) must not.
    box.tokens({ keep: { file_path: 'k.wav', expires_at: '2025-09-07T02:21:07Z' }, gone: { file_path: 'g.wav', created_at: CREATED } });
    const snapshot = await file.read();
    const before = readFileSync(file.path, 'utf8');
    const edited = before.replace('2025-09-07T02:21:07Z', '2099-09-07T02:21:07Z');
    expect(edited.length).toBe(before.length);
    writeFileSync(file.path, edited);
    const gone = snapshot.tokens.find((t) => t.id === 'gone');
    expect(await file.removeTokens(new Map([['gone', gone?.raw]]))).toEqual(['gone']);
    const after = await file.read();
    expect(after.tokens.map((t) => [t.id, t.expiresAt])).toEqual([['keep', Date.UTC(2099, 8, 7, 2, 21, 7)]]);
    // And a second commit right after its own write starts from what it wrote.
    expect(await file.removeTokens(new Map([['keep', undefined]]))).toEqual(['keep']);
    expect(JSON.parse(readFileSync(file.path, 'utf8'))).toEqual({});
  });

  it('clears old temp files of writers that died mid-write, and only those', async () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid as number;
    const debris = `${box.tokenFile}.${dead}.deadbeef.tmp`;
    const live = `${box.tokenFile}.${process.ppid}.cafebabe.tmp`;
    const fresh = `${box.tokenFile}.${dead}.f00dfeed.tmp`;
    for (const path of [debris, live, fresh]) writeFileSync(path, '{"half": ');
    const twoMinutesAgo = (Date.now() - 120_000) / 1000;
    utimesSync(debris, twoMinutesAgo, twoMinutesAgo);
    utimesSync(live, twoMinutesAgo, twoMinutesAgo);
    await file.addToken({ id: 'a', filePath: 'a.wav' });
    expect(existsSync(debris)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(existsSync(fresh)).toBe(true);
  });

  it('keeps the indentation, the trailing newline and unknown fields of the file it rewrites', async () => {
    const compact = JSON.stringify({ a: { file_path: 'a.wav', created_at: CREATED, extra: [1, { deep: true }] }, b: { file_path: 'b.wav', created_at: CREATED } });
    writeFileSync(box.tokenFile, compact);
    await file.removeToken('b');
    expect(readFileSync(box.tokenFile, 'utf8')).toBe(JSON.stringify({ a: { file_path: 'a.wav', created_at: CREATED, extra: [1, { deep: true }] } }));
    writeFileSync(box.tokenFile, '{\n\t"a": {"file_path": "a.wav", "created_at": 1},\n\t"b": {"file_path": "b.wav", "created_at": 1}\n}\n');
    await file.removeToken('a');
    expect(readFileSync(box.tokenFile, 'utf8')).toBe('{\n\t"b": {\n\t\t"file_path": "b.wav",\n\t\t"created_at": 1\n\t}\n}\n');
  });

  it('leaves the event loop turning while it serialises a large rewrite (deletions in flight go on)', async () => {
    // A counter that a chain of immediates advances once per turn of the event loop.
    let turn = 0;
    let running = true;
    const tick = (): void => {
      turn += 1;
      if (running) setImmediate(tick);
    };
    setImmediate(tick);
    // 50 slices of 2,048 entries; each entry notes the turn in which it is serialised (toJSON).
    const turnsSeen = new Set<number>();
    const value: Record<string, unknown> = {};
    for (let i = 0; i < 50 * 2048; i += 1) {
      value[`t${i}`] = {
        toJSON: () => {
          turnsSeen.add(turn);
          return { file_path: `t${i}.wav`, created_at: CREATED };
        },
      };
    }
    await file.update(() => ({ result: undefined, write: { form: 'object', value, indent: '  ', trailingNewline: true } }));
    running = false;
    // In one piece, every entry would be serialised in the same turn.
    expect(turnsSeen.size).toBeGreaterThanOrEqual(50);
    const written = JSON.parse(readFileSync(box.tokenFile, 'utf8')) as Record<string, unknown>;
    expect(Object.keys(written)).toHaveLength(50 * 2048);
    expect(written.t7).toEqual({ file_path: 't7.wav', created_at: CREATED });
  });
});

// Any JSON value an entry or an unknown field may hold.
const json = fc.jsonValue({ maxDepth: 3 });
const entry = fc.oneof(
  fc.record({ file_path: fc.string({ minLength: 1 }), created_at: fc.oneof(fc.integer({ min: 0 }), fc.string()), extra: json }, { requiredKeys: [] }),
  json,
);

describe('token documents (properties)', () => {
  it('removing some ids leaves every other entry as the same value, in order and form', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(fc.string({ minLength: 1 }), entry), { selector: ([id]) => id, maxLength: 12 }),
        fc.boolean(),
        fc.func(fc.boolean()),
        (pairs, asArray, pick) => {
          const value = asArray
            ? pairs.map(([id, e]) => (typeof e === 'object' && e !== null && !Array.isArray(e) ? { ...e, token_id: id } : e))
            : Object.fromEntries(pairs.map(([id, e]) => [id, e]));
          const text = JSON.stringify(value, null, 2);
          const read = parseTokenDocument(text);
          expect(read.status).toBe('ok');
          const document = (read as { document: TokenDocument }).document;
          const before = readTokenEntries(document);
          const ids = [...before.tokens.map((t) => t.id), ...before.rejected.map((r) => r.id)].filter((id) => pick(id));
          const removed = new Set(removeTokenValues(document, new Map(ids.map((id) => [id, undefined]))));
          const after = JSON.parse(serializeTokenDocument(document)) as unknown;
          const original = JSON.parse(text) as unknown;
          if (asArray) {
            expect(Array.isArray(after)).toBe(true);
            const kept = (original as unknown[]).filter((e, index) => {
              const id = typeof e === 'object' && e !== null && !Array.isArray(e) ? (e as { token_id?: unknown }).token_id : undefined;
              const first = (original as unknown[]).findIndex((o) => typeof o === 'object' && o !== null && (o as { token_id?: unknown }).token_id === id);
              return !(typeof id === 'string' && id.length > 0 && removed.has(id) && first === index);
            });
            expect(after).toEqual(kept);
          } else {
            expect(Array.isArray(after)).toBe(false);
            expect(Object.entries(after as object)).toEqual(Object.entries(original as object).filter(([id]) => !removed.has(id)));
          }
          // Nothing rejected is ever removed by id through a usable-token path it does not have.
          for (const id of removed) expect(ids).toContain(id);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('writes a document in slices exactly as in one piece, pausing between slices', async () => {
    // Top-level keys include "__proto__" and numeric-looking ones (which an object orders first);
    // values include nested structures and undefined (left out of an object, null in an array).
    const key = fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', '0', '17', ''));
    const item = fc.oneof({ weight: 8, arbitrary: fc.jsonValue() }, { weight: 1, arbitrary: fc.constant(undefined) });
    const objectForm = fc.uniqueArray(fc.tuple(key, item), { selector: ([k]) => k, maxLength: 30 }).map((pairs) => {
      const value: Record<string, unknown> = {};
      for (const [k, v] of pairs) Object.defineProperty(value, k, { value: v, enumerable: true, writable: true, configurable: true });
      return value;
    });
    const document = fc.record({
      value: fc.oneof(objectForm, fc.array(item, { maxLength: 30 })),
      // Longer than 10 characters too: JSON.stringify uses only the first 10.
      indent: fc.oneof(fc.constantFrom('', '  ', '    ', '\t'), fc.stringMatching(/^[ \t]{1,14}$/)),
      trailingNewline: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(document, fc.integer({ min: 1, max: 8 }), async (doc, slice) => {
        const tokenDocument: TokenDocument = { form: Array.isArray(doc.value) ? 'array' : 'object', ...doc };
        const whole = serializeTokenDocument(tokenDocument);
        let pauses = 0;
        const sliced = await serializeTokenDocumentInSlices(tokenDocument, () => {
          pauses += 1;
          return Promise.resolve();
        }, slice);
        expect(sliced).toBe(whole);
        const count = Array.isArray(doc.value) ? doc.value.length : Object.keys(doc.value).length;
        expect(pauses).toBe(Math.max(0, Math.ceil(count / slice) - 1));
      }),
      { numRuns: 1000 },
    );
  });

  it('tells entries apart exactly when their JSON texts differ (the check a commit makes per token)', () => {
    const value = fc.jsonValue();
    // Pairs that are often equal or nearly so: the same value parsed twice, keys reordered, one value changed.
    const pair = fc.oneof(
      fc.tuple(value, value),
      value.map((v) => [v, JSON.parse(JSON.stringify(v)) as unknown] as const),
      fc.dictionary(fc.string(), value).map((o) => [o, Object.fromEntries(Object.entries(o).reverse())] as const),
      fc.tuple(fc.dictionary(fc.string(), value), fc.string(), value).map(([o, k, v]) => [o, { ...o, [k]: v }] as const),
    );
    fc.assert(
      fc.property(pair, ([a, b]) => {
        expect(sameJson(a, b)).toBe(JSON.stringify(a) === JSON.stringify(b));
      }),
      { numRuns: 2000 },
    );
  });
});


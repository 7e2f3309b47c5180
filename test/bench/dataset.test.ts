import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { expectation, fileIndexOfKey, fileSpec, generate, restoreFromCopy, stageOldFiles, stashOldFiles, type DatasetSpec, type Layout } from '../../bench/lib/dataset.js';

/** Every file below `root`: its key, size, mtime (whole ms) and first bytes. */
function listing(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else {
        const stats = statSync(path);
        const head = readFileSync(path).subarray(0, 16).toString('hex');
        out.set(relative(root, path), `${stats.size} ${Math.round(stats.mtimeMs)} ${head}`);
      }
    }
  };
  walk(root);
  return out;
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'reclaim-bench-dataset-'));
  dirs.push(dir);
  return dir;
}

// The bench restores a data set between cleanups from staged copies: a restore that missed a
// file, renamed one to the wrong key, or lost its size or mtime would time every tool on data
// other than what it claims.
describe.each(['flat', 'sharded'] as Layout[])('bench data set (%s)', (layout) => {
  const spec: DatasetSpec = { files: 400, tokens: 280, seed: 7, layout, nowMs: Date.UTC(2026, 10, 27, 12) };

  it('a set restored from a staged or stashed copy equals the set generated whole', () => {
    const whole = generate(spec, join(tempDir(), 'set'), { withOld: true });
    const root = tempDir();
    const paths = generate(spec, join(root, 'set'), { withOld: false });
    const expected = expectation(spec);
    const young = listing(paths.storage);
    expect(young.size).toBe(spec.files - expected.oldFiles);

    const copy = join(root, 'staged-1');
    expect(stageOldFiles(spec, copy)).toBe(expected.oldFiles);
    restoreFromCopy(spec, paths, copy);
    expect(listing(paths.storage)).toEqual(listing(whole.storage));
    expect(existsSync(copy)).toBe(false);
    // The token file is rewritten as generated (absolute paths name each set's own folder).
    const tokens = (p: typeof paths): string => readFileSync(p.tokenFile, 'utf8').replaceAll(p.storage, '<storage>');
    expect(tokens(paths)).toBe(tokens(whole));

    // The old files go back out as a copy (after the scans) and come back in.
    const stashed = join(root, 'staged-2');
    stashOldFiles(spec, paths, stashed);
    expect(listing(paths.storage)).toEqual(young);
    restoreFromCopy(spec, paths, stashed);
    expect(listing(paths.storage)).toEqual(listing(whole.storage));

    // A cleanup deletes the old files (and writes a journal); another copy puts them back.
    for (let i = 0; i < spec.files; i += 1) {
      const file = fileSpec(spec, i);
      if (file.old) unlinkSync(join(paths.storage, file.key));
    }
    writeFileSync(paths.journalPrefix, '{}\n');
    writeFileSync(paths.tokenFile, '{}\n');
    const third = join(root, 'staged-3');
    stageOldFiles(spec, third);
    restoreFromCopy(spec, paths, third);
    expect(listing(paths.storage)).toEqual(listing(whole.storage));
    expect(tokens(paths)).toBe(tokens(whole));
    expect(existsSync(paths.journalPrefix)).toBe(false);
  });

  it("reads a file's index back from its key (the pipeline probe marks removals by it)", () => {
    for (const index of [0, 1, 255, 399, 65_536, 999_999, 0xffff_ffff]) expect(fileIndexOfKey(fileSpec(spec, index).key)).toBe(index);
  });

  it('a restore whose copy lacks a file fails and says which', () => {
    const root = tempDir();
    const paths = generate(spec, join(root, 'set'), { withOld: false });
    const copy = join(root, 'staged-1');
    stageOldFiles(spec, copy);
    const missing = readdirSync(copy)[0] as string;
    unlinkSync(join(copy, missing));
    expect(() => restoreFromCopy(spec, paths, copy)).toThrow(missing);
  });
});

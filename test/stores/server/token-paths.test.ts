import fc from 'fast-check';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StorageRoot } from '../../../src/stores/folder/index.js';
import { resolveTokenPath } from '../../../src/stores/server/index.js';

const ROOT = '/srv/app/recovery_storage';

// The plain definition the fast paths must agree with: path.resolve, then path.relative.
function referenceKey(absolute: string): string | undefined {
  const rel = relative(ROOT, absolute);
  return rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel) ? undefined : rel;
}

describe('token file paths (property)', () => {
  const segment = fc.constantFrom('..', '.', '', 'a', 'b.wav', 'recovery_storage', 'srv', 'app', '..x', 'x..', ' ', 'é');
  const filePath = fc.tuple(fc.boolean(), fc.array(segment, { minLength: 1, maxLength: 6 })).map(([abs, parts]) => (abs ? '/' : '') + parts.join('/'));
  const base = fc.constantFrom('/srv/app', '/srv/app/recovery_storage', '/srv/app/recovery_storage/sub', '/elsewhere', '/');

  it('gives the same key and refs as path.resolve + path.relative would, for any path', () => {
    fc.assert(
      fc.property(filePath, base, base, (path, cwd, tokenDir) => {
        fc.pre(path.length > 0);
        const root = new StorageRoot(ROOT);
        const got = resolveTokenPath(path, { root, cwd, tokenDir });
        const absolute = isAbsolute(path) ? resolve(path) : resolve(ROOT, path);
        expect(got.absolute).toBe(absolute);
        expect(got.key).toBe(referenceKey(absolute));
        const refs = new Set<string>();
        for (const candidate of isAbsolute(path) ? [absolute] : [absolute, resolve(cwd, path), resolve(tokenDir, path)]) {
          const key = referenceKey(candidate);
          if (key !== undefined) refs.add(key);
        }
        expect(new Set(got.refs)).toEqual(refs);
        // And every key resolves back to where it came from.
        for (const key of got.refs) expect(root.resolveKey(key)).toBe(resolve(ROOT, key));
      }),
      { numRuns: 2000 },
    );
  });
});

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A temp folder with a storage root and a token file path beside it. */
export interface Sandbox {
  readonly dir: string;
  readonly root: string;
  readonly tokenFile: string;
  /** Writes a file under the root (key) with `size` bytes and an mtime in epoch ms. */
  file(key: string, size: number, mtimeMs?: number): string;
  /** Writes the token file from a value (JSON, two-space indent) or raw text. */
  tokens(value: unknown): void;
  cleanup(): void;
}

const immutable = new Set<string>();

/** Makes a sandbox in the system temp folder. */
export function sandbox(prefix = 'reclaim-server-'): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const root = join(dir, 'storage');
  mkdirSync(root);
  const tokenFile = join(dir, 'recovery_tokens.json');
  return {
    dir,
    root,
    tokenFile,
    file(key, size, mtimeMs) {
      const path = join(root, key);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, Buffer.alloc(size, 0x61));
      if (mtimeMs !== undefined) utimesSync(path, mtimeMs / 1000, mtimeMs / 1000);
      return path;
    },
    tokens(value) {
      writeFileSync(tokenFile, typeof value === 'string' ? value : `${JSON.stringify(value, null, 2)}\n`);
    },
    cleanup() {
      for (const path of [...immutable]) {
        if (path.startsWith(dir)) {
          unlockFile(path);
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Makes a file undeletable for real, even for root (who ignores permission bits): the ext4
 * immutable attribute (`chattr +i`) makes unlink fail with EPERM. Throws when the file system
 * does not support it, so a test relying on it fails instead of passing vacuously.
 */
export function lockFile(path: string): void {
  execFileSync('chattr', ['+i', path], { stdio: 'pipe' });
  immutable.add(path);
}

/** Undoes {@link lockFile}. */
export function unlockFile(path: string): void {
  try {
    execFileSync('chattr', ['-i', path], { stdio: 'pipe' });
  } catch {
    // Already gone or never locked.
  }
  immutable.delete(path);
}

export const HOUR = 3_600_000;
export const MINUTE = 60_000;

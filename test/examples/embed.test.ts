import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..');

describe('examples/embed.ts', () => {
  it('embeds the kernel, runs the host policy after the built-in, and prints the events it sees', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'examples/embed.ts'], { cwd: root });
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toBe('#1 RunStarted');
    const deleted = lines.filter((l) => l.includes('ItemDeleted'));
    expect(deleted).toEqual([
      expect.stringContaining('[expiry] session-3'),
      expect.stringContaining('[expiry] session-4'),
      expect.stringContaining('[expiry] session-5'),
      expect.stringContaining('[keep-at-most] session-2'),
    ]);
    expect(lines).toContain('run success: 4 removed, 18432 bytes freed');
    expect(lines).toContain('left: session-0, session-1');
  });
});

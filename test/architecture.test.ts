import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..');
const depcruise = join(root, 'node_modules', '.bin', 'depcruise');
const tsc = join(root, 'node_modules', '.bin', 'tsc');

async function cruise(cwd: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout } = await run(depcruise, ['src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], { cwd });
    return { code: 0, output: stdout };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, output: `${e.stdout}${e.stderr}` };
  }
}

describe('architecture: imports point inward to the kernel', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'reclaim-arch-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('the source tree keeps every dependency rule', async () => {
    const result = await cruise(root);
    expect(result.output).toContain('no dependency violations found');
    expect(result.code).toBe(0);
  });

  it('the kernel type-checks with no Node types (browser-safety guard)', async () => {
    await expect(run(tsc, ['-p', 'tsconfig.kernel.json', '--noEmit'], { cwd: root })).resolves.toBeDefined();
  });

  it('the rules fail when the kernel imports a Node built-in or an outer layer', async () => {
    cpSync(join(root, '.dependency-cruiser.cjs'), join(scratch, '.dependency-cruiser.cjs'));
    cpSync(join(root, 'tsconfig.json'), join(scratch, 'tsconfig.json'));
    mkdirSync(join(scratch, 'src', 'kernel'), { recursive: true });
    mkdirSync(join(scratch, 'src', 'stores'), { recursive: true });
    writeFileSync(join(scratch, 'src', 'stores', 'disk.ts'), 'export const disk = 1;\n');
    writeFileSync(
      join(scratch, 'src', 'kernel', 'bad.ts'),
      "import { readFileSync } from 'node:fs';\nimport { disk } from '../stores/disk.js';\nexport const bad = [readFileSync, disk];\n",
    );
    const result = await cruise(scratch);
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('kernel-no-node-builtins');
    expect(result.output).toContain('kernel-imports-inward-only');
  });

  it('the kernel guard fails when the kernel uses a Node API', async () => {
    const guard = join(scratch, 'guard');
    mkdirSync(join(guard, 'src', 'kernel'), { recursive: true });
    writeFileSync(join(guard, 'src', 'kernel', 'uses-node.ts'), "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n");
    writeFileSync(
      join(guard, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'ES2022', lib: ['ES2022'], module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, types: [], noEmit: true, typeRoots: [join(root, 'node_modules', '@types')] }, include: ['src/kernel'] }),
    );
    await expect(run(tsc, ['-p', 'tsconfig.json'], { cwd: guard })).rejects.toMatchObject({ stdout: expect.stringContaining("Cannot find module 'node:fs'") });
  });
});

import { Ajv } from 'ajv';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it, vi } from 'vitest';
// Only the library's Node entry: what registers the precompiled validators must come with it.
import { createCleanupService } from '../../src/node/index.js';

it('createCleanupService validates its configuration, kernel, journal and policy options with precompiled validators: nothing is compiled at run time', async () => {
  const compile = vi.spyOn(Ajv.prototype, 'compile');
  const dir = mkdtempSync(join(tmpdir(), 'reclaim-precompiled-'));
  try {
    const service = createCleanupService({ storagePath: join(dir, 'storage'), tokenFile: join(dir, 'tokens.json') });
    const result = await service.runCleanup({ dryRun: true });
    await service.close();
    expect(result.outcome).toBe('noop');
    expect(compile).not.toHaveBeenCalled();
  } finally {
    compile.mockRestore();
    rmSync(dir, { recursive: true, force: true });
  }
});

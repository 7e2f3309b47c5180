import { Ajv } from 'ajv';
import { expect, it, vi } from 'vitest';
// Only the CLI's configuration loading: what registers the precompiled validators must come with it.
import { loadServiceConfig } from '../../src/cli/load-config.js';

it('the CLI validates its configuration with the precompiled validator: nothing is compiled at run time', () => {
  const compile = vi.spyOn(Ajv.prototype, 'compile');
  try {
    const options = loadServiceConfig({ flags: { retentionHours: 12 }, env: {}, cwd: '/srv/app' });
    expect(options.retentionHours).toBe(12);
    expect(compile).not.toHaveBeenCalled();
  } finally {
    compile.mockRestore();
  }
});

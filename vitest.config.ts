import { defineConfig } from 'vitest/config';

export default defineConfig({
  // vite 8 transforms with oxc: decorators need the legacy flags for tsyringe's @inject.
  oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } },
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/browser/**', 'node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});

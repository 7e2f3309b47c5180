import { defineConfig } from 'vitest/config';

/**
 * One `vitest run` (what `npm test` calls) runs every project: `node` (units, properties,
 * model-based tests, real files, real processes, real servers) and then `browser` (a real
 * Chromium driven through playwright-core). `npm run test:browser` runs the browser project alone.
 */
export default defineConfig({
  // vite 8 transforms with oxc: decorators need the legacy flags for tsyringe's @inject.
  oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } },
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: ['test/browser/**', 'node_modules/**'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          environment: 'node',
          // One browser at a time, after the node project: the machine is small and the
          // cross-tab timing tests want quiet.
          fileParallelism: false,
          sequence: { groupOrder: 1 },
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});

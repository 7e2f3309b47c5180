import { defineConfig } from 'vitest/config';

/**
 * Real-browser tests: Node-side vitest files that drive a real Chromium through playwright-core
 * (`/usr/bin/chromium`, or CHROMIUM_PATH). Run with `npm run test:browser`.
 */
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    environment: 'node',
    // One Chromium at a time: the machine is small and the cross-tab timing tests want quiet.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});

import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';
import type { Engine } from './test/browser/support/driver.js';

/**
 * The real-browser suite once per engine: `browser-chromium` (playwright-core, CDP),
 * `browser-firefox` (Firefox ESR through puppeteer-core, WebDriver BiDi) and `browser-webkit`
 * (WebKitGTK through WebKitWebDriver under Xvfb). The same files run in each; the engine comes
 * from `inject('engine')`, and project and test names say which engine passed what.
 */
function browserProject(engine: Engine, groupOrder: number): TestProjectInlineConfiguration {
  return {
    extends: true,
    test: {
      name: `browser-${engine}`,
      include: ['test/browser/**/*.test.ts'],
      environment: 'node',
      provide: { engine },
      // WebKitGTK has no headless mode: its project starts an Xvfb display for its browsers.
      ...(engine === 'webkit' ? { globalSetup: ['test/browser/support/webkit-global-setup.ts'] } : {}),
      // One browser at a time, one engine after the other, after the node project: the machine
      // is small and the cross-tab timing tests want quiet.
      fileParallelism: false,
      sequence: { groupOrder },
      testTimeout: 60_000,
      hookTimeout: 120_000,
    },
  };
}

/**
 * One `vitest run` (what `npm test` calls) runs every project: `node` (units, properties,
 * model-based tests, real files, real processes, real servers) and then the real-browser suite
 * in Chromium, Firefox and WebKit. `npm run test:browser` runs the three browser projects alone.
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
      browserProject('chromium', 1),
      browserProject('firefox', 2),
      browserProject('webkit', 3),
    ],
  },
});

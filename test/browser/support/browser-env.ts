import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildExample, bundleForBrowser } from '../../../examples/browser/build-example.js';
import { serveStatic, type StaticServer } from '../../../examples/browser/static-server.js';
import type { Harness } from '../fixtures/harness-page.js';
import { ENGINE_LABEL, type BrowserDriver, type DriverPage, type Engine, type LaunchOptions } from './driver.js';
import { currentEngine, launchDriver } from './launch.js';

/** The browser APIs the harness page can remove before any of its code runs (`?without=`). */
export type RemovableApi = 'storage' | 'estimate' | 'locks' | 'broadcast-channel' | 'databases';

/** A real browser with a fresh profile, and a server for the harness and the example page. */
export interface BrowserEnv {
  readonly engine: Engine;
  /** `Firefox ESR 153.7.0` and the like. */
  readonly label: string;
  readonly url: string;
  readonly driver: BrowserDriver;
  /**
   * Opens a page of the one origin (`harness.html` by default) and waits for it to be ready.
   * `without` lists APIs the harness removes before the app code runs. Uncaught errors in the
   * page fail the test when the page or the environment closes.
   */
  open(path?: string, options?: { readonly without?: readonly RemovableApi[] }): Promise<DriverPage>;
  close(): Promise<void>;
}

/** What a test reaches in the page: `window.harness`. */
export type HarnessWindow = Window & { readonly harness: Harness };

/** Uncaught errors the page itself recorded (see `harness.html`; other pages get the recorder after load). */
type RecordingWindow = Window & { __reclaimErrors?: string[] };

function installRecorder(): void {
  const w = window as RecordingWindow;
  if (w.__reclaimErrors !== undefined) return;
  const errors: string[] = [];
  w.__reclaimErrors = errors;
  addEventListener('error', (event) => errors.push(`error: ${event.message}`));
  addEventListener('unhandledrejection', (event) => errors.push(`unhandled rejection: ${String((event.reason as Error | undefined)?.message ?? event.reason)}`));
}

/**
 * Builds the pages with esbuild, serves them, and launches the engine of the running project
 * (see `launch.ts`). Each environment has its own profile: nothing carries over.
 */
export async function startBrowserEnv(options: LaunchOptions = {}): Promise<BrowserEnv> {
  const engine = currentEngine();
  const root = await mkdtemp(join(tmpdir(), 'reclaim-pages-'));
  let server: StaticServer | undefined;
  let driver: BrowserDriver | undefined;
  try {
    await Promise.all([
      buildExample(join(root, 'example')),
      bundleForBrowser(join(process.cwd(), 'test/browser/fixtures/harness-page.ts'), root, 'harness'),
      copyFile(join(process.cwd(), 'test/browser/fixtures/harness.html'), join(root, 'harness.html')),
    ]);
    server = await serveStatic(root);
    driver = await launchDriver(engine, options);
  } catch (error) {
    await server?.close();
    await rm(root, { recursive: true, force: true });
    throw error;
  }
  const url = server.url;
  const errors = new Set<string>();
  const open = new Set<DriverPage>();

  const collect = async (page: DriverPage): Promise<void> => {
    const recorded = await page.evaluate(() => (window as RecordingWindow).__reclaimErrors ?? []).catch((error: unknown) => [`could not read the page's errors: ${String(error)}`]);
    for (const error of [...recorded, ...page.engineErrors]) errors.add(error);
  };

  return {
    engine,
    label: `${ENGINE_LABEL[engine]} ${driver.version}`,
    url,
    driver,
    async open(path = '/harness.html', openOptions = {}) {
      const page = await (driver as BrowserDriver).newPage();
      const without = openOptions.without ?? [];
      const target = without.length === 0 ? `${url}${path}` : `${url}${path}${path.includes('?') ? '&' : '?'}without=${without.join(',')}`;
      await page.goto(target);
      await page.evaluate(installRecorder);
      if (path.startsWith('/harness')) await page.waitForFunction(() => 'harness' in window);
      open.add(page);
      const close = page.close.bind(page);
      const reload = page.reload.bind(page);
      return Object.assign(page, {
        async close() {
          open.delete(page);
          await collect(page);
          await close();
        },
        async reload() {
          await collect(page);
          await reload();
          await page.evaluate(installRecorder);
        },
      });
    },
    async close() {
      try {
        for (const page of open) await collect(page);
        await (driver as BrowserDriver).close();
      } finally {
        await server.close();
        await rm(root, { recursive: true, force: true });
      }
      if (errors.size > 0) throw new Error(`errors in the pages (${engine}):\n${[...errors].join('\n')}`);
    },
  };
}

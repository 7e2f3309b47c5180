import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { buildExample, bundleForBrowser } from '../../../examples/browser/build-example.js';
import { serveStatic, type StaticServer } from '../../../examples/browser/static-server.js';
import type { Harness } from '../fixtures/harness-page.js';

/** The Chromium the tests drive; `CHROMIUM_PATH` overrides it. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** A real Chromium with a fresh profile, and a server for the harness and the example page. */
export interface BrowserEnv {
  readonly url: string;
  readonly context: BrowserContext;
  /** Opens a page of the one origin (`harness.html` by default); page errors fail the test. */
  open(path?: string): Promise<Page>;
  close(): Promise<void>;
}

/** What a test reaches in the page: `window.harness`. */
export type HarnessWindow = Window & { readonly harness: Harness };

/**
 * Builds the pages with esbuild, serves them, and launches Chromium through playwright-core
 * (nothing is downloaded). Each environment has its own profile: nothing carries over.
 */
export async function startBrowserEnv(): Promise<BrowserEnv> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install it (apt-get update && apt-get install -y chromium) or set CHROMIUM_PATH.`);
  }
  const root = await mkdtemp(join(tmpdir(), 'reclaim-pages-'));
  await Promise.all([
    buildExample(join(root, 'example')),
    bundleForBrowser(join(process.cwd(), 'test/browser/fixtures/harness-page.ts'), root, 'harness'),
    copyFile(join(process.cwd(), 'test/browser/fixtures/harness.html'), join(root, 'harness.html')),
  ]);
  const server: StaticServer = await serveStatic(root);
  const profile = await mkdtemp(join(tmpdir(), 'reclaim-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS });
  const errors: string[] = [];
  return {
    url: server.url,
    context,
    async open(path = '/harness.html') {
      const page = await context.newPage();
      page.on('pageerror', (error) => errors.push(`${page.url()}: ${error.message}`));
      await page.goto(`${server.url}${path}`);
      if (path.startsWith('/harness')) await page.waitForFunction(() => 'harness' in window);
      return page;
    },
    async close() {
      await context.close();
      await server.close();
      await Promise.all([rm(root, { recursive: true, force: true }), rm(profile, { recursive: true, force: true })]);
      if (errors.length > 0) throw new Error(`errors in the pages:\n${errors.join('\n')}`);
    },
  };
}

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { WAIT_TIMEOUT_MS, type BrowserDriver, type DriverPage, type PageFunction } from './driver.js';
import { LAUNCH_TIMEOUT_MS, STEP_TIMEOUT_MS, withTimeout } from './with-timeout.js';

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

// playwright-core types page functions more strictly than the shared interface needs.
type LooseEvaluate = (fn: unknown, arg?: unknown) => Promise<unknown>;

function wrap(page: Page): DriverPage {
  const engineErrors: string[] = [];
  page.on('pageerror', (error) => engineErrors.push(`${page.url()}: ${error.message}`));
  const step = <T>(name: string, work: () => Promise<T>, ms = STEP_TIMEOUT_MS) => withTimeout(`Chromium ${name}`, ms, work);
  return {
    engineErrors,
    goto: (url) => step(`goto ${url}`, async () => void (await page.goto(url, { waitUntil: 'load', timeout: 0 }))),
    evaluate: <R, A>(fn: PageFunction<A, R>, arg?: A) =>
      step('evaluate', () => (page.evaluate.bind(page) as LooseEvaluate)(fn, arg) as Promise<Awaited<R>>),
    waitForFunction: (fn, arg, options = {}) => {
      const ms = options.timeoutMs ?? WAIT_TIMEOUT_MS;
      return step('waitForFunction', async () => void (await page.waitForFunction(fn as never, arg, { timeout: ms, polling: 50 })), ms + 5_000);
    },
    reload: () => step('reload', async () => void (await page.reload({ waitUntil: 'load', timeout: 0 }))),
    close: () => step('close page', () => page.close()),
  };
}

/** Launches Chromium through playwright-core (CDP), headless, with a fresh profile. Nothing is downloaded. */
export async function launchChromium(): Promise<BrowserDriver> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install it (apt-get install -y chromium) or set CHROMIUM_PATH.`);
  }
  const profile = await mkdtemp(join(tmpdir(), 'reclaim-chromium-'));
  let context: BrowserContext;
  try {
    context = await withTimeout('launch Chromium', LAUNCH_TIMEOUT_MS, () =>
      chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, timeout: 0 }),
    );
  } catch (error) {
    await rm(profile, { recursive: true, force: true });
    throw error;
  }
  // A persistent context has no Browser object to ask; the binary says it ("Chromium 156.0…").
  const { stdout } = await promisify(execFile)(CHROMIUM, ['--version'], { timeout: STEP_TIMEOUT_MS });
  return {
    engine: 'chromium',
    version: /\d+(\.\d+)+/.exec(stdout)?.[0] ?? stdout.trim(),
    newPage: () => withTimeout('Chromium new page', STEP_TIMEOUT_MS, async () => wrap(await context.newPage())),
    async close() {
      try {
        await withTimeout('close Chromium', STEP_TIMEOUT_MS, () => context.close());
      } finally {
        await rm(profile, { recursive: true, force: true });
      }
    },
  };
}

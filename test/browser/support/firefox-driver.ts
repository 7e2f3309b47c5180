import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { WAIT_TIMEOUT_MS, type BrowserDriver, type DriverPage, type PageFunction } from './driver.js';
import { LAUNCH_TIMEOUT_MS, STEP_TIMEOUT_MS, withTimeout } from './with-timeout.js';

/** The Firefox the tests drive (Debian's `firefox-esr`); `FIREFOX_PATH` overrides it. */
export const FIREFOX = process.env.FIREFOX_PATH ?? '/usr/lib/firefox-esr/firefox-esr';

// puppeteer types page functions more strictly than the shared interface needs.
type LooseEvaluate = (fn: unknown, ...args: unknown[]) => Promise<unknown>;

function wrap(page: Page): DriverPage {
  const engineErrors: string[] = [];
  page.on('pageerror', (error) => engineErrors.push(`${page.url()}: ${error instanceof Error ? error.message : String(error)}`));
  const step = <T>(name: string, work: () => Promise<T>, ms = STEP_TIMEOUT_MS) => withTimeout(`Firefox ${name}`, ms, work);
  return {
    engineErrors,
    goto: (url) => step(`goto ${url}`, async () => void (await page.goto(url, { waitUntil: 'load', timeout: 0 }))),
    evaluate: <R, A>(fn: PageFunction<A, R>, arg?: A) =>
      step('evaluate', () => (page.evaluate.bind(page) as LooseEvaluate)(fn, arg) as Promise<Awaited<R>>),
    waitForFunction: (fn, arg, options = {}) => {
      const ms = options.timeoutMs ?? WAIT_TIMEOUT_MS;
      return step('waitForFunction', async () => void (await page.waitForFunction(fn as never, { timeout: ms, polling: 50 }, arg)), ms + 5_000);
    },
    reload: () => step('reload', async () => void (await page.reload({ waitUntil: 'load', timeout: 0 }))),
    close: () => step('close page', () => page.close()),
  };
}

/**
 * Launches Firefox ESR through puppeteer-core over WebDriver BiDi (no geckodriver: none can be
 * had here), headless, with a fresh profile. Nothing is downloaded.
 */
export async function launchFirefox(): Promise<BrowserDriver> {
  if (!existsSync(FIREFOX)) {
    throw new Error(`Firefox not found at ${FIREFOX}: install it (apt-get install -y firefox-esr) or set FIREFOX_PATH.`);
  }
  const profile = await mkdtemp(join(tmpdir(), 'reclaim-firefox-'));
  let browser: Browser;
  try {
    browser = await withTimeout('launch Firefox', LAUNCH_TIMEOUT_MS, () =>
      puppeteer.launch({ browser: 'firefox', protocol: 'webDriverBiDi', executablePath: FIREFOX, headless: true, userDataDir: profile, timeout: 0 }),
    );
  } catch (error) {
    await rm(profile, { recursive: true, force: true });
    throw error;
  }
  const version = (await browser.version()).replace(/^firefox\//, '');
  return {
    engine: 'firefox',
    version,
    newPage: () => withTimeout('Firefox new page', STEP_TIMEOUT_MS, async () => wrap(await browser.newPage())),
    async close() {
      try {
        await withTimeout('close Firefox', STEP_TIMEOUT_MS, () => browser.close());
      } catch (error) {
        browser.process()?.kill('SIGKILL');
        throw error;
      } finally {
        await rm(profile, { recursive: true, force: true });
      }
    },
  };
}

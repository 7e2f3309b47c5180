import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { remote } from 'webdriverio';
import { WAIT_TIMEOUT_MS, type BrowserDriver, type DriverPage, type LaunchOptions, type PageFunction } from './driver.js';
import { freePort } from './free-port.js';
import { LAUNCH_TIMEOUT_MS, STEP_TIMEOUT_MS, withTimeout } from './with-timeout.js';

/** Debian's `webkit2gtk-driver`; `WEBKIT_WEBDRIVER_PATH` overrides it. */
export const WEBKIT_WEBDRIVER = process.env.WEBKIT_WEBDRIVER_PATH ?? '/usr/bin/WebKitWebDriver';

/** The small PyGObject browser WebKitWebDriver launches (see the file for why MiniBrowser will not do). */
export const WEBKIT_SHIM = fileURLToPath(new URL('./webkit-shim.py', import.meta.url));

/** The features the suite runs with unless a test asks otherwise: `navigator.storage` and `estimate()`. */
export const WEBKIT_DEFAULT_FEATURES: readonly string[] = ['+StorageAPI', '+StorageAPIEstimate'];

/** Where {@link launchWebKit} finds its X display. */
export interface WebKitLaunchOptions extends LaunchOptions {
  /** The X display (`:N`) WebKitGTK opens its windows on: it has no headless mode. */
  readonly display: string;
}

type WdioBrowser = Awaited<ReturnType<typeof remote>>;
type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: string };

/**
 * The script sent for an evaluate: errors come back as data. webdriverio retries a command that
 * failed, which would run a page function with side effects twice; this way nothing fails.
 */
function script(source: string): string {
  return `const fn = (${source});
return Promise.resolve(arguments[0]).then((arg) => fn(arg)).then(
  (value) => ({ ok: true, value: value === undefined ? null : value }),
  (error) => ({ ok: false, error: error instanceof Error ? error.name + ': ' + error.message : String(error) }));`;
}

/** Starts WebKitWebDriver in a process group of its own, so the browser it starts goes with it. */
async function startWebDriver(display: string): Promise<{ port: number; process: ChildProcess; log: () => string }> {
  const port = await freePort();
  const child = spawn(WEBKIT_WEBDRIVER, [`--port=${port}`], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, DISPLAY: display },
  });
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`WebKitWebDriver exited (${code}): ${log}`))));
  exited.catch(() => undefined);
  await withTimeout('start WebKitWebDriver', LAUNCH_TIMEOUT_MS, async () => {
    for (;;) {
      const ready = await fetch(`http://127.0.0.1:${port}/status`).then((r) => r.ok, () => false);
      if (ready) return;
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 50))]);
    }
  });
  return { port, process: child, log: () => log };
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * Launches WebKitGTK through WebKitWebDriver (WebDriver classic: 2.50 has no BiDi) and the
 * shim browser, on `options.display`, with a fresh website-data directory. Every page is a
 * window of one session; the steps of different pages take turns, as WebDriver classic has one
 * current window per session.
 */
export async function launchWebKit(options: WebKitLaunchOptions): Promise<BrowserDriver> {
  for (const [path, fix] of [
    [WEBKIT_WEBDRIVER, 'apt-get install -y webkit2gtk-driver'],
    ['/usr/bin/python3', 'apt-get install -y python3'],
    ['/usr/lib/python3/dist-packages/gi', 'apt-get install -y python3-gi gir1.2-webkit2-4.1'],
  ] as const) {
    if (!existsSync(path)) throw new Error(`WebKit: ${path} is missing: ${fix}.`);
  }
  const driver = await startWebDriver(options.display);
  const stop = () => killGroup(driver.process, 'SIGKILL');
  process.once('exit', stop);
  const dataDir = await mkdtemp(join(tmpdir(), 'reclaim-webkit-'));
  const features = options.webkitFeatures ?? WEBKIT_DEFAULT_FEATURES;
  let browser: WdioBrowser;
  try {
    browser = await withTimeout(`start a WebKit session on display ${options.display}`, LAUNCH_TIMEOUT_MS, () =>
      remote({
        hostname: '127.0.0.1',
        port: driver.port,
        path: '/',
        logLevel: 'silent',
        connectionRetryCount: 0,
        connectionRetryTimeout: LAUNCH_TIMEOUT_MS,
        capabilities: {
          browserName: 'reclaim-webkit',
          // WebKitWebDriver 2.50 has no BiDi; asking for it fails the session.
          'wdio:enforceWebDriverClassic': true,
          'webkitgtk:browserOptions': {
            binary: WEBKIT_SHIM,
            args: [`--data-dir=${dataDir}`, ...(features.length > 0 ? [`--features=${features.join(',')}`] : [])],
          },
        } as WebdriverIO.Capabilities,
      }),
    );
  } catch (error) {
    stop();
    process.off('exit', stop);
    await rm(dataDir, { recursive: true, force: true });
    throw new Error(`${error instanceof Error ? error.message : String(error)}\nWebKitWebDriver said: ${driver.log()}`, { cause: error });
  }
  await browser.setTimeout({ script: STEP_TIMEOUT_MS, pageLoad: STEP_TIMEOUT_MS });

  // One current window per session: page steps queue here and switch to their window first.
  let queue: Promise<unknown> = Promise.resolve();
  // The first window stays open (blank): W3C New Window needs a current window to start from.
  const home = await browser.getWindowHandle();
  let current = home;
  const inWindow = <T>(handle: string, name: string, work: () => Promise<T>, ms = STEP_TIMEOUT_MS): Promise<T> => {
    const run = queue.then(() =>
      withTimeout(`WebKit ${name}`, ms, async () => {
        if (current !== handle) {
          await browser.switchToWindow(handle);
          current = handle;
        }
        return work();
      }),
    );
    queue = run.catch(() => undefined);
    return run;
  };

  const evaluateIn = async <R>(handle: string, source: string, arg: unknown): Promise<R> => {
    const outcome = (await inWindow(handle, 'evaluate', () => browser.execute(script(source), arg ?? null))) as Outcome;
    if (!outcome.ok) throw new Error(`in the page: ${outcome.error}`);
    return outcome.value as R;
  };

  const page = (handle: string): DriverPage => ({
    engineErrors: [],
    goto: (url) => inWindow(handle, `goto ${url}`, () => browser.url(url)).then(() => undefined),
    evaluate: <R, A>(fn: PageFunction<A, R>, arg?: A) => evaluateIn<Awaited<R>>(handle, fn.toString(), arg),
    async waitForFunction(fn, arg, waitOptions = {}) {
      const ms = waitOptions.timeoutMs ?? WAIT_TIMEOUT_MS;
      const deadline = Date.now() + ms;
      const probe = `async (arg) => !!(await (${fn.toString()})(arg))`;
      for (;;) {
        // Polled from here: other pages' steps get their turn between two probes.
        if (await evaluateIn<boolean>(handle, probe, arg)) return;
        if (Date.now() >= deadline) throw new Error(`WebKit waitForFunction: still false after ${ms} ms: ${fn.toString().slice(0, 200)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    reload: () => inWindow(handle, 'reload', () => browser.refresh()).then(() => undefined),
    close: () =>
      inWindow(handle, 'close page', async () => {
        // Straight to the protocol: webdriverio's closeWindow also switches to some other window
        // in the background, racing the next step's own switch (and a session closing after it).
        const response = await fetch(`http://127.0.0.1:${driver.port}/session/${browser.sessionId}/window`, { method: 'DELETE' });
        if (!response.ok) throw new Error(`WebKit close page: ${response.status} ${await response.text()}`);
        current = '';
      }),
  });

  return {
    engine: 'webkit',
    version: String(browser.capabilities.browserVersion ?? 'unknown'),
    newPage: async () => page(await inWindow(home, 'new page', async () => (await browser.createWindow('tab')).handle)),
    async close() {
      try {
        await queue;
        await withTimeout('close the WebKit session', STEP_TIMEOUT_MS, () => browser.deleteSession());
      } finally {
        if (driver.process.exitCode === null && driver.process.signalCode === null) {
          const exited = new Promise((resolve) => driver.process.once('exit', resolve));
          killGroup(driver.process, 'SIGTERM');
          await withTimeout('stop WebKitWebDriver', 5_000, exited).catch(stop);
        }
        process.off('exit', stop);
        await rm(dataDir, { recursive: true, force: true });
      }
    },
  };
}

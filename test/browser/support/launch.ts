import { execFileSync } from 'node:child_process';
import { inject } from 'vitest';
import { CHROMIUM, launchChromium } from './chromium-driver.js';
import { ENGINE_LABEL, type BrowserDriver, type Engine, type LaunchOptions } from './driver.js';
import { FIREFOX, launchFirefox } from './firefox-driver.js';
import { launchWebKit, WEBKIT_SHIM } from './webkit-driver.js';

/** The engine of the running vitest project (`browser-chromium`, `browser-firefox`, `browser-webkit`). */
export function currentEngine(): Engine {
  const engine = inject('engine');
  if (engine !== 'chromium' && engine !== 'firefox' && engine !== 'webkit') {
    throw new Error(`no browser engine provided to this project (got ${String(engine)}): run it as one of the browser-* projects`);
  }
  return engine;
}

/** Launches `engine` with a fresh profile through its driver. */
export function launchDriver(engine: Engine, options: LaunchOptions = {}): Promise<BrowserDriver> {
  switch (engine) {
    case 'chromium':
      return launchChromium();
    case 'firefox':
      return launchFirefox();
    case 'webkit':
      return launchWebKit({ ...options, display: inject('webkitDisplay') });
  }
}

/**
 * The installed engine's version, asked of its binary (`chromium --version`, `firefox-esr
 * --version`, the WebKit shim's `--version`), so test names can carry it before any browser
 * starts. `not installed` when the binary cannot answer: the launch then fails with the fix.
 */
export function installedVersion(engine: Engine): string {
  const [file, args] = { chromium: [CHROMIUM, ['--version']], firefox: [FIREFOX, ['--version']], webkit: [WEBKIT_SHIM, ['--version']] }[engine] as [string, string[]];
  try {
    const out = execFileSync(file, args, { encoding: 'utf8', timeout: 15_000, stdio: ['ignore', 'pipe', 'ignore'] });
    return /\d+(\.\d+)+/.exec(out)?.[0] ?? out.trim();
  } catch {
    return 'not installed';
  }
}

/** `Firefox ESR 153.7.0` and the like: what test names call the running project's engine. */
export function engineTitle(engine: Engine): string {
  return `${ENGINE_LABEL[engine]} ${installedVersion(engine)}`;
}

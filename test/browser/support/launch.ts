import { inject } from 'vitest';
import { launchChromium } from './chromium-driver.js';
import type { BrowserDriver, Engine, LaunchOptions } from './driver.js';
import { launchFirefox } from './firefox-driver.js';
import { launchWebKit } from './webkit-driver.js';

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

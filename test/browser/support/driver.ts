/** The engines the real-browser suite runs in, one vitest project each. */
export type Engine = 'chromium' | 'firefox' | 'webkit';

/** What the report calls each engine. */
export const ENGINE_LABEL: Readonly<Record<Engine, string>> = {
  chromium: 'Chromium',
  firefox: 'Firefox ESR',
  webkit: 'WebKitGTK',
};

/** A function run in the page: serialized with `toString()`, so it may use only its argument. */
export type PageFunction<A, R> = (arg: A) => R | Promise<R>;

/**
 * One page (tab or window) of a driven browser. The steps are what every driver can do the same
 * way (Chrome DevTools Protocol, WebDriver BiDi, WebDriver classic); each fails after a timeout
 * instead of hanging. Values cross as JSON: `undefined` may come back as `null`.
 */
export interface DriverPage {
  /** Loads `url` and waits for its `load` event. */
  goto(url: string): Promise<void>;
  /** Runs `fn(arg)` in the page and returns its (awaited) result; a throw in the page rejects. */
  evaluate<R, A = undefined>(fn: PageFunction<A, R>, arg?: A): Promise<Awaited<R>>;
  /** Polls `fn(arg)` in the page until it returns something truthy (default: up to 15 s). */
  waitForFunction<A = undefined>(fn: PageFunction<A, unknown>, arg?: A, options?: { readonly timeoutMs?: number }): Promise<void>;
  /** Reloads the page and waits for its `load` event. */
  reload(): Promise<void>;
  /** Closes the page. */
  close(): Promise<void>;
  /** Uncaught errors the engine itself reported for this page (engines without such events: none). */
  readonly engineErrors: readonly string[];
}

/** A running browser with a fresh profile: nothing carries over from another launch. */
export interface BrowserDriver {
  readonly engine: Engine;
  /** The browser's own version string, e.g. `153.7.0` or `2.50.6`. */
  readonly version: string;
  /** Opens a new page of the same profile (same origin storage, same BroadcastChannel world). */
  newPage(): Promise<DriverPage>;
  /** Closes every page, the browser and its driver, and removes the profile. */
  close(): Promise<void>;
}

/** Per-launch choices. */
export interface LaunchOptions {
  /**
   * WebKit only: the WebKit features to switch on or off (`+StorageAPI`, `-WebLocksAPI`, …).
   * Default: `navigator.storage` with `estimate()` on. An empty list keeps WebKitGTK's own
   * defaults, where 2.50 has no `navigator.storage` at all.
   */
  readonly webkitFeatures?: readonly string[];
}

/** Default polling wait of {@link DriverPage.waitForFunction}. */
export const WAIT_TIMEOUT_MS = 15_000;

import type { Engine } from './driver.js';

declare module 'vitest' {
  /** What the browser projects of vitest.config.ts give their tests (`inject(...)`). */
  export interface ProvidedContext {
    /** The engine this project drives. */
    engine: Engine;
    /** The Xvfb display of the WebKit project (its global setup starts it). */
    webkitDisplay: string;
  }
}

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { LAUNCH_TIMEOUT_MS, withTimeout } from './with-timeout.js';

/** Debian's `xvfb`; `XVFB_PATH` overrides it. */
export const XVFB = process.env.XVFB_PATH ?? '/usr/bin/Xvfb';

/**
 * Global setup of the `browser-webkit` project: WebKitGTK has no headless mode, so one Xvfb
 * display serves the project's browsers (each file starts its own WebKitWebDriver on it). Xvfb
 * picks a free display itself (`-displayfd`) and the tests get it as `inject('webkitDisplay')`.
 * The teardown stops it.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (!existsSync(XVFB)) throw new Error(`Xvfb not found at ${XVFB}: install it (apt-get install -y xvfb xauth) or set XVFB_PATH.`);
  const xvfb = spawn(XVFB, ['-displayfd', '3', '-nolisten', 'tcp', '-screen', '0', '1280x1024x24'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  let log = '';
  xvfb.stderr?.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-4000);
  });
  const stop = () => void xvfb.kill('SIGKILL');
  process.once('exit', stop);
  const display = await withTimeout('start Xvfb', LAUNCH_TIMEOUT_MS, () =>
    new Promise<string>((resolve, reject) => {
      let out = '';
      xvfb.stdio[3]?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('\n')) resolve(`:${out.trim()}`);
      });
      xvfb.once('exit', (code) => reject(new Error(`Xvfb exited (${code}) before it had a display: ${log}`)));
    }),
  ).catch((error: unknown) => {
    stop();
    throw error;
  });
  project.provide('webkitDisplay', display);
  return async () => {
    process.off('exit', stop);
    if (xvfb.exitCode !== null || xvfb.signalCode !== null) return;
    const exited = new Promise((resolve) => xvfb.once('exit', resolve));
    xvfb.kill('SIGTERM');
    await withTimeout('stop Xvfb', 5_000, exited).catch(stop);
  };
}

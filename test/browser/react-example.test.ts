import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrowserEnv, type BrowserEnv, type HarnessWindow } from './support/browser-env.js';
import type { DriverPage } from './support/driver.js';
import { currentEngine, engineTitle } from './support/launch.js';

const engine = currentEngine();
const title = engineTitle(engine);
let env: BrowserEnv;

beforeAll(async () => {
  env = await startBrowserEnv();
});

afterAll(async () => {
  await env?.close();
});

async function text(page: DriverPage, id: string): Promise<string> {
  return page.evaluate((id) => document.querySelector(`[data-testid="${id}"]`)?.textContent ?? '', id);
}

async function waitForText(page: DriverPage, id: string, expected: string): Promise<void> {
  await page.waitForFunction(({ id, expected }) => document.querySelector(`[data-testid="${id}"]`)?.textContent === expected, { id, expected });
}

/** Clicks a button once it is enabled (a real click event: React handles it as a user's). */
async function click(page: DriverPage, selector: string): Promise<void> {
  await page.waitForFunction((selector) => document.querySelector<HTMLButtonElement>(selector)?.disabled === false, selector);
  await page.evaluate((selector) => document.querySelector<HTMLButtonElement>(selector)!.click(), selector);
}

describe(`in ${title}: the example page (useCleanup in React)`, () => {
  it('renders live status and metrics, runs cleanup from its button, and shows other tabs’ cleanups', async () => {
    const db = `example-${Date.now().toString(36)}`;
    const page = await env.open(`/example/index.html?db=${db}`);
    await waitForText(page, 'ready', 'yes');
    expect(await text(page, 'cleared')).toBe('0');

    await click(page, '#add-expired');
    await waitForText(page, 'sessions', '5');
    await click(page, '#add-fresh');
    await waitForText(page, 'sessions', '6');
    expect(Number(await text(page, 'session-bytes'))).toBe(6 * 4096);

    await click(page, '#run');
    await waitForText(page, 'cleared', '5');
    await waitForText(page, 'sessions', '1');
    expect(await text(page, 'freed')).toBe(String(5 * 4096));
    expect(await text(page, 'last-run')).toBe('success: 5 sessions');
    expect(await text(page, 'last-cleanup')).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(await text(page, 'errors')).toBe('0');

    // A second tab of the example cleans; the first one's hook renders it without a reload.
    const other = await env.open(`/example/index.html?db=${db}`);
    await waitForText(other, 'ready', 'yes');
    await click(other, '#add-expired');
    await waitForText(other, 'sessions', '6');
    await click(other, '#run');
    await waitForText(other, 'cleared', '10');
    await waitForText(page, 'cleared', '10');
    await waitForText(page, 'sessions', '1');
    await page.close();
    await other.close();
  });

  it('starts the schedule on mount (first run after one interval) and stops it on unmount', async () => {
    const db = `hook-${Date.now().toString(36)}`;
    const page = await env.open();
    const intervalHours = 1.2 / 3600; // 1.2 seconds
    await page.evaluate(
      async ({ db, intervalHours }) => {
        const h = (window as unknown as HarnessWindow).harness;
        const old = Date.now() - 99 * 3_600_000;
        await h.seedKeyValueSessions(db, [{ id: 'a', timestamp: old, size: 5 }, { id: 'b', timestamp: Date.now(), size: 5 }]);
        // An observer on the same journal and channel counts the runs the hook's schedule makes.
        await h.createService('observer', { store: { preset: 'chatterbox-storage', databaseName: db } }).ready;
        h.mountHook({ store: { preset: 'chatterbox-storage', databaseName: db }, intervalHours });
      },
      { db, intervalHours },
    );
    const scheduledRuns = () =>
      page.evaluate(() =>
        (window as unknown as HarnessWindow).harness
          .events('observer')
          .filter((e) => e.type === 'RunCompleted' && e.data.trigger === 'schedule').length,
      );
    // Nothing at mount: the browser schedule waits one interval.
    await page.waitForFunction(() => (window as unknown as HarnessWindow).harness.hookRenders().some((r) => r.ready && r.sessions === 2));
    expect(await scheduledRuns()).toBe(0);
    await page.waitForFunction(() => document.querySelector('#hook-probe')?.textContent === 'cleared 1, stored 1', undefined, { timeoutMs: 10_000 });
    expect(await scheduledRuns()).toBeGreaterThanOrEqual(1);

    // The trigger the hook returns runs a cleanup too.
    expect(await page.evaluate(() => (window as unknown as HarnessWindow).harness.runThroughHook())).toBe(0);

    await page.evaluate(() => (window as unknown as HarnessWindow).harness.unmountHook());
    const atUnmount = await scheduledRuns();
    await new Promise((resolve) => setTimeout(resolve, 3000)); // two and a half intervals: a live schedule would have run again
    expect(await scheduledRuns()).toBe(atUnmount);
    const renders = await page.evaluate(() => (window as unknown as HarnessWindow).harness.hookRenders());
    expect(renders.some((r) => r.running)).toBe(true);
    expect(renders.every((r) => r.error === null)).toBe(true);
    await page.close();
  });
});

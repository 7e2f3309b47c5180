import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/http/serve.js';
import { TokenFile } from '../../src/stores/json-file/index.js';
import { fileSandbox, type FileSandbox } from './file-sandbox.js';

const run = promisify(execFile);
const LOAD_CLIENT = join(import.meta.dirname, '../fixtures/http/load-client.mjs');
const TOKEN = 'load-test-token-0123456789abcdef';

let box: FileSandbox | undefined;
let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  box?.cleanup();
  box = undefined;
});

describe('the API under load from a second process', () => {
  it('answers thousands of requests while cleanups run and host writes land, with no 5xx and no token lost', async () => {
    box = fileSandbox({ expired: 300, valid: 100, orphans: 50 });
    server = await startServer({
      serviceOptions: { storagePath: box.storagePath, tokenFile: box.tokenFile },
      port: 0,
      // A scheduled run every ~2 s on top of the manual ones in the mix.
      intervalHours: 0.0005,
      auth: TOKEN,
      // Limits high enough for one client to send thousands: the limiter still runs on every request.
      rateLimit: { read: { max: 1_000_000, timeWindow: 60_000 }, write: { max: 1_000_000, timeWindow: 60_000 } },
      logger: false,
      handleSignals: false,
    });

    // The host app keeps writing tokens through the store API while the load runs.
    const writer = new TokenFile(box.tokenFile);
    const added: string[] = [];
    let writing = true;
    const hostWrites = (async () => {
      for (let i = 0; writing && i < 400; i++) {
        const id = `host${i}`;
        const path = join(box!.storagePath, `${id}.wav`);
        writeFileSync(path, Buffer.alloc(256, 0x63));
        await writer.addToken({ id, filePath: path, expiresAt: Date.now() + 3_600_000, fileSize: 256 });
        added.push(id);
      }
    })();

    const { stdout } = await run(process.execPath, [LOAD_CLIENT, server.apiUrl, '3000', '24', TOKEN], { timeout: 60_000 });
    writing = false;
    await hostWrites;
    const summary = JSON.parse(stdout) as {
      sent: number;
      answered: number;
      byStatus: Record<string, number>;
      failures: string[];
      runs: number;
    };

    expect(summary.failures, stdout).toEqual([]);
    expect(summary.sent).toBe(3000);
    expect(summary.answered).toBe(3000);
    expect(Object.keys(summary.byStatus).sort()).toEqual(['200', '404']);
    expect(summary.runs).toBeGreaterThan(0);
    expect(added.length).toBeGreaterThan(20);

    // Let the last scheduled run finish, then read the token file as the host would.
    await server.service.kernel.whenIdle();
    const tokens = box.tokens();
    for (const id of [...box.validIds, ...added]) expect(tokens[id], id).toBeDefined();
    for (const id of box.expiredIds) expect(tokens[id], id).toBeUndefined();
    expect(Object.keys(tokens)).toHaveLength(box.validIds.length + added.length);
    expect(server.service.getMetrics().tokensCleaned).toBe(300);
    expect(server.service.getMetrics().errors).toBe(0);
  });
});

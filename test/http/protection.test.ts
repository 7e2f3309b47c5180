import { afterEach, describe, expect, it } from 'vitest';
import { bearerCredentials, tokensMatch } from '../../src/http/index.js';
import { memoryService, serve, type Served } from './helpers.js';

const TOKEN = 'test-token-0123456789abcdef0123456789abcdef';

let served: Served | undefined;
afterEach(async () => {
  await served?.close();
  served = undefined;
});

describe('rate limiting', () => {
  it('answers 429 with Retry-After once a client passes the limit, POST stricter than GET', async () => {
    served = await serve(memoryService(), { rateLimit: { read: { max: 5, timeWindow: 60_000 }, write: { max: 2, timeWindow: 60_000 } } });
    const post = async () => fetch(`${served!.url}/api/cleanup/schedule/stop`, { method: 'POST' });
    expect((await post()).status).toBe(200);
    expect((await post()).status).toBe(200);
    const limited = await post();
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await limited.json()).toMatchObject({ status: 'error', code: 'RECLAIM_HTTP_RATE_LIMITED' });

    // Reads have their own, larger budget.
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await fetch(`${served.url}/api/cleanup/metrics`)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
  });

  it('limits every route by default, including the event stream and unknown paths', async () => {
    served = await serve(memoryService(), { rateLimit: { read: { max: 1, timeWindow: 60_000 } } });
    for (const path of ['/api/cleanup/schedule/status', '/api/cleanup/prometheus', '/api/cleanup/openapi.json', '/api/cleanup/events', '/api/cleanup/nope']) {
      const first = await fetch(`${served.url}${path}`);
      await first.body?.cancel();
      expect(first.status, path).not.toBe(429);
      const second = await fetch(`${served.url}${path}`);
      await second.body?.cancel();
      expect(second.status, path).toBe(429);
      expect(second.headers.get('retry-after'), path).toMatch(/^\d+$/);
    }
  });

  it('applies the default limits when none are given (10 manual runs a minute)', async () => {
    // `{}`: no override, the defaults apply (the helper turns limits off otherwise).
    served = await serve(memoryService(), { rateLimit: {} });
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await fetch(`${served.url}/api/cleanup/manual?dry_run=true`, { method: 'POST' })).status);
    expect(statuses.slice(0, 10).every((s) => s === 200)).toBe(true);
    expect(statuses[10]).toBe(429);
  });
});

describe('bearer token', () => {
  it('guards every route when configured: 401 with WWW-Authenticate without it, 200 with it', async () => {
    served = await serve(memoryService(), { auth: TOKEN });
    const routes: [string, string][] = [
      ['POST', '/api/cleanup/manual'],
      ['GET', '/api/cleanup/metrics'],
      ['POST', '/api/cleanup/schedule/start'],
      ['GET', '/api/cleanup/schedule/status'],
      ['POST', '/api/cleanup/schedule/stop'],
      ['GET', '/api/cleanup/events'],
      ['GET', '/api/cleanup/prometheus'],
      ['GET', '/api/cleanup/openapi.json'],
    ];
    for (const [method, path] of routes) {
      const bare = await fetch(`${served.url}${path}`, { method });
      expect(bare.status, `${method} ${path}`).toBe(401);
      expect(bare.headers.get('www-authenticate')).toBe('Bearer realm="reclaim"');
      expect(await bare.json()).toMatchObject({ status: 'error', code: 'RECLAIM_HTTP_UNAUTHORIZED' });
      const wrong = await fetch(`${served.url}${path}`, { method, headers: { authorization: `Bearer ${TOKEN}x` } });
      expect(wrong.status).toBe(401);
      expect(wrong.headers.get('www-authenticate')).toContain('error="invalid_token"');
      await wrong.body?.cancel();
    }
    for (const [method, path] of routes.filter(([, p]) => !p.endsWith('/events'))) {
      const ok = await fetch(`${served.url}${path}`, { method, headers: { authorization: `Bearer ${TOKEN}` } });
      expect(ok.status, `${method} ${path}`).toBe(200);
      await ok.body?.cancel();
    }
    const stream = await fetch(`${served.url}/api/cleanup/events`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await stream.body?.cancel();
  });

  it('compares tokens by equal-length digests and parses only Bearer credentials', () => {
    expect(tokensMatch(TOKEN, TOKEN)).toBe(true);
    expect(tokensMatch(`${TOKEN}x`, TOKEN)).toBe(false);
    expect(tokensMatch('', TOKEN)).toBe(false);
    expect(bearerCredentials(`Bearer ${TOKEN}`)).toBe(TOKEN);
    expect(bearerCredentials(`bearer   ${TOKEN}`)).toBe(TOKEN);
    expect(bearerCredentials(`Basic ${TOKEN}`)).toBeNull();
    expect(bearerCredentials('Bearer ')).toBeNull();
    expect(bearerCredentials(undefined)).toBeNull();
  });

  it('leaves the API open when no token is configured', async () => {
    served = await serve(memoryService());
    expect((await fetch(`${served.url}/api/cleanup/metrics`)).status).toBe(200);
  });
});

describe('bounded input', () => {
  it('refuses a body over the limit with 413', async () => {
    served = await serve(memoryService());
    const big = JSON.stringify({ dry_run: true, pad: 'x'.repeat(4096) });
    const response = await fetch(`${served.url}/api/cleanup/manual`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ status: 'error', code: 'RECLAIM_HTTP_BAD_REQUEST' });
  });

  it('refuses a malformed Last-Event-ID and an event-type filter that is not a list of names', async () => {
    served = await serve(memoryService());
    const bad = await fetch(`${served.url}/api/cleanup/events`, { headers: { 'last-event-id': 'twelve' } });
    expect(bad.status).toBe(400);
    expect((await bad.json()).message).toMatch(/last-event-id/);
    const badTypes = await fetch(`${served.url}/api/cleanup/events?types=${encodeURIComponent('<script>')}`);
    expect(badTypes.status).toBe(400);
    await badTypes.body?.cancel();
  });
});

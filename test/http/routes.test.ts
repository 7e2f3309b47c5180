import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupRoutes, openApiDocument } from '../../src/http/index.js';
import { MemoryStore } from '../../src/stores/memory/index.js';
import { memoryService, seededStore, serve, type Served } from './helpers.js';

const METRIC_KEYS = [
  'tokens_cleaned',
  'files_cleaned',
  'bytes_freed',
  'errors',
  'last_cleanup',
  'last_error',
  'storage_size',
  'storage_limit',
  'retention_hours',
].sort();

let served: Served | undefined;
afterEach(async () => {
  await served?.close();
  served = undefined;
});

async function call(method: string, path: string, init: RequestInit = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(`${served!.url}${path}`, { method, ...init });
  const text = await response.text();
  return { status: response.status, body: text === '' ? null : JSON.parse(text), headers: response.headers };
}

describe('the five routes of SPEC §6, over a real loopback server', () => {
  it('GET /metrics answers the documented snake_case metrics', async () => {
    served = await serve(memoryService());
    const { status, body } = await call('GET', '/api/cleanup/metrics');
    expect(status).toBe(200);
    expect(body.status).toBe('success');
    expect(Object.keys(body.metrics).sort()).toEqual(METRIC_KEYS);
    expect(body.metrics).toMatchObject({ tokens_cleaned: 0, files_cleaned: 0, bytes_freed: 0, errors: 0, storage_limit: 1024 * 1_048_576, retention_hours: 24 });
  });

  it('POST /manual runs a cleanup and answers its result and the metrics after it', async () => {
    served = await serve(memoryService(seededStore({ expired: 3, valid: 2, orphans: 1 })));
    const { status, body } = await call('POST', '/api/cleanup/manual');
    expect(status).toBe(200);
    expect(body.status).toBe('success');
    expect(body.result).toMatchObject({ tokens_cleaned: 3, files_cleaned: 4, bytes_freed: 3007, success: true, outcome: 'success', dry_run: false });
    expect(body.result.run_id).toMatch(/\S/);
    expect(body.result.totals).toMatchObject({ deleted: 4, records: 3, files: 4, bytes_freed: 3007 });
    expect(body.metrics).toMatchObject({ tokens_cleaned: 3, files_cleaned: 4, bytes_freed: 3007, storage_size: 1000 });
    expect(typeof body.metrics.last_cleanup).toBe('string');
    // Nothing in the response is camelCase.
    expect(JSON.stringify(body)).not.toMatch(/"[a-z]+[A-Z]\w*":/);
  });

  it('POST /manual?dry_run=true deletes nothing and says so', async () => {
    const store = seededStore({ expired: 2 });
    served = await serve(memoryService(store));
    const { status, body } = await call('POST', '/api/cleanup/manual?dry_run=true');
    expect(status).toBe(200);
    expect(body.result.dry_run).toBe(true);
    expect(store.records()).toHaveLength(4);
    const viaBody = await call('POST', '/api/cleanup/manual', { headers: { 'content-type': 'application/json' }, body: '{"dry_run":true}' });
    expect(viaBody.body.result.dry_run).toBe(true);
    expect(store.records()).toHaveLength(4);
  });

  it('POST /manual with a failing deletion answers 500 with status "error", never "success"', async () => {
    const store = seededStore({ expired: 2, valid: 0, orphans: 0 });
    store.refuse('record:old-0', 'EACCES');
    served = await serve(memoryService(store));
    const { status, body } = await call('POST', '/api/cleanup/manual');
    expect(status).toBe(500);
    expect(body.status).toBe('error');
    expect(body.code).toBe('RECLAIM_HTTP_RUN_FAILED');
    expect(body.message).toMatch(/EACCES/);
    expect(body.result).toMatchObject({ success: false, outcome: 'partial', tokens_cleaned: 1, error_code: 'EACCES' });
    expect(body.metrics.errors).toBe(1);
  });

  it('POST /manual refuses unknown parameters, bad JSON and other media types', async () => {
    served = await serve(memoryService());
    const unknownQuery = await call('POST', '/api/cleanup/manual?force=1');
    expect(unknownQuery.status).toBe(400);
    expect(unknownQuery.body).toMatchObject({ status: 'error', code: 'RECLAIM_HTTP_BAD_REQUEST' });
    expect(unknownQuery.body.fields[0].field).toBe('force');
    const badJson = await call('POST', '/api/cleanup/manual', { headers: { 'content-type': 'application/json' }, body: '{nope' });
    expect(badJson.status).toBe(400);
    const text = await call('POST', '/api/cleanup/manual', { headers: { 'content-type': 'text/plain' }, body: 'run' });
    expect(text.status).toBe(415);
    // An empty JSON body (some clients send the header anyway) means "no options".
    const empty = await call('POST', '/api/cleanup/manual', { headers: { 'content-type': 'application/json' }, body: '' });
    expect(empty.status).toBe(200);
  });

  it('the schedule routes start, refuse a second start, report, and stop', async () => {
    served = await serve(memoryService());
    expect((await call('GET', '/api/cleanup/schedule/status')).body).toEqual({ status: 'success', scheduled: false, interval_hours: null });
    const started = await call('POST', '/api/cleanup/schedule/start?interval_hours=1.5');
    expect(started.status).toBe(200);
    expect(started.body.status).toBe('success');
    expect(started.body.message).toMatch(/1\.5 hour/);
    expect((await call('GET', '/api/cleanup/schedule/status')).body).toEqual({ status: 'success', scheduled: true, interval_hours: 1.5 });
    const again = await call('POST', '/api/cleanup/schedule/start?interval_hours=2');
    expect(again.status).toBe(200);
    expect(again.body.status).toBe('already_running');
    expect((await call('POST', '/api/cleanup/schedule/stop')).body.status).toBe('success');
    expect((await call('POST', '/api/cleanup/schedule/stop')).body.status).toBe('not_running');
    expect((await call('GET', '/api/cleanup/schedule/status')).body).toEqual({ status: 'success', scheduled: false, interval_hours: null });
    // Stopped is not final over HTTP: a new start makes a new schedule.
    expect((await call('POST', '/api/cleanup/schedule/start')).body.status).toBe('success');
    expect((await call('GET', '/api/cleanup/schedule/status')).body.interval_hours).toBe(1);
  });

  it('a bad interval_hours is 400 and the reason names the field', async () => {
    served = await serve(memoryService());
    for (const bad of ['abc', '0', '-1', 'NaN', 'Infinity', '9999999', '']) {
      const { status, body } = await call('POST', `/api/cleanup/schedule/start?interval_hours=${bad}`);
      expect(status, `interval_hours=${bad}`).toBe(400);
      expect(body.code).toBe('RECLAIM_HTTP_BAD_REQUEST');
      expect(body.message).toMatch(/interval_hours/);
      expect(body.fields[0].field).toBe('interval_hours');
    }
    expect((await call('GET', '/api/cleanup/schedule/status')).body.scheduled).toBe(false);
  });

  it('unknown paths are 404 and wrong methods 405 with Allow, in the error shape', async () => {
    served = await serve(memoryService());
    const missing = await call('GET', '/api/cleanup/nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ status: 'error', code: 'RECLAIM_HTTP_NOT_FOUND' });
    const wrong = await call('GET', '/api/cleanup/manual');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
    expect(wrong.body.code).toBe('RECLAIM_HTTP_METHOD_NOT_ALLOWED');
    const del = await call('DELETE', '/api/cleanup/metrics');
    expect(del.status).toBe(405);
    expect(del.headers.get('allow')).toContain('GET');
  });

  it('GET /openapi.json documents every route from the same schemas', async () => {
    served = await serve(memoryService());
    const { status, body } = await call('GET', '/api/cleanup/openapi.json');
    expect(status).toBe(200);
    expect(body.openapi).toBe('3.1.0');
    expect(Object.keys(body.paths).sort()).toEqual(
      [
        '/api/cleanup/events',
        '/api/cleanup/manual',
        '/api/cleanup/metrics',
        '/api/cleanup/openapi.json',
        '/api/cleanup/prometheus',
        '/api/cleanup/schedule/start',
        '/api/cleanup/schedule/status',
        '/api/cleanup/schedule/stop',
      ].sort(),
    );
    const start = body.paths['/api/cleanup/schedule/start'].post;
    expect(start.parameters).toContainEqual(expect.objectContaining({ name: 'interval_hours', in: 'query' }));
    expect(start.responses['400']).toBeDefined();
    expect(body.paths['/api/cleanup/manual'].post.responses['500']).toBeDefined();
    expect(body.paths['/api/cleanup/metrics'].get.responses['200'].content['application/json'].schema.properties.metrics.required).toEqual(
      expect.arrayContaining(METRIC_KEYS),
    );
    // The document without a server is the same.
    expect(openApiDocument()).toEqual(body);
  });
});

describe('the plugin inside a host app', () => {
  it('lives beside the host routes under the host prefix, and leaves the host alone', async () => {
    const service = memoryService();
    const app = Fastify();
    app.get('/health', async () => ({ ok: true }));
    app.post('/echo', async (request) => ({ got: request.body }));
    await app.register(cleanupRoutes, { service, prefix: '/admin/cleanup', rateLimit: false, auth: 'a-host-token-of-32-characters!!!' });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as { port: number };
    const base = `http://127.0.0.1:${port}`;
    try {
      expect(await (await fetch(`${base}/health`)).json()).toEqual({ ok: true });
      // The plugin's strict parsers and token stay in its own scope.
      const echo = await fetch(`${base}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"anything":1}' });
      expect(await echo.json()).toEqual({ got: { anything: 1 } });
      expect((await fetch(`${base}/api/cleanup/metrics`)).status).toBe(404);
      const metrics = await fetch(`${base}/admin/cleanup/metrics`, { headers: { authorization: 'Bearer a-host-token-of-32-characters!!!' } });
      expect(metrics.status).toBe(200);
      expect((await metrics.json()).status).toBe('success');
      const doc = await (await fetch(`${base}/admin/cleanup/openapi.json`, { headers: { authorization: 'Bearer a-host-token-of-32-characters!!!' } })).json();
      expect(Object.keys(doc.paths)).toContain('/admin/cleanup/manual');
      expect(doc.security).toEqual([{ bearerAuth: [] }]);
    } finally {
      await app.close();
      await service.close();
    }
  });

  it('nests under a host plugin prefix and can mount at the root', async () => {
    const service = memoryService();
    const app = Fastify();
    await app.register(
      async (api) => {
        await api.register(cleanupRoutes, { service, rateLimit: false });
      },
      { prefix: '/v2' },
    );
    const rooted = Fastify();
    const other = memoryService(new MemoryStore());
    await rooted.register(cleanupRoutes, { service: other, prefix: '', rateLimit: false });
    try {
      expect((await app.inject({ method: 'GET', url: '/v2/api/cleanup/metrics' })).statusCode).toBe(200);
      expect((await rooted.inject({ method: 'GET', url: '/schedule/status' })).json()).toEqual({ status: 'success', scheduled: false, interval_hours: null });
    } finally {
      await app.close();
      await rooted.close();
      await service.close();
      await other.close();
    }
  });

  it('refuses options that would leave it broken or weakly protected', async () => {
    const service = memoryService();
    try {
      await expect(Fastify().register(cleanupRoutes, { service, auth: 'short' }).ready()).rejects.toThrow(/auth/);
      await expect(Fastify().register(cleanupRoutes, { service, rateLimit: { write: { max: 0, timeWindow: 1000 } } }).ready()).rejects.toThrow(
        /rateLimit\.write\.max/,
      );
      await expect(Fastify().register(cleanupRoutes, {} as never).ready()).rejects.toThrow(/service/);
    } finally {
      await service.close();
    }
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { buildApp } from '../../src/api/app.js';
import { gatewayLogger } from '../../src/api/ops.js';
import { basic, describeEachStore, injectRequest } from '../support/harness.js';

/** The value of one sample line of the Prometheus text format, or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const match = /^[^{]+\{([^}]*)\}\s+(\S+)$/.exec(line);
    if (!match) continue;
    const found = Object.fromEntries([...match[1].matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => found[key] === value) && Object.keys(found).length === Object.keys(labels).length) return Number(match[2]);
  }
  return undefined;
}

describeEachStore('operations: health, readiness, metrics, request ids, logs', (h) => {
  async function createCharge(amount = 50_000) {
    const res = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: { amount, currency: 'THB', source: { type: 'truemoney_qr' } } });
    assert.equal(res.status, 200, res.body);
    return res.json;
  }

  test('/healthz answers while the process lives; /readyz once the database answers and its schema is current', async () => {
    const health = await h.request({ url: '/healthz' });
    assert.equal(health.status, 200);
    assert.deepEqual(health.json, { status: 'ok' });
    const ready = await h.request({ url: '/readyz' });
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.json, { status: 'ready' });
  });

  test('every response carries a request id: the caller\'s X-Request-Id when sane, a fresh one otherwise', async () => {
    const given = await h.request({ url: '/healthz', headers: { 'x-request-id': 'lb-7f3a.42' } });
    assert.equal(given.headers['x-request-id'], 'lb-7f3a.42');
    const hostile = await h.request({ url: '/healthz', headers: { 'x-request-id': 'evil\u0000"id" with spaces' } });
    assert.match(String(hostile.headers['x-request-id']), /^[0-9a-f-]{36}$/);
    const refused = await h.request({ url: '/balance', key: h.keys.secretKey, headers: { 'omise-version': '1999-01-01', 'x-request-id': 'refused-1' } });
    assert.equal(refused.status, 400);
    assert.equal(refused.headers['x-request-id'], 'refused-1');
    const a = await h.request({ url: '/healthz' });
    const b = await h.request({ url: '/healthz' });
    assert.notEqual(a.headers['x-request-id'], b.headers['x-request-id']);
  });

  test('/metrics counts requests by route pattern and status, times them, and reports charges by status', async () => {
    const charge = await createCharge();
    const other = await createCharge();
    await h.request({ url: `/charges/${charge.id}`, key: h.keys.secretKey });
    await h.request({ url: `/charges/${other.id}`, key: h.keys.secretKey });
    await h.request({ url: '/charges/chrg_test_nosuchcharge000000', key: h.keys.secretKey });
    await h.request({ method: 'POST', url: `/charges/${other.id}/mark_as_paid`, key: h.keys.secretKey });
    const res = await h.request({ url: '/metrics' });
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain/);
    const text = res.body;
    assert.equal(sample(text, 'satang_http_requests_total', { method: 'POST', route: '/charges', status_code: '200' }), 2);
    assert.equal(sample(text, 'satang_http_requests_total', { method: 'GET', route: '/charges/:id', status_code: '200' }), 2);
    assert.equal(sample(text, 'satang_http_requests_total', { method: 'GET', route: '/charges/:id', status_code: '404' }), 1);
    // Ids never become label values.
    assert.equal(text.includes(charge.id), false);
    assert.equal(sample(text, 'satang_http_request_duration_seconds_count', { method: 'POST', route: '/charges' }), 2);
    assert.equal(sample(text, 'satang_http_request_duration_seconds_bucket', { method: 'POST', route: '/charges', le: '+Inf' }), 2);
    assert.equal(sample(text, 'satang_charges', { status: 'pending' }), 1);
    assert.equal(sample(text, 'satang_charges', { status: 'successful' }), 1);
    assert.equal(sample(text, 'satang_webhook_queue_depth', { state: 'pending' }), 0);
    assert.equal(sample(text, 'satang_webhook_deliveries_total', { outcome: 'delivered' }), 0);
    assert.match(text, /^process_cpu_user_seconds_total /m);
  });

  test('with SATANG_METRICS_TOKEN set, /metrics needs it as a bearer token', async () => {
    const app = await buildApp(h.gateway, { metricsToken: 'scrape-token-1' });
    try {
      const none = await injectRequest(app, { url: '/metrics' });
      assert.equal(none.status, 401);
      assert.equal(none.body.includes('satang_'), false);
      const wrong = await injectRequest(app, { url: '/metrics', headers: { authorization: 'Bearer scrape-token-2' } });
      assert.equal(wrong.status, 401);
      const right = await injectRequest(app, { url: '/metrics', headers: { authorization: 'Bearer scrape-token-1' } });
      assert.equal(right.status, 200);
      assert.match(right.body, /satang_http_requests_total/);
    } finally {
      await app.close();
    }
  });

  test('log lines are JSON with the request id; credentials, keys and secrets are redacted', async () => {
    const lines: string[] = [];
    const app = await buildApp(h.gateway, { logger: gatewayLogger('info', { write: (line) => void lines.push(line) }) });
    try {
      const res = await injectRequest(app, { url: '/balance', key: h.keys.secretKey, headers: { 'x-request-id': 'trace-123' } });
      assert.equal(res.status, 200);
      app.log.info({ upstream: { headers: { authorization: basic(h.keys.secretKey), cookie: 'session=abc' } }, account: { secret: 'whsec_x', key: h.keys.secretKey, password: 'pw' } }, 'context');
      const parsed = lines.map((line) => JSON.parse(line));
      const completed = parsed.find((entry) => entry.msg === 'request completed');
      assert.ok(completed, lines.join(''));
      assert.equal(completed.reqId, 'trace-123');
      assert.equal(completed.route, '/balance');
      assert.equal(completed.statusCode, 200);
      const context = parsed.find((entry) => entry.msg === 'context');
      assert.equal(context.upstream.headers.authorization, '[redacted]');
      assert.equal(context.upstream.headers.cookie, '[redacted]');
      assert.deepEqual(context.account, { secret: '[redacted]', key: '[redacted]', password: '[redacted]' });
      const all = lines.join('');
      assert.equal(all.includes(h.keys.secretKey), false);
      assert.equal(all.includes(Buffer.from(`${h.keys.secretKey}:`).toString('base64')), false);
    } finally {
      await app.close();
    }
  });

  test('/readyz answers 503 when the database has migrations the code expects but lacks', async () => {
    await h.store.transaction((tx) => sql`delete from kysely_migration where name = ${'0004_refunds'}`.execute(tx));
    const res = await h.request({ url: '/readyz' });
    assert.equal(res.status, 503);
    assert.deepEqual(res.json, { status: 'migrations_pending', pending: ['0004_refunds'] });
    assert.equal((await h.request({ url: '/healthz' })).status, 200);
  });
});

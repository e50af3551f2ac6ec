/**
 * The dashboard's Developers section (issue 15): the request log (filters by status, route, method,
 * path and request id, newest first, paged; test mode only) and events with their webhook
 * deliveries, each linked to its charge's page, beside the account's endpoints.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { addOperator, type DashboardClient, signIn } from '../support/dashboard.js';
import { describeEachStore } from '../support/harness.js';
import { type Receiver, startReceiver } from '../support/receiver.js';

/** The request ids of the request log's rows on a page, in page order. */
const requestIds = (html: string) => [...html.matchAll(/<tr data-request-id="([^"]+)">/g)].map((match) => match[1]);
const decode = (href: string) => href.replace(/&amp;/g, '&');

describeEachStore(
  'dashboard: Developers',
  (h) => {
    let client: DashboardClient;
    let receiver: Receiver;
    before(async () => {
      receiver = await startReceiver();
      await addOperator(h.store, 'dev@example.com');
      client = await signIn(h.app, 'dev@example.com');
    });
    after(() => receiver.close());

    test('the nav leads to Developers; the request log shows what the test keys asked, newest first, with links to charges', async () => {
      const charge = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: { amount: 40_000, currency: 'THB', source: { type: 'truemoney_qr' } }, headers: { 'x-request-id': 'dash-create', 'idempotency-key': 'dash-once' } });
      assert.equal(charge.status, 200);
      assert.equal((await h.request({ url: `/charges/${charge.json.id}`, key: h.keys.secretKey, headers: { 'x-request-id': 'dash-get' } })).status, 200);
      assert.equal((await h.request({ url: '/charges/chrg_test_0000000000000000000', key: h.keys.secretKey, headers: { 'x-request-id': 'dash-404' } })).status, 404);
      await h.gateway.requestLog.flush();
      const home = await client.get('/dashboard');
      assert.match(home.body, /<a href="\/dashboard\/developers" class="">Developers<\/a>/);
      const page = await client.get('/dashboard/developers');
      assert.equal(page.status, 200);
      assert.match(page.body, /<a href="\/dashboard\/developers" class="on">Developers<\/a>/);
      assert.deepEqual(requestIds(page.body).slice(0, 3), ['dash-404', 'dash-get', 'dash-create']);
      assert.ok(page.body.includes(`<a href="/dashboard/charges/${charge.json.id}">/charges/${charge.json.id}</a>`), 'the charge a request was about links to its page');
      assert.ok(page.body.includes('Idempotency-Key dash-once'));
      assert.ok(page.body.includes(`Secret key <span class="mono">…${h.keys.secretKey.slice(-4)}</span>`), 'the key named by its kind and last four characters');
      assert.equal(page.body.includes(h.keys.secretKey), false, 'never the key');
    });

    test('filters: status, route, request id, method and path; a filter that cannot filter says why', async () => {
      const only = async (query: string) => requestIds((await client.get(`/dashboard/developers?${query}`)).body).filter((id) => id.startsWith('dash-'));
      assert.deepEqual(await only('status=4xx'), ['dash-404']);
      assert.deepEqual(await only('status=2xx&method=post'), ['dash-create']);
      assert.deepEqual(await only('route=%2Fcharges%2F%3Aid'), ['dash-404', 'dash-get']);
      assert.deepEqual(await only('request_id=dash-get'), ['dash-get']);
      assert.deepEqual(await only('path=%2Fcharges&status=200'), ['dash-get', 'dash-create']);
      const kept = await client.get('/dashboard/developers?status=4xx&route=%2Fcharges%2F%3Aid');
      assert.match(kept.body, /name="status" value="4xx"/);
      assert.match(kept.body, /name="route" value="\/charges\/:id"/);
      const bad = await client.get('/dashboard/developers?status=teapot');
      assert.equal(bad.status, 200);
      assert.match(bad.body, /<div class="error" role="alert">This filter cannot be used: The status must be a status class like 4xx/);
      assert.deepEqual(requestIds(bad.body), []);
    });

    test('pages of 50, newest first, each entry once; the filter stays on the next page', async () => {
      for (let i = 0; i < 55; i++) assert.equal((await h.request({ url: '/balance', key: h.keys.secretKey, headers: { 'x-request-id': `page-${i}` } })).status, 200);
      await h.gateway.requestLog.flush();
      const first = await client.get('/dashboard/developers?path=%2Fbalance');
      const firstIds = requestIds(first.body);
      assert.equal(firstIds.length, 50);
      assert.equal(firstIds[0], 'page-54');
      const next = /href="([^"]+)" rel="next"/.exec(first.body);
      assert.ok(next, 'an Older link');
      assert.match(next[1], /path=%2Fbalance/);
      const second = await client.get(decode(next[1]));
      assert.deepEqual(requestIds(second.body), ['page-4', 'page-3', 'page-2', 'page-1', 'page-0']);
      assert.match(second.body, /href="\/dashboard\/developers\?path=%2Fbalance">← Newest/);
    });

    test('events with their deliveries, linked to their charge; endpoints listed; filtered by event', async () => {
      const endpoint = await h.request({ method: 'POST', url: '/webhook_endpoints', key: h.keys.secretKey, json: { url: `${receiver.url}/omise` } });
      assert.equal(endpoint.status, 200, endpoint.body);
      receiver.respond = () => 503;
      const charge = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: { amount: 41_000, currency: 'THB', source: { type: 'truemoney_qr' } } });
      assert.equal(charge.status, 200);
      await h.gateway.webhooks.drain();
      receiver.respond = () => 200;
      assert.equal((await h.request({ method: 'POST', url: `/charges/${charge.json.id}/mark_as_paid`, key: h.keys.secretKey })).status, 200);
      await h.gateway.webhooks.drain();
      const page = await client.get('/dashboard/developers/events');
      assert.equal(page.status, 200);
      assert.match(page.body, /<a href="\/dashboard\/developers\/events" class="button on">Events and webhooks<\/a>/);
      assert.ok(page.body.includes(`data-endpoint="${endpoint.json.id}"`), 'the endpoint is listed');
      // Send test event is here as on Webhooks, and each endpoint says whether its chaos is on.
      assert.match(page.body, /<form method="post" action="\/dashboard\/webhooks\/test-event"/);
      assert.match(page.body, /data-test="developer-chaos">Webhook chaos: Off · <a href="\/dashboard\/webhooks#chaos-endp_test_/);
      const chaos = await h.request({ method: 'PATCH', url: `/webhook_endpoints/${endpoint.json.id}`, key: h.keys.secretKey, json: { chaos: { duplicate_rate: 0.5, seed: 7 } } });
      assert.equal(chaos.status, 200, chaos.body);
      assert.match((await client.get('/dashboard/developers/events')).body, /Webhook chaos: <strong>On<\/strong>: Duplicates 0.5 of events · delay 0–0 ms · reorder window 0 ms · first 0 attempts fail · seed 7/);
      await h.request({ method: 'PATCH', url: `/webhook_endpoints/${endpoint.json.id}`, key: h.keys.secretKey, json: { chaos: null } });
      const events = [...page.body.matchAll(/<li data-event="(evnt_test_[0-9a-z]+)" data-key="([a-z.]+)">([\s\S]*?)<\/li>/g)];
      assert.deepEqual(
        events.slice(0, 2).map((match) => match[2]),
        ['charge.complete', 'charge.create'],
        'newest first',
      );
      const [complete, create] = events;
      assert.ok(complete[3].includes(`href="/dashboard/charges/${charge.json.id}"`));
      assert.match(complete[3], /<span class="status ok">200<\/span>/);
      assert.match(create[3], /<span class="status bad">503<\/span>/);
      assert.match(create[3], /Delivery to <span class="mono">[^<]+<\/span>: waiting to be sent, next try [^<]+ \(account clock\)/, 'its retry is shown');
      const filtered = await client.get('/dashboard/developers/events?key=charge.complete');
      const keys = [...filtered.body.matchAll(/data-key="([a-z.]+)"/g)].map((match) => match[1]);
      assert.ok(keys.length >= 1);
      assert.deepEqual([...new Set(keys)], ['charge.complete']);
    });

    test('in live mode the request log says it is kept in test mode only', async () => {
      const switched = await client.post('/dashboard/session/mode', { mode: 'live', back: '/dashboard/developers' });
      assert.equal(switched.status, 303);
      const page = await client.get('/dashboard/developers');
      assert.equal(page.status, 200);
      assert.match(page.body, /id="request-log-live">The request log is kept in test mode only/);
      assert.deepEqual(requestIds(page.body), []);
      assert.equal((await client.get('/dashboard/developers/events')).status, 200);
      await client.post('/dashboard/session/mode', { mode: 'test', back: '/dashboard/developers' });
    });
  },
  { webhookAllowPrivateTargets: true, webhookTimeoutMs: 2000, requestLog: { flushIntervalMs: 60_000 } },
);

/**
 * Fan-out is bounded (DECISIONS §10): at most 20 webhook endpoints per account and mode
 * (racing creates included), 10 URLs in a charge's webhook_endpoints, and event lists show
 * each event's 25 most recent deliveries (GET /events/:id shows them all), so the size of a
 * list has a bound whatever the endpoints' retries piled up.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WebhookDelivery } from '../../src/store/schema.js';
import { describeEachStore, type Harness, secondGateway } from '../support/harness.js';

const endpointsMax = 20;
const listedDeliveriesMax = 25;

function addEndpoint(h: Harness, url: string, key = h.keys.secretKey) {
  return h.request({ method: 'POST', url: '/webhook_endpoints', key, json: { url } });
}

async function endpointIds(h: Harness, key = h.keys.secretKey): Promise<string[]> {
  const list = await h.request({ url: '/webhook_endpoints', key });
  return list.json.data.map((e: { id: string }) => e.id);
}

async function removeAllEndpoints(h: Harness): Promise<void> {
  for (const id of await endpointIds(h)) await h.request({ method: 'DELETE', url: `/webhook_endpoints/${id}`, key: h.keys.secretKey });
}

describeEachStore('webhooks: endpoints per account and mode are limited', (h) => {
  test(`the ${endpointsMax + 1}st endpoint is refused (400 bad_request, nothing stored); the other mode and account are not affected`, async () => {
    for (let i = 0; i < endpointsMax; i++) assert.equal((await addEndpoint(h, `https://merchant.example/hooks/${i}`)).status, 200);
    const refused = await addEndpoint(h, 'https://merchant.example/hooks/one-too-many');
    assert.equal(refused.status, 400, refused.body);
    assert.equal(refused.json.object, 'error');
    assert.equal(refused.json.code, 'bad_request');
    assert.match(refused.json.message, /at most 20 webhook endpoints/);
    assert.equal((await endpointIds(h)).length, endpointsMax);
    // Disabled endpoints count too: disabling one makes no room.
    const [first] = await endpointIds(h);
    await h.request({ method: 'PATCH', url: `/webhook_endpoints/${first}`, key: h.keys.secretKey, json: { enabled: false } });
    assert.equal((await addEndpoint(h, 'https://merchant.example/hooks/still-too-many')).status, 400);
    // Per account and mode.
    assert.equal((await addEndpoint(h, 'https://merchant.example/live', h.keys.liveSecretKey)).status, 200);
    assert.equal((await addEndpoint(h, 'https://other.example/hooks', h.other.secretKey)).status, 200);
    // Removing one makes room for one.
    await h.request({ method: 'DELETE', url: `/webhook_endpoints/${first}`, key: h.keys.secretKey });
    assert.equal((await addEndpoint(h, 'https://merchant.example/hooks/again')).status, 200);
    assert.equal((await addEndpoint(h, 'https://merchant.example/hooks/again-too-many')).status, 400);
    await removeAllEndpoints(h);
  });

  test('an account already above the limit keeps its endpoints and cannot add more', async () => {
    const nowMs = Date.now();
    await h.store.transaction(async (tx) => {
      for (let i = 0; i < endpointsMax + 5; i++) {
        await tx
          .insertInto('webhook_endpoints')
          .values({ id: `endp_test_legacy${String(i).padStart(14, '0')}`, account_id: h.keys.accountId, livemode: 0, url: `https://merchant.example/legacy/${i}`, enabled: 1, created_at: nowMs, updated_at: nowMs })
          .execute();
      }
    });
    assert.equal((await endpointIds(h)).length, endpointsMax + 5);
    assert.equal((await addEndpoint(h, 'https://merchant.example/new')).status, 400);
    const ids = await endpointIds(h);
    for (const id of ids.slice(0, 5)) await h.request({ method: 'DELETE', url: `/webhook_endpoints/${id}`, key: h.keys.secretKey });
    assert.equal((await addEndpoint(h, 'https://merchant.example/new')).status, 400, 'at the limit: still no room');
    await h.request({ method: 'DELETE', url: `/webhook_endpoints/${ids[5]}`, key: h.keys.secretKey });
    assert.equal((await addEndpoint(h, 'https://merchant.example/new')).status, 200);
    await removeAllEndpoints(h);
  });

  test('racing creates cannot pass the limit together', async () => {
    const second = await secondGateway(h);
    try {
      for (let round = 0; round < 4; round++) {
        const existing = await endpointIds(h);
        for (const id of existing.slice(endpointsMax - 1)) await h.request({ method: 'DELETE', url: `/webhook_endpoints/${id}`, key: h.keys.secretKey });
        for (let i = existing.length; i < endpointsMax - 1; i++) assert.equal((await addEndpoint(h, `https://merchant.example/base/${i}`)).status, 200);
        assert.equal((await endpointIds(h)).length, endpointsMax - 1);
        // Twelve creates at once through each gateway: room for one.
        const answers = await Promise.all(
          Array.from({ length: 24 }, (_, i) =>
            (i % 2 === 0 ? h.request : second.request)({ method: 'POST', url: '/webhook_endpoints', key: h.keys.secretKey, json: { url: `https://merchant.example/race/${round}/${i}` } }),
          ),
        );
        assert.deepEqual(answers.map((a) => a.status).sort(), [200, ...Array(23).fill(400)], `round ${round}`);
        assert.equal((await endpointIds(h)).length, endpointsMax, `round ${round}`);
      }
    } finally {
      await second.close();
      await removeAllEndpoints(h);
    }
  });

  test("a charge's webhook_endpoints keep their limit of 10", async () => {
    const urls = Array.from({ length: 11 }, (_, i) => `https://merchant.example/charge/${i}`);
    const refused = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: { amount: 10000, currency: 'THB', source: { type: 'truemoney_qr' }, webhook_endpoints: urls } });
    assert.equal(refused.status, 400);
    assert.equal(refused.json.code, 'invalid_charge');
    const accepted = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: { amount: 10000, currency: 'THB', source: { type: 'truemoney_qr' }, webhook_endpoints: urls.slice(0, 10) } });
    assert.equal(accepted.status, 200, accepted.body);
  });
});

/** A URL of exactly `length` characters (the longest allowed is 2000). */
function longUrl(label: string, length: number): string {
  const base = `https://merchant.example/${label}/`;
  return base + 'x'.repeat(length - base.length);
}

/** `perJob` attempts of every job of these events, written straight into the store, one second apart. */
async function pileUpDeliveries(h: Harness, events: Array<{ id: string; payload: string }>, perJob: number): Promise<void> {
  const jobs = await h.store.read
    .selectFrom('webhook_jobs')
    .selectAll()
    .where('event_id', 'in', events.map((e) => e.id))
    .execute();
  const payloads = new Map(events.map((e) => [e.id, e.payload]));
  const rows: WebhookDelivery[] = [];
  const startMs = Date.now() - 86_400_000;
  for (const job of jobs) {
    for (let attempt = 0; attempt < perJob; attempt++) {
      rows.push({
        id: `whdl_test_${job.id.slice(-12)}${String(attempt).padStart(7, '0')}`,
        job_id: job.id,
        event_id: job.event_id,
        account_id: job.account_id,
        livemode: job.livemode,
        uri: job.url,
        status: 500,
        error: 'endpoint answered 500',
        payload: payloads.get(job.event_id)!,
        duration_ms: 12,
        response_excerpt: 'not today',
        created_at: startMs + attempt * 1000 + rows.length,
        chaos: null,
      });
    }
  }
  for (let start = 0; start < rows.length; start += 400) {
    const chunk = rows.slice(start, start + 400);
    await h.store.transaction((tx) => tx.insertInto('webhook_deliveries').values(chunk).execute());
  }
}

describeEachStore('webhooks: event lists show the 25 most recent deliveries of each event', (h) => {
  test('lists cut to the 25 most recent, shown oldest first; GET /events/:id shows all', async () => {
    const charge = await h.request({
      method: 'POST',
      url: '/charges',
      key: h.keys.secretKey,
      json: { amount: 10000, currency: 'THB', source: { type: 'truemoney_qr' }, webhook_endpoints: ['https://merchant.example/a', 'https://merchant.example/b'] },
    });
    const event = (await h.request({ url: `/charges/${charge.json.id}/events`, key: h.keys.secretKey })).json.data[0];
    await pileUpDeliveries(h, [{ id: event.id, payload: '{}' }], 20);
    const all = (await h.request({ url: `/events/${event.id}`, key: h.keys.secretKey })).json.webhook_deliveries;
    assert.equal(all.length, 40);
    const ids = all.map((d: { id: string }) => d.id);
    const latest = (await h.request({ url: `/charges/${charge.json.id}/events`, key: h.keys.secretKey })).json.data[0].webhook_deliveries;
    assert.deepEqual(latest.map((d: { id: string }) => d.id), ids.slice(-listedDeliveriesMax), 'the 25 most recent, oldest first');
    const listed = (await h.request({ url: '/events?limit=100', key: h.keys.secretKey })).json.data.find((e: { id: string }) => e.id === event.id);
    assert.deepEqual(listed.webhook_deliveries.map((d: { id: string }) => d.id), ids.slice(-listedDeliveriesMax));
  });

  test('GET /events?limit=100 in the worst allowed configuration stays under the bound 25 deliveries per event give', async () => {
    await removeAllEndpoints(h);
    await h.request({ method: 'POST', url: '/test/reset', key: h.keys.secretKey });
    const uriCharsMax = 2000;
    for (let i = 0; i < endpointsMax; i++) assert.equal((await addEndpoint(h, longUrl(`account-${i}`, uriCharsMax))).status, 200);
    const chargeUrls = Array.from({ length: 10 }, (_, i) => longUrl(`charge-${i}`, uriCharsMax));
    for (let i = 0; i < 100; i++) {
      const charge = await h.request({
        method: 'POST',
        url: '/charges',
        key: h.keys.secretKey,
        json: { amount: 10000 + i, currency: 'THB', source: { type: 'truemoney_qr' }, description: 'd'.repeat(1000), metadata: { note: 'm'.repeat(2000) }, webhook_endpoints: chargeUrls },
      });
      assert.equal(charge.status, 200, charge.body.slice(0, 200));
    }
    const bare = await h.request({ url: '/events?limit=100', key: h.keys.secretKey });
    assert.equal(bare.json.data.length, 100);
    // What a webhook sends: the event with no deliveries, compact.
    const events = bare.json.data.map((e: { id: string }) => ({ id: e.id, payload: JSON.stringify(e) }));
    const perJob = 2;
    await pileUpDeliveries(h, events, perJob);

    const listed = await h.request({ url: '/events?limit=100', key: h.keys.secretKey });
    assert.equal(listed.status, 200);
    // The bound: the list without deliveries, plus 25 deliveries per event, each at most its fixed keys
    // (250 bytes with id, status, error and time) plus the longest URI and the escaped payload.
    const payloadMax = Math.max(...events.map((e: { payload: string }) => JSON.stringify(e.payload).length));
    const boundBytes = bare.raw.length + 100 * listedDeliveriesMax * (250 + uriCharsMax + payloadMax);
    assert.ok(listed.raw.length <= boundBytes, `${listed.raw.length} bytes rendered, bound ${boundBytes}`);
    assert.ok(listed.raw.length > 100 * listedDeliveriesMax * payloadMax, 'the deliveries are there');
    for (const event of listed.json.data) assert.equal(event.webhook_deliveries.length, listedDeliveriesMax, `${30 * perJob} attempts stored, 25 listed`);
  });
});

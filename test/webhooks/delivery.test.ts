import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, test } from 'node:test';
import { verifyWebhook } from '../../src/index.js';
import { webhookRetrySchedule } from '../../src/domain/webhook-retry.js';
import { describeEachStore, type Harness } from '../support/harness.js';
import { type Receiver, startReceiver } from '../support/receiver.js';
import { releaseAll } from '../support/release.js';

/** An HMAC computed here, independently of Satang's signing code. */
function hmacHex(secretBase64: string, timestamp: string, body: string): string {
  return createHmac('sha256', Buffer.from(secretBase64, 'base64')).update(`${timestamp}.${body}`).digest('hex');
}

async function charge(h: Harness, extra: Record<string, unknown> = {}, key = h.keys.secretKey) {
  const res = await h.request({ method: 'POST', url: '/charges', key, json: { amount: 20000, currency: 'THB', source: { type: 'truemoney_qr' }, ...extra } });
  assert.equal(res.status, 200, res.body);
  return res.json;
}

async function advance(h: Harness, seconds: number, key = h.keys.secretKey) {
  const res = await h.request({ method: 'POST', url: '/test/clock/advance', key, json: { seconds } });
  assert.equal(res.status, 200, res.body);
}

describeEachStore(
  'webhooks: delivery, signatures, retries',
  (h) => {
    let receiver: Receiver;
    let other: Receiver;
    before(async () => {
      receiver = await startReceiver();
      other = await startReceiver();
    });
    after(() =>
      releaseAll([
        ['a receiver', () => receiver?.close()],
        ['the other receiver', () => other?.close()],
      ]),
    );
    const drain = () => h.gateway.webhooks.drain();

    test('endpoints: add, list, read, disable, delete; bad URLs and other accounts refused', async () => {
      const created = await h.request({ method: 'POST', url: '/webhook_endpoints', key: h.keys.secretKey, json: { url: `${other.url}/hooks` } });
      assert.equal(created.status, 200, created.body);
      assert.equal(created.json.object, 'webhook_endpoint');
      assert.match(created.json.id, /^endp_test_[0-9a-z]{19}$/);
      assert.equal(created.json.enabled, true);
      const list = await h.request({ url: '/webhook_endpoints', key: h.keys.secretKey });
      assert.deepEqual(list.json.data.map((e: any) => e.id), [created.json.id]);
      const disabled = await h.request({ method: 'PATCH', url: `/webhook_endpoints/${created.json.id}`, key: h.keys.secretKey, form: 'enabled=false' });
      assert.equal(disabled.json.enabled, false);
      assert.equal((await h.request({ url: `/webhook_endpoints/${created.json.id}`, key: h.other.secretKey })).status, 404);
      assert.equal((await h.request({ url: `/webhook_endpoints/${created.json.id}`, key: h.keys.liveSecretKey })).status, 404);
      for (const url of ['ftp://example.com/x', 'not a url', 'http://user:pw@example.com/']) {
        const bad = await h.request({ method: 'POST', url: '/webhook_endpoints', key: h.keys.secretKey, json: { url } });
        assert.equal(bad.status, 400, url);
        assert.equal(bad.json.code, 'bad_request');
      }
      // A disabled endpoint gets nothing.
      await charge(h);
      await drain();
      assert.equal(other.received.length, 0);
      const removed = await h.request({ method: 'DELETE', url: `/webhook_endpoints/${created.json.id}`, key: h.keys.secretKey });
      assert.deepEqual(removed.json, { object: 'webhook_endpoint', id: created.json.id, livemode: false, deleted: true });
      assert.equal((await h.request({ url: '/webhook_endpoints', key: h.keys.secretKey })).json.data.length, 0);
    });

    test('a paid charge sends charge.create and charge.complete, signed, with the exact stored bytes', async () => {
      const endpoint = await h.request({ method: 'POST', url: '/webhook_endpoints', key: h.keys.secretKey, json: { url: `${receiver.url}/omise` } });
      assert.equal(endpoint.status, 200);
      const secret = (await h.request({ url: '/webhook_secret', key: h.keys.secretKey })).json.secret as string;
      assert.equal(Buffer.from(secret, 'base64').length, 32);
      const created = await charge(h);
      await h.request({ method: 'POST', url: `/charges/${created.id}/mark_as_paid`, key: h.keys.secretKey });
      await drain();
      const mine = receiver.received.filter((r) => r.json?.data?.id === created.id);
      assert.deepEqual(mine.map((r) => r.json.key).sort(), ['charge.complete', 'charge.create']);
      for (const delivery of mine) {
        assert.equal(delivery.path, '/omise');
        assert.equal(delivery.headers['content-type'], 'application/json');
        assert.match(String(delivery.headers['user-agent']), /Satang/);
        const timestamp = String(delivery.headers['omise-signature-timestamp']);
        assert.ok(Math.abs(Number(timestamp) - Date.now() / 1000) < 60, 'the timestamp is the wall clock');
        assert.equal(delivery.headers['omise-signature'], hmacHex(secret, timestamp, delivery.body));
        assert.equal(delivery.body, JSON.stringify(delivery.json), 'compact JSON');
        assert.deepEqual(delivery.json.webhook_deliveries, []);
        assert.equal(delivery.json.object, 'event');
        assert.ok(verifyWebhook({ secret, headers: delivery.headers, rawBody: delivery.body }).ok);
        assert.equal(verifyWebhook({ secret, headers: delivery.headers, rawBody: delivery.body.replace('charge', 'chargE') }).ok, false);
        assert.equal(verifyWebhook({ secret, headers: delivery.headers, rawBody: delivery.body, nowSeconds: Number(timestamp) + 301 }).ok, false);
      }
      const complete = mine.find((r) => r.json.key === 'charge.complete')!;
      assert.equal(complete.json.data.status, 'successful');
      const event = await h.request({ url: `/events/${complete.json.id}`, key: h.keys.secretKey });
      assert.equal(event.json.webhook_deliveries.length, 1);
      const [attempt] = event.json.webhook_deliveries;
      assert.equal(attempt.object, 'webhook_delivery');
      assert.match(attempt.id, /^whdl_test_[0-9a-z]{19}$/);
      assert.equal(attempt.uri, `${receiver.url}/omise`);
      assert.equal(attempt.status, 200);
      assert.equal(attempt.key, 'charge.complete');
      assert.equal(attempt.error, null);
      assert.equal(attempt.payload, complete.body, 'the exact bytes sent are stored');
      assert.match(attempt.created_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      await drain();
      assert.equal(receiver.received.filter((r) => r.json?.data?.id === created.id).length, 2, 'nothing is sent twice');
    });

    test('a receiver that fails twice gets the event on the third attempt (test clock, no sleeps)', async () => {
      let failures = 0;
      receiver.respond = (request) => (request.json?.key === 'charge.create' && failures++ < 2 ? 500 : 200);
      const created = await charge(h);
      await drain();
      await advance(h, 13); // first retry: 10 s ± 20 %
      await drain();
      await advance(h, 25); // second retry: 20 s ± 20 %
      await drain();
      receiver.respond = () => 200;
      const attempts = receiver.received.filter((r) => r.json?.data?.id === created.id && r.json.key === 'charge.create');
      assert.equal(attempts.length, 3);
      const event = (await h.request({ url: `/charges/${created.id}/events`, key: h.keys.secretKey })).json.data.find((e: any) => e.key === 'charge.create');
      assert.deepEqual(event.webhook_deliveries.map((d: any) => d.status), [500, 500, 200]);
      assert.equal(event.webhook_deliveries[0].error, 'endpoint answered 500');
      assert.equal(new Set(attempts.map((a) => a.body)).size, 1, 'every attempt sends the same bytes');
    });

    test('a rolled secret signs with both secrets for 24 hours, then with the new one', async () => {
      const before_ = (await h.request({ url: '/webhook_secret', key: h.keys.secretKey })).json.secret;
      const rolled = await h.request({ method: 'POST', url: '/webhook_secret/roll', key: h.keys.secretKey });
      assert.notEqual(rolled.json.secret, before_);
      assert.ok(rolled.json.previous_secret_valid_until);
      const first = await charge(h);
      await drain();
      const during = receiver.received.find((r) => r.json?.data?.id === first.id)!;
      const ts = String(during.headers['omise-signature-timestamp']);
      assert.equal(during.headers['omise-signature'], `${hmacHex(rolled.json.secret, ts, during.body)},${hmacHex(before_, ts, during.body)}`);
      assert.ok(verifyWebhook({ secret: before_, headers: during.headers, rawBody: during.body }).ok, 'an old verifier still accepts');
      await advance(h, 24 * 3600 + 60);
      const second = await charge(h);
      await drain();
      const afterwards = receiver.received.find((r) => r.json?.data?.id === second.id && r.json.key === 'charge.create')!;
      const ts2 = String(afterwards.headers['omise-signature-timestamp']);
      assert.equal(afterwards.headers['omise-signature'], hmacHex(rolled.json.secret, ts2, afterwards.body));
      assert.equal((await h.request({ url: '/webhook_secret', key: h.keys.secretKey })).json.previous_secret_valid_until, null);
    });

    test("a charge's webhook_endpoints get its events too; redelivery on demand", async () => {
      const created = await charge(h, { webhook_endpoints: [`${other.url}/per-charge`] });
      await drain();
      assert.ok(other.received.some((r) => r.path === '/per-charge' && r.json.data.id === created.id));
      const eventId = other.received.find((r) => r.json.data.id === created.id)!.json.id;
      const redelivered = await h.request({ method: 'POST', url: `/events/${eventId}/redeliver`, key: h.keys.secretKey, json: { url: `${other.url}/again` } });
      assert.equal(redelivered.status, 200, redelivered.body);
      await drain();
      assert.ok(other.received.some((r) => r.path === '/again' && r.json.id === eventId));
      const missing = await h.request({ method: 'POST', url: '/events/evnt_test_nope/redeliver', key: h.keys.secretKey });
      assert.equal(missing.status, 404);
    });

    test('a receiver that never answers is marked failed after the 3-day schedule', async () => {
      receiver.respond = (request) => (request.json?.key === 'charge.create' ? 'hang' : 200);
      const created = await charge(h);
      await drain();
      for (let hours = 0; hours < 24 * 3 + 12; hours += 6) {
        await advance(h, 6 * 3600);
        await drain();
      }
      receiver.respond = () => 200;
      const event = (await h.request({ url: `/charges/${created.id}/events`, key: h.keys.secretKey })).json.data.find((e: any) => e.key === 'charge.create');
      const attempts = event.webhook_deliveries;
      assert.ok(attempts.length >= 5, `${attempts.length} attempts`);
      for (const attempt of attempts.filter((a: any) => a.uri.startsWith(receiver.url))) {
        assert.equal(attempt.status, null);
        assert.match(attempt.error, /no answer within 200 ms/);
      }
      const job = await h.store.read.selectFrom('webhook_jobs').selectAll().where('event_id', '=', event.id).where('url', 'like', `${receiver.url}%`).executeTakeFirstOrThrow();
      assert.equal(job.status, 'failed');
      const count = attempts.length;
      await advance(h, 7 * 24 * 3600);
      await drain();
      const later = (await h.request({ url: `/events/${event.id}`, key: h.keys.secretKey })).json.webhook_deliveries.length;
      assert.equal(later, count, 'a failed job is not tried again');
      assert.ok(job.give_up_at - job.created_at === webhookRetrySchedule.giveUpAfterMs);
    });
  },
  { webhookTimeoutMs: 200 },
);

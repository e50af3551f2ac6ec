/**
 * Removing or disabling an endpoint, or changing its URL, cancels its queued deliveries:
 * the jobs are recorded as cancelled, nothing more is sent for them (however far the clock
 * moves), /metrics does not count them as queued, the dashboard says so, and redelivery
 * still works. An attempt already under way may finish, but never revives the job.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { addOperator, type DashboardClient, signIn } from '../support/dashboard.js';
import { describeEachStore, type Harness } from '../support/harness.js';
import { type Receiver, startReceiver } from '../support/receiver.js';
import { releaseAll } from '../support/release.js';

describeEachStore(
  'webhooks: a removed, disabled or changed endpoint gets nothing more',
  (h: Harness) => {
    let receiver: Receiver;
    let client: DashboardClient;
    before(async () => {
      receiver = await startReceiver();
      receiver.respond = () => 500;
      await addOperator(h.store, 'ops@example.com');
      client = await signIn(h.app, 'ops@example.com');
    });
    after(() => releaseAll([['the receiver', () => receiver?.close()]]));
    const drain = () => h.gateway.webhooks.drain();

    async function addEndpoint(path: string): Promise<string> {
      const res = await h.request({ method: 'POST', url: '/webhook_endpoints', key: h.keys.secretKey, json: { url: `${receiver.url}${path}` } });
      assert.equal(res.status, 200, res.body);
      return res.json.id;
    }

    async function charge(extra: Record<string, unknown> = {}): Promise<{ chargeId: string; eventId: string }> {
      const res = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: { amount: 10000, currency: 'THB', source: { type: 'truemoney_qr' }, ...extra } });
      assert.equal(res.status, 200, res.body);
      const events = await h.request({ url: `/charges/${res.json.id}/events`, key: h.keys.secretKey });
      return { chargeId: res.json.id, eventId: events.json.data[0].id };
    }

    async function advance(seconds: number): Promise<void> {
      const res = await h.request({ method: 'POST', url: '/test/clock/advance', key: h.keys.secretKey, json: { seconds } });
      assert.equal(res.status, 200, res.body);
    }

    const sentTo = (path: string, eventId: string) => receiver.received.filter((r) => r.path === path && r.json?.id === eventId).length;

    async function jobsOf(eventId: string) {
      return h.store.read.selectFrom('webhook_jobs').select(['url', 'status', 'attempts']).where('event_id', '=', eventId).orderBy('url').execute();
    }

    async function queuedGauge(): Promise<number> {
      const metrics = await h.request({ url: '/metrics' });
      const match = /^satang_webhook_queue_depth\{state="pending"\} (\d+)$/m.exec(metrics.body);
      assert.ok(match, 'the queue depth gauge is reported');
      return Number(match[1]);
    }

    /** The event is retrying at the endpoint (the receiver answers 500); then `change` happens to the endpoint. */
    async function retryingThen(path: string, change: (endpointId: string) => Promise<void>): Promise<{ chargeId: string; eventId: string }> {
      const endpointId = await addEndpoint(path);
      const made = await charge();
      await drain();
      assert.equal(sentTo(path, made.eventId), 1);
      assert.deepEqual(await jobsOf(made.eventId), [{ url: `${receiver.url}${path}`, status: 'pending', attempts: 1 }]);
      assert.equal(await queuedGauge(), 1);
      await change(endpointId);
      assert.deepEqual(await jobsOf(made.eventId), [{ url: `${receiver.url}${path}`, status: 'cancelled', attempts: 1 }]);
      assert.equal(await queuedGauge(), 0, 'a cancelled job is not queued');
      for (const seconds of [60, 3600, 4 * 24 * 3600]) {
        await advance(seconds);
        await drain();
      }
      assert.equal(sentTo(path, made.eventId), 1, 'nothing more was sent');
      const event = await h.request({ url: `/events/${made.eventId}`, key: h.keys.secretKey });
      assert.equal(event.json.webhook_deliveries.length, 1);
      return made;
    }

    test('deleting the endpoint cancels its retries; the charge page says so; redelivery still works', async () => {
      const made = await retryingThen('/deleted', async (id) => {
        assert.equal((await h.request({ method: 'DELETE', url: `/webhook_endpoints/${id}`, key: h.keys.secretKey })).status, 200);
      });
      const page = await client.get(`/dashboard/charges/${made.chargeId}`);
      assert.equal(page.status, 200);
      assert.match(page.body, /Delivery to [^<]*\/deleted: cancelled, its endpoint was removed, disabled or changed \(attempts: 1\)/);
      assert.doesNotMatch(page.body, /next try/);

      receiver.respond = () => 200;
      try {
        const redelivered = await h.request({ method: 'POST', url: `/events/${made.eventId}/redeliver`, key: h.keys.secretKey, json: { url: `${receiver.url}/deleted` } });
        assert.equal(redelivered.status, 200, redelivered.body);
        await drain();
        assert.equal(sentTo('/deleted', made.eventId), 2, 'the redelivery was sent');
        const event = await h.request({ url: `/events/${made.eventId}`, key: h.keys.secretKey });
        assert.deepEqual(event.json.webhook_deliveries.map((d: { status: number }) => d.status), [500, 200]);
      } finally {
        receiver.respond = () => 500;
      }
    });

    test('disabling the endpoint cancels its retries; enabling it again does not revive them; redelivery does', async () => {
      const made = await retryingThen('/disabled', async (id) => {
        assert.equal((await h.request({ method: 'PATCH', url: `/webhook_endpoints/${id}`, key: h.keys.secretKey, json: { enabled: false } })).status, 200);
      });
      const [endpoint] = (await h.request({ url: '/webhook_endpoints', key: h.keys.secretKey })).json.data.filter((e: { url: string }) => e.url.endsWith('/disabled'));
      await h.request({ method: 'PATCH', url: `/webhook_endpoints/${endpoint.id}`, key: h.keys.secretKey, json: { enabled: true } });
      await advance(3600);
      await drain();
      assert.equal(sentTo('/disabled', made.eventId), 1);
      receiver.respond = () => 200;
      try {
        const redelivered = await h.request({ method: 'POST', url: `/events/${made.eventId}/redeliver`, key: h.keys.secretKey });
        assert.equal(redelivered.status, 200, redelivered.body);
        await drain();
        assert.equal(sentTo('/disabled', made.eventId), 2, 'redelivered to the enabled endpoint');
      } finally {
        receiver.respond = () => 500;
        await h.request({ method: 'DELETE', url: `/webhook_endpoints/${endpoint.id}`, key: h.keys.secretKey });
      }
    });

    test("changing the endpoint's URL cancels what was queued for the old one", async () => {
      let endpointId = '';
      const made = await retryingThen('/old-url', async (id) => {
        endpointId = id;
        const res = await h.request({ method: 'PATCH', url: `/webhook_endpoints/${id}`, key: h.keys.secretKey, json: { url: `${receiver.url}/new-url` } });
        assert.equal(res.status, 200, res.body);
      });
      assert.equal(sentTo('/new-url', made.eventId), 0);
      await h.request({ method: 'DELETE', url: `/webhook_endpoints/${endpointId}`, key: h.keys.secretKey });
    });

    test("a charge's own webhook_endpoints, and another endpoint with the same URL, keep getting the event", async () => {
      const first = await addEndpoint('/shared');
      const second = await addEndpoint('/shared');
      const own = await addEndpoint('/own');
      const made = await charge({ webhook_endpoints: [`${receiver.url}/own`] });
      await drain();
      assert.equal(sentTo('/shared', made.eventId), 1, 'one delivery per URL');
      assert.equal(sentTo('/own', made.eventId), 1);
      for (const id of [first, own]) await h.request({ method: 'DELETE', url: `/webhook_endpoints/${id}`, key: h.keys.secretKey });
      assert.deepEqual(
        (await jobsOf(made.eventId)).map((j) => [new URL(j.url).pathname, j.status]),
        [
          ['/own', 'pending'],
          ['/shared', 'pending'],
        ],
      );
      await advance(60);
      await drain();
      assert.equal(sentTo('/shared', made.eventId), 2);
      assert.equal(sentTo('/own', made.eventId), 2);
      await h.request({ method: 'DELETE', url: `/webhook_endpoints/${second}`, key: h.keys.secretKey });
      await h.request({ method: 'POST', url: '/test/reset', key: h.keys.secretKey });
    });

    test('every way an event is queued names the endpoint each job is for, so removing it cancels them all', async () => {
      await h.request({ method: 'POST', url: '/test/reset', key: h.keys.secretKey });
      const endpointId = await addEndpoint('/every-way');
      const own = `${receiver.url}/charge-own`;
      const paid = await charge({ webhook_endpoints: [own] });
      assert.equal((await h.request({ method: 'POST', url: `/charges/${paid.chargeId}/mark_as_paid`, key: h.keys.secretKey })).status, 200);
      const refund = await h.request({ method: 'POST', url: `/charges/${paid.chargeId}/refunds`, key: h.keys.secretKey, json: { amount: 10000 } });
      assert.equal(refund.status, 200, refund.body);
      const expiring = await charge({ webhook_endpoints: [own] });
      await advance(25 * 3600);
      assert.equal(await h.gateway.sweep.runOnce(), 1);
      assert.equal((await h.request({ method: 'POST', url: `/events/${paid.eventId}/redeliver`, key: h.keys.secretKey })).status, 200);
      assert.equal((await h.request({ method: 'POST', url: `/events/${paid.eventId}/redeliver`, key: h.keys.secretKey, json: { url: `${receiver.url}/given` } })).status, 200);

      const jobs = await h.store.read
        .selectFrom('webhook_jobs')
        .innerJoin('events', 'events.id', 'webhook_jobs.event_id')
        .select(['events.key', 'webhook_jobs.url', 'webhook_jobs.endpoint_id', 'webhook_jobs.status'])
        .orderBy('events.key')
        .orderBy('webhook_jobs.url')
        .execute();
      const byKey = (key: string) => jobs.filter((j) => j.key === key).map((j) => [new URL(j.url).pathname, j.endpoint_id]);
      for (const key of ['charge.complete', 'charge.expire', 'refund.create']) {
        assert.deepEqual(byKey(key), [['/charge-own', null], ['/every-way', endpointId]], key);
      }
      // Two charge.create events (`paid` and `expiring`); `paid`'s redelivered to every target, then to a given URL.
      assert.deepEqual(byKey('charge.create'), [
        ...Array(3).fill(['/charge-own', null]),
        ...Array(3).fill(['/every-way', endpointId]),
        ['/given', null],
      ]);
      assert.equal(jobs.filter((j) => j.key === 'charge.expire').length, 2, `${expiring.chargeId} expired`);

      assert.equal((await h.request({ method: 'DELETE', url: `/webhook_endpoints/${endpointId}`, key: h.keys.secretKey })).status, 200);
      const after = await h.store.read.selectFrom('webhook_jobs').select(['url', 'endpoint_id', 'status']).execute();
      for (const job of after) assert.equal(job.status, job.endpoint_id === endpointId ? 'cancelled' : 'pending', `${job.url}`);
      assert.equal(after.filter((j) => j.status === 'cancelled').length, 6);
      await h.request({ method: 'POST', url: '/test/reset', key: h.keys.secretKey });
    });

    test('an attempt under way when the endpoint goes is recorded, but does not revive the job', async () => {
      const endpointId = await addEndpoint('/in-flight');
      let answer: (status: number) => void = () => {};
      const held = new Promise<number>((resolve) => (answer = resolve));
      receiver.respond = () => held;
      try {
        const made = await charge();
        const dispatcher = h.gateway.webhooks;
        assert.equal(await dispatcher.tick(), 1);
        await receiver.waitFor((all) => all.some((r) => r.path === '/in-flight' && r.json?.id === made.eventId));
        assert.equal((await h.request({ method: 'DELETE', url: `/webhook_endpoints/${endpointId}`, key: h.keys.secretKey })).status, 200);
        answer(500);
        await drain();
        assert.deepEqual(await jobsOf(made.eventId), [{ url: `${receiver.url}/in-flight`, status: 'cancelled', attempts: 1 }]);
        const event = await h.request({ url: `/events/${made.eventId}`, key: h.keys.secretKey });
        assert.deepEqual(event.json.webhook_deliveries.map((d: { status: number }) => d.status), [500], 'the attempt is recorded');
        await advance(3600);
        await drain();
        assert.equal(sentTo('/in-flight', made.eventId), 1);
      } finally {
        receiver.respond = () => 500;
      }
    });
  },
  { webhookTimeoutMs: 2000 },
);

/**
 * Listeners (`satang listen`'s API, test mode): what a listener is given, how its stream carries
 * it (the webhook body and signature exactly), acknowledgements (recorded once in the event's
 * delivery log), what a closed stream hands back, removal, expiry and the rules of who may call.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { listenerAckLeaseMs, listenersPerScopeMax } from '../../src/domain/limits.js';
import { verifyWebhook } from '../../src/webhooks/signing.js';
import { describeEachStore, type Harness } from '../support/harness.js';
import { deliveriesOf, type OpenStream, openStream } from '../support/sse.js';

describeEachStore(
  'listeners: subscriptions streamed to `satang listen`',
  (h: Harness) => {
    const open: OpenStream[] = [];
    after(() => {
      for (const stream of open) stream.close();
    });
    const secret = () => h.keys.secretKey;
    const stream = async (id: string, key = secret()) => {
      const opened = await openStream(`${h.publicUrl}/test/listeners/${id}/stream`, key);
      open.push(opened);
      return opened;
    };
    const newListener = async (json: Record<string, unknown> = {}, key = secret()) => {
      const res = await h.request({ method: 'POST', url: '/test/listeners', key, json });
      assert.equal(res.status, 200, res.body);
      return res.json;
    };
    const newCharge = async () => {
      const res = await h.request({ method: 'POST', url: '/charges', key: secret(), json: { amount: 40000, currency: 'THB', source: { type: 'truemoney_qr' } } });
      assert.equal(res.status, 200, res.body);
      return res.json;
    };
    const ack = (listener: string, delivery: string, json: Record<string, unknown> = { status: 200, duration_ms: 5 }) =>
      h.request({ method: 'POST', url: `/test/listeners/${listener}/deliveries/${delivery}/ack`, key: secret(), json });
    const jobOf = (id: string) => h.store.read.selectFrom('webhook_jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

    test('a listener gets the events it asked for, each as the exact webhook body with valid signature headers', async () => {
      const listener = await newListener({ events: 'charge.complete,charge.create', forward_to: 'http://localhost:3000/hooks' });
      assert.match(listener.id, /^lstn_test_[0-9a-z]{19}$/);
      assert.deepEqual(
        { ...listener, id: undefined, created_at: undefined },
        {
          object: 'listener',
          id: undefined,
          livemode: false,
          location: `/test/listeners/${listener.id}`,
          events: ['charge.create', 'charge.complete'],
          forward_to: 'http://localhost:3000/hooks',
          stream: `/test/listeners/${listener.id}/stream`,
          created_at: undefined,
        },
      );
      const events = await stream(listener.id);
      assert.equal(events.status, 200);
      assert.match(String(events.headers.get('content-type')), /^text\/event-stream/);
      const charge = await newCharge();
      assert.equal((await h.request({ method: 'PATCH', url: `/charges/${charge.id}`, key: secret(), json: { description: 'not asked for' } })).status, 200);
      assert.equal((await h.request({ method: 'POST', url: `/charges/${charge.id}/mark_as_paid`, key: secret() })).status, 200);
      await events.waitFor((all) => deliveriesOf(all).length >= 2);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const [created, completed, ...more] = deliveriesOf(events.events);
      assert.deepEqual(more, [], 'charge.update was not asked for');
      assert.deepEqual([created.event.key, completed.event.key], ['charge.create', 'charge.complete']);
      assert.equal(created.event.data.id, charge.id);
      const webhookSecret = (await h.request({ url: '/webhook_secret', key: secret() })).json.secret;
      for (const delivery of [created, completed]) {
        assert.match(delivery.delivery, /^whjb_test_/);
        assert.equal(delivery.id, delivery.delivery, 'the SSE id is the delivery id');
        assert.equal(delivery.body, JSON.stringify(delivery.event), 'the body is the event, compact');
        assert.deepEqual(delivery.event.webhook_deliveries, [], 'as a webhook body: no deliveries in it');
        assert.deepEqual(verifyWebhook({ secret: webhookSecret, headers: delivery.headers, rawBody: delivery.body }).ok, true);
      }
      // Acknowledged: recorded once in the event's delivery log, under the forward-to URL.
      const first = await ack(listener.id, created.delivery, { status: 200, duration_ms: 7 });
      assert.equal(first.status, 200, first.body);
      assert.deepEqual(first.json, { object: 'listener_delivery', id: created.delivery, livemode: false, listener: listener.id, event: created.event.id, status: 'delivered', recorded: true });
      const again = await ack(listener.id, created.delivery, { status: 200, duration_ms: 9 });
      assert.deepEqual({ status: again.json.status, recorded: again.json.recorded }, { status: 'delivered', recorded: false });
      const failed = await ack(listener.id, completed.delivery, { status: 500, duration_ms: 3 });
      assert.equal(failed.json.status, 'failed');
      const event = (await h.request({ url: `/events/${created.event.id}`, key: secret() })).json;
      assert.deepEqual(
        event.webhook_deliveries.map((d: any) => ({ uri: d.uri, status: d.status, error: d.error, payload: d.payload })),
        [{ uri: 'http://localhost:3000/hooks', status: 200, error: null, payload: created.body }],
      );
      const completeEvent = (await h.request({ url: `/events/${completed.event.id}`, key: secret() })).json;
      assert.deepEqual(
        completeEvent.webhook_deliveries.map((d: any) => [d.status, d.error]),
        [[500, 'the local URL answered 500']],
      );
      assert.equal((await jobOf(completed.delivery)).status, 'failed', 'a failed local answer is not retried');
      // The dispatcher never sends a listener's deliveries.
      const charge2 = await newCharge();
      await events.waitFor((all) => deliveriesOf(all).some((d) => d.event.data.id === charge2.id));
      await h.gateway.webhooks.drain();
      const pending = deliveriesOf(events.events).find((d) => d.event.data.id === charge2.id)!;
      assert.equal((await jobOf(pending.delivery)).status, 'pending');
      assert.equal((await jobOf(pending.delivery)).attempts, 0);
      events.close();
    });

    test('what a closed stream did not get acknowledged is sent again when it reconnects; what was acknowledged never is', async () => {
      const listener = await newListener();
      const first = await stream(listener.id);
      const acked = await newCharge();
      const unacked = await newCharge();
      await first.waitFor((all) => deliveriesOf(all).length >= 2);
      const [ackedDelivery, unackedDelivery] = deliveriesOf(first.events);
      assert.equal(ackedDelivery.event.data.id, acked.id);
      assert.equal((await ack(listener.id, ackedDelivery.delivery)).status, 200);
      first.close();
      await first.ended;
      // Made while no stream holds the listener: kept for it.
      const meanwhile = await newCharge();
      const deadline = Date.now() + 5000;
      while ((await jobOf(unackedDelivery.delivery)).lease_until !== 0) {
        assert.ok(Date.now() < deadline, 'the closed stream hands its delivery back');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const second = await stream(listener.id);
      await second.waitFor((all) => deliveriesOf(all).length >= 2);
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.deepEqual(
        deliveriesOf(second.events).map((d) => [d.delivery, d.event.data.id]),
        [
          [unackedDelivery.delivery, unacked.id],
          [deliveriesOf(second.events)[1].delivery, meanwhile.id],
        ],
      );
      // Both at once, as the CLI sends them when they come fast: each recorded once.
      const both = deliveriesOf(second.events).map((d) => ({ delivery: d.delivery, status: 204, duration_ms: 2 }));
      const batch = await h.request({ method: 'POST', url: `/test/listeners/${listener.id}/acks`, key: secret(), json: { acks: [...both, both[0]] } });
      assert.equal(batch.status, 200, batch.body);
      assert.deepEqual(
        batch.json.data.map((item: any) => [item.id, item.status, item.recorded]),
        [
          [both[0].delivery, 'delivered', true],
          [both[1].delivery, 'delivered', true],
          [both[0].delivery, 'delivered', false],
        ],
      );
      second.close();
    });

    test('a draining gateway ends its streams and hands back what they were not acknowledged', async () => {
      const listener = await newListener();
      const events = await stream(listener.id);
      await newCharge();
      await events.waitFor((all) => deliveriesOf(all).length === 1);
      const [delivery] = deliveriesOf(events.events);
      assert.ok((await jobOf(delivery.delivery)).lease_until > 0);
      await h.gateway.listeners.closeAll();
      await events.ended;
      assert.equal((await jobOf(delivery.delivery)).lease_until, 0);
      assert.equal(h.gateway.listeners.size, 0);
    });

    test('removing a listener ends its stream and cancels what it was not sent; an idle one expires', async () => {
      const listener = await newListener();
      const events = await stream(listener.id);
      await newCharge();
      await events.waitFor((all) => deliveriesOf(all).length === 1);
      const [delivery] = deliveriesOf(events.events);
      const removed = await h.request({ method: 'DELETE', url: `/test/listeners/${listener.id}`, key: secret() });
      assert.deepEqual(removed.json, { object: 'listener', id: listener.id, livemode: false, deleted: true });
      await events.ended;
      assert.equal((await jobOf(delivery.delivery)).status, 'cancelled');
      assert.equal((await h.request({ url: `/test/listeners/${listener.id}`, key: secret() })).status, 404);
      const gone = await stream(listener.id);
      assert.equal(gone.status, 404);
      assert.equal((await ack(listener.id, delivery.delivery)).status, 404);

      // No stream for an hour: the sweep removes it, with what it was not sent.
      const idle = await newListener();
      const charge = await newCharge();
      await h.store.transaction((tx) => tx.updateTable('listeners').set({ expires_at: Date.now() - 1 }).where('id', '=', idle.id).execute());
      await h.gateway.sweep.runOnce();
      assert.equal((await h.request({ url: `/test/listeners/${idle.id}`, key: secret() })).status, 404);
      const jobs = await h.store.read.selectFrom('webhook_jobs').select('status').where('listener_id', '=', idle.id).execute();
      assert.deepEqual(
        jobs.map((job) => job.status),
        ['cancelled'],
        `the job of ${charge.id}`,
      );
    });

    test('a redelivery goes to the listeners that asked for its key', async () => {
      const listener = await newListener({ events: ['charge.create'] });
      const charge = await newCharge();
      const event = (await h.request({ url: `/charges/${charge.id}/events`, key: secret() })).json.data[0];
      const events = await stream(listener.id);
      await events.waitFor((all) => deliveriesOf(all).length === 1);
      assert.equal((await ack(listener.id, deliveriesOf(events.events)[0].delivery)).status, 200);
      assert.equal((await h.request({ method: 'POST', url: `/events/${event.id}/redeliver`, key: secret(), json: {} })).status, 200);
      await events.waitFor((all) => deliveriesOf(all).length === 2);
      const [once, again] = deliveriesOf(events.events);
      assert.notEqual(again.delivery, once.delivery);
      assert.equal(again.event.id, event.id);
      assert.equal((await ack(listener.id, again.delivery)).json.recorded, true);
      await h.request({ method: 'DELETE', url: `/test/listeners/${listener.id}`, key: secret() });
    });

    test('test mode and the secret key only; another account sees nothing; parameters are checked', async () => {
      const listener = await newListener();
      const live = await h.request({ method: 'POST', url: '/test/listeners', key: h.keys.liveSecretKey, json: {} });
      assert.deepEqual([live.status, live.json.code], [403, 'not_authorized']);
      const liveStream = await stream(listener.id, h.keys.liveSecretKey);
      assert.equal(liveStream.status, 403);
      assert.equal((await h.request({ method: 'POST', url: '/test/listeners', key: h.keys.publicKey, json: {} })).status, 401);
      const other = await stream(listener.id, h.other.secretKey);
      assert.equal(other.status, 404);
      assert.equal((await h.request({ method: 'DELETE', url: `/test/listeners/${listener.id}`, key: h.other.secretKey })).status, 404);
      const unknownKey = await h.request({ method: 'POST', url: '/test/listeners', key: secret(), json: { events: 'charge.create,charge.refunded' } });
      assert.deepEqual([unknownKey.status, unknownKey.json.code], [400, 'bad_request']);
      assert.match(unknownKey.json.message, /charge\.refunded is not an event key/);
      assert.equal((await h.request({ method: 'POST', url: '/test/listeners', key: secret(), json: { forward_to: 'ftp://example.com' } })).status, 400);
      assert.equal((await ack(listener.id, 'whjb_test_0000000000000000000', { status: 'soon', duration_ms: 1 })).status, 400);
      assert.equal((await ack(listener.id, 'whjb_test_0000000000000000000', { status: 200 })).status, 400);
      assert.equal((await ack(listener.id, 'whjb_test_0000000000000000000', { status: 200, duration_ms: 1 })).status, 404);
      // Every part of an acknowledgement is bounded, and beyond a bound it is refused, never cut.
      const slow = await ack(listener.id, 'whjb_test_0000000000000000000', { status: 200, duration_ms: 3_600_001 });
      assert.deepEqual([slow.status, slow.json.message], [400, 'duration_ms must be a whole number of milliseconds, at most 3600000']);
      const wordy = await ack(listener.id, 'whjb_test_0000000000000000000', { status: 500, duration_ms: 1, error: 'e'.repeat(1001) });
      assert.deepEqual([wordy.status, wordy.json.message], [400, 'error must be at most 1000 characters']);
      // Another account reaches none of this listener's routes.
      assert.equal((await h.request({ url: `/test/listeners/${listener.id}`, key: h.other.secretKey })).status, 404);
      const theirAck = await h.request({ method: 'POST', url: `/test/listeners/${listener.id}/deliveries/whjb_test_0000000000000000000/ack`, key: h.other.secretKey, json: { status: 200, duration_ms: 1 } });
      assert.equal(theirAck.status, 404);
      const theirAcks = await h.request({ method: 'POST', url: `/test/listeners/${listener.id}/acks`, key: h.other.secretKey, json: { acks: [{ delivery: 'whjb_test_0000000000000000000', status: 200, duration_ms: 1 }] } });
      assert.equal(theirAcks.status, 404);
      assert.equal((await h.request({ url: `/test/listeners/${listener.id}`, key: secret() })).status, 200, 'still there for its own account');
      await h.request({ method: 'DELETE', url: `/test/listeners/${listener.id}`, key: secret() });
    });

    test(`at most ${listenersPerScopeMax} listeners per account and mode`, async () => {
      const made: string[] = [];
      for (let i = 0; i < listenersPerScopeMax; i++) made.push((await newListener({}, h.other.secretKey)).id);
      const refused = await h.request({ method: 'POST', url: '/test/listeners', key: h.other.secretKey, json: {} });
      assert.deepEqual([refused.status, refused.json.code], [400, 'bad_request']);
      assert.equal((await h.request({ method: 'DELETE', url: `/test/listeners/${made[0]}`, key: h.other.secretKey })).status, 200);
      assert.equal((await h.request({ method: 'POST', url: '/test/listeners', key: h.other.secretKey, json: {} })).status, 200);
    });
  },
  { listen: true },
);

/** A wall clock the test moves: leases run out without waiting for them. */
const wall = { aheadMs: 0, nowMs: () => Date.now() + wall.aheadMs };

describeEachStore(
  'listeners: a delivery not acknowledged within its lease is sent again',
  (h: Harness) => {
    test(`after ${listenerAckLeaseMs / 1000} s without an acknowledgement the same delivery comes again on the open stream; once acknowledged, never`, async () => {
      const listener = (await h.request({ method: 'POST', url: '/test/listeners', key: h.keys.secretKey, json: {} })).json;
      const events = await openStream(`${h.publicUrl}/test/listeners/${listener.id}/stream`, h.keys.secretKey);
      try {
        assert.equal((await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: { amount: 40000, currency: 'THB', source: { type: 'truemoney_qr' } } })).status, 200);
        await events.waitFor((all) => deliveriesOf(all).length === 1);
        wall.aheadMs += listenerAckLeaseMs - 1000;
        h.gateway.listeners.nudge();
        await new Promise((resolve) => setTimeout(resolve, 500));
        assert.equal(deliveriesOf(events.events).length, 1, 'not before its lease ran out');
        wall.aheadMs += 2000;
        h.gateway.listeners.nudge();
        await events.waitFor((all) => deliveriesOf(all).length === 2);
        const [first, again] = deliveriesOf(events.events);
        assert.equal(again.delivery, first.delivery);
        assert.equal(again.body, first.body, 'the same bytes');
        const acked = await h.request({ method: 'POST', url: `/test/listeners/${listener.id}/deliveries/${first.delivery}/ack`, key: h.keys.secretKey, json: { status: 200, duration_ms: 1 } });
        assert.equal(acked.json.recorded, true);
        wall.aheadMs += 2 * listenerAckLeaseMs;
        h.gateway.listeners.nudge();
        await new Promise((resolve) => setTimeout(resolve, 700));
        assert.equal(deliveriesOf(events.events).length, 2, 'acknowledged: never sent again');
      } finally {
        events.close();
      }
    });
  },
  { listen: true, wallClock: wall },
);

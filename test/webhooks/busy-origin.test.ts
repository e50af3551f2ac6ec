import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { webhookConcurrencyPerOriginMax, webhookWaitingPerOriginMax } from '../../src/domain/limits.js';
import { WebhookDispatcher } from '../../src/webhooks/dispatcher.js';
import { describeEachStore, type Harness } from '../support/harness.js';
import { type Receiver, startReceiver } from '../support/receiver.js';

/** A wall clock the test moves by hand (it stands still otherwise). */
function handClock() {
  return {
    ms: Date.now(),
    nowMs() {
      return this.ms;
    },
  };
}

/** Makes the receiver hold every answer until `release()`; afterwards it answers 200 at once. */
function holdAnswers(receiver: Receiver): { release: () => void } {
  let release: (status: number) => void = () => {};
  const held = new Promise<number>((resolve) => (release = resolve));
  receiver.respond = () => held;
  return {
    release: () => {
      receiver.respond = () => 200;
      release(200);
    },
  };
}

async function addEndpoint(h: Harness, url: string): Promise<void> {
  const res = await h.request({ method: 'POST', url: '/webhook_endpoints', key: h.keys.secretKey, json: { url } });
  assert.equal(res.status, 200, res.body);
}

async function createCharges(h: Harness, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const res = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: { amount: 10_000 + i, currency: 'THB', source: { type: 'truemoney_qr' } } });
    assert.equal(res.status, 200, res.body);
    ids.push(res.json.id);
  }
  return ids;
}

const timesReceived = (receiver: Receiver, chargeId: string) => receiver.received.filter((r) => r.json?.key === 'charge.create' && r.json.data.id === chargeId).length;

const frozen = handClock();

describeEachStore(
  'webhooks: a busy origin',
  (h) => {
    let busy: Receiver;
    let other: Receiver;
    before(async () => {
      frozen.ms = Date.now();
      busy = await startReceiver();
      other = await startReceiver();
    });
    after(async () => {
      await busy.close();
      await other.close();
    });

    // The wall clock stands still here: a job handed back "a moment behind" the others would never be due again.
    test("its backlog goes out as its slots free, with no step back, while another origin's events are sent meanwhile", async () => {
      const answers = holdAnswers(busy);
      await addEndpoint(h, `${busy.url}/hook`);
      // More than the origin takes at once plus what may wait claimed for it: the rest stays in the outbox.
      const backlog = await createCharges(h, webhookConcurrencyPerOriginMax + webhookWaitingPerOriginMax + 20);
      await busy.waitFor((all) => all.length >= webhookConcurrencyPerOriginMax, 10_000);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(busy.received.length, webhookConcurrencyPerOriginMax, 'at most 16 requests at a time to one origin');

      await addEndpoint(h, `${other.url}/hook`);
      const later = await createCharges(h, 5);
      await other.waitFor((all) => later.every((id) => all.some((r) => r.json?.data?.id === id)), 10_000);
      assert.equal(busy.received.length, webhookConcurrencyPerOriginMax, 'the busy origin still has all its slots taken');

      answers.release();
      const all = [...backlog, ...later];
      await busy.waitFor(() => all.every((id) => timesReceived(busy, id) >= 1), 15_000);
      await h.gateway.webhooks.drain();
      for (const id of all) assert.equal(timesReceived(busy, id), 1, `${id} sent once`);
      const events = await h.request({ method: 'GET', url: '/events?limit=100', key: h.keys.secretKey });
      assert.equal(events.status, 200);
      for (const event of events.json.data) {
        assert.ok(
          event.webhook_deliveries.some((d: { status: number | null }) => d.status === 200),
          `event ${event.id} has its delivery recorded`,
        );
      }
    });
  },
  { dispatch: true, wallClock: frozen, webhookTimeoutMs: 30_000 },
);

const moving = handClock();
const timeoutMs = 5000;

describeEachStore(
  'webhooks: a claimed job whose lease ran out while it waited',
  (h) => {
    let busy: Receiver;
    before(async () => {
      moving.ms = Date.now();
      busy = await startReceiver();
    });
    after(() => busy.close());

    test('is not sent again by the process that waited, once another process has taken and sent it', async () => {
      const answers = holdAnswers(busy);
      await addEndpoint(h, `${busy.url}/hook`);
      const ids = await createCharges(h, webhookConcurrencyPerOriginMax + 4);
      const first = h.gateway.webhooks;
      assert.equal(await first.tick(), ids.length, 'one claim takes them all');
      await busy.waitFor((all) => all.length >= webhookConcurrencyPerOriginMax, 10_000);
      const sent = new Set(busy.received.map((r) => r.json.data.id));
      const waited = ids.filter((id) => !sent.has(id));
      assert.equal(waited.length, 4);

      // The first process's leases run out (as if it had hung); a second process takes and sends every
      // job, answered at once, while the first process's requests are still unanswered.
      moving.ms += timeoutMs + 5000 + 1;
      busy.respond = () => 200;
      const second = new WebhookDispatcher({ store: h.store, wall: moving, publicUrl: h.publicUrl, policy: { allowPrivateTargets: true }, timeoutMs });
      await second.drain();
      for (const id of waited) assert.equal(timesReceived(busy, id), 1);

      // The first process's slots free; the jobs it kept waiting are no longer its own.
      answers.release();
      await first.drain();
      for (const id of waited) assert.equal(timesReceived(busy, id), 1, `${id} sent once`);
      for (const id of ids) assert.ok(timesReceived(busy, id) >= 1);
    });
  },
  { dispatch: false, wallClock: moving, webhookTimeoutMs: timeoutMs },
);

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { describeEachStore } from '../support/harness.js';
import { api, describeEachStoreProcess, startGatewayProcess } from '../support/process.js';
import { type Receiver, type Received, startReceiver } from '../support/receiver.js';
import { releaseAll } from '../support/release.js';

/** How long the dead endpoint's attempts hang before the dispatcher gives up: far longer than 40 deliveries take. */
const deadTimeoutMs = 20_000;

describeEachStore(
  'webhooks: one dead endpoint does not delay another',
  (h) => {
    let dead: Receiver;
    let alive: Receiver;
    before(async () => {
      dead = await startReceiver();
      dead.respond = () => 'hang';
      alive = await startReceiver();
    });
    after(() =>
      releaseAll([
        ['the dead receiver', () => dead?.close()],
        ['the live receiver', () => alive?.close()],
      ]),
    );

    test('events reach the live endpoint while the dead one times out', async () => {
      for (const url of [dead.url, alive.url]) {
        assert.equal((await h.request({ method: 'POST', url: '/webhook_endpoints', key: h.keys.secretKey, json: { url } })).status, 200);
      }
      const ids: string[] = [];
      for (let i = 0; i < 40; i++) {
        const res = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: { amount: 10000 + i, currency: 'THB', source: { type: 'truemoney_qr' } } });
        ids.push(res.json.id);
      }
      // The dispatcher runs by itself here (no drain). Its clock is the dead endpoint's timeouts, not
      // the wall: the live endpoint must get all 40 before the first of the dead one's attempts (16 at
      // once, 40 queued) has timed out. A dispatcher that queued the live deliveries behind the dead
      // ones would deliver nothing there until one did.
      const liveHasAll = (all: Received[]) => ids.every((id) => all.some((r) => r.json?.data?.id === id));
      const deadTimedOut = () => dead.received.filter((r) => r.abandonedAtMs !== undefined).length;
      try {
        await alive.waitFor((all) => liveHasAll(all) || deadTimedOut() > 0, 3 * deadTimeoutMs);
        const delivered = ids.filter((id) => alive.received.some((r) => r.json?.data?.id === id)).length;
        assert.equal(deadTimedOut(), 0, `the live endpoint had ${delivered} of 40 deliveries when the dead one's first attempt timed out`);
        assert.ok(dead.received.length > 0, 'the dead endpoint was sent its deliveries meanwhile');
      } finally {
        // Its hanging attempts end now, so stopping the gateway does not wait out their timeouts.
        await dead.close();
      }
    });
  },
  { dispatch: true, webhookTimeoutMs: deadTimeoutMs },
);

const secretKey = 'skey_test_' + 'w'.repeat(19);

describeEachStoreProcess(
  'webhooks survive a SIGKILL of the gateway',
  (env) => {
    let receiver: Receiver;
    before(async () => {
      receiver = await startReceiver();
    });
    after(() => receiver.close());

    test('deliveries pending or in flight at the kill are all delivered after the restart', async () => {
      // Slow answers keep deliveries in flight when the gateway dies.
      receiver.respond = () => 'hang';
      const first = await startGatewayProcess(env);
      const ids: string[] = [];
      try {
        assert.equal((await api(`${first.url}/webhook_endpoints`, secretKey, { method: 'POST', json: { url: `${receiver.url}/hook` } })).status, 200);
        await Promise.all(
          Array.from({ length: 20 }, async (_, i) => {
            const res = await api(`${first.url}/charges`, secretKey, { method: 'POST', json: { amount: 10000 + i, currency: 'THB', source: { type: 'truemoney_qr' } } });
            assert.equal(res.status, 200);
            ids.push(res.json.id);
          }),
        );
        await receiver.waitFor((all) => all.length >= 1, 5000);
      } finally {
        await first.kill('SIGKILL');
      }
      receiver.respond = () => 200;
      const second = await startGatewayProcess(env);
      try {
        // Leases of the killed process run out after the timeout plus a margin (about 6 s here).
        await receiver.waitFor((all) => ids.every((id) => all.some((r) => r.json?.key === 'charge.create' && r.json.data.id === id)), 30_000);
        // The receiver can see a request a moment before the gateway records its answer.
        const deadline = Date.now() + 10_000;
        for (;;) {
          const events = await api(`${second.url}/events?limit=100`, secretKey);
          const undelivered = events.json.data.filter((event: any) => !event.webhook_deliveries.some((d: any) => d.status === 200));
          if (undelivered.length === 0) break;
          assert.ok(Date.now() < deadline, `${undelivered.length} events have no successful delivery recorded`);
          await new Promise((r) => setTimeout(r, 100));
        }
      } finally {
        await second.kill('SIGTERM');
      }
    });
  },
  { SATANG_TEST_PUBLIC_KEY: 'pkey_test_' + 'v'.repeat(19), SATANG_TEST_SECRET_KEY: secretKey, SATANG_WEBHOOK_TIMEOUT_MS: '1000' },
);

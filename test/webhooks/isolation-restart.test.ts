import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { describeEachStore } from '../support/harness.js';
import { api, describeEachStoreProcess, startGatewayProcess } from '../support/process.js';
import { type Receiver, startReceiver } from '../support/receiver.js';
import { releaseAll } from '../support/release.js';

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
      const started = Date.now();
      const ids: string[] = [];
      for (let i = 0; i < 40; i++) {
        const res = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: { amount: 10000 + i, currency: 'THB', source: { type: 'truemoney_qr' } } });
        ids.push(res.json.id);
      }
      // The dispatcher runs by itself here (no drain): the live endpoint must get all 40 well before
      // the dead one's first attempts (3 s each, at most 16 at a time, 40 queued) could have finished.
      await alive.waitFor((all) => ids.every((id) => all.some((r) => r.json?.data?.id === id)), 5000);
      assert.ok(Date.now() - started < 2500, `live endpoint served in ${Date.now() - started} ms`);
    });
  },
  { dispatch: true, webhookTimeoutMs: 3000 },
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

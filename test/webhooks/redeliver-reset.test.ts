/**
 * POST /events/:id/redeliver racing POST /test/reset: the redelivery answers 200 or 404
 * (never 500), no webhook job is left naming an event that is gone, and a job whose event
 * is gone (left by an older version) is cancelled by the dispatcher instead of failing
 * every claim.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { describeEachStore, type Harness, secondGateway } from '../support/harness.js';
import { type Receiver, startReceiver } from '../support/receiver.js';
import { releaseAll } from '../support/release.js';

async function orphanJobs(h: Harness): Promise<number> {
  const { rows } = await sql<{ n: number | string }>`select count(*) as n from webhook_jobs j where not exists (select 1 from events e where e.id = j.event_id)`.execute(h.store.read);
  return Number(rows[0].n);
}

const later = () => new Promise<void>((resolve) => setTimeout(resolve, Math.floor(Math.random() * 3)));

describeEachStore(
  'webhooks: redelivery racing a test-data reset',
  (h) => {
    let receiver: Receiver;
    before(async () => {
      receiver = await startReceiver();
      const endpoint = await h.request({ method: 'POST', url: '/webhook_endpoints', key: h.keys.secretKey, json: { url: `${receiver.url}/hook` } });
      assert.equal(endpoint.status, 200, endpoint.body);
    });
    after(() => releaseAll([['the receiver', () => receiver?.close()]]));

    test('every redelivery answers 200 or 404, never 500; no job is left naming a deleted event; delivery goes on', async () => {
      const second = await secondGateway(h);
      const statuses = new Map<number, number>();
      try {
        for (let round = 0; round < 40; round++) {
          const charge = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: { amount: 10000, currency: 'THB', source: { type: 'truemoney_qr' } } });
          assert.equal(charge.status, 200, charge.body);
          const eventId = (await h.request({ url: `/charges/${charge.json.id}/events`, key: h.keys.secretKey })).json.data[0].id;
          const redeliver = (via: typeof h.request) => async () => {
            await later();
            return via({ method: 'POST', url: `/events/${eventId}/redeliver`, key: h.keys.secretKey });
          };
          const reset = async () => {
            await later();
            return second.request({ method: 'POST', url: '/test/reset', key: h.keys.secretKey });
          };
          const answers = await Promise.all([redeliver(h.request)(), redeliver(second.request)(), reset(), redeliver(h.request)(), redeliver(second.request)()]);
          const resetAnswer = answers[2];
          assert.equal(resetAnswer.status, 200, resetAnswer.body);
          for (const answer of [answers[0], answers[1], answers[3], answers[4]]) {
            statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
            assert.ok(answer.status === 200 || answer.status === 404, `round ${round}: redeliver answered ${answer.status} ${answer.body}`);
            if (answer.status === 404) assert.equal(answer.json.code, 'not_found');
            else assert.equal(answer.json.id, eventId);
          }
        }
      } finally {
        await second.close();
      }
      assert.equal(await orphanJobs(h), 0, `no job names a missing event (answers: ${JSON.stringify([...statuses])})`);

      const charge = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: { amount: 10000, currency: 'THB', source: { type: 'truemoney_qr' } } });
      await h.gateway.webhooks.drain();
      assert.ok(receiver.received.some((r) => r.json?.data?.id === charge.json.id), 'the dispatcher still delivers');
    });

    test('a job naming an event that is gone is cancelled; the other events of the claim are delivered', async () => {
      const charge = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: { amount: 10000, currency: 'THB', source: { type: 'truemoney_qr' } } });
      const nowMs = Date.now();
      await h.store.transaction((tx) =>
        tx
          .insertInto('webhook_jobs')
          .values({
            id: 'whjb_test_orphan0000000000001',
            event_id: 'evnt_test_gone00000000000001',
            account_id: h.keys.accountId,
            livemode: 0,
            url: `${receiver.url}/hook`,
            status: 'pending',
            attempts: 0,
            next_attempt_at: nowMs - 1000,
            give_up_at: nowMs + 86_400_000,
            lease_until: 0,
            payload: null,
            created_at: nowMs - 1000,
          })
          .execute(),
      );
      await h.gateway.webhooks.drain();
      assert.ok(receiver.received.some((r) => r.json?.data?.id === charge.json.id), 'the live event is delivered');
      const orphan = await h.store.read.selectFrom('webhook_jobs').select(['status', 'attempts']).where('id', '=', 'whjb_test_orphan0000000000001').executeTakeFirstOrThrow();
      assert.deepEqual(orphan, { status: 'cancelled', attempts: 0 });
      assert.equal(receiver.received.filter((r) => r.json?.id === 'evnt_test_gone00000000000001').length, 0);
    });
  },
  { webhookTimeoutMs: 2000 },
);

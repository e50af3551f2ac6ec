/**
 * What a transaction writes into the outbox is told to the process once it commits (store/outbox-commits.ts),
 * and the dispatcher claims those jobs by id at once, without a look for due jobs first (WebhookDispatcher.adopt).
 * The store must tell only what committed: never a unit rolled back in its batch, never a transaction that
 * failed, never before the commit. The dispatcher must send what it is told as any claim would: once, with its
 * signature and its body kept for the retries, and never a job that is not its to send now (another process's
 * lease, a chaos delay, a listener's).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type WebhookJob } from '../../src/store/schema.js';
import type { Tx } from '../../src/store/store.js';
import { insertJobs } from '../../src/store/webhooks.js';
import { WebhookDispatcher } from '../../src/webhooks/dispatcher.js';
import { verifyWebhook } from '../../src/index.js';
import { describeEachStore, type Harness } from '../support/harness.js';
import { pendingJob } from '../support/jobs.js';
import { type Receiver, startReceiver } from '../support/receiver.js';

let serial = 0;

function jobOf(h: Harness, eventId: string, url: string, fields: Partial<WebhookJob> = {}): WebhookJob {
  serial++;
  return pendingJob({ id: `whjb_test_adopted${Math.random().toString(36).slice(2, 8)}${String(serial).padStart(6, '0')}`, event_id: eventId, account_id: h.keys.accountId, url, ...fields });
}

/** A charge made through the API, and the id of its charge.create event (no endpoint yet: no job of its own). */
async function chargeEvent(h: Harness): Promise<{ chargeId: string; eventId: string }> {
  const created = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: { amount: 12_345, currency: 'THB', source: { type: 'truemoney_qr' } } });
  assert.equal(created.status, 200, created.body);
  const events = await h.request({ url: `/charges/${created.json.id}/events`, key: h.keys.secretKey });
  const event = events.json.data.find((e: { key: string }) => e.key === 'charge.create');
  assert.ok(event, 'the charge has its charge.create event');
  return { chargeId: created.json.id, eventId: event.id };
}

describeEachStore('webhooks: what a commit wrote is claimed by id at once', (h) => {
  let receiver: Receiver;
  before(async () => {
    receiver = await startReceiver();
  });
  after(() => receiver.close());

  test('the store tells the jobs of what committed, before the callers hear back; not a failed unit, not a failed transaction', async () => {
    const { eventId } = await chargeEvent(h);
    const told: string[][] = [];
    const heard: string[] = [];
    const stop = h.store.onOutboxCommitted((jobs) => told.push(jobs.map((job) => job.id)));
    try {
      const [kept, failed, alsoKept] = [jobOf(h, eventId, `${receiver.url}/a`), jobOf(h, eventId, `${receiver.url}/b`), jobOf(h, eventId, `${receiver.url}/c`)];
      const unit = (job: WebhookJob, fails: boolean) => async (tx: Tx) => {
        await insertJobs(tx, [job]);
        if (fails) throw new Error('this unit fails after writing its job');
      };
      // Queued in one turn of the event loop: one batch, whose failing unit is rolled back alone.
      const outcomes = await Promise.allSettled(
        [unit(kept, false), unit(failed, true), unit(alsoKept, false)].map((one, index) =>
          h.store.transaction(one).then(() => {
            heard.push(`unit ${index}: told ${told.flat().length} jobs by then`);
          }),
        ),
      );
      assert.deepEqual(outcomes.map((outcome) => outcome.status), ['fulfilled', 'rejected', 'fulfilled']);
      assert.deepEqual(told.flat().sort(), [kept.id, alsoKept.id].sort(), 'the committed units’ jobs, and only theirs');
      assert.deepEqual(heard, ['unit 0: told 2 jobs by then', 'unit 2: told 2 jobs by then'], 'told before any caller heard back');

      told.length = 0;
      await assert.rejects(
        h.store.transaction(async (tx) => {
          await insertJobs(tx, [jobOf(h, eventId, `${receiver.url}/d`)]);
          throw new Error('the whole transaction fails');
        }),
      );
      const alone = jobOf(h, eventId, `${receiver.url}/e`);
      await h.store.transactionNow((tx) => insertJobs(tx, [alone]));
      assert.deepEqual(told, [[alone.id]], 'a failed transaction tells nothing; a transaction of its own tells its jobs');
    } finally {
      stop();
    }
  });

  test('a dispatcher sends what a commit wrote with no look for due jobs, once, signed, and keeps the body it sent', async () => {
    const { chargeId, eventId } = await chargeEvent(h);
    // It looks for due jobs once at its start and then not for an hour: only the commit can bring it work.
    const dispatcher = new WebhookDispatcher({ store: h.store, wall: { nowMs: () => Date.now() }, publicUrl: h.publicUrl, policy: { allowPrivateTargets: true }, pollIntervalMs: 3_600_000 });
    const stop = h.store.onOutboxCommitted((jobs) => dispatcher.adopt(jobs));
    dispatcher.start();
    try {
      await dispatcher.drain();
      const nowMs = Date.now();
      const sent = jobOf(h, eventId, `${receiver.url}/adopted`);
      // Not this process's to send now: another process holds its lease; a chaos delay; a listener's stream.
      const leased = jobOf(h, eventId, `${receiver.url}/leased`, { lease_until: nowMs + 600_000 });
      const delayed = jobOf(h, eventId, `${receiver.url}/delayed`, { next_attempt_at: nowMs + 600_000, chaos: JSON.stringify({ holdMs: 600_000 }) });
      const streamed = jobOf(h, eventId, `${receiver.url}/streamed`, { listener_id: 'lstn_test_adopted00000000000' });
      await h.store.transaction((tx) => insertJobs(tx, [sent, leased, delayed, streamed]));

      await receiver.waitFor((all) => all.some((r) => r.path === '/adopted'), 10_000);
      await dispatcher.drain();
      const arrived = receiver.received.filter((r) => r.path === '/adopted');
      assert.equal(arrived.length, 1, 'sent once');
      assert.equal(arrived[0].json.id, eventId);
      assert.equal(arrived[0].json.data.id, chargeId);
      const secret = (await h.request({ url: '/webhook_secret', key: h.keys.secretKey })).json.secret;
      assert.equal(verifyWebhook({ secret, headers: arrived[0].headers, rawBody: arrived[0].body }).ok, true, 'signed with the account’s secret');
      assert.deepEqual(
        receiver.received.filter((r) => ['/leased', '/delayed', '/streamed'].includes(r.path)),
        [],
        'nothing that is not its to send now',
      );

      const rows = new Map(
        (await h.store.read.selectFrom('webhook_jobs').selectAll().where('id', 'in', [sent.id, leased.id, delayed.id, streamed.id]).execute()).map((row) => [row.id, row]),
      );
      assert.equal(rows.get(sent.id)!.status, 'delivered');
      assert.equal(rows.get(sent.id)!.payload, arrived[0].body, 'the body it sent is kept with the job');
      assert.equal(rows.get(leased.id)!.status, 'pending');
      assert.equal(Number(rows.get(leased.id)!.lease_until), leased.lease_until, 'another process’s lease is left as it was');
      assert.equal(rows.get(delayed.id)!.status, 'pending');
      assert.equal(Number(rows.get(delayed.id)!.attempts), 0);
      assert.equal(rows.get(streamed.id)!.status, 'pending');
    } finally {
      stop();
      await dispatcher.stop();
    }
  });

  test('a first attempt that fails keeps the body it sent, and the retry sends those bytes', async () => {
    const { eventId } = await chargeEvent(h);
    const dispatcher = new WebhookDispatcher({ store: h.store, wall: { nowMs: () => Date.now() }, publicUrl: h.publicUrl, policy: { allowPrivateTargets: true }, pollIntervalMs: 3_600_000 });
    const stop = h.store.onOutboxCommitted((jobs) => dispatcher.adopt(jobs));
    dispatcher.start();
    try {
      await dispatcher.drain();
      receiver.respond = (request) => (request.path === '/fails-once' ? 503 : 200);
      const job = jobOf(h, eventId, `${receiver.url}/fails-once`);
      await h.store.transaction((tx) => insertJobs(tx, [job]));
      await receiver.waitFor((all) => all.some((r) => r.path === '/fails-once'), 10_000);
      await dispatcher.drain();
      const row = await h.store.read.selectFrom('webhook_jobs').selectAll().where('id', '=', job.id).executeTakeFirstOrThrow();
      assert.equal(row.status, 'pending');
      assert.equal(Number(row.attempts), 1);
      const first = receiver.received.find((r) => r.path === '/fails-once')!;
      assert.equal(row.payload, first.body, 'kept when the first attempt is recorded');

      // The retry is due now: the next look claims it (the job has its body: nothing is rendered again).
      receiver.respond = () => 200;
      await h.store.transaction(async (tx) => {
        await tx.updateTable('webhook_jobs').set({ next_attempt_at: 0 }).where('id', '=', job.id).execute();
      });
      await dispatcher.drain();
      const attempts = receiver.received.filter((r) => r.path === '/fails-once');
      assert.equal(attempts.length, 2);
      assert.equal(attempts[1].body, first.body, 'the retry sends the same bytes');
    } finally {
      receiver.respond = () => 200;
      stop();
      await dispatcher.stop();
    }
  });
});

/**
 * Answered webhook attempts are recorded together, a transaction's worth in three statements (store/webhooks.ts
 * finishAttempts). Each attempt must still be recorded as if alone: its pending job moved on (and given the body
 * it sent when it had none), a job cancelled meanwhile counted but left cancelled, a job that is gone (a test-data
 * reset) not recorded at all; and the attempts listed in the order they were recorded.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WebhookDelivery, WebhookJob } from '../../src/store/schema.js';
import { finishAttempts, insertJobs, listDeliveriesOfEvents } from '../../src/store/webhooks.js';
import { describeEachStore, type Harness } from '../support/harness.js';
import { pendingJob } from '../support/jobs.js';

const at = 1_800_000_000_000;

describeEachStore('webhook attempts recorded together', (h: Harness) => {
  test('a pending job moves on, a cancelled one is counted and stays cancelled, a gone one is not recorded', async () => {
    const tag = Math.random().toString(36).slice(2, 10);
    const eventId = `evnt_test_${tag}finish0000`;
    const job = (n: number, fields: Partial<WebhookJob> = {}): WebhookJob =>
      pendingJob({ id: `whjb_test_${tag}finish${n}`, event_id: eventId, account_id: h.keys.accountId, lease_until: at + 30_000, ...fields }, at);
    const delivery = (of: WebhookJob, n: number, status: number | null): WebhookDelivery => ({
      id: `whdl_test_${tag}finish${n}`,
      job_id: of.id,
      event_id: eventId,
      account_id: h.keys.accountId,
      livemode: 0,
      uri: of.url,
      status,
      error: status === 200 ? null : 'endpoint answered 503',
      payload: `{"sent":${n}}`,
      duration_ms: 3,
      response_excerpt: null,
      created_at: at + n,
      chaos: null,
    });
    const delivered = job(1);
    const retried = job(2, { payload: '{"kept":2}', attempts: 1 });
    const cancelled = job(3, { status: 'cancelled' });
    const gone = job(4);
    await h.store.transaction((tx) => insertJobs(tx, [delivered, retried, cancelled]));

    const moved = await h.store.transaction((tx) =>
      finishAttempts(tx, [
        { job: delivered, fields: { status: 'delivered', attempts: 1, next_attempt_at: at, payload: '{"sent":1}' }, delivery: delivery(delivered, 1, 200) },
        { job: retried, fields: { status: 'pending', attempts: 2, next_attempt_at: at + 20_000, payload: '{"sent":2}' }, delivery: delivery(retried, 2, 503) },
        { job: cancelled, fields: { status: 'delivered', attempts: 1, next_attempt_at: at, payload: '{"sent":3}' }, delivery: delivery(cancelled, 3, 200) },
        { job: gone, fields: { status: 'delivered', attempts: 1, next_attempt_at: at, payload: '{"sent":4}' }, delivery: delivery(gone, 4, 200) },
      ]),
    );
    assert.deepEqual(moved, [true, true, false, false]);

    const rows = new Map(
      (await h.store.read.selectFrom('webhook_jobs').selectAll().where('id', 'in', [delivered.id, retried.id, cancelled.id, gone.id]).execute()).map((row) => [row.id, row]),
    );
    assert.equal(rows.size, 3, 'a gone job is not brought back');
    const pick = (row: WebhookJob | undefined) => row && { status: row.status, attempts: Number(row.attempts), next: Number(row.next_attempt_at), lease: Number(row.lease_until), payload: row.payload };
    assert.deepEqual(pick(rows.get(delivered.id)), { status: 'delivered', attempts: 1, next: at, lease: 0, payload: '{"sent":1}' });
    assert.deepEqual(pick(rows.get(retried.id)), { status: 'pending', attempts: 2, next: at + 20_000, lease: 0, payload: '{"kept":2}' }, 'a job that has a body keeps it');
    assert.deepEqual(pick(rows.get(cancelled.id)), { status: 'cancelled', attempts: 1, next: at, lease: 0, payload: null }, 'counted, not revived');

    const attempts = (await listDeliveriesOfEvents(h.store.read, [eventId])).get(eventId) ?? [];
    assert.deepEqual(
      attempts.map((attempt) => [attempt.job_id, attempt.status, attempt.payload]),
      [
        [delivered.id, 200, '{"sent":1}'],
        [retried.id, 503, '{"sent":2}'],
        [cancelled.id, 200, '{"sent":3}'],
      ],
    );
  });
});

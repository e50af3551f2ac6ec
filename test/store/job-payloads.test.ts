/**
 * A job's body is rendered once and kept, so every retry sends the same bytes: a listener's stream keeps the bodies
 * of what it claims in one call (store/webhooks.ts setJobPayloads; a webhook's is kept with its first attempt). Each
 * job must get its own body, a job that has one keeps it, and a claim larger than one statement's chunk (200 jobs)
 * is written whole.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { insertJobs, setJobPayloads } from '../../src/store/webhooks.js';
import type { WebhookJob } from '../../src/store/schema.js';
import { describeEachStore } from '../support/harness.js';
import { pendingJob } from '../support/jobs.js';

describeEachStore('webhook bodies kept with their jobs', (h) => {
  test('each of 450 jobs gets its own body in one call; a job that already has a body keeps it', async () => {
    const at = 1_800_000_000_000;
    const tag = Math.random().toString(36).slice(2, 10);
    const job = (i: number, payload: string | null): WebhookJob =>
      pendingJob({ id: `whjb_test_${tag}${String(i).padStart(6, '0')}`, event_id: `evnt_test_${tag}${String(i).padStart(6, '0')}`, account_id: h.keys.accountId, payload }, at);
    const jobs = Array.from({ length: 450 }, (_, i) => job(i, i % 10 === 0 ? `{"kept":${i}}` : null));
    await h.store.transaction((tx) => insertJobs(tx, jobs));
    // Bodies for every job, the ones that have one too; quotes, a backslash and Thai text go through as they are.
    await h.store.transaction((tx) => setJobPayloads(tx, jobs.map((one, i) => ({ id: one.id, payload: `{"event":"${one.event_id}","n":${i},"note":"ร้าน \\"A\\""}` }))));
    const rows = await h.store.read.selectFrom('webhook_jobs').select(['id', 'payload']).where('id', 'in', jobs.map((one) => one.id)).execute();
    const byId = new Map(rows.map((row) => [row.id, row.payload]));
    assert.equal(byId.size, 450);
    jobs.forEach((one, i) => {
      const expected = i % 10 === 0 ? `{"kept":${i}}` : `{"event":"${one.event_id}","n":${i},"note":"ร้าน \\"A\\""}`;
      assert.equal(byId.get(one.id), expected, `job ${i}`);
    });
  });
});

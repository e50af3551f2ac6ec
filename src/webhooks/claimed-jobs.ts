/**
 * What both consumers of the outbox (the webhook dispatcher, and the listener streams of `satang listen`)
 * do with the jobs they claim, inside the claiming transaction: give each its body, and sign it.
 */
import { accountNowMs } from '../domain/clock.js';
import { renderEvents } from '../render/events.js';
import { findAccount } from '../store/accounts.js';
import { findEventsByIds, loadEventRelations } from '../store/events.js';
import type { WebhookJob } from '../store/schema.js';
import type { Scope } from '../store/scope.js';
import type { Tx } from '../store/store.js';
import { cancelJobs, findWebhookSecret, setJobPayloads } from '../store/webhooks.js';
import { ensureWebhookSecret, signingSecrets } from '../usecases/webhooks.js';

/**
 * The claimed jobs with their bodies. A body is rendered once, at a job's first send, and every later
 * send carries those bytes; the bodies still to render are rendered together (a few queries per claim,
 * not per job). A job whose event is gone (left by a test-data reset that raced a redelivery) has nothing
 * to send: it is cancelled and left out.
 */
export async function withPayloads(tx: Tx, jobs: WebhookJob[], publicUrl: string): Promise<Array<{ job: WebhookJob; payload: string }>> {
  const unrendered = jobs.filter((job) => job.payload === null);
  const payloads = new Map<string, string>();
  let orphans = new Set<string>();
  if (unrendered.length > 0) {
    const events = await findEventsByIds(tx, [...new Set(unrendered.map((job) => job.event_id))]);
    orphans = new Set(unrendered.filter((job) => !events.has(job.event_id)).map((job) => job.id));
    if (orphans.size > 0) await cancelJobs(tx, [...orphans]);
    const rows = [...events.values()];
    const rendered = renderEvents(rows, await loadEventRelations(tx, rows, 'none'), publicUrl);
    rows.forEach((event, index) => payloads.set(event.id, JSON.stringify(rendered[index])));
    await setJobPayloads(tx, unrendered.filter((job) => !orphans.has(job.id)).map((job) => ({ id: job.id, payload: payloads.get(job.event_id)! })));
  }
  return jobs.filter((job) => !orphans.has(job.id)).map((job) => ({ job, payload: job.payload ?? payloads.get(job.event_id)! }));
}

/**
 * The secrets that sign a delivery of this account and mode now (two while a rolled secret overlaps).
 * In a transaction by default, one with no secret yet gets one made. With `{ create: false }` nothing is
 * written: both reads go out at once (a claim makes them beside its own transaction's statements), and
 * an account and mode with no secret yet gives undefined, for a call in the transaction to make it.
 */
export function deliverySecrets(tx: Tx, scope: Scope, wallNowMs: number): Promise<string[]>;
export function deliverySecrets(db: Tx, scope: Scope, wallNowMs: number, options: { create: false }): Promise<string[] | undefined>;
export async function deliverySecrets(db: Tx, scope: Scope, wallNowMs: number, options?: { create: false }): Promise<string[] | undefined> {
  const [account, secret] = options?.create === false
    ? await Promise.all([findAccount(db, scope.accountId), findWebhookSecret(db, scope)])
    : [await findAccount(db, scope.accountId), await ensureWebhookSecret(db, scope, wallNowMs)];
  if (secret === undefined) return undefined;
  return signingSecrets(secret, accountNowMs(wallNowMs, scope.livemode === 1, account?.test_clock_offset_ms ?? 0));
}

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
 * The bodies of these events, as their webhooks carry them, by event id; an event that is gone (a
 * test-data reset) has none. A few queries for them all, not per event. The events are committed and
 * never change, and a body shows its charge as the event saw it, so any connection may read them.
 */
export async function renderBodies(db: Tx, eventIds: string[], publicUrl: string): Promise<Map<string, string>> {
  const bodies = new Map<string, string>();
  if (eventIds.length === 0) return bodies;
  const events = [...(await findEventsByIds(db, eventIds)).values()];
  const rendered = renderEvents(events, await loadEventRelations(db, events, 'none'), publicUrl);
  events.forEach((event, index) => bodies.set(event.id, JSON.stringify(rendered[index])));
  return bodies;
}

/**
 * The claimed jobs with their bodies. A body is rendered once, at a job's first send, and every later
 * send carries those bytes: kept on the job here (`keep: 'now'`), or by the caller when it records
 * the first attempt (`'with the attempt'`: one statement less in the claim). Bodies already rendered
 * (`rendered`, by event id: a claim renders what its look ahead saw beside its transaction) are used as
 * they are; the others are rendered together. A job whose event is gone (left by a test-data reset that
 * raced a redelivery) has nothing to send: it is cancelled and left out.
 */
export async function withPayloads(
  tx: Tx,
  jobs: WebhookJob[],
  publicUrl: string,
  options: { keep: 'now' | 'with the attempt'; rendered?: Map<string, string> },
): Promise<Array<{ job: WebhookJob; payload: string }>> {
  const unrendered = jobs.filter((job) => job.payload === null);
  const payloads = new Map<string, string>();
  let orphans = new Set<string>();
  if (unrendered.length > 0) {
    const missing = new Set<string>();
    for (const job of unrendered) {
      const body = options.rendered?.get(job.event_id);
      if (body === undefined) missing.add(job.event_id);
      else payloads.set(job.event_id, body);
    }
    for (const [eventId, body] of await renderBodies(tx, [...missing], publicUrl)) payloads.set(eventId, body);
    orphans = new Set(unrendered.filter((job) => !payloads.has(job.event_id)).map((job) => job.id));
    if (orphans.size > 0) await cancelJobs(tx, [...orphans]);
    if (options.keep === 'now') {
      await setJobPayloads(tx, unrendered.filter((job) => !orphans.has(job.id)).map((job) => ({ id: job.id, payload: payloads.get(job.event_id)! })));
    }
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

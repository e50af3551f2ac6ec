/**
 * Listeners (`satang listen`, test mode) and their outbox jobs: webhook_jobs rows that name a
 * listener. The process holding a listener's stream claims them under a lease (as the dispatcher
 * claims webhooks), and an acknowledgement finishes one; a listener no stream held for an hour is
 * removed with what it had not sent.
 */
import type { Kysely } from 'kysely';
import { dialectOf } from './dialect.js';
import type { DB, Listener, WebhookDelivery, WebhookJob, WebhookJobStatus } from './schema.js';
import { inScope, type Scope } from './scope.js';
import { seqColumn, withSeq } from './sequence.js';

export async function insertListener(db: Kysely<DB>, listener: Listener): Promise<void> {
  await db.insertInto('listeners').values(listener).execute();
}

export async function findListener(db: Kysely<DB>, scope: Scope, id: string): Promise<Listener | undefined> {
  return inScope(await db.selectFrom('listeners').selectAll().where('id', '=', id).executeTakeFirst(), scope);
}

/** How many listeners an account has in a mode. */
export async function countListeners(db: Kysely<DB>, scope: Scope): Promise<number> {
  const row = await db
    .selectFrom('listeners')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('account_id', '=', scope.accountId)
    .where('livemode', '=', scope.livemode)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The advisory lock class of an account and mode's listeners (the second key is a hash of the scope). */
const listenerListLockClass = 72902;

/** Serializes additions to an account and mode's listeners until the transaction ends (so racing creates cannot pass the limit). */
export async function lockListenerList(db: Kysely<DB>, scope: Scope): Promise<void> {
  await dialectOf(db).advisoryLock(db, listenerListLockClass, `${scope.accountId}/${scope.livemode}`);
}

/** Cancels what is queued for listeners that are going: nothing more of it is sent. */
async function cancelListenerJobs(db: Kysely<DB>, listenerIds: string[]): Promise<void> {
  if (listenerIds.length === 0) return;
  await db.updateTable('webhook_jobs').set({ status: 'cancelled', lease_until: 0 }).where('listener_id', 'in', listenerIds).where('status', '=', 'pending').execute();
}

/** Removes a listener and cancels what it had not sent; returns whether it was there. */
export async function deleteListener(db: Kysely<DB>, scope: Scope, id: string): Promise<boolean> {
  const deleted = await db.deleteFrom('listeners').where('id', '=', id).where('account_id', '=', scope.accountId).where('livemode', '=', scope.livemode).executeTakeFirst();
  if (deleted.numDeletedRows === 0n) return false;
  await cancelListenerJobs(db, [id]);
  return true;
}

/** Moves a listener's expiry on (its stream is held); returns whether the listener is still there. */
export async function touchListener(db: Kysely<DB>, id: string, expiresAtMs: number): Promise<boolean> {
  const updated = await db.updateTable('listeners').set({ expires_at: expiresAtMs }).where('id', '=', id).executeTakeFirst();
  return updated.numUpdatedRows > 0n;
}

/** Removes up to `limit` listeners expired by `wallNowMs`, with what they had not sent; returns how many went. */
export async function purgeExpiredListeners(db: Kysely<DB>, wallNowMs: number, limit: number): Promise<number> {
  const expired = await db.selectFrom('listeners').select('id').where('expires_at', '<', wallNowMs).orderBy('expires_at').limit(limit).execute();
  if (expired.length === 0) return 0;
  const ids = expired.map((row) => row.id);
  // Only those still expired: a stream that took one meanwhile keeps it.
  const deleted = await db.deleteFrom('listeners').where('id', 'in', ids).where('expires_at', '<', wallNowMs).returning('id').execute();
  await cancelListenerJobs(
    db,
    deleted.map((row) => row.id),
  );
  return deleted.length;
}

// ---------------------------------------------------------------- a listener's deliveries

function pendingOf(db: Kysely<DB>, listenerId: string) {
  return db.selectFrom('webhook_jobs').where('listener_id', '=', listenerId).where('status', '=', 'pending');
}

/** Whether a listener has a delivery no live lease holds (a read: no transaction, no commit). */
export async function hasSendableDelivery(db: Kysely<DB>, listenerId: string, wallNowMs: number): Promise<boolean> {
  return (await pendingOf(db, listenerId).select('id').where('lease_until', '<', wallNowMs).limit(1).executeTakeFirst()) !== undefined;
}

/**
 * Claims a listener's deliveries to send over a stream: as many as its window has room for (those
 * sent and not yet acknowledged, by any process, take room), oldest first, under a lease until
 * `leaseUntilMs`. A delivery whose lease ran out without an acknowledgement is claimed again.
 */
export async function claimListenerJobs(db: Kysely<DB>, listenerId: string, wallNowMs: number, leaseUntilMs: number, windowMax: number): Promise<WebhookJob[]> {
  const unacked = await pendingOf(db, listenerId)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('lease_until', '>=', wallNowMs)
    .executeTakeFirstOrThrow();
  const room = windowMax - Number(unacked.n);
  if (room <= 0) return [];
  const claim = dialectOf(db).claim(pendingOf(db, listenerId).select('id').where('lease_until', '<', wallNowMs).orderBy('created_at').orderBy(seqColumn).limit(room));
  const rows = await db
    .updateTable('webhook_jobs')
    .set({ lease_until: leaseUntilMs })
    .where('id', 'in', claim)
    .where('status', '=', 'pending')
    .returningAll()
    .returning(seqColumn.as('seq'))
    .execute();
  // In the order they were written (UPDATE ... RETURNING keeps none).
  rows.sort((a, b) => a.created_at - b.created_at || Number(a.seq) - Number(b.seq));
  return rows.map(({ seq: _seq, ...job }) => job);
}

/** Hands deliveries back unacknowledged (their stream closed): only leases this stream still holds (`leaseUntilMs`), so any stream may take them at once. */
export async function releaseListenerJobs(db: Kysely<DB>, ids: string[], leaseUntilMs: number): Promise<void> {
  if (ids.length === 0) return;
  await db.updateTable('webhook_jobs').set({ lease_until: 0 }).where('id', 'in', ids).where('lease_until', '=', leaseUntilMs).where('status', '=', 'pending').execute();
}

/** Deliveries of a listener, by their job ids (ids of other jobs are left out). */
export async function findListenerJobs(db: Kysely<DB>, listenerId: string, jobIds: string[]): Promise<Map<string, WebhookJob>> {
  if (jobIds.length === 0) return new Map();
  const jobs = await db.selectFrom('webhook_jobs').selectAll().where('id', 'in', jobIds).execute();
  return new Map(jobs.filter((job) => job.listener_id === listenerId).map((job) => [job.id, job]));
}

/** A delivery to finish: its new status (delivered or failed) and the attempt to record. */
export interface ListenerFinish {
  jobId: string;
  status: WebhookJobStatus;
  delivery: WebhookDelivery;
}

/**
 * Finishes deliveries the CLI acknowledged, and records the attempts they report, only while each
 * is pending: a second acknowledgement of one (the CLI retried, or it was sent again after its lease
 * ran out; or the same id twice in one batch) records nothing. A few statements however many there
 * are (one update per status, one insert). Returns the ids this call finished.
 */
export async function finishListenerJobs(db: Kysely<DB>, finishes: ListenerFinish[]): Promise<Set<string>> {
  const first = new Map<string, ListenerFinish>();
  for (const finish of finishes) if (!first.has(finish.jobId)) first.set(finish.jobId, finish);
  const finished = new Set<string>();
  for (const status of new Set([...first.values()].map((finish) => finish.status))) {
    const ids = [...first.values()].filter((finish) => finish.status === status).map((finish) => finish.jobId);
    const rows = await db
      .updateTable('webhook_jobs')
      .set((eb) => ({ status, attempts: eb('attempts', '+', 1), lease_until: 0 }))
      .where('id', 'in', ids)
      .where('status', '=', 'pending')
      .returning('id')
      .execute();
    for (const row of rows) finished.add(row.id);
  }
  const deliveries = [...first.values()].filter((finish) => finished.has(finish.jobId)).map((finish) => finish.delivery);
  if (deliveries.length > 0) {
    const rows = await withSeq(db, 'webhook_deliveries', deliveries);
    // 13 columns a row: well under SQLite's bound-parameter limit.
    for (let start = 0; start < rows.length; start += 500) await db.insertInto('webhook_deliveries').values(rows.slice(start, start + 500)).execute();
  }
  return finished;
}

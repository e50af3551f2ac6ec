import { type ExpressionBuilder, type Kysely, sql } from 'kysely';
import type { ListenerTarget } from '../domain/delivery-targets.js';
import { dialectOf } from './dialect.js';
import { noteOutboxJobs } from './outbox-commits.js';
import { rowsGroupedByKey } from './row-maps.js';
import { preparedInsert, preparedQuery } from './prepared.js';
import { seqColumn, seqOfOne, withSeq } from './sequence.js';
import type { DueFilter, Scope } from './scope.js';
import type { DB, WebhookDelivery, WebhookEndpoint, WebhookJob, WebhookJobStatus, WebhookSecret } from './schema.js';

// ---------------------------------------------------------------- endpoints

export async function insertEndpoint(db: Kysely<DB>, endpoint: WebhookEndpoint): Promise<void> {
  await db.insertInto('webhook_endpoints').values({ ...endpoint, ...(await seqOfOne(db, 'webhook_endpoints')) }).execute();
}

export async function listEndpoints(db: Kysely<DB>, scope: Scope): Promise<WebhookEndpoint[]> {
  return db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('account_id', '=', scope.accountId)
    .where('livemode', '=', scope.livemode)
    .orderBy('created_at')
    .orderBy(seqColumn)
    .execute();
}

/** How many endpoints (enabled or not) an account has in a mode. */
export async function countEndpoints(db: Kysely<DB>, scope: Scope): Promise<number> {
  const row = await db
    .selectFrom('webhook_endpoints')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('account_id', '=', scope.accountId)
    .where('livemode', '=', scope.livemode)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The advisory lock class of an account and mode's endpoint list (the second key is a hash of the scope). */
const endpointListLockClass = 72901;

/**
 * Serializes additions to an account and mode's endpoints until the transaction ends, so two
 * processes adding endpoints at once cannot both pass the limit (a transaction-scoped
 * advisory lock on PostgreSQL). SQLite has one writer: nothing to do.
 */
export async function lockEndpointList(db: Kysely<DB>, scope: Scope): Promise<void> {
  await dialectOf(db).advisoryLock(db, endpointListLockClass, `${scope.accountId}/${scope.livemode}`);
}

export async function findEndpoint(db: Kysely<DB>, scope: Scope, id: string): Promise<WebhookEndpoint | undefined> {
  return db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('id', '=', id)
    .where('account_id', '=', scope.accountId)
    .where('livemode', '=', scope.livemode)
    .executeTakeFirst();
}

export async function updateEndpoint(
  db: Kysely<DB>,
  scope: Scope,
  id: string,
  fields: Partial<Pick<WebhookEndpoint, 'url' | 'enabled' | 'updated_at' | 'chaos' | 'chaos_event_count'>>,
): Promise<void> {
  await db.updateTable('webhook_endpoints').set(fields).where('id', '=', id).where('account_id', '=', scope.accountId).where('livemode', '=', scope.livemode).execute();
}

export async function deleteEndpoint(db: Kysely<DB>, scope: Scope, id: string): Promise<void> {
  await db.deleteFrom('webhook_endpoints').where('id', '=', id).where('account_id', '=', scope.accountId).where('livemode', '=', scope.livemode).execute();
}

/** An enabled endpoint, as an event's delivery needs it (its chaos settings too: JSON, or null when off). */
export type EndpointTarget = Pick<WebhookEndpoint, 'id' | 'url' | 'chaos'>;

/** Where the events of an account and mode go: its enabled endpoints, and its listeners (`satang listen`) with the keys they asked for. */
export interface EventTargets {
  endpoints: EndpointTarget[];
  listeners: ListenerTarget[];
}

/** One row of the targets query: an endpoint (listener 0, events null) or a listener (listener 1). */
export interface TargetRow {
  id: string;
  url: string;
  events: string | null;
  /** An endpoint's chaos settings (JSON, null when off); always null for a listener. */
  chaos: string | null;
  listener: number;
}

/**
 * The targets query of an account and mode (`accountId`, `livemode`) on a query builder (which may
 * carry CTEs; `plain` is one without, for the second half of the union): endpoints and listeners in
 * one statement, so writing an event costs one read however many kinds of target there are.
 */
export function selectTargets(qb: Kysely<DB>, p: { accountId: string; livemode: number }, plain: Kysely<DB> = qb) {
  return qb
    .selectFrom('webhook_endpoints')
    .select(['id', 'url', sql<string | null>`null`.as('events'), 'chaos', sql<number>`0`.as('listener')])
    .where('account_id', '=', p.accountId)
    .where('livemode', '=', p.livemode)
    .where('enabled', '=', 1)
    .unionAll(
      plain
        .selectFrom('listeners')
        .select(['id', 'url', 'events', sql<string | null>`null`.as('chaos'), sql<number>`1`.as('listener')])
        .where('account_id', '=', p.accountId)
        .where('livemode', '=', p.livemode),
    );
}

const selectEventTargets = preparedQuery<{ accountId: string; livemode: number }, TargetRow>('eventTargets', (db, p) => selectTargets(db, p));

/** The targets query's rows, sorted out. */
export function eventTargetsFrom(rows: TargetRow[]): EventTargets {
  const targets: EventTargets = { endpoints: [], listeners: [] };
  for (const row of rows) {
    if (Number(row.listener) === 1) targets.listeners.push({ id: row.id, url: row.url, events: row.events });
    else targets.endpoints.push({ id: row.id, url: row.url, chaos: row.chaos });
  }
  return targets;
}

/** Where an event of this account and mode goes: its enabled endpoints and its listeners. */
export async function eventTargets(db: Kysely<DB>, scope: Scope): Promise<EventTargets> {
  return eventTargetsFrom(await selectEventTargets(db, scope));
}

/**
 * Counts `count` more events given to a test endpoint with chaos, in the writing transaction (the
 * row stays locked until it ends on PostgreSQL, so two processes never take the same numbers), and
 * returns the count now with the settings as they are now; undefined when the endpoint has no chaos
 * any more (turned off or removed meanwhile). The events are numbered `count_now - count + 1` onward.
 */
export async function countChaosEvents(db: Kysely<DB>, endpointId: string, count: number): Promise<{ count: number; chaos: string } | undefined> {
  const row = await db
    .updateTable('webhook_endpoints')
    .set((eb) => ({ chaos_event_count: eb('chaos_event_count', '+', count) }))
    .where('id', '=', endpointId)
    .where('livemode', '=', 0)
    .where('chaos', 'is not', null)
    .returning(['chaos_event_count', 'chaos'])
    .executeTakeFirst();
  return row ? { count: Number(row.chaos_event_count), chaos: row.chaos! } : undefined;
}

/** Starts the chaos count of an account's test endpoints again (a test-data reset): the same events then get the same decisions. */
export async function restartChaosCounts(db: Kysely<DB>, accountId: string): Promise<void> {
  await db.updateTable('webhook_endpoints').set({ chaos_event_count: 0 }).where('account_id', '=', accountId).where('livemode', '=', 0).where('chaos_event_count', '<>', 0).execute();
}

/**
 * Stops what is queued for an endpoint that is going (removed, disabled, or moved to another
 * URL). A job whose URL another enabled endpoint of the account has too is handed to that one
 * (an event goes once to each URL, for whichever endpoint named it first); the others are
 * cancelled. Returns how many were cancelled.
 */
export async function cancelEndpointJobs(db: Kysely<DB>, scope: Scope, endpointId: string): Promise<number> {
  const sameUrl = (eb: ExpressionBuilder<DB, 'webhook_jobs'>) =>
    eb
      .selectFrom('webhook_endpoints')
      .select('webhook_endpoints.id')
      .where('webhook_endpoints.account_id', '=', scope.accountId)
      .where('webhook_endpoints.livemode', '=', scope.livemode)
      .where('webhook_endpoints.enabled', '=', 1)
      .where('webhook_endpoints.id', '<>', endpointId)
      .whereRef('webhook_endpoints.url', '=', 'webhook_jobs.url')
      .orderBy('webhook_endpoints.created_at')
      .orderBy('webhook_endpoints.id')
      .limit(1);
  await db
    .updateTable('webhook_jobs')
    .set((eb) => ({ endpoint_id: sameUrl(eb) }))
    .where('endpoint_id', '=', endpointId)
    .where('status', '=', 'pending')
    .where((eb) => eb.exists(sameUrl(eb)))
    .execute();
  const cancelled = await db.updateTable('webhook_jobs').set({ status: 'cancelled' }).where('endpoint_id', '=', endpointId).where('status', '=', 'pending').executeTakeFirst();
  return Number(cancelled.numUpdatedRows);
}

// ---------------------------------------------------------------- secrets

export async function findWebhookSecret(db: Kysely<DB>, scope: Scope): Promise<WebhookSecret | undefined> {
  return db.selectFrom('webhook_secrets').selectAll().where('account_id', '=', scope.accountId).where('livemode', '=', scope.livemode).executeTakeFirst();
}

export async function insertWebhookSecret(db: Kysely<DB>, secret: WebhookSecret): Promise<void> {
  await db.insertInto('webhook_secrets').values(secret).onConflict((oc) => oc.columns(['account_id', 'livemode']).doNothing()).execute();
}

export async function replaceWebhookSecret(db: Kysely<DB>, scope: Scope, fields: Pick<WebhookSecret, 'secret' | 'previous_secret' | 'previous_valid_until'>): Promise<void> {
  await db.updateTable('webhook_secrets').set(fields).where('account_id', '=', scope.accountId).where('livemode', '=', scope.livemode).execute();
}

// ---------------------------------------------------------------- the outbox

export async function insertJobs(db: Kysely<DB>, jobs: WebhookJob[]): Promise<void> {
  if (jobs.length === 0) return;
  noteOutboxJobs(db, jobs);
  if (jobs.length === 1) return preparedInsert(db, 'webhook_jobs', jobs[0], await seqOfOne(db, 'webhook_jobs'));
  const rows = await withSeq(db, 'webhook_jobs', jobs);
  // 15 columns a row: well under SQLite's bound-parameter limit.
  for (let start = 0; start < rows.length; start += 500) await db.insertInto('webhook_jobs').values(rows.slice(start, start + 500)).execute();
}

function dueJobs(db: Kysely<DB>, due: DueFilter, wallNowMs: number, skipUrls: string[]) {
  // A listener's jobs are streamed by the process holding its stream, never sent from here (their partial index is another).
  let query = db
    .selectFrom('webhook_jobs')
    .select('id')
    .where('status', '=', 'pending')
    .where('listener_id', 'is', null)
    .where('next_attempt_at', '<=', due.nowMs)
    .where('lease_until', '<', wallNowMs);
  if (due.scope) query = query.where('account_id', '=', due.scope.accountId).where('livemode', '=', due.scope.livemode);
  if (skipUrls.length > 0) query = query.where('url', 'not in', skipUrls);
  return query;
}

/** A due job as a look before a claim sees it: which event it carries, and whether its body is still to render. */
export interface DueJobPeek {
  id: string;
  event_id: string;
  account_id: string;
  livemode: number;
  unrendered: boolean;
}

/**
 * The jobs a claim of `limit` would take now, in the order they fell due (a read: no transaction, no
 * commit, no lease): none means there is nothing to claim; the others say which bodies to render.
 * Another process may claim some of them first.
 */
export async function peekDueJobs(db: Kysely<DB>, due: DueFilter, wallNowMs: number, limit: number, skipUrls: string[] = []): Promise<DueJobPeek[]> {
  const rows = await dueJobs(db, due, wallNowMs, skipUrls)
    .select(['event_id', 'account_id', 'livemode', (eb) => eb.case().when('payload', 'is', null).then(1).else(0).end().as('unrendered')])
    .orderBy('next_attempt_at')
    .limit(limit)
    .execute();
  return rows.map((row) => ({ id: row.id, event_id: row.event_id, account_id: row.account_id, livemode: row.livemode, unrendered: Number(row.unrendered) === 1 }));
}

/**
 * Claims up to `limit` pending jobs that are due (by the given clock), not held by a live
 * lease and not to one of `skipUrls`: takes the lease and returns them, in one statement, in the
 * order they fell due.
 * On PostgreSQL rows another process is claiming are skipped.
 */
export async function claimDueJobs(
  db: Kysely<DB>,
  due: DueFilter,
  wallNowMs: number,
  leaseUntilMs: number,
  limit: number,
  skipUrls: string[] = [],
): Promise<WebhookJob[]> {
  const claim = dialectOf(db).claim(dueJobs(db, due, wallNowMs, skipUrls).orderBy('next_attempt_at').limit(limit));
  const claimed = await db
    .updateTable('webhook_jobs')
    .set({ lease_until: leaseUntilMs })
    .where('id', 'in', claim)
    .where('status', '=', 'pending')
    .returningAll()
    .execute();
  // An update returns its rows in no promised order (PostgreSQL: where they lie in the table, the
  // order they were written): put them back in the order they fell due, which is the order they start.
  return claimed.sort(inDueOrder);
}

function inDueOrder(a: WebhookJob, b: WebhookJob): number {
  return a.next_attempt_at - b.next_attempt_at || a.created_at - b.created_at || (a.id < b.id ? -1 : 1);
}

/**
 * Claims these jobs, those of them still pending and not held by a live lease, whenever they fall
 * due (the dispatcher's claim of what its own process just wrote: due at once): takes the lease
 * and returns them, in the order they fell due. A job another process holds, or claimed first, is
 * left out.
 */
export async function claimJobsById(db: Kysely<DB>, ids: string[], wallNowMs: number, leaseUntilMs: number): Promise<WebhookJob[]> {
  if (ids.length === 0) return [];
  const claim = (which: string[]) =>
    db
      .updateTable('webhook_jobs')
      .set({ lease_until: leaseUntilMs })
      .where('id', which.length === 1 ? '=' : 'in', which.length === 1 ? which[0] : which)
      .where('status', '=', 'pending')
      .where('lease_until', '<', wallNowMs)
      .returningAll()
      .execute();
  // In-process (SQLite): one cached statement a job, not new SQL text for every count of them.
  let claimed: WebhookJob[] = [];
  if (dialectOf(db).writesInOneStatement) claimed = await claim(ids);
  else for (const id of ids) claimed.push(...(await claim([id])));
  return claimed.sort(inDueOrder);
}

/**
 * Extends the lease of a job this process still holds: only while the lease is the one it
 * took (`heldUntilMs`), so a job another process claimed after the lease ran out stays
 * theirs. Returns whether the lease was extended.
 */
export async function extendLease(db: Kysely<DB>, job: Pick<WebhookJob, 'id'>, heldUntilMs: number, leaseUntilMs: number): Promise<boolean> {
  const result = await db
    .updateTable('webhook_jobs')
    .set({ lease_until: leaseUntilMs })
    .where('id', '=', job.id)
    .where('lease_until', '=', heldUntilMs)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Keeps the rendered bodies of jobs that have none yet: one statement a chunk (one round trip). The bodies are
 * joined in by id from a VALUES list, which both stores run as a join; a `case when id = … then …` with a branch
 * per job compared branch by branch for every row. Measured, the whole transaction, median of six: 100 jobs of
 * 2,500-byte bodies 19.0 → 16.7 ms on PostgreSQL and 11.4 → 7.1 ms on SQLite; 200 jobs 30.9 → 23.1 and 11.8 → 10.3 ms.
 */
export async function setJobPayloads(db: Kysely<DB>, payloads: Array<{ id: string; payload: string }>): Promise<void> {
  // 2 bound parameters a job: chunks stay well under SQLite's limit.
  for (let start = 0; start < payloads.length; start += 200) {
    const chunk = payloads.slice(start, start + 200);
    const rows = sql.join(chunk.map(({ id, payload }) => sql`(${id}, ${payload})`));
    await sql`update webhook_jobs set payload = v.column2 from (values ${rows}) as v where webhook_jobs.id = v.column1 and webhook_jobs.payload is null`.execute(db);
  }
}

/** An attempt to record, and where it moves its job (`payload`: the body it sent, kept on a job that has none). */
export interface AttemptFinish {
  job: Pick<WebhookJob, 'id'>;
  fields: { status: WebhookJobStatus; attempts: number; next_attempt_at: number; payload: string | null };
  delivery: WebhookDelivery;
}

/**
 * Records attempts and moves their jobs on, only while a job is still pending: an attempt that was
 * under way when its job was cancelled is recorded and counted, but does not revive the job. An
 * attempt whose job is gone (its test data was reset meanwhile) is not recorded. Three statements
 * for any number of attempts (at most a chunk's worth: 64 to a transaction), never one per attempt.
 * Returns, per attempt, whether its job was moved on.
 */
export async function finishAttempts(db: Kysely<DB>, finishes: AttemptFinish[]): Promise<boolean[]> {
  if (finishes.length === 0) return [];
  if (!dialectOf(db).writesInOneStatement) {
    // Where statements run in-process (SQLite) a statement costs no round trip, and a statement for
    // each count of rows would be new SQL text to prepare and keep for each: one cached statement a row.
    const moved: boolean[] = [];
    for (const finish of finishes) moved.push(await finishAttempt(db, finish));
    return moved;
  }
  if (finishes.length > 200) throw new Error(`${finishes.length} attempts recorded at once; at most 200`);
  const values = sql.join(
    finishes.map(({ job, fields }) => sql`(${job.id}, ${fields.status}, cast(${fields.attempts} as integer), cast(${fields.next_attempt_at} as bigint), ${fields.payload})`),
  );
  const moved = new Set(
    (
      await sql<{ id: string }>`update webhook_jobs set status = v.column2, attempts = v.column3, next_attempt_at = v.column4, lease_until = 0,
        payload = coalesce(webhook_jobs.payload, v.column5)
        from (values ${values}) as v where webhook_jobs.id = v.column1 and webhook_jobs.status = 'pending' returning webhook_jobs.id`.execute(db)
    ).rows.map((row) => row.id),
  );
  const counted = await countAttempts(
    db,
    finishes.filter(({ job }) => !moved.has(job.id)).map(({ job }) => job.id),
  );
  const recorded = finishes.filter(({ job }) => moved.has(job.id) || counted.has(job.id)).map(({ delivery }) => delivery);
  if (recorded.length > 0) await db.insertInto('webhook_deliveries').values(await withSeq(db, 'webhook_deliveries', recorded)).execute();
  return finishes.map(({ job }) => moved.has(job.id));
}

/** One attempt's record, in statements whose text never changes (finishAttempts on SQLite). */
async function finishAttempt(db: Kysely<DB>, { job, fields, delivery }: AttemptFinish): Promise<boolean> {
  const moved =
    (
      await db
        .updateTable('webhook_jobs')
        .set({ status: fields.status, attempts: fields.attempts, next_attempt_at: fields.next_attempt_at, lease_until: 0, payload: sql<string | null>`coalesce(payload, ${fields.payload})` })
        .where('id', '=', job.id)
        .where('status', '=', 'pending')
        .executeTakeFirst()
    ).numUpdatedRows > 0n;
  if (!moved && (await countAttempts(db, [job.id])).size === 0) return false;
  await preparedInsert(db, 'webhook_deliveries', delivery, await seqOfOne(db, 'webhook_deliveries'));
  return moved;
}

/** Counts an attempt each on jobs no longer pending (cancelled while it was under way); returns the ids still there. */
async function countAttempts(db: Kysely<DB>, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .updateTable('webhook_jobs')
    .set((eb) => ({ attempts: eb('attempts', '+', 1), lease_until: 0 }))
    .where('id', 'in', ids)
    .returning('id')
    .execute();
  return new Set(rows.map((row) => row.id));
}

/** Cancels pending jobs that cannot be sent (their event is gone). */
export async function cancelJobs(db: Kysely<DB>, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.updateTable('webhook_jobs').set({ status: 'cancelled', lease_until: 0 }).where('id', 'in', ids).where('status', '=', 'pending').execute();
}

/** Hands jobs back unsent: their leases end now, so any process may claim them at once. */
export async function releaseJobs(db: Kysely<DB>, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.updateTable('webhook_jobs').set({ lease_until: 0 }).where('id', 'in', ids).where('status', '=', 'pending').execute();
}

/**
 * The delivery attempts of these events, oldest first. With `recentMax`, only each event's
 * `recentMax` most recent: the cut is made in SQL (a window function), so an event with
 * thousands of attempts costs no more memory here than one with `recentMax`.
 *
 * An event's attempts nearly always carry the same bytes (each job renders the event once,
 * and a claim renders it once for all its jobs): the database sends a payload only where it
 * differs from the event's latest one, and the rows share that one string, rather than each
 * row bringing a copy of its own (a list's deliveries are mostly payload).
 */
export async function listDeliveriesOfEvents(db: Kysely<DB>, eventIds: string[], recentMax?: number): Promise<Map<string, WebhookDelivery[]>> {
  if (eventIds.length === 0) return new Map();
  const ranked = db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .select((eb) => [
      eb.fn.agg<number>('row_number').over((over) => over.partitionBy('event_id').orderBy('created_at', 'desc').orderBy(seqColumn, 'desc')).as('recency'),
      eb.fn.agg<string>('first_value', ['payload']).over((over) => over.partitionBy('event_id').orderBy('created_at', 'desc').orderBy(seqColumn, 'desc')).as('latest_payload'),
    ])
    .where('event_id', 'in', eventIds)
    .as('ranked');
  let query = db
    .selectFrom(ranked)
    .select(['id', 'job_id', 'event_id', 'account_id', 'livemode', 'uri', 'status', 'error', 'duration_ms', 'response_excerpt', 'created_at', 'chaos', 'recency'])
    .select((eb) =>
      eb
        .case()
        .when(eb.or([eb('recency', '=', 1), eb('payload', '<>', eb.ref('latest_payload'))]))
        .then(eb.ref('payload'))
        .end()
        .as('payload'),
    );
  if (recentMax !== undefined) query = query.where('recency', '<=', recentMax);
  const rows = await query.orderBy('created_at').orderBy(seqColumn).execute();
  const latestPayloads = new Map(rows.filter((row) => Number(row.recency) === 1).map((row) => [row.event_id, row.payload!]));
  return rowsGroupedByKey(
    rows.map(({ recency: _recency, payload, ...delivery }) => ({ ...delivery, payload: payload ?? latestPayloads.get(delivery.event_id)! })),
    'event_id',
  );
}

/** The queries operations need: readiness and the gauges /metrics reports. */
import { type Kysely, sql } from 'kysely';
import type { DB } from './schema.js';

/** One round trip to the database. */
export async function ping(db: Kysely<DB>): Promise<void> {
  await sql`select 1`.execute(db);
}

/** Pending charges, counted from the partial index of pending charges (cheap at any table size). */
export async function countPendingCharges(db: Kysely<DB>): Promise<number> {
  const row = await db.selectFrom('charges').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'pending').executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Charges by status: a scan of the table, so callers cache it. */
export async function countChargesByStatus(db: Kysely<DB>): Promise<Map<string, number>> {
  const rows = await db.selectFrom('charges').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('status').execute();
  return new Map(rows.map((row) => [row.status, Number(row.n)]));
}

/** Webhook jobs waiting to be sent (from the partial index of pending webhook jobs; listeners' are not the dispatcher's queue), and how many of them are due now by the wall clock. */
export async function webhookQueueDepth(db: Kysely<DB>, wallNowMs: number): Promise<{ pending: number; due: number }> {
  const row = await db
    .selectFrom('webhook_jobs')
    .select((eb) => [eb.fn.countAll<number>().as('pending'), eb.fn.sum<number>(eb.case().when('next_attempt_at', '<=', wallNowMs).then(1).else(0).end()).as('due')])
    .where('status', '=', 'pending')
    .where('listener_id', 'is', null)
    .executeTakeFirstOrThrow();
  return { pending: Number(row.pending), due: Number(row.due ?? 0) };
}

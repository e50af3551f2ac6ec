/** The dashboard's reads: filtered charge pages, a charge's timeline, recent deliveries, event pages (daily totals: daily-totals.ts). */
import type { Kysely } from 'kysely';
import type { Scope } from './scope.js';
import type { SearchPlan } from '../domain/search.js';
import { chargeSearchQuery } from './search.js';
import type { ChargeRow, DB, EventRow, WebhookDelivery, WebhookJob } from './schema.js';
import { seqColumn } from './sequence.js';

/** Keyset cursor: rows strictly older than (createdAt, seq). */
export interface ListCursor {
  createdAt: number;
  seq: number;
}

/** What a row of the charge list shows, and its seq (the page cursor). */
export type ChargeListRow = Pick<
  ChargeRow,
  'id' | 'status' | 'amount' | 'currency' | 'created_at' | 'paid_at' | 'refunded_amount' | 'voided_amount' | 'funding_source' | 'payment_ref' | 'description'
> & {
  seq: number;
};

/**
 * One page of the charges a search plan finds (domain/search.ts: the rules of GET /search, run by
 * store/search.ts with the full-text index), newest first, paged by keyset on (created_at, seq)
 * instead of the plan's page, so a page costs the same on the first page and the thousandth.
 * Returns up to limit + 1 rows: the extra one says there is a next page.
 */
export async function listChargesForDashboard(db: Kysely<DB>, scope: Scope, plan: SearchPlan, before: ListCursor | undefined, limit: number): Promise<ChargeListRow[]> {
  let query = (await chargeSearchQuery(db, scope, plan)).select([
    'charges.id',
    'charges.status',
    'charges.amount',
    'charges.currency',
    'charges.created_at',
    'charges.paid_at',
    'charges.refunded_amount',
    'charges.voided_amount',
    'charges.funding_source',
    'charges.payment_ref',
    'charges.description',
    'charges.seq as seq',
  ]);
  if (before) {
    const { createdAt, seq } = before;
    query = query.where((eb: any) => eb.or([eb('charges.created_at', '<', createdAt), eb.and([eb('charges.created_at', '=', createdAt), eb('charges.seq', '<', seq)])]));
  }
  const rows = (await query.orderBy('charges.created_at', 'desc').orderBy('charges.seq', 'desc').limit(limit + 1).execute()) as ChargeListRow[];
  // PostgreSQL's bigint arrives as a number already (the pool's type parser); SQLite's integer too.
  return rows.map((row) => ({ ...row, seq: Number(row.seq) }));
}

/** A charge's events, oldest first. */
export async function eventsOfCharge(db: Kysely<DB>, scope: Scope, chargeId: string): Promise<EventRow[]> {
  // By charge id alone, so the planner takes events_charge (a charge has a handful of events);
  // with the account's columns in the WHERE, SQLite prefers walking the account's whole list.
  const rows = await db.selectFrom('events').selectAll().where('charge_id', '=', chargeId).orderBy('created_at').orderBy(seqColumn).execute();
  return rows.filter((row) => row.account_id === scope.accountId && row.livemode === scope.livemode);
}

/** The outbox rows of these events (what is still to be sent, and what gave up). */
export async function jobsOfEvents(db: Kysely<DB>, eventIds: string[]): Promise<WebhookJob[]> {
  if (eventIds.length === 0) return [];
  return db.selectFrom('webhook_jobs').selectAll().where('event_id', 'in', eventIds).orderBy('created_at').orderBy(seqColumn).execute();
}

/** The latest delivery attempts of one account and mode, newest first. */
export async function recentDeliveries(db: Kysely<DB>, scope: Scope, limit: number): Promise<WebhookDelivery[]> {
  return db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('account_id', '=', scope.accountId)
    .where('livemode', '=', scope.livemode)
    .orderBy('created_at', 'desc')
    .orderBy(seqColumn, 'desc')
    .limit(limit)
    .execute();
}

/** What a row of the events page shows, and its seq (the page cursor). */
export type EventListRow = Pick<EventRow, 'id' | 'key' | 'charge_id' | 'object_type' | 'object_id' | 'created_at'> & { seq: number };

/**
 * One page of an account and mode's events, newest first, of one key when given, paged by keyset on
 * (created_at, seq) like the charge list. Returns up to limit + 1 rows: the extra one says there is more.
 */
export async function listEventsForDashboard(db: Kysely<DB>, scope: Scope, filter: { key?: string; before?: { createdAt: number; seq: number } }, limit: number): Promise<EventListRow[]> {
  let query = db
    .selectFrom('events')
    .select(['id', 'key', 'charge_id', 'object_type', 'object_id', 'created_at', seqColumn.as('seq')])
    .where('account_id', '=', scope.accountId)
    .where('livemode', '=', scope.livemode);
  if (filter.key) query = query.where('key', '=', filter.key);
  if (filter.before) {
    const { createdAt, seq } = filter.before;
    query = query.where((eb) => eb.or([eb('created_at', '<', createdAt), eb.and([eb('created_at', '=', createdAt), eb(seqColumn, '<', seq)])]));
  }
  const rows = await query.orderBy('created_at', 'desc').orderBy(seqColumn, 'desc').limit(limit + 1).execute();
  return rows.map((row) => ({ ...row, seq: Number(row.seq) }));
}

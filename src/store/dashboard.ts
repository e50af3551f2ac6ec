/** The dashboard's reads: filtered charge pages, a charge's timeline, recent deliveries, event pages (daily totals: daily-totals.ts). */
import type { Kysely } from 'kysely';
import type { Scope } from './scope.js';
import type { ChargeStatus } from '../domain/lifecycle.js';
import type { ChargeRow, DB, EventRow, WebhookDelivery, WebhookJob } from './schema.js';
import { seqColumn } from './sequence.js';

export interface ChargeFilter {
  status?: ChargeStatus;
  fromMs?: number;
  /** Exclusive. */
  toMs?: number;
  /** An exact charge id, pay2 reference or QR ref1. */
  search?: string;
  /** Keyset cursor: rows strictly older than (createdAt, seq). */
  before?: { createdAt: number; seq: number };
}

/** What a row of the charge list shows, and its seq (the page cursor). */
export type ChargeListRow = Pick<ChargeRow, 'id' | 'status' | 'amount' | 'currency' | 'created_at' | 'paid_at' | 'refunded_amount' | 'funding_source' | 'payment_ref' | 'description'> & {
  seq: number;
};

/**
 * One page of charges, newest first, filtered in SQL and paged by keyset on (created_at, seq),
 * so a page costs the same on the first page and the thousandth. Returns up to limit + 1 rows:
 * the extra one says there is a next page.
 */
export async function listChargesForDashboard(db: Kysely<DB>, scope: Scope, filter: ChargeFilter, limit: number): Promise<ChargeListRow[]> {
  let query = db
    .selectFrom('charges')
    .select(['id', 'status', 'amount', 'currency', 'created_at', 'paid_at', 'refunded_amount', 'funding_source', 'payment_ref', 'description', seqColumn.as('seq')])
    .where('account_id', '=', scope.accountId)
    .where('livemode', '=', scope.livemode);
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.fromMs !== undefined) query = query.where('created_at', '>=', filter.fromMs);
  if (filter.toMs !== undefined) query = query.where('created_at', '<', filter.toMs);
  if (filter.search) {
    // One unique column per shape, so the lookup is a single index probe (an OR of three
    // columns lets SQLite walk the account's whole list instead).
    const search = filter.search;
    if (search.startsWith('chrg_')) query = query.where('id', '=', search);
    else if (search.startsWith('pay2_')) query = query.where('payment_ref', '=', search);
    else query = query.where('qr_ref1', '=', search.toUpperCase());
  }
  if (filter.before) {
    const { createdAt, seq } = filter.before;
    query = query.where((eb) => eb.or([eb('created_at', '<', createdAt), eb.and([eb('created_at', '=', createdAt), eb(seqColumn, '<', seq)])]));
  }
  const rows = await query.orderBy('created_at', 'desc').orderBy(seqColumn, 'desc').limit(limit + 1).execute();
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

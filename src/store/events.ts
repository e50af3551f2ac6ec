/** Events: written alone, in batches, or with the rows they are about; read by id and listed. */
import type { Kysely } from 'kysely';
import type { DailyTotalsDelta } from '../domain/daily-totals.js';
import { eventListDeliveriesMax } from '../domain/limits.js';
import { findChargesByIds, findSourcesByIds, insertCharge, insertSource } from './charges.js';
import { addToBalance, addToDailyTotals } from './batch-sums.js';
import { dialectOf } from './dialect.js';
import { listPage, type ListWindow, type Page } from './lists.js';
import { preparedInsert, preparedQuery } from './prepared.js';
import { rowsByKey } from './row-maps.js';
import { balanceMove, checkedPosting, insertPosting } from './ledger.js';
import { findRefundsByIds, insertRefund, refundsOfCharges } from './refunds.js';
import type { ChargeRow, DB, EventRow, RefundRow, SourceRow, TransactionRow, WebhookDelivery } from './schema.js';
import { inScope, type Scope } from './scope.js';
import { seqOfOne, withSeq } from './sequence.js';
import { eventTargets, eventTargetsFrom, type EventTargets, listDeliveriesOfEvents, selectTargets, type TargetRow } from './webhooks.js';

export async function insertEvent(db: Kysely<DB>, event: EventRow): Promise<void> {
  await preparedInsert(db, 'events', event, await seqOfOne(db, 'events'));
}

export async function insertEvents(db: Kysely<DB>, events: EventRow[]): Promise<void> {
  if (events.length === 1) return insertEvent(db, events[0]);
  const rows = await withSeq(db, 'events', events);
  // Stay well under SQLite's bound-parameter limit: 10 columns a row.
  for (let start = 0; start < rows.length; start += 500) {
    await db.insertInto('events').values(rows.slice(start, start + 500)).execute();
  }
}

/**
 * Rows written together with an event: the charge it is about when new, that charge's new source,
 * a new refund, what the change adds to its days' totals, and the ledger posting it makes. The totals
 * and the balance the posting moves are added up and written at the commit (store/batch-sums.ts).
 */
export interface WrittenWithEvent {
  source?: SourceRow;
  charge?: ChargeRow;
  refund?: RefundRow;
  totals?: DailyTotalsDelta[];
  posting?: TransactionRow;
}

/**
 * Inserts an event, with the rows it goes with, and returns its account's enabled
 * webhook endpoints and listeners (where the event is to be delivered). On PostgreSQL that is
 * one statement (data-modifying CTEs: one round trip, all or nothing); on SQLite, where a
 * statement costs no round trip, the same inserts and the read one after another.
 */
export async function insertEventWith(db: Kysely<DB>, event: EventRow, rows: WrittenWithEvent = {}): Promise<EventTargets> {
  const scope = { accountId: event.account_id, livemode: event.livemode };
  // Added up and written at the commit (store/batch-sums.ts), on either database.
  if (rows.totals) addToDailyTotals(db, rows.totals);
  if (rows.posting) addToBalance(db, balanceMove(rows.posting));
  if (!dialectOf(db).writesInOneStatement) {
    if (rows.source) await insertSource(db, rows.source);
    if (rows.charge) await insertCharge(db, rows.charge);
    if (rows.refund) await insertRefund(db, rows.refund);
    await insertEvent(db, event);
    if (rows.posting) await insertPosting(db, rows.posting);
    return eventTargets(db, scope);
  }
  const parts: Array<[table: WrittenTable, row: Record<string, unknown>]> = [];
  if (rows.source) parts.push(['sources', rows.source]);
  if (rows.charge) parts.push(['charges', rows.charge]);
  if (rows.refund) parts.push(['refunds', rows.refund]);
  parts.push(['events', event]);
  if (rows.posting) parts.push(['transactions', checkedPosting(rows.posting)]);
  const args: Record<string, unknown> = { ...scope };
  for (const [index, [, row]] of parts.entries()) for (const column of Object.keys(row)) args[`${index}_${column}`] = row[column];
  const key = `insertEventWith ${parts.map(([table, row]) => `${table}(${Object.keys(row).join(',')})`).join(' ')}`;
  let statement = insertEventWithStatements.get(key);
  if (statement === undefined) insertEventWithStatements.set(key, (statement = insertEventWithStatement(key, parts)));
  return eventTargetsFrom(await statement(db, args));
}

type EventWithStatement = (db: Kysely<DB>, args: Record<string, unknown>) => Promise<TargetRow[]>;
/** One statement function per shape of write (which tables, which columns), made at its first use. */
const insertEventWithStatements = new Map<string, EventWithStatement>();

type WrittenTable = 'sources' | 'charges' | 'refunds' | 'events' | 'transactions';

function insertEventWithStatement(key: string, parts: Array<[table: WrittenTable, row: Record<string, unknown>]>): EventWithStatement {
  return preparedQuery<Record<string, unknown>, TargetRow>(key, (qb, p) => {
    let query = qb as unknown as Kysely<any>;
    for (const [index, [table, row]] of parts.entries()) {
      const values = Object.fromEntries(Object.keys(row).map((column) => [column, p[`${index}_${column}`]]));
      query = query.with(`written_${index}`, (cte) => cte.insertInto(table).values(values)) as unknown as Kysely<any>;
    }
    return selectTargets(query as unknown as Kysely<DB>, { accountId: p.accountId as string, livemode: p.livemode as number }, qb);
  });
}

/** Events by id, whatever their account (the webhook dispatcher's batch load: each job names its event). */
export async function findEventsByIds(db: Kysely<DB>, ids: string[]): Promise<Map<string, EventRow>> {
  if (ids.length === 0) return new Map();
  return rowsByKey(await db.selectFrom('events').selectAll().where('id', 'in', ids).execute(), 'id');
}

export async function findEvent(db: Kysely<DB>, scope: Scope, id: string): Promise<EventRow | undefined> {
  return inScope(await db.selectFrom('events').selectAll().where('id', '=', id).executeTakeFirst(), scope);
}

/**
 * An event, locked until the transaction ends on PostgreSQL: a test-data reset deleting it
 * waits for this transaction (and then deletes what it wrote too), or this read waits for
 * the reset and finds nothing. SQLite has one writer: a plain read.
 */
export async function findEventLocked(db: Kysely<DB>, scope: Scope, id: string): Promise<EventRow | undefined> {
  const query = dialectOf(db).lock(db.selectFrom('events').selectAll().where('id', '=', id));
  return inScope(await query.executeTakeFirst(), scope);
}

export function listEvents(db: Kysely<DB>, scope: Scope, window: ListWindow, chargeId?: string): Promise<Page<EventRow>> {
  return listPage(db, 'events', scope, window, { chargeId });
}

/**
 * Which webhook delivery attempts are loaded with events: none (the body a webhook sends,
 * `"webhook_deliveries": []`, as Omise's), all of them (one event), or each event's most
 * recent (lists, DECISIONS §10: a list's size stays bounded however many attempts piled up).
 */
export type DeliveriesShown = 'none' | 'all' | 'recent';

/** The rows events are rendered from, besides their own: what each is about, and its delivery attempts. */
export interface EventRelations {
  charges: Map<string, ChargeRow>;
  sources: Map<string, SourceRow>;
  refunds: Map<string, RefundRow>;
  /** Each charge's refunds in the order they were applied. */
  refundsByCharge: Map<string, RefundRow[]>;
  deliveries: Map<string, WebhookDelivery[]>;
}

/** Loads what `events` are rendered from: a few queries for them all, however many there are. */
export async function loadEventRelations(db: Kysely<DB>, events: EventRow[], shown: DeliveriesShown): Promise<EventRelations> {
  const deliveries =
    shown === 'none' ? new Map<string, WebhookDelivery[]>() : await listDeliveriesOfEvents(db, events.map((event) => event.id), shown === 'recent' ? eventListDeliveriesMax : undefined);
  const refunds = await findRefundsByIds(db, events.filter((event) => event.object_type === 'refund').map((event) => event.object_id));
  const charges = await findChargesByIds(db, [...new Set(events.filter((event) => event.object_type === 'charge').map((event) => event.object_id))]);
  const sources = await findSourcesByIds(db, [...new Set([...charges.values()].map((charge) => charge.source_id))]);
  const refundsByCharge = await refundsOfCharges(db, [...charges.values()].filter((charge) => charge.refund_count > 0).map((charge) => charge.id));
  return { charges, sources, refunds, refundsByCharge, deliveries };
}

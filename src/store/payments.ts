import type { Kysely, Selectable } from 'kysely';
import { dialectOf } from './dialect.js';
import { groupBy, indexBy } from './group.js';
import { hotInsert, hotQuery } from './hot.js';
import { seqColumn, seqOfOne, withSeq } from './sequence.js';
import type { ChargeRow, ChargeTable, DB, EventRow, RefundRow, SourceRow } from './schema.js';
import { enabledEndpointTargets, type EndpointTarget } from './webhooks.js';

/** Which account and mode an object belongs to: every read is scoped by it. */
export interface Scope {
  accountId: string;
  livemode: number;
}

export interface ListWindow {
  fromMs: number;
  toMs: number;
  offset: number;
  limit: number;
  order: 'chronological' | 'reverse_chronological';
}

export interface Page<T> {
  rows: T[];
  total: number;
}

export async function insertSource(db: Kysely<DB>, source: SourceRow): Promise<void> {
  await hotInsert(db, 'sources', source);
}

/**
 * Point reads take the row by its primary key alone and check the scope here: with the
 * scope in SQL, PostgreSQL may plan an account index instead (it does on a table not yet
 * analyzed) and walk every row of the account to find one.
 */
export function inScope<T extends { account_id: string; livemode: number }>(row: T | undefined, scope: Scope): T | undefined {
  return row !== undefined && row.account_id === scope.accountId && row.livemode === scope.livemode ? row : undefined;
}

const selectSource = hotQuery<{ id: string }, SourceRow>('findSource', (db, p) => db.selectFrom('sources').selectAll().where('id', '=', p.id));

export async function findSource(db: Kysely<DB>, scope: Scope, id: string): Promise<SourceRow | undefined> {
  return inScope((await selectSource(db, { id }))[0], scope);
}

export async function insertCharge(db: Kysely<DB>, charge: ChargeRow): Promise<void> {
  await hotInsert(db, 'charges', charge, await seqOfOne(db, 'charges'));
}

const selectCharge = hotQuery<{ id: string }, ChargeRow>('findCharge', (db, p) => db.selectFrom('charges').selectAll().where('id', '=', p.id));

export async function findCharge(db: Kysely<DB>, scope: Scope, id: string): Promise<ChargeRow | undefined> {
  return inScope((await selectCharge(db, { id }))[0], scope);
}

const selectChargeBySource = hotQuery<{ sourceId: string }, ChargeRow>('findChargeBySource', (db, p) =>
  db.selectFrom('charges').selectAll().where('source_id', '=', p.sourceId),
);

export async function findChargeBySource(db: Kysely<DB>, sourceId: string): Promise<ChargeRow | undefined> {
  return (await selectChargeBySource(db, { sourceId }))[0];
}

/** The charge whose QR download this is, by id, document and capability token. */
export async function findChargeForDownload(db: Kysely<DB>, chargeId: string, documentId: string, token: string): Promise<ChargeRow | undefined> {
  return db
    .selectFrom('charges')
    .selectAll()
    .where('id', '=', chargeId)
    .where('document_id', '=', documentId)
    .where('download_token', '=', token)
    .executeTakeFirst();
}

/** A charge with its source, the two rows every charge rendering needs. */
export interface ChargeWithSource {
  charge: ChargeRow;
  source: SourceRow;
  /** Its refunds, oldest first (none are looked up while refund_count is 0). */
  refunds?: RefundRow[];
}

const sourceColumns = [
  'id', 'account_id', 'livemode', 'type', 'amount', 'currency', 'flow', 'ip', 'email', 'name', 'mobile_number', 'phone_number', 'platform_type', 'created_at',
] as const satisfies ReadonlyArray<keyof SourceRow>;
const sourcePrefix = 'source__';

const selectChargeWithSource = hotQuery<{ id: string }, Record<string, unknown> & { account_id: string; livemode: number }>('findChargeWithSource', (db, p) =>
  db
    .selectFrom('charges')
    .innerJoin('sources', 'sources.id', 'charges.source_id')
    .selectAll('charges')
    .select(sourceColumns.map((column) => `sources.${column} as ${sourcePrefix}${column}` as `sources.${typeof column}`))
    .where('charges.id', '=', p.id),
);

/** A charge and its source in one query (one round trip on PostgreSQL). */
export async function findChargeWithSource(db: Kysely<DB>, scope: Scope, id: string): Promise<ChargeWithSource | undefined> {
  const row = inScope((await selectChargeWithSource(db, { id }))[0], scope);
  if (!row) return undefined;
  const charge: Record<string, unknown> = {};
  const source: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(row)) {
    if (column.startsWith(sourcePrefix)) source[column.slice(sourcePrefix.length)] = value;
    else charge[column] = value;
  }
  const found = { charge: charge as ChargeRow, source: source as SourceRow };
  return { ...found, refunds: found.charge.refund_count > 0 ? ((await refundsOfCharges(db, [id])).get(id) ?? []) : [] };
}

export async function findSourcesByIds(db: Kysely<DB>, ids: string[]): Promise<Map<string, SourceRow>> {
  if (ids.length === 0) return new Map();
  return indexBy(await db.selectFrom('sources').selectAll().where('id', 'in', ids).execute(), 'id');
}

export async function updateChargeFields(
  db: Kysely<DB>,
  scope: Scope,
  id: string,
  fields: Partial<Pick<ChargeTable, 'description' | 'metadata' | 'updated_at'>>,
): Promise<boolean> {
  const result = await db
    .updateTable('charges')
    .set(fields)
    .where('id', '=', id)
    .where('account_id', '=', scope.accountId)
    .where('livemode', '=', scope.livemode)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Tables listed the Omise way: one account and mode, by creation time, with a total. */
type ListedTable = 'charges' | 'events' | 'transactions' | 'refunds';

/**
 * One page of a list (omise-api.md §10): rows created within [from, to], in creation
 * order (then id), offset and limit applied in SQL, and how many rows the window holds.
 */
export async function listPage<T extends ListedTable>(
  db: Kysely<DB>,
  table: T,
  scope: Scope,
  window: ListWindow,
  where: { chargeId?: string } = {},
): Promise<Page<Selectable<DB[T]>>> {
  // The three tables share these columns; Kysely cannot see that through a type parameter.
  let base = (db as Kysely<any>)
    .selectFrom(table as string)
    .where('account_id', '=', scope.accountId)
    .where('livemode', '=', scope.livemode)
    .where('created_at', '>=', window.fromMs)
    .where('created_at', '<=', window.toMs);
  if (where.chargeId !== undefined) base = base.where('charge_id', '=', where.chargeId);
  const direction = window.order === 'chronological' ? 'asc' : 'desc';
  const [rows, count] = await Promise.all([
    base.selectAll().orderBy('created_at', direction).orderBy(seqColumn, direction).limit(window.limit).offset(window.offset).execute(),
    base.select((eb: any) => eb.fn.countAll().as('total')).executeTakeFirstOrThrow() as Promise<{ total: number | string }>,
  ]);
  return { rows: rows as Selectable<DB[T]>[], total: Number(count.total) };
}

export function listCharges(db: Kysely<DB>, scope: Scope, window: ListWindow): Promise<Page<ChargeRow>> {
  return listPage(db, 'charges', scope, window);
}

export async function insertEvent(db: Kysely<DB>, event: EventRow): Promise<void> {
  await hotInsert(db, 'events', event, await seqOfOne(db, 'events'));
}

/** Rows written together with an event: the charge it is about when new, and that charge's new source. */
export interface WrittenWithEvent {
  source?: SourceRow;
  charge?: ChargeRow;
}

/**
 * Inserts an event, with the new rows it goes with, and returns its account's enabled
 * webhook endpoints (where the event is to be delivered). On PostgreSQL that is
 * one statement (data-modifying CTEs: one round trip, all or nothing); on SQLite, where a
 * statement costs no round trip, the same inserts and the read one after another.
 */
export async function insertEventWith(db: Kysely<DB>, event: EventRow, rows: WrittenWithEvent = {}): Promise<EndpointTarget[]> {
  const scope = { accountId: event.account_id, livemode: event.livemode };
  if (!dialectOf(db).writesInOneStatement) {
    if (rows.source) await insertSource(db, rows.source);
    if (rows.charge) await insertCharge(db, rows.charge);
    await insertEvent(db, event);
    return enabledEndpointTargets(db, scope);
  }
  const parts: Array<[table: 'sources' | 'charges' | 'events', row: Record<string, unknown>]> = [];
  if (rows.source) parts.push(['sources', rows.source]);
  if (rows.charge) parts.push(['charges', rows.charge]);
  parts.push(['events', event]);
  const args: Record<string, unknown> = { ...scope };
  for (const [index, [, row]] of parts.entries()) for (const column of Object.keys(row)) args[`${index}_${column}`] = row[column];
  const key = `insertEventWith ${parts.map(([table, row]) => `${table}(${Object.keys(row).join(',')})`).join(' ')}`;
  let statement = insertEventWithStatements.get(key);
  if (statement === undefined) insertEventWithStatements.set(key, (statement = insertEventWithStatement(key, parts)));
  return statement(db, args);
}

type EventWithStatement = (db: Kysely<DB>, args: Record<string, unknown>) => Promise<EndpointTarget[]>;
/** One statement function per shape of write (which tables, which columns), made at its first use. */
const insertEventWithStatements = new Map<string, EventWithStatement>();

function insertEventWithStatement(key: string, parts: Array<[table: 'sources' | 'charges' | 'events', row: Record<string, unknown>]>): EventWithStatement {
  return hotQuery<Record<string, unknown>, EndpointTarget>(key, (qb, p) => {
    let query = qb as unknown as Kysely<any>;
    for (const [index, [table, row]] of parts.entries()) {
      const values = Object.fromEntries(Object.keys(row).map((column) => [column, p[`${index}_${column}`]]));
      query = query.with(`written_${index}`, (cte) => cte.insertInto(table).values(values)) as unknown as Kysely<any>;
    }
    return (query as unknown as Kysely<DB>)
      .selectFrom('webhook_endpoints')
      .select(['id', 'url'])
      .where('account_id', '=', p.accountId as string)
      .where('livemode', '=', p.livemode as number)
      .where('enabled', '=', 1);
  });
}

/** Events by id, whatever their account (the webhook dispatcher's batch load: each job names its event). */
export async function findEventsByIds(db: Kysely<DB>, ids: string[]): Promise<Map<string, EventRow>> {
  if (ids.length === 0) return new Map();
  return indexBy(await db.selectFrom('events').selectAll().where('id', 'in', ids).execute(), 'id');
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

/** Fields a terminal transition writes. */
export type ChargeTransition = Partial<
  Pick<ChargeTable, 'status' | 'funding_source' | 'failure_code' | 'failure_message' | 'transaction_id' | 'paid_at' | 'authorized_at' | 'expires_at' | 'expired_at' | 'updated_at'>
>;

/**
 * Compare-and-set: moves a pending charge to a terminal state. Returns false when the
 * charge was not pending (or, with `unexpiredAtMs`, already past its deadline), so of
 * racing callers exactly one wins.
 */
export async function transitionPendingCharge(db: Kysely<DB>, scope: Scope, id: string, fields: ChargeTransition, unexpiredAtMs?: number): Promise<boolean> {
  let query = db
    .updateTable('charges')
    .set(fields)
    .where('id', '=', id)
    .where('account_id', '=', scope.accountId)
    .where('livemode', '=', scope.livemode)
    .where('status', '=', 'pending');
  if (unexpiredAtMs !== undefined) query = query.where('expires_at', '>', unexpiredAtMs);
  const result = await query.executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/** Which deadlines are due: all charges by the wall clock, or one account and mode by its own clock. */
export type DueFilter = { nowMs: number; scope?: Scope };

/** What the sweep needs of each charge it expired: enough to write its event. */
export type ExpiredCharge = Pick<ChargeRow, 'id' | 'account_id' | 'livemode' | 'expires_at' | 'webhook_endpoints'> & ChargeSnapshotFields;
type ChargeSnapshotFields = Pick<
  ChargeRow,
  | 'status'
  | 'description'
  | 'metadata'
  | 'funding_source'
  | 'failure_code'
  | 'failure_message'
  | 'transaction_id'
  | 'paid_at'
  | 'authorized_at'
  | 'expired_at'
  | 'refunded_amount'
  | 'voided_amount'
  | 'refund_count'
>;

/**
 * Claims up to `limit` pending charges whose deadline has passed (oldest first) and
 * expires them at that deadline (expired_at = expires_at, however late the sweep runs),
 * in one statement. It reads the partial index of pending charges only, so charges not
 * yet due are never touched; on PostgreSQL it skips rows another process holds.
 */
export async function expireDueChargeRows(db: Kysely<DB>, due: DueFilter, limit: number): Promise<ExpiredCharge[]> {
  let claim = db.selectFrom('charges').select('id').where('status', '=', 'pending').where('expires_at', '<=', due.nowMs);
  if (due.scope) claim = claim.where('account_id', '=', due.scope.accountId).where('livemode', '=', due.scope.livemode);
  claim = dialectOf(db).claim(claim.orderBy('expires_at').limit(limit));
  return db
    .updateTable('charges')
    .set((eb) => ({ status: 'expired', expired_at: eb.ref('expires_at'), updated_at: due.nowMs }))
    .where('id', 'in', claim)
    .where('status', '=', 'pending')
    // Only what the event needs: returning every column costs more than the update itself.
    .returning([
      'id', 'account_id', 'livemode', 'expires_at', 'status', 'description', 'metadata', 'funding_source',
      'failure_code', 'failure_message', 'transaction_id', 'paid_at', 'authorized_at', 'expired_at', 'webhook_endpoints',
      'refunded_amount', 'voided_amount', 'refund_count',
    ])
    .execute();
}

export async function findChargesByIds(db: Kysely<DB>, ids: string[]): Promise<Map<string, ChargeRow>> {
  if (ids.length === 0) return new Map();
  return indexBy(await db.selectFrom('charges').selectAll().where('id', 'in', ids).execute(), 'id');
}

export async function insertEvents(db: Kysely<DB>, events: EventRow[]): Promise<void> {
  const rows = await withSeq(db, 'events', events);
  // Stay well under SQLite's bound-parameter limit: 10 columns a row.
  for (let start = 0; start < rows.length; start += 500) {
    await db.insertInto('events').values(rows.slice(start, start + 500)).execute();
  }
}

/** Deletes an account's test-mode objects (DECISIONS §8); returns how many charges went. */
export async function deleteTestData(db: Kysely<DB>, accountId: string): Promise<number> {
  const charges = await db.deleteFrom('charges').where('account_id', '=', accountId).where('livemode', '=', 0).executeTakeFirst();
  for (const table of ['sources', 'events', 'transactions', 'balances', 'idempotency_keys'] as const) {
    await db.deleteFrom(table).where('account_id', '=', accountId).where('livemode', '=', 0).execute();
  }
  for (const table of ['refunds', 'webhook_jobs', 'webhook_deliveries'] as const) {
    await db.deleteFrom(table).where('account_id', '=', accountId).where('livemode', '=', 0).execute();
  }
  return Number(charges.numDeletedRows);
}

// ---------------------------------------------------------------- refunds

export async function insertRefund(db: Kysely<DB>, refund: RefundRow): Promise<void> {
  await hotInsert(db, 'refunds', refund, await seqOfOne(db, 'refunds'));
}

export async function findRefund(db: Kysely<DB>, scope: Scope, id: string): Promise<RefundRow | undefined> {
  return inScope(await db.selectFrom('refunds').selectAll().where('id', '=', id).executeTakeFirst(), scope);
}

export async function findRefundsByIds(db: Kysely<DB>, ids: string[]): Promise<Map<string, RefundRow>> {
  if (ids.length === 0) return new Map();
  return indexBy(await db.selectFrom('refunds').selectAll().where('id', 'in', ids).execute(), 'id');
}

/** The refunds of these charges in the order they were applied (a charge has at most 15). */
export async function refundsOfCharges(db: Kysely<DB>, chargeIds: string[]): Promise<Map<string, RefundRow[]>> {
  if (chargeIds.length === 0) return new Map();
  return groupBy(await db.selectFrom('refunds').selectAll().where('charge_id', 'in', chargeIds).orderBy('created_at').orderBy(seqColumn).execute(), 'charge_id');
}

export function listRefunds(db: Kysely<DB>, scope: Scope, window: ListWindow, chargeId?: string): Promise<Page<RefundRow>> {
  return listPage(db, 'refunds', scope, window, { chargeId });
}

/**
 * Adds a refund to its charge, guarded in SQL as well as in the rules: the charge must be
 * successful, still have exactly the refunded sum and count the caller decided on, and the
 * new sum must not pass the amount. Returns false when another refund got there first.
 */
export async function addRefundToCharge(
  db: Kysely<DB>,
  scope: Scope,
  id: string,
  seen: { refundedAmount: number; refundCount: number },
  refund: { amount: number; voided: boolean; atMs: number },
): Promise<boolean> {
  const result = await db
    .updateTable('charges')
    .set((eb) => ({
      refunded_amount: eb('refunded_amount', '+', refund.amount),
      voided_amount: eb('voided_amount', '+', refund.voided ? refund.amount : 0),
      refund_count: eb('refund_count', '+', 1),
      updated_at: refund.atMs,
    }))
    .where('id', '=', id)
    .where('account_id', '=', scope.accountId)
    .where('livemode', '=', scope.livemode)
    .where('status', '=', 'successful')
    .where('refunded_amount', '=', seen.refundedAmount)
    .where('refund_count', '=', seen.refundCount)
    .where((eb) => eb(eb('refunded_amount', '+', refund.amount), '<=', eb.ref('amount')))
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

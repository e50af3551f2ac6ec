/**
 * Sources and charges: written, read by id (scope checked on the row), transitioned by
 * compare-and-set, expired in batches, and their refund totals moved with each refund.
 */
import type { Expression, ExpressionBuilder, Kysely, SqlBool } from 'kysely';
import { dialectOf } from './dialect.js';
import { listPage, type ListWindow, type Page } from './lists.js';
import { preparedInsert, preparedQuery } from './prepared.js';
import { refundsOfCharges } from './refunds.js';
import { rowsByKey } from './row-maps.js';
import type { ChargeRow, ChargeTable, DB, RefundRow, SourceRow } from './schema.js';
import { checkedOnTheRow, type DueFilter, inScope, type Scope } from './scope.js';
import { seqOfOne } from './sequence.js';

export async function insertSource(db: Kysely<DB>, source: SourceRow): Promise<void> {
  await preparedInsert(db, 'sources', source);
}

const selectSource = preparedQuery<{ id: string }, SourceRow>('findSource', (db, p) => db.selectFrom('sources').selectAll().where('id', '=', p.id));

export async function findSource(db: Kysely<DB>, scope: Scope, id: string): Promise<SourceRow | undefined> {
  return inScope((await selectSource(db, { id }))[0], scope);
}

export async function insertCharge(db: Kysely<DB>, charge: ChargeRow): Promise<void> {
  const seq = await seqOfOne(db, 'charges');
  await preparedInsert(db, 'charges', charge, seq);
  // Queued for SQLite's full-text index beside the charge (migration 0021; nothing on PostgreSQL).
  await dialectOf(db).textIndex.queueNew(db, seq.seq);
}

const selectCharge = preparedQuery<{ id: string }, ChargeRow>('findCharge', (db, p) => db.selectFrom('charges').selectAll().where('id', '=', p.id));

export async function findCharge(db: Kysely<DB>, scope: Scope, id: string): Promise<ChargeRow | undefined> {
  return inScope((await selectCharge(db, { id }))[0], scope);
}

const selectChargeBySource = preparedQuery<{ sourceId: string }, ChargeRow>('findChargeBySource', (db, p) =>
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

const selectChargeWithSource = preparedQuery<{ id: string }, Record<string, unknown> & { account_id: string; livemode: number }>('findChargeWithSource', (db, p) =>
  db
    .selectFrom('charges')
    .innerJoin('sources', 'sources.id', 'charges.source_id')
    .selectAll('charges')
    .select(sourceColumns.map((column) => `sources.${column} as ${sourcePrefix}${column}` as `sources.${typeof column}`))
    .where('charges.id', '=', p.id),
);

/**
 * A charge and its source in one query (one round trip on PostgreSQL), and its refunds. On SQLite's
 * reader it comes from memory while nothing was committed since it was read (a charge polled for its
 * status): frozen, shared by every caller.
 */
export async function findChargeWithSource(db: Kysely<DB>, scope: Scope, id: string): Promise<ChargeWithSource | undefined> {
  const found = await dialectOf(db).readThrough(db, `charge ${id}`, () => readChargeWithSource(db, id));
  return found !== undefined && inScope(found.charge, scope) ? found : undefined;
}

async function readChargeWithSource(db: Kysely<DB>, id: string): Promise<ChargeWithSource | undefined> {
  const row = (await selectChargeWithSource(db, { id }))[0];
  if (!row) return undefined;
  const { charge, source } = splitterFor(row)(row);
  return { charge, source, refunds: charge.refund_count > 0 ? ((await refundsOfCharges(db, [id])).get(id) ?? []) : [] };
}

type Splitter = (row: Record<string, unknown>) => { charge: ChargeRow; source: SourceRow };
const splitters = new Map<string, Splitter>();

/**
 * What splits a joined row into its charge and its source, made once per set of columns: two
 * object literals with their keys written out, so every charge read has one fast shape (copying
 * 45 columns key by key into `{}` cost 5 % of a GET /charges/:id). The names are the database's
 * column names, quoted as JSON.
 */
function splitterFor(row: Record<string, unknown>): Splitter {
  const columns = Object.keys(row);
  const key = columns.join(',');
  let split = splitters.get(key);
  if (split === undefined) {
    const literal = (pairs: Array<[string, string]>) => `{ ${pairs.map(([name, column]) => `${JSON.stringify(name)}: row[${JSON.stringify(column)}]`).join(', ')} }`;
    const chargePairs = columns.filter((column) => !column.startsWith(sourcePrefix)).map((column): [string, string] => [column, column]);
    const sourcePairs = columns.filter((column) => column.startsWith(sourcePrefix)).map((column): [string, string] => [column.slice(sourcePrefix.length), column]);
    split = new Function('row', `return { charge: ${literal(chargePairs)}, source: ${literal(sourcePairs)} };`) as Splitter;
    splitters.set(key, split);
  }
  return split;
}

export async function findSourcesByIds(db: Kysely<DB>, ids: string[]): Promise<Map<string, SourceRow>> {
  if (ids.length === 0) return new Map();
  return rowsByKey(await db.selectFrom('sources').selectAll().where('id', 'in', ids).execute(), 'id');
}

/** A charge write's check on the row its id found: the scope's, and `conditions` (checkedOnTheRow). */
function ofScopeAnd(eb: ExpressionBuilder<DB, 'charges'>, scope: Scope, conditions: Array<Expression<SqlBool>> = []) {
  return checkedOnTheRow(eb.and([eb('account_id', '=', scope.accountId), eb('livemode', '=', scope.livemode), ...conditions]));
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
    .where((eb) => ofScopeAnd(eb, scope))
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export function listCharges(db: Kysely<DB>, scope: Scope, window: ListWindow): Promise<Page<ChargeRow>> {
  return listPage(db, 'charges', scope, window);
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
  const result = await db
    .updateTable('charges')
    .set(fields)
    .where('id', '=', id)
    .where((eb) => ofScopeAnd(eb, scope, [eb('status', '=', 'pending'), ...(unexpiredAtMs === undefined ? [] : [eb('expires_at', '>', unexpiredAtMs)])]))
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}


/** What the sweep needs of each charge it expired: enough to write its event. */
export type ExpiredCharge = Pick<ChargeRow, 'id' | 'account_id' | 'livemode' | 'amount' | 'created_at' | 'expires_at' | 'webhook_endpoints'> & ChargeSnapshotFields;
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
      'id', 'account_id', 'livemode', 'amount', 'created_at', 'expires_at', 'status', 'description', 'metadata', 'funding_source',
      'failure_code', 'failure_message', 'transaction_id', 'paid_at', 'authorized_at', 'expired_at', 'webhook_endpoints',
      'refunded_amount', 'voided_amount', 'refund_count',
    ])
    .execute();
}

/** What the scripted-outcome job needs of each due charge: its outcome, and what the rules read. */
export type DueOutcomeCharge = Pick<
  ChargeRow,
  'id' | 'account_id' | 'livemode' | 'status' | 'expires_at' | 'expired_at' | 'scripted_outcome' | 'scripted_funding_source'
>;

/**
 * Claims up to `limit` charges whose scripted outcome is due (soonest first) and drops their outcome, so
 * it is applied once: the caller applies it (or leaves the charge alone) in the same transaction. It
 * reads the partial index of charges with an outcome waiting, so other charges are never touched; on
 * PostgreSQL it skips rows another process holds, and a row claimed and committed meanwhile is no longer due.
 */
export async function claimDueOutcomes(db: Kysely<DB>, due: DueFilter, limit: number): Promise<DueOutcomeCharge[]> {
  let claim = db
    .selectFrom('charges')
    .select(['id', 'account_id', 'livemode', 'status', 'expires_at', 'expired_at', 'scripted_outcome', 'scripted_funding_source'])
    .where('scripted_outcome_due_at', 'is not', null)
    .where('scripted_outcome_due_at', '<=', due.nowMs);
  if (due.scope) claim = claim.where('account_id', '=', due.scope.accountId).where('livemode', '=', due.scope.livemode);
  const claimed = await dialectOf(db).claim(claim.orderBy('scripted_outcome_due_at').limit(limit)).execute();
  if (claimed.length > 0) {
    await db
      .updateTable('charges')
      .set({ scripted_outcome: null, scripted_outcome_due_at: null, scripted_funding_source: null })
      .where('id', 'in', claimed.map((charge) => charge.id))
      .execute();
  }
  return claimed;
}

export async function findChargesByIds(db: Kysely<DB>, ids: string[]): Promise<Map<string, ChargeRow>> {
  if (ids.length === 0) return new Map();
  return rowsByKey(await db.selectFrom('charges').selectAll().where('id', 'in', ids).execute(), 'id');
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
    .where((eb) =>
      ofScopeAnd(eb, scope, [
        eb('status', '=', 'successful'),
        eb('refunded_amount', '=', seen.refundedAmount),
        eb('refund_count', '=', seen.refundCount),
        eb(eb('refunded_amount', '+', refund.amount), '<=', eb.ref('amount')),
      ]),
    )
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}


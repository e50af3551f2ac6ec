/**
 * The dashboard's reads of money over time: the transactions page (keyset pages, newest first)
 * and the rows of a CSV export, read in keyset batches oldest first so a year of charges is never
 * in memory at once (web/dashboard/money.ts streams each batch out before reading the next).
 */
import type { Kysely } from 'kysely';
import type { ChargeRow, DB, RefundRow, TransactionRow } from './schema.js';
import type { Scope } from './scope.js';

/** A keyset position: (created_at, seq). */
export interface Cursor {
  createdAt: number;
  seq: number;
}

/** A transaction as the dashboard lists it: with the charge its money moved for (a refund's charge). */
export type TransactionListRow = TransactionRow & { seq: number; charge_id: string | null };

/**
 * One page of an account and mode's transactions, newest first, strictly older than `before`;
 * up to limit + 1 rows (the extra one says there is more). A refund's transaction carries its charge.
 */
export async function listTransactionsForDashboard(db: Kysely<DB>, scope: Scope, before: Cursor | undefined, limit: number): Promise<TransactionListRow[]> {
  let query = (db as Kysely<any>)
    .selectFrom('transactions')
    .leftJoin('refunds', 'refunds.id', 'transactions.origin')
    .selectAll('transactions')
    .select(['transactions.seq as seq', 'refunds.charge_id as refund_charge_id'])
    .where('transactions.account_id', '=', scope.accountId)
    .where('transactions.livemode', '=', scope.livemode);
  if (before) {
    query = query.where((eb: any) =>
      eb.or([eb('transactions.created_at', '<', before.createdAt), eb.and([eb('transactions.created_at', '=', before.createdAt), eb('transactions.seq', '<', before.seq)])]),
    );
  }
  const rows = await query.orderBy('transactions.created_at', 'desc').orderBy('transactions.seq', 'desc').limit(limit + 1).execute();
  return rows.map(({ refund_charge_id, ...row }: any) => ({
    ...row,
    seq: Number(row.seq),
    charge_id: refund_charge_id ?? (String(row.origin).startsWith('chrg_') ? row.origin : null),
  }));
}

/**
 * The columns each export reads: only what its CSV writes (a charge row has 45 columns, the export
 * uses 19), so a batch in flight stays small.
 */
const exportColumns = {
  charges: [
    'id', 'created_at', 'seq', 'status', 'amount', 'refunded_amount', 'voided_amount', 'fee', 'fee_vat', 'net', 'funding_source', 'paid_at',
    'failure_code', 'payment_ref', 'qr_ref1', 'transaction_id', 'description', 'metadata',
  ],
  refunds: ['id', 'created_at', 'seq', 'charge_id', 'voided', 'amount', 'transaction_id', 'metadata'],
  transactions: ['id', 'created_at', 'seq', 'direction', 'key', 'amount', 'origin', 'transferable_at'],
} as const satisfies { charges: ReadonlyArray<keyof ChargeRow | 'seq'>; refunds: ReadonlyArray<keyof RefundRow | 'seq'>; transactions: ReadonlyArray<keyof TransactionRow | 'seq'> };

/** A row as an export reads it (seq is the store's own column, outside the tables' types). */
type ExportRow<Row, Column> = Pick<Row, Exclude<Column, 'seq'> & keyof Row>;
export type ChargeExportRow = ExportRow<ChargeRow, (typeof exportColumns.charges)[number]>;
export type RefundExportRow = ExportRow<RefundRow, (typeof exportColumns.refunds)[number]>;
export type TransactionExportRow = ExportRow<TransactionRow, (typeof exportColumns.transactions)[number]>;
type ExportTable = keyof typeof exportColumns;

/** Rows of one table created in [fromMs, toMs), oldest first, strictly after `after`; at most `limit`. */
async function batchAfter<T>(db: Kysely<DB>, table: ExportTable, scope: Scope, fromMs: number, toMs: number, after: Cursor | undefined, limit: number): Promise<T[]> {
  let query = (db as Kysely<any>)
    .selectFrom(table)
    .select(exportColumns[table].map((column) => `${table}.${column}`))
    .where(`${table}.account_id`, '=', scope.accountId)
    .where(`${table}.livemode`, '=', scope.livemode)
    .where(`${table}.created_at`, '>=', fromMs)
    .where(`${table}.created_at`, '<', toMs);
  if (after) {
    query = query.where((eb: any) => eb.or([eb(`${table}.created_at`, '>', after.createdAt), eb.and([eb(`${table}.created_at`, '=', after.createdAt), eb(`${table}.seq`, '>', after.seq)])]));
  }
  // The rows as the driver made them: a copy of each (`{ ...row }`) would double what a batch holds.
  return (await query.orderBy(`${table}.created_at`, 'asc').orderBy(`${table}.seq`, 'asc').limit(limit).execute()) as T[];
}

/** Every row of the range, batch by batch: the next batch is read only when the consumer asks for it. */
async function* inBatches<T>(db: Kysely<DB>, table: ExportTable, scope: Scope, fromMs: number, toMs: number, batchSize: number): AsyncGenerator<T> {
  let after: Cursor | undefined;
  for (;;) {
    let rows: T[] | undefined = await batchAfter<T>(db, table, scope, fromMs, toMs, after, batchSize);
    const count = rows.length;
    const last = rows[count - 1] as unknown as { created_at: number; seq: number | string } | undefined;
    if (last) after = { createdAt: Number(last.created_at), seq: Number(last.seq) };
    for (let i = 0; i < count; i++) {
      const row = rows[i];
      // Let go of each row once it is handed on, so a batch is garbage row by row as it streams.
      rows[i] = undefined as T;
      yield row;
    }
    rows = undefined;
    if (count < batchSize) return;
  }
}

export const exportBatchRows = 500;

export function chargesForExport(db: Kysely<DB>, scope: Scope, fromMs: number, toMs: number, batchSize = exportBatchRows): AsyncGenerator<ChargeExportRow> {
  return inBatches<ChargeExportRow>(db, 'charges', scope, fromMs, toMs, batchSize);
}

export function refundsForExport(db: Kysely<DB>, scope: Scope, fromMs: number, toMs: number, batchSize = exportBatchRows): AsyncGenerator<RefundExportRow> {
  return inBatches<RefundExportRow>(db, 'refunds', scope, fromMs, toMs, batchSize);
}

export function transactionsForExport(db: Kysely<DB>, scope: Scope, fromMs: number, toMs: number, batchSize = exportBatchRows): AsyncGenerator<TransactionExportRow> {
  return inBatches<TransactionExportRow>(db, 'transactions', scope, fromMs, toMs, batchSize);
}

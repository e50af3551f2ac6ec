/**
 * Insertion order. Ids sort by the second they were made in, no finer (DECISIONS §2), so every
 * table that is listed to people has a `seq` column: a number assigned inside the transaction
 * that writes the row, larger than that of every row written before it. Lists order by
 * (created_at, seq); a charge's refunds and events come out in the order they were applied.
 *
 * PostgreSQL assigns it itself (a sequence as the column default, migration 0007), so several
 * processes never wait on each other for it. SQLite has one writer at a time: the first row a
 * transaction writes to a table reads the table's largest seq (an index probe) and later rows of
 * the same transaction count on from it, so a group-commit batch reads it once per table.
 *
 * The application never reads seq; it only orders by it. It is not in the row types of
 * schema.ts, so rows built in code need not carry it.
 */
import { type Kysely, sql } from 'kysely';
import { dialectOf } from './dialect.js';
import type { DB } from './schema.js';

/** The tables migration 0007 gave a seq column. */
export const sequencedTables = [
  'charges',
  'events',
  'refunds',
  'transactions',
  'webhook_endpoints',
  'webhook_jobs',
  'webhook_deliveries',
  'audit_log',
] as const satisfies ReadonlyArray<keyof DB>;
/** The tables with a seq column: 0007's, and those made with one since. */
export type SequencedTable = (typeof sequencedTables)[number] | 'request_log';

/** The next seq of each table, per open SQLite transaction. */
const nextSeqByTransaction = new WeakMap<object, Map<SequencedTable, number>>();

/**
 * The rows as they are to be inserted: on SQLite with their seq, on PostgreSQL unchanged (the
 * column default assigns it). Must be called inside the transaction that inserts them.
 */
export async function withSeq<T extends object>(db: Kysely<DB>, table: SequencedTable, rows: T[]): Promise<T[]> {
  if (rows.length === 0 || dialectOf(db).assignsSeq) return rows;
  if (!db.isTransaction) throw new Error(`rows of ${table} must be inserted in a transaction`);
  let nextByTable = nextSeqByTransaction.get(db);
  if (!nextByTable) nextSeqByTransaction.set(db, (nextByTable = new Map()));
  let next = nextByTable.get(table);
  if (next === undefined) {
    const { rows: found } = await sql<{ last: number | null }>`select max(seq) as last from ${sql.table(table)}`.execute(db);
    next = Number(found[0]?.last ?? 0) + 1;
  }
  const numbered = rows.map((row, index) => ({ ...row, seq: next! + index }));
  nextByTable.set(table, next + rows.length);
  return numbered;
}

/**
 * The seq column of one new row, to insert beside it: `{seq}` on SQLite, `{}` on PostgreSQL
 * (the column default). Kept apart from the row rather than spread into a copy of it (see preparedInsert).
 */
export async function seqOfOne(db: Kysely<DB>, table: SequencedTable): Promise<{ seq?: number }> {
  const [numbered] = await withSeq(db, table, [{}]);
  return numbered;
}

/** The order of a sequenced table's rows (after created_at, where a list orders by time first). */
export const seqColumn = sql.ref<number>('seq');

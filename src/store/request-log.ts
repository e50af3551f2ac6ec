/**
 * The request log's rows (DECISIONS §10): written in batches after the replies, listed per account
 * with filters, read by seq for streams (every account's new rows), and pruned to a count per
 * account and an age.
 */
import { type ExpressionBuilder, type Kysely, sql } from 'kysely';
import type { RequestLogFilter } from '../domain/request-log.js';
import { dialectOf } from './dialect.js';
import type { DB, RequestLogRow } from './schema.js';
import { seqColumn, withSeq } from './sequence.js';

/** A row as streams read it: with its seq, the order they follow. */
export type SequencedRequestLogRow = RequestLogRow & { seq: number };

/** A flush's rows in one statement (where a statement is a round trip): 13 columns a row. */
const rowsPerStatement = 500;
/** Where statements run in-process: rows per cached statement (the rest go one by one). */
const rowsPerCachedStatement = 64;
const columns = ['id', 'account_id', 'created_at', 'method', 'route', 'path', 'status', 'duration_ms', 'request_id', 'idempotency_key', 'key_kind', 'key_last4', 'seq'] as const;
const cachedInserts = new WeakMap<object, Map<number, string>>();

/** The SQL of an insert of `count` rows with every column, compiled by Kysely once per database kind and count. */
function cachedInsertSql(db: Kysely<DB>, count: number): string {
  const adapter = db.getExecutor().adapter as object;
  let byCount = cachedInserts.get(adapter);
  if (!byCount) cachedInserts.set(adapter, (byCount = new Map()));
  let text = byCount.get(count);
  if (text === undefined) {
    const row = Object.fromEntries(columns.map((column) => [column, null]));
    text = db
      .insertInto('request_log')
      .values(Array.from({ length: count }, () => row) as never)
      .compile().sql;
    byCount.set(count, text);
  }
  return text;
}

/**
 * Writes a flush's rows: in multi-row statements where each statement is a round trip (PostgreSQL);
 * where statements run in-process (SQLite), through two cached statements, of 64 rows and of one, so
 * a flush of any size prepares no new statement (a multi-row insert is new SQL text for every row
 * count, and would push the hot queries' statements out of the connection's cache).
 */
export async function insertRequestLogRows(db: Kysely<DB>, rows: RequestLogRow[]): Promise<void> {
  const numbered = await withSeq(db, 'request_log', rows);
  const dialect = dialectOf(db);
  if (!dialect.writesInOneStatement) {
    for (let start = 0; start < numbered.length; ) {
      const count = numbered.length - start >= rowsPerCachedStatement ? rowsPerCachedStatement : 1;
      const args: unknown[] = [];
      for (const row of numbered.slice(start, start + count) as Array<RequestLogRow & { seq?: number }>) for (const column of columns) args.push(row[column]);
      await dialect.run(db, { sql: cachedInsertSql(db, count) }, args, false);
      start += count;
    }
    return;
  }
  for (let start = 0; start < numbered.length; start += rowsPerStatement) {
    await db.insertInto('request_log').values(numbered.slice(start, start + rowsPerStatement)).execute();
  }
}

/** The conditions of a filter, in SQL (domain/request-log.ts says what each means). */
function filtered(eb: ExpressionBuilder<DB, 'request_log'>, filter: RequestLogFilter) {
  const conditions = [];
  if (filter.statuses.length > 0) {
    conditions.push(eb.or(filter.statuses.map((range) => eb.and([eb('status', '>=', range.min), eb('status', '<=', range.max)]))));
  }
  if (filter.method !== undefined) conditions.push(eb('method', '=', filter.method));
  if (filter.route !== undefined) conditions.push(eb('route', '=', filter.route));
  if (filter.requestId !== undefined) conditions.push(eb('request_id', '=', filter.requestId));
  if (filter.path !== undefined) {
    // The path itself, or a path below it (`/charges` holds `/charges/chrg_...`); LIKE's own characters escaped.
    const below = `${filter.path.replace(/\/+$/, '').replace(/[\\%_]/g, (c) => `\\${c}`)}/%`;
    conditions.push(eb.or([eb('path', '=', filter.path), sql<boolean>`${eb.ref('path')} like ${below} escape '\\'`]));
  }
  return eb.and(conditions);
}

/**
 * Only an account's newest `keep` entries: the writer prunes the rest in batches (jobs/request-log.ts),
 * so a few more may still be stored; lists never show them.
 */
function newestOf(accountId: string, keep: number) {
  return sql<boolean>`${seqColumn} >= coalesce((select kept.seq from request_log as kept where kept.account_id = ${accountId} order by kept.seq desc limit 1 offset ${keep - 1}), 0)`;
}

export interface RequestLogPage {
  rows: RequestLogRow[];
  total: number;
}

/** One account's entries created within [fromMs, toMs] that match the filter: a page by offset, in seq order, and how many match. */
export async function listRequestLog(
  db: Kysely<DB>,
  accountId: string,
  filter: RequestLogFilter,
  window: { fromMs: number; toMs: number; offset: number; limit: number; order: 'chronological' | 'reverse_chronological' },
  keep: number,
): Promise<RequestLogPage> {
  const base = db
    .selectFrom('request_log')
    .where('account_id', '=', accountId)
    .where(newestOf(accountId, keep))
    .where('created_at', '>=', window.fromMs)
    .where('created_at', '<=', window.toMs)
    .where((eb) => filtered(eb, filter));
  const direction = window.order === 'chronological' ? 'asc' : 'desc';
  const [rows, count] = await Promise.all([
    base.selectAll().orderBy(seqColumn, direction).limit(window.limit).offset(window.offset).execute(),
    base.select((eb) => eb.fn.countAll<number | string>().as('total')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.total) };
}

/** One account's entries, newest first, strictly older than `beforeSeq` when given: up to limit + 1 (the extra one says there is more). */
export async function requestLogPageBefore(
  db: Kysely<DB>,
  accountId: string,
  filter: RequestLogFilter,
  kept: { sinceMs: number; keep: number },
  beforeSeq: number | undefined,
  limit: number,
): Promise<SequencedRequestLogRow[]> {
  const sinceMs = kept.sinceMs;
  let query = db
    .selectFrom('request_log')
    .selectAll()
    .select(seqColumn.as('seq'))
    .where('account_id', '=', accountId)
    .where(newestOf(accountId, kept.keep))
    .where('created_at', '>=', sinceMs)
    .where((eb) => filtered(eb, filter));
  if (beforeSeq !== undefined) query = query.where(seqColumn, '<', beforeSeq);
  const rows = await query.orderBy(seqColumn, 'desc').limit(limit + 1).execute();
  return rows.map((row) => ({ ...row, seq: Number(row.seq) }));
}

/** The largest seq written so far (0 when none). */
export async function lastRequestLogSeq(db: Kysely<DB>): Promise<number> {
  const row = await db.selectFrom('request_log').select((eb) => eb.fn.max(seqColumn).as('last')).executeTakeFirst();
  return Number(row?.last ?? 0);
}

/** Every account's rows after `afterSeq`, and those with the given seqs, in seq order, up to `limit` of the former. */
export async function requestLogRowsAfter(db: Kysely<DB>, afterSeq: number, limit: number, alsoSeqs: number[] = []): Promise<SequencedRequestLogRow[]> {
  const after = db.selectFrom('request_log').selectAll().select(seqColumn.as('seq')).where(seqColumn, '>', afterSeq).orderBy(seqColumn).limit(limit).execute();
  const again = alsoSeqs.length === 0 ? Promise.resolve([]) : db.selectFrom('request_log').selectAll().select(seqColumn.as('seq')).where(seqColumn, 'in', alsoSeqs).execute();
  const [newer, found] = await Promise.all([after, again]);
  return [...found, ...newer].map((row) => ({ ...row, seq: Number(row.seq) })).sort((a, b) => a.seq - b.seq);
}

/** Deletes an account's entries beyond its newest `keep`; returns how many went. */
export async function pruneRequestLogOfAccount(db: Kysely<DB>, accountId: string, keep: number): Promise<number> {
  const oldestKept = db.selectFrom('request_log').select(seqColumn.as('seq')).where('account_id', '=', accountId).orderBy(seqColumn, 'desc').limit(1).offset(keep - 1);
  const result = await db
    .deleteFrom('request_log')
    .where('account_id', '=', accountId)
    .where(seqColumn, '<', (eb) => eb.selectFrom(oldestKept.as('kept')).select('kept.seq'))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * Deletes entries of any account created before `beforeMs`, among the `limit` oldest; returns how many
 * went. Rows go in about the order their requests arrived, so the oldest by seq are the oldest by
 * time: one index probe says whether there is anything to do, with no index on the time.
 */
export async function pruneRequestLogBefore(db: Kysely<DB>, beforeMs: number, limit: number): Promise<number> {
  const first = await db.selectFrom('request_log').select('created_at').orderBy(seqColumn).limit(1).executeTakeFirst();
  if (!first || first.created_at >= beforeMs) return 0;
  const oldest = db.selectFrom('request_log').select(seqColumn.as('seq')).orderBy(seqColumn).limit(limit);
  const result = await db.deleteFrom('request_log').where(seqColumn, 'in', oldest).where('created_at', '<', beforeMs).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * What SQLite and PostgreSQL do differently, in one place: every other module asks the dialect
 * object of the handle it holds (`dialectOf(tx)`), never which database it is.
 *
 * - SQLite has one writer (one process, one connection, one transaction at a time): claims need no
 *   row locks, advisory locks are moot, a statement costs no round trip, and the store numbers each
 *   table's rows itself (seq: store/sequence.ts).
 * - PostgreSQL serves several gateway processes: claims skip rows another transaction holds,
 *   advisory locks serialize what must not race, several writes go in one statement to save round
 *   trips, the database's own sequences number rows, and a value cached by one process may be stale.
 */
import { CompiledQuery, type Expression, type Kysely, PostgresAdapter, type RawBuilder, type SqlBool, sql } from 'kysely';
import type { DirectSqliteAdapter } from './sqlite-dialect.js';
import { postgresTextIndex, sqliteTextIndex, type TextIndex } from './text-index.js';

/** The query builders whose rows can be locked (SELECT ... FOR UPDATE). */
interface Lockable<Q> {
  forUpdate(): Q;
}
interface SkipLockable<Q> extends Lockable<Q> {
  skipLocked(): Q;
}

export interface Dialect {
  /** For people (log lines, the `satang` command's output); never branched on. */
  readonly name: 'sqlite' | 'postgres';
  /** Several processes may write this database, so a value one process cached can be stale. */
  readonly sharedByProcesses: boolean;
  /**
   * Several writes and a read in one statement (data-modifying CTEs): worth it where each
   * statement is a round trip, not where statements run in-process.
   */
  readonly writesInOneStatement: boolean;
  /** The database gives each row its seq (a sequence as the column default); otherwise the store numbers them. */
  readonly assignsSeq: boolean;
  /**
   * A short transaction someone waits on may run beside the group-commit batches, in a
   * transaction of its own (several connections); with one writer it joins the batches.
   */
  readonly transactionsBesideBatches: boolean;
  /** A claim: the rows the query selects, skipping rows another transaction holds, locked until this one ends. */
  claim<Q extends SkipLockable<Q>>(query: Q): Q;
  /** The rows the query selects, locked until the transaction ends (a racing writer waits). */
  lock<Q extends Lockable<Q>>(query: Q): Q;
  /** Serializes transactions taking the same key until each ends (an advisory lock). */
  advisoryLock(db: Kysely<any>, key: number, subkey?: string): Promise<void>;
  /** Runs a compiled statement with its arguments: straight on a cached statement, or through the driver. */
  run<R>(db: Kysely<any>, compiled: { sql: string }, args: unknown[], returnsRows: boolean): Promise<R[]>;
  /**
   * `load()`, or what it gave last time under `key` when nothing was committed since: only on a
   * handle whose connection never writes and can tell that (SQLite's reader, sqlite-dialect.ts
   * ReadCache). What it gives is shared and frozen.
   */
  readThrough<T>(db: Kysely<any>, key: string, load: () => Promise<T>): Promise<T>;
  /** Whether a compiled statement is worth naming as a prepared statement on the server. */
  readonly namesPreparedStatements: boolean;
  /** Whether addSeqColumn also indexes seq by itself (the store reads the largest seq per transaction). */
  readonly seqColumnIndexed: boolean;
  /** Adds a `seq` column to a table that has rows, numbered in the order of `orderBy` (migration 0007). */
  addSeqColumn(db: Kysely<any>, table: string, orderBy: RawBuilder<unknown>): Promise<void>;
  /** Removes it again. */
  dropSeqColumn(db: Kysely<any>, table: string): Promise<void>;
  /**
   * Whether a string or number anywhere in the JSON text `json` (metadata), lower-cased, is LIKE
   * `pattern` (with `\` as the escape character).
   */
  jsonHasValueLike(json: Expression<unknown>, pattern: string): RawBuilder<SqlBool>;
  /** The scalar at the top-level `key` of the JSON text `json` as text (true, false, numbers as JSON writes them), or null. */
  jsonTopLevelText(json: Expression<unknown>, key: string): RawBuilder<string | null>;
  /** The full-text index of charges (store/text-index.ts): FTS5 trigrams on SQLite, pg_trgm on PostgreSQL. */
  readonly textIndex: TextIndex;
}

export const sqliteDialect: Dialect = {
  name: 'sqlite',
  sharedByProcesses: false,
  writesInOneStatement: false,
  assignsSeq: false,
  transactionsBesideBatches: false,
  namesPreparedStatements: false,
  seqColumnIndexed: true,
  textIndex: sqliteTextIndex,
  claim: (query) => query,
  lock: (query) => query,
  async advisoryLock() {},
  async run<R>(db: Kysely<any>, compiled: { sql: string }, args: unknown[], returnsRows: boolean): Promise<R[]> {
    const adapter = db.getExecutor().adapter as DirectSqliteAdapter;
    // A cached statement straight on the connection (no executor, no lock): see sqlite-dialect.ts.
    const connection = adapter.connection;
    const result = connection.runStatement(connection.statement(compiled.sql), args);
    return returnsRows && 'rows' in result ? (result.rows as R[]) : [];
  },
  readThrough(db, key, load) {
    const cache = (db.getExecutor().adapter as DirectSqliteAdapter).connection.readCache;
    return cache === undefined ? load() : cache.through(key, load);
  },
  async addSeqColumn(db, table, orderBy) {
    const t = sql.table(table);
    await db.schema.alterTable(table).addColumn('seq', 'bigint').execute();
    await sql`update ${t} set seq = o.n from (select rowid as r, row_number() over (order by ${orderBy}) as n from ${t}) o where o.r = ${t}.rowid`.execute(db);
    // The first row a transaction writes reads max(seq): one index probe.
    await db.schema.createIndex(`${table}_seq`).on(table).column('seq').execute();
  },
  async dropSeqColumn(db, table) {
    await db.schema.dropIndex(`${table}_seq`).execute();
    await db.schema.alterTable(table).dropColumn('seq').execute();
  },
  // JSON1's table-valued functions: json_tree walks every level, json_each the top one.
  jsonHasValueLike: (json, pattern) =>
    sql<SqlBool>`exists (select 1 from json_tree(${json}) as j where j.type in ('text', 'integer', 'real') and lower(j.atom) like ${pattern} escape '\\')`,
  jsonTopLevelText: (json, key) =>
    sql<string | null>`(select case j.type when 'true' then 'true' when 'false' then 'false' when 'text' then j.atom when 'integer' then cast(j.atom as text) when 'real' then cast(j.atom as text) end from json_each(${json}) as j where j.key = ${key})`,
};

export const postgresDialect: Dialect = {
  name: 'postgres',
  sharedByProcesses: true,
  writesInOneStatement: true,
  assignsSeq: true,
  transactionsBesideBatches: true,
  namesPreparedStatements: true,
  seqColumnIndexed: false,
  textIndex: postgresTextIndex,
  claim: (query) => query.forUpdate().skipLocked(),
  lock: (query) => query.forUpdate(),
  async advisoryLock(db, key, subkey) {
    if (subkey === undefined) await sql`select pg_advisory_xact_lock(${sql.lit(key)})`.execute(db);
    else await sql`select pg_advisory_xact_lock(${sql.lit(key)}, hashtext(${subkey}))`.execute(db);
  },
  async run<R>(db: Kysely<any>, compiled: { sql: string }, args: unknown[]): Promise<R[]> {
    return (await db.executeQuery<R>(CompiledQuery.raw(compiled.sql, args))).rows;
  },
  // Other processes commit without telling this one: nothing read is kept.
  readThrough: (_db, _key, load) => load(),
  async addSeqColumn(db, table, orderBy) {
    const t = sql.table(table);
    const sequence = `${table}_seq`;
    await db.schema.alterTable(table).addColumn('seq', 'bigint').execute();
    await sql`update ${t} set seq = o.n from (select id, row_number() over (order by ${orderBy}) as n from ${t}) o where o.id = ${t}.id`.execute(db);
    await sql`create sequence ${sql.id(sequence)} owned by ${t}.seq`.execute(db);
    await sql`select setval(${sql.lit(sequence)}, coalesce((select max(seq) from ${t}), 0) + 1, false)`.execute(db);
    await sql`alter table ${t} alter column seq set default nextval(${sql.lit(sequence)}::regclass), alter column seq set not null`.execute(db);
  },
  async dropSeqColumn(db, table) {
    // The sequence goes with the column that owns it.
    await db.schema.alterTable(table).dropColumn('seq').execute();
  },
  // Metadata is JSON text: read as jsonb; `strict $.**` is every item at every level, once.
  jsonHasValueLike: (json, pattern) =>
    sql<SqlBool>`exists (select 1 from jsonb_path_query(${json}::jsonb, 'strict $.**') as j(v) where jsonb_typeof(j.v) in ('string', 'number') and lower(j.v #>> '{}') like ${pattern} escape '\\')`,
  jsonTopLevelText: (json, key) =>
    sql<string | null>`(case when jsonb_typeof(${json}::jsonb -> ${key}::text) in ('string', 'number', 'boolean') then ${json}::jsonb ->> ${key}::text end)`,
};

/** The dialect of a handle: a transaction, the store's read handle, a migration's. */
export function dialectOf(db: Kysely<any>): Dialect {
  return db.getExecutor().adapter instanceof PostgresAdapter ? postgresDialect : sqliteDialect;
}

import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { groupCommitUnitsMax, sqliteCacheKib, transactionRetriesMax } from '../domain/limits.js';
import { forgetMovesSince, movesMark, writeSums } from './batch-sums.js';
import { forgetOutboxSince, outboxMark, takeOutboxJobs } from './outbox-commits.js';
import { type Dialect, postgresDialect, sqliteDialect } from './dialect.js';
import { preparedStatementName } from './prepared.js';
import { migrationProvider } from './migrations.js';
import type { DB, WebhookJob } from './schema.js';
import { QueuedSqliteDialect, WriterCommits } from './sqlite-dialect.js';

export type StoreDialect = Dialect['name'];

/** What a use case receives: a handle on the open transaction. Only store/ runs SQL on it. */
export type Tx = Kysely<DB>;

export interface StoreOptions {
  /** postgres://... selects PostgreSQL; unset selects SQLite in dataDir. */
  databaseUrl?: string;
  dataDir: string;
  /** PostgreSQL schema (created when missing); tests give each file its own. */
  schema?: string;
  /** SQLite synchronous pragma; FULL unless told otherwise. */
  sqliteSynchronous?: 'FULL' | 'NORMAL';
  /** PostgreSQL connections (default 10). */
  poolSize?: number;
  /** PostgreSQL statement_timeout in milliseconds (default none). */
  statementTimeoutMs?: number;
}

export interface Store {
  /** What this database does differently (store/dialect.ts). */
  readonly dialect: Dialect;
  /** For reads outside a transaction (a second connection on SQLite, the pool on PostgreSQL). */
  readonly read: Kysely<DB>;
  /**
   * Runs a unit of work in a transaction and resolves after it is durably committed.
   * Units that arrive together share one transaction (one savepoint each) and one fsync:
   * group commit. A unit that throws is rolled back alone and its caller gets the error.
   * What the units move balances and daily totals by is written once, at the end (store/batch-sums.ts).
   */
  transaction<T>(unit: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * Like `transaction`, for a short unit someone is waiting on (the webhook dispatcher's
   * claim): on PostgreSQL it runs at once in a transaction of its own beside the batches,
   * rather than behind a queue of API units and then for as long as their whole batch; on
   * SQLite, where one writer commits everything, it joins the batches like any unit.
   */
  transactionNow<T>(unit: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * Tells `listener` the outbox jobs each transaction wrote (store/outbox-commits.ts), once it has
   * committed and before any of its units' callers hear back (the gateway's dispatcher claims them at
   * once). Returns a function that stops telling it.
   */
  onOutboxCommitted(listener: (jobs: WebhookJob[]) => void): () => void;
  migrate(): Promise<void>;
  /** Migrations the code knows of that the database has not applied (empty when current). */
  pendingMigrations(): Promise<string[]>;
  close(): Promise<void>;
}

interface QueuedUnit {
  unit: (tx: Tx) => Promise<unknown>;
  resolve: (value: any) => void;
  reject: (error: unknown) => void;
  /** How often it was run again after losing a deadlock or a serialization race. */
  retries?: number;
}

/** A unit that lost a deadlock (40P01) or a serialization race (40001) to another transaction is run again. */
function isRetryable(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return code === '40P01' || code === '40001';
}

function isPostgresUrl(databaseUrl: string | undefined): databaseUrl is string {
  return databaseUrl !== undefined && /^postgres(ql)?:\/\//.test(databaseUrl);
}

/** The SQLite database file in a data directory. */
export function sqliteFile(dataDir: string): string {
  return join(dataDir, 'satang.sqlite');
}

/**
 * A connection URL as it may be shown: the password (and any `password` or `sslpassword` parameter) removed by the
 * WHATWG URL parser.
 */
export function redactedDatabaseUrl(databaseUrl: string): string {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    return '(a database URL that does not parse)';
  }
  url.password = '';
  for (const name of ['password', 'sslpassword']) url.searchParams.delete(name);
  return url.href;
}

/** Which database the options open, in words a person can check: the SQLite file's absolute path, or the URL without its password. */
export function describeStoreLocation(options: Pick<StoreOptions, 'databaseUrl' | 'dataDir' | 'schema'>): string {
  if (isPostgresUrl(options.databaseUrl)) {
    return `PostgreSQL database ${redactedDatabaseUrl(options.databaseUrl)}${options.schema ? ` (schema ${options.schema})` : ''}`;
  }
  return `SQLite database ${resolve(sqliteFile(options.dataDir))}`;
}

export async function openStore(options: StoreOptions): Promise<Store> {
  return isPostgresUrl(options.databaseUrl) ? openPostgres(options) : openSqlite(options);
}

function openSqlite(options: StoreOptions): Store {
  mkdirSync(options.dataDir, { recursive: true });
  const file = sqliteFile(options.dataDir);
  const writer = new Database(file);
  writer.pragma('journal_mode = WAL');
  writer.pragma(`synchronous = ${options.sqliteSynchronous ?? 'FULL'}`);
  writer.pragma('busy_timeout = 5000');
  writer.pragma(`cache_size = ${-sqliteCacheKib}`);
  const reader = new Database(file);
  reader.pragma('busy_timeout = 5000');
  reader.pragma(`cache_size = ${-sqliteCacheKib}`);
  // It never writes (a write there would be an error, not a stale ReadCache).
  reader.pragma('query_only = ON');
  const commits = new WriterCommits();
  const write = new Kysely<DB>({ dialect: new QueuedSqliteDialect(writer, 'immediate', { counts: commits }) });
  const read = new Kysely<DB>({ dialect: new QueuedSqliteDialect(reader, 'deferred', { readsOnly: true, sees: commits }) });
  // One writer: one batch at a time.
  return new GroupCommitStore(sqliteDialect, write, read, 1, async () => {
    await write.destroy();
    await read.destroy();
  });
}

async function openPostgres(options: StoreOptions): Promise<Store> {
  const int8 = 20;
  const numeric = 1700;
  const types = {
    getTypeParser(oid: number, format?: any) {
      // Amounts and millisecond times are far below 2^53: read int8 as a number.
      if (oid === int8 || oid === numeric) return (value: string) => Number(value);
      return pg.types.getTypeParser(oid, format);
    },
  };
  if (options.schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(options.schema)) throw new Error(`bad schema name: ${options.schema}`);
  const poolSize = options.poolSize ?? 10;
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: poolSize,
    types,
    // No JIT: Satang's statements are short, and a plan whose cost looks large (a list walked
    // newest first until its page fills, costed as if it read every row) took 200 to 300 ms to
    // compile for a millisecond's work.
    options: ['-c jit=off', ...(options.schema ? [`-c search_path=${options.schema}`] : [])].join(' '),
    statement_timeout: options.statementTimeoutMs ?? false,
  });
  // An idle client that loses its connection (server restart) must not crash the process.
  pool.on('error', () => {});
  pool.on('connect', prepareHotQueries);
  if (options.schema) {
    try {
      await pool.query(`create schema if not exists ${options.schema}`);
    } catch (error) {
      // Another process created it at the same moment ("if not exists" is not atomic).
      if (!isUniqueViolation(error) && (error as { code?: string }).code !== '42P06') throw error;
    }
  }
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  // Batches run side by side over the pool (each in its own transaction): one batch's
  // round trips overlap another's. Few of them, so batches stay large (one commit for many
  // units) and connections stay free for reads; a batch still replies only after its commit.
  const batchesAtOnce = Math.max(1, Math.floor(poolSize / 4));
  return new GroupCommitStore(postgresDialect, db, db, batchesAtOnce, () => db.destroy(), options.schema);
}

/**
 * Hot queries (store/hot.ts) run on this connection as named prepared statements: the
 * server parses and plans each once per connection, not on every call. Kysely passes
 * (sql, parameters); everything else goes through unchanged.
 */
function prepareHotQueries(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as { query: unknown }).query = (text: unknown, values?: unknown, ...rest: unknown[]) => {
    const name = typeof text === 'string' && Array.isArray(values) ? preparedStatementName(text) : undefined;
    return name === undefined ? query(text, values, ...rest) : query({ name, text, values });
  };
}

class GroupCommitStore implements Store {
  private readonly queue: QueuedUnit[] = [];
  private scheduled = false;
  private active = 0;
  /** transactionNow units running beside the batches. */
  private alone = 0;
  private readonly outboxListeners = new Set<(jobs: WebhookJob[]) => void>();

  constructor(
    readonly dialect: Dialect,
    private readonly write: Kysely<DB>,
    readonly read: Kysely<DB>,
    /** How many batches may be in their transactions at once. */
    private readonly batchesAtOnce: number,
    private readonly closeConnections: () => Promise<void>,
    /** The PostgreSQL schema in use, so the migrator keeps its own tables there. */
    private readonly schema?: string,
  ) {}

  onOutboxCommitted(listener: (jobs: WebhookJob[]) => void): () => void {
    this.outboxListeners.add(listener);
    return () => this.outboxListeners.delete(listener);
  }

  /** After a commit: tells the listeners what the transaction wrote into the outbox. */
  private committed(trx: Tx): void {
    const jobs = takeOutboxJobs(trx);
    if (jobs.length === 0) return;
    for (const listener of this.outboxListeners) {
      try {
        listener(jobs);
      } catch {
        // Not told is not lost: the jobs are committed, and the dispatcher's next look finds them.
      }
    }
  }

  transaction<T>(unit: (tx: Tx) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ unit, resolve, reject });
      this.schedule();
    });
  }

  async transactionNow<T>(unit: (tx: Tx) => Promise<T>): Promise<T> {
    if (!this.dialect.transactionsBesideBatches) return this.transaction(unit);
    this.alone++;
    try {
      for (let retries = 0; ; retries++) {
        try {
          let ran: Tx | undefined;
          const value = await this.write.transaction().execute(async (trx) => {
            ran = trx;
            const value = await unit(trx);
            await writeSums(trx);
            return value;
          });
          this.committed(ran!);
          return value;
        } catch (error) {
          if (!isRetryable(error) || retries >= transactionRetriesMax) throw error;
        }
      }
    } finally {
      this.alone--;
    }
  }

  private schedule(): void {
    if (this.scheduled || this.active >= this.batchesAtOnce) return;
    this.scheduled = true;
    // Let the units of requests already parsed in this turn of the event loop join the batch.
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  /** Starts batches while there is work and room. */
  private pump(): void {
    while (this.queue.length > 0 && this.active < this.batchesAtOnce) {
      const batch = this.queue.splice(0, groupCommitUnitsMax);
      this.active++;
      void this.runBatch(batch).finally(() => {
        this.active--;
        // The next batch starts after a turn of the event loop, never straight from this one's
        // promise chain: on SQLite a batch runs synchronously, and a caller that queues its next
        // unit as soon as the last one commits (the expiry sweep) would otherwise keep the loop
        // from ever polling sockets or timers. The turn also lets requests that arrived meanwhile
        // join the batch.
        this.schedule();
      });
    }
  }

  /** Rejects a unit, or queues it again when it lost a deadlock to another transaction. */
  private fail(queued: QueuedUnit, error: unknown): void {
    if (isRetryable(error) && (queued.retries ?? 0) < transactionRetriesMax) {
      queued.retries = (queued.retries ?? 0) + 1;
      this.queue.push(queued);
      this.schedule();
      return;
    }
    queued.reject(error);
  }

  /**
   * One transaction for the batch. First optimistically, without savepoints (they cost a
   * statement or a round trip each); if any unit fails, the whole attempt is rolled back
   * and the batch runs again with a savepoint per unit, so only the failing units fail.
   */
  private async runBatch(batch: QueuedUnit[]): Promise<void> {
    if (batch.length > 1 && (await this.runBatchOptimistically(batch))) return;
    await this.runBatchWithSavepoints(batch);
  }

  /** Returns false, having changed nothing, when a unit failed. */
  private async runBatchOptimistically(batch: QueuedUnit[]): Promise<boolean> {
    let trx;
    try {
      trx = await this.write.startTransaction().execute();
    } catch (error) {
      for (const queued of batch) this.fail(queued, error);
      return true;
    }
    const values: unknown[] = [];
    try {
      for (const queued of batch) values.push(await queued.unit(trx));
      await writeSums(trx);
    } catch {
      await rollbackQuietly(trx);
      return false;
    }
    try {
      await trx.commit().execute();
    } catch (error) {
      await rollbackQuietly(trx);
      for (const queued of batch) this.fail(queued, error);
      return true;
    }
    this.committed(trx);
    // Only now, after the commit, does any caller hear back.
    batch.forEach((queued, index) => queued.resolve(values[index]));
    return true;
  }

  private async runBatchWithSavepoints(batch: QueuedUnit[]): Promise<void> {
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    let trx;
    try {
      trx = await this.write.startTransaction().execute();
    } catch (error) {
      for (const queued of batch) this.fail(queued, error);
      return;
    }
    try {
      if (batch.length === 1) {
        // One unit: the transaction itself is its savepoint.
        try {
          outcomes.push({ ok: true, value: await batch[0].unit(trx) });
          await writeSums(trx);
        } catch (error) {
          await trx.rollback().execute();
          this.fail(batch[0], error);
          return;
        }
      } else {
        for (let index = 0; index < batch.length; index++) {
          await sql`savepoint ${sql.raw(`u${index}`)}`.execute(trx);
          const mark = movesMark(trx);
          const outboxAt = outboxMark(trx);
          try {
            const value = await batch[index].unit(trx);
            await sql`release savepoint ${sql.raw(`u${index}`)}`.execute(trx);
            outcomes.push({ ok: true, value });
          } catch (error) {
            await sql`rollback to savepoint ${sql.raw(`u${index}`)}`.execute(trx);
            await sql`release savepoint ${sql.raw(`u${index}`)}`.execute(trx);
            forgetMovesSince(trx, mark);
            forgetOutboxSince(trx, outboxAt);
            outcomes.push({ ok: false, error });
          }
        }
        await writeSums(trx);
      }
      await trx.commit().execute();
    } catch (error) {
      // The batch itself failed (connection lost, commit refused): nobody's work is durable.
      await rollbackQuietly(trx);
      for (const queued of batch) this.fail(queued, error);
      return;
    }
    this.committed(trx);
    // Only now, after the commit, does any caller hear back.
    batch.forEach((queued, index) => {
      const outcome = outcomes[index];
      if (outcome.ok) queued.resolve(outcome.value);
      else this.fail(queued, outcome.error);
    });
  }

  async migrate(): Promise<void> {
    const migrator = new Migrator({ db: this.write, provider: migrationProvider, migrationTableSchema: this.schema });
    let { error, results } = await migrator.migrateToLatest();
    // Kysely's table check scans every schema; one dropped meanwhile by another process
    // (3F000, "schema does not exist") is not ours, so look again.
    for (let attempt = 0; error && (error as { code?: string }).code === '3F000' && attempt < 5; attempt++) {
      ({ error, results } = await migrator.migrateToLatest());
    }
    if (error) {
      const failed = results?.find((r) => r.status === 'Error');
      throw new Error(`migration ${failed?.migrationName ?? '?'} failed: ${String(error)}`);
    }
  }

  async pendingMigrations(): Promise<string[]> {
    const migrator = new Migrator({ db: this.read, provider: migrationProvider, migrationTableSchema: this.schema });
    const all = await migrator.getMigrations();
    return all.filter((migration) => migration.executedAt === undefined).map((migration) => migration.name);
  }

  async close(): Promise<void> {
    while (this.active > 0 || this.alone > 0 || this.scheduled || this.queue.length > 0) await new Promise((r) => setTimeout(r, 5));
    await this.closeConnections();
  }
}

async function rollbackQuietly(trx: { rollback(): { execute(): Promise<void> } }): Promise<void> {
  try {
    await trx.rollback().execute();
  } catch {
    // The transaction is already gone.
  }
}

/** A unique-constraint violation, on either dialect. */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string } | null;
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/**
 * The database could not serve the statement in time, with nothing wrong in the request: SQLite's write lock
 * held by another process past busy_timeout, or a PostgreSQL statement or lock timeout. Worth trying again.
 */
export function isDatabaseBusy(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT' || code === 'SQLITE_BUSY_TIMEOUT' || code === '57014' || code === '55P03';
}

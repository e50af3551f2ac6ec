/**
 * Kysely's SQLite dialect with a driver made for a busy server:
 * - waiters for the connection queue in order, and each release wakes exactly one
 *   (Kysely's own mutex wakes every waiter on every release, which costs O(n²) under load);
 * - statements are prepared once per SQL text and kept (bounded, oldest out), since
 *   preparing costs SQLite more than running a point query.
 * A statement is only ever run to completion (`all`/`run`), so reusing one is safe.
 */
import type Database from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryCompiler,
  type QueryResult,
  SqliteAdapter,
  SqliteDialect,
  type TransactionSettings,
} from 'kysely';
import { sqliteReadCacheEntriesMax, sqliteStatementsCachedMax } from '../domain/limits.js';


/**
 * What a connection that never writes has read, kept until any connection commits. SQLite's
 * `PRAGMA data_version` changes on this connection whenever another connection (the writer, or
 * another process on the file) has committed since it was last asked, so an entry is as fresh as
 * a new read: the cache is emptied when the version moves. It spares a hot read SQLite's work, which
 * is most of a GET /charges/:id's (the page cache of a reader is cold between requests). The
 * entries are frozen: every caller shares them.
 */
export class ReadCache {
  private version: unknown;
  private readonly entries = new Map<string, unknown>();
  private readonly versionStatement: Database.Statement;
  constructor(db: Database.Database) {
    this.versionStatement = db.prepare('pragma data_version').pluck();
  }

  async through<T>(key: string, load: () => Promise<T>): Promise<T> {
    const version = this.versionStatement.get();
    if (version !== this.version) {
      this.entries.clear();
      this.version = version;
    } else {
      const kept = this.entries.get(key);
      if (kept !== undefined) return kept as T;
    }
    const value = await load();
    // Kept only when something was found (ids nobody has cannot push the others out) and nothing committed
    // meanwhile that another caller has seen (the value may be older than that).
    if (value !== undefined && this.version === version) {
      if (this.entries.size >= sqliteReadCacheEntriesMax) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(key, deepFreeze(value));
    }
    return value;
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

export class CachingConnection implements DatabaseConnection {
  private readonly statements = new Map<string, Database.Statement>();
  /** Only on a connection that never writes (the store's reader). */
  readonly readCache: ReadCache | undefined;
  constructor(
    private readonly db: Database.Database,
    readsOnly = false,
  ) {
    this.readCache = readsOnly ? new ReadCache(db) : undefined;
  }

  statement(source: string): Database.Statement {
    let statement = this.statements.get(source);
    if (statement === undefined) {
      statement = this.db.prepare(source);
      if (this.statements.size >= sqliteStatementsCachedMax) this.statements.delete(this.statements.keys().next().value!);
      this.statements.set(source, statement);
    }
    return statement;
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const statement = this.statement(compiledQuery.sql);
    const parameters = compiledQuery.parameters as unknown[];
    if (statement.reader) return { rows: statement.all(parameters) as R[] };
    const { changes, lastInsertRowid } = statement.run(parameters);
    return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming is not used by Satang');
  }
}

/** A first-in, first-out lock: each release hands the connection to the next waiter only. */
class FifoLock {
  private held = false;
  private readonly waiters: Array<() => void> = [];

  acquire(): Promise<void> {
    if (!this.held) {
      this.held = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.held = false;
  }
}

/**
 * How a transaction begins. The writer's are `immediate`: they take SQLite's write lock first,
 * waiting under busy_timeout while another process holds it. A deferred transaction that reads
 * and then writes must upgrade its lock, and when another process has committed since its read
 * began, SQLite refuses the upgrade at once (SQLITE_BUSY, no waiting), which two gateway
 * processes on one file would see as an internal error.
 */
export type SqliteBegin = 'immediate' | 'deferred';

class QueuedSqliteDriver implements Driver {
  private readonly lock = new FifoLock();
  readonly connection: CachingConnection;
  private readonly begin: CompiledQuery;
  constructor(
    private readonly db: Database.Database,
    begin: SqliteBegin,
    readsOnly: boolean,
  ) {
    this.connection = new CachingConnection(db, readsOnly);
    this.begin = CompiledQuery.raw(`begin ${begin}`);
  }
  async init(): Promise<void> {}
  async acquireConnection(): Promise<DatabaseConnection> {
    await this.lock.acquire();
    return this.connection;
  }
  async beginTransaction(connection: DatabaseConnection, _settings: TransactionSettings): Promise<void> {
    await connection.executeQuery(this.begin);
  }
  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }
  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }
  async savepoint(connection: DatabaseConnection, name: string, _compile: QueryCompiler['compileQuery']): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`savepoint ${name}`));
  }
  async rollbackToSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`rollback to savepoint ${name}`));
  }
  async releaseSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`release savepoint ${name}`));
  }
  async releaseConnection(): Promise<void> {
    this.lock.release();
  }
  async destroy(): Promise<void> {
    this.db.close();
  }
}

/**
 * The adapter carries the connection and its statement cache, so a hot query can run
 * a cached statement straight on the connection (see hot.ts). That is safe because
 * better-sqlite3 runs each statement synchronously, and the only transactions on a
 * connection are the store's batches, whose units are the only writers.
 */
export class DirectSqliteAdapter extends SqliteAdapter {
  constructor(readonly connection: CachingConnection) {
    super();
  }
}

export class QueuedSqliteDialect extends SqliteDialect {
  private readonly driver: QueuedSqliteDriver;
  /** `readsOnly`: the connection never writes, so it may keep what it read between commits (ReadCache). */
  constructor(database: Database.Database, begin: SqliteBegin, readsOnly = false) {
    super({ database });
    this.driver = new QueuedSqliteDriver(database, begin, readsOnly);
  }
  override createDriver(): Driver {
    return this.driver;
  }
  override createAdapter(): DirectSqliteAdapter {
    return new DirectSqliteAdapter(this.driver.connection);
  }
}

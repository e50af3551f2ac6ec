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
 * The commits of this process's writer connection, counted as they happen (CachingConnection counts
 * each statement that ends outside a transaction and may have written: a `commit`, or a write on its
 * own). The reader's ReadCache drops what it kept as soon as the count moves, without asking SQLite.
 */
export class WriterCommits {
  count = 0;
}

/**
 * What a connection that never writes has read, kept until any connection commits. It spares a hot
 * read SQLite's work, which is most of a GET /charges/:id's (the page cache of a reader is cold
 * between requests). The entries are frozen: every caller shares them. A commit is seen two ways:
 * - this process's writer: WriterCommits, at once, so a request answered after its own change reads it;
 * - any other connection to the file (another process: SQLite is for one process, but nothing stops
 *   a second one): SQLite's `PRAGMA data_version`, which moves on this connection whenever another
 *   connection has committed since it was last asked. Asking costs a read transaction (two `fcntl`
 *   calls on the shared-memory file, 7.5 µs of a GET's 110 µs in one measurement), so it is asked
 *   once per turn of the event loop, by the first read of the turn: another process's commit is seen
 *   from the next turn on, as if the requests of this turn had arrived a moment earlier.
 */
export class ReadCache {
  private version: unknown;
  /** WriterCommits.count when the entries were valid. */
  private commitsSeen = -1;
  private readonly entries = new Map<string, unknown>();
  private readonly versionStatement: Database.Statement;
  /** data_version as asked this turn; undefined once the turn is over. */
  private askedThisTurn: unknown;
  private readonly turnOver = () => {
    this.askedThisTurn = undefined;
  };

  constructor(
    db: Database.Database,
    private readonly commits: WriterCommits,
  ) {
    this.versionStatement = db.prepare('pragma data_version').pluck();
  }

  /** data_version, asked at most once per turn of the event loop. */
  private fileVersion(): unknown {
    if (this.askedThisTurn === undefined) {
      this.askedThisTurn = this.versionStatement.get();
      setImmediate(this.turnOver);
    }
    return this.askedThisTurn;
  }

  async through<T>(key: string, load: () => Promise<T>): Promise<T> {
    const version = this.fileVersion();
    const commits = this.commits.count;
    if (version !== this.version || commits !== this.commitsSeen) {
      this.entries.clear();
      this.version = version;
      this.commitsSeen = commits;
    } else {
      const kept = this.entries.get(key);
      if (kept !== undefined) return kept as T;
    }
    const value = await load();
    // Kept only when something was found (ids nobody has cannot push the others out), the writer committed nothing
    // meanwhile, and no other caller saw a newer data_version (the value may be older than either).
    if (value !== undefined && this.version === version && this.commits.count === commits) {
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

/** How a connection takes part in the reader's cache: the writer counts its commits, the reader keeps what it read. */
export type CacheRole = { counts: WriterCommits } | { readsOnly: true; sees: WriterCommits } | undefined;

export class CachingConnection implements DatabaseConnection {
  private readonly statements = new Map<string, Database.Statement>();
  /** Only on a connection that never writes (the store's reader). */
  readonly readCache: ReadCache | undefined;
  /** Only on the writer whose commits a reader's cache watches. */
  private readonly commits: WriterCommits | undefined;
  constructor(
    private readonly db: Database.Database,
    role: CacheRole = undefined,
  ) {
    this.readCache = role && 'readsOnly' in role ? new ReadCache(db, role.sees) : undefined;
    this.commits = role && 'counts' in role ? role.counts : undefined;
  }

  /**
   * Runs a statement to completion: its rows, or what it changed. On the writer, a statement that
   * leaves no transaction open counts as a commit unless it is a plain read: a `commit` (which SQLite
   * calls read-only, as it changes nothing itself), or a write on its own.
   */
  runStatement(statement: Database.Statement, parameters: unknown[]): { rows: unknown[] } | Database.RunResult {
    const result = statement.reader ? { rows: statement.all(parameters) } : statement.run(parameters);
    if (this.commits !== undefined && !this.db.inTransaction && !(statement.reader && statement.readonly)) this.commits.count++;
    return result;
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
    const result = this.runStatement(this.statement(compiledQuery.sql), compiledQuery.parameters as unknown[]);
    if ('rows' in result) return { rows: result.rows as R[] };
    return { numAffectedRows: BigInt(result.changes), insertId: BigInt(result.lastInsertRowid), rows: [] };
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
    role: CacheRole,
  ) {
    this.connection = new CachingConnection(db, role);
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
  /**
   * `role`: the writer counts its commits, and a connection that never writes (`readsOnly`) keeps
   * what it read until a commit (ReadCache); undefined: neither.
   */
  constructor(database: Database.Database, begin: SqliteBegin, role: CacheRole = undefined) {
    super({ database });
    this.driver = new QueuedSqliteDriver(database, begin, role);
  }
  override createDriver(): Driver {
    return this.driver;
  }
  override createAdapter(): DirectSqliteAdapter {
    return new DirectSqliteAdapter(this.driver.connection);
  }
}

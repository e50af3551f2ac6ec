/**
 * Rows straight into a Satang database, fast, for benches that need a big one (set-up, not the path under test):
 * SQLite through one better-sqlite3 connection (prepared inserts, synchronous off, a big page cache), PostgreSQL
 * through `insert ... select * from unnest($1::text[], ...)` (thousands of rows a statement). Tables with a `seq`
 * column (store/sequence.ts) get one counting on from the table's largest on SQLite; PostgreSQL's default assigns it.
 * The caller opens and closes transactions with `begin`/`commit`, around as many rows as it likes.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { dialectOf } from '../src/store/dialect.js';
import { sequencedTables } from '../src/store/sequence.js';
import { openStore, type StoreOptions } from '../src/store/store.js';

export type Row = Record<string, string | number | null>;

export interface BulkLoader {
  begin(): Promise<void>;
  insert(table: string, rows: Row[]): Promise<void>;
  commit(): Promise<void>;
  /** Runs a statement (setup, ANALYZE): SQLite's exec, PostgreSQL's query. */
  exec(statement: string): Promise<void>;
  close(): Promise<void>;
}

const sequenced = new Set<string>([...sequencedTables, 'request_log']);

export function sqliteLoader(file: string): BulkLoader {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -262144'); // 256 MB: the unique indexes of random ids stay in memory while loading
  const statements = new Map<string, Database.Statement>();
  const nextSeq = new Map<string, number>();
  return {
    async begin() {
      db.exec('begin');
    },
    async insert(table, rows) {
      if (rows.length === 0) return;
      const columns = Object.keys(rows[0]);
      const withSeq = sequenced.has(table);
      const key = `${table}(${columns.join(',')})`;
      let statement = statements.get(key);
      if (!statement) {
        const names = withSeq ? [...columns, 'seq'] : columns;
        statement = db.prepare(`insert into ${table} (${names.join(', ')}) values (${names.map((c) => `@${c}`).join(', ')})`);
        statements.set(key, statement);
      }
      let seq = nextSeq.get(table);
      if (withSeq && seq === undefined) seq = Number((db.prepare(`select max(seq) as last from ${table}`).get() as { last: number | null }).last ?? 0) + 1;
      // A charge is queued for the full-text index beside it, as insertCharge does (migration 0021).
      const queue = table === 'charges' ? db.prepare('insert into charges_fts_queue (seq, indexed) values (?, 0) on conflict (seq) do nothing') : undefined;
      for (const row of rows) {
        const numbered = seq!;
        statement.run(withSeq ? { ...row, seq: seq!++ } : row);
        queue?.run(numbered);
      }
      if (withSeq) nextSeq.set(table, seq!);
    },
    async commit() {
      db.exec('commit');
    },
    async exec(statement) {
      db.exec(statement);
    },
    async close() {
      db.close();
    },
  };
}

export async function postgresLoader(databaseUrl: string, schema: string): Promise<BulkLoader> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query(`set search_path to ${schema}`);
  await client.query('set synchronous_commit = off');
  const types = new Map<string, Map<string, string>>();
  const typesOf = async (table: string) => {
    let columns = types.get(table);
    if (!columns) {
      const { rows } = await client.query<{ column_name: string; data_type: string }>(
        'select column_name, data_type from information_schema.columns where table_schema = $1 and table_name = $2',
        [schema, table],
      );
      columns = new Map(rows.map((r) => [r.column_name, r.data_type === 'character varying' ? 'text' : r.data_type]));
      types.set(table, columns);
    }
    return columns;
  };
  return {
    async begin() {
      await client.query('begin');
    },
    async insert(table, rows) {
      if (rows.length === 0) return;
      const columns = Object.keys(rows[0]);
      const known = await typesOf(table);
      for (let start = 0; start < rows.length; start += 5000) {
        const slice = rows.slice(start, start + 5000);
        const arrays = columns.map((column) => slice.map((row) => row[column]));
        const casts = columns.map((column, index) => {
          const type = known.get(column);
          if (!type) throw new Error(`${table}.${column}: no such column`);
          return `$${index + 1}::${type}[]`;
        });
        await client.query(`insert into ${table} (${columns.join(', ')}) select * from unnest(${casts.join(', ')})`, arrays);
      }
    },
    async commit() {
      await client.query('commit');
    },
    async exec(statement) {
      await client.query(statement);
    },
    async close() {
      await client.end();
    },
  };
}

/**
 * Indexes for search every charge the load queued (SQLite's index is written after the fact, migration 0018), as
 * a running shop has it: left queued, the gateway's job would index them while the bench measures something else.
 * Set-up, not the path under test. Returns how many it indexed (0 on PostgreSQL, whose index is written in step).
 */
export async function indexLoadedCharges(storeOptions: StoreOptions): Promise<number> {
  const store = await openStore({ ...storeOptions, sqliteSynchronous: 'NORMAL' });
  let indexed = 0;
  try {
    for (let count; (count = await store.transaction((tx) => dialectOf(tx).textIndex.indexQueued(tx, 10_000))) > 0; ) indexed += count;
  } finally {
    await store.close();
  }
  return indexed;
}

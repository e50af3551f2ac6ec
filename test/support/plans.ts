/**
 * How a store's statements are planned: the SQL and parameters a store function would run, compiled by Kysely with no
 * database behind it, and the indexes the test's database would read charges through.
 */
import {
  CompiledQuery,
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';
import type { DB } from '../../src/store/schema.js';
import type { Harness } from './harness.js';

/** The statements `run` would send, compiled for the test's store (DummyDriver: nothing is run). */
export async function statementsOf(h: Pick<Harness, 'dialect'>, run: (db: Kysely<DB>) => Promise<unknown>): Promise<CompiledQuery[]> {
  const compiled: CompiledQuery[] = [];
  const postgres = h.dialect === 'postgres';
  const db = new Kysely<DB>({
    dialect: {
      createAdapter: () => (postgres ? new PostgresAdapter() : new SqliteAdapter()),
      createDriver: () => new DummyDriver(),
      createIntrospector: (inner) => (postgres ? new PostgresIntrospector(inner) : new SqliteIntrospector(inner)),
      createQueryCompiler: () => (postgres ? new PostgresQueryCompiler() : new SqliteQueryCompiler()),
    },
    log: (event) => {
      if (event.level === 'query') compiled.push(event.query);
    },
  });
  await run(db);
  await db.destroy();
  return compiled;
}

/**
 * The indexes a statement's plan reads charges through, explained on the test's database; '(scan)' for each read of
 * the whole table, by itself or in an index's order (SQLite's `SCAN charges USING INDEX …` reads every entry too).
 */
export async function chargeIndexesOf(h: Pick<Harness, 'dialect' | 'store'>, statement: CompiledQuery): Promise<string[]> {
  if (h.dialect === 'postgres') {
    const { rows } = await h.store.read.executeQuery<{ 'QUERY PLAN': unknown }>(CompiledQuery.raw(`explain (format json) ${statement.sql}`, [...statement.parameters]));
    const raw = rows[0]['QUERY PLAN'];
    const found: string[] = [];
    const walk = (node: Record<string, unknown>) => {
      // The scans of charges (the Update node names the table too).
      if (node['Relation Name'] === 'charges' && String(node['Node Type']).endsWith('Scan')) found.push(typeof node['Index Name'] === 'string' ? node['Index Name'] : '(scan)');
      for (const inner of (node.Plans as Array<Record<string, unknown>> | undefined) ?? []) walk(inner);
    };
    walk((typeof raw === 'string' ? JSON.parse(raw) : raw)[0].Plan);
    return found;
  }
  const { rows } = await h.store.read.executeQuery<{ detail: string }>(CompiledQuery.raw(`explain query plan ${statement.sql}`, [...statement.parameters]));
  return rows
    .filter((row) => /^(SCAN|SEARCH) charges\b/.test(row.detail))
    .map((row) => (row.detail.startsWith('SCAN') ? '(scan)' : (/USING (?:COVERING )?INDEX (\S+)/.exec(row.detail)?.[1] ?? '(rowid)')));
}

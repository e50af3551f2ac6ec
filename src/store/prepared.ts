/**
 * Hot queries: built and compiled by Kysely once per dialect, then run with new
 * parameters only. Kysely builds and compiles every query anew, which costs more than
 * running a point query; the queries on every request's path skip that.
 *
 * A query is built with named placeholders; compiling it shows where each lands among
 * the positional parameters, so later calls put the real values in the same places.
 */
import type { Compilable, CompiledQuery, Kysely } from 'kysely';
import { dialectOf } from './dialect.js';
import type { DB } from './schema.js';

const placeholderPrefix = '\u0001satang-param:';

interface Compiled {
  sql: string;
  /** For each positional parameter: the name of the argument, or a constant the builder put there. */
  slots: Array<{ name: string } | { constant: unknown }>;
}

const compiledByDialect = new WeakMap<object, Map<string, Compiled>>();

/**
 * The SQL of every hot query compiled for PostgreSQL, with a statement name: there each
 * runs as a named prepared statement, parsed and planned once per connection instead of
 * on every call (see preparedStatementName in store.ts's pool).
 */
const preparedNames = new Map<string, string>();

/** The prepared-statement name of a hot query's SQL, or undefined for any other SQL. */
export function preparedStatementName(sql: string): string | undefined {
  return preparedNames.get(sql);
}

function compileOnce(db: Kysely<DB>, key: string, compile: () => CompiledQuery): Compiled {
  const adapter = db.getExecutor().adapter as object;
  let cache = compiledByDialect.get(adapter);
  if (!cache) compiledByDialect.set(adapter, (cache = new Map()));
  let compiled = cache.get(key);
  if (!compiled) {
    const query = compile();
    compiled = {
      sql: query.sql,
      slots: query.parameters.map((value) =>
        typeof value === 'string' && value.startsWith(placeholderPrefix) ? { name: value.slice(placeholderPrefix.length) } : { constant: value },
      ),
    };
    cache.set(key, compiled);
    if (dialectOf(db).namesPreparedStatements && !preparedNames.has(query.sql)) preparedNames.set(query.sql, `satang_hot_${preparedNames.size + 1}`);
  }
  return compiled;
}

function argumentsFor(compiled: Compiled, args: Record<string, unknown>, extra?: Record<string, unknown>): unknown[] {
  return compiled.slots.map((slot) => {
    if ('constant' in slot) return slot.constant;
    if (extra !== undefined && slot.name in extra) return extra[slot.name];
    if (!(slot.name in args)) throw new Error(`hot query argument ${slot.name} missing`);
    return args[slot.name];
  });
}

/** Placeholders for building: `p.id` stands for the `id` argument. */
const placeholders = new Proxy({} as Record<string, any>, { get: (_target, name) => `${placeholderPrefix}${String(name)}` });

/**
 * Defines a query whose arguments are named: `preparedQuery('findCharge', (db, p) => db.selectFrom(...).where('id', '=', p.id))`.
 * The result runs it on any Kysely handle (a transaction too) with real arguments.
 */
export function preparedQuery<A extends Record<string, unknown>, R>(
  key: string,
  build: (db: Kysely<DB>, p: { [K in keyof A]: A[K] }) => Compilable<R>,
): (db: Kysely<DB>, args: A) => Promise<R[]> {
  return async (db, args) => {
    const compiled = compileOnce(db, key, () => build(db, placeholders as any).compile());
    return dialectOf(db).run<R>(db, compiled, argumentsFor(compiled, args), true);
  };
}

/**
 * Inserts one row, with `extra` columns beside it (a seq: see store/sequence.ts); the statement is
 * compiled once per table and column list. The extra columns are passed apart, never spread into a
 * copy of the row: V8 gives a copy of a row as wide as a charge's (45 columns) a slow, large shape,
 * which cost a quarter of POST /charges' CPU and 40 MB of heap when it was tried.
 */
export async function preparedInsert<T extends keyof DB>(db: Kysely<DB>, table: T, row: Record<string, unknown>, extra?: Record<string, unknown>): Promise<void> {
  const columns = extra === undefined ? Object.keys(row) : [...Object.keys(row), ...Object.keys(extra)];
  const compiled = compileOnce(db, `insert ${table} ${columns.join(',')}`, () =>
    db
      .insertInto(table)
      .values(Object.fromEntries(columns.map((column) => [column, `${placeholderPrefix}${column}`])) as any)
      .compile(),
  );
  await dialectOf(db).run(db, compiled, argumentsFor(compiled, row, extra), false);
}

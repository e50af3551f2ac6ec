/**
 * Migration 0016_operator_roles: operators from before roles become owners, with nothing else about
 * them changed (they sign in as before: active, no two-factor). Both stores, from a database at
 * 0014_webhook_chaos with two operators in it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { migrationProvider } from '../../src/store/migrations.js';
import { listOperators } from '../../src/store/operators.js';
import { openStore, type Store } from '../../src/store/store.js';
import { dropSchema, inCi, postgresReady, postgresUrl } from '../support/harness.js';

const before0016 = '0014_webhook_chaos';
const old = [
  { id: 'oper_first', email: 'first@example.com', password_hash: 'scrypt$32768$8$1$c2FsdA$aGFzaA', created_at: 1_700_000_000_000 },
  { id: 'oper_second', email: 'second@example.com', password_hash: 'scrypt$32768$8$1$c2FsdDI$aGFzaDI', created_at: 1_700_000_001_000 },
];

async function prepare(db: Kysely<any>, schema?: string): Promise<void> {
  const { error } = await new Migrator({ db, provider: migrationProvider, migrationTableSchema: schema }).migrateTo(before0016);
  if (error) throw error;
  for (const operator of old) await db.insertInto('operators').values(operator).execute();
}

async function sqliteBefore(): Promise<{ open(): Promise<Store>; drop(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'satang-migration-'));
  const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(join(dataDir, 'satang.sqlite')) }) });
  try {
    await prepare(db);
  } finally {
    await db.destroy();
  }
  return { open: () => openStore({ dataDir, sqliteSynchronous: 'NORMAL' }), drop: async () => rmSync(dataDir, { recursive: true, force: true }) };
}

async function postgresBefore(): Promise<{ open(): Promise<Store>; drop(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'satang-migration-'));
  const schema = `t_operator_roles_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const pool = new pg.Pool({ connectionString: postgresUrl, max: 1, options: `-c search_path=${schema}` });
  await pool.query(`create schema ${schema}`);
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
  try {
    await prepare(db, schema);
  } finally {
    await db.destroy();
  }
  return {
    open: () => openStore({ dataDir, databaseUrl: postgresUrl, schema, poolSize: 2 }),
    async drop() {
      await dropSchema(schema);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

for (const [dialect, makeOld] of [['sqlite', sqliteBefore], ['postgres', postgresBefore]] as const) {
  const title = `migration 0016_operator_roles makes existing operators owners [${dialect}]`;
  if (dialect === 'postgres' && !postgresReady) {
    if (inCi) test(title, () => assert.fail(`PostgreSQL is not reachable at ${postgresUrl}, and CI=true requires it`));
    else describe(title, { skip: `no PostgreSQL server at ${postgresUrl}` }, () => {});
    continue;
  }
  describe(title, () => {
    let database: Awaited<ReturnType<typeof makeOld>> | undefined;
    let store: Store | undefined;
    after(async () => {
      await store?.close();
      await database?.drop();
    });
    test('every operator is an owner, active, without two-factor; the rest of the row as it was', async () => {
      database = await makeOld();
      store = await database.open();
      await store.migrate();
      const operators = await listOperators(store.read);
      assert.deepEqual(
        operators.map((o) => ({ id: o.id, email: o.email, password_hash: o.password_hash, created_at: Number(o.created_at), role: o.role, disabled_at: o.disabled_at, totp_secret: o.totp_secret })),
        old.map((o) => ({ ...o, role: 'owner', disabled_at: null, totp_secret: null })),
      );
    });
  });
}

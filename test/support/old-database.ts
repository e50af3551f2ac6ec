/**
 * A database left at an older migration, with rows written the way that version wrote them, for the
 * tests of a later migration: migrate it to `name`, let `fill` write its rows, then hand back a way to
 * open the store (which migrates it to the latest) and to drop it. One function per store, and one
 * `describe` that runs a migration's test on both (PostgreSQL skipped without a server, failed in CI).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { migrationProvider } from '../../src/store/migrations.js';
import { openStore, type Store } from '../../src/store/store.js';
import { dropSchema, inCi, postgresReady, postgresUrl } from './harness.js';

export interface OldDatabase {
  /** The store on that database, opened (and migrated to the latest) by the test. */
  open(): Promise<Store>;
  drop(): Promise<void>;
}

/** Writes the old version's rows into a database at that version. */
export type Fill = (db: Kysely<any>) => Promise<void>;

async function migrateTo(db: Kysely<any>, name: string, schema?: string): Promise<void> {
  const { error } = await new Migrator({ db, provider: migrationProvider, migrationTableSchema: schema }).migrateTo(name);
  if (error) throw error;
}

export async function sqliteAt(name: string, fill: Fill): Promise<OldDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'satang-migration-'));
  const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(join(dataDir, 'satang.sqlite')) }) });
  try {
    await migrateTo(db, name);
    await fill(db);
  } finally {
    await db.destroy();
  }
  return { open: () => openStore({ dataDir, sqliteSynchronous: 'NORMAL' }), drop: async () => rmSync(dataDir, { recursive: true, force: true }) };
}

/** `label` names the schema (a-z and _), so a schema left by a killed run says whose it was. */
export async function postgresAt(name: string, fill: Fill, label: string): Promise<OldDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'satang-migration-'));
  const schema = `t_${label}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const pool = new pg.Pool({ connectionString: postgresUrl, max: 1, options: `-c search_path=${schema}` });
  await pool.query(`create schema ${schema}`);
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
  try {
    await migrateTo(db, name, schema);
    await fill(db);
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

/** Runs `body` once per store on a database at migration `name` filled by `fill`. */
export function describeFromOldDatabase(title: string, name: string, fill: Fill, label: string, body: (makeOld: () => Promise<OldDatabase>) => void): void {
  for (const dialect of ['sqlite', 'postgres'] as const) {
    const full = `${title} [${dialect}]`;
    if (dialect === 'postgres' && !postgresReady) {
      if (inCi) test(full, () => assert.fail(`PostgreSQL is not reachable at ${postgresUrl}, and CI=true requires it`));
      else describe(full, { skip: `no PostgreSQL server at ${postgresUrl}` }, () => {});
      continue;
    }
    describe(full, () => body(dialect === 'sqlite' ? () => sqliteAt(name, fill) : () => postgresAt(name, fill, label)));
  }
}

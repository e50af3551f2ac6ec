/**
 * Migration 0007 numbers the rows written before it in the order lists showed them then
 * (created_at, id), and rows written after it follow on; a batch's rows count on in the order
 * they were written.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, sql } from 'kysely';
import { migrationProvider } from '../../src/store/migrations.js';
import { openStore, sqliteFile, type Store } from '../../src/store/store.js';
import type { DB } from '../../src/store/schema.js';
import { insertEvent } from '../../src/store/events.js';
import type { EventRow } from '../../src/store/schema.js';
import { dropSchema, inCi, postgresReady, postgresUrl } from '../support/harness.js';
import { releaseAll } from '../support/release.js';

function event(id: string, createdAt: number): EventRow {
  return { id, account_id: 'acct_1', livemode: 0, key: 'charge.create', charge_id: 'chrg_1', object_type: 'charge', object_id: 'chrg_1', snapshot: '{}', created_at: createdAt };
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`seq: migration 0007 and new rows [${dialect}]`, { skip: dialect === 'postgres' && !postgresReady && !inCi ? `no PostgreSQL at ${postgresUrl}` : false }, () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'satang-seq-'));
    const schema = `t_seq_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    let store: Store;
    before(async () => {
      store = await openStore(dialect === 'sqlite' ? { dataDir, sqliteSynchronous: 'NORMAL' } : { dataDir, databaseUrl: postgresUrl, schema, poolSize: 2 });
    });
    after(() =>
      releaseAll([
        ['the store', () => store?.close()],
        ['the schema', () => (dialect === 'postgres' ? dropSchema(schema) : undefined)],
        ['the data dir', () => rmSync(dataDir, { recursive: true, force: true })],
      ]),
    );

    test('rows from before are numbered by (created_at, id); later rows come after them, in the order written', async () => {
      // The database as an older Satang left it, written through a handle of its own (the store's SQLite reader never writes).
      const old = dialect === 'sqlite' ? new Kysely<DB>({ dialect: new SqliteDialect({ database: new Database(sqliteFile(dataDir)) }) }) : store.read;
      const migrator = new Migrator({ db: old, provider: migrationProvider, migrationTableSchema: dialect === 'postgres' ? schema : undefined });
      const to6 = await migrator.migrateTo('0006_dashboard');
      assert.equal(to6.error, undefined, String(to6.error));
      // Written before 0007, in an order unlike their list order.
      for (const [id, createdAt] of [
        ['evnt_c', 2000],
        ['evnt_a', 1000],
        ['evnt_b', 2000],
        ['evnt_d', 500],
      ] as const) {
        await old.insertInto('events').values(event(id, createdAt)).execute();
      }
      if (old !== store.read) await old.destroy();
      await store.migrate();
      const numbered = await sql<{ id: string; seq: number }>`select id, seq from events order by seq`.execute(store.read);
      assert.deepEqual(
        numbered.rows.map((row) => [row.id, Number(row.seq)]),
        [
          ['evnt_d', 1],
          ['evnt_a', 2],
          ['evnt_b', 3],
          ['evnt_c', 4],
        ],
      );
      // One transaction writing several rows, then another: each counts on.
      await store.transaction(async (tx) => {
        await insertEvent(tx, event('evnt_z', 100));
        await insertEvent(tx, event('evnt_y', 100));
      });
      await store.transaction((tx) => insertEvent(tx, event('evnt_x', 100)));
      const later = await sql<{ id: string; seq: number }>`select id, seq from events where created_at = 100 order by seq`.execute(store.read);
      assert.deepEqual(
        later.rows.map((row) => row.id),
        ['evnt_z', 'evnt_y', 'evnt_x'],
      );
      assert.ok(later.rows.every((row) => Number(row.seq) > 4));
    });
  });
}

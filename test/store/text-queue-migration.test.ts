/**
 * Migration 0021 (SQLite): a new charge is queued for the full-text index by insertCharge's own statement, not by a
 * trigger (a trigger on an INSERT costs SQLite a statement journal per charge). Down, the trigger queues again.
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
import { makeKeys, startTestGateway, type TestGateway, injectRequest } from '../support/harness.js';
import { releaseAll } from '../support/release.js';

describe('migration 0021_text_queue_by_writer [sqlite]', () => {
  let dataDir: string;
  let store: Store;
  let running: TestGateway;
  let secretKey: string;
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'satang-text-queue-'));
    store = await openStore({ dataDir, sqliteSynchronous: 'NORMAL' });
    await store.migrate();
    running = await startTestGateway(store);
    secretKey = (await makeKeys(store)).secretKey;
  });
  after(() =>
    releaseAll([
      ['the gateway', () => running?.close()],
      ['the store', () => store?.close()],
      ['the data dir', () => rmSync(dataDir, { recursive: true, force: true })],
    ]),
  );

  const triggers = async () => (await sql<{ name: string }>`select name from sqlite_master where type = 'trigger' and tbl_name = 'charges' order by name`.execute(store.read)).rows.map((row) => row.name);
  const queued = async () => (await sql<{ seq: number }>`select seq from charges_fts_queue where indexed = 0`.execute(store.read)).rows.length;
  const charge = async (description: string) => {
    const res = await injectRequest(running.app, { method: 'POST', url: '/charges', key: secretKey, json: { amount: 40000, currency: 'THB', source: { type: 'truemoney_qr' }, description } });
    assert.equal(res.status, 200, res.body);
    return res.json.id as string;
  };
  const found = async (query: string) => (await injectRequest(running.app, { url: `/search?scope=charge&query=${encodeURIComponent(query)}`, key: secretKey })).json.data.map((c: any) => c.id);

  test('no insert trigger on charges; a charge made through the API is queued by its own write and found before the index job runs', async () => {
    assert.ok(!(await triggers()).includes('charges_fts_queue_insert'));
    const before = await queued();
    const id = await charge('Hornbill lantern');
    assert.equal(await queued(), before + 1);
    assert.deepEqual(await found('hornbill'), [id]);
    await running.gateway.textIndex.runOnce();
    assert.equal(await queued(), 0);
    assert.deepEqual(await found('hornbill'), [id], 'and after it');
  });

  test('down, the trigger queues new charges again; up, it is gone and nothing is queued twice', async () => {
    const own = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(sqliteFile(dataDir)) }) });
    try {
      const migrator = new Migrator({ db: own, provider: migrationProvider });
      const down = await migrator.migrateDown();
      assert.equal(down.error, undefined, String(down.error));
      assert.ok((await triggers()).includes('charges_fts_queue_insert'));
      // This version's writer queues as well: the queue's key keeps it once.
      const id = await charge('Kingfisher kettle');
      assert.equal(await queued(), 1);
      const up = await migrator.migrateToLatest();
      assert.equal(up.error, undefined, String(up.error));
      assert.ok(!(await triggers()).includes('charges_fts_queue_insert'));
      assert.deepEqual(await found('kingfisher'), [id]);
    } finally {
      await own.destroy();
    }
  });
});

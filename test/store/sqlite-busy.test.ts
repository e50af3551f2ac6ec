/**
 * SQLite has one writer at a time across processes. When another process (a second gateway, a `satang` command, a
 * backup tool) holds the write lock for longer than the gateway's busy timeout, a change is answered with an
 * Omise-style 503 that says nothing was changed, never a 500, and the same request succeeds once the lock is gone.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { makeKeys, injectRequest, type Keys, openTestStore, startTestGateway, type TestGateway, type TestStore } from '../support/harness.js';
import { releaseAll } from '../support/release.js';

describe('another process holding SQLite\'s write lock past the busy timeout', () => {
  let testStore: TestStore;
  let gateway: TestGateway;
  let keys: Keys;
  let file: string;
  before(async () => {
    testStore = await openTestStore('sqlite', 'sqlite busy');
    gateway = await startTestGateway(testStore.store);
    keys = await makeKeys(testStore.store);
    const { rows } = await sql<{ name: string; file: string }>`pragma database_list`.execute(testStore.store.read);
    file = rows.find((row) => row.name === 'main')!.file;
  });
  after(() =>
    releaseAll([
      ['the gateway', () => gateway?.close()],
      ['the store', () => testStore?.drop()],
    ]),
  );

  const createCharge = () =>
    injectRequest(gateway.app, { method: 'POST', url: '/charges', key: keys.secretKey, json: { amount: 12345, currency: 'THB', source: { type: 'truemoney_qr' } } });
  const chargeCount = async () => (await injectRequest(gateway.app, { url: '/charges?limit=1', key: keys.secretKey })).json.total;

  test('the change is refused with 503 service_unavailable and Retry-After, nothing is written, and it succeeds once the lock is released', async () => {
    const before = await chargeCount();
    const other = new Database(file);
    try {
      other.exec('begin immediate');
      const refused = await createCharge();
      assert.equal(refused.status, 503, refused.body);
      assert.equal(refused.json.object, 'error');
      assert.equal(refused.json.code, 'service_unavailable');
      assert.match(refused.json.message, /busy; nothing was changed/);
      assert.equal(refused.headers['retry-after'], '1');
      other.exec('rollback');
    } finally {
      other.close();
    }
    assert.equal(await chargeCount(), before);
    const created = await createCharge();
    assert.equal(created.status, 200, created.body);
    assert.equal(await chargeCount(), before + 1);
  });
});

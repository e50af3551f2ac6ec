/**
 * On SQLite the reader keeps a charge it read until any connection commits (store/sqlite-dialect.ts
 * ReadCache): a merchant polling GET /charges/:id must still see every change at once, made by this
 * process (in the same turn of the event loop) or by another process on the same file (from the next
 * turn), and never another account's charge.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { after, before, describe, test } from 'node:test';
import { CachingConnection, type ReadCache, WriterCommits } from '../../src/store/sqlite-dialect.js';
import { openStore, type Store } from '../../src/store/store.js';
import { injectRequest, makeKeys, openTestStore, type Keys, type RequestOptions, startTestGateway, type TestGateway, type TestResponse, type TestStore } from '../support/harness.js';
import { releaseAll } from '../support/release.js';

describe('the SQLite reader keeps what it read only until something commits', () => {
  let first: TestStore;
  let second: Store;
  let gatewayA: TestGateway;
  let gatewayB: TestGateway;
  let keys: Keys;
  let other: Keys;
  const viaA = (options: RequestOptions): Promise<TestResponse> => injectRequest(gatewayA.app, options);
  const viaB = (options: RequestOptions): Promise<TestResponse> => injectRequest(gatewayB.app, options);

  before(async () => {
    first = await openTestStore('sqlite', 'read cache');
    // A second process on the same file: its own connections, its own reader.
    second = await openStore({ dataDir: first.location.dataDir, sqliteSynchronous: 'NORMAL' });
    gatewayA = await startTestGateway(first.store);
    gatewayB = await startTestGateway(second);
    keys = await makeKeys(first.store);
    other = await makeKeys(first.store, 'Other merchant');
  });
  after(() =>
    releaseAll([
      ['gateway A', () => gatewayA?.close()],
      ['gateway B', () => gatewayB?.close()],
      ['the second store', () => second?.close()],
      ['the first store', () => first?.drop()],
    ]),
  );

  async function newCharge(): Promise<string> {
    const created = await viaA({ method: 'POST', url: '/charges', key: keys.secretKey, json: { amount: 50000, currency: 'THB', source: { type: 'truemoney_qr' } } });
    assert.equal(created.status, 200, created.body);
    return created.json.id;
  }

  async function polled(request: typeof viaA, id: string, key = keys.secretKey): Promise<TestResponse> {
    // Twice: the second answer is the one kept from the first, if anything is.
    await request({ url: `/charges/${id}`, key });
    return request({ url: `/charges/${id}`, key });
  }

  test('a change made through this process is seen by the next GET', async () => {
    const id = await newCharge();
    assert.equal((await polled(viaA, id)).json.description, null);
    const patched = await viaA({ method: 'PATCH', url: `/charges/${id}`, key: keys.secretKey, json: { description: 'order 42' } });
    assert.equal(patched.status, 200, patched.body);
    assert.equal((await viaA({ url: `/charges/${id}`, key: keys.secretKey })).json.description, 'order 42');
  });

  test('a payment and a refund committed by another process on the file are seen by the next GET here', async () => {
    const id = await newCharge();
    assert.equal((await polled(viaA, id)).json.status, 'pending');
    const paid = await viaB({ method: 'POST', url: `/charges/${id}/mark_as_paid`, key: keys.secretKey });
    assert.equal(paid.status, 200, paid.body);
    const afterPaid = await viaA({ url: `/charges/${id}`, key: keys.secretKey });
    assert.equal(afterPaid.json.status, 'successful');
    assert.equal(afterPaid.json.paid, true);
    assert.equal((await polled(viaA, id)).json.refunded_amount, 0);
    const refund = await viaB({ method: 'POST', url: `/charges/${id}/refunds`, key: keys.secretKey, json: { amount: 10000 } });
    assert.equal(refund.status, 200, refund.body);
    const afterRefund = await viaA({ url: `/charges/${id}`, key: keys.secretKey });
    assert.equal(afterRefund.json.refunded_amount, 10000);
    assert.deepEqual(
      afterRefund.json.refunds.data.map((r: { id: string }) => r.id),
      [refund.json.id],
    );
  });

  test('a charge created by another process is found here at once, after this process looked for it and found nothing', async () => {
    const missing = await viaA({ url: '/charges/chrg_test_doesnotexist000000', key: keys.secretKey });
    assert.equal(missing.status, 404);
    const created = await viaB({ method: 'POST', url: '/charges', key: keys.secretKey, json: { amount: 30000, currency: 'THB', source: { type: 'truemoney_qr' } } });
    assert.equal(created.status, 200, created.body);
    const found = await viaA({ url: `/charges/${created.json.id}`, key: keys.secretKey });
    assert.equal(found.status, 200, found.body);
    assert.equal(found.json.amount, 30000);
  });

  test('a charge deleted by a test-data reset in another process is no longer found here', async () => {
    const id = await newCharge();
    assert.equal((await polled(viaA, id)).status, 200);
    const reset = await viaB({ method: 'POST', url: '/test/reset', key: keys.secretKey });
    assert.equal(reset.status, 200, reset.body);
    const gone = await viaA({ url: `/charges/${id}`, key: keys.secretKey });
    assert.equal(gone.status, 404, gone.body);
    assert.equal(gone.json.code, 'not_found');
  });

  test('a charge its owner just read is still not found for another account, nor in live mode', async () => {
    const id = await newCharge();
    assert.equal((await polled(viaA, id)).status, 200);
    const stranger = await viaA({ url: `/charges/${id}`, key: other.secretKey });
    assert.equal(stranger.status, 404);
    assert.equal(stranger.json.code, 'not_found');
    assert.equal((await viaA({ url: `/charges/${id}`, key: keys.liveSecretKey })).status, 404);
  });
});

describe("the reader's cache and the writer's commits (one process)", () => {
  let dir: string;
  let writer: Database.Database;
  let reader: Database.Database;
  let stranger: Database.Database;
  let writing: CachingConnection;
  let cache: ReadCache;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'satang-read-cache-'));
    const file = join(dir, 'cache.sqlite');
    writer = new Database(file);
    writer.pragma('journal_mode = WAL');
    writer.exec('create table charge (id text primary key, status text not null)');
    writer.exec("insert into charge values ('chrg_1', 'pending')");
    reader = new Database(file);
    stranger = new Database(file);
    const commits = new WriterCommits();
    writing = new CachingConnection(writer, { counts: commits });
    const reading = new CachingConnection(reader, { readsOnly: true, sees: commits });
    cache = reading.readCache!;
  });
  after(() => {
    for (const connection of [writer, reader, stranger]) connection?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const status = () => cache.through('chrg_1', async () => reader.prepare("select status from charge where id = 'chrg_1'").pluck().get() as string);
  const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

  test("this process's commit is seen by the very next read, in the same turn of the event loop", async () => {
    await turn();
    assert.equal(await status(), 'pending');
    assert.equal(await status(), 'pending');
    // A write on its own, then a transaction, each committed before the next read, no turn between.
    writing.runStatement(writer.prepare("update charge set status = 'successful' where id = 'chrg_1'"), []);
    assert.equal(await status(), 'successful');
    writing.runStatement(writer.prepare('begin immediate'), []);
    writing.runStatement(writer.prepare("update charge set status = 'expired' where id = 'chrg_1'"), []);
    // Not committed yet: what the reader sees (and may keep) is still the committed status.
    assert.equal(await status(), 'successful');
    writing.runStatement(writer.prepare('commit'), []);
    assert.equal(await status(), 'expired');
  });

  test("another connection's commit is seen from the next turn of the event loop", async () => {
    await turn();
    assert.equal(await status(), 'expired');
    stranger.prepare("update charge set status = 'failed' where id = 'chrg_1'").run();
    await turn();
    assert.equal(await status(), 'failed');
    assert.equal(await status(), 'failed');
  });
});

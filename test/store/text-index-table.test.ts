/**
 * The full-text index follows every change of a charge's searchable text (on PostgreSQL it lives in a
 * table of its own since 0019, written by triggers; on SQLite it is FTS5 with its queue): a search finds
 * a charge by what it says now, whatever changed it, and a charge deleted with the test data leaves
 * nothing behind. A database from before 0019 keeps finding its charges after the upgrade.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { type Kysely, sql } from 'kysely';
import { planSearch } from '../../src/domain/search.js';
import { searchCharges } from '../../src/store/search.js';
import type { Store } from '../../src/store/store.js';
import { describeEachStore, type Harness } from '../support/harness.js';
import { describeFromOldDatabase, type OldDatabase } from '../support/old-database.js';

async function found(h: Harness, query: string): Promise<string[]> {
  const res = await h.request({ url: `/search?scope=charge&query=${encodeURIComponent(query)}`, key: h.keys.secretKey });
  assert.equal(res.status, 200, res.body);
  return res.json.data.map((charge: { id: string }) => charge.id);
}

async function newCharge(h: Harness, description: string, metadata: Record<string, string> = {}): Promise<{ id: string; transaction_id: string | null }> {
  const res = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: { amount: 25000, currency: 'THB', source: { type: 'truemoney_qr' }, description, metadata } });
  assert.equal(res.status, 200, res.body);
  return res.json;
}

describeEachStore('search: the text index follows each change of a charge', (h) => {
  test('a new description and new metadata are found, the old ones no longer', async () => {
    const charge = await newCharge(h, 'Blue heron feeder', { colour: 'cobalt' });
    assert.deepEqual(await found(h, 'heron'), [charge.id]);
    const patched = await h.request({ method: 'PATCH', url: `/charges/${charge.id}`, key: h.keys.secretKey, json: { description: 'Green parrot perch', metadata: { colour: 'viridian' } } });
    assert.equal(patched.status, 200, patched.body);
    assert.deepEqual(await found(h, 'parrot'), [charge.id]);
    assert.deepEqual(await found(h, 'viridian'), [charge.id]);
    assert.deepEqual(await found(h, 'heron'), []);
    assert.deepEqual(await found(h, 'cobalt'), []);
  });

  test('a payment: found by its transaction id, and still by its description; an expired charge still by its own', async () => {
    const paid = await newCharge(h, 'Kingfisher lamp');
    const marked = await h.request({ method: 'POST', url: `/charges/${paid.id}/mark_as_paid`, key: h.keys.secretKey });
    assert.equal(marked.status, 200, marked.body);
    const transactionId: string = marked.json.transaction;
    assert.match(transactionId, /^trxn_test_/);
    assert.deepEqual(await found(h, transactionId), [paid.id]);
    assert.deepEqual(await found(h, 'kingfisher'), [paid.id]);
    const expired = await newCharge(h, 'Pelican mug');
    assert.equal((await h.request({ method: 'POST', url: `/charges/${expired.id}/expire`, key: h.keys.secretKey })).status, 200);
    assert.deepEqual(await found(h, 'pelican'), [expired.id]);
  });

  test('a test-data reset deletes the charges and everything the index held of them', async () => {
    await newCharge(h, 'Cormorant kite');
    assert.equal((await found(h, 'cormorant')).length, 1);
    const reset = await h.request({ method: 'POST', url: '/test/reset', key: h.keys.secretKey });
    assert.equal(reset.status, 200, reset.body);
    assert.deepEqual(await found(h, 'cormorant'), []);
    if (h.dialect === 'postgres') {
      const { rows } = await sql<{ n: string }>`select count(*) as n from charge_texts`.execute(h.store.read);
      const charges = await h.store.read.selectFrom('charges').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
      assert.equal(Number(rows[0].n), Number(charges.n), 'one text per charge there is');
    }
  });
});

const at = 1_700_000_000_000;
const oldCharges = [
  { id: 'chrg_test_oldone000000000001', description: 'Albatross kettle', metadata: '{"order":"A-7731"}' },
  { id: 'chrg_test_oldtwo000000000002', description: 'Puffin teapot', metadata: '{"order":"B-1138"}' },
];

/** Charges written at 0018, as that version wrote them. */
async function writeOldCharges(db: Kysely<any>): Promise<void> {
  await db
    .insertInto('accounts')
    .values({ id: 'acct_old', name: 'Old shop', merchant_name: 'Old shop', biller_id: '010555000000301', fee_rate_bps: 365, fee_flat_satang: 0, truemoney_qr_test: 1, truemoney_qr_live: 0, is_default: 0, created_at: at })
    .execute();
  for (const [index, charge] of oldCharges.entries()) {
    await db
      .insertInto('charges')
      .values({
        ...charge,
        account_id: 'acct_old', livemode: 0, source_id: `src_test_old${index}`, amount: 40000, currency: 'THB', status: 'pending', return_uri: null, ip: null,
        payment_ref: `pay2_test_old${index}`, qr_ref1: `OLD${index}0000000000`, document_id: `docu_test_old${index}`, download_token: '0123456789ABCDEF',
        fee_rate_bps: 365, fee_flat_satang: 0, fee: 0, fee_vat: 0, net: 0, funding_source: null, failure_code: null, failure_message: null, transaction_id: null,
        webhook_endpoints: null, created_at: at + index, paid_at: null, authorized_at: null, expires_at: at + 86_400_000, expired_at: null, updated_at: at + index,
        qr_biller_id: '010555000000301', qr_merchant_name: 'Old shop', seq: index + 1,
      })
      .execute();
  }
}

describeFromOldDatabase('migration 0019_text_index_table: charges from before are still found', '0018_text_index_queue', writeOldCharges, 'text_index_table', (makeOld) => {
  let old: OldDatabase | undefined;
  let store: Store | undefined;
  after(async () => {
    await store?.close();
    await old?.drop();
  });

  test('after the upgrade a search finds the charges by description and metadata, and nothing else', async () => {
    old = await makeOld();
    store = await old.open();
    assert.ok((await store.pendingMigrations()).includes('0019_text_index_table'), 'the database starts before 0019');
    await store.migrate();
    assert.deepEqual(await store.pendingMigrations(), []);
    const scope = { accountId: 'acct_old', livemode: 0 };
    const search = async (query: string) => (await searchCharges(store!.read, scope, planSearch({ scope: 'charge', query }))).rows.map((row) => row.id);
    assert.deepEqual(await search('albatross'), [oldCharges[0].id]);
    assert.deepEqual(await search('B-1138'), [oldCharges[1].id]);
    assert.deepEqual(await search('walrus'), []);
  });
});

/**
 * Migration 0009_charge_qr: charges made before it get the biller id and merchant name of their
 * account, so their QR (now made from the charge row alone) is exactly the one they had before the
 * upgrade. Run on both stores from a database at 0006_dashboard with charges of two accounts in it.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { Kysely } from 'kysely';
import { billPaymentPayload } from '../../src/qr/payload.js';
import type { Store } from '../../src/store/store.js';
import { describeFromOldDatabase, type OldDatabase } from '../support/old-database.js';

const before0009 = '0006_dashboard';

const accounts = [
  { id: 'acct_thai', merchant_name: 'ร้านกาแฟ Satang Coffee Roasters Bangkok', biller_id: '010555000000101' },
  { id: 'acct_plain', merchant_name: 'Plain Shop', biller_id: '010555000000201' },
];
const charges = [
  { id: 'chrg_test_one', account_id: 'acct_thai', qr_ref1: 'ONE0000000000001', amount: 40000 },
  { id: 'chrg_test_two', account_id: 'acct_thai', qr_ref1: 'TWO0000000000002', amount: 12345 },
  { id: 'chrg_test_three', account_id: 'acct_plain', qr_ref1: 'THREE00000000003', amount: 10000 },
];

/** Rows as the tables stood at 0006_dashboard. */
async function writeOldRows(db: Kysely<any>): Promise<void> {
  const at = 1_700_000_000_000;
  for (const account of accounts) {
    await db
      .insertInto('accounts')
      .values({ ...account, name: account.id, fee_rate_bps: 365, fee_flat_satang: 0, truemoney_qr_test: 1, truemoney_qr_live: 0, is_default: 0, created_at: at })
      .execute();
  }
  for (const charge of charges) {
    await db
      .insertInto('charges')
      .values({
        ...charge,
        livemode: 0,
        source_id: `src_${charge.id}`,
        currency: 'THB',
        status: 'pending',
        description: null,
        metadata: '{}',
        return_uri: null,
        ip: null,
        payment_ref: `pay2_${charge.id}`,
        document_id: `docu_${charge.id}`,
        download_token: '0123456789ABCDEF',
        fee_rate_bps: 365,
        fee_flat_satang: 0,
        fee: 0,
        fee_vat: 0,
        net: 0,
        funding_source: null,
        failure_code: null,
        failure_message: null,
        transaction_id: null,
        webhook_endpoints: null,
        created_at: at,
        paid_at: null,
        authorized_at: null,
        expires_at: at + 86_400_000,
        expired_at: null,
        updated_at: at,
      })
      .execute();
  }
}

describeFromOldDatabase('migration 0009_charge_qr backfills charges from their account', before0009, writeOldRows, 'charge_qr_migration', (makeOld) => {
  let old: OldDatabase | undefined;
  let store: Store | undefined;
  after(async () => {
    await store?.close();
    await old?.drop();
  });

  test('each charge gets its account\'s biller id and merchant name, and its QR payload is the one it had before the upgrade', async () => {
    old = await makeOld();
    store = await old.open();
    assert.ok((await store.pendingMigrations()).includes('0009_charge_qr'), 'the database starts before 0009');
    await store.migrate();
    assert.deepEqual(await store.pendingMigrations(), []);

    const rows = await store.read.selectFrom('charges').selectAll().orderBy('id').execute();
    assert.equal(rows.length, charges.length);
    for (const row of rows) {
      const account = accounts.find((a) => a.id === row.account_id)!;
      assert.equal(row.qr_biller_id, account.biller_id, `${row.id}: biller id`);
      assert.equal(row.qr_merchant_name, account.merchant_name, `${row.id}: merchant name`);
      const before = billPaymentPayload({ billerId: account.biller_id, ref1: row.qr_ref1, amountSatang: row.amount, merchantName: account.merchant_name });
      const fromRow = billPaymentPayload({ billerId: row.qr_biller_id, ref1: row.qr_ref1, amountSatang: row.amount, merchantName: row.qr_merchant_name });
      assert.equal(fromRow, before, `${row.id}: the same QR as before the upgrade`);
    }
  });
});

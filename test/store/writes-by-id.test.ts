/**
 * A write to one charge finds it by its primary key, whatever the table's statistics say (store/scope.ts
 * checkedOnTheRow): a payment, a refund and a PATCH must not cost more as an account's charges pile up. On
 * PostgreSQL, with the statistics of an empty table (the migrations analyze it; autovacuum is off for it here, as
 * it has not come round yet on a new database), the payment's compare-and-set had been planned through the pending
 * charges' partial index, filtering every pending charge of the account by id.
 *
 * The statements are the store's own: compiled by Kysely with no database behind it (DummyDriver), then explained
 * on the test's database with their parameters. The outcomes (who wins, which rows change) are the lifecycle and
 * refund tests' business; here only how the row is found.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Kysely, sql } from 'kysely';
import { addRefundToCharge, transitionPendingCharge, updateChargeFields } from '../../src/store/charges.js';
import type { DB } from '../../src/store/schema.js';
import { describeEachStore } from '../support/harness.js';
import { chargeIndexesOf, statementsOf } from '../support/plans.js';

describeEachStore('writes to one charge find it by its primary key', (h) => {
  test('a payment, a refund and a PATCH, with 300 pending charges of the account and no statistics of them', async () => {
    if (h.dialect === 'postgres') await sql`alter table charges set (autovacuum_enabled = false)`.execute(h.store.read);
    const ids: string[] = [];
    for (let round = 0; round < 6; round++) {
      const made = await Promise.all(
        Array.from({ length: 50 }, () => h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: { amount: 40000, currency: 'THB', source: { type: 'truemoney_qr' } } })),
      );
      for (const res of made) {
        assert.equal(res.status, 200, res.body);
        ids.push(res.json.id);
      }
    }
    const scope = { accountId: h.keys.accountId, livemode: 0 };
    const id = ids[150];
    const now = Date.now();
    const writes: Array<[string, (db: Kysely<DB>) => Promise<unknown>]> = [
      ['payment', (db) => transitionPendingCharge(db, scope, id, { status: 'successful', funding_source: 'wallet', transaction_id: 'trxn_test_plan', paid_at: now, authorized_at: now, updated_at: now }, now)],
      ['expiry of one charge', (db) => transitionPendingCharge(db, scope, id, { status: 'expired', expired_at: now, updated_at: now })],
      ['refund', (db) => addRefundToCharge(db, scope, id, { refundedAmount: 0, refundCount: 0 }, { amount: 100, voided: false, atMs: now })],
      ['PATCH', (db) => updateChargeFields(db, scope, id, { description: 'plan', updated_at: now })],
    ];
    const primaryKey = h.dialect === 'postgres' ? 'charges_pkey' : 'sqlite_autoindex_charges_1';
    for (const [name, write] of writes) {
      const [statement, ...more] = await statementsOf(h, write);
      assert.equal(more.length, 0, `${name}: one statement`);
      assert.deepEqual(await chargeIndexesOf(h, statement), [primaryKey], `${name}: ${statement.sql}`);
    }
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { updateAccount } from '../../src/store/accounts.js';
import { sumTransactions } from '../../src/store/ledger.js';
import { createCharge } from '../../src/usecases/payments.js';
import { describeEachStore, type Harness, withLiveProvider } from '../support/harness.js';


async function newCharge(h: Harness, amount = 400000, key = h.keys.secretKey) {
  const res = await h.request({ method: 'POST', url: '/charges', key, json: { amount, currency: 'THB', source: { type: 'truemoney_qr' } } });
  assert.equal(res.status, 200, res.body);
  return res.json;
}

async function eventKeys(h: Harness, chargeId: string, key = h.keys.secretKey): Promise<string[]> {
  const res = await h.request({ url: `/charges/${chargeId}/events?limit=100`, key });
  return res.json.data.map((e: any) => e.key);
}

describeEachStore('charge lifecycle: completion, expiry, ledger', (h) => {
  test('mark_as_paid makes the charge successful with fees, a credit transaction and charge.complete', async () => {
    const charge = await newCharge(h, 400000);
    const res = await h.request({ method: 'POST', url: `/charges/${charge.id}/mark_as_paid`, key: h.keys.secretKey });
    assert.equal(res.status, 200, res.body);
    const paid = res.json;
    assert.equal(paid.status, 'successful');
    assert.equal(paid.paid, true);
    assert.equal(paid.authorized, true);
    assert.equal(paid.expired, false);
    assert.ok(paid.paid_at);
    assert.equal(paid.authorized_at, paid.paid_at);
    assert.equal(paid.fee, 14600); // 400000 × 3.65 %
    assert.equal(paid.fee_vat, 1022); // 14600 × 7 %
    assert.equal(paid.net, 400000 - 14600 - 1022);
    assert.deepEqual(paid.transaction_fees, { fee_flat: '0.0', fee_rate: '3.65', vat_rate: '7.0' });
    assert.equal(paid.authorized_amount, 400000);
    assert.equal(paid.captured_amount, 400000);
    assert.equal(paid.funding_amount, 400000);
    assert.equal(paid.source.charge_status, 'successful');
    assert.equal(paid.expires_at, charge.expires_at);
    assert.equal(paid.expired_at, null);
    assert.match(paid.transaction, /^trxn_test_[0-9a-z]{19}$/);

    const trxn = await h.request({ url: `/transactions/${paid.transaction}`, key: h.keys.secretKey });
    assert.equal(trxn.status, 200);
    assert.deepEqual(
      { object: trxn.json.object, direction: trxn.json.direction, key: trxn.json.key, amount: trxn.json.amount, origin: trxn.json.origin, currency: trxn.json.currency },
      { object: 'transaction', direction: 'credit', key: 'charge.captured.net', amount: paid.net, origin: charge.id, currency: 'THB' },
    );
    assert.deepEqual(await eventKeys(h, charge.id), ['charge.create', 'charge.complete']);
    const source = await h.request({ url: `/sources/${charge.source.id}`, key: h.keys.publicKey });
    assert.equal(source.json.charge_status, 'successful');
  });

  test('mark_as_paid takes a funding source and refuses unknown ones', async () => {
    const charge = await newCharge(h, 10000);
    const bad = await h.request({ method: 'POST', url: `/charges/${charge.id}/mark_as_paid`, key: h.keys.secretKey, json: { funding_source: 'gold_bars' } });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.code, 'bad_request');
    assert.match(bad.json.message, /funding_source must be one of wallet_balance, bank_account, credit_card, pay_next, pay_next_extra/);
    const ok = await h.request({ method: 'POST', url: `/charges/${charge.id}/mark_as_paid`, key: h.keys.secretKey, form: 'funding_source=pay_next' });
    assert.equal(ok.json.status, 'successful');
    const row = await h.store.read.selectFrom('charges').select('funding_source').where('id', '=', charge.id).executeTakeFirstOrThrow();
    assert.equal(row.funding_source, 'pay_next');
  });

  test('mark_as_failed ends the charge failed_processing with no money moved', async () => {
    const before = await h.request({ url: '/balance', key: h.keys.secretKey });
    const charge = await newCharge(h, 20000);
    const res = await h.request({ method: 'POST', url: `/charges/${charge.id}/mark_as_failed`, key: h.keys.secretKey });
    assert.equal(res.status, 200);
    assert.equal(res.json.status, 'failed');
    assert.equal(res.json.failure_code, 'failed_processing');
    assert.equal(res.json.failure_message, 'payment processing failed');
    assert.equal(res.json.paid, false);
    assert.equal(res.json.transaction, null);
    assert.equal(res.json.fee, 0);
    assert.deepEqual(res.json.transaction_fees, { fee_flat: null, fee_rate: null, vat_rate: '7.0' });
    assert.equal(res.json.source.charge_status, 'failed');
    assert.deepEqual(await eventKeys(h, charge.id), ['charge.create', 'charge.complete']);
    const after = await h.request({ url: '/balance', key: h.keys.secretKey });
    assert.equal(after.json.total, before.json.total);
    const again = await h.request({ method: 'POST', url: `/charges/${charge.id}/mark_as_paid`, key: h.keys.secretKey });
    assert.equal(again.status, 400);
    assert.equal(again.json.code, 'bad_request');
    assert.equal(again.json.message, 'charge is not pending (status: failed)');
  });

  test('expire ends a pending charge now; a terminal charge cannot be expired', async () => {
    const charge = await newCharge(h, 30000);
    const res = await h.request({ method: 'POST', url: `/charges/${charge.id}/expire`, key: h.keys.secretKey, headers: { 'content-type': 'application/json' }, body: '' });
    assert.equal(res.status, 200);
    assert.equal(res.json.status, 'expired');
    assert.equal(res.json.expired, true);
    assert.ok(res.json.expired_at);
    assert.equal(res.json.expires_at, res.json.expired_at);
    assert.equal(res.json.source.charge_status, 'expired');
    assert.deepEqual(await eventKeys(h, charge.id), ['charge.create', 'charge.expire']);
    const again = await h.request({ method: 'POST', url: `/charges/${charge.id}/expire`, key: h.keys.secretKey });
    assert.equal(again.status, 400);
    assert.equal(again.json.code, 'failed_expire');
    assert.equal(again.json.message, 'expire failed: charge is expired');
    const pay = await h.request({ method: 'POST', url: `/charges/${charge.id}/mark_as_paid`, key: h.keys.secretKey });
    assert.equal(pay.json.message, 'charge is not pending (status: expired)');
  });

  test('50 racing completion calls leave one terminal state and one event', async () => {
    for (let round = 0; round < 3; round++) {
      const charge = await newCharge(h, 15000);
      const actions = ['mark_as_paid', 'mark_as_failed', 'expire'];
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => h.request({ method: 'POST', url: `/charges/${charge.id}/${actions[(i + round) % 3]}`, key: h.keys.secretKey })),
      );
      const winners = results.filter((r) => r.status === 200);
      assert.equal(winners.length, 1, 'exactly one caller wins');
      for (const loser of results.filter((r) => r.status !== 200)) {
        assert.equal(loser.status, 400);
        assert.ok(['bad_request', 'failed_expire'].includes(loser.json.code), loser.body);
      }
      const keys = await eventKeys(h, charge.id);
      assert.equal(keys.filter((k) => k === 'charge.complete' || k === 'charge.expire').length, 1, keys.join());
      const final = await h.request({ url: `/charges/${charge.id}`, key: h.keys.secretKey });
      assert.equal(final.json.status, winners[0].json.status);
    }
  });

  test('test-mode routes refuse live keys with 403 not_authorized', async () => {
    // A live provider as `satang accounts scb` leaves it (no network), and a live charge made behind the API's back to test the refusal.
    await withLiveProvider(h.store, h.keys.accountId);
    await h.store.transaction((tx) => updateAccount(tx, h.keys.accountId, { truemoney_qr_live: 1 }));
    const scope = { accountId: h.keys.accountId, livemode: 1 };
    const live = await h.store.transaction((tx) =>
      createCharge(tx, { scope, nowMs: Date.now(), publicUrl: h.publicUrl }, {
        amount: 10000, currency: 'THB', source: { type: 'truemoney_qr' }, description: null, metadata: {}, returnUri: null, ip: null, webhookEndpoints: null,
      }),
    );
    await h.store.transaction((tx) => updateAccount(tx, h.keys.accountId, { truemoney_qr_live: 0 }));
    for (const action of ['mark_as_paid', 'mark_as_failed']) {
      const res = await h.request({ method: 'POST', url: `/charges/${live.charge.id}/${action}`, key: h.keys.liveSecretKey });
      assert.equal(res.status, 403, action);
      assert.equal(res.json.code, 'not_authorized');
      assert.equal(res.json.message, 'only available in test mode');
    }
    const expire = await h.request({ method: 'POST', url: `/charges/${live.charge.id}/expire`, key: h.keys.liveSecretKey });
    assert.equal(expire.status, 200, 'expire works in any mode');
    for (const [method, url] of [['GET', '/test/clock'], ['POST', '/test/clock/advance'], ['POST', '/test/reset']]) {
      const res = await h.request({ method, url, key: h.keys.liveSecretKey, json: { seconds: 60 } });
      assert.equal(res.status, 403, url);
      assert.equal(res.json.code, 'not_authorized');
    }
    const unknown = await h.request({ method: 'POST', url: '/charges/chrg_test_unknown/mark_as_paid', key: h.keys.secretKey });
    assert.equal(unknown.status, 404);
  });

  test('the balance always equals the sum of transactions', async () => {
    for (let i = 0; i < 5; i++) {
      const charge = await newCharge(h, 10000 + i * 1234);
      await h.request({ method: 'POST', url: `/charges/${charge.id}/${i % 2 ? 'mark_as_failed' : 'mark_as_paid'}`, key: h.keys.secretKey });
    }
    const balance = await h.request({ url: '/balance', key: h.keys.secretKey });
    assert.deepEqual(Object.keys(balance.json), ['object', 'livemode', 'location', 'currency', 'total', 'transferable', 'reserve', 'on_hold', 'created_at']);
    const list = await h.request({ url: '/transactions?limit=100', key: h.keys.secretKey });
    const sum = list.json.data.reduce((total: number, t: any) => total + (t.direction === 'credit' ? t.amount : -t.amount), 0);
    assert.equal(list.json.total, list.json.data.length);
    assert.equal(balance.json.total, sum);
    assert.equal(balance.json.transferable, sum);
    assert.equal(await sumTransactions(h.store.read, { accountId: h.keys.accountId, livemode: 0 }), sum);
    const other = await h.request({ url: '/balance', key: h.other.secretKey });
    assert.equal(other.json.total, 0);
  });
});


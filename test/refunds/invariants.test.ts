import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sumTransactions } from '../../src/store/ledger.js';
import { describeEachStore, type Harness } from '../support/harness.js';
import { api, describeEachStoreProcess, startGatewayProcess } from '../support/process.js';
import { seeded } from '../support/seeded.js';

const seed = Number(process.env.SATANG_LEDGER_SEED ?? Date.now() % 1_000_000);
const fundingSources = ['wallet_balance', 'bank_account', 'credit_card', 'pay_next', 'pay_next_extra'];

describeEachStore('the ledger stays equal to its transactions through random payments, refunds and voids', (h: Harness) => {
  test(`seeded random sequence (seed ${seed}; replay with SATANG_LEDGER_SEED=${seed})`, async () => {
    const random = seeded(seed);
    const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)];
    const charges: Array<{ id: string; amount: number }> = [];
    try {
      for (let step = 0; step < 120; step++) {
        const roll = random();
        if (roll < 0.25 || charges.length === 0) {
          const amount = 10000 + Math.floor(random() * 490000);
          const created = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: { amount, currency: 'THB', source: { type: 'truemoney_qr' } } });
          const outcome = random() < 0.8 ? 'mark_as_paid' : 'mark_as_failed';
          await h.request({ method: 'POST', url: `/charges/${created.json.id}/${outcome}`, key: h.keys.secretKey, json: { funding_source: pick(fundingSources) } });
          charges.push({ id: created.json.id, amount });
        } else if (roll < 0.85) {
          const target = pick(charges);
          const current = (await h.request({ url: `/charges/${target.id}`, key: h.keys.secretKey })).json;
          const remaining = current.amount - current.refunded_amount;
          const amount = random() < 0.5 ? Math.max(remaining, 1) : 1 + Math.floor(random() * Math.max(remaining, 1));
          const res = await h.request({ method: 'POST', url: `/charges/${target.id}/refunds`, key: h.keys.secretKey, json: { amount, void: random() < 0.3 } });
          assert.ok(res.status === 200 || (res.status === 400 && ['failed_refund', 'failed_void'].includes(res.json.code)), res.body);
        } else {
          await h.request({ method: 'POST', url: '/test/clock/advance', key: h.keys.secretKey, json: { seconds: Math.floor(random() * 3 * 24 * 3600) + 1 } });
        }
      }
      const balance = (await h.request({ url: '/balance', key: h.keys.secretKey })).json.total;
      assert.equal(balance, await sumTransactions(h.store.read, { accountId: h.keys.accountId, livemode: 0 }), 'balance = sum of transactions');
      for (const { id, amount } of charges) {
        const current = (await h.request({ url: `/charges/${id}`, key: h.keys.secretKey })).json;
        const refunds = (await h.request({ url: `/charges/${id}/refunds`, key: h.keys.secretKey })).json.data;
        const sum = refunds.reduce((total: number, r: any) => total + r.amount, 0);
        assert.equal(current.refunded_amount, sum, `${id}: refunded_amount = sum of refunds`);
        assert.ok(sum <= amount, `${id}: never more than the amount`);
        assert.ok(refunds.length <= 15);
        const voided = refunds.filter((r: any) => r.voided).reduce((total: number, r: any) => total + r.amount, 0);
        assert.equal(current.voided, voided === amount);
        if (current.status !== 'successful') assert.equal(refunds.length, 0);
      }
    } catch (error) {
      process.stderr.write(`# ledger invariant failed with seed ${seed}\n`);
      throw error;
    }
  });
});

describeEachStoreProcess(
  'concurrent refunds against a real gateway process',
  (env) => {
    test('50 concurrent refunds never exceed the amount or 15 refunds', async () => {
      const secretKey = env.SATANG_TEST_SECRET_KEY;
      const gateway = await startGatewayProcess(env);
      try {
        const created = await api(`${gateway.url}/charges`, secretKey, { method: 'POST', json: { amount: 200000, currency: 'THB', source: { type: 'truemoney_qr' } } });
        await api(`${gateway.url}/charges/${created.json.id}/mark_as_paid`, secretKey, { method: 'POST', json: { funding_source: 'bank_account' } });
        const results = await Promise.all(
          Array.from({ length: 50 }, (_, i) => api(`${gateway.url}/charges/${created.json.id}/refunds`, secretKey, { method: 'POST', json: { amount: 9000 + i * 100 } })),
        );
        const ok = results.filter((r) => r.status === 200);
        const sum = ok.reduce((total, r) => total + r.json.amount, 0);
        assert.ok(ok.length <= 15 && sum <= 200000, `${ok.length} refunds, ${sum} satang`);
        assert.equal(ok.length, 15, 'room for 15 refunds of at most 13,900 satang each');
        const after = await api(`${gateway.url}/charges/${created.json.id}`, secretKey);
        assert.equal(after.json.refunded_amount, sum);
        const balance = await api(`${gateway.url}/balance`, secretKey);
        const transactions = await api(`${gateway.url}/transactions?limit=100`, secretKey);
        const ledger = transactions.json.data.reduce((total: number, t: any) => total + (t.direction === 'credit' ? t.amount : -t.amount), 0);
        assert.equal(balance.json.total, ledger);
      } finally {
        await gateway.kill('SIGTERM');
      }
    });
  },
  { SATANG_TEST_PUBLIC_KEY: 'pkey_test_' + 'f'.repeat(19), SATANG_TEST_SECRET_KEY: 'skey_test_' + 'g'.repeat(19) },
);

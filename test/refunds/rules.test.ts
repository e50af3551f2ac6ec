import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sumTransactions } from '../../src/store/ledger.js';
import { describeEachStore, type Harness } from '../support/harness.js';

const secondMs = 1000;
const dayMs = 24 * 3600 * secondMs;
/** The wall clock, moved by hand: window edges are tested to the second. */
const wall = { ms: Date.UTC(2026, 10, 27, 3, 0, 0), nowMs() { return this.ms; } };

/** The first 00:00 in Asia/Bangkok (UTC+7) after `ms`, computed here from calendar fields. */
function nextBangkokMidnight(ms: number): number {
  const local = new Date(ms + 7 * 3600 * secondMs);
  return Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate() + 1) - 7 * 3600 * secondMs;
}

const sources = ['wallet_balance', 'bank_account', 'credit_card', 'pay_next', 'pay_next_extra'] as const;
const matrix: Record<(typeof sources)[number], { voidPartial: boolean }> = {
  wallet_balance: { voidPartial: true },
  bank_account: { voidPartial: true },
  credit_card: { voidPartial: false },
  pay_next: { voidPartial: false },
  pay_next_extra: { voidPartial: false },
};

async function paidCharge(h: Harness, fundingSource: string, amount = 100000) {
  const created = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: { amount, currency: 'THB', source: { type: 'truemoney_qr' } } });
  assert.equal(created.status, 200, created.body);
  const paid = await h.request({ method: 'POST', url: `/charges/${created.json.id}/mark_as_paid`, key: h.keys.secretKey, json: { funding_source: fundingSource } });
  assert.equal(paid.status, 200, paid.body);
  return paid.json;
}

async function refund(h: Harness, chargeId: string, body: Record<string, unknown>) {
  return h.request({ method: 'POST', url: `/charges/${chargeId}/refunds`, key: h.keys.secretKey, json: body });
}

async function charge(h: Harness, id: string) {
  return (await h.request({ url: `/charges/${id}`, key: h.keys.secretKey })).json;
}

describeEachStore(
  'refunds and voids: every cell of the matrix at every window edge',
  (h) => {
    for (const fundingSource of sources) {
      test(`${fundingSource}: void window to Bangkok midnight, refund window to 30 days`, async () => {
        wall.ms += dayMs; // a fresh day for each funding source
        const paidAtMs = wall.ms;
        const c = await Promise.all(Array.from({ length: 8 }, () => paidCharge(h, fundingSource)));
        const midnightMs = nextBangkokMidnight(paidAtMs);
        const voidPartial = matrix[fundingSource].voidPartial;

        // One second before 00:00 Bangkok: the void window is open.
        wall.ms = midnightMs - secondMs;
        const before = await charge(h, c[0].id);
        assert.equal(before.can_perform_void, true);
        assert.equal(before.refundable, true);
        assert.equal(before.partially_refundable, voidPartial);
        const fullVoid = await refund(h, c[0].id, { amount: 100000 });
        assert.equal(fullVoid.status, 200, fullVoid.body);
        assert.equal(fullVoid.json.voided, true, 'a full request inside the window is a void');
        const partial = await refund(h, c[1].id, { amount: 30000 });
        const partialVoid = await refund(h, c[2].id, { amount: 30000, void: true });
        if (voidPartial) {
          assert.equal(partial.status, 200, partial.body);
          assert.equal(partial.json.voided, true);
          assert.equal(partialVoid.json.voided, true);
        } else {
          assert.equal(partial.status, 400);
          assert.equal(partial.json.code, 'failed_refund');
          assert.equal(partial.json.message, `partial refunds are not allowed for ${fundingSource}`);
          assert.equal(partialVoid.status, 400);
          assert.equal(partialVoid.json.code, 'failed_void');
          assert.equal(partialVoid.json.message, `partial voids are not allowed for ${fundingSource}`);
        }
        const voided = await charge(h, c[0].id);
        assert.equal(voided.voided, true);
        assert.equal(voided.refunded_amount, 100000);
        assert.equal(voided.refundable, false);
        assert.equal(voided.can_perform_void, false);
        assert.equal(voided.status, 'successful');
        assert.equal(voided.refunds.total, 1);
        assert.equal(voided.refunds.data[0].id, fullVoid.json.id);

        // At 00:00 Bangkok: no more voids; full refunds only.
        wall.ms = midnightMs;
        const after = await charge(h, c[3].id);
        assert.equal(after.can_perform_void, false, 'computed on read: no write happened at midnight');
        assert.equal(after.refundable, true);
        assert.equal(after.partially_refundable, false);
        const fullRefund = await refund(h, c[3].id, { amount: 100000 });
        assert.equal(fullRefund.status, 200, fullRefund.body);
        assert.equal(fullRefund.json.voided, false);
        const partialRefund = await refund(h, c[4].id, { amount: 30000 });
        assert.equal(partialRefund.status, 400);
        assert.equal(partialRefund.json.code, 'failed_refund');
        assert.equal(partialRefund.json.message, `partial refunds are not allowed for ${fundingSource}`);
        const lateVoid = await refund(h, c[5].id, { amount: 100000, void: true });
        assert.equal(lateVoid.status, 400);
        assert.equal(lateVoid.json.code, 'failed_void');
        assert.equal(lateVoid.json.message, `void window closed at ${new Date(midnightMs).toISOString().replace('.000Z', 'Z')}`);

        // Exactly 30 days after creation the refund window is still open; one second later it is closed.
        wall.ms = paidAtMs + 30 * dayMs;
        assert.equal((await charge(h, c[6].id)).refundable, true);
        const lastDay = await refund(h, c[6].id, { amount: 100000 });
        assert.equal(lastDay.status, 200, lastDay.body);
        wall.ms = paidAtMs + 30 * dayMs + secondMs;
        assert.equal((await charge(h, c[7].id)).refundable, false);
        const tooLate = await refund(h, c[7].id, { amount: 100000 });
        assert.equal(tooLate.status, 400);
        assert.equal(tooLate.json.code, 'failed_refund');
        assert.match(tooLate.json.message, /^refund window closed at /);
      });
    }

    test('wallet: part voided today, the rest refunded in full tomorrow; the ledger follows DECISIONS §5', async () => {
      wall.ms += dayMs;
      const c = await paidCharge(h, 'wallet_balance', 100000);
      assert.equal(c.net, 100000 - 3650 - 256);
      const before = (await h.request({ url: '/balance', key: h.keys.secretKey })).json.total;
      const part = await refund(h, c.id, { amount: 30000, void: true, metadata: { reason: 'two items out of stock' } });
      assert.equal(part.status, 200, part.body);
      assert.deepEqual(part.json.metadata, { reason: 'two items out of stock' });
      const voidTrxn = (await h.request({ url: `/transactions/${part.json.transaction}`, key: h.keys.secretKey })).json;
      assert.equal(voidTrxn.key, 'refund.voided.debit');
      assert.equal(voidTrxn.direction, 'debit');
      assert.equal(voidTrxn.origin, part.json.id);
      assert.equal(voidTrxn.amount, Math.round((96094 * 30000) / 100000)); // its share of the net: 28828
      wall.ms = nextBangkokMidnight(wall.ms) + 60 * secondMs;
      const rest = await refund(h, c.id, { amount: 70000 });
      assert.equal(rest.status, 200, rest.body);
      assert.equal(rest.json.voided, false);
      const restTrxn = (await h.request({ url: `/transactions/${rest.json.transaction}`, key: h.keys.secretKey })).json;
      assert.equal(restTrxn.key, 'refund.created.debit');
      assert.equal(restTrxn.amount, 70000, 'a refund debits its whole amount: the fee is not returned');
      const after = (await h.request({ url: '/balance', key: h.keys.secretKey })).json.total;
      assert.equal(before - after, 28828 + 70000);
      const final = await charge(h, c.id);
      assert.equal(final.refunded_amount, 100000);
      assert.equal(final.voided, false, 'voids cover only part of it');
      assert.equal(final.fee, 3650, 'fees never change after success');
      assert.equal(final.net, 96094);
      assert.equal(final.refundable, false);
      const list = await h.request({ url: `/charges/${c.id}/refunds`, key: h.keys.secretKey });
      assert.deepEqual(list.json.data.map((r: any) => r.id), [part.json.id, rest.json.id]);
      assert.equal(list.json.location, `/charges/${c.id}/refunds`);
      const one = await h.request({ url: `/charges/${c.id}/refunds/${rest.json.id}`, key: h.keys.secretKey });
      assert.deepEqual(one.json, rest.json);
      assert.equal(one.json.location, `/charges/${c.id}/refunds/${rest.json.id}`);
      assert.equal(one.json.status, 'closed');
      const events = (await h.request({ url: `/charges/${c.id}/events`, key: h.keys.secretKey })).json.data;
      const refundEvents = events.filter((e: any) => e.key === 'refund.create');
      assert.deepEqual(refundEvents.map((e: any) => e.data.id), [part.json.id, rest.json.id]);
      assert.equal(refundEvents[0].data.object, 'refund');
      assert.equal(await sumTransactions(h.store.read, { accountId: h.keys.accountId, livemode: 0 }), after);
    });

    test('a full void debits exactly the net', async () => {
      wall.ms += dayMs;
      const c = await paidCharge(h, 'credit_card', 12345);
      const res = await refund(h, c.id, { amount: 12345 });
      const trxn = (await h.request({ url: `/transactions/${res.json.transaction}`, key: h.keys.secretKey })).json;
      assert.equal(trxn.amount, c.net);
    });

    test('at most 15 refunds; never more than the amount; only successful charges; amounts checked', async () => {
      wall.ms += dayMs;
      const c = await paidCharge(h, 'wallet_balance', 100000);
      for (let i = 0; i < 15; i++) assert.equal((await refund(h, c.id, { amount: 1000 })).status, 200);
      const sixteenth = await refund(h, c.id, { amount: 1000 });
      assert.equal(sixteenth.status, 400);
      assert.equal(sixteenth.json.code, 'failed_refund');
      assert.equal(sixteenth.json.message, 'a charge can have at most 15 refunds');
      assert.equal((await charge(h, c.id)).refundable, false);

      const d = await paidCharge(h, 'wallet_balance', 50000);
      const tooMuch = await refund(h, d.id, { amount: 50001 });
      assert.equal(tooMuch.json.code, 'failed_refund');
      assert.equal(tooMuch.json.message, 'amount exceeds the remaining refundable amount of 50000');
      for (const [amount, message] of [[undefined, 'amount is required'], ['abc', 'amount must be an integer'], [12.5, 'amount must be an integer'], [0, 'amount must be greater than 0'], [-5, 'amount must be greater than 0']] as const) {
        const bad = await refund(h, d.id, amount === undefined ? {} : { amount });
        assert.equal(bad.status, 400);
        assert.equal(bad.json.code, 'invalid_amount');
        assert.equal(bad.json.message, message);
      }
      const pending = (await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: { amount: 20000, currency: 'THB', source: { type: 'truemoney_qr' } } })).json;
      const notPaid = await refund(h, pending.id, { amount: 20000 });
      assert.equal(notPaid.json.code, 'failed_refund');
      assert.equal(notPaid.json.message, 'only successful charges can be refunded (status: pending)');
      assert.equal((await refund(h, 'chrg_test_unknown', { amount: 1 })).status, 404);
      const theirs = await h.request({ method: 'POST', url: `/charges/${d.id}/refunds`, key: h.other.secretKey, json: { amount: 100 } });
      assert.equal(theirs.status, 404);
      assert.equal((await h.request({ url: `/charges/${d.id}/refunds/rfnd_test_nope`, key: h.keys.secretKey })).json.message, 'refund rfnd_test_nope was not found');
      const all = await h.request({ url: '/refunds?limit=100', key: h.keys.secretKey });
      assert.ok(all.json.total >= 15);
      assert.equal((await h.request({ url: '/refunds', key: h.other.secretKey })).json.total, 0);
    });

    test('50 concurrent refunds on one charge never pass its amount or 15 refunds', async () => {
      wall.ms += dayMs;
      const c = await paidCharge(h, 'wallet_balance', 100000);
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => refund(h, c.id, { amount: 5000 + (i % 7) * 1000 })));
      const ok = results.filter((r) => r.status === 200);
      const refunded = ok.reduce((sum, r) => sum + r.json.amount, 0);
      assert.ok(ok.length <= 15, `${ok.length} refunds`);
      assert.ok(refunded <= 100000, `${refunded} refunded`);
      for (const loser of results.filter((r) => r.status !== 200)) assert.equal(loser.json.code, 'failed_refund', loser.body);
      const after = await charge(h, c.id);
      assert.equal(after.refunded_amount, refunded);
      assert.equal(after.refunds.total, ok.length);
    });
  },
  { wallClock: wall },
);

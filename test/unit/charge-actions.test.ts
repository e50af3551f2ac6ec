/** What the dashboard shows before a money action: the refund rules' refusals as rules, a refund's effect, a charge's badge. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ActionableCharge, chargeBadge, completionEffect, refundEffect } from '../../src/domain/charge-actions.js';
import { bangkokDayOf, bangkokDayStartMs } from '../../src/domain/time.js';
import { decideRefund, voidWindowEndsAt } from '../../src/domain/refunds.js';

const paidAt = Date.UTC(2026, 10, 29, 3, 0, 0); // 10:00 in Bangkok
const nextMidnight = bangkokDayStartMs(bangkokDayOf(paidAt) + 1);

function charge(fields: Partial<ActionableCharge> = {}): ActionableCharge {
  return {
    status: 'successful',
    amount: 40000,
    refunded_amount: 0,
    voided_amount: 0,
    refund_count: 0,
    funding_source: 'wallet_balance',
    authorized_at: paidAt,
    created_at: paidAt - 60_000,
    livemode: 0,
    expires_at: paidAt + 86_400_000,
    expired_at: null,
    updated_at: paidAt,
    net: 38751,
    ...fields,
  };
}

test('a refusal names its rule and what a person needs to be told it', () => {
  const refundable = (c: ActionableCharge) => ({
    status: c.status,
    amount: c.amount,
    refundedAmount: c.refunded_amount,
    refundCount: c.refund_count,
    fundingSource: c.funding_source as 'wallet_balance',
    authorizedAtMs: c.authorized_at,
    createdAtMs: c.created_at,
    livemode: false,
  });
  const why = (c: ActionableCharge, amount: number, asVoid: boolean, at: number) => {
    const decision = decideRefund(refundable(c), amount, asVoid, at);
    return decision.kind === 'refused' ? decision.why : decision.kind;
  };
  assert.deepEqual(why(charge({ status: 'pending', authorized_at: null, funding_source: null }), 100, false, paidAt), { rule: 'not_successful', status: 'pending' });
  assert.deepEqual(why(charge({ refund_count: 15, refunded_amount: 1500 }), 100, false, paidAt), { rule: 'too_many', max: 15 });
  assert.deepEqual(why(charge({ refunded_amount: 40000 }), 100, false, paidAt), { rule: 'refunded_in_full' });
  assert.deepEqual(why(charge({ refunded_amount: 39000 }), 2000, false, paidAt), { rule: 'exceeds_remaining', remaining: 1000 });
  assert.deepEqual(why(charge({ funding_source: 'credit_card' }), 100, true, paidAt), { rule: 'partial_void_not_allowed', fundingSource: 'credit_card' });
  assert.deepEqual(why(charge(), 40000, true, nextMidnight), { rule: 'void_window_closed', atMs: nextMidnight });
  assert.deepEqual(why(charge(), 100, false, nextMidnight), { rule: 'partial_refund_not_allowed', fundingSource: 'wallet_balance' });
  const late = paidAt + 31 * 86_400_000;
  assert.deepEqual(why(charge(), 40000, false, late), { rule: 'refund_window_closed', atMs: paidAt - 60_000 + 30 * 86_400_000 });
});

test('a void takes back its share of the net, and all of it exactly the net; a refund takes back its amount', () => {
  const quarter = refundEffect(charge(), 10000, false, paidAt);
  assert.ok(quarter.kind === 'void');
  assert.equal(quarter.debit, 9688); // 38751 / 4, rounded half up
  assert.equal(quarter.remainingAfter, 30000);
  assert.equal(quarter.badgeAfter, 'partially_refunded');
  assert.equal(quarter.ledgerKey, 'refund.voided.debit');
  const rest = refundEffect(charge({ refunded_amount: 10000, voided_amount: 10000, refund_count: 1 }), 30000, false, paidAt);
  assert.ok(rest.kind === 'void');
  assert.equal(quarter.debit + rest.debit, 38751, 'no fee on voided money');
  assert.equal(rest.badgeAfter, 'voided');
  const refund = refundEffect(charge(), 40000, false, nextMidnight);
  assert.ok(refund.kind === 'refund');
  assert.equal(refund.debit, 40000, 'the fee stays paid');
  assert.equal(refund.badgeAfter, 'refunded');
  assert.equal(refund.ledgerKey, 'refund.created.debit');
  assert.equal(voidWindowEndsAt(paidAt), nextMidnight);
});

test('a refund is decided no earlier than the charge’s last change, as the use case dates it', () => {
  // The account's clock reads before the charge's last change (a refund that raced ahead): decided at that change.
  const changedAfterMidnight = charge({ refunded_amount: 100, refund_count: 1, updated_at: nextMidnight + 1000 });
  const effect = refundEffect(changedAfterMidnight, 39900, false, nextMidnight - 1000);
  assert.equal(effect.kind, 'refund');
});

test('the badge: the status, or how much was given back', () => {
  assert.equal(chargeBadge(charge({ status: 'pending' })), 'pending');
  assert.equal(chargeBadge(charge()), 'successful');
  assert.equal(chargeBadge(charge({ refunded_amount: 100 })), 'partially_refunded');
  assert.equal(chargeBadge(charge({ refunded_amount: 40000, voided_amount: 100 })), 'refunded');
  assert.equal(chargeBadge(charge({ refunded_amount: 40000, voided_amount: 40000 })), 'voided');
  assert.equal(chargeBadge(charge({ status: 'expired', refunded_amount: 0 })), 'expired');
});

test('marking paid credits the net; failed credits nothing; neither once the charge is no longer pending', () => {
  const pending = charge({ status: 'pending', authorized_at: null, funding_source: null });
  assert.deepEqual(completionEffect(pending, 'successful', 'pay_next', paidAt), { allowed: true, outcome: 'successful', fundingSource: 'pay_next', credit: 38751 });
  assert.deepEqual(completionEffect(pending, 'failed', undefined, paidAt), { allowed: true, outcome: 'failed', credit: 0 });
  assert.deepEqual(completionEffect(charge(), 'failed', undefined, paidAt), { allowed: false, why: { rule: 'not_pending', status: 'successful' } });
  assert.deepEqual(completionEffect(pending, 'successful', undefined, pending.expires_at), { allowed: false, why: { rule: 'deadline_passed', expiredAtMs: pending.expires_at } });
  assert.deepEqual(completionEffect({ ...pending, livemode: 1 }, 'successful', undefined, paidAt), { allowed: false, why: { rule: 'live' } });
});

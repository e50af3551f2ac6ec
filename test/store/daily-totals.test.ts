/**
 * The overview's daily totals (migration 0017, domain/daily-totals.ts) are kept by every change to a charge, in
 * its transaction: after a mixed workload (creates, completions by the API, the wallet simulator, scripted outcomes
 * and test events, expiries by hand and by the sweep, a reset, two accounts, both modes, a test clock moved across a
 * Bangkok midnight, and on PostgreSQL two gateways writing the same day at once) they equal a fresh aggregate over
 * the charges; the migration's backfill gives the same rows; and the overview shows them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { bangkokDayOf, bangkokDayStartMs, bangkokOffsetMs, dayMs } from '../../src/domain/time.js';
import { billPaymentPayload } from '../../src/qr/payload.js';
import { findAccount, updateAccount } from '../../src/store/accounts.js';
import { migrationProvider } from '../../src/store/migrations.js';
import { completeCharge } from '../../src/usecases/lifecycle.js';
import { createCharge } from '../../src/usecases/payments.js';
import { addOperator, signIn } from '../support/dashboard.js';
import { describeEachStore, type Harness, type Keys, secondGateway, withLiveProvider } from '../support/harness.js';

/** "account/mode/day: created successful amount" for every day that has charges, in order. */
async function aggregated(h: Harness): Promise<string[]> {
  const day = sql<number>`(created_at + ${sql.lit(bangkokOffsetMs)}) / ${sql.lit(dayMs)}`;
  const rows = await h.store.read
    .selectFrom('charges')
    .select([
      'account_id',
      'livemode',
      day.as('day'),
      sql<number>`count(*)`.as('created'),
      sql<number>`sum(case when status = 'successful' then 1 else 0 end)`.as('successful'),
      sql<number>`sum(case when status = 'successful' then amount else 0 end)`.as('amount'),
    ])
    .groupBy(['account_id', 'livemode', day])
    .execute();
  return rows.map((r) => `${r.account_id}/${r.livemode}/${Number(r.day)}: ${Number(r.created)} ${Number(r.successful)} ${Number(r.amount)}`).sort();
}

async function kept(h: Harness): Promise<string[]> {
  const rows = await h.store.read.selectFrom('daily_charge_totals').selectAll().execute();
  return rows.map((r) => `${r.account_id}/${r.livemode}/${Number(r.day)}: ${Number(r.created_count)} ${Number(r.successful_count)} ${Number(r.successful_amount)}`).sort();
}

describeEachStore('the overview\'s daily totals, kept by every change to a charge', (h) => {
  const create = async (keys: Keys, amount: number, metadata: Record<string, unknown> = {}) => {
    const res = await h.request({ method: 'POST', url: '/charges', key: keys.secretKey, json: { amount, currency: 'THB', source: { type: 'truemoney_qr' }, metadata } });
    assert.equal(res.status, 200, res.body);
    return res.json as { id: string; amount: number };
  };
  const act = async (keys: Keys, id: string, action: 'mark_as_paid' | 'mark_as_failed' | 'expire') => {
    const res = await h.request({ method: 'POST', url: `/charges/${id}/${action}`, key: keys.secretKey });
    assert.equal(res.status, 200, `${action}: ${res.body}`);
  };
  const clockOf = async (keys: Keys) => Date.parse((await h.request({ url: '/test/clock', key: keys.secretKey })).json.now);
  const advanceTo = async (keys: Keys, ms: number) => {
    const res = await h.request({ method: 'POST', url: '/test/clock/advance', key: keys.secretKey, json: { to: new Date(ms).toISOString() } });
    assert.equal(res.status, 200, res.body);
  };

  test('after a mixed workload the totals equal a fresh aggregate of the charges, day by day', async () => {
    // Account A's clock just before a Bangkok midnight: charges on the day before it and the day after.
    const start = await clockOf(h.keys);
    const midnight = bangkokDayStartMs(bangkokDayOf(start) + 1);
    await advanceTo(h.keys, midnight - 10 * 60_000);
    const lateA = [await create(h.keys, 10_000), await create(h.keys, 25_050), await create(h.keys, 40_000), await create(h.keys, 12_345)];
    await act(h.keys, lateA[0].id, 'mark_as_paid');
    await advanceTo(h.keys, midnight + 5 * 60_000);
    // Completed after midnight: counted on the day they were created.
    await act(h.keys, lateA[1].id, 'mark_as_paid');
    await act(h.keys, lateA[2].id, 'mark_as_failed');
    const earlyA = [await create(h.keys, 99_900), await create(h.keys, 10_100), await create(h.keys, 77_700)];
    await act(h.keys, earlyA[0].id, 'expire');

    // The wallet simulator pays one.
    const account = (await findAccount(h.store.read, h.keys.accountId))!;
    const { qr_ref1 } = await h.store.read.selectFrom('charges').select('qr_ref1').where('id', '=', earlyA[1].id).executeTakeFirstOrThrow();
    const payload = billPaymentPayload({ billerId: account.biller_id, ref1: qr_ref1, amountSatang: 10_100, merchantName: account.merchant_name });
    const approved = await h.request({ method: 'POST', url: '/simulator/approve', json: { payload } });
    assert.equal(approved.status, 200, approved.body);

    // Scripted outcomes, applied by their job.
    await create(h.keys, 55_500, { satang_outcome: 'successful', satang_outcome_after_seconds: 0 });
    await create(h.keys, 66_600, { satang_outcome: 'failed', satang_outcome_after_seconds: 0 });
    await create(h.keys, 11_100, { satang_outcome: 'expired', satang_outcome_after_seconds: 0 });
    await h.gateway.outcomes.runOnce();

    // Test events on demand: a charge made and driven in one change.
    for (const event of ['charge.create', 'charge.complete', 'charge.failed', 'charge.expire', 'refund.create']) {
      const res = await h.request({ method: 'POST', url: '/test/trigger', key: h.keys.secretKey, json: { event, amount: 20_000 } });
      assert.equal(res.status, 200, `${event}: ${res.body}`);
    }

    // Account B: charges, a reset that deletes them (and their totals), then more.
    for (const amount of [10_000, 20_000, 30_000]) await act(h.other, (await create(h.other, amount)).id, 'mark_as_paid');
    const reset = await h.request({ method: 'POST', url: '/test/reset', key: h.other.secretKey });
    assert.equal(reset.status, 200, reset.body);
    assert.deepEqual((await kept(h)).filter((line) => line.startsWith(`${h.other.accountId}/0/`)), [], 'a reset deletes the test-mode totals');
    const b = [await create(h.other, 31_400), await create(h.other, 27_100)];
    await act(h.other, b[0].id, 'mark_as_paid');

    // Live mode, where only a provider completes a charge (none ships: made behind the API's back).
    await withLiveProvider(h.store, h.keys.accountId);
    await h.store.transaction((tx) => updateAccount(tx, h.keys.accountId, { truemoney_qr_live: 1 }));
    const liveScope = { accountId: h.keys.accountId, livemode: 1 };
    const input = { currency: 'THB', source: { type: 'truemoney_qr' as const }, description: null, metadata: {}, returnUri: null, ip: null, webhookEndpoints: null };
    const live: string[] = [];
    for (const amount of [50_000, 60_000]) {
      live.push((await h.store.transaction((tx) => createCharge(tx, { scope: liveScope, nowMs: Date.now(), publicUrl: h.publicUrl }, { ...input, amount }))).charge.id);
    }
    await h.store.transaction((tx) => updateAccount(tx, h.keys.accountId, { truemoney_qr_live: 0 }));
    await h.store.transaction((tx) =>
      completeCharge(tx, { scope: liveScope, nowMs: Date.now(), publicUrl: h.publicUrl }, live[0], { outcome: 'successful', fundingSource: 'wallet_balance' }, 'provider'),
    );

    // A day later on A's clock: the expiry sweep expires what is still pending, in one batch.
    const pendingBefore = await h.store.read.selectFrom('charges').select('id').where('account_id', '=', h.keys.accountId).where('livemode', '=', 0).where('status', '=', 'pending').execute();
    assert.ok(pendingBefore.length >= 3, 'charges are left for the sweep');
    await advanceTo(h.keys, midnight + dayMs + 60 * 60_000);
    assert.ok((await h.gateway.sweep.runOnce()) >= pendingBefore.length);
    await create(h.keys, 88_800);

    const totals = await kept(h);
    assert.deepEqual(totals, await aggregated(h));
    // The workload reached what it was meant to: both accounts, both modes, both sides of A's midnight.
    const days = new Set(totals.filter((line) => line.startsWith(`${h.keys.accountId}/0/`)).map((line) => line.split(':')[0]));
    assert.ok(days.has(`${h.keys.accountId}/0/${bangkokDayOf(midnight) - 1}`) && days.has(`${h.keys.accountId}/0/${bangkokDayOf(midnight)}`), totals.join('\n'));
    assert.ok(totals.some((line) => line.startsWith(`${h.keys.accountId}/1/`)) && totals.some((line) => line.startsWith(`${h.other.accountId}/0/`)), totals.join('\n'));
    const beforeMidnight = totals.find((line) => line.startsWith(`${h.keys.accountId}/0/${bangkokDayOf(midnight) - 1}:`));
    assert.equal(beforeMidnight, `${h.keys.accountId}/0/${bangkokDayOf(midnight) - 1}: 4 2 35050`, 'completions after midnight count on the day the charge was made');
  });

  test('writers racing on the same day all count (an upsert that adds)', async () => {
    const second = await secondGateway(h);
    try {
      const made = await Promise.all(
        Array.from({ length: 24 }, (_, i) =>
          (i % 2 === 0 ? h.request : second.request)({ method: 'POST', url: '/charges', key: h.other.secretKey, json: { amount: 10_000 + i, currency: 'THB', source: { type: 'truemoney_qr' } } }),
        ),
      );
      assert.ok(made.every((res) => res.status === 200));
      const paid = await Promise.all(
        made.slice(0, 12).map((res, i) => (i % 2 === 0 ? second.request : h.request)({ method: 'POST', url: `/charges/${res.json.id}/mark_as_paid`, key: h.other.secretKey })),
      );
      assert.ok(paid.every((res) => res.status === 200));
    } finally {
      await second.close();
    }
    assert.deepEqual(await kept(h), await aggregated(h));
  });

  test('the migration\'s backfill gives the same rows as the changes kept', async () => {
    const before = await kept(h);
    const migration = (await migrationProvider.getMigrations())['0017_daily_totals'];
    await h.store.transaction(async (tx) => {
      await migration.down!(tx);
      await migration.up(tx);
    });
    assert.deepEqual(await kept(h), before);
    assert.deepEqual(before, await aggregated(h));
  });

  test('the overview shows the kept figures: today\'s and the last 30 days\' charges', async () => {
    await addOperator(h.store, 'totals@example.com');
    const client = await signIn(h.app, 'totals@example.com');
    const page = await client.get('/dashboard');
    assert.equal(page.status, 200);
    const nowMs = await clockOf(h.keys);
    const today = bangkokDayOf(nowMs);
    const rows = await h.store.read.selectFrom('daily_charge_totals').selectAll().where('account_id', '=', h.keys.accountId).where('livemode', '=', 0).execute();
    const sum = (from: number) => rows.filter((r) => Number(r.day) >= from && Number(r.day) <= today).reduce((n, r) => n + Number(r.created_count), 0);
    assert.ok(sum(today - 29) > sum(today), 'the 30 days hold more than today');
    assert.equal(Number(/data-test="month-count">([\d,]+)</.exec(page.body)![1].replace(/,/g, '')), sum(today - 29));
    assert.equal(Number(/data-test="today-count">([\d,]+)</.exec(page.body)![1].replace(/,/g, '')), sum(today));
  });
});

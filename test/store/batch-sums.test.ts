/**
 * Balances and daily totals are added up per transaction and written at its commit (store/batch-sums.ts).
 * What a merchant sees must be as if each unit had written them itself: a unit that fails in a batch
 * moves nothing, the units that succeed all count, and a test-data reset in the same batch deletes what
 * the units before it added but not what the units after it add.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bangkokDayOf } from '../../src/domain/time.js';
import { addToBalance, addToDailyTotals } from '../../src/store/batch-sums.js';
import { balanceMove, insertPosting, sumTransactions } from '../../src/store/ledger.js';
import { deleteTestData } from '../../src/store/reset.js';
import type { TransactionRow } from '../../src/store/schema.js';
import type { Tx } from '../../src/store/store.js';
import { describeEachStore, type Harness } from '../support/harness.js';

let serial = 0;

function posting(accountId: string, amount: number, direction: 'credit' | 'debit' = 'credit'): TransactionRow {
  serial++;
  return {
    id: `trxn_test_batchsums${String(serial).padStart(9, '0')}`,
    account_id: accountId,
    livemode: 0,
    direction,
    key: direction === 'credit' ? 'charge.captured.net' : 'refund.created.debit',
    amount,
    currency: 'THB',
    origin: `chrg_test_batchsums${String(serial).padStart(9, '0')}`,
    created_at: 1_800_000_000_000,
    transferable_at: 1_800_000_000_000,
  };
}

/** A ledger row and the balance move it makes, as a change writes them with its event (store/events.ts). */
async function postTransaction(tx: Tx, row: TransactionRow): Promise<void> {
  await insertPosting(tx, row);
  addToBalance(tx, balanceMove(row));
}

async function balanceOf(h: Harness): Promise<number> {
  return (await h.request({ url: '/balance', key: h.keys.secretKey })).json.total;
}

async function totalsOf(h: Harness, accountId: string) {
  return (await h.store.read.selectFrom('daily_charge_totals').selectAll().where('account_id', '=', accountId).execute()).map((row) => ({
    day: Number(row.day),
    created: Number(row.created_count),
    successful: Number(row.successful_count),
    amount: Number(row.successful_amount),
  }));
}

/** Units queued in the same turn of the event loop: the store runs them as one batch. */
function together(h: Harness, units: Array<(tx: Tx) => Promise<void>>): Promise<PromiseSettledResult<void>[]> {
  return Promise.allSettled(units.map((unit) => h.store.transaction(unit)));
}

describeEachStore('balances and daily totals written once per batch', (h) => {
  const day = bangkokDayOf(1_800_000_000_000);
  const delta = (accountId: string, successfulAmount: number) => ({ accountId, livemode: 0, day, created: 1, successful: 1, successfulAmount });

  test('a unit that fails in a batch moves neither balance nor totals; the others in the batch all count', async () => {
    const account = h.keys.accountId;
    const outcomes = await together(h, [
      async (tx) => {
        await postTransaction(tx, posting(account, 1000));
        addToDailyTotals(tx, [delta(account, 1000)]);
      },
      async (tx) => {
        await postTransaction(tx, posting(account, 70000));
        addToDailyTotals(tx, [delta(account, 70000)]);
        throw new Error('this unit fails after moving the balance');
      },
      async (tx) => {
        await postTransaction(tx, posting(account, 250));
        await postTransaction(tx, posting(account, 50, 'debit'));
        addToDailyTotals(tx, [delta(account, 250)]);
      },
    ]);
    assert.deepEqual(
      outcomes.map((outcome) => outcome.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.equal(await balanceOf(h), 1000 + 250 - 50);
    assert.equal(await sumTransactions(h.store.read, { accountId: account, livemode: 0 }), 1000 + 250 - 50);
    assert.deepEqual(await totalsOf(h, account), [{ day, created: 2, successful: 2, amount: 1250 }]);
  });

  test('a reset in the batch deletes what units before it added, and keeps what units after it add', async () => {
    const account = h.keys.accountId;
    await together(h, [
      async (tx) => {
        await postTransaction(tx, posting(account, 900));
        addToDailyTotals(tx, [delta(account, 900)]);
      },
      async (tx) => {
        await deleteTestData(tx, account);
      },
      async (tx) => {
        await postTransaction(tx, posting(account, 30));
        addToDailyTotals(tx, [delta(account, 30)]);
      },
    ]);
    assert.equal(await balanceOf(h), 30);
    assert.equal(await sumTransactions(h.store.read, { accountId: account, livemode: 0 }), 30);
    assert.deepEqual(await totalsOf(h, account), [{ day, created: 1, successful: 1, amount: 30 }]);
  });

  test('two accounts moved in one batch each get their own sums', async () => {
    const [first, second] = [h.keys.accountId, h.other.accountId];
    await together(h, [async (tx) => deleteTestData(tx, first).then(() => undefined), async (tx) => deleteTestData(tx, second).then(() => undefined)]);
    await together(h, [
      async (tx) => postTransaction(tx, posting(second, 400)),
      async (tx) => postTransaction(tx, posting(first, 11)),
      async (tx) => postTransaction(tx, posting(second, 5, 'debit')),
    ]);
    assert.equal(await sumTransactions(h.store.read, { accountId: first, livemode: 0 }), 11);
    assert.equal(await sumTransactions(h.store.read, { accountId: second, livemode: 0 }), 395);
    assert.equal(await balanceOf(h), 11);
    assert.equal((await h.request({ url: '/balance', key: h.other.secretKey })).json.total, 395);
  });
});

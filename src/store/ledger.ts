import { type Kysely, sql } from 'kysely';
import { seqOfOne } from './sequence.js';
import { type ListWindow, listPage, type Page } from './lists.js';
import { inScope, type Scope } from './scope.js';
import type { BalanceRow, DB, TransactionRow } from './schema.js';

/**
 * Writes a ledger row. The balance it moves is added by the caller (store/events.ts: addToBalance with
 * balanceMove, written at the commit by store/batch-sums.ts).
 */
export async function insertPosting(db: Kysely<DB>, row: TransactionRow): Promise<void> {
  await db.insertInto('transactions').values({ ...checkedPosting(row), ...(await seqOfOne(db, 'transactions')) }).execute();
}

/** A posting as it may be written: its amount a whole, non-negative number of satang (the direction says which way). */
export function checkedPosting(row: TransactionRow): TransactionRow {
  if (!Number.isSafeInteger(row.amount) || row.amount < 0) throw new Error(`ledger amount must be a non-negative integer: ${row.amount}`);
  return row;
}

/** What a posting does to its account's balance, as the row that starts the balance when there is none. */
export function balanceMove(row: TransactionRow): BalanceRow {
  return { account_id: row.account_id, livemode: row.livemode, total: row.direction === 'credit' ? row.amount : -row.amount, created_at: row.created_at };
}

export async function findBalance(db: Kysely<DB>, scope: Scope): Promise<BalanceRow | undefined> {
  return db.selectFrom('balances').selectAll().where('account_id', '=', scope.accountId).where('livemode', '=', scope.livemode).executeTakeFirst();
}

export async function findTransaction(db: Kysely<DB>, scope: Scope, id: string): Promise<TransactionRow | undefined> {
  return inScope(await db.selectFrom('transactions').selectAll().where('id', '=', id).executeTakeFirst(), scope);
}

export function listTransactions(db: Kysely<DB>, scope: Scope, window: ListWindow): Promise<Page<TransactionRow>> {
  return listPage(db, 'transactions', scope, window);
}

/** Sum of credits minus debits, straight from the ledger rows: the invariant check for the balance. */
export async function sumTransactions(db: Kysely<DB>, scope: Scope): Promise<number> {
  const row = await db
    .selectFrom('transactions')
    .select(sql<number>`coalesce(sum(case when direction = 'credit' then amount else -amount end), 0)`.as('sum'))
    .where('account_id', '=', scope.accountId)
    .where('livemode', '=', scope.livemode)
    .executeTakeFirstOrThrow();
  return Number(row.sum);
}

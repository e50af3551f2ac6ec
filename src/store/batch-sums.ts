/**
 * What a transaction adds to the rows every change of an account moves: its balance, and its days'
 * charge totals. Written as each change went, these few rows would stay locked (on PostgreSQL) from
 * a batch's first change to its commit, and every other batch or transaction of the same account
 * would wait that long at its first change. Instead each move is added up in memory, per
 * transaction, while the units run, and the sums are written once, just before the commit
 * (store.ts), totals before balances and each in key order, so the rows are locked only from then
 * until the commit and never in two orders. On SQLite it saves a statement a unit.
 *
 * Nothing reads these rows inside a transaction (the balance and the overview read outside one).
 * Whatever deletes them in a transaction (the test-data reset) writes the sums first (`writeSums`),
 * so the order of changes stays as the units made them. A unit rolled back to its savepoint takes
 * its moves with it (`movesMark`, `forgetMovesSince`).
 */
import { type InsertQueryBuilder, type Kysely, sql } from 'kysely';
import { type DailyTotalsDelta, sumDailyTotals } from '../domain/daily-totals.js';
import { addingToTotals, dailyTotalsRow } from './daily-totals.js';
import type { BalanceRow, DB } from './schema.js';

/** The moves a transaction has made so far, in the order its units made them. */
interface Moves {
  totals: DailyTotalsDelta[];
  balances: BalanceRow[];
}

const movesByTransaction = new WeakMap<object, Moves>();

function movesOf(tx: Kysely<DB>): Moves {
  if (!tx.isTransaction) throw new Error('balances and daily totals move inside a transaction');
  let moves = movesByTransaction.get(tx);
  if (moves === undefined) movesByTransaction.set(tx, (moves = { totals: [], balances: [] }));
  return moves;
}

/** Adds deltas to their days' totals when the transaction commits. */
export function addToDailyTotals(tx: Kysely<DB>, deltas: DailyTotalsDelta[]): void {
  if (deltas.length > 0) movesOf(tx).totals.push(...deltas);
}

/** Moves a balance by `move.total` when the transaction commits (starting it with this row when the account has none). */
export function addToBalance(tx: Kysely<DB>, move: BalanceRow): void {
  movesOf(tx).balances.push(move);
}

/** Writes what the transaction's moves add up to so far, and starts again from nothing. */
export async function writeSums(tx: Kysely<DB>): Promise<void> {
  const moves = movesByTransaction.get(tx);
  if (moves === undefined) return;
  movesByTransaction.delete(tx);
  const totals = sumDailyTotals(moves.totals).map(dailyTotalsRow);
  for (let start = 0; start < totals.length; start += 200) {
    await addingToTotals(tx.insertInto('daily_charge_totals').values(totals.slice(start, start + 200))).execute();
  }
  const balances = sumBalanceMoves(moves.balances);
  for (let start = 0; start < balances.length; start += 200) {
    await movingBalance(tx.insertInto('balances').values(balances.slice(start, start + 200))).execute();
  }
}

/** One move per account and mode (the first move's row, with the total of them all), in key order. */
function sumBalanceMoves(moves: BalanceRow[]): BalanceRow[] {
  const sums = new Map<string, BalanceRow>();
  for (const move of moves) {
    const key = `${move.account_id}\u0000${move.livemode}`;
    const sum = sums.get(key);
    if (sum === undefined) sums.set(key, { ...move });
    else sum.total += move.total;
  }
  return [...sums.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, sum]) => sum);
}

/** How many moves the transaction has made so far: what a unit rolled back to its savepoint goes back to. */
export interface MovesMark {
  totals: number;
  balances: number;
}

export function movesMark(tx: Kysely<DB>): MovesMark {
  const moves = movesByTransaction.get(tx);
  return { totals: moves?.totals.length ?? 0, balances: moves?.balances.length ?? 0 };
}

/** Forgets the moves made since `mark`. */
export function forgetMovesSince(tx: Kysely<DB>, mark: MovesMark): void {
  const moves = movesByTransaction.get(tx);
  if (moves === undefined) return;
  moves.totals.length = mark.totals;
  moves.balances.length = mark.balances;
}

/** An insert of balance moves made an upsert that adds each to its balance when there is one. */
function movingBalance<Q extends InsertQueryBuilder<any, any, any>>(insert: Q): Q {
  return insert.onConflict((oc) => oc.columns(['account_id', 'livemode']).doUpdateSet({ total: sql`balances.total + excluded.total` })) as Q;
}

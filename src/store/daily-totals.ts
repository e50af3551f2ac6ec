/** The overview's daily totals (domain/daily-totals.ts): added to by deltas, read by day. */
import { type InsertQueryBuilder, type Kysely, sql } from 'kysely';
import type { DailyTotalsDelta } from '../domain/daily-totals.js';
import type { DailyChargeTotalsTable, DB } from './schema.js';
import type { Scope } from './scope.js';

/** A delta as the row it starts a day with. */
export function dailyTotalsRow(delta: DailyTotalsDelta): DailyChargeTotalsTable {
  return {
    account_id: delta.accountId,
    livemode: delta.livemode,
    day: delta.day,
    created_count: delta.created,
    successful_count: delta.successful,
    successful_amount: delta.successfulAmount,
  };
}

/**
 * An insert of totals rows made an upsert that adds to the day's row when there is one: never a read
 * then a write, so concurrent changes to the same day both count (store/batch-sums.ts writes them).
 */
export function addingToTotals<Q extends InsertQueryBuilder<any, any, any>>(insert: Q): Q {
  return insert.onConflict((oc) =>
    oc.columns(['account_id', 'livemode', 'day']).doUpdateSet({
      created_count: sql`daily_charge_totals.created_count + excluded.created_count`,
      successful_count: sql`daily_charge_totals.successful_count + excluded.successful_count`,
      successful_amount: sql`daily_charge_totals.successful_amount + excluded.successful_amount`,
    }),
  ) as Q;
}

export interface DayTotals {
  /** Asia/Bangkok day number since the epoch. */
  day: number;
  count: number;
  successful: number;
  /** Successful volume in satang. */
  volume: number;
}

/** The totals of the days `firstDay` to `lastDay` (inclusive) that have any: at most one row a day. */
export async function dailyTotals(db: Kysely<DB>, scope: Scope, firstDay: number, lastDay: number): Promise<DayTotals[]> {
  const rows = await db
    .selectFrom('daily_charge_totals')
    .select(['day', 'created_count', 'successful_count', 'successful_amount'])
    .where('account_id', '=', scope.accountId)
    .where('livemode', '=', scope.livemode)
    .where('day', '>=', firstDay)
    .where('day', '<=', lastDay)
    .orderBy('day')
    .execute();
  return rows.map((row) => ({ day: Number(row.day), count: Number(row.created_count), successful: Number(row.successful_count), volume: Number(row.successful_amount) }));
}

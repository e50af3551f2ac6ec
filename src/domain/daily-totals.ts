/**
 * The overview's daily totals (DECISIONS: the dashboard at a million charges): per account, mode and
 * Asia/Bangkok day a charge was created on (on the account's clock, as its created_at), how many charges
 * were created, how many of those succeeded and their amount. A change to a charge moves them by a delta,
 * added in the change's transaction; nothing reads the charges table to show them.
 */
import type { ChargeStatus } from './lifecycle.js';
import { bangkokDayOf } from './time.js';

/** A charge as the totals see it. */
export interface TotalledCharge {
  account_id: string;
  livemode: number;
  amount: number;
  created_at: number;
}

/** What one change adds to one day's totals (negative when charges go). */
export interface DailyTotalsDelta {
  accountId: string;
  livemode: number;
  /** Asia/Bangkok day number since the epoch (bangkokDayOf). */
  day: number;
  created: number;
  successful: number;
  /** Satang. */
  successfulAmount: number;
}

/** A charge's status moving from `from` to `to` (null: the charge does not exist before, or after). */
export interface ChargeStatusChange {
  charge: TotalledCharge;
  from: ChargeStatus | null;
  to: ChargeStatus | null;
}

/** What a status change does to its day's totals: null when nothing the totals count moved (an expiry, a failure). */
export function dailyTotalsDelta({ charge, from, to }: ChargeStatusChange): DailyTotalsDelta | null {
  const created = (to === null ? 0 : 1) - (from === null ? 0 : 1);
  const successful = (to === 'successful' ? 1 : 0) - (from === 'successful' ? 1 : 0);
  if (created === 0 && successful === 0) return null;
  return {
    accountId: charge.account_id,
    livemode: charge.livemode,
    day: bangkokDayOf(charge.created_at),
    created,
    successful,
    successfulAmount: successful * charge.amount,
  };
}

/** The deltas of several changes, those that move anything (summed per day when written: sumDailyTotals). */
export function dailyTotalsDeltas(changes: ChargeStatusChange[]): DailyTotalsDelta[] {
  return changes.map(dailyTotalsDelta).filter((delta) => delta !== null);
}

/** Deltas added up, one per account, mode and day (zero sums dropped), in key order. */
export function sumDailyTotals(deltas: DailyTotalsDelta[]): DailyTotalsDelta[] {
  const merged = new Map<string, DailyTotalsDelta>();
  for (const delta of deltas) {
    const key = `${delta.accountId}\u0000${delta.livemode}\u0000${String(delta.day).padStart(8, '0')}`;
    const seen = merged.get(key);
    if (!seen) merged.set(key, delta);
    else merged.set(key, { ...seen, created: seen.created + delta.created, successful: seen.successful + delta.successful, successfulAmount: seen.successfulAmount + delta.successfulAmount });
  }
  // In key order, so that writers touching several days lock their rows in the same order.
  return [...merged.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, delta]) => delta)
    .filter((delta) => delta.created !== 0 || delta.successful !== 0 || delta.successfulAmount !== 0);
}

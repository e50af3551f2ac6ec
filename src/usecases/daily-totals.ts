/**
 * The one place a change to charges reports itself to the overview's daily totals (domain/daily-totals.ts):
 * every use case that creates a charge or moves its status calls this in its transaction, with the status
 * before and after. What moves the totals, and by how much, is the domain's decision; the store adds it.
 * (A test-data reset deletes the test-mode totals with the charges, store/reset.ts.)
 */
import { type ChargeStatusChange, mergeDailyTotals } from '../domain/daily-totals.js';
import { addDailyTotals } from '../store/daily-totals.js';
import type { Tx } from '../store/store.js';

export async function recordChargeChanges(tx: Tx, changes: ChargeStatusChange[]): Promise<void> {
  const deltas = mergeDailyTotals(changes);
  if (deltas.length > 0) await addDailyTotals(tx, deltas);
}

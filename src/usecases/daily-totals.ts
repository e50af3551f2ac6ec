/**
 * Where changes to charges reach the overview's daily totals (domain/daily-totals.ts decides what each change
 * adds; the store adds it, in the change's transaction):
 * - a new charge: the event writer, which writes it (recordEvents with `written.charge`; on PostgreSQL in the
 *   same statement as the charge and its event);
 * - a status change (completed, expired by hand or by the sweep): the use case calls recordChargeChanges with
 *   the status before and after;
 * - a test-data reset deletes the test-mode totals with the charges (store/reset.ts).
 */
import { type ChargeStatusChange, mergeDailyTotals } from '../domain/daily-totals.js';
import { addDailyTotals } from '../store/daily-totals.js';
import type { Tx } from '../store/store.js';

export async function recordChargeChanges(tx: Tx, changes: ChargeStatusChange[]): Promise<void> {
  const deltas = mergeDailyTotals(changes);
  if (deltas.length > 0) await addDailyTotals(tx, deltas);
}

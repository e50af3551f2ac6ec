/**
 * Where changes to charges reach the overview's daily totals (domain/daily-totals.ts decides what each change
 * adds; the store adds it, in the change's transaction):
 * - a new charge: the event writer, which writes it (recordEvents with `written.charge`; on PostgreSQL in the
 *   same statement as the charge and its event);
 * - a status change of one charge (completed, expired by hand): the event writer, given the status before and
 *   after (recordEvents with `written.changes`), with the event and the ledger posting;
 * - the expiry sweep's batches: recordChargeChanges, with the status before and after;
 * - a test-data reset deletes the test-mode totals with the charges (store/reset.ts).
 */
import { type ChargeStatusChange, dailyTotalsDeltas } from '../domain/daily-totals.js';
import { addToDailyTotals } from '../store/batch-sums.js';
import type { Tx } from '../store/store.js';

export function recordChargeChanges(tx: Tx, changes: ChargeStatusChange[]): void {
  addToDailyTotals(tx, dailyTotalsDeltas(changes));
}

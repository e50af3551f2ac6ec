/** Test-data reset (DECISIONS §8): an account's test-mode objects deleted, in test mode only. */
import { requireTestMode } from '../domain/test-mode.js';
import { deleteTestData } from '../store/reset.js';
import type { Scope } from '../store/scope.js';
import type { Tx } from '../store/store.js';

/** Deletes the test-mode charges, sources, events, ledger, refunds, webhook jobs and idempotency records; returns how many charges went. */
export async function resetTestData(tx: Tx, scope: Scope): Promise<number> {
  requireTestMode(scope.livemode);
  return deleteTestData(tx, scope.accountId);
}

/** Test-data reset (DECISIONS §8). */
import type { Kysely } from 'kysely';
import { writeSums } from './batch-sums.js';
import type { DB } from './schema.js';
import { restartChaosCounts } from './webhooks.js';

/** Deletes an account's test-mode objects (DECISIONS §8); returns how many charges went. */
export async function deleteTestData(db: Kysely<DB>, accountId: string): Promise<number> {
  // What this transaction's earlier changes add to balances and totals is written first, then deleted with the rest.
  await writeSums(db);
  const charges = await db.deleteFrom('charges').where('account_id', '=', accountId).where('livemode', '=', 0).executeTakeFirst();
  for (const table of ['sources', 'events', 'transactions', 'balances', 'idempotency_keys', 'daily_charge_totals'] as const) {
    await db.deleteFrom(table).where('account_id', '=', accountId).where('livemode', '=', 0).execute();
  }
  for (const table of ['refunds', 'webhook_jobs', 'webhook_deliveries'] as const) {
    await db.deleteFrom(table).where('account_id', '=', accountId).where('livemode', '=', 0).execute();
  }
  // Endpoints stay; their chaos counts start again, so a suite run after a reset gets the same decisions.
  await restartChaosCounts(db, accountId);
  return Number(charges.numDeletedRows);
}

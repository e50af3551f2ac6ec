/** Failed sign-in counters in the database, so every gateway process counts the same attempts. */
import { type Kysely, sql } from 'kysely';
import type { DB } from './schema.js';

/**
 * Counts one attempt against each key in a fixed window that starts at the key's first
 * counted attempt; windows older than `windowMs` are deleted first, so they start over.
 * Returns each key's count after it. The upsert locks the row, so racing attempts (in any
 * process) each get their own number.
 */
export async function countAttempt(db: Kysely<DB>, keys: string[], nowMs: number, windowMs: number): Promise<number[]> {
  await db.deleteFrom('signin_throttle').where('window_start', '<=', nowMs - windowMs).execute();
  const counts: number[] = [];
  for (const key of keys) {
    const row = await db
      .insertInto('signin_throttle')
      .values({ key, failures: 1, window_start: nowMs })
      .onConflict((oc) => oc.column('key').doUpdateSet({ failures: sql`signin_throttle.failures + 1` }))
      .returning('failures')
      .executeTakeFirstOrThrow();
    counts.push(Number(row.failures));
  }
  return counts;
}

/** Takes back one counted attempt from each key (an attempt refused before it was tried, or one that succeeded). */
export async function uncountAttempt(db: Kysely<DB>, keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  await db.updateTable('signin_throttle').set({ failures: sql`failures - 1` }).where('key', 'in', keys).where('failures', '>', 0).execute();
}

export async function clearAttempts(db: Kysely<DB>, key: string): Promise<void> {
  await db.deleteFrom('signin_throttle').where('key', '=', key).execute();
}

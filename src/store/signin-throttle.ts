/** Failed sign-in counters in the database, so every gateway process counts the same attempts. */
import { type Kysely, sql } from 'kysely';
import type { DB } from './schema.js';

/**
 * Counts one attempt against each key in a fixed window that starts at the key's first
 * counted attempt; a window older than `windowMs` is deleted first, so it starts over.
 * Returns each key's count after it. The upsert locks the row, so racing attempts (in any
 * process) each get their own number; keys are taken in sorted order, so two transactions
 * lock the same rows in the same order.
 */
export async function countAttempt(db: Kysely<DB>, keys: string[], nowMs: number, windowMs: number): Promise<number[]> {
  const counts = new Map<string, number>();
  for (const key of [...keys].sort()) {
    await db.deleteFrom('signin_throttle').where('key', '=', key).where('window_start', '<=', nowMs - windowMs).execute();
    const row = await db
      .insertInto('signin_throttle')
      .values({ key, failures: 1, window_start: nowMs })
      .onConflict((oc) => oc.column('key').doUpdateSet({ failures: sql`signin_throttle.failures + 1` }))
      .returning('failures')
      .executeTakeFirstOrThrow();
    counts.set(key, Number(row.failures));
  }
  return keys.map((key) => counts.get(key)!);
}

/** Forgets every window that has run out (keys nobody tried again). */
export async function deleteExpiredAttempts(db: Kysely<DB>, nowMs: number, windowMs: number): Promise<void> {
  await db.deleteFrom('signin_throttle').where('window_start', '<=', nowMs - windowMs).execute();
}

/** Takes back one counted attempt from each key (an attempt refused before it was tried, or one that succeeded). */
export async function uncountAttempt(db: Kysely<DB>, keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  await db.updateTable('signin_throttle').set({ failures: sql`failures - 1` }).where('key', 'in', keys).where('failures', '>', 0).execute();
}

export async function clearAttempts(db: Kysely<DB>, key: string): Promise<void> {
  await db.deleteFrom('signin_throttle').where('key', '=', key).execute();
}


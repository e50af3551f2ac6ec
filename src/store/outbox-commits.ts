/**
 * The outbox rows a transaction wrote, told to the process once the transaction commits (never
 * before, never after a rollback): the webhook dispatcher of the process that wrote a job claims it
 * by id right away, rather than finding it by a look at every due job after the commit. Kept per
 * transaction while its units run, like batch-sums.ts; a unit rolled back to its savepoint takes
 * its jobs with it (`outboxMark`, `forgetOutboxSince`).
 */
import type { Kysely } from 'kysely';
import type { DB, WebhookJob } from './schema.js';

const writtenByTransaction = new WeakMap<object, WebhookJob[]>();

/** Notes jobs the transaction inserted (outside a transaction nothing is noted: no commit to wait for). */
export function noteOutboxJobs(tx: Kysely<DB>, jobs: WebhookJob[]): void {
  if (!tx.isTransaction || jobs.length === 0) return;
  const written = writtenByTransaction.get(tx);
  if (written === undefined) writtenByTransaction.set(tx, [...jobs]);
  else written.push(...jobs);
}

/** How many jobs the transaction has noted so far: what a unit rolled back to its savepoint goes back to. */
export function outboxMark(tx: Kysely<DB>): number {
  return writtenByTransaction.get(tx)?.length ?? 0;
}

/** Forgets the jobs noted since `mark`. */
export function forgetOutboxSince(tx: Kysely<DB>, mark: number): void {
  const written = writtenByTransaction.get(tx);
  if (written !== undefined) written.length = mark;
}

/** The jobs the transaction noted, once: after its commit, to tell; after a rollback, to drop. */
export function takeOutboxJobs(tx: Kysely<DB>): WebhookJob[] {
  const written = writtenByTransaction.get(tx);
  writtenByTransaction.delete(tx);
  return written ?? [];
}

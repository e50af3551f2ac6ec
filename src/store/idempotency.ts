import type { Kysely } from 'kysely';
import type { Scope } from './payments.js';
import type { DB, IdempotencyRecord } from './schema.js';

export async function findIdempotencyRecord(db: Kysely<DB>, scope: Scope, key: string): Promise<IdempotencyRecord | undefined> {
  return db
    .selectFrom('idempotency_keys')
    .selectAll()
    .where('account_id', '=', scope.accountId)
    .where('livemode', '=', scope.livemode)
    .where('key', '=', key)
    .executeTakeFirst();
}

export async function insertIdempotencyRecord(db: Kysely<DB>, record: IdempotencyRecord): Promise<void> {
  await db.insertInto('idempotency_keys').values(record).execute();
}

/** Deletes up to `limit` records made before `beforeMs`; returns how many. */
export async function purgeIdempotencyRecords(db: Kysely<DB>, beforeMs: number, limit: number): Promise<number> {
  const old = db.selectFrom('idempotency_keys').select('key').where('created_at', '<', beforeMs).limit(limit);
  const result = await db
    .deleteFrom('idempotency_keys')
    .where('created_at', '<', beforeMs)
    .where('key', 'in', old)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function deleteIdempotencyRecord(db: Kysely<DB>, scope: Scope, key: string): Promise<void> {
  await db.deleteFrom('idempotency_keys').where('account_id', '=', scope.accountId).where('livemode', '=', scope.livemode).where('key', '=', key).execute();
}

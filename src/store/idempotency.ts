import type { Kysely } from 'kysely';
import type { Scope } from './scope.js';
import { preparedInsert, preparedQuery } from './prepared.js';
import type { DB, IdempotencyRecord } from './schema.js';

const selectRecord = preparedQuery<{ accountId: string; livemode: number; key: string }, IdempotencyRecord>('findIdempotencyRecord', (db, p) =>
  db.selectFrom('idempotency_keys').selectAll().where('account_id', '=', p.accountId).where('livemode', '=', p.livemode).where('key', '=', p.key),
);

export async function findIdempotencyRecord(db: Kysely<DB>, scope: Scope, key: string): Promise<IdempotencyRecord | undefined> {
  return (await selectRecord(db, { ...scope, key }))[0];
}

export async function insertIdempotencyRecord(db: Kysely<DB>, record: IdempotencyRecord): Promise<void> {
  await preparedInsert(db, 'idempotency_keys', record);
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

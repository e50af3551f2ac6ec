import type { Kysely } from 'kysely';
import { dialectOf } from './dialect.js';
import { preparedQuery } from './prepared.js';
import type { Account, ApiKey, DB } from './schema.js';

export type AccountSettings = Partial<
  Pick<
    Account,
    | 'name'
    | 'merchant_name'
    | 'biller_id'
    | 'fee_rate_bps'
    | 'fee_flat_satang'
    | 'truemoney_qr_test'
    | 'truemoney_qr_live'
    | 'default_outcome'
    | 'default_outcome_after_seconds'
    | 'default_funding_source'
    | 'email'
  >
>;

export async function insertAccount(db: Kysely<DB>, account: Account): Promise<void> {
  await db.insertInto('accounts').values(account).execute();
}

const selectAccount = preparedQuery<{ id: string }, Account>('findAccount', (db, p) => db.selectFrom('accounts').selectAll().where('id', '=', p.id));

export async function findAccount(db: Kysely<DB>, id: string): Promise<Account | undefined> {
  return (await selectAccount(db, { id }))[0];
}

export async function findDefaultAccount(db: Kysely<DB>): Promise<Account | undefined> {
  return db.selectFrom('accounts').selectAll().where('is_default', '=', 1).executeTakeFirst();
}

export async function listAccounts(db: Kysely<DB>): Promise<Account[]> {
  return db.selectFrom('accounts').selectAll().orderBy('created_at').orderBy('id').execute();
}

export async function updateAccount(db: Kysely<DB>, id: string, settings: AccountSettings): Promise<boolean> {
  const result = await db.updateTable('accounts').set(settings).where('id', '=', id).executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function insertApiKey(db: Kysely<DB>, key: ApiKey): Promise<void> {
  await db.insertInto('api_keys').values(key).execute();
}

/** The active key with this lookup value (a public key, or a secret key's digest). */
const selectActiveKey = preparedQuery<{ lookup: string }, ApiKey>('findActiveKey', (db, p) =>
  db.selectFrom('api_keys').selectAll().where('lookup', '=', p.lookup).where('revoked_at', 'is', null),
);

export async function findActiveKey(db: Kysely<DB>, lookup: string): Promise<ApiKey | undefined> {
  return (await selectActiveKey(db, { lookup }))[0];
}

export async function listActiveKeys(db: Kysely<DB>, accountId: string): Promise<ApiKey[]> {
  return db
    .selectFrom('api_keys')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('revoked_at', 'is', null)
    .orderBy('livemode')
    .orderBy('kind')
    .execute();
}

/** Revokes the account's active keys of one mode and kind; returns how many. */
export async function revokeKeys(db: Kysely<DB>, accountId: string, livemode: number, kind: 'public' | 'secret', atMs: number): Promise<number> {
  const result = await db
    .updateTable('api_keys')
    .set({ revoked_at: atMs })
    .where('account_id', '=', accountId)
    .where('livemode', '=', livemode)
    .where('kind', '=', kind)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function deleteKeyByLookup(db: Kysely<DB>, lookup: string): Promise<void> {
  await db.deleteFrom('api_keys').where('lookup', '=', lookup).execute();
}

/** Moves an account's test clock forward; the offset never decreases. Returns the offset in force. */
export async function advanceTestClock(db: Kysely<DB>, accountId: string, offsetMs: number): Promise<number | undefined> {
  await db.updateTable('accounts').set({ test_clock_offset_ms: offsetMs }).where('id', '=', accountId).where('test_clock_offset_ms', '<', offsetMs).execute();
  const row = await db.selectFrom('accounts').select('test_clock_offset_ms').where('id', '=', accountId).executeTakeFirst();
  return row?.test_clock_offset_ms;
}

/** Accounts whose test clock runs ahead of the wall clock, with their offsets. */
export async function listAdvancedClocks(db: Kysely<DB>): Promise<Array<{ id: string; test_clock_offset_ms: number }>> {
  return db.selectFrom('accounts').select(['id', 'test_clock_offset_ms']).where('test_clock_offset_ms', '>', 0).execute();
}

/** The advisory lock key of first-start setup. */
const accountSetupLockKey = 7290180001;

/**
 * Serializes first-start setup between processes sharing one PostgreSQL database (a
 * transaction-scoped advisory lock), so two processes starting together make one default
 * account. SQLite has one writer: nothing to do.
 */
export async function lockAccountSetup(db: Kysely<DB>): Promise<void> {
  await dialectOf(db).advisoryLock(db, accountSetupLockKey);
}

/**
 * Dashboard operators, their sessions, one-time links (invite, password reset), TOTP recovery codes,
 * known sign-in addresses, sign-ins waiting for a second factor, the first-start setup token and the audit log.
 */
import type { Kysely, Updateable } from 'kysely';
import type { AuditEntry, DB, Operator, OperatorLink, OperatorSession, OperatorTable, SignInChallenge } from './schema.js';
import { dialectOf } from './dialect.js';
import { seqColumn, seqOfOne } from './sequence.js';

export async function countOperators(db: Kysely<DB>): Promise<number> {
  const row = await db.selectFrom('operators').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function insertOperator(db: Kysely<DB>, operator: Operator): Promise<void> {
  await db.insertInto('operators').values(operator).execute();
}

export async function findOperatorByEmail(db: Kysely<DB>, email: string): Promise<Operator | undefined> {
  return db.selectFrom('operators').selectAll().where('email', '=', email).executeTakeFirst();
}

export async function findOperatorById(db: Kysely<DB>, id: string): Promise<Operator | undefined> {
  return db.selectFrom('operators').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listOperators(db: Kysely<DB>): Promise<Operator[]> {
  return db.selectFrom('operators').selectAll().orderBy('created_at').orderBy('id').execute();
}

/** Serializes changes to who is an owner (so two owners cannot disable each other at once and leave none). */
const ownersLockKey = 7290180016;

/** Takes the owners' lock until the transaction ends: a change of who is an owner is decided alone. */
export async function lockOwners(db: Kysely<DB>): Promise<void> {
  await dialectOf(db).advisoryLock(db, ownersLockKey);
}

/** Owners who can sign in (not disabled, their password chosen): the ones the last-owner rule keeps. */
export async function countActiveOwners(db: Kysely<DB>): Promise<number> {
  const row = await db
    .selectFrom('operators')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('role', '=', 'owner')
    .where('disabled_at', 'is', null)
    .where('password_hash', '!=', '')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function updateOperator(db: Kysely<DB>, id: string, change: Updateable<OperatorTable>): Promise<void> {
  await db.updateTable('operators').set(change).where('id', '=', id).execute();
}

/**
 * Takes a TOTP step for the operator if it is later than the last one taken (compare-and-set): a code
 * is accepted once, even by two racing sign-ins.
 */
export async function takeTotpStep(db: Kysely<DB>, id: string, step: number): Promise<boolean> {
  const result = await db
    .updateTable('operators')
    .set({ totp_last_step: step })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/** Ends every session of an operator (all of them, or all but one). */
export async function deleteSessionsOf(db: Kysely<DB>, operatorId: string, exceptTokenHash?: string): Promise<number> {
  let query = db.deleteFrom('operator_sessions').where('operator_id', '=', operatorId);
  if (exceptTokenHash) query = query.where('token_hash', '!=', exceptTokenHash);
  const result = await query.executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Retires the operator's unused links of a purpose (a new link replaces them). */
export async function retireLinks(db: Kysely<DB>, operatorId: string, purpose: string): Promise<void> {
  await db.deleteFrom('operator_links').where('operator_id', '=', operatorId).where('purpose', '=', purpose).where('used_at', 'is', null).execute();
}

export async function insertLink(db: Kysely<DB>, link: OperatorLink): Promise<void> {
  await db.insertInto('operator_links').values(link).execute();
}

/** The unused, unexpired link with this token digest. */
export async function findUsableLink(db: Kysely<DB>, tokenHash: string, nowMs: number): Promise<OperatorLink | undefined> {
  return db.selectFrom('operator_links').selectAll().where('token_hash', '=', tokenHash).where('used_at', 'is', null).where('expires_at', '>', nowMs).executeTakeFirst();
}

/** Marks a usable link used (compare-and-set: of two racing uses, one wins). */
export async function consumeLink(db: Kysely<DB>, tokenHash: string, nowMs: number): Promise<boolean> {
  const result = await db
    .updateTable('operator_links')
    .set({ used_at: nowMs })
    .where('token_hash', '=', tokenHash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', nowMs)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

export async function deleteLinksOf(db: Kysely<DB>, operatorId: string): Promise<void> {
  await db.deleteFrom('operator_links').where('operator_id', '=', operatorId).where('used_at', 'is', null).execute();
}

export async function replaceRecoveryCodes(db: Kysely<DB>, operatorId: string, codeHashes: string[]): Promise<void> {
  await db.deleteFrom('operator_recovery_codes').where('operator_id', '=', operatorId).execute();
  if (codeHashes.length > 0) await db.insertInto('operator_recovery_codes').values(codeHashes.map((code_hash) => ({ operator_id: operatorId, code_hash, used_at: null }))).execute();
}

/** Uses an unused recovery code (compare-and-set); false when it is unknown or used. */
export async function useRecoveryCode(db: Kysely<DB>, operatorId: string, codeHash: string, nowMs: number): Promise<boolean> {
  const result = await db
    .updateTable('operator_recovery_codes')
    .set({ used_at: nowMs })
    .where('operator_id', '=', operatorId)
    .where('code_hash', '=', codeHash)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

export async function countUnusedRecoveryCodes(db: Kysely<DB>, operatorId: string): Promise<number> {
  const row = await db
    .selectFrom('operator_recovery_codes')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('operator_id', '=', operatorId)
    .where('used_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function isKnownAddress(db: Kysely<DB>, operatorId: string, address: string): Promise<boolean> {
  const row = await db.selectFrom('operator_addresses').select('address').where('operator_id', '=', operatorId).where('address', '=', address).executeTakeFirst();
  return row !== undefined;
}

/** Remembers an address an operator signed in from, keeping the `keep` most recent. */
export async function rememberAddress(db: Kysely<DB>, operatorId: string, address: string, nowMs: number, keep: number): Promise<void> {
  await db
    .insertInto('operator_addresses')
    .values({ operator_id: operatorId, address, last_seen_at: nowMs })
    .onConflict((oc) => oc.columns(['operator_id', 'address']).doUpdateSet({ last_seen_at: nowMs }))
    .execute();
  const old = await db
    .selectFrom('operator_addresses')
    .select('address')
    .where('operator_id', '=', operatorId)
    .orderBy('last_seen_at', 'desc')
    .orderBy('address')
    .offset(keep)
    .limit(1000)
    .execute();
  if (old.length > 0) {
    await db
      .deleteFrom('operator_addresses')
      .where('operator_id', '=', operatorId)
      .where(
        'address',
        'in',
        old.map((row) => row.address),
      )
      .execute();
  }
}

export async function insertChallenge(db: Kysely<DB>, challenge: SignInChallenge): Promise<void> {
  await db.insertInto('signin_challenges').values(challenge).execute();
}

export async function findChallenge(db: Kysely<DB>, tokenHash: string, nowMs: number): Promise<SignInChallenge | undefined> {
  return db.selectFrom('signin_challenges').selectAll().where('token_hash', '=', tokenHash).where('expires_at', '>', nowMs).executeTakeFirst();
}

/** Counts a wrong code against a challenge; returns the failures after it. */
export async function countChallengeFailure(db: Kysely<DB>, tokenHash: string): Promise<number> {
  await db.updateTable('signin_challenges').set((eb) => ({ failures: eb('failures', '+', 1) })).where('token_hash', '=', tokenHash).execute();
  const row = await db.selectFrom('signin_challenges').select('failures').where('token_hash', '=', tokenHash).executeTakeFirst();
  return Number(row?.failures ?? Number.MAX_SAFE_INTEGER);
}

export async function deleteChallenge(db: Kysely<DB>, tokenHash: string): Promise<boolean> {
  const result = await db.deleteFrom('signin_challenges').where('token_hash', '=', tokenHash).executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

export async function deleteChallengesOf(db: Kysely<DB>, operatorId: string): Promise<void> {
  await db.deleteFrom('signin_challenges').where('operator_id', '=', operatorId).execute();
}

export async function deleteExpiredChallenges(db: Kysely<DB>, nowMs: number): Promise<void> {
  await db.deleteFrom('signin_challenges').where('expires_at', '<=', nowMs).execute();
}

export async function insertSession(db: Kysely<DB>, session: OperatorSession): Promise<void> {
  await db.insertInto('operator_sessions').values(session).execute();
}

export interface SessionWithOperator extends OperatorSession {
  email: string;
  /** The operator's role now (a change of role counts at the next request). */
  role: string;
}

/** The live session with this token digest, with its operator's email and role; none for a disabled operator. */
export async function findSession(db: Kysely<DB>, tokenHash: string, nowMs: number): Promise<SessionWithOperator | undefined> {
  return db
    .selectFrom('operator_sessions')
    .innerJoin('operators', 'operators.id', 'operator_sessions.operator_id')
    .selectAll('operator_sessions')
    .select(['operators.email', 'operators.role'])
    .where('operator_sessions.token_hash', '=', tokenHash)
    .where('operators.disabled_at', 'is', null)
    .where('operator_sessions.expires_at', '>', nowMs)
    .executeTakeFirst();
}

export async function updateSessionView(db: Kysely<DB>, tokenHash: string, view: { account_id?: string; livemode?: number }): Promise<void> {
  await db.updateTable('operator_sessions').set(view).where('token_hash', '=', tokenHash).execute();
}

/** Leaves a one-time value on the session for the next page load to show (Post/Redirect/Get). */
export async function setSessionFlash(db: Kysely<DB>, tokenHash: string, flash: string): Promise<void> {
  await db.updateTable('operator_sessions').set({ flash }).where('token_hash', '=', tokenHash).execute();
}

/** Deletes the session's flash if it is still this value; true for the one caller that deleted it. */
export async function takeSessionFlash(db: Kysely<DB>, tokenHash: string, flash: string): Promise<boolean> {
  const result = await db.updateTable('operator_sessions').set({ flash: null }).where('token_hash', '=', tokenHash).where('flash', '=', flash).executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

export async function deleteSession(db: Kysely<DB>, tokenHash: string): Promise<void> {
  await db.deleteFrom('operator_sessions').where('token_hash', '=', tokenHash).execute();
}

export async function deleteExpiredSessions(db: Kysely<DB>, nowMs: number): Promise<void> {
  await db.deleteFrom('operator_sessions').where('expires_at', '<=', nowMs).execute();
}

/** Issues a setup token; the unused ones issued before it stop working (deleted). */
export async function replaceSetupToken(db: Kysely<DB>, tokenHash: string, nowMs: number): Promise<void> {
  await db.deleteFrom('setup_tokens').where('consumed_at', 'is', null).execute();
  await db.insertInto('setup_tokens').values({ token_hash: tokenHash, created_at: nowMs, consumed_at: null }).execute();
}

/**
 * Marks an unused setup token issued after `issuedAfterMs` used; false when there is no such
 * token (unknown, used, replaced or too old). Compare-and-set: two racing uses cannot both win.
 */
export async function consumeSetupToken(db: Kysely<DB>, tokenHash: string, issuedAfterMs: number, nowMs: number): Promise<boolean> {
  const result = await db
    .updateTable('setup_tokens')
    .set({ consumed_at: nowMs })
    .where('token_hash', '=', tokenHash)
    .where('consumed_at', 'is', null)
    .where('created_at', '>', issuedAfterMs)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

export async function hasUnusedSetupToken(db: Kysely<DB>, tokenHash: string, issuedAfterMs: number): Promise<boolean> {
  const row = await db
    .selectFrom('setup_tokens')
    .select('token_hash')
    .where('token_hash', '=', tokenHash)
    .where('consumed_at', 'is', null)
    .where('created_at', '>', issuedAfterMs)
    .executeTakeFirst();
  return row !== undefined;
}

export async function insertAudit(db: Kysely<DB>, entry: AuditEntry): Promise<void> {
  await db.insertInto('audit_log').values({ ...entry, ...(await seqOfOne(db, 'audit_log')) }).execute();
}

/** The newest audit entries, newest first. */
export async function listAudit(db: Kysely<DB>, limit: number): Promise<AuditEntry[]> {
  return db.selectFrom('audit_log').selectAll().orderBy('created_at', 'desc').orderBy(seqColumn, 'desc').limit(limit).execute();
}

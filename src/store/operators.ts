/** Dashboard operators, their sessions, the first-start setup token and the audit log. */
import type { Kysely } from 'kysely';
import type { AuditEntry, DB, Operator, OperatorSession } from './schema.js';
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

export async function listOperators(db: Kysely<DB>): Promise<Operator[]> {
  return db.selectFrom('operators').selectAll().orderBy('created_at').orderBy('id').execute();
}

export async function insertSession(db: Kysely<DB>, session: OperatorSession): Promise<void> {
  await db.insertInto('operator_sessions').values(session).execute();
}

export interface SessionWithOperator extends OperatorSession {
  email: string;
}

/** The live session with this token digest, with its operator's email. */
export async function findSession(db: Kysely<DB>, tokenHash: string, nowMs: number): Promise<SessionWithOperator | undefined> {
  return db
    .selectFrom('operator_sessions')
    .innerJoin('operators', 'operators.id', 'operator_sessions.operator_id')
    .selectAll('operator_sessions')
    .select('operators.email')
    .where('operator_sessions.token_hash', '=', tokenHash)
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

/**
 * Dashboard operators: scrypt password hashes, database sessions (only a digest of the
 * cookie's token is stored), the first-start setup token and the audit log.
 */
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { OmiseError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { findDefaultAccount } from '../store/accounts.js';
import {
  consumeSetupToken,
  countOperators,
  deleteExpiredSessions,
  deleteSession,
  findOperatorByEmail,
  hasUnusedSetupToken,
  insertAudit,
  insertOperator,
  insertSession,
  replaceSetupToken,
} from '../store/operators.js';
import type { Operator } from '../store/schema.js';
import { clearAttempts, countAttempt, deleteExpiredAttempts, uncountAttempt } from '../store/signin-throttle.js';
import type { Tx } from '../store/store.js';
import {
  operatorPasswordCharsMax,
  operatorPasswordCharsMin,
  operatorSessionLifetimeMs,
  setupTokenLifetimeMs,
  signInFailuresPerAddressMax,
  signInFailuresPerEmailMax,
  signInWindowMs,
} from '../domain/limits.js';

/** Sign-in attempts allowed per email and per client address in a 15-minute window (shared by all processes). */
/** scrypt cost: N=2^15, r=8, p=1 (about 32 MiB, tens of milliseconds). */
const scryptParams = { N: 32768, r: 8, p: 1 };
const keyLength = 32;

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

function scryptAsync(password: string, salt: Buffer, params: { N: number; r: number; p: number }): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keyLength, { ...params, maxmem: 256 * params.N * params.r }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** `scrypt$N$r$p$salt$hash`: the parameters and the per-operator salt are stored with the hash. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, scryptParams);
  return ['scrypt', scryptParams.N, scryptParams.r, scryptParams.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number);
  const expected = Buffer.from(parts[5], 'base64url');
  const key = await scryptAsync(password, Buffer.from(parts[4], 'base64url'), { N, r, p });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A hash to compare against when the email is unknown, so both answers take as long. */
let dummyHash: Promise<string> | undefined;
export function unknownOperatorHash(): Promise<string> {
  dummyHash ??= hashPassword(randomToken());
  return dummyHash;
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function checkOperatorInput(email: string, password: string): void {
  if (!/^[^\s@]{1,64}@[^\s@]{1,190}$/.test(email)) throw new OmiseError('bad_request', 'email must look like name@example.com');
  if (password.length < operatorPasswordCharsMin) throw new OmiseError('bad_request', `password must be at least ${operatorPasswordCharsMin} characters`);
  if (password.length > operatorPasswordCharsMax) throw new OmiseError('bad_request', `password must be at most ${operatorPasswordCharsMax} characters`);
}

/** Creates an operator. The password is hashed before the transaction (scrypt is slow by design). */
export async function createOperator(tx: Tx, input: { email: string; passwordHash: string }, nowMs: number): Promise<Operator> {
  const email = normalizeEmail(input.email);
  if (await findOperatorByEmail(tx, email)) throw new OmiseError('bad_request', `an operator with email ${email} already exists`);
  const operator: Operator = { id: newId('oper', true, nowMs), email, password_hash: input.passwordHash, created_at: nowMs };
  await insertOperator(tx, operator);
  return operator;
}

/** A setup link works for an hour after it was issued (wall clock). */

/**
 * Issues a one-time setup token when no operator exists yet; returns it (shown once) or null.
 * Only the newest token works: issuing one retires the unused ones before it.
 */
export async function issueSetupToken(tx: Tx, nowMs: number): Promise<string | null> {
  if ((await countOperators(tx)) > 0) return null;
  const token = randomToken(24);
  await replaceSetupToken(tx, sha256Hex(token), nowMs);
  return token;
}

/** Whether this setup token is the current, unused and unexpired one. */
export async function setupTokenUsable(db: Tx, token: string, nowMs: number): Promise<boolean> {
  return hasUnusedSetupToken(db, sha256Hex(token), nowMs - setupTokenLifetimeMs);
}

/** Creates the first operator with a setup token, consuming the token in the same transaction. */
export async function createFirstOperator(tx: Tx, token: string, input: { email: string; passwordHash: string }, nowMs: number): Promise<Operator> {
  if ((await countOperators(tx)) > 0) throw new OmiseError('not_authorized', 'the dashboard is already set up; sign in instead');
  if (!(await consumeSetupToken(tx, sha256Hex(token), nowMs - setupTokenLifetimeMs, nowMs))) {
    throw new OmiseError('not_authorized', 'the setup link is not valid: it was used, replaced by a newer one, or is more than an hour old. Restart the server for a new link, or run `satang operators create`.');
  }
  const operator = await createOperator(tx, input, nowMs);
  await recordAudit(tx, { operatorId: operator.id, email: operator.email }, null, 'operator.setup', operator.id, {}, nowMs);
  return operator;
}

const throttleKeys = (email: string, address: string) => [`email:${email}`, `address:${address}`];

/**
 * Counts a sign-in attempt before the password is checked; false (nothing counted) when the
 * email or the address already used up its attempts. Counting first means racing attempts,
 * in any process, cannot together get past the limit.
 */
export async function reserveSignInAttempt(tx: Tx, email: string, address: string, nowMs: number): Promise<boolean> {
  const keys = throttleKeys(email, address);
  const [byEmail, byAddress] = await countAttempt(tx, keys, nowMs, signInWindowMs);
  if (byEmail <= signInFailuresPerEmailMax && byAddress <= signInFailuresPerAddressMax) return true;
  await uncountAttempt(tx, keys);
  return false;
}

/** A successful sign-in clears the email's failures and does not count against the address. */
async function signInSucceeded(tx: Tx, email: string, address: string, nowMs: number): Promise<void> {
  const [emailKey, addressKey] = throttleKeys(email, address);
  await clearAttempts(tx, emailKey);
  await uncountAttempt(tx, [addressKey]);
  await deleteExpiredAttempts(tx, nowMs, signInWindowMs);
}

export interface NewSession {
  token: string;
  csrfToken: string;
}

/**
 * Starts a session on the default account in test mode; the token goes in the cookie, its digest in the table.
 * `signedInFrom` (a password sign-in) clears that email's failed attempts.
 */
export async function startSession(tx: Tx, operator: Operator, nowMs: number, signedInFrom?: { email: string; address: string }): Promise<NewSession> {
  const account = await findDefaultAccount(tx);
  if (!account) throw new OmiseError('not_found', 'there is no merchant account yet');
  const token = randomToken();
  const csrfToken = randomToken();
  await deleteExpiredSessions(tx, nowMs);
  await insertSession(tx, {
    token_hash: sha256Hex(token),
    operator_id: operator.id,
    csrf_token: csrfToken,
    account_id: account.id,
    livemode: 0,
    created_at: nowMs,
    expires_at: nowMs + operatorSessionLifetimeMs,
    flash: null,
  });
  if (signedInFrom) await signInSucceeded(tx, signedInFrom.email, signedInFrom.address, nowMs);
  await recordAudit(tx, { operatorId: operator.id, email: operator.email }, null, 'operator.sign_in', operator.id, {}, nowMs);
  return { token, csrfToken };
}

export async function endSession(tx: Tx, tokenHash: string): Promise<void> {
  await deleteSession(tx, tokenHash);
}

export interface Actor {
  operatorId: string;
  email: string;
}

/** One line of the audit log: who did what to which object, in the transaction of the change. */
export async function recordAudit(
  tx: Tx,
  actor: Actor,
  scope: { accountId: string; livemode: number } | null,
  action: string,
  target: string | null,
  details: Record<string, unknown>,
  nowMs: number,
): Promise<void> {
  await insertAudit(tx, {
    id: newId('audt', true, nowMs),
    operator_id: actor.operatorId,
    operator_email: actor.email,
    account_id: scope?.accountId ?? null,
    livemode: scope?.livemode ?? null,
    action,
    target,
    details: JSON.stringify(details),
    created_at: nowMs,
  });
}

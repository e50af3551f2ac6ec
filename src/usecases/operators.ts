/**
 * Dashboard operators: scrypt password hashes, database sessions (only a digest of the
 * cookie's token is stored), roles, one-time invite and reset links, TOTP two-factor sign-in
 * with recovery codes, the sign-in throttle, the first-start setup token and the audit log.
 */
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import * as OTPAuth from 'otpauth';
import { OmiseError, type OmiseErrorCode } from '../domain/errors.js';
import { isOperatorRole, type OperatorRole } from '../domain/operator-roles.js';
import { newId } from '../domain/ids.js';
import { findDefaultAccount } from '../store/accounts.js';
import {
  consumeLink,
  consumeSetupToken,
  countActiveOwners,
  countChallengeFailure,
  countOperators,
  deleteChallenge,
  deleteChallengesOf,
  deleteExpiredChallenges,
  deleteExpiredSessions,
  deleteLinksOf,
  deleteSession,
  deleteSessionsOf,
  findChallenge,
  findOperatorByEmail,
  findOperatorById,
  findUsableLink,
  hasUnusedSetupToken,
  insertAudit,
  insertChallenge,
  insertLink,
  insertOperator,
  insertSession,
  isKnownAddress,
  lockOwners,
  rememberAddress,
  replaceRecoveryCodes,
  replaceSetupToken,
  retireLinks,
  takeTotpStep,
  updateOperator,
  useRecoveryCode,
} from '../store/operators.js';
import type { Operator, OperatorLink, SignInChallenge } from '../store/schema.js';
import { clearAttempts, countAttempt, deleteExpiredAttempts, uncountAttempt } from '../store/signin-throttle.js';
import type { Tx } from '../store/store.js';
import {
  operatorKnownAddressesMax,
  operatorLinkLifetimeMs,
  operatorPasswordCharsMax,
  operatorPasswordCharsMin,
  operatorSessionLifetimeMs,
  recoveryCodesCount,
  setupTokenLifetimeMs,
  signInChallengeFailuresMax,
  signInChallengeLifetimeMs,
  signInDelayMsMax,
  signInDelayStepMs,
  signInFailuresPerAddressMax,
  signInFailuresPerEmailAddressMax,
  signInSlowAfterEmailFailures,
  signInWindowMs,
} from '../domain/limits.js';

/**
 * A refusal the dashboard shows in the reader's language: `key` is a catalog key (operators.error.…),
 * `params` its placeholders; the English message is for logs and the command line.
 */
export class OperatorError extends OmiseError {
  constructor(
    code: OmiseErrorCode,
    readonly key: string,
    message: string,
    readonly params: Record<string, string | number> = {},
  ) {
    super(code, message);
  }
}
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

export function checkEmail(email: string): void {
  if (!/^[^\s@]{1,64}@[^\s@]{1,190}$/.test(email)) throw new OperatorError('bad_request', 'operators.error.email', 'email must look like name@example.com');
}

export function checkPassword(password: string): void {
  if (password.length < operatorPasswordCharsMin) {
    throw new OperatorError('bad_request', 'operators.error.password_short', `password must be at least ${operatorPasswordCharsMin} characters`, { n: operatorPasswordCharsMin });
  }
  if (password.length > operatorPasswordCharsMax) {
    throw new OperatorError('bad_request', 'operators.error.password_long', `password must be at most ${operatorPasswordCharsMax} characters`, { n: operatorPasswordCharsMax });
  }
}

export function checkOperatorInput(email: string, password: string): void {
  checkEmail(email);
  checkPassword(password);
}

/** Creates an operator (an owner unless said otherwise). The password is hashed before the transaction (scrypt is slow by design). */
export async function createOperator(tx: Tx, input: { email: string; passwordHash: string; role?: OperatorRole }, nowMs: number): Promise<Operator> {
  const email = normalizeEmail(input.email);
  if (await findOperatorByEmail(tx, email)) throw new OperatorError('bad_request', 'operators.error.exists', `an operator with email ${email} already exists`, { email });
  const operator: Operator = {
    id: newId('oper', true, nowMs),
    email,
    password_hash: input.passwordHash,
    created_at: nowMs,
    role: input.role ?? 'owner',
    disabled_at: null,
    last_sign_in_at: null,
    totp_secret: null,
    totp_enabled_at: null,
    totp_last_step: null,
    totp_pending_secret: null,
  };
  await insertOperator(tx, operator);
  return operator;
}

/** The operator the rules act on, or a not-found refusal. */
async function operatorById(tx: Tx, id: string): Promise<Operator> {
  const operator = await findOperatorById(tx, id);
  if (!operator) throw new OperatorError('not_found', 'operators.error.not_found', `operator ${id} was not found`);
  return operator;
}

/** An operator who can sign in as an owner: the last of them may not be disabled nor lose the role. */
function isActiveOwner(operator: Operator): boolean {
  return operator.role === 'owner' && operator.disabled_at === null && operator.password_hash !== '';
}

export interface IssuedLink {
  operator: Operator;
  token: string;
  expiresAt: number;
}

async function issueLink(tx: Tx, actor: Actor, operator: Operator, purpose: 'invite' | 'reset', nowMs: number): Promise<IssuedLink> {
  const token = randomToken(32);
  const expiresAt = nowMs + operatorLinkLifetimeMs;
  await retireLinks(tx, operator.id, purpose);
  await insertLink(tx, { token_hash: sha256Hex(token), purpose, operator_id: operator.id, created_by: actor.operatorId, created_at: nowMs, expires_at: expiresAt, used_at: null });
  return { operator, token, expiresAt };
}

/**
 * Invites an operator: the operator exists at once with its role and no password (nothing signs
 * in as it), and a one-time link (24 hours) lets the invitee choose one.
 */
export async function inviteOperator(tx: Tx, actor: Actor, input: { email: string; role: string }, nowMs: number): Promise<IssuedLink> {
  const email = normalizeEmail(input.email);
  checkEmail(email);
  if (!isOperatorRole(input.role)) throw new OperatorError('bad_request', 'operators.error.role', 'role must be owner, operator or viewer');
  const operator = await createOperator(tx, { email, passwordHash: '', role: input.role }, nowMs);
  return issueLink(tx, actor, operator, 'invite', nowMs);
}

/** A one-time link that sets a new password for an operator (an invited one: its first). */
export async function makeResetLink(tx: Tx, actor: Actor, operatorId: string, nowMs: number): Promise<IssuedLink> {
  const operator = await operatorById(tx, operatorId);
  if (operator.disabled_at !== null) throw new OperatorError('bad_request', 'operators.error.disabled', `${operator.email} is disabled; enable them first`, { email: operator.email });
  return issueLink(tx, actor, operator, operator.password_hash === '' ? 'invite' : 'reset', nowMs);
}

/** What a one-time link is for, while it can be used. */
export async function usableLink(db: Tx, token: string, nowMs: number): Promise<{ link: OperatorLink; operator: Operator } | null> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return null;
  const link = await findUsableLink(db, sha256Hex(token), nowMs);
  if (!link) return null;
  const operator = await findOperatorById(db, link.operator_id);
  if (!operator || operator.disabled_at !== null) return null;
  return { link, operator };
}

/**
 * Uses a one-time link: the operator's password becomes the new one and every session they had ends
 * (a reset means someone else may have known the old password). The link works once.
 */
export async function usePasswordLink(tx: Tx, token: string, passwordHash: string, nowMs: number): Promise<{ operator: Operator; purpose: string; endedSessions: number }> {
  const found = await usableLink(tx, token, nowMs);
  if (!found || !(await consumeLink(tx, sha256Hex(token), nowMs))) {
    throw new OperatorError('not_authorized', 'operators.error.link', 'this link is not valid: it was used, replaced by a newer one, or is more than 24 hours old');
  }
  await updateOperator(tx, found.operator.id, { password_hash: passwordHash });
  const endedSessions = await deleteSessionsOf(tx, found.operator.id);
  await deleteChallengesOf(tx, found.operator.id);
  const action = found.link.purpose === 'invite' ? 'operator.accept_invite' : 'operator.reset_password';
  await recordAudit(tx, { operatorId: found.operator.id, email: found.operator.email }, null, action, found.operator.id, {}, nowMs);
  return { operator: found.operator, purpose: found.link.purpose, endedSessions };
}

/** Disables an operator: their sessions end now and they cannot sign in. Not yourself, not the last owner. */
export async function disableOperator(tx: Tx, actor: Actor, operatorId: string, nowMs: number): Promise<Operator> {
  await lockOwners(tx);
  const operator = await operatorById(tx, operatorId);
  if (operator.id === actor.operatorId) throw new OperatorError('bad_request', 'operators.error.self_disable', 'you cannot disable yourself');
  if (operator.disabled_at !== null) return operator;
  if (isActiveOwner(operator) && (await countActiveOwners(tx)) <= 1) throw new OperatorError('bad_request', 'operators.error.last_owner', 'the last owner cannot be disabled or lose the role');
  await updateOperator(tx, operator.id, { disabled_at: nowMs });
  await deleteSessionsOf(tx, operator.id);
  await deleteChallengesOf(tx, operator.id);
  await deleteLinksOf(tx, operator.id);
  return { ...operator, disabled_at: nowMs };
}

/** Lets a disabled operator sign in again (with the password they had). */
export async function enableOperator(tx: Tx, operatorId: string): Promise<Operator> {
  const operator = await operatorById(tx, operatorId);
  await updateOperator(tx, operator.id, { disabled_at: null });
  return { ...operator, disabled_at: null };
}

/** Changes an operator's role (across all accounts); the last owner keeps theirs. */
export async function changeRole(tx: Tx, operatorId: string, role: string): Promise<{ operator: Operator; from: string }> {
  if (!isOperatorRole(role)) throw new OperatorError('bad_request', 'operators.error.role', 'role must be owner, operator or viewer');
  await lockOwners(tx);
  const operator = await operatorById(tx, operatorId);
  if (role !== 'owner' && isActiveOwner(operator) && (await countActiveOwners(tx)) <= 1) {
    throw new OperatorError('bad_request', 'operators.error.last_owner', 'the last owner cannot be disabled or lose the role');
  }
  await updateOperator(tx, operator.id, { role });
  return { operator: { ...operator, role }, from: operator.role };
}

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

const pairKey = (email: string, address: string) => `pair:${email}|${address}`;
const addressKey = (address: string) => `address:${address}`;
const emailKey = (email: string) => `email:${email}`;

export interface SignInDecision {
  /** False: this address used up its tries (for this email, or for all); nothing was counted. */
  allowed: boolean;
  /** How long to wait before answering (an address the operator never signed in from, while the email is under attack). */
  delayMs: number;
  /** Whether the operator has signed in from this address before. */
  knownAddress: boolean;
  /** Failures for the email, from every address, in the window (this attempt counted). */
  emailFailures: number;
}

/**
 * Counts a sign-in attempt before the password is checked, against (email, address), the address
 * and the email. Refused (nothing counted) when (email, address) or the address used up its tries:
 * what an attacker's failures block is the attacker's address. The email's count never refuses; at
 * an address the operator never signed in from, it slows the answer down (bounded). Counting first
 * means racing attempts, in any process, cannot together get past the limits.
 */
export async function reserveSignInAttempt(tx: Tx, email: string, address: string, nowMs: number): Promise<SignInDecision> {
  const keys = [pairKey(email, address), addressKey(address), emailKey(email)];
  const [byPair, byAddress, byEmail] = await countAttempt(tx, keys, nowMs, signInWindowMs);
  const operator = email === '' ? undefined : await findOperatorByEmail(tx, email);
  const knownAddress = operator ? await isKnownAddress(tx, operator.id, address) : false;
  if (byPair > signInFailuresPerEmailAddressMax || byAddress > signInFailuresPerAddressMax) {
    await uncountAttempt(tx, keys);
    return { allowed: false, delayMs: 0, knownAddress, emailFailures: byEmail - 1 };
  }
  // The attempt itself is counted in byEmail: the failures before it decide the delay.
  const before = byEmail - 1;
  const delayMs = knownAddress ? 0 : Math.min(signInDelayMsMax, Math.max(0, before - signInSlowAfterEmailFailures + 1) * signInDelayStepMs);
  return { allowed: true, delayMs, knownAddress, emailFailures: byEmail };
}

/** A successful sign-in clears (email, address) and the email's failures, does not count against the address, and remembers the address. */
async function signInSucceeded(tx: Tx, operator: Operator, email: string, address: string, nowMs: number): Promise<void> {
  await clearAttempts(tx, pairKey(email, address));
  await clearAttempts(tx, emailKey(email));
  await uncountAttempt(tx, [addressKey(address)]);
  await deleteExpiredAttempts(tx, nowMs, signInWindowMs);
  await rememberAddress(tx, operator.id, address, nowMs, operatorKnownAddressesMax);
}

/** Counts a wrong second-factor code against (email, address) and the address, like a wrong password. */
export async function countSecondFactorFailure(tx: Tx, email: string, address: string, nowMs: number): Promise<void> {
  await countAttempt(tx, [pairKey(email, address), addressKey(address)], nowMs, signInWindowMs);
}

// ------------------------------------------------------------------------------ TOTP two-factor sign-in

const totpIssuer = 'Satang';

function totpOf(secret: string, email: string): OTPAuth.TOTP {
  return new OTPAuth.TOTP({ issuer: totpIssuer, label: email, algorithm: 'SHA1', digits: 6, period: 30, secret: OTPAuth.Secret.fromBase32(secret) });
}

/** The otpauth:// URI of a secret, for an authenticator app (as text and as a QR code). */
export function totpUri(secret: string, email: string): string {
  return totpOf(secret, email).toString();
}

/** The step a code is good for at `nowMs` (±1 step, RFC 6238's allowance for drift), or null. */
export function totpStepOf(secret: string, email: string, code: string, nowMs: number): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const totp = totpOf(secret, email);
  const delta = totp.validate({ token: code, timestamp: nowMs, window: 1 });
  return delta === null ? null : totp.counter({ timestamp: nowMs }) + delta;
}

/** Starts turning two-factor on: a new secret (20 random bytes), waiting for a code to confirm it. */
export async function startTotp(tx: Tx, operatorId: string): Promise<string> {
  const operator = await operatorById(tx, operatorId);
  if (operator.totp_secret) throw new OperatorError('bad_request', 'security.error.already_on', 'two-factor sign-in is already on');
  const secret = new OTPAuth.Secret({ size: 20 }).base32;
  await updateOperator(tx, operatorId, { totp_pending_secret: secret });
  return secret;
}

const recoveryAlphabet = 'abcdefghjkmnpqrstuvwxyz23456789';

/** A recovery code: 10 characters from a 31-letter alphabet (about 50 bits), shown as xxxxx-xxxxx. */
function newRecoveryCode(): string {
  const bytes = randomBytes(20);
  let code = '';
  for (const byte of bytes) {
    if (byte >= 248) continue; // 248 = 31 * 8: no bias
    code += recoveryAlphabet[byte % 31];
    if (code.length === 10) break;
  }
  return code.length === 10 ? `${code.slice(0, 5)}-${code.slice(5)}` : newRecoveryCode();
}

function recoveryCodeHash(operatorId: string, code: string): string {
  return sha256Hex(`${operatorId}:${code.toLowerCase().replace(/[^a-z0-9]/g, '')}`);
}

/** Confirms the waiting secret with a code from the app: two-factor is on; returns the recovery codes (shown once). */
export async function confirmTotp(tx: Tx, operatorId: string, code: string, nowMs: number): Promise<string[]> {
  const operator = await operatorById(tx, operatorId);
  if (operator.totp_secret) throw new OperatorError('bad_request', 'security.error.already_on', 'two-factor sign-in is already on');
  const secret = operator.totp_pending_secret;
  if (!secret) throw new OperatorError('bad_request', 'security.error.not_started', 'start again: there is no secret waiting for a code');
  const step = totpStepOf(secret, operator.email, code.trim(), nowMs);
  if (step === null) throw new OperatorError('bad_request', 'security.error.wrong_code', 'that code is not right (check the time on your phone)');
  await updateOperator(tx, operatorId, { totp_secret: secret, totp_pending_secret: null, totp_enabled_at: nowMs, totp_last_step: step });
  const codes = Array.from({ length: recoveryCodesCount }, newRecoveryCode);
  await replaceRecoveryCodes(tx, operatorId, codes.map((c) => recoveryCodeHash(operatorId, c)));
  return codes;
}

/**
 * Checks a second factor: a TOTP code (each step once) or an unused recovery code (used up by it).
 * Returns what it was, or null.
 */
export async function checkSecondFactor(tx: Tx, operator: Operator, code: string, nowMs: number): Promise<'totp' | 'recovery' | null> {
  if (!operator.totp_secret) return null;
  const trimmed = code.trim();
  if (trimmed.length > 40) return null;
  if (/^\d{6}$/.test(trimmed)) {
    const step = totpStepOf(operator.totp_secret, operator.email, trimmed, nowMs);
    return step !== null && (await takeTotpStep(tx, operator.id, step)) ? 'totp' : null;
  }
  return (await useRecoveryCode(tx, operator.id, recoveryCodeHash(operator.id, trimmed), nowMs)) ? 'recovery' : null;
}

/** Turns two-factor off (with a code or a recovery code): the secret and recovery codes are deleted. */
export async function disableTotp(tx: Tx, operatorId: string, code: string, nowMs: number): Promise<void> {
  const operator = await operatorById(tx, operatorId);
  if (!operator.totp_secret) throw new OperatorError('bad_request', 'security.error.not_on', 'two-factor sign-in is not on');
  if (!(await checkSecondFactor(tx, operator, code, nowMs))) throw new OperatorError('bad_request', 'security.error.wrong_code', 'that code is not right (check the time on your phone)');
  await updateOperator(tx, operatorId, { totp_secret: null, totp_pending_secret: null, totp_enabled_at: null, totp_last_step: null });
  await replaceRecoveryCodes(tx, operatorId, []);
}

/** A sign-in whose password was right, waiting for the second factor; the token goes in a cookie. */
export async function startChallenge(tx: Tx, operator: Operator, address: string, next: string, nowMs: number): Promise<string> {
  const token = randomToken();
  await deleteExpiredChallenges(tx, nowMs);
  await insertChallenge(tx, { token_hash: sha256Hex(token), operator_id: operator.id, address, failures: 0, next, created_at: nowMs, expires_at: nowMs + signInChallengeLifetimeMs });
  return token;
}

export async function findLiveChallenge(db: Tx, token: string, nowMs: number): Promise<SignInChallenge | undefined> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return undefined;
  return findChallenge(db, sha256Hex(token), nowMs);
}

export type ChallengeOutcome = { kind: 'signed in'; session: NewSession; next: string } | { kind: 'wrong'; left: number } | { kind: 'gone' };

/**
 * Answers a challenge: a right code signs in (the challenge is used up); a wrong one counts against
 * the challenge (five end it) and against (email, address) like a wrong password.
 */
export async function answerChallenge(tx: Tx, token: string, code: string, address: string, nowMs: number): Promise<ChallengeOutcome> {
  const tokenHash = sha256Hex(token);
  const challenge = await findLiveChallenge(tx, token, nowMs);
  if (!challenge || challenge.address !== address) return { kind: 'gone' };
  const operator = await findOperatorById(tx, challenge.operator_id);
  if (!operator || operator.disabled_at !== null || !operator.totp_secret) {
    await deleteChallenge(tx, tokenHash);
    return { kind: 'gone' };
  }
  const factor = await checkSecondFactor(tx, operator, code, nowMs);
  if (!factor) {
    await countSecondFactorFailure(tx, operator.email, address, nowMs);
    const failures = await countChallengeFailure(tx, tokenHash);
    if (failures >= signInChallengeFailuresMax) {
      await deleteChallenge(tx, tokenHash);
      return { kind: 'gone' };
    }
    return { kind: 'wrong', left: signInChallengeFailuresMax - failures };
  }
  if (!(await deleteChallenge(tx, tokenHash))) return { kind: 'gone' };
  if (factor === 'recovery') await recordAudit(tx, { operatorId: operator.id, email: operator.email }, null, 'operator.recovery_code_used', operator.id, {}, nowMs);
  const session = await startSession(tx, operator, nowMs, { email: operator.email, address });
  return { kind: 'signed in', session, next: challenge.next };
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
  if (signedInFrom) await signInSucceeded(tx, operator, signedInFrom.email, signedInFrom.address, nowMs);
  await updateOperator(tx, operator.id, { last_sign_in_at: nowMs });
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

/**
 * Merchant accounts and their API keys (DECISIONS §7). Public keys are stored as they are;
 * secret keys only as SHA-256 digests, so a secret is shown once, when it is made.
 */
import { findProviderSettings } from '../store/providers.js';
import { createHash, randomInt } from 'node:crypto';
import { OmiseError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { accountEmailCharsMax, feeRateBpsDefault } from '../domain/limits.js';
import { changedTestSettings, type TestSettingsChange, testSettingsOf } from '../domain/scripted-outcomes.js';
import { requireTestMode } from '../domain/test-mode.js';
import {
  type AccountSettings,
  deleteKeyByLookup,
  findAccount,
  findActiveKey,
  findDefaultAccount,
  insertAccount,
  insertApiKey,
  revokeKeys,
  updateAccount,
} from '../store/accounts.js';
import type { Account } from '../store/schema.js';
import type { Tx } from '../store/store.js';
import type { UseCaseContext } from './context.js';
import { ensureWebhookSecret } from './webhooks.js';

export type Mode = 'test' | 'live';
export type KeyKind = 'public' | 'secret';

export interface KeyPair {
  mode: Mode;
  publicKey: string;
  secretKey: string;
}

const base36 = '0123456789abcdefghijklmnopqrstuvwxyz';

export function secretDigest(secretKey: string): string {
  return createHash('sha256').update(secretKey).digest('hex');
}

/** A new key: prefix, mode marker, 19 random base36 characters (about 98 bits). */
export function generateKey(kind: KeyKind, mode: Mode): string {
  let suffix = '';
  for (let i = 0; i < 19; i++) suffix += base36[randomInt(36)];
  return `${kind === 'public' ? 'pkey' : 'skey'}_${mode === 'test' ? 'test_' : ''}${suffix}`;
}

/** What a key string says about itself, or null when it is not shaped like an Omise key. */
export function describeKey(key: string): { kind: KeyKind; mode: Mode } | null {
  const match = /^(pkey|skey)_(test_)?[0-9a-z]{8,64}$/.exec(key);
  if (!match) return null;
  return { kind: match[1] === 'pkey' ? 'public' : 'secret', mode: match[2] ? 'test' : 'live' };
}

function keyLookup(key: string, kind: KeyKind): string {
  return kind === 'public' ? key : secretDigest(key);
}

async function storeKey(tx: Tx, accountId: string, key: string, atMs: number): Promise<void> {
  const described = describeKey(key);
  if (!described) throw new Error(`not an Omise-shaped key`);
  await insertApiKey(tx, {
    id: newId('key', described.mode === 'live', atMs),
    account_id: accountId,
    livemode: described.mode === 'live' ? 1 : 0,
    kind: described.kind,
    lookup: keyLookup(key, described.kind),
    hint: key.slice(-4),
    created_at: atMs,
    revoked_at: null,
  });
}

/** A 15-digit Thai QR biller id (13-digit tax id and a 2-digit suffix), made up for the sandbox. */
function sandboxBillerId(): string {
  let digits = '0';
  for (let i = 0; i < 12; i++) digits += String(randomInt(10));
  return `${digits}01`;
}

export interface NewAccount {
  account: Account;
  keys: KeyPair[];
}

export async function createAccount(tx: Tx, input: { name: string; merchantName?: string; isDefault: boolean }, nowMs: number): Promise<NewAccount> {
  const account: Account = {
    id: newId('acct', true, nowMs), // accounts span both modes: no _test_ marker
    name: input.name,
    merchant_name: input.merchantName ?? input.name,
    biller_id: sandboxBillerId(),
    fee_rate_bps: feeRateBpsDefault,
    fee_flat_satang: 0,
    truemoney_qr_test: 1,
    truemoney_qr_live: 0,
    is_default: input.isDefault ? 1 : 0,
    test_clock_offset_ms: 0,
    created_at: nowMs,
    email: null,
    default_outcome: null,
    default_outcome_after_seconds: 0,
    default_funding_source: null,
  };
  await insertAccount(tx, account);
  const keys: KeyPair[] = [];
  for (const mode of ['test', 'live'] as const) {
    const pair = { mode, publicKey: generateKey('public', mode), secretKey: generateKey('secret', mode) };
    await storeKey(tx, account.id, pair.publicKey, nowMs);
    await storeKey(tx, account.id, pair.secretKey, nowMs);
    await ensureWebhookSecret(tx, { accountId: account.id, livemode: mode === 'live' ? 1 : 0 }, nowMs);
    keys.push(pair);
  }
  return { account, keys };
}

/** Replaces an account's keys of one mode and kind; returns the new key (shown once). */
export async function rollKey(tx: Tx, accountId: string, mode: Mode, kind: KeyKind, nowMs: number): Promise<string> {
  if (!(await findAccount(tx, accountId))) throw new OmiseError('not_found', `account ${accountId} was not found`);
  await revokeKeys(tx, accountId, mode === 'live' ? 1 : 0, kind, nowMs);
  const key = generateKey(kind, mode);
  await storeKey(tx, accountId, key, nowMs);
  return key;
}

/**
 * Makes the given key the account's active key of its kind and mode, unless it already is.
 * Used for SATANG_TEST_PUBLIC_KEY / SATANG_TEST_SECRET_KEY on every start.
 */
export async function pinKey(tx: Tx, accountId: string, key: string, nowMs: number): Promise<void> {
  const described = describeKey(key);
  if (!described) throw new Error('a configured key must look like pkey_test_... or skey_test_... (8 to 64 of 0-9a-z after the prefix)');
  const lookup = keyLookup(key, described.kind);
  const existing = await findActiveKey(tx, lookup);
  if (existing?.account_id === accountId) return;
  if (existing) throw new Error('a configured key already belongs to another account');
  await revokeKeys(tx, accountId, described.mode === 'live' ? 1 : 0, described.kind, nowMs);
  await deleteKeyByLookup(tx, lookup); // a revoked row with the same key would violate uniqueness
  await storeKey(tx, accountId, key, nowMs);
}

/** The default account, made on first start. `created` tells the caller to show the new keys. */
export async function ensureDefaultAccount(tx: Tx, nowMs: number): Promise<{ account: Account; created: NewAccount | null }> {
  const existing = await findDefaultAccount(tx);
  if (existing) return { account: existing, created: null };
  const created = await createAccount(tx, { name: 'Default merchant', merchantName: 'Satang Sandbox Shop', isDefault: true }, nowMs);
  return { account: created.account, created };
}

export interface SettingsInput {
  name?: string;
  merchantName?: string;
  billerId?: string;
  feeRateBps?: number;
  feeFlatSatang?: number;
  truemoneyQrTest?: boolean;
  truemoneyQrLive?: boolean;
  /** The email GET /account shows; the empty string clears it. */
  email?: string;
  /** The test settings that are Satang's own: the default scripted outcome of new test charges (DECISIONS §10). */
  testSettings?: TestSettingsChange;
}

/** Whether the account has a live provider whose credentials answered a token request (DECISIONS §7, §11). */
export async function liveProviderReady(tx: Tx, accountId: string): Promise<boolean> {
  const provider = await findProviderSettings(tx, accountId);
  return provider !== undefined && provider.verified_at !== null;
}

/** An account's email as given (trimmed), or null for the empty string: one @, no spaces, a dot in the domain. */
function accountEmail(text: string): string | null {
  const email = text.trim();
  if (email === '') return null;
  if (email.length > accountEmailCharsMax || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
    throw new OmiseError('bad_request', `email must be an email address such as dev@shop.example (at most ${accountEmailCharsMax} characters)`);
  }
  return email;
}

export async function changeSettings(tx: Tx, accountId: string, input: SettingsInput): Promise<Account> {
  const settings: AccountSettings = {};
  if (input.name !== undefined) {
    if (input.name.trim() === '' || input.name.length > 100) throw new OmiseError('bad_request', 'name must be 1 to 100 characters');
    settings.name = input.name.trim();
  }
  if (input.merchantName !== undefined) {
    if (input.merchantName.trim() === '' || input.merchantName.length > 100) throw new OmiseError('bad_request', 'merchant name must be 1 to 100 characters');
    settings.merchant_name = input.merchantName.trim();
  }
  if (input.billerId !== undefined) {
    if (!/^\d{15}$/.test(input.billerId)) throw new OmiseError('bad_request', 'biller id must be 15 digits (tax id and suffix)');
    settings.biller_id = input.billerId;
  }
  if (input.feeRateBps !== undefined) {
    if (!Number.isSafeInteger(input.feeRateBps) || input.feeRateBps < 0 || input.feeRateBps > 10_000) {
      throw new OmiseError('bad_request', 'fee rate must be an integer number of basis points from 0 to 10000');
    }
    settings.fee_rate_bps = input.feeRateBps;
  }
  if (input.feeFlatSatang !== undefined) {
    if (!Number.isSafeInteger(input.feeFlatSatang) || input.feeFlatSatang < 0 || input.feeFlatSatang > 1_000_000) {
      throw new OmiseError('bad_request', 'flat fee must be an integer number of satang from 0 to 1000000');
    }
    settings.fee_flat_satang = input.feeFlatSatang;
  }
  if (input.email !== undefined) settings.email = accountEmail(input.email);
  if (input.truemoneyQrTest !== undefined) settings.truemoney_qr_test = input.truemoneyQrTest ? 1 : 0;
  if (input.truemoneyQrLive !== undefined) {
    if (input.truemoneyQrLive && !(await liveProviderReady(tx, accountId))) {
      throw new OmiseError('bad_request', 'live TrueMoney QR needs a live provider: configure SCB for this account first (satang accounts scb)');
    }
    settings.truemoney_qr_live = input.truemoneyQrLive ? 1 : 0;
  }
  if (input.testSettings !== undefined) {
    const current = await findAccount(tx, accountId);
    if (!current) throw new OmiseError('not_found', `account ${accountId} was not found`);
    Object.assign(settings, changedTestSettings(testSettingsOf(current), input.testSettings));
  }
  if (Object.keys(settings).length > 0 && !(await updateAccount(tx, accountId, settings))) {
    throw new OmiseError('not_found', `account ${accountId} was not found`);
  }
  const account = await findAccount(tx, accountId);
  if (!account) throw new OmiseError('not_found', `account ${accountId} was not found`);
  return account;
}

/** PATCH /test/settings and the dashboard's form: the account's test settings, changed from test mode only. */
export async function changeTestSettings(tx: Tx, ctx: UseCaseContext, change: TestSettingsChange): Promise<Account> {
  requireTestMode(ctx.scope.livemode);
  return changeSettings(tx, ctx.scope.accountId, { testSettings: change });
}

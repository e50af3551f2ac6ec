/**
 * Live mode through SCB (DECISIONS §11): an account's settings, a confirmation recorded as it arrives, and
 * the decision on it once SCB's inquiry has answered. Each runs in the transaction the change runner gives it;
 * the network calls happen before (jobs/live-provider.ts), never inside a transaction.
 */
import { newId } from '../domain/ids.js';
import { canComplete } from '../domain/lifecycle.js';
import { type BankPayment, matchesPayment } from '../domain/bank-payments.js';

import {
  decideConfirmation,
  findLiveChargeByRef1,
  insertConfirmation,
  insertProviderPayment,
  providerPaymentOfCharge,
  saveProviderSettings,
} from '../store/providers.js';
import type { ProviderConfirmation, ProviderSettings } from '../store/schema.js';
import type { Tx } from '../store/store.js';
import type { UseCaseContext } from './context.js';
import { completeCharge } from './lifecycle.js';

export interface SealedScbSettings {
  accountId: string;
  applicationKey: string;
  applicationSecretSealed: string;
  billerId: string;
  ref3Prefix: string;
  callbackDigest: string;
  verifiedAtMs: number;
}

/** Saves an account's SCB settings (checked and verified by the caller); the callback secret changes with them. */
export async function saveScbSettings(tx: Tx, settings: SealedScbSettings, nowMs: number): Promise<void> {
  // A first save's created_at; saving again keeps the row's own (saveProviderSettings updates everything else).
  await saveProviderSettings(tx, {
    account_id: settings.accountId,
    provider: 'scb',
    application_key: settings.applicationKey,
    application_secret_sealed: settings.applicationSecretSealed,
    biller_id: settings.billerId,
    ref3_prefix: settings.ref3Prefix,
    callback_digest: settings.callbackDigest,
    verified_at: settings.verifiedAtMs,
    created_at: nowMs,
    updated_at: nowMs,
  });
}

/**
 * Records what the bank says arrived (a callback, or a row the sweep's inquiry found), due for the inquiry at
 * once. A transaction id recorded before is not recorded again: false.
 */
export async function recordConfirmation(
  tx: Tx,
  settings: ProviderSettings,
  read: BankPayment,
  origin: ProviderConfirmation['origin'],
  body: string,
  nowMs: number,
): Promise<boolean> {
  return insertConfirmation(tx, {
    id: newId('prcf', true, nowMs),
    account_id: settings.account_id,
    provider: settings.provider,
    transaction_id: read.transactionId,
    origin,
    body,
    ref1: read.ref1,
    amount: read.amountSatang,
    paid_at: read.paidAtMs,
    status: 'received',
    detail: read.problem,
    charge_id: null,
    attempts: 0,
    next_attempt_at: nowMs,
    received_at: nowMs,
    decided_at: null,
  });
}

export type ConfirmationOutcome = { status: Exclude<ProviderConfirmation['status'], 'received'>; detail: string | null; chargeId: string | null };

/**
 * Decides a confirmation on what SCB's inquiry answered (`rows`: every row it holds for the reference on the
 * dates asked): the charge completes only when a row has the same transaction id, biller, ref1 and amount.
 * Otherwise nothing about the charge changes, and the confirmation says why.
 */
export async function applyConfirmation(tx: Tx, ctx: UseCaseContext, settings: ProviderSettings, confirmation: ProviderConfirmation, rows: BankPayment[]): Promise<ConfirmationOutcome> {
  const outcome = await decide(tx, ctx, settings, confirmation, rows);
  await decideConfirmation(tx, confirmation.id, { ...outcome, atMs: ctx.nowMs });
  return outcome;
}

async function decide(tx: Tx, ctx: UseCaseContext, settings: ProviderSettings, confirmation: ProviderConfirmation, rows: BankPayment[]): Promise<ConfirmationOutcome> {
  const row = rows.find((candidate) => candidate.transactionId === confirmation.transaction_id);
  if (!row) return { status: 'rejected', detail: `SCB's inquiry holds no transaction ${confirmation.transaction_id} for this reference: the confirmation was not the bank's`, chargeId: null };
  const charge = await findLiveChargeByRef1(tx, settings.account_id, row.ref1);
  if (!charge) return { status: 'unmatched', detail: `SCB holds the payment, but no live charge of this account has ref1 ${row.ref1}`, chargeId: null };
  const expected = { transactionId: confirmation.transaction_id, billerId: settings.biller_id, ref1: charge.qr_ref1, amountSatang: charge.amount };
  if (!matchesPayment(row, expected)) {
    const differences = [
      row.billerId !== expected.billerId ? `biller ${row.billerId}` : null,
      row.amountSatang !== expected.amountSatang ? `amount ${row.amountSatang ?? 'unreadable'} satang, the charge's is ${expected.amountSatang}` : null,
      row.reversed ? 'reversed (reverseFlag R)' : null,
    ].filter(Boolean);
    return { status: 'rejected', detail: `SCB's row differs from the charge: ${differences.join('; ')}`, chargeId: charge.id };
  }
  const paid = await providerPaymentOfCharge(tx, charge.account_id, charge.id);
  if (paid?.transaction_id === row.transactionId) return { status: 'confirmed', detail: 'confirmed before (a duplicate)', chargeId: charge.id };
  const allowance = canComplete(charge, { outcome: 'successful', fundingSource: 'bank_account' }, ctx.nowMs, 'provider');
  if (!allowance.allowed) {
    // Paid at the bank, but the charge cannot take it (expired, or paid already by another transfer): the operator refunds it by transfer.
    return { status: 'unapplied', detail: `paid at the bank, but ${allowance.reason}`, chargeId: charge.id };
  }
  await completeCharge(tx, ctx, charge.id, { outcome: 'successful', fundingSource: 'bank_account' }, 'provider');
  await insertProviderPayment(tx, {
    charge_id: charge.id,
    account_id: charge.account_id,
    provider: settings.provider,
    transaction_id: row.transactionId,
    amount: row.amountSatang ?? charge.amount,
    payer_bank: row.sendingBankCode,
    payer_name: row.payerName,
    paid_at: row.paidAtMs,
    inquiry: JSON.stringify(row.raw),
    confirmed_at: ctx.nowMs,
  });
  return { status: 'confirmed', detail: null, chargeId: charge.id };
}



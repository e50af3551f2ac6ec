/**
 * Voids and refunds of a TrueMoney QR charge (DECISIONS §5), as pure functions of the
 * charge, the request and the account's clock.
 */
import type { FundingSource } from './lifecycle.js';
import { divRoundHalfUp } from './money.js';
import { manualReferenceCharsMax, refundsPerChargeMax, refundWindowMs } from './limits.js';
import { bangkokDayOf, bangkokDayStartMs, formatTimestamp } from './time.js';


interface Allowed {
  voidFull: boolean;
  voidPartial: boolean;
  refundFull: boolean;
  refundPartial: boolean;
}

/** Satang's reading of the seed's table (DECISIONS §5 wins over the flattened seed). */
export const refundMatrix: Record<FundingSource, Allowed> = {
  wallet_balance: { voidFull: true, voidPartial: true, refundFull: true, refundPartial: false },
  bank_account: { voidFull: true, voidPartial: true, refundFull: true, refundPartial: false },
  credit_card: { voidFull: true, voidPartial: false, refundFull: true, refundPartial: false },
  pay_next: { voidFull: true, voidPartial: false, refundFull: true, refundPartial: false },
  pay_next_extra: { voidFull: true, voidPartial: false, refundFull: true, refundPartial: false },
};

/** The first Asia/Bangkok midnight after the authorization: voids are allowed before it. */
export function voidWindowEndsAt(authorizedAtMs: number): number {
  return bangkokDayStartMs(bangkokDayOf(authorizedAtMs) + 1);
}

/** Refunds are allowed while now ≤ this (30 days after the charge was created). */
export function refundWindowEndsAt(createdAtMs: number): number {
  return createdAtMs + refundWindowMs;
}

export interface RefundableCharge {
  status: string;
  amount: number;
  refundedAmount: number;
  refundCount: number;
  fundingSource: FundingSource | null;
  authorizedAtMs: number | null;
  createdAtMs: number;
  /** A live charge was paid at a bank through a provider that offers no refund: it is refunded by transfer, recorded by an operator. */
  livemode: boolean;
}

/** Which rule refused a request, with what a person needs to be told it in their language. */
export type RefundRefusal =
  | { rule: 'not_successful'; status: string }
  | { rule: 'too_many'; max: number }
  | { rule: 'refunded_in_full' }
  | { rule: 'exceeds_remaining'; remaining: number }
  | { rule: 'partial_void_not_allowed'; fundingSource: FundingSource }
  | { rule: 'void_window_closed'; atMs: number }
  | { rule: 'refund_window_closed'; atMs: number }
  | { rule: 'partial_refund_not_allowed'; fundingSource: FundingSource }
  | { rule: 'refund_by_transfer' }
  | { rule: 'manual_live_only' };

export type RefundDecision = { kind: 'void' | 'refund' } | { kind: 'refused'; code: 'failed_refund' | 'failed_void'; message: string; why: RefundRefusal };

/**
 * What a request for `amountSatang` (a void if `voidRequested`) would be now: inside the
 * void window a void when the matrix allows that kind, otherwise a refund when the matrix
 * allows it and the refund window is open, otherwise refused, naming the rule.
 */
export function decideRefund(charge: RefundableCharge, amountSatang: number, voidRequested: boolean, nowMs: number): RefundDecision {
  const refuse = (message: string, why: RefundRefusal): RefundDecision => ({ kind: 'refused', code: voidRequested ? 'failed_void' : 'failed_refund', message, why });
  if (!Number.isSafeInteger(amountSatang) || amountSatang <= 0) throw new Error(`refund amount must be a positive integer: ${amountSatang}`);
  if (charge.status !== 'successful' || charge.fundingSource === null || charge.authorizedAtMs === null) {
    return refuse(`only successful charges can be refunded (status: ${charge.status})`, { rule: 'not_successful', status: charge.status });
  }
  // DECISIONS §11: SCB's bill payment has no refund or void; the money goes back by transfer, recorded by hand.
  if (charge.livemode) return refuse('bank QR payments are refunded by transfer', { rule: 'refund_by_transfer' });
  if (charge.refundCount >= refundsPerChargeMax) return refuse(`a charge can have at most ${refundsPerChargeMax} refunds`, { rule: 'too_many', max: refundsPerChargeMax });
  const remaining = charge.amount - charge.refundedAmount;
  if (remaining <= 0) return refuse('the charge has been refunded in full', { rule: 'refunded_in_full' });
  if (amountSatang > remaining) return refuse(`amount exceeds the remaining refundable amount of ${remaining}`, { rule: 'exceeds_remaining', remaining });
  const full = amountSatang === remaining;
  const allowed = refundMatrix[charge.fundingSource];
  const voidEndsAt = voidWindowEndsAt(charge.authorizedAtMs);
  if (nowMs < voidEndsAt) {
    if (full ? allowed.voidFull : allowed.voidPartial) return { kind: 'void' };
    if (voidRequested) return refuse(`partial voids are not allowed for ${charge.fundingSource}`, { rule: 'partial_void_not_allowed', fundingSource: charge.fundingSource });
  } else if (voidRequested) {
    return refuse(`void window closed at ${formatTimestamp(voidEndsAt)}`, { rule: 'void_window_closed', atMs: voidEndsAt });
  }
  const refundEndsAt = refundWindowEndsAt(charge.createdAtMs);
  if (nowMs > refundEndsAt) return refuse(`refund window closed at ${formatTimestamp(refundEndsAt)}`, { rule: 'refund_window_closed', atMs: refundEndsAt });
  if (!(full ? allowed.refundFull : allowed.refundPartial)) return refuse(`partial refunds are not allowed for ${charge.fundingSource}`, { rule: 'partial_refund_not_allowed', fundingSource: charge.fundingSource });
  return { kind: 'refund' };
}

/**
 * The transfer's reference of a manual refund as it is kept: trimmed, 1 to manualReferenceCharsMax printable ASCII
 * characters; null when it is not one.
 */
export function manualReference(text: unknown): string | null {
  const reference = typeof text === 'string' ? text.trim() : '';
  return /^[\x20-\x7e]+$/.test(reference) && reference.length <= manualReferenceCharsMax ? reference : null;
}

/**
 * A refund an operator made by bank transfer and records by hand (DECISIONS §11): live charges only (test-mode
 * charges refund through the API), never a void, within what remains and the count; no window (the money left
 * the merchant's account already, whenever the transfer was made).
 */
export function decideManualRefund(charge: RefundableCharge, amountSatang: number): RefundDecision {
  const refuse = (message: string, why: RefundRefusal): RefundDecision => ({ kind: 'refused', code: 'failed_refund', message, why });
  if (!Number.isSafeInteger(amountSatang) || amountSatang <= 0) throw new Error(`refund amount must be a positive integer: ${amountSatang}`);
  if (!charge.livemode) return refuse('manual refunds are recorded for live charges only; refund a test charge through the API', { rule: 'manual_live_only' });
  if (charge.status !== 'successful') return refuse(`only successful charges can be refunded (status: ${charge.status})`, { rule: 'not_successful', status: charge.status });
  if (charge.refundCount >= refundsPerChargeMax) return refuse(`a charge can have at most ${refundsPerChargeMax} refunds`, { rule: 'too_many', max: refundsPerChargeMax });
  const remaining = charge.amount - charge.refundedAmount;
  if (remaining <= 0) return refuse('the charge has been refunded in full', { rule: 'refunded_in_full' });
  if (amountSatang > remaining) return refuse(`amount exceeds the remaining refundable amount of ${remaining}`, { rule: 'exceeds_remaining', remaining });
  return { kind: 'refund' };
}

/** The charge's read-time flags: what a request would be allowed to do now. */
export function refundFlags(charge: RefundableCharge, nowMs: number): { refundable: boolean; partiallyRefundable: boolean; canPerformVoid: boolean } {
  const remaining = charge.amount - charge.refundedAmount;
  const can = (amount: number, asVoid: boolean) => amount > 0 && amount <= remaining && decideRefund(charge, amount, asVoid, nowMs).kind !== 'refused';
  return {
    refundable: can(remaining, false),
    partiallyRefundable: remaining > 1 && can(remaining - 1, false),
    canPerformVoid: can(remaining, true),
  };
}

/**
 * What a void takes back from the balance: its share of the net, so a full void debits
 * exactly the net (no fee on voided money). With V the voided sum before and after.
 */
export function voidDebitSatang(netSatang: number, amountSatang: number, voidedBeforeSatang: number, voidedAfterSatang: number): number {
  if (voidedAfterSatang < voidedBeforeSatang || voidedAfterSatang > amountSatang) throw new Error('voided sums out of order');
  const net = Math.max(netSatang, 0); // a flat fee larger than the charge leaves nothing to take back
  return divRoundHalfUp(net * voidedAfterSatang, amountSatang) - divRoundHalfUp(net * voidedBeforeSatang, amountSatang);
}

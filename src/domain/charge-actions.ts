/**
 * What a person may do with a charge right now, why not, and what exactly each action would do:
 * the same decisions the use cases enforce (canComplete, canExpire, decideRefund, voidDebitSatang),
 * gathered for the dashboard to show and to ask about before anything happens.
 */
import { type RuledCharge, refundableCharge } from './charge.js';
import { type ChargeEnding, type ChargeStatus, type CompletionRefusal, type FundingSource, canComplete, canExpire, fundingSourceDefault } from './lifecycle.js';
import { type RefundRefusal, decideRefund, refundMatrix, refundWindowEndsAt, voidDebitSatang, voidWindowEndsAt } from './refunds.js';

/** Why a charge can or cannot be completed now, as a rule (the page says it in its language). */
export type CompletionWhy = { rule: 'pending'; untilMs: number } | CompletionRefusal;

/** A refund request's outcome now: a void, a refund, or refused by a rule. */
export type RefundPreview = { kind: 'void' | 'refund' } | { kind: 'refused'; why: RefundRefusal };

export interface ChargeActions {
  complete: { allowed: boolean; why: CompletionWhy };
  expire: { allowed: boolean; status: ChargeStatus };
  refund: {
    allowed: boolean;
    remaining: number;
    /** What refunding the whole remaining amount would be: a void, a refund, or refused (and why); null when nothing is left. */
    full: RefundPreview | null;
    /** The same for a partial amount (null when there is no part to refund). */
    partial: RefundPreview | null;
    voidWindowEndsAt: number | null;
    voidWindowOpen: boolean;
    refundWindowEndsAt: number;
    refundWindowOpen: boolean;
    matrix: { voidFull: boolean; voidPartial: boolean; refundFull: boolean; refundPartial: boolean } | null;
  };
}

/** The charge as the actions read it. */
export type ActionableCharge = RuledCharge & ChargeEnding & { updated_at: number; net: number };

function preview(decision: ReturnType<typeof decideRefund>): RefundPreview {
  return decision.kind === 'refused' ? { kind: 'refused', why: decision.why } : { kind: decision.kind };
}

function completionWhy(charge: ChargeEnding, nowMs: number): { allowed: boolean; why: CompletionWhy } {
  const completion = canComplete(charge, { outcome: 'successful' }, nowMs, 'test tools');
  if (completion.allowed) return { allowed: true, why: { rule: 'pending', untilMs: charge.expires_at } };
  const { allowed: _a, reason: _r, error: _e, ...refusal } = completion;
  return { allowed: false, why: refusal as CompletionRefusal };
}

export function chargeActions(charge: ActionableCharge, nowMs: number): ChargeActions {
  const refundable = refundableCharge(charge);
  const atMs = refundTimeOf(charge, nowMs);
  const remaining = charge.amount - charge.refunded_amount;
  const full = remaining > 0 ? preview(decideRefund(refundable, remaining, false, atMs)) : null;
  const partial = remaining > 1 ? preview(decideRefund(refundable, remaining - 1, false, atMs)) : null;
  const voidEnds = charge.authorized_at !== null ? voidWindowEndsAt(charge.authorized_at) : null;
  const refundEnds = refundWindowEndsAt(charge.created_at);
  return {
    complete: completionWhy(charge, nowMs),
    expire: { allowed: canExpire(charge).allowed, status: charge.status },
    refund: {
      allowed: (full !== null && full.kind !== 'refused') || (partial !== null && partial.kind !== 'refused'),
      remaining,
      full,
      partial,
      voidWindowEndsAt: voidEnds,
      voidWindowOpen: voidEnds !== null && atMs < voidEnds,
      refundWindowEndsAt: refundEnds,
      refundWindowOpen: atMs <= refundEnds,
      matrix: refundable.fundingSource ? refundMatrix[refundable.fundingSource] : null,
    },
  };
}

/**
 * The time a refund of this charge is decided at: the account's now, never before the charge's last
 * change (as createRefund dates it, so the preview and the use case decide at the same moment).
 */
export function refundTimeOf(charge: { updated_at: number }, nowMs: number): number {
  return Math.max(nowMs, charge.updated_at);
}

/** A charge's badge: its status, or for a successful charge with money given back, how much of it. */
export type ChargeBadge = ChargeStatus | 'refunded' | 'partially_refunded' | 'voided';

export function chargeBadge(charge: Pick<RuledCharge, 'status' | 'refunded_amount' | 'voided_amount' | 'amount'>): ChargeBadge {
  if (charge.status !== 'successful' || charge.refunded_amount <= 0) return charge.status;
  if (charge.voided_amount >= charge.amount) return 'voided';
  if (charge.refunded_amount >= charge.amount) return 'refunded';
  return 'partially_refunded';
}

/** What a refund request would do if confirmed now: refused (by which rule), or a void or refund with its ledger effect. */
export type RefundEffect =
  | { kind: 'refused'; why: RefundRefusal; amount: number }
  | {
      kind: 'void' | 'refund';
      amount: number;
      /** Whether it gives back everything that is left. */
      full: boolean;
      /** What the account's balance goes down by: the amount for a refund (the fee stays paid), the voided share of the net for a void. */
      debit: number;
      /** What is left to give back afterwards. */
      remainingAfter: number;
      /** The charge's badge afterwards. */
      badgeAfter: ChargeBadge;
      /** The ledger key of the debit it records. */
      ledgerKey: 'refund.voided.debit' | 'refund.created.debit';
    };

export function refundEffect(charge: ActionableCharge, amount: number, voidRequested: boolean, nowMs: number): RefundEffect {
  const decision = decideRefund(refundableCharge(charge), amount, voidRequested, refundTimeOf(charge, nowMs));
  if (decision.kind === 'refused') return { kind: 'refused', why: decision.why, amount };
  const voided = decision.kind === 'void';
  const debit = voided ? voidDebitSatang(charge.net, charge.amount, charge.voided_amount, charge.voided_amount + amount) : amount;
  const after = { ...charge, refunded_amount: charge.refunded_amount + amount, voided_amount: charge.voided_amount + (voided ? amount : 0) };
  return {
    kind: decision.kind,
    amount,
    full: amount === charge.amount - charge.refunded_amount,
    debit,
    remainingAfter: charge.amount - after.refunded_amount,
    badgeAfter: chargeBadge(after),
    ledgerKey: voided ? 'refund.voided.debit' : 'refund.created.debit',
  };
}

/** What marking a pending charge paid or failed would do now: refused (why), or its new status and the balance's credit. */
export type CompletionEffect =
  | { allowed: false; why: CompletionWhy }
  | { allowed: true; outcome: 'successful'; fundingSource: FundingSource; credit: number }
  | { allowed: true; outcome: 'failed'; credit: 0 };

export function completionEffect(charge: ActionableCharge, outcome: 'successful' | 'failed', fundingSource: FundingSource | undefined, nowMs: number): CompletionEffect {
  const request = outcome === 'successful' ? { outcome, fundingSource } : { outcome };
  const allowance = canComplete(charge, request, nowMs, 'test tools');
  if (!allowance.allowed) {
    const { allowed: _a, reason: _r, error: _e, ...refusal } = allowance;
    return { allowed: false, why: refusal as CompletionRefusal };
  }
  if (allowance.completion.outcome === 'failed') return { allowed: true, outcome: 'failed', credit: 0 };
  return { allowed: true, outcome: 'successful', fundingSource: allowance.completion.fundingSource ?? fundingSourceDefault, credit: charge.net };
}

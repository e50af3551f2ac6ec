import { type ChargeStatus, isFundingSource } from './lifecycle.js';
import { type RefundableCharge, refundFlags } from './refunds.js';

/**
 * What the charge's read-time flags say, from its state and the refund rules at `nowMs`
 * (omise-api.md §4.3, DECISIONS §3 and §5): computed on every read, never stored.
 */
export interface ChargeFlags {
  authorized: boolean;
  paid: boolean;
  expired: boolean;
  refundable: boolean;
  partiallyRefundable: boolean;
  canPerformVoid: boolean;
  voided: boolean;
}

/**
 * The fields of a charge that change after it is made; everything else is fixed when it is made.
 * (The store's charge row has these and the fixed ones: store/schema.ts.)
 */
export interface ChargeState {
  status: ChargeStatus;
  description: string | null;
  metadata: string;
  funding_source: string | null;
  failure_code: string | null;
  failure_message: string | null;
  transaction_id: string | null;
  paid_at: number | null;
  authorized_at: number | null;
  expires_at: number;
  expired_at: number | null;
  refunded_amount: number;
  voided_amount: number;
  refund_count: number;
}

/** What the flags and the refund rules read of a charge. */
export type RuledCharge = Pick<ChargeState, 'status' | 'refunded_amount' | 'voided_amount' | 'refund_count' | 'funding_source' | 'authorized_at'> & {
  amount: number;
  created_at: number;
  /** Live charges are paid at a bank through a provider, which refunds by transfer only (DECISIONS §11). */
  livemode: number;
};

export function chargeFlags(charge: RuledCharge, nowMs: number): ChargeFlags {
  const successful = charge.status === 'successful';
  const refunds = refundFlags(refundableCharge(charge), nowMs);
  return {
    authorized: successful,
    paid: successful,
    expired: charge.status === 'expired',
    ...refunds,
    voided: successful && charge.voided_amount === charge.amount,
  };
}

/** The part of a charge the refund rules read. */
export function refundableCharge(charge: RuledCharge): RefundableCharge {
  return {
    status: charge.status,
    amount: charge.amount,
    refundedAmount: charge.refunded_amount,
    refundCount: charge.refund_count,
    fundingSource: isFundingSource(charge.funding_source) ? charge.funding_source : null,
    authorizedAtMs: charge.authorized_at,
    createdAtMs: charge.created_at,
    livemode: charge.livemode === 1,
  };
}

/** The source's charge_status: its charge's status, or "unknown" before one exists. */
export function sourceChargeStatus(charge: Pick<ChargeState, 'status'> | undefined): string {
  return charge ? charge.status : 'unknown';
}

/** The fields of a charge that change after creation; everything else is fixed when it is made. */
export const chargeMutableFields = [
  'status',
  'description',
  'metadata',
  'funding_source',
  'failure_code',
  'failure_message',
  'transaction_id',
  'paid_at',
  'authorized_at',
  'expires_at',
  'expired_at',
  'refunded_amount',
  'voided_amount',
  'refund_count',
] as const satisfies ReadonlyArray<keyof ChargeState>;

export type ChargeSnapshot = Pick<ChargeState, (typeof chargeMutableFields)[number]>;

/** What an event keeps of its charge: the mutable fields, as JSON. */
export function chargeSnapshot(charge: ChargeSnapshot): string {
  const snapshot: Record<string, unknown> = {};
  for (const field of chargeMutableFields) snapshot[field] = charge[field];
  return JSON.stringify(snapshot);
}

/** The charge as it was when a snapshot was taken. */
export function chargeAsOf<C extends ChargeSnapshot>(charge: C, snapshot: string): C {
  return { ...charge, ...(JSON.parse(snapshot) as ChargeSnapshot) };
}

import type { ChargeRow } from '../store/schema.js';
import { isFundingSource } from './lifecycle.js';
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

export function chargeFlags(charge: ChargeRow, nowMs: number): ChargeFlags {
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
export function refundableCharge(charge: ChargeRow): RefundableCharge {
  return {
    status: charge.status,
    amount: charge.amount,
    refundedAmount: charge.refunded_amount,
    refundCount: charge.refund_count,
    fundingSource: isFundingSource(charge.funding_source) ? charge.funding_source : null,
    authorizedAtMs: charge.authorized_at,
    createdAtMs: charge.created_at,
  };
}

/** The source's charge_status: its charge's status, or "unknown" before one exists. */
export function sourceChargeStatus(charge: Pick<ChargeRow, 'status'> | undefined): string {
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
] as const satisfies ReadonlyArray<keyof ChargeRow>;

export type ChargeSnapshot = Pick<ChargeRow, (typeof chargeMutableFields)[number]>;

/** What an event keeps of its charge: the mutable fields, as JSON. */
export function chargeSnapshot(charge: ChargeSnapshot): string {
  const snapshot: Record<string, unknown> = {};
  for (const field of chargeMutableFields) snapshot[field] = charge[field];
  return JSON.stringify(snapshot);
}

/** The charge as it was when a snapshot was taken. */
export function chargeAsOf(charge: ChargeRow, snapshot: string): ChargeRow {
  return { ...charge, ...(JSON.parse(snapshot) as ChargeSnapshot) };
}

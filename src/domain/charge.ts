import type { ChargeRow } from '../store/schema.js';

/**
 * What the charge's read-time flags say, from its state (omise-api.md §4.3, DECISIONS §3).
 * Refund and void rules join here with the refunds issue; until then a charge cannot be
 * refunded or voided, so the flags say so.
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

export function chargeFlags(charge: Pick<ChargeRow, 'status'>): ChargeFlags {
  const successful = charge.status === 'successful';
  return {
    authorized: successful,
    paid: successful,
    expired: charge.status === 'expired',
    refundable: false,
    partiallyRefundable: false,
    canPerformVoid: false,
    voided: false,
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

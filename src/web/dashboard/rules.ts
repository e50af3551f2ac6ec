/** What the dashboard may offer for a charge right now, and why not, from the domain rules. */
import { refundableCharge } from '../../domain/charge.js';
import { formatTimestamp } from '../../domain/time.js';
import { decideRefund, refundMatrix, refundWindowEndsAt, voidWindowEndsAt } from '../../domain/refunds.js';
import type { ChargeRow } from '../../store/schema.js';

export interface Allowance {
  allowed: boolean;
  reason: string;
}

export interface ChargeActions {
  complete: Allowance;
  expire: Allowance;
  refund: {
    allowed: boolean;
    remaining: number;
    /** What refunding the whole remaining amount would be: a void, a refund, or refused (and why). */
    full: string;
    /** The same for a partial amount. */
    partial: string;
    voidWindowEndsAt: number | null;
    voidWindowOpen: boolean;
    refundWindowEndsAt: number;
    refundWindowOpen: boolean;
    matrix: { voidFull: boolean; voidPartial: boolean; refundFull: boolean; refundPartial: boolean } | null;
  };
}

function describe(decision: ReturnType<typeof decideRefund>): string {
  if (decision.kind === 'refused') return `not allowed: ${decision.message}`;
  return decision.kind === 'void' ? 'allowed, as a void' : 'allowed, as a refund';
}

export function chargeActions(charge: ChargeRow, nowMs: number): ChargeActions {
  const pending = charge.status === 'pending';
  const pastDeadline = pending && charge.expires_at <= nowMs;
  let complete: Allowance;
  if (!pending) complete = { allowed: false, reason: `the charge is ${charge.status}; only a pending charge can be completed` };
  else if (pastDeadline) complete = { allowed: false, reason: `the charge's deadline passed at ${formatTimestamp(charge.expires_at)}; it is expiring` };
  else if (charge.livemode === 1) complete = { allowed: false, reason: 'only test-mode charges are marked by hand; live charges end when the wallet reports them' };
  else complete = { allowed: true, reason: `pending until ${formatTimestamp(charge.expires_at)}` };
  const expire: Allowance = pending ? { allowed: true, reason: 'the charge is pending' } : { allowed: false, reason: `the charge is ${charge.status}` };

  const refundable = refundableCharge(charge);
  const remaining = charge.amount - charge.refunded_amount;
  const full = remaining > 0 ? decideRefund(refundable, remaining, false, nowMs) : null;
  const partial = remaining > 1 ? decideRefund(refundable, remaining - 1, false, nowMs) : null;
  const voidEnds = charge.authorized_at !== null ? voidWindowEndsAt(charge.authorized_at) : null;
  const refundEnds = refundWindowEndsAt(charge.created_at);
  return {
    complete,
    expire,
    refund: {
      allowed: (full !== null && full.kind !== 'refused') || (partial !== null && partial.kind !== 'refused'),
      remaining,
      full: full ? describe(full) : 'not allowed: nothing is left to refund',
      partial: partial ? describe(partial) : 'not allowed: nothing is left to refund in part',
      voidWindowEndsAt: voidEnds,
      voidWindowOpen: voidEnds !== null && nowMs < voidEnds,
      refundWindowEndsAt: refundEnds,
      refundWindowOpen: nowMs <= refundEnds,
      matrix: refundable.fundingSource ? refundMatrix[refundable.fundingSource] : null,
    },
  };
}

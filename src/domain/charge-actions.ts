/**
 * What a person may do with a charge right now, and why not: the same decisions the use cases
 * enforce (canComplete, canExpire, decideRefund), gathered for the dashboard to show.
 */
import { type RuledCharge, refundableCharge } from './charge.js';
import { type ChargeEnding, canComplete, canExpire } from './lifecycle.js';
import { decideRefund, refundMatrix, refundWindowEndsAt, voidWindowEndsAt } from './refunds.js';

/** Whether an action is allowed now, and the reason a person is shown. */
export interface ActionAllowed {
  allowed: boolean;
  reason: string;
}

export interface ChargeActions {
  complete: ActionAllowed;
  expire: ActionAllowed;
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

export function chargeActions(charge: RuledCharge & ChargeEnding, nowMs: number): ChargeActions {
  const completion = canComplete(charge, { outcome: 'successful' }, nowMs, 'test tools');
  const expiry = canExpire(charge);
  const complete = { allowed: completion.allowed, reason: completion.reason };
  const expire = { allowed: expiry.allowed, reason: expiry.reason };

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

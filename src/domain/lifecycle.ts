/**
 * The TrueMoney QR charge's endings (DECISIONS §3, §4) and the rules that say when a charge may
 * end, decided here once: the use cases enforce them, the dashboard shows them, the wallet
 * simulator tells the payer in its own words.
 */
import { OmiseError } from './errors.js';
import { formatTimestamp } from './time.js';

export type ChargeStatus = 'pending' | 'successful' | 'failed' | 'expired';

export const fundingSources = ['wallet_balance', 'bank_account', 'credit_card', 'pay_next', 'pay_next_extra'] as const;
export type FundingSource = (typeof fundingSources)[number];
export const fundingSourceDefault: FundingSource = 'wallet_balance';

export const failedProcessing = { code: 'failed_processing', message: 'payment processing failed' } as const;

export type Completion = { outcome: 'successful'; fundingSource: FundingSource } | { outcome: 'failed' };

/** A completion as asked for: the funding source is what the caller sent (none: the default). */
export type CompletionRequest = { outcome: 'successful'; fundingSource?: unknown } | { outcome: 'failed' };

export function isFundingSource(value: unknown): value is FundingSource {
  return typeof value === 'string' && (fundingSources as readonly string[]).includes(value);
}

/** What the rules read of a charge. */
export interface ChargeEnding {
  status: ChargeStatus;
  livemode: number;
  expires_at: number;
  expired_at: number | null;
}

/**
 * Who completes a charge: the test-mode tools (mark_as_paid and mark_as_failed, the dashboard's
 * Actions, the wallet simulator), which may complete test-mode charges only; or a provider that
 * confirms a real payment (live mode).
 */
export type Completer = 'test tools' | 'provider';

/** Why a charge cannot be completed: the rule, so each caller can say it in its own words. */
export type CompletionRefusal = { rule: 'live' } | { rule: 'funding_source' } | { rule: 'not_pending'; status: ChargeStatus } | { rule: 'deadline_passed'; expiredAtMs: number };

/**
 * A decision: allowed, or refused with the rule's details. Either way `reason` is what a person is
 * told (the dashboard shows it); a refusal also carries the error the API answers with.
 */
export type Allowance<Refusal = unknown, Allowed = unknown> =
  | ({ allowed: true; reason: string } & Allowed)
  | ({ allowed: false; reason: string; error: OmiseError } & Refusal);

/**
 * Whether a charge can be completed now (DECISIONS §4): by the test tools only in test mode; with a
 * funding source Satang knows; only while pending and before its deadline on the account's clock.
 * The checks run in that order, which is the order the API answers them in.
 */
export function canComplete(charge: ChargeEnding, request: CompletionRequest, nowMs: number, by: Completer): Allowance<CompletionRefusal, { completion: Completion }> {
  if (by === 'test tools' && charge.livemode === 1) {
    return {
      allowed: false,
      rule: 'live',
      reason: 'only test-mode charges are marked by hand; live charges end when the wallet reports them',
      error: new OmiseError('not_authorized', 'only available in test mode'),
    };
  }
  let completion: Completion = { outcome: 'failed' };
  if (request.outcome === 'successful') {
    const given = request.fundingSource;
    if (given !== undefined && !isFundingSource(given)) {
      const message = `funding_source must be one of ${fundingSources.join(', ')}`;
      return { allowed: false, rule: 'funding_source', reason: message, error: new OmiseError('bad_request', message) };
    }
    completion = { outcome: 'successful', fundingSource: given ?? fundingSourceDefault };
  }
  if (charge.status !== 'pending') {
    return {
      allowed: false,
      rule: 'not_pending',
      status: charge.status,
      reason: `the charge is ${charge.status}; only a pending charge can be completed`,
      error: new OmiseError('bad_request', `charge is not pending (status: ${charge.status})`),
    };
  }
  if (charge.expires_at <= nowMs) {
    return {
      allowed: false,
      rule: 'deadline_passed',
      expiredAtMs: charge.expires_at,
      reason: `the charge's deadline passed at ${formatTimestamp(charge.expires_at)}; it is expiring`,
      error: new OmiseError('bad_request', `charge is not pending: it expired at ${formatTimestamp(charge.expires_at)}`),
    };
  }
  return { allowed: true, reason: `pending until ${formatTimestamp(charge.expires_at)}`, completion };
}

/** Whether a charge can be expired by hand now (POST /charges/:id/expire, any mode): while it is pending. */
export function canExpire(charge: Pick<ChargeEnding, 'status'>): Allowance {
  if (charge.status === 'pending') return { allowed: true, reason: 'the charge is pending' };
  return { allowed: false, reason: `the charge is ${charge.status}`, error: new OmiseError('failed_expire', `expire failed: charge is ${charge.status}`) };
}

/** Goes on only when the decision allows it: a refusal throws the API's error. */
export function enforce<R, A>(allowance: Allowance<R, A>): asserts allowance is Extract<Allowance<R, A>, { allowed: true }> {
  if (!allowance.allowed) throw allowance.error;
}

/**
 * Test events on demand (`POST /test/trigger`, `satang trigger`, the dashboard's "Send test event"): which
 * events can be triggered, what each takes, and the path a new charge is driven along to produce it. Test
 * mode only (DECISIONS §10). The trigger makes a charge of its own and drives it through the same use cases as
 * the API, so every event it writes is a real one with real deliveries.
 */
import { OmiseError } from './errors.js';
import { type FundingSource, fundingSourceDefault, fundingSources, isFundingSource } from './lifecycle.js';
import { chargeAmountSatangMax, chargeAmountSatangMin } from './limits.js';

export const triggerEvents = ['charge.create', 'charge.complete', 'charge.failed', 'charge.expire', 'refund.create'] as const;
export type TriggerEvent = (typeof triggerEvents)[number];

/** A triggered charge's amount when none is given: THB 1,000.00. */
export const triggerAmountSatangDefault = 100_000;

/** The events whose charge is paid, and so take a funding source. */
const paidEvents: readonly TriggerEvent[] = ['charge.complete', 'refund.create'];

export interface TriggerRequest {
  event: TriggerEvent;
  amount: number;
  /** How a paid charge was funded; null for the events whose charge is never paid. */
  fundingSource: FundingSource | null;
}

/** The path a triggered charge takes after it is created: how it ends (if it does), then whether it is refunded in full. */
export interface TriggerPlan {
  ending: 'successful' | 'failed' | 'expired' | null;
  refund: boolean;
}

export function triggerPlan(event: TriggerEvent): TriggerPlan {
  switch (event) {
    case 'charge.create':
      return { ending: null, refund: false };
    case 'charge.complete':
      return { ending: 'successful', refund: false };
    case 'charge.failed':
      return { ending: 'failed', refund: false };
    case 'charge.expire':
      return { ending: 'expired', refund: false };
    case 'refund.create':
      return { ending: 'successful', refund: true };
  }
}

export function isTriggerEvent(value: unknown): value is TriggerEvent {
  return typeof value === 'string' && (triggerEvents as readonly string[]).includes(value);
}

/**
 * A trigger as asked for, checked: `amount` as the caller's parameter parser read it (undefined when not
 * given, NaN when not an integer). Every problem is a 400 bad_request naming it.
 */
export function checkTrigger(input: { event: unknown; amount: number | undefined; fundingSource: unknown }): TriggerRequest {
  const problems: string[] = [];
  const { event } = input;
  if (event === undefined || event === null || event === '') problems.push('event is required');
  else if (!isTriggerEvent(event)) problems.push(`event must be one of ${triggerEvents.join(', ')}`);
  const amount = input.amount ?? triggerAmountSatangDefault;
  if (!Number.isSafeInteger(amount)) problems.push('amount must be an integer');
  else if (amount < chargeAmountSatangMin) problems.push(`amount must be greater than or equal to ${chargeAmountSatangMin}`);
  else if (amount > chargeAmountSatangMax) problems.push(`amount must be less than or equal to ${chargeAmountSatangMax}`);
  let fundingSource: FundingSource | null = null;
  const given = input.fundingSource;
  if (given !== undefined && given !== null && given !== '') {
    if (!isFundingSource(given)) problems.push(`funding_source must be one of ${fundingSources.join(', ')}`);
    else if (isTriggerEvent(event) && !paidEvents.includes(event)) problems.push(`funding_source is only used with ${paidEvents.join(' and ')}`);
    else fundingSource = given;
  }
  if (problems.length > 0) throw new OmiseError('bad_request', problems.join(' and '));
  const checked = event as TriggerEvent;
  return { event: checked, amount, fundingSource: paidEvents.includes(checked) ? (fundingSource ?? fundingSourceDefault) : null };
}

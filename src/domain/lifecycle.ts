/** The TrueMoney QR charge's endings (DECISIONS §3, §4). */
export const fundingSources = ['wallet_balance', 'bank_account', 'credit_card', 'pay_next', 'pay_next_extra'] as const;
export type FundingSource = (typeof fundingSources)[number];
export const fundingSourceDefault: FundingSource = 'wallet_balance';

export const failedProcessing = { code: 'failed_processing', message: 'payment processing failed' } as const;

export type Completion = { outcome: 'successful'; fundingSource: FundingSource } | { outcome: 'failed' };

export function isFundingSource(value: unknown): value is FundingSource {
  return typeof value === 'string' && (fundingSources as readonly string[]).includes(value);
}

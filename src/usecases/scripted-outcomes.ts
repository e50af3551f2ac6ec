/**
 * Scripted outcomes (DECISIONS §10), applied: each due outcome goes through the use case of the manual
 * action (completeCharge as mark_as_paid / mark_as_failed do, expireCharge as POST /expire does), so its
 * state, ledger entry, event and webhooks are exactly theirs. A charge that is no longer pending when its
 * outcome falls due (paid by hand, expired first, past its deadline) is left alone; its outcome is dropped.
 */
import { accountNowMs } from '../domain/clock.js';
import { type CompletionRequest, isFundingSource } from '../domain/lifecycle.js';
import { appliesNow, isScriptedOutcome } from '../domain/scripted-outcomes.js';
import { findAccount } from '../store/accounts.js';
import { claimDueOutcomes } from '../store/charges.js';
import type { DueFilter } from '../store/scope.js';
import type { Account } from '../store/schema.js';
import type { Tx } from '../store/store.js';
import type { UseCaseContext } from './context.js';
import { completeCharge, expireCharge } from './lifecycle.js';

/**
 * The job's unit of work: claims up to `limit` charges whose outcome is due by `due` and applies each at
 * its account's time (the wall clock plus the test-clock offset read in this transaction). Returns how many
 * it claimed (applied or dropped), so the caller knows whether a full batch may be followed by more.
 */
export async function applyDueOutcomes(tx: Tx, due: DueFilter, limit: number, wallNowMs: number, publicUrl: string): Promise<number> {
  const claimed = await claimDueOutcomes(tx, due, limit);
  const accounts = new Map<string, Account | undefined>();
  for (const charge of claimed) {
    const outcome = charge.scripted_outcome;
    if (!isScriptedOutcome(outcome)) continue;
    const fundingSource = isFundingSource(charge.scripted_funding_source) ? charge.scripted_funding_source : null;
    if (!accounts.has(charge.account_id)) accounts.set(charge.account_id, await findAccount(tx, charge.account_id));
    const account = accounts.get(charge.account_id);
    if (!account) continue;
    const scope = { accountId: charge.account_id, livemode: charge.livemode };
    const ctx: UseCaseContext = { scope, nowMs: accountNowMs(wallNowMs, charge.livemode === 1, account.test_clock_offset_ms), publicUrl, account };
    if (!appliesNow(charge, outcome, fundingSource, ctx.nowMs)) continue;
    if (outcome === 'expired') {
      await expireCharge(tx, ctx, charge.id);
    } else {
      const request: CompletionRequest = outcome === 'successful' ? { outcome, fundingSource: fundingSource ?? undefined } : { outcome };
      await completeCharge(tx, ctx, charge.id, request, 'test tools');
    }
  }
  return claimed.length;
}

/**
 * How a pending charge ends: completed (successful or failed) or expired. Every caller
 * (the test-mode routes, the expiry sweep, the wallet simulator, the dashboard) goes
 * through these functions, so there is one code path that can make a charge successful.
 */
import { notFound } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { canComplete, canExpire, type Completer, type CompletionRequest, enforce, failedProcessing } from '../domain/lifecycle.js';
import { chargeSnapshot } from '../domain/charge.js';
import { postTransaction } from '../store/ledger.js';
import { type ChargeTransition, type ChargeWithSource, expireDueChargeRows, findCharge, findChargeWithSource, transitionPendingCharge } from '../store/charges.js';
import { insertEvents } from '../store/events.js';
import { type DueFilter } from '../store/scope.js';
import type { ChargeRow, EventRow, WebhookJob } from '../store/schema.js';
import { enabledEndpointTargets, insertJobs } from '../store/webhooks.js';
import { chargeTargets, type DeliveryTarget, endpointTargets, jobsFor } from './webhooks.js';
import type { Tx } from '../store/store.js';
import type { UseCaseContext } from './context.js';
import { recordChargeEvent } from './payments.js';

/**
 * Completes a pending charge as successful (crediting its net) or failed; emits charge.complete.
 * `by`: the test tools (test mode only) or a provider confirming a real payment (canComplete).
 */
export async function completeCharge(tx: Tx, ctx: UseCaseContext, id: string, request: CompletionRequest, by: Completer): Promise<ChargeWithSource> {
  const loaded = await findChargeWithSource(tx, ctx.scope, id);
  if (!loaded) throw notFound('charge', id);
  const found = loaded.charge;
  const allowance = canComplete(found, request, ctx.nowMs, by);
  enforce(allowance);
  const { completion } = allowance;
  const fields: ChargeTransition =
    completion.outcome === 'successful'
      ? {
          status: 'successful',
          funding_source: completion.fundingSource,
          paid_at: ctx.nowMs,
          authorized_at: ctx.nowMs,
          transaction_id: newId('trxn', ctx.scope.livemode === 1, ctx.nowMs),
          updated_at: ctx.nowMs,
        }
      : { status: 'failed', failure_code: failedProcessing.code, failure_message: failedProcessing.message, updated_at: ctx.nowMs };
  if (!(await transitionPendingCharge(tx, ctx.scope, id, fields, ctx.nowMs))) {
    // Another caller ended it between our read and our write: refused as the rules refuse it now.
    const now = await findCharge(tx, ctx.scope, id);
    if (!now) throw notFound('charge', id);
    enforce(canComplete(now, request, ctx.nowMs, by));
    throw new Error(`charge ${id} could not be completed, and the rules allow it`);
  }
  const charge: ChargeRow = { ...found, ...fields };
  if (charge.status === 'successful') {
    await postTransaction(tx, {
      id: charge.transaction_id!,
      account_id: charge.account_id,
      livemode: charge.livemode,
      direction: 'credit',
      key: 'charge.captured.net',
      amount: charge.net,
      currency: charge.currency,
      origin: charge.id,
      created_at: ctx.nowMs,
      transferable_at: ctx.nowMs,
    });
  }
  const result = { charge, source: loaded.source };
  await recordChargeEvent(tx, ctx, 'charge.complete', result);
  return result;
}

/** POST /charges/:id/expire: a pending charge expires now, and expires_at becomes now. */
export async function expireCharge(tx: Tx, ctx: UseCaseContext, id: string): Promise<ChargeWithSource> {
  const loaded = await findChargeWithSource(tx, ctx.scope, id);
  if (!loaded) throw notFound('charge', id);
  const found = loaded.charge;
  enforce(canExpire(found));
  const fields: ChargeTransition = { status: 'expired', expired_at: ctx.nowMs, expires_at: ctx.nowMs, updated_at: ctx.nowMs };
  if (!(await transitionPendingCharge(tx, ctx.scope, id, fields))) {
    // Another caller ended it between our read and our write.
    const now = await findCharge(tx, ctx.scope, id);
    if (!now) throw notFound('charge', id);
    enforce(canExpire(now));
    throw new Error(`charge ${id} could not be expired, and the rules allow it`);
  }
  const result = { charge: { ...found, ...fields }, source: loaded.source };
  await recordChargeEvent(tx, ctx, 'charge.expire', result);
  return result;
}

/**
 * The expiry sweep's unit of work: expires up to `limit` due charges at their deadline
 * and writes one charge.expire event each. Returns how many it expired.
 */
export async function expireDueCharges(tx: Tx, due: DueFilter, limit: number): Promise<number> {
  const expired = await expireDueChargeRows(tx, due, limit);
  const events: EventRow[] = expired.map((charge) => ({
    id: newId('evnt', charge.livemode === 1, charge.expires_at),
    account_id: charge.account_id,
    livemode: charge.livemode,
    key: 'charge.expire',
    charge_id: charge.id,
    object_type: 'charge',
    object_id: charge.id,
    snapshot: chargeSnapshot(charge),
    // The charge expired at its deadline, and so did its event.
    created_at: charge.expires_at,
  }));
  await insertEvents(tx, events);
  // The outbox: each account's endpoints are read once per batch.
  const endpointsByScope = new Map<string, DeliveryTarget[]>();
  const jobs: WebhookJob[] = [];
  for (const [index, event] of events.entries()) {
    const scopeKey = `${event.account_id}/${event.livemode}`;
    let endpoints = endpointsByScope.get(scopeKey);
    if (endpoints === undefined) {
      endpoints = endpointTargets(await enabledEndpointTargets(tx, { accountId: event.account_id, livemode: event.livemode }));
      endpointsByScope.set(scopeKey, endpoints);
    }
    const targets = [...endpoints, ...chargeTargets(expired[index].webhook_endpoints)];
    if (targets.length > 0) jobs.push(...jobsFor(event, targets, due.nowMs));
  }
  await insertJobs(tx, jobs);
  return expired.length;
}

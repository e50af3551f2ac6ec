/**
 * A test event on demand (DECISIONS §10, test mode): a new charge made and driven to the event asked for,
 * in one change, through the same use cases as the API (createCharge, completeCharge, expireCharge,
 * createRefund). Every event it writes goes through the event writer with its deliveries, like any other.
 */
import { requireTestMode } from '../domain/test-mode.js';
import { type TriggerRequest, triggerPlan } from '../domain/trigger.js';
import { currencyThb } from '../domain/limits.js';
import { truemoneyQr } from '../domain/payment-methods.js';
import { type ChargeWithSource, findChargeWithSource } from '../store/charges.js';
import { listEvents } from '../store/events.js';
import type { EventRow, RefundRow } from '../store/schema.js';
import type { Tx } from '../store/store.js';
import type { UseCaseContext } from './context.js';
import { completeCharge, expireCharge } from './lifecycle.js';
import { createCharge } from './payments.js';
import { createRefund } from './refunds.js';

export interface TriggerResult {
  /** The charge as the trigger left it (with its refund, if any). */
  charge: ChargeWithSource;
  refund: RefundRow | null;
  /** Every event the trigger wrote, in the order written. */
  events: EventRow[];
}

export async function triggerTestEvent(tx: Tx, ctx: UseCaseContext, request: TriggerRequest): Promise<TriggerResult> {
  requireTestMode(ctx.scope.livemode);
  const plan = triggerPlan(request.event);
  const created = await createCharge(tx, ctx, {
    amount: request.amount,
    currency: currencyThb,
    source: { type: truemoneyQr },
    description: `satang trigger ${request.event}`,
    metadata: {},
    returnUri: null,
    ip: null,
    webhookEndpoints: null,
    // Ends where the trigger drives it, not where the account's default scripted outcome would.
    scriptedOutcome: { outcome: 'none' },
  });
  const id = created.charge.id;
  if (plan.ending === 'successful') await completeCharge(tx, ctx, id, { outcome: 'successful', fundingSource: request.fundingSource ?? undefined }, 'test tools');
  else if (plan.ending === 'failed') await completeCharge(tx, ctx, id, { outcome: 'failed' }, 'test tools');
  else if (plan.ending === 'expired') await expireCharge(tx, ctx, id);
  const refund = plan.refund ? await createRefund(tx, ctx, id, { amount: request.amount, voidRequested: false, metadata: {} }) : null;
  const charge = await findChargeWithSource(tx, ctx.scope, id);
  if (!charge) throw new Error(`charge ${id} vanished inside its own transaction`);
  // The charge is new in this transaction: its events are exactly the ones written here.
  const { rows } = await listEvents(tx, ctx.scope, { fromMs: 0, toMs: Number.MAX_SAFE_INTEGER, offset: 0, limit: 100, order: 'chronological' }, id);
  return { charge, refund, events: rows };
}

/**
 * How a pending charge ends: completed (successful or failed) or expired. Every caller
 * (the test-mode routes, the expiry sweep, the wallet simulator, the dashboard) goes
 * through these functions, so there is one code path that can make a charge successful.
 */
import { notFound } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { canComplete, canExpire, type Completer, type CompletionRequest, enforce, failedProcessing } from '../domain/lifecycle.js';
import { setImmediate } from 'node:timers/promises';
import { expiryChunkChargesMax } from '../domain/limits.js';
import { type ChargeTransition, type ChargeWithSource, expireDueChargeRows, findCharge, findChargeWithSource, transitionPendingCharge } from '../store/charges.js';
import { type DueFilter } from '../store/scope.js';
import type { ChargeRow, TransactionRow } from '../store/schema.js';
import type { Tx } from '../store/store.js';
import type { UseCaseContext } from './context.js';
import { chargeEvent, recordEvents } from './events.js';
import { recordChargeChanges } from './daily-totals.js';

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
  // A successful charge credits its net; with the event, its day's totals and the balance are written in one go.
  const posting: TransactionRow | undefined =
    charge.status === 'successful'
      ? {
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
        }
      : undefined;
  await recordEvents(tx, [chargeEvent('charge.complete', charge, ctx.nowMs)], ctx.nowMs, { changes: [{ charge, from: found.status, to: charge.status }], posting });
  return { charge, source: loaded.source };
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
  await recordEvents(tx, [chargeEvent('charge.expire', result.charge, ctx.nowMs)], ctx.nowMs, { changes: [{ charge: result.charge, from: found.status, to: result.charge.status }] });
  return result;
}

/**
 * The expiry sweep's unit of work: expires up to `limit` due charges at their deadline
 * and writes one charge.expire event each. Returns how many it expired. It works in chunks
 * of expiryChunkChargesMax, holding no chunk's rows while the next is worked, so that less of
 * what a batch allocates lives long enough to be promoted (domain/limits.ts).
 */
export async function expireDueCharges(tx: Tx, due: DueFilter, limit: number): Promise<number> {
  let expired = 0;
  while (expired < limit) {
    const chunk = Math.min(expiryChunkChargesMax, limit - expired);
    const count = await expireDueChunk(tx, due, chunk);
    expired += count;
    if (count < chunk) break;
    // Between chunks the event loop turns (sockets, timers, reads on the other connection). On SQLite a
    // statement runs synchronously, so without this the whole batch would hold the loop (about 190 ms for
    // 2,000 charges); the transaction stays open meanwhile, and other writes wait for it as they would anyway.
    await setImmediate();
  }
  return expired;
}

async function expireDueChunk(tx: Tx, due: DueFilter, limit: number): Promise<number> {
  const expired = await expireDueChargeRows(tx, due, limit);
  // The charge expired at its deadline, and so did its event.
  await recordEvents(
    tx,
    expired.map((charge) => ({
      scope: { accountId: charge.account_id, livemode: charge.livemode },
      key: 'charge.expire',
      about: { charge },
      chargeWebhookEndpoints: charge.webhook_endpoints,
      createdAtMs: charge.expires_at,
    })),
    due.nowMs,
  );
  recordChargeChanges(tx, expired.map((charge) => ({ charge, from: 'pending', to: charge.status })));
  return expired.length;
}

/**
 * Refunds and voids (DECISIONS §5): one use case decides by the rules at the account's
 * now, adds the refund to its charge with a guarded compare-and-set, debits the ledger
 * and writes refund.create with its webhooks, all in one transaction.
 */
import { refundableCharge } from '../domain/charge.js';
import { OmiseError, notFound } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { decideManualRefund, decideRefund, manualReference, voidDebitSatang } from '../domain/refunds.js';
import { addRefundToCharge, findChargeWithSource } from '../store/charges.js';
import type { RefundRow, TransactionRow } from '../store/schema.js';
import type { Tx } from '../store/store.js';
import type { UseCaseContext } from './context.js';
import { recordEvents } from './events.js';
import { manualReferenceCharsMax, refundRaceRetriesMax } from '../domain/limits.js';

export interface RefundInput {
  amount: number;
  voidRequested: boolean;
  metadata: Record<string, unknown>;
  /**
   * A refund an operator made by bank transfer, recorded by hand (live charges paid through a provider that has
   * no refund, DECISIONS §11): the transfer's reference, kept in the refund's metadata as satang_manual_reference.
   */
  manualReference?: string;
}



export async function createRefund(tx: Tx, ctx: UseCaseContext, chargeId: string, input: RefundInput): Promise<RefundRow> {
  const manual = input.manualReference !== undefined;
  const reference = manual ? manualReference(input.manualReference) : null;
  if (manual && (input.voidRequested || reference === null)) {
    throw new OmiseError('bad_request', `a manual refund needs the transfer's reference: 1 to ${manualReferenceCharsMax} printable ASCII characters (and is never a void)`);
  }
  for (let attempt = 0; attempt < refundRaceRetriesMax; attempt++) {
    const loaded = await findChargeWithSource(tx, ctx.scope, chargeId);
    if (!loaded) throw notFound('charge', chargeId);
    const { charge } = loaded;
    // Dated inside the transaction that applies it, never before the charge's last change (the
    // refund before it, when one raced ahead): listed order is applied order, and the void
    // formula read in that order gives the debits written (DECISIONS §5).
    const atMs = Math.max(ctx.nowMs, charge.updated_at);
    const decision = manual ? decideManualRefund(refundableCharge(charge), input.amount) : decideRefund(refundableCharge(charge), input.amount, input.voidRequested, atMs);
    if (decision.kind === 'refused') throw new OmiseError(decision.code, decision.message);
    const voided = decision.kind === 'void';
    const added = await addRefundToCharge(
      tx,
      ctx.scope,
      chargeId,
      { refundedAmount: charge.refunded_amount, refundCount: charge.refund_count },
      { amount: input.amount, voided, atMs },
    );
    if (!added) continue;

    const livemode = ctx.scope.livemode === 1;
    const refund: RefundRow = {
      id: newId('rfnd', livemode, atMs),
      account_id: ctx.scope.accountId,
      livemode: ctx.scope.livemode,
      charge_id: chargeId,
      amount: input.amount,
      currency: charge.currency,
      voided: voided ? 1 : 0,
      metadata: JSON.stringify(manual ? { ...input.metadata, satang_manual_reference: reference } : input.metadata),
      transaction_id: newId('trxn', livemode, atMs),
      created_at: atMs,
    };
    // A refund gives back its amount (the merchant keeps paying the fee); a void takes
    // back its share of the net (no fee on voided money).
    const debit = voided ? voidDebitSatang(charge.net, charge.amount, charge.voided_amount, charge.voided_amount + input.amount) : input.amount;
    const posting: TransactionRow = {
      id: refund.transaction_id,
      account_id: refund.account_id,
      livemode: refund.livemode,
      direction: 'debit',
      key: voided ? 'refund.voided.debit' : 'refund.created.debit',
      amount: debit,
      currency: refund.currency,
      origin: refund.id,
      created_at: atMs,
      transferable_at: atMs,
    };
    // The refund, its debit and its event: written together.
    await recordEvents(tx, [{ scope: ctx.scope, key: 'refund.create', about: { refund, chargeId }, chargeWebhookEndpoints: charge.webhook_endpoints, createdAtMs: atMs }], atMs, { refund, posting });
    return refund;
  }
  throw new OmiseError('failed_refund', 'the charge kept changing while this refund was decided; try again');
}

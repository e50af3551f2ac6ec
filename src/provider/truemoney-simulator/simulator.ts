/**
 * The TrueMoney wallet simulator (DECISIONS §4): the provider a sandbox ships. It plays the payer's
 * TrueMoney app: the QR's ref1 names the charge, and the payer approves (with a funding source) or
 * declines. Test mode only. Decisions complete the charge through `completeCharge`, the one path that
 * ends a charge, inside the store's transaction; racing decisions are settled by its compare-and-set.
 */
import { OmiseError } from '../../domain/errors.js';
import { canComplete, type CompletionRequest, fundingSources } from '../../domain/lifecycle.js';
import { formatTimestamp } from '../../domain/time.js';
import { satangToBahtString } from '../../domain/money.js';
import { findChargeByQrRef1, type ChargeOfAccount } from '../../store/payment-refs.js';
import type { Store } from '../../store/store.js';
import type { AccountClocks } from '../../usecases/clock.js';
import { type ChangeRunner, valueOf } from '../../usecases/changes.js';
import { completeCharge } from '../../usecases/lifecycle.js';
import type { AuthorizedPayment, PayerDecision, PaymentProvider, ScannedPayment } from '../provider.js';
import { parseBillPaymentPayload, type BillPaymentFields } from './wire.js';

export interface SimulatorOptions {
  store: Store;
  clocks: AccountClocks;
  /** The payer's decision is a change like any other. */
  changes: ChangeRunner;
}

export class TrueMoneySimulator implements PaymentProvider {
  readonly name = 'truemoney-simulator';
  readonly fundingSources = fundingSources;

  constructor(private readonly options: SimulatorOptions) {}

  async scan(payload: string): Promise<ScannedPayment> {
    return this.lookUp(parseBillPaymentPayload(payload));
  }

  /** The payment a well-formed code names, read on its account's clock. */
  private async lookUp(fields: BillPaymentFields): Promise<ScannedPayment> {
    const found = await findChargeByQrRef1(this.options.store.read, fields.ref1);
    const nowMs = found ? await this.options.clocks.nowMs(found.account.id, found.charge.livemode === 1) : 0;
    return payable(fields, found, nowMs);
  }

  async authorize(payload: string, decision: PayerDecision): Promise<AuthorizedPayment> {
    const fields = parseBillPaymentPayload(payload);
    const found = await findChargeByQrRef1(this.options.store.read, fields.ref1);
    // Refused at once, in the payer's words, when the code cannot be paid (no transaction for that).
    payable(fields, found, found ? await this.options.clocks.nowMs(found.account.id, found.charge.livemode === 1) : 0);
    const completion: CompletionRequest =
      decision.decision === 'approve' ? { outcome: 'successful', fundingSource: decision.fundingSource } : { outcome: 'failed' };
    const scope = { accountId: found!.account.id, livemode: found!.charge.livemode };
    const result = valueOf(
      await this.options.changes.forAccount({ scope }, async (tx, ctx) => {
        // Read again inside the transaction, at the change's time; completeCharge's compare-and-set settles any race.
        const payment = payable(fields, await findChargeByQrRef1(tx, fields.ref1), ctx.nowMs);
        const completed = await completeCharge(tx, ctx, payment.chargeId, completion, 'test tools');
        return { payment: { ...payment, status: completed.charge.status }, charge: completed.charge, nowMs: ctx.nowMs };
      }),
    );
    const status = result.charge.status;
    if (status !== 'successful' && status !== 'failed') throw new Error(`completeCharge left charge ${result.charge.id} ${status}`);
    return {
      payment: result.payment,
      status,
      fundingSource: decision.decision === 'approve' ? decision.fundingSource : null,
      completedAtMs: result.nowMs,
    };
  }
}

/**
 * The payment a QR names, if it can be paid now. Every refusal says why, in the payer's terms: a QR
 * that names nothing, a live charge, a code that does not match its payment, a payment that ended.
 */
function payable(fields: BillPaymentFields, found: ChargeOfAccount | undefined, nowMs: number): ScannedPayment {
  if (!found) throw new OmiseError('not_found', `no payment is waiting for this QR code (reference ${fields.ref1})`);
  const { charge, account } = found;
  // The wallet is a test tool: the rules of canComplete, told in the payer's words.
  const allowance = canComplete(charge, { outcome: 'failed' }, nowMs, 'test tools');
  if (!allowance.allowed && allowance.rule === 'live') throw new OmiseError('not_authorized', 'only available in test mode: the wallet simulator cannot pay live charges');
  // The biller id the charge was created with: its QR keeps it after the account's changes.
  if (fields.billerId !== charge.qr_biller_id) throw new OmiseError('bad_request', 'the QR biller id does not match the merchant of this payment');
  if (fields.amountSatang !== charge.amount) {
    throw new OmiseError(
      'bad_request',
      `the QR amount (THB ${satangToBahtString(fields.amountSatang)}) does not match the payment (THB ${satangToBahtString(charge.amount)})`,
    );
  }
  if (!allowance.allowed) {
    const expired = allowance.rule === 'deadline_passed' || (allowance.rule === 'not_pending' && allowance.status === 'expired');
    if (expired) throw new OmiseError('bad_request', `this QR code has expired: the payment expired at ${formatTimestamp(charge.expired_at ?? charge.expires_at)}`);
    throw new OmiseError('bad_request', `this QR code was already used: the payment is ${charge.status}`);
  }
  return {
    chargeId: charge.id,
    paymentRef: charge.payment_ref,
    livemode: false,
    merchantName: account.merchant_name,
    qrMerchantName: fields.merchantName,
    billerId: fields.billerId,
    ref1: fields.ref1,
    amountSatang: charge.amount,
    currency: charge.currency,
    status: charge.status,
    expiresAtMs: charge.expires_at,
    nowMs,
  };
}

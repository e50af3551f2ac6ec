/**
 * What the hosted payment page and its status endpoint show about a charge, computed once for both.
 * A pending charge whose deadline has passed on the account's clock is shown as expired (it can no
 * longer be paid; the sweep writes the change moments later).
 */
import { formatTimestamp } from '../../domain/time.js';
import type { ChargeOfAccount } from '../../store/payment-refs.js';
import type { ChargeStatus } from '../../domain/lifecycle.js';

export interface PaymentView {
  paymentRef: string;
  merchantName: string;
  amountSatang: number;
  /** "4,000.00" */
  amountText: string;
  currency: string;
  state: ChargeStatus;
  expiresAt: string;
  now: string;
  secondsLeft: number;
  returnUri: string | null;
  paidAt: string | null;
  failureMessage: string | null;
  livemode: boolean;
}

/** Integer satang as baht with thousands separators: 400000 → "4,000.00". */
export function formatBaht(satang: number): string {
  if (!Number.isSafeInteger(satang) || satang < 0) throw new Error(`must be a non-negative integer: ${satang}`);
  const whole = String(Math.floor(satang / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${whole}.${String(satang % 100).padStart(2, '0')}`;
}

export function paymentView({ charge, account }: ChargeOfAccount, nowMs: number): PaymentView {
  const overdue = charge.status === 'pending' && charge.expires_at <= nowMs;
  const state: ChargeStatus = overdue ? 'expired' : charge.status;
  return {
    paymentRef: charge.payment_ref,
    merchantName: account.merchant_name,
    amountSatang: charge.amount,
    amountText: formatBaht(charge.amount),
    currency: charge.currency,
    state,
    expiresAt: formatTimestamp(charge.expired_at ?? charge.expires_at),
    now: formatTimestamp(nowMs),
    secondsLeft: state === 'pending' ? Math.max(0, Math.floor((charge.expires_at - nowMs) / 1000)) : 0,
    returnUri: charge.return_uri,
    paidAt: charge.paid_at === null ? null : formatTimestamp(charge.paid_at),
    failureMessage: charge.failure_message,
    livemode: charge.livemode === 1,
  };
}

/** The status endpoint's JSON (Satang's own object, read by the page's script). */
export function renderPaymentStatus(view: PaymentView) {
  return {
    object: 'payment_status',
    payment_ref: view.paymentRef,
    status: view.state,
    amount: view.amountSatang,
    currency: view.currency,
    expires_at: view.expiresAt,
    now: view.now,
    seconds_left: view.secondsLeft,
    paid_at: view.paidAt,
    failure_message: view.failureMessage,
    return_uri: view.returnUri,
  };
}

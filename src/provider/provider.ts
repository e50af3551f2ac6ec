/**
 * The payment provider boundary (DECISIONS §1, ARCHITECTURE: src/provider/). A provider is where the
 * customer authorizes a payment: it reads what the customer scanned, finds the payment it names and
 * says whether the customer approved or declined it. The TrueMoney wallet simulator is the one
 * provider shipped; a real TrueMoney connection would implement the same contract, answering from
 * TrueMoney's own notifications instead of a person pressing a button.
 *
 * A provider never changes a charge itself: it completes charges through the one completion use case
 * (`completeCharge`), inside the store's transaction.
 */
import type { FundingSource } from '../domain/lifecycle.js';
import type { ChargeStatus } from '../domain/lifecycle.js';

/** What a scanned QR names, as the payer's app shows it before they approve. */
export interface ScannedPayment {
  chargeId: string;
  /** The pay2 id: the hosted payment page's reference. */
  paymentRef: string;
  livemode: boolean;
  /** The merchant's full name (it may be Thai); the QR itself carries only an ASCII name. */
  merchantName: string;
  /** The name as the QR carries it (tag 59). */
  qrMerchantName: string;
  billerId: string;
  ref1: string;
  amountSatang: number;
  currency: string;
  status: ChargeStatus;
  expiresAtMs: number;
  /** The account's clock when the payment was read (the test clock in test mode). */
  nowMs: number;
}

/** The payer's answer. */
export type PayerDecision = { decision: 'approve'; fundingSource: FundingSource } | { decision: 'decline' };

export interface AuthorizedPayment {
  payment: ScannedPayment;
  /** The charge's state after the decision: successful on approval, failed on decline. */
  status: Extract<ChargeStatus, 'successful' | 'failed'>;
  fundingSource: FundingSource | null;
  completedAtMs: number;
}

export interface PaymentProvider {
  /** A short name for logs and pages, e.g. "truemoney-simulator". */
  readonly name: string;
  /** The funding sources a payer may choose. */
  readonly fundingSources: readonly FundingSource[];
  /**
   * Parses and validates a scanned payload and finds the payment it names. Throws an OmiseError
   * when the payload is malformed, fails its checksum, names no payment, or the payment cannot be
   * paid any more (expired, completed, not in test mode for a simulator).
   */
  scan(payload: string): Promise<ScannedPayment>;
  /** Scans again and applies the payer's decision in one transaction; exactly one racing decision wins. */
  authorize(payload: string, decision: PayerDecision): Promise<AuthorizedPayment>;
}

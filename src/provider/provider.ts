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
import type { BankCredentials, BankPayment, BankSettings } from '../domain/bank-payments.js';

export type { BankCredentials, BankPayment, BankSettings };

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

/**
 * A bank that takes live Thai QR payments for a merchant's biller and confirms them (DECISIONS §11; SCB is the first,
 * provider/scb/). What the gateway needs of one: check the merchant's credentials, read a confirmation as it arrives
 * and answer it in the bank's format, look a payment up (the only proof: a confirmation may be forged), and say how
 * refunds work. What a charge's QR carries for the bank to route its confirmation is the domain's (`bankQrRef3`,
 * domain/bank-payments.ts), since a charge is made without the network. A provider never changes a charge itself: the
 * live provider's job (jobs/live-provider.ts) decides with what it answers, in one transaction.
 */
export interface BankProvider {
  /** The name settings are kept under (`provider_settings.provider`). */
  readonly name: 'scb';
  /** How a payment goes back: `transfer` (no refund at the bank: the merchant transfers, an operator records it). */
  readonly refunds: 'transfer';
  /** Checks the settings' form; throws an OmiseError naming the first wrong field. */
  checkSettings(settings: BankSettings): void;
  /** Asks the bank for access with these credentials; throws BankRefusal when it refuses. */
  verify(credentials: BankCredentials): Promise<void>;
  /** A confirmation as received; null when it names no payment that could be recorded. */
  readConfirmation(body: unknown): BankPayment | null;
  /** The bank's answer to a confirmation, in its own format. */
  confirmationAnswer(payment: BankPayment): object;
  /** The payments the bank holds for a biller's reference on one of its dates (none: empty). Throws BankRefusal. */
  lookUp(credentials: BankCredentials, query: { billerId: string; ref1: string; date: string }): Promise<BankPayment[]>;
  /** The bank's dates to ask about for a payment made at `atMs` (both sides of a midnight near it). */
  datesAround(atMs: number): string[];
  /** The bank's dates from `fromMs` to `toMs` (a pending charge's life), newest first. */
  datesBetween(fromMs: number, toMs: number): string[];
}

/** The bank refused or could not be reached; `retryable` when asking again later may help. */
export class BankRefusal extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

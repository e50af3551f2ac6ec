/**
 * A bank's payments in Satang's terms (live mode, DECISIONS §11): what a bank says about a payment, when that says a
 * charge was paid, and what a live charge's QR carries for its bank to route the confirmation. Pure.
 */
import { scbRef3 } from './scb.js';

/** The credentials a merchant's application at its bank has. */
export interface BankCredentials {
  applicationKey: string;
  applicationSecret: string;
}

/** An account's settings for its bank: its application, its biller id and the ref3 prefix the bank assigned. */
export interface BankSettings extends BankCredentials {
  billerId: string;
  ref3Prefix: string;
}

/** A payment as a bank describes it (a confirmation as received, or a row of its look-up). */
export interface BankPayment {
  transactionId: string;
  billerId: string;
  ref1: string;
  amountSatang: number | null;
  paidAtMs: number | null;
  sendingBankCode: string | null;
  payerName: string | null;
  /** The bank says it was reversed (SCB: reverseFlag R). */
  reversed: boolean;
  /** What in it could not be read (kept, never trusted). */
  problem: string | null;
  /** The bank's own fields, for the operator. */
  raw: Record<string, unknown>;
}

/** What the bank must have said for Satang to take a payment as made: the same transaction, biller, ref1 and amount, not reversed. */
export function matchesPayment(row: BankPayment, expected: { transactionId?: string; billerId: string; ref1: string; amountSatang: number }): boolean {
  return (
    (expected.transactionId === undefined || row.transactionId === expected.transactionId) &&
    row.billerId === expected.billerId &&
    row.ref1 === expected.ref1 &&
    row.amountSatang === expected.amountSatang &&
    !row.reversed
  );
}

/** The ref3 a live charge's QR carries for its bank (SCB: the prefix SCB assigned, then ref1, DECISIONS §11). */
export function bankQrRef3(provider: 'scb', ref3Prefix: string, ref1: string): string {
  switch (provider) {
    case 'scb':
      return scbRef3(ref3Prefix, ref1);
  }
}

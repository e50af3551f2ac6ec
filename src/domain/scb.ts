/**
 * SCB Thai QR (tag 30) in Satang's terms (DECISIONS §11, live-provider-scb.md): what an account's settings
 * must look like, the ref3 a live charge's QR carries, what a confirmation callback says, and which of the
 * bank's inquiry rows confirms which charge. Pure: the client (provider/scb/) does the talking.
 */
import type { BankPayment, BankSettings } from './bank-payments.js';
import { OmiseError } from './errors.js';
import { bangkokDayOf, bangkokDayStartMs, bangkokOffsetMs } from './time.js';

/** SCB's code for a bill payment in its inquiry (`eventCode`). */
export const scbBillPaymentEventCode = '00300100';
/** References on SCB's QR: English capitals and digits, 1 to 20 of them. */
export const scbRefPattern = /^[A-Z0-9]{1,20}$/;
const billerIdPattern = /^\d{15}$/;
/** SCB assigns the prefix; it must leave ref3 room for at least 10 characters of ref1. */
const ref3PrefixPattern = /^[A-Z0-9]{1,10}$/;
const applicationKeyPattern = /^[\x21-\x7e]{1,200}$/;
/** Near midnight (Bangkok) a payment may carry either date: the inquiry asks both within this much of it. */
export const scbMidnightMarginMs = 15 * 60_000;

/** Checks an account's SCB settings; throws a bad_request naming the first wrong field. */
export function checkScbSettings(input: BankSettings): void {
  if (!applicationKeyPattern.test(input.applicationKey)) throw new OmiseError('bad_request', 'application key must be 1 to 200 printable ASCII characters');
  if (!applicationKeyPattern.test(input.applicationSecret)) throw new OmiseError('bad_request', 'application secret must be 1 to 200 printable ASCII characters');
  if (!billerIdPattern.test(input.billerId)) throw new OmiseError('bad_request', 'biller id must be the 15 digits SCB assigned');
  if (!ref3PrefixPattern.test(input.ref3Prefix)) throw new OmiseError('bad_request', 'ref3 prefix must be 1 to 10 English capitals or digits, as SCB assigned it');
}

/** ref3 on a live charge's QR: the account's prefix, then as much of ref1 as fits in 20 characters (DECISIONS §11). */
export function scbRef3(prefix: string, ref1: string): string {
  return (prefix + ref1).slice(0, 20);
}

const transactionIdPattern = /^[A-Za-z0-9]{1,64}$/;

/** Baht as SCB writes it ("100.00", "100", or the number 100) to satang; null when it is not an amount. */
export function scbAmountToSatang(value: unknown): number | null {
  // A number with more than two decimals is not an amount (toFixed would round it quietly).
  const text = typeof value === 'number' ? (Number.isFinite(value) && Number(value.toFixed(2)) === value ? value.toFixed(2) : '') : typeof value === 'string' ? value.trim() : '';
  const match = /^(\d{1,9})(?:\.(\d{1,2}))?$/.exec(text);
  if (!match) return null;
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
}

/** SCB's ISO 8601 time ("2019-07-16T11:30:58+07:00") to epoch ms; null when it is not one. */
export function scbTimeToMs(value: unknown): number | null {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$/.test(value)) return null;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : null;
}

function text(body: Record<string, unknown>, field: string, max = 140): string | null {
  const value = body[field];
  return typeof value === 'string' && value.length <= max ? value : null;
}

/**
 * Reads a payment as SCB describes it: a callback body, or a row of its inquiry. One without a usable transaction id
 * cannot be recorded at all (null); any other flaw is kept as `problem`, recorded and never trusted (the inquiry
 * decides).
 */
export function readScbPayment(body: unknown): BankPayment | null {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return null;
  const fields = body as Record<string, unknown>;
  const transactionId = text(fields, 'transactionId', 64);
  if (transactionId === null || !transactionIdPattern.test(transactionId)) return null;
  const ref1 = text(fields, 'billPaymentRef1', 20) ?? '';
  const billerId = text(fields, 'payeeProxyId', 15) ?? '';
  const amountSatang = scbAmountToSatang(fields.amount);
  const paidAtMs = scbTimeToMs(fields.transactionDateandTime);
  const problems: string[] = [];
  if (!scbRefPattern.test(ref1)) problems.push('billPaymentRef1 is not a reference');
  if (!billerIdPattern.test(billerId)) problems.push('payeeProxyId is not a biller id');
  if (amountSatang === null) problems.push('amount is not an amount in baht');
  if (paidAtMs === null) problems.push('transactionDateandTime is not an ISO 8601 time');
  return {
    transactionId,
    billerId,
    ref1: scbRefPattern.test(ref1) ? ref1 : '',
    amountSatang,
    paidAtMs,
    sendingBankCode: text(fields, 'sendingBankCode', 3),
    payerName: text(fields, 'payerName'),
    reversed: fields.reverseFlag === 'R',
    problem: problems.length > 0 ? problems.join('; ') : null,
    raw: fields,
  };
}

/** SCB's date for an inquiry: the Bangkok calendar date, YYYY-MM-DD. */
export function scbInquiryDate(ms: number): string {
  return new Date(ms + bangkokOffsetMs).toISOString().slice(0, 10);
}

/**
 * The Bangkok dates to ask the inquiry about for a payment made around `ms`: its own, and within
 * scbMidnightMarginMs of a midnight the date on the other side too (clocks differ, DECISIONS §11).
 */
export function scbInquiryDates(ms: number): string[] {
  const day = bangkokDayOf(ms);
  const dates = [scbInquiryDate(ms)];
  if (ms - bangkokDayStartMs(day) < scbMidnightMarginMs) dates.push(scbInquiryDate(ms - scbMidnightMarginMs));
  if (bangkokDayStartMs(day + 1) - ms <= scbMidnightMarginMs) dates.push(scbInquiryDate(ms + scbMidnightMarginMs));
  return dates;
}

/** The Bangkok dates a pending charge may have been paid on, from its creation to now (at most its life, two days). */
export function scbDatesBetween(fromMs: number, toMs: number): string[] {
  const dates: string[] = [];
  for (let day = bangkokDayOf(fromMs); day <= bangkokDayOf(toMs) && dates.length < 3; day++) dates.push(scbInquiryDate(bangkokDayStartMs(day)));
  return dates;
}

/** SCB's answer to a callback: fixed values, the transaction id echoed. */
export function scbCallbackAnswer(transactionId: string): { resCode: '00'; resDesc: 'success'; transactionId: string } {
  return { resCode: '00', resDesc: 'success', transactionId };
}




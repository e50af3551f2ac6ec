/**
 * What the emulated bank holds: registered applications, tokens, payments (transactions), the switches for
 * later payments, the request log and the rate limiter. No I/O here except through CallbackDelivery.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { CallbackDelivery } from './callbacks.js';
import { bangkokCompactDate, bangkokIso, bangkokParts, type InjectedClock } from './time.js';
import { BoundedLog, limits, randomAlphanumerics, randomDigits, satangToBaht } from './values.js';

export const callbackModes = ['normal', 'lost', 'duplicate', 'late', 'failing'] as const;
export type CallbackMode = (typeof callbackModes)[number];

export interface App {
  applicationKey: string;
  secretDigest: Buffer;
  billerId: string;
  ref3Prefix: string;
  callbackUrl: string;
  payeeName: string;
  payeeAccountNumber: string;
}

export interface Token {
  applicationKey: string;
  expiresAtMs: number;
}

export interface Payment {
  transactionId: string;
  billerId: string;
  ref1: string;
  ref2: string;
  ref3: string;
  amountSatang: number;
  paidAtMs: number;
  reverseFlag: 'N' | 'R';
  /** The callback body as sent (amount a string, or a number when asked). */
  callbackBody: Record<string, unknown>;
  fastEasySlipNumber: string;
  payerProxyId: string;
  payerAccountNumber: string;
  payerName: string;
  sendingBankCode: string;
  payeeName: string;
  payeeAccountNumber: string;
}

export interface RequestLogEntry {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  atMs: number;
}

export interface Switches {
  callback: CallbackMode;
  lateMs: number;
  rateLimit: boolean;
}

export interface NewPayment {
  billerId: string;
  ref1: string;
  ref2?: string;
  ref3?: string;
  amountSatang: number;
  sendingBankCode?: string;
  payerName?: string;
  amountAsNumber?: boolean;
  callback?: CallbackMode;
  lateMs?: number;
}

/** The full-store error: answered 507. */
export class FullError extends Error {}

/** SCB documents 5 transactions per second per API. */
const ratePerSecond = 5;
const rateKeysMax = 10_000;

/** A sliding one-second window per (resourceOwnerId, API), on real time. */
export class RateLimiter {
  private readonly windows = new Map<string, number[]>();

  allow(key: string, realNowMs = Date.now()): boolean {
    const since = realNowMs - 1000;
    const window = (this.windows.get(key) ?? []).filter((at) => at > since);
    if (window.length >= ratePerSecond) {
      this.windows.set(key, window);
      return false;
    }
    window.push(realNowMs);
    this.windows.delete(key);
    this.windows.set(key, window);
    if (this.windows.size > rateKeysMax) {
      for (const [k, w] of this.windows) if (w.every((at) => at <= since)) this.windows.delete(k);
      // Still too many live keys: forget the least recently used.
      for (const k of this.windows.keys()) {
        if (this.windows.size <= rateKeysMax) break;
        this.windows.delete(k);
      }
    }
    return true;
  }
}

export function secretDigest(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

export class BankState {
  readonly apps = new Map<string, App>();
  readonly tokens = new Map<string, Token>();
  readonly payments = new Map<string, Payment>();
  private readonly paymentsByReference = new Map<string, Payment[]>();
  readonly requests = new BoundedLog<RequestLogEntry>(limits.requestLog);
  readonly rateLimiter = new RateLimiter();
  readonly switches: Switches = { callback: 'normal', lateMs: 0, rateLimit: true };

  constructor(
    readonly clock: InjectedClock,
    readonly delivery: CallbackDelivery,
  ) {}

  registerApp(app: App): void {
    if (!this.apps.has(app.applicationKey) && this.apps.size >= limits.apps) throw new FullError(`emulator full: at most ${limits.apps} applications`);
    this.apps.set(app.applicationKey, app);
  }

  /** The app a biller's callbacks go to: the one whose ref3 prefix is the longest that ref3 starts with, else the first registered with the biller id. */
  appForBiller(billerId: string, ref3?: string): App | undefined {
    let fallback: App | undefined;
    let best: App | undefined;
    for (const app of this.apps.values()) {
      if (app.billerId !== billerId) continue;
      fallback ??= app;
      if (ref3 !== undefined && ref3.startsWith(app.ref3Prefix) && (best === undefined || app.ref3Prefix.length > best.ref3Prefix.length)) best = app;
    }
    return best ?? fallback;
  }

  secretMatches(app: App, secret: string): boolean {
    return timingSafeEqual(app.secretDigest, secretDigest(secret));
  }

  issueToken(applicationKey: string): { accessToken: string; expiresAtMs: number } {
    const now = this.clock.nowMs();
    if (this.tokens.size >= limits.liveTokens) {
      for (const [token, held] of this.tokens) if (held.expiresAtMs <= now) this.tokens.delete(token);
      // Still full: the oldest tokens go first.
      for (const token of this.tokens.keys()) {
        if (this.tokens.size < limits.liveTokens) break;
        this.tokens.delete(token);
      }
    }
    const accessToken = randomBytes(24).toString('base64url');
    const expiresAtMs = now + 1800 * 1000;
    this.tokens.set(accessToken, { applicationKey, expiresAtMs });
    return { accessToken, expiresAtMs };
  }

  /** True when the token is live and belongs to that application. */
  tokenValid(accessToken: string, applicationKey: string): boolean {
    const token = this.tokens.get(accessToken);
    return token !== undefined && token.applicationKey === applicationKey && this.clock.nowMs() < token.expiresAtMs;
  }

  expireTokens(): number {
    const now = this.clock.nowMs();
    let expired = 0;
    for (const token of this.tokens.values()) {
      if (token.expiresAtMs > now) {
        token.expiresAtMs = now;
        expired++;
      }
    }
    return expired;
  }

  /** Records a payment made by a payer and schedules its callback; the app must exist for the biller. */
  pay(app: App, input: NewPayment): Payment {
    if (this.payments.size >= limits.payments) throw new FullError(`emulator full: at most ${limits.payments} payments`);
    const now = this.clock.nowMs();
    let transactionId: string;
    do transactionId = `${bangkokCompactDate(now)}${randomAlphanumerics(15)}`;
    while (this.payments.has(transactionId));
    const ref3 = input.ref3 ?? `${app.ref3Prefix}${input.ref1}`.slice(0, 20);
    const payment: Payment = {
      transactionId,
      billerId: input.billerId,
      ref1: input.ref1,
      ref2: input.ref2 ?? '',
      ref3,
      amountSatang: input.amountSatang,
      paidAtMs: now,
      reverseFlag: 'N',
      callbackBody: {},
      fastEasySlipNumber: randomDigits(12),
      payerProxyId: `08${randomDigits(8)}`,
      payerAccountNumber: randomDigits(10),
      payerName: input.payerName ?? 'Test Payer',
      sendingBankCode: input.sendingBankCode ?? '014',
      payeeName: app.payeeName,
      payeeAccountNumber: app.payeeAccountNumber,
    };
    payment.callbackBody = callbackBodyOf(payment, input.amountAsNumber === true);
    this.payments.set(transactionId, payment);
    const key = referenceKey(payment.billerId, payment.ref1);
    const same = this.paymentsByReference.get(key);
    if (same) same.push(payment);
    else this.paymentsByReference.set(key, [payment]);

    const mode = input.callback ?? this.switches.callback;
    const lateMs = input.lateMs ?? this.switches.lateMs;
    const url = app.callbackUrl;
    const body = payment.callbackBody;
    if (mode === 'normal') this.delivery.schedule(transactionId, url, body, now, false);
    else if (mode === 'failing') this.delivery.schedule(transactionId, url, body, now, true);
    else if (mode === 'late') this.delivery.schedule(transactionId, url, body, now + lateMs, false);
    else if (mode === 'duplicate') {
      this.delivery.schedule(transactionId, url, body, now, false);
      this.delivery.schedule(transactionId, url, body, now, false);
    }
    this.delivery.fireDue();
    return payment;
  }

  paymentsFor(billerId: string, ref1: string): Payment[] {
    return this.paymentsByReference.get(referenceKey(billerId, ref1)) ?? [];
  }
}

function referenceKey(billerId: string, ref1: string): string {
  return `${billerId}\u0000${ref1}`;
}

/** The callback body SCB sends for a QR30 payment (live-provider-scb.md §1). */
export function callbackBodyOf(
  payment: Pick<Payment, 'billerId' | 'payeeAccountNumber' | 'payeeName' | 'payerProxyId' | 'payerAccountNumber' | 'payerName' | 'sendingBankCode' | 'amountSatang' | 'transactionId' | 'paidAtMs' | 'ref1' | 'ref2' | 'ref3'>,
  amountAsNumber: boolean,
): Record<string, unknown> {
  const amount = satangToBaht(payment.amountSatang);
  return {
    payeeProxyId: payment.billerId,
    payeeProxyType: 'BILLERID',
    payeeAccountNumber: payment.payeeAccountNumber,
    payeeName: payment.payeeName,
    payerProxyId: payment.payerProxyId,
    payerProxyType: 'MSISDN',
    payerAccountNumber: payment.payerAccountNumber,
    payerName: payment.payerName,
    sendingBankCode: payment.sendingBankCode,
    receivingBankCode: '014',
    amount: amountAsNumber ? Number(amount) : amount,
    transactionId: payment.transactionId,
    transactionDateandTime: bangkokIso(payment.paidAtMs),
    billPaymentRef1: payment.ref1,
    billPaymentRef2: payment.ref2,
    billPaymentRef3: payment.ref3,
    currencyCode: '764',
    transactionType: 'Domestic Transfer',
    channelCode: 'PMH',
  };
}

/** An inquiry row: the callback fields (amount always a string) plus the inquiry's own. */
export function inquiryRowOf(payment: Payment): Record<string, unknown> {
  return {
    eventCode: '00300100',
    ...payment.callbackBody,
    amount: satangToBaht(payment.amountSatang),
    reverseFlag: payment.reverseFlag,
    fastEasySlipNumber: payment.fastEasySlipNumber,
    partnerTransactionId: '',
    tepaCode: '',
  };
}

/** The slip (GET /v1/payment/billpayment/transactions/:transRef). */
export function slipOf(payment: Payment): Record<string, unknown> {
  const { date, time } = bangkokParts(payment.paidAtMs);
  const amount = satangToBaht(payment.amountSatang);
  return {
    transRef: payment.transactionId,
    sendingBank: payment.sendingBankCode,
    receivingBank: '014',
    transDate: date.replaceAll('-', ''),
    transTime: time,
    sender: {
      displayName: payment.payerName,
      name: payment.payerName,
      proxy: { type: 'MSISDN', value: payment.payerProxyId },
      account: { type: 'BANKAC', value: payment.payerAccountNumber },
    },
    receiver: {
      displayName: payment.payeeName,
      name: payment.payeeName,
      proxy: { type: 'BILLERID', value: payment.billerId },
      account: { type: 'BANKAC', value: payment.payeeAccountNumber },
    },
    amount,
    paidLocalAmount: amount,
    paidLocalCurrency: '764',
    countryCode: 'TH',
    ref1: payment.ref1,
    ref2: payment.ref2,
    ref3: payment.ref3,
  };
}

/**
 * The emulator's own control API under /emulator: JSON, NO authentication. It exists for tests and laptops
 * only (register apps, make payers pay, choose how callbacks behave, move the clock, read the logs) and must
 * never be reachable from a network anyone else can use. Errors answer `{ "error": "<message>" }`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parse } from 'promptparse';
import { type BankState, callbackBodyOf, type CallbackMode, callbackModes, type NewPayment, secretDigest } from './state.js';
import { bangkokCompactDate, bangkokIso } from './time.js';
import {
  bahtToSatang,
  bankCodePattern,
  billerIdPattern,
  InputError,
  isObject,
  limits,
  optionalString,
  randomAlphanumerics,
  randomDigits,
  ref3PrefixPattern,
  referencePattern,
  requiredString,
} from './values.js';

const thaiQrBillPaymentAid = 'A000000677010112';

function bodyOf(request: FastifyRequest): Record<string, unknown> {
  if (!isObject(request.body)) throw new InputError('body', 'the body must be a JSON object');
  return request.body;
}

function checkReference(field: string, value: string | undefined): void {
  if (value !== undefined && !referencePattern.test(value)) throw new InputError(field, `${field} must be 1 to 20 of A-Z and 0-9`);
}

function callbackModeOf(body: Record<string, unknown>): CallbackMode | undefined {
  const value = body.callback;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !(callbackModes as readonly string[]).includes(value)) {
    throw new InputError('callback', `callback must be one of ${callbackModes.join(', ')}`);
  }
  return value as CallbackMode;
}

function integerOf(body: Record<string, unknown>, field: string, max: number): number | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    throw new InputError(field, `${field} must be a whole number of milliseconds from 0 to ${max}`);
  }
  return value;
}

function booleanOf(body: Record<string, unknown>, field: string): boolean | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw new InputError(field, `${field} must be true or false`);
  return value;
}

function callbackUrlOf(body: Record<string, unknown>): string {
  const text = requiredString(body, 'callbackUrl', limits.urlChars);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InputError('callbackUrl', 'callbackUrl must be an absolute http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InputError('callbackUrl', 'callbackUrl must be an http or https URL');
  return text;
}

/** A payment's biller, references and amount as the body gives them (no QR). */
function explicitPaymentFields(body: Record<string, unknown>): Pick<NewPayment, 'billerId' | 'ref1' | 'ref2' | 'ref3' | 'amountSatang'> {
  const billerId = requiredString(body, 'billerId', 32);
  if (!billerIdPattern.test(billerId)) throw new InputError('billerId', 'billerId must be 15 digits');
  const ref1 = requiredString(body, 'ref1', 64);
  checkReference('ref1', ref1);
  const ref2 = optionalString(body, 'ref2', 64);
  checkReference('ref2', ref2);
  const ref3 = optionalString(body, 'ref3', 64);
  checkReference('ref3', ref3);
  if (body.amount === undefined || body.amount === null) throw new InputError('amount', 'amount is required, e.g. "100.00"', true);
  const amountSatang = bahtToSatang(body.amount, true);
  if (amountSatang === undefined) throw new InputError('amount', 'amount must be a positive baht amount with at most 2 decimals, e.g. "100.00"');
  return { billerId, ref1, ref2, ref3, amountSatang };
}

/** What a payer paid, from the body's fields or from a scanned `qrRawData`. */
function paymentFieldsOf(body: Record<string, unknown>): Pick<NewPayment, 'billerId' | 'ref1' | 'ref2' | 'ref3' | 'amountSatang'> {
  const qrRawData = optionalString(body, 'qrRawData', limits.qrChars);
  if (qrRawData === undefined) return explicitPaymentFields(body);
  for (const field of ['billerId', 'ref1', 'ref2', 'ref3']) {
    if (body[field] !== undefined) throw new InputError(field, `give either qrRawData or billerId/ref1/ref2/ref3/amount, not ${field} with qrRawData`);
  }
  const payload = qrRawData.trim();
  let qr: ReturnType<typeof parse> = null;
  try {
    qr = /^[\x20-\x7e]+$/.test(payload) ? parse(payload, true, true) : null;
  } catch {
    qr = null;
  }
  const crc = qr?.getTag('63');
  if (!qr || !crc || !payload.endsWith(`6304${crc.value}`)) throw new InputError('qrRawData', 'qrRawData is not an EMVCo QR payload ending in a valid CRC (tag 63)');
  if (qr.getTagValue('30', '00') !== thaiQrBillPaymentAid) throw new InputError('qrRawData', `qrRawData is not a Thai QR bill payment: tag 30 sub-tag 00 must be ${thaiQrBillPaymentAid}`);
  const billerId = qr.getTagValue('30', '01') ?? '';
  if (!billerIdPattern.test(billerId)) throw new InputError('qrRawData', 'qrRawData: the biller id (tag 30 sub-tag 01) must be 15 digits');
  const ref1 = qr.getTagValue('30', '02') ?? '';
  if (!referencePattern.test(ref1)) throw new InputError('qrRawData', 'qrRawData: ref1 (tag 30 sub-tag 02) must be 1 to 20 of A-Z and 0-9');
  const ref2 = qr.getTagValue('30', '03');
  if (ref2 !== undefined && !referencePattern.test(ref2)) throw new InputError('qrRawData', 'qrRawData: ref2 (tag 30 sub-tag 03) must be 1 to 20 of A-Z and 0-9');
  const ref3 = qr.getTagValue('62', '07');
  if (ref3 !== undefined && !referencePattern.test(ref3)) throw new InputError('qrRawData', 'qrRawData: ref3 (tag 62 sub-tag 07) must be 1 to 20 of A-Z and 0-9');
  const amountText = qr.getTagValue('54');
  let amountSatang: number | undefined;
  if (amountText !== undefined) {
    amountSatang = bahtToSatang(amountText);
    if (amountSatang === undefined) throw new InputError('qrRawData', 'qrRawData: the amount (tag 54) is not a positive baht amount');
    if (body.amount !== undefined && bahtToSatang(body.amount, true) !== amountSatang) throw new InputError('amount', 'amount differs from the QR\'s amount (tag 54)');
  } else {
    // A QR without an amount: the payer types it.
    amountSatang = bahtToSatang(body.amount, true);
    if (amountSatang === undefined) throw new InputError('amount', 'the QR has no amount (tag 54): give amount, e.g. "100.00"');
  }
  return { billerId, ref1, ref2, ref3, amountSatang };
}

export function controlRoutes(app: FastifyInstance, bank: BankState): void {
  const clockView = () => {
    const nowMs = bank.clock.nowMs();
    return { nowMs, iso: new Date(nowMs).toISOString(), bangkok: bangkokIso(nowMs) };
  };

  app.post('/emulator/apps', async (request, reply) => {
    const body = bodyOf(request);
    const applicationKey = requiredString(body, 'applicationKey', limits.keyChars);
    if (!/^[\x21-\x7e]+$/.test(applicationKey)) throw new InputError('applicationKey', 'applicationKey must be printable ASCII without spaces');
    const applicationSecret = requiredString(body, 'applicationSecret', limits.secretChars);
    const billerId = requiredString(body, 'billerId', 32);
    if (!billerIdPattern.test(billerId)) throw new InputError('billerId', 'billerId must be 15 digits');
    const ref3Prefix = requiredString(body, 'ref3Prefix', 32);
    if (!ref3PrefixPattern.test(ref3Prefix)) throw new InputError('ref3Prefix', 'ref3Prefix must be 1 to 10 of A-Z and 0-9');
    const callbackUrl = callbackUrlOf(body);
    const payeeName = optionalString(body, 'payeeName', limits.nameChars) ?? 'Emulated Merchant';
    const payeeAccountNumber = optionalString(body, 'payeeAccountNumber', 20) ?? billerId.slice(-10);
    if (!/^\d{10,15}$/.test(payeeAccountNumber)) throw new InputError('payeeAccountNumber', 'payeeAccountNumber must be 10 to 15 digits');
    bank.registerApp({ applicationKey, secretDigest: secretDigest(applicationSecret), billerId, ref3Prefix, callbackUrl, payeeName, payeeAccountNumber });
    return reply.code(201).send({ applicationKey, billerId, ref3Prefix, callbackUrl, payeeName, payeeAccountNumber });
  });

  app.post('/emulator/payments', async (request, reply) => {
    const body = bodyOf(request);
    const fields = paymentFieldsOf(body);
    const sendingBankCode = optionalString(body, 'sendingBankCode', 3);
    if (sendingBankCode !== undefined && !bankCodePattern.test(sendingBankCode)) throw new InputError('sendingBankCode', 'sendingBankCode must be 3 digits, e.g. 014');
    const payerName = optionalString(body, 'payerName', limits.nameChars);
    const amountAsNumber = booleanOf(body, 'amountAsNumber');
    const callback = callbackModeOf(body);
    const lateMs = integerOf(body, 'lateMs', limits.lateMsMax);
    const target = bank.appForBiller(fields.billerId, fields.ref3);
    if (!target) return reply.code(404).send({ error: `no application is registered for biller id ${fields.billerId}` });
    const payment = bank.pay(target, { ...fields, sendingBankCode, payerName, amountAsNumber, callback, lateMs });
    return reply.code(201).send(payment.callbackBody);
  });

  app.get('/emulator/switches', async () => bank.switches);

  app.put('/emulator/switches', async (request) => {
    const body = bodyOf(request);
    const callback = callbackModeOf(body);
    const lateMs = integerOf(body, 'lateMs', limits.lateMsMax);
    const rateLimit = booleanOf(body, 'rateLimit');
    if (callback !== undefined) bank.switches.callback = callback;
    if (lateMs !== undefined) bank.switches.lateMs = lateMs;
    if (rateLimit !== undefined) bank.switches.rateLimit = rateLimit;
    return bank.switches;
  });

  app.post('/emulator/forged-callbacks', async (request, reply) => {
    const body = bodyOf(request);
    const { billerId, ref1, ref2, ref3: ref3Given, amountSatang } = explicitPaymentFields(body);
    const transactionIdGiven = optionalString(body, 'transactionId', limits.transRefChars);
    if (transactionIdGiven !== undefined && !/^[A-Za-z0-9]+$/.test(transactionIdGiven)) throw new InputError('transactionId', 'transactionId must be letters and digits');
    const target = bank.appForBiller(billerId, ref3Given);
    if (!target) return reply.code(404).send({ error: `no application is registered for biller id ${billerId}` });
    const now = bank.clock.nowMs();
    const transactionId = transactionIdGiven ?? `${bangkokCompactDate(now)}${randomAlphanumerics(15)}`;
    const sent = callbackBodyOf(
      {
        billerId,
        payeeAccountNumber: target.payeeAccountNumber,
        payeeName: target.payeeName,
        payerProxyId: `08${randomDigits(8)}`,
        payerAccountNumber: randomDigits(10),
        payerName: 'Forged Payer',
        sendingBankCode: '014',
        amountSatang,
        transactionId,
        paidAtMs: now,
        ref1,
        ref2: ref2 ?? '',
        ref3: ref3Given ?? `${target.ref3Prefix}${ref1}`.slice(0, 20),
      },
      false,
    );
    const attempt = await bank.delivery.sendOnce(transactionId, target.callbackUrl, sent);
    return reply.code(201).send({ sent, url: attempt.url, httpStatus: attempt.httpStatus, answer: attempt.answer, ok: attempt.ok, error: attempt.error });
  });

  app.post('/emulator/reversals', async (request, reply) => {
    const body = bodyOf(request);
    const transactionId = requiredString(body, 'transactionId', limits.transRefChars);
    const payment = bank.payments.get(transactionId);
    if (!payment) return reply.code(404).send({ error: `no payment has transactionId ${transactionId}` });
    payment.reverseFlag = 'R';
    return { transactionId, reverseFlag: payment.reverseFlag };
  });

  app.get('/emulator/clock', async () => clockView());

  app.post('/emulator/clock', async (request) => {
    const body = bodyOf(request);
    const advanceMs = integerOf(body, 'advanceMs', limits.advanceMsMax);
    if (advanceMs === undefined) throw new InputError('advanceMs', 'advanceMs is required: milliseconds to move the clock forward', true);
    await bank.delivery.advance(advanceMs);
    return clockView();
  });

  app.post('/emulator/tokens/expire', async () => ({ expired: bank.expireTokens() }));

  app.get('/emulator/callbacks', async (request) => {
    const query = request.query as Record<string, unknown>;
    const transactionId = typeof query.transactionId === 'string' ? query.transactionId : undefined;
    const attempts = bank.delivery.attempts.list();
    return transactionId === undefined ? attempts : attempts.filter((entry) => entry.transactionId === transactionId);
  });

  app.get('/emulator/emails', async () => bank.delivery.emails.list());

  app.get('/emulator/requests', async () => bank.requests.list());
}

/**
 * SCB's API as the emulator answers it (paths exactly as SCB's; live-provider-scb.md §1).
 *
 * Every body is `{ status: { code, description }, data }`. Order of checks on every request: the
 * `resourceOwnerId` and `requestUId` headers (400/1101), the 5-per-second limit per API and
 * resourceOwnerId (429/9429, real time), then the bearer token (401/9300) where one is needed.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { generate } from 'promptparse';
import { type App, type BankState, inquiryRowOf, slipOf } from './state.js';
import { bangkokParts, isCalendarDate } from './time.js';
import { bahtToSatang, bankCodePattern, billerIdPattern, InputError, isObject, limits, referencePattern, requiredString, optionalString } from './values.js';

export const controlPrefix = '/emulator';

export function isControlUrl(url: string): boolean {
  return url === controlPrefix || url.startsWith(`${controlPrefix}/`) || url.startsWith(`${controlPrefix}?`);
}

export function sendScb(reply: FastifyReply, httpStatus: number, code: number, description: string, data: unknown = null): FastifyReply {
  return reply.code(httpStatus).send({ status: { code, description }, data });
}

const rateLimitedDescription = 'Too many requests (emulator: SCB documents 5 TPS, not its answer)';
const tokenInvalid = 'Token is invalid or expired';

function headerOf(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** One query parameter: undefined when absent or empty, an InputError when repeated or too long. */
function queryParam(request: FastifyRequest, name: string, maxChars = 64): string | undefined {
  const query = request.query as Record<string, unknown> | undefined;
  const value = query?.[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw new InputError(name, `Invalid ${name}: give it once`);
  if (value.length > maxChars) throw new InputError(name, `Invalid ${name}: at most ${maxChars} characters`);
  return value;
}

function requiredQuery(request: FastifyRequest, name: string, maxChars?: number): string {
  const value = queryParam(request, name, maxChars);
  if (value === undefined) throw new InputError(name, `Missing parameter: ${name}`, true);
  return value;
}

function invalid(field: string, message: string): InputError {
  return new InputError(field, `Invalid ${field}: ${message}`);
}

export function scbRoutes(app: FastifyInstance, bank: BankState): void {
  app.addHook('onRequest', async (request, reply) => {
    const route = request.routeOptions.url;
    if (isControlUrl(request.url) || route === undefined) return;
    const owner = headerOf(request, 'resourceownerid');
    const requestUId = headerOf(request, 'requestuid');
    if (owner === undefined || requestUId === undefined) {
      return sendScb(reply, 400, 1101, `Missing header: ${owner === undefined ? 'resourceOwnerId' : 'requestUId'}`);
    }
    if (owner.length > limits.headerChars || requestUId.length > limits.headerChars) {
      return sendScb(reply, 400, 1102, `Invalid header: resourceOwnerId and requestUId are at most ${limits.headerChars} characters`);
    }
    if (bank.switches.rateLimit && !bank.rateLimiter.allow(`${owner}\u0000${request.method} ${route}`)) {
      return sendScb(reply, 429, 9429, rateLimitedDescription);
    }
  });

  app.addHook('onResponse', async (request, reply) => {
    if (isControlUrl(request.url)) return;
    const query: Record<string, string> = {};
    const raw = request.query;
    if (isObject(raw)) {
      for (const [key, value] of Object.entries(raw).slice(0, 20)) query[key.slice(0, 100)] = String(value).slice(0, 200);
    }
    const path = request.url.split('?')[0] ?? request.url;
    bank.requests.push({ method: request.method, path: path.slice(0, 500), query, status: reply.statusCode, atMs: bank.clock.nowMs() });
  });

  /** The app of a valid bearer token for the request's resourceOwnerId, or undefined after answering 401/9300. */
  function authorized(request: FastifyRequest, reply: FastifyReply): App | undefined {
    const owner = headerOf(request, 'resourceownerid') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(headerOf(request, 'authorization') ?? '');
    const app = bank.apps.get(owner);
    if (!match || !app || !bank.tokenValid(match[1], owner)) {
      sendScb(reply, 401, 9300, tokenInvalid);
      return undefined;
    }
    return app;
  }

  app.post('/v1/oauth/token', async (request, reply) => {
    const body = request.body;
    if (!isObject(body)) throw new InputError('body', 'Missing parameter: applicationKey, applicationSecret', true);
    const applicationKey = requiredString(body, 'applicationKey', limits.keyChars);
    const applicationSecret = requiredString(body, 'applicationSecret', limits.secretChars);
    const registered = bank.apps.get(applicationKey);
    if (!registered || !bank.secretMatches(registered, applicationSecret)) return sendScb(reply, 401, 9500, 'Invalid API key');
    if (headerOf(request, 'resourceownerid') !== applicationKey) {
      return sendScb(reply, 401, 9500, 'Invalid API key (emulator: the resourceOwnerId header must be the applicationKey)');
    }
    const { accessToken, expiresAtMs } = bank.issueToken(applicationKey);
    return sendScb(reply, 200, 1000, 'Success', { accessToken, tokenType: 'Bearer', expiresIn: 1800, expiresAt: Math.floor(expiresAtMs / 1000) });
  });

  app.post('/v1/payment/qrcode/create', async (request, reply) => {
    const app = authorized(request, reply);
    if (!app) return reply;
    const body = request.body;
    if (!isObject(body)) throw new InputError('body', 'Missing parameter: the body must be a JSON object', true);
    const qrType = requiredString(body, 'qrType', 10);
    if (qrType !== 'PP') throw invalid('qrType', 'the emulator knows only "PP" (Thai QR tag 30)');
    const ppType = requiredString(body, 'ppType', 20);
    if (ppType !== 'BILLERID') throw invalid('ppType', 'must be "BILLERID"');
    const ppId = requiredString(body, 'ppId', 32);
    if (!billerIdPattern.test(ppId)) throw invalid('ppId', 'must be 15 digits');
    if (ppId !== app.billerId) throw invalid('ppId', "must be the application's biller id");
    if (body.amount === undefined || body.amount === null || body.amount === '') throw new InputError('amount', 'Missing parameter: amount', true);
    const amountSatang = bahtToSatang(body.amount);
    if (amountSatang === undefined) throw invalid('amount', 'must be a positive baht amount written as a string with at most 2 decimals, e.g. "100.00"');
    const ref1 = requiredString(body, 'ref1', 64);
    if (!referencePattern.test(ref1)) throw invalid('ref1', 'must be 1 to 20 of A-Z and 0-9');
    const ref2 = optionalString(body, 'ref2', 64);
    if (ref2 !== undefined && !referencePattern.test(ref2)) throw invalid('ref2', 'must be 1 to 20 of A-Z and 0-9');
    const ref3 = requiredString(body, 'ref3', 64);
    if (!referencePattern.test(ref3)) throw invalid('ref3', 'must be 1 to 20 of A-Z and 0-9');
    if (!ref3.startsWith(app.ref3Prefix)) throw invalid('ref3', `must start with the application's ref3 prefix ${app.ref3Prefix}`);
    const qrRawData = generate.billPayment({ billerId: ppId, amount: amountSatang / 100, ref1, ...(ref2 === undefined ? {} : { ref2 }), ref3 });
    return sendScb(reply, 200, 1000, 'Success', { qrRawData });
  });

  app.get('/v1/payment/billpayment/inquiry', async (request, reply) => {
    const app = authorized(request, reply);
    if (!app) return reply;
    const eventCode = requiredQuery(request, 'eventCode');
    const transactionDate = requiredQuery(request, 'transactionDate');
    const billerId = requiredQuery(request, 'billerId');
    const reference1 = requiredQuery(request, 'reference1');
    if (eventCode !== '00300100') throw invalid('eventCode', 'the emulator knows only 00300100 (QR30 bill payment)');
    if (!isCalendarDate(transactionDate)) throw invalid('transactionDate', 'must be a date written yyyy-MM-dd');
    if (!billerIdPattern.test(billerId)) throw invalid('billerId', 'must be 15 digits');
    if (!referencePattern.test(reference1)) throw invalid('reference1', 'must be 1 to 20 of A-Z and 0-9');
    const reference2 = queryParam(request, 'reference2');
    if (reference2 !== undefined && !referencePattern.test(reference2)) throw invalid('reference2', 'must be 1 to 20 of A-Z and 0-9');
    const amountText = queryParam(request, 'amount');
    const amountSatang = amountText === undefined ? undefined : bahtToSatang(amountText);
    if (amountText !== undefined && amountSatang === undefined) throw invalid('amount', 'must be a positive baht amount with at most 2 decimals');
    const rows = billerId !== app.billerId
      ? []
      : bank
          .paymentsFor(billerId, reference1)
          .filter((payment) =>
            (reference2 === undefined || payment.ref2 === reference2) &&
            (amountSatang === undefined || payment.amountSatang === amountSatang) &&
            bangkokParts(payment.paidAtMs).date === transactionDate,
          )
          .sort((a, b) => a.paidAtMs - b.paidAtMs)
          .map(inquiryRowOf);
    if (rows.length === 0) return sendScb(reply, 404, 1104, 'Record not found');
    return sendScb(reply, 200, 1000, 'Success', rows);
  });

  app.get<{ Params: { transRef: string } }>('/v1/payment/billpayment/transactions/:transRef', async (request, reply) => {
    const app = authorized(request, reply);
    if (!app) return reply;
    const transRef = request.params.transRef;
    if (transRef.length > limits.transRefChars || !/^[A-Za-z0-9]+$/.test(transRef)) throw invalid('transRef', `must be at most ${limits.transRefChars} letters and digits`);
    const sendingBank = requiredQuery(request, 'sendingBank');
    if (!bankCodePattern.test(sendingBank)) throw invalid('sendingBank', 'must be a 3-digit bank code, e.g. 014');
    const payment = bank.payments.get(transRef);
    if (!payment || payment.sendingBankCode !== sendingBank) return sendScb(reply, 404, 1104, 'Record not found');
    return sendScb(reply, 200, 1000, 'Success', slipOf(payment));
  });
}

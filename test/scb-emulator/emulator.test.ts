/**
 * The SCB Thai QR (tag 30) emulator (src/scb-emulator): SCB's API as documented (live-provider-scb.md), the
 * callback's re-sends on the injected clock, the control API, and `satang emulate scb` as a process.
 * Everything listens on 127.0.0.1, port 0.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'promptparse';
import { type ScbEmulator, startScbEmulator } from '../../src/scb-emulator/index.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const billerId = '010556012345601';
const otherBillerId = '010556099999901';
const appKey = 'l7test-app-key';
const appSecret = 'test-app-secret';

// ---------------------------------------------------------------- helpers

interface Received {
  body: Record<string, unknown>;
}

interface Receiver {
  url: string;
  received: Received[];
  close(): Promise<void>;
}

type Answering = (body: Record<string, unknown>) => { status: number; body: unknown };

const answerOk: Answering = (body) => ({ status: 200, body: { resCode: '00', resDesc: 'success', transactionId: body.transactionId } });

const closers: Array<() => Promise<void>> = [];
after(async () => {
  for (const close of closers.reverse()) await close().catch(() => undefined);
});

/** A merchant's callback endpoint (node:http, port 0) that records every body. */
async function startReceiver(answering: Answering = answerOk): Promise<Receiver> {
  const received: Received[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      received.push({ body });
      const answer = answering(body);
      response.writeHead(answer.status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  closers.push(close);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/scb/callback`, received, close };
}

interface Reply {
  status: number;
  body: any;
}

interface Harness {
  emulator: ScbEmulator;
  receiver: Receiver;
  call(method: string, path: string, options?: { body?: unknown; raw?: string; headers?: Record<string, string>; token?: string | null }): Promise<Reply>;
  control(method: string, path: string, body?: unknown): Promise<Reply>;
  token(): Promise<string>;
  pay(body?: Record<string, unknown>): Promise<Record<string, any>>;
  inquiry(params: Record<string, string>, token: string): Promise<Reply>;
}

async function setup(options: { startAtMs?: number; answering?: Answering; rateLimit?: boolean } = {}): Promise<Harness> {
  const emulator = await startScbEmulator({ port: 0, host: '127.0.0.1', startAtMs: options.startAtMs });
  closers.push(() => emulator.close());
  const receiver = await startReceiver(options.answering);
  const call: Harness['call'] = async (method, path, callOptions = {}) => {
    const headers: Record<string, string> = { resourceOwnerId: appKey, requestUId: `req${Math.random().toString(36).slice(2)}`, ...callOptions.headers };
    if (callOptions.token) headers.authorization = `Bearer ${callOptions.token}`;
    let body: string | undefined = callOptions.raw;
    if (callOptions.body !== undefined) body = JSON.stringify(callOptions.body);
    if (body !== undefined) headers['content-type'] ??= 'application/json';
    const response = await fetch(`${emulator.url}${path}`, { method, headers, body });
    const text = await response.text();
    return { status: response.status, body: text === '' ? null : JSON.parse(text) };
  };
  const control: Harness['control'] = (method, path, body) => call(method, path, { body, headers: {} });
  const created = await control('POST', '/emulator/apps', {
    applicationKey: appKey,
    applicationSecret: appSecret,
    billerId,
    ref3Prefix: 'SAT',
    callbackUrl: receiver.url,
    payeeName: 'Satang Test Shop',
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  if (options.rateLimit !== true) assert.equal((await control('PUT', '/emulator/switches', { rateLimit: false })).status, 200);
  return {
    emulator,
    receiver,
    call,
    control,
    async token() {
      const reply = await call('POST', '/v1/oauth/token', { body: { applicationKey: appKey, applicationSecret: appSecret } });
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      return reply.body.data.accessToken as string;
    },
    async pay(body = {}) {
      const reply = await control('POST', '/emulator/payments', { billerId, ref1: 'REF1ABC', amount: '100.00', ...body });
      assert.equal(reply.status, 201, JSON.stringify(reply.body));
      return reply.body;
    },
    inquiry(params, token) {
      const query = new URLSearchParams({ eventCode: '00300100', billerId, reference1: 'REF1ABC', ...params });
      return call('GET', `/v1/payment/billpayment/inquiry?${query}`, { token });
    },
  };
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 3000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The Bangkok calendar date of an instant, and the day before/after. */
function bangkokDate(atMs: number, dayOffset = 0): string {
  return new Date(atMs + 7 * 3_600_000 + dayOffset * 86_400_000).toISOString().slice(0, 10);
}

function assertScbError(reply: Reply, httpStatus: number, code: number, descriptionIncludes?: string): void {
  assert.equal(reply.status, httpStatus, JSON.stringify(reply.body));
  assert.equal(reply.body.status.code, code, JSON.stringify(reply.body));
  if (descriptionIncludes) assert.match(reply.body.status.description, new RegExp(descriptionIncludes));
}

// ---------------------------------------------------------------- tokens

describe('OAuth token', () => {
  test('issues a 30-minute bearer token on the injected clock; 9500 for a bad key; 9300 once expired', async () => {
    const h = await setup();
    const issued = await h.call('POST', '/v1/oauth/token', { body: { applicationKey: appKey, applicationSecret: appSecret } });
    assert.equal(issued.status, 200);
    assert.deepEqual(issued.body.status, { code: 1000, description: 'Success' });
    assert.equal(issued.body.data.tokenType, 'Bearer');
    assert.equal(issued.body.data.expiresIn, 1800);
    assert.ok(issued.body.data.accessToken.length >= 32);
    const expectedExpiresAt = Math.floor(h.emulator.nowMs() / 1000) + 1800;
    assert.ok(Math.abs(issued.body.data.expiresAt - expectedExpiresAt) <= 1);
    const again = await h.token();
    assert.notEqual(again, issued.body.data.accessToken);

    assertScbError(await h.call('POST', '/v1/oauth/token', { body: { applicationKey: appKey, applicationSecret: 'wrong' } }), 401, 9500, 'Invalid API key');
    assertScbError(
      await h.call('POST', '/v1/oauth/token', { body: { applicationKey: 'nobody', applicationSecret: appSecret }, headers: { resourceOwnerId: 'nobody' } }),
      401,
      9500,
    );
    assertScbError(await h.call('POST', '/v1/oauth/token', { body: { applicationKey: appKey, applicationSecret: appSecret }, headers: { resourceOwnerId: 'other' } }), 401, 9500);
    assertScbError(await h.call('POST', '/v1/oauth/token', { body: { applicationKey: appKey, applicationSecret: appSecret }, headers: { requestUId: '' } }), 400, 1101, 'requestUId');
    assertScbError(await h.call('POST', '/v1/oauth/token', { body: { applicationKey: appKey } }), 400, 1101, 'applicationSecret');

    const token = issued.body.data.accessToken as string;
    const inquire = () => h.inquiry({ transactionDate: bangkokDate(h.emulator.nowMs()) }, token);
    assertScbError(await inquire(), 404, 1104); // valid token, nothing paid
    await h.emulator.advance(1_799_000);
    assertScbError(await inquire(), 404, 1104);
    await h.emulator.advance(1000);
    assertScbError(await inquire(), 401, 9300, 'Token is invalid or expired');
    assertScbError(await h.inquiry({ transactionDate: '2025-01-01' }, 'not-a-token'), 401, 9300);
    assertScbError(await h.inquiry({ transactionDate: '2025-01-01' }, ''), 401, 9300);
  });

  test('POST /emulator/tokens/expire expires every token now; a token of another application is refused', async () => {
    const h = await setup();
    const token = await h.token();
    const second = await h.control('POST', '/emulator/apps', {
      applicationKey: 'second-app',
      applicationSecret: 'second-secret',
      billerId: otherBillerId,
      ref3Prefix: 'XYZ',
      callbackUrl: h.receiver.url,
    });
    assert.equal(second.status, 201);
    const otherApp = await h.call('GET', `/v1/payment/billpayment/inquiry?eventCode=00300100&transactionDate=2025-01-01&billerId=${otherBillerId}&reference1=A`, {
      token,
      headers: { resourceOwnerId: 'second-app' },
    });
    assertScbError(otherApp, 401, 9300);
    assertScbError(await h.inquiry({ transactionDate: '2025-01-01' }, token), 404, 1104);
    const expired = await h.control('POST', '/emulator/tokens/expire');
    assert.equal(expired.status, 200);
    assert.equal(expired.body.expired, 1);
    assertScbError(await h.inquiry({ transactionDate: '2025-01-01' }, token), 401, 9300);
    const fresh = await h.token();
    assertScbError(await h.inquiry({ transactionDate: '2025-01-01' }, fresh), 404, 1104);
  });
});

// ---------------------------------------------------------------- QR create

describe('POST /v1/payment/qrcode/create', () => {
  const valid = { qrType: 'PP', ppType: 'BILLERID', ppId: billerId, amount: '100.00', ref1: 'REF1ABC', ref2: 'REF2', ref3: 'SATREF1ABC' };

  test('validates ppId, the references and the ref3 prefix (1102 naming the field)', async () => {
    const h = await setup();
    const token = await h.token();
    const create = (body: Record<string, unknown>) => h.call('POST', '/v1/payment/qrcode/create', { body, token });
    assertScbError(await create({ ...valid, ppId: '12345' }), 400, 1102, 'ppId');
    assertScbError(await create({ ...valid, ppId: otherBillerId }), 400, 1102, 'ppId');
    assertScbError(await create({ ...valid, ref1: 'ref1abc' }), 400, 1102, 'ref1');
    assertScbError(await create({ ...valid, ref2: 'x-y' }), 400, 1102, 'ref2');
    assertScbError(await create({ ...valid, ref1: 'A'.repeat(21) }), 400, 1102, 'ref1');
    assertScbError(await create({ ...valid, ref3: 'ABCREF1' }), 400, 1102, 'ref3');
    assertScbError(await create({ ...valid, amount: '100.001' }), 400, 1102, 'amount');
    assertScbError(await create({ ...valid, amount: '0.00' }), 400, 1102, 'amount');
    assertScbError(await create({ ...valid, qrType: 'CS' }), 400, 1102, 'qrType');
    const { ref1: _omit, ...noRef1 } = valid;
    assertScbError(await create(noRef1), 400, 1101, 'ref1');
    assertScbError(await h.call('POST', '/v1/payment/qrcode/create', { body: valid }), 401, 9300);
  });

  test('answers a CRC-valid Thai QR tag-30 payload with ref3 at 62.07', async () => {
    const h = await setup();
    const token = await h.token();
    const reply = await h.call('POST', '/v1/payment/qrcode/create', { body: valid, token });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.equal(reply.body.status.code, 1000);
    const qrRawData = reply.body.data.qrRawData as string;
    const qr = parse(qrRawData, true, true);
    assert.ok(qr, 'promptparse parses it with the CRC checked');
    assert.ok(qr.validate('63'));
    assert.equal(qr.getTagValue('30', '00'), 'A000000677010112');
    assert.equal(qr.getTagValue('30', '01'), billerId);
    assert.equal(qr.getTagValue('30', '02'), 'REF1ABC');
    assert.equal(qr.getTagValue('30', '03'), 'REF2');
    assert.equal(qr.getTagValue('54'), '100.00');
    assert.equal(qr.getTagValue('53'), '764');
    assert.equal(qr.getTagValue('62', '07'), 'SATREF1ABC');

    // A payer scans it: the payment carries the QR's fields.
    const paid = await h.pay({ billerId: undefined, ref1: undefined, amount: undefined, qrRawData });
    assert.equal(paid.payeeProxyId, billerId);
    assert.equal(paid.billPaymentRef1, 'REF1ABC');
    assert.equal(paid.billPaymentRef2, 'REF2');
    assert.equal(paid.billPaymentRef3, 'SATREF1ABC');
    assert.equal(paid.amount, '100.00');
    const damaged = await h.control('POST', '/emulator/payments', { qrRawData: `${qrRawData.slice(0, -1)}${qrRawData.endsWith('0') ? '1' : '0'}` });
    assert.equal(damaged.status, 400);
    assert.match(damaged.body.error, /CRC/);
  });
});

// ---------------------------------------------------------------- payments, callbacks, inquiry

describe('payments, callbacks and inquiry', () => {
  test('pay → the callback with SCB fields → inquiry finds one row on the Bangkok date, 404/1104 the day before', async () => {
    const h = await setup();
    const token = await h.token();
    const paid = await h.pay({ ref2: 'ORDER42', payerName: 'Somchai' });
    await waitFor('the callback', () => h.receiver.received.length === 1);
    const body = h.receiver.received[0].body;
    assert.deepEqual(body, paid);
    assert.equal(body.payeeProxyId, billerId);
    assert.equal(body.payeeProxyType, 'BILLERID');
    assert.equal(body.payeeName, 'Satang Test Shop');
    assert.equal(typeof body.payeeAccountNumber, 'string');
    assert.equal(body.payerProxyType, 'MSISDN');
    assert.equal(typeof body.payerProxyId, 'string');
    assert.equal(typeof body.payerAccountNumber, 'string');
    assert.equal(body.payerName, 'Somchai');
    assert.equal(body.sendingBankCode, '014');
    assert.equal(body.receivingBankCode, '014');
    assert.equal(body.amount, '100.00');
    assert.equal(body.billPaymentRef1, 'REF1ABC');
    assert.equal(body.billPaymentRef2, 'ORDER42');
    assert.equal(body.billPaymentRef3, 'SATREF1ABC');
    assert.equal(body.currencyCode, '764');
    assert.equal(body.transactionType, 'Domestic Transfer');
    assert.equal(body.channelCode, 'PMH');
    const date = bangkokDate(h.emulator.nowMs());
    assert.match(body.transactionId as string, new RegExp(`^${date.replaceAll('-', '')}[A-Za-z0-9]{15}$`));
    assert.match(body.transactionDateandTime as string, new RegExp(`^${date}T\\d{2}:\\d{2}:\\d{2}\\+07:00$`));

    const found = await h.inquiry({ transactionDate: date }, token);
    assert.equal(found.status, 200, JSON.stringify(found.body));
    assert.equal(found.body.status.code, 1000);
    assert.equal(found.body.data.length, 1);
    const row = found.body.data[0];
    assert.equal(row.transactionId, body.transactionId);
    assert.equal(row.eventCode, '00300100');
    assert.equal(row.reverseFlag, 'N');
    assert.equal(row.amount, '100.00');
    assert.equal(row.payeeProxyId, billerId);
    for (const field of ['fastEasySlipNumber', 'partnerTransactionId', 'tepaCode']) assert.equal(typeof row[field], 'string', field);
    assert.equal((await h.inquiry({ transactionDate: date, amount: '100' }, token)).status, 200);
    assert.equal((await h.inquiry({ transactionDate: date, reference2: 'ORDER42' }, token)).status, 200);
    assertScbError(await h.inquiry({ transactionDate: date, amount: '99.99' }, token), 404, 1104);
    assertScbError(await h.inquiry({ transactionDate: date, reference2: 'OTHER' }, token), 404, 1104);
    assertScbError(await h.inquiry({ transactionDate: date, reference1: 'OTHERREF' }, token), 404, 1104);
    assertScbError(await h.inquiry({ transactionDate: bangkokDate(h.emulator.nowMs(), -1) }, token), 404, 1104, 'Record not found');
    assertScbError(await h.inquiry({ transactionDate: '2025-02-30' }, token), 400, 1102, 'transactionDate');
    assertScbError(await h.call('GET', `/v1/payment/billpayment/inquiry?eventCode=00300100&transactionDate=${date}&reference1=REF1ABC`, { token }), 400, 1101, 'billerId');

    const attempts = (await h.control('GET', '/emulator/callbacks')).body;
    assert.equal(attempts.length, 1);
    assert.equal(attempts[0].attempt, 1);
    assert.equal(attempts[0].ok, true);
    assert.equal(attempts[0].httpStatus, 200);
    assert.equal(attempts[0].answer.resCode, '00');
    assert.equal(attempts[0].url, h.receiver.url);
    assert.equal(attempts[0].error, null);
    const requests = (await h.control('GET', '/emulator/requests')).body;
    assert.ok(requests.some((entry: any) => entry.path === '/v1/payment/billpayment/inquiry' && entry.status === 200 && entry.query.eventCode === '00300100'));
  });

  test('midnight: paid at 23:59:5x Bangkok is found on that date, not the next; after midnight the next date', async () => {
    const startAtMs = Date.parse('2025-01-31T23:59:50+07:00');
    const h = await setup({ startAtMs });
    const token = await h.token();
    const paid = await h.pay();
    assert.match(paid.transactionDateandTime, /^2025-01-31T23:59:5\d\+07:00$/);
    assert.match(paid.transactionId, /^20250131/);
    const found = await h.inquiry({ transactionDate: '2025-01-31' }, token);
    assert.equal(found.status, 200);
    assert.equal(found.body.data[0].transactionId, paid.transactionId);
    assertScbError(await h.inquiry({ transactionDate: '2025-02-01' }, token), 404, 1104);

    await h.emulator.advance(15_000);
    const later = await h.pay();
    assert.match(later.transactionDateandTime, /^2025-02-01T00:00:\d\d\+07:00$/);
    const next = await h.inquiry({ transactionDate: '2025-02-01' }, token);
    assert.equal(next.status, 200);
    assert.deepEqual(next.body.data.map((row: any) => row.transactionId), [later.transactionId]);
    assert.equal((await h.inquiry({ transactionDate: '2025-01-31' }, token)).body.data.length, 1);
    const clock = (await h.control('GET', '/emulator/clock')).body;
    assert.ok(clock.nowMs >= startAtMs + 15_000);
    assert.match(clock.iso, /^2025-01-31T17:00:/);
  });

  test('a merchant answering resCode "99" gets 4 attempts 12 s apart on the injected clock, then an e-mail', async () => {
    const h = await setup({ answering: () => ({ status: 200, body: { resCode: '99', resDesc: 'nope' } }) });
    const paid = await h.pay();
    await waitFor('attempt 1', () => h.receiver.received.length === 1);
    await h.emulator.advance(0);
    await h.emulator.advance(11_000);
    assert.equal(h.receiver.received.length, 1);
    await h.emulator.advance(1_000);
    assert.equal(h.receiver.received.length, 2);
    assert.equal((await h.control('GET', '/emulator/emails')).body.length, 0);
    await h.emulator.advance(60_000);
    assert.equal(h.receiver.received.length, 4);
    assert.ok(h.receiver.received.every((entry) => entry.body.transactionId === paid.transactionId));
    const attempts = (await h.control('GET', `/emulator/callbacks?transactionId=${paid.transactionId}`)).body;
    assert.deepEqual(attempts.map((entry: any) => entry.attempt), [1, 2, 3, 4]);
    assert.ok(attempts.every((entry: any) => entry.ok === false && entry.httpStatus === 200 && entry.answer.resCode === '99'));
    for (let i = 1; i < 4; i++) {
      const gap = attempts[i].atMs - attempts[i - 1].atMs;
      assert.ok(gap >= 12_000 && gap < 12_500, `attempt ${i + 1} came ${gap} ms after the one before`);
    }
    const emails = (await h.control('GET', '/emulator/emails')).body;
    assert.equal(emails.length, 1);
    assert.equal(emails[0].transactionId, paid.transactionId);
    assert.equal(emails[0].to, h.receiver.url);
    assert.ok(emails[0].atMs >= attempts[3].atMs);
    await h.emulator.advance(120_000);
    assert.equal(h.receiver.received.length, 4, 'no more attempts after the e-mail');
  });

  test('failing mode: even resCode "00" counts as a failure; a merchant that does not answer in time fails too', async () => {
    const h = await setup();
    const paid = await h.pay({ callback: 'failing' });
    await h.emulator.advance(40_000);
    const attempts = (await h.control('GET', `/emulator/callbacks?transactionId=${paid.transactionId}`)).body;
    assert.equal(attempts.length, 4);
    assert.ok(attempts.every((entry: any) => !entry.ok && /failing/.test(entry.error)));
    assert.equal((await h.control('GET', '/emulator/emails')).body.length, 1);

    // Nobody listening at the URL: a connection error, recorded with httpStatus null.
    const gone = await startReceiver();
    await gone.close();
    await h.control('POST', '/emulator/apps', { applicationKey: 'gone', applicationSecret: 'x', billerId: otherBillerId, ref3Prefix: 'G', callbackUrl: gone.url });
    const lost = await h.pay({ billerId: otherBillerId });
    await h.emulator.advance(0);
    const failed = (await h.control('GET', `/emulator/callbacks?transactionId=${lost.transactionId}`)).body;
    assert.equal(failed.length, 1);
    assert.equal(failed[0].httpStatus, null);
    assert.equal(failed[0].ok, false);
    assert.equal(typeof failed[0].error, 'string');
  });

  test('lost: no callback ever, but inquiry finds the payment', async () => {
    const h = await setup();
    const token = await h.token();
    const paid = await h.pay({ callback: 'lost' });
    await h.emulator.advance(120_000);
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.equal(h.receiver.received.length, 0);
    assert.equal((await h.control('GET', '/emulator/callbacks')).body.length, 0);
    const found = await h.inquiry({ transactionDate: bangkokDate(Date.parse(paid.transactionDateandTime)) }, token);
    assert.equal(found.status, 200);
    assert.equal(found.body.data[0].transactionId, paid.transactionId);
  });

  test('duplicate: two callbacks with the same transactionId, both logged', async () => {
    const h = await setup();
    const paid = await h.pay({ callback: 'duplicate' });
    await h.emulator.advance(0);
    await waitFor('two callbacks', () => h.receiver.received.length === 2);
    assert.deepEqual(h.receiver.received.map((entry) => entry.body.transactionId), [paid.transactionId, paid.transactionId]);
    const attempts = (await h.control('GET', '/emulator/callbacks')).body;
    assert.equal(attempts.length, 2);
    assert.ok(attempts.every((entry: any) => entry.ok && entry.transactionId === paid.transactionId));
  });

  test('late (the global switch): nothing until the injected clock passes lateMs', async () => {
    const h = await setup();
    const switches = await h.control('PUT', '/emulator/switches', { callback: 'late', lateMs: 30_000 });
    assert.equal(switches.status, 200);
    assert.deepEqual(switches.body, { callback: 'late', lateMs: 30_000, rateLimit: false });
    const paid = await h.pay();
    await h.emulator.advance(0);
    await h.emulator.advance(29_000);
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.equal(h.receiver.received.length, 0);
    const moved = await h.control('POST', '/emulator/clock', { advanceMs: 1_000 });
    assert.equal(moved.status, 200);
    assert.equal(typeof moved.body.nowMs, 'number');
    assert.equal(h.receiver.received.length, 1);
    assert.equal(h.receiver.received[0].body.transactionId, paid.transactionId);
    // A payment's own mode beats the switch.
    await h.pay({ callback: 'normal' });
    await waitFor('the normal callback', () => h.receiver.received.length === 2);
  });

  test('amountAsNumber and sendingBankCode: the callback carries a number and the payer bank; the slip follows', async () => {
    const h = await setup();
    const token = await h.token();
    const paid = await h.pay({ amount: '250.50', amountAsNumber: true, sendingBankCode: '004' });
    await waitFor('the callback', () => h.receiver.received.length === 1);
    assert.equal(h.receiver.received[0].body.amount, 250.5);
    assert.equal(h.receiver.received[0].body.sendingBankCode, '004');
    const found = await h.inquiry({ transactionDate: bangkokDate(h.emulator.nowMs()), amount: '250.5' }, token);
    assert.equal(found.body.data[0].amount, '250.50');

    const slip = await h.call('GET', `/v1/payment/billpayment/transactions/${paid.transactionId}?sendingBank=004`, { token });
    assert.equal(slip.status, 200, JSON.stringify(slip.body));
    assert.equal(slip.body.status.code, 1000);
    const data = slip.body.data;
    assert.equal(data.transRef, paid.transactionId);
    assert.equal(data.sendingBank, '004');
    assert.equal(data.receivingBank, '014');
    assert.equal(data.transDate, paid.transactionDateandTime.slice(0, 10).replaceAll('-', ''));
    assert.equal(data.transTime, paid.transactionDateandTime.slice(11, 19));
    assert.equal(data.amount, '250.50');
    assert.equal(data.paidLocalAmount, '250.50');
    assert.equal(data.ref1, 'REF1ABC');
    assert.equal(data.ref3, 'SATREF1ABC');
    assert.equal(data.receiver.proxy.value, billerId);
    for (const party of [data.sender, data.receiver]) {
      for (const field of ['displayName', 'name']) assert.equal(typeof party[field], 'string');
      assert.equal(typeof party.proxy.type, 'string');
      assert.equal(typeof party.account.value, 'string');
    }
    assertScbError(await h.call('GET', `/v1/payment/billpayment/transactions/${paid.transactionId}?sendingBank=014`, { token }), 404, 1104);
    assertScbError(await h.call('GET', '/v1/payment/billpayment/transactions/20250101NOSUCHTHING0000?sendingBank=004', { token }), 404, 1104);
    assertScbError(await h.call('GET', `/v1/payment/billpayment/transactions/${paid.transactionId}`, { token }), 400, 1101, 'sendingBank');
  });

  test('a forged callback reaches the merchant, but inquiry does not know it', async () => {
    const h = await setup();
    const token = await h.token();
    const forged = await h.control('POST', '/emulator/forged-callbacks', { billerId, ref1: 'REF1ABC', amount: '100.00' });
    assert.equal(forged.status, 201, JSON.stringify(forged.body));
    assert.equal(forged.body.ok, true);
    assert.equal(forged.body.httpStatus, 200);
    assert.equal(forged.body.answer.resCode, '00');
    assert.equal(forged.body.url, h.receiver.url);
    assert.equal(h.receiver.received.length, 1);
    assert.deepEqual(h.receiver.received[0].body, forged.body.sent);
    assert.equal(forged.body.sent.payeeProxyId, billerId);
    assertScbError(await h.inquiry({ transactionDate: bangkokDate(h.emulator.nowMs()) }, token), 404, 1104);
    assertScbError(await h.call('GET', `/v1/payment/billpayment/transactions/${forged.body.sent.transactionId}?sendingBank=014`, { token }), 404, 1104);
    const chosen = await h.control('POST', '/emulator/forged-callbacks', { billerId, ref1: 'REF1ABC', amount: '5', transactionId: '20250101ABCDEFGHIJKLMNO' });
    assert.equal(chosen.body.sent.transactionId, '20250101ABCDEFGHIJKLMNO');
    assert.equal(chosen.body.sent.amount, '5.00');
    assert.equal((await h.control('POST', '/emulator/forged-callbacks', { billerId: otherBillerId, ref1: 'A', amount: '1' })).status, 404);
  });

  test('a reversal gives reverseFlag "R" in inquiry', async () => {
    const h = await setup();
    const token = await h.token();
    const paid = await h.pay();
    const reversed = await h.control('POST', '/emulator/reversals', { transactionId: paid.transactionId });
    assert.equal(reversed.status, 200);
    assert.deepEqual(reversed.body, { transactionId: paid.transactionId, reverseFlag: 'R' });
    const found = await h.inquiry({ transactionDate: bangkokDate(h.emulator.nowMs()) }, token);
    assert.equal(found.body.data[0].reverseFlag, 'R');
    assert.equal((await h.control('POST', '/emulator/reversals', { transactionId: 'nosuch' })).status, 404);
  });
});

// ---------------------------------------------------------------- rate limit and bad input

describe('limits and bad input', () => {
  test('the 6th request in one second to one API answers 429/9429; other APIs keep their own budget; rateLimit off lifts it', async () => {
    const h = await setup({ rateLimit: true });
    const replies: Reply[] = [];
    for (let i = 0; i < 6; i++) replies.push(await h.call('POST', '/v1/oauth/token', { body: { applicationKey: appKey, applicationSecret: appSecret } }));
    assert.deepEqual(replies.slice(0, 5).map((reply) => reply.status), [200, 200, 200, 200, 200]);
    assertScbError(replies[5], 429, 9429, 'Too many requests \\(emulator: SCB documents 5 TPS, not its answer\\)');
    const token = replies[0].body.data.accessToken as string;
    assert.equal((await h.inquiry({ transactionDate: '2025-01-01' }, token)).status, 404, 'another API has its own budget');
    // Another resourceOwnerId has its own budget too.
    assert.equal((await h.call('POST', '/v1/oauth/token', { body: { applicationKey: appKey, applicationSecret: appSecret }, headers: { resourceOwnerId: 'someone' } })).status, 401);

    await new Promise((resolve) => setTimeout(resolve, 1100));
    assert.equal((await h.call('POST', '/v1/oauth/token', { body: { applicationKey: appKey, applicationSecret: appSecret } })).status, 200, 'a new second');

    assert.equal((await h.control('PUT', '/emulator/switches', { rateLimit: false })).status, 200);
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await h.inquiry({ transactionDate: '2025-01-01' }, token)).status);
    assert.ok(statuses.every((status) => status === 404), statuses.join(','));
    const logged = (await h.control('GET', '/emulator/requests')).body;
    assert.ok(logged.some((entry: any) => entry.status === 429));
  });

  test('bad bodies answer 400 with a clear message and the server keeps answering', async () => {
    const h = await setup();
    const token = await h.token();
    const notJson = await h.call('POST', '/v1/payment/qrcode/create', { raw: '{"qrType":', token });
    assertScbError(notJson, 400, 1102, 'not JSON');
    assert.equal((await h.call('POST', '/emulator/payments', { raw: '{nope', headers: {} })).status, 400);
    const array = await h.control('POST', '/emulator/payments', [1, 2]);
    assert.equal(array.status, 400);
    assert.match(array.body.error, /JSON object/);
    const checks: Array<[string, string, unknown, RegExp]> = [
      ['POST', '/emulator/apps', { applicationKey: 'a', applicationSecret: 'b', billerId: '123', ref3Prefix: 'X', callbackUrl: 'http://127.0.0.1/' }, /billerId/],
      ['POST', '/emulator/apps', { applicationKey: 'a', applicationSecret: 'b', billerId, ref3Prefix: 'lower', callbackUrl: 'http://127.0.0.1/' }, /ref3Prefix/],
      ['POST', '/emulator/apps', { applicationKey: 'a', applicationSecret: 'b', billerId, ref3Prefix: 'X', callbackUrl: 'ftp://x/' }, /callbackUrl/],
      ['POST', '/emulator/apps', { applicationKey: 'a'.repeat(500), applicationSecret: 'b', billerId, ref3Prefix: 'X', callbackUrl: 'http://x/' }, /applicationKey/],
      ['POST', '/emulator/payments', { billerId, ref1: 'REF', amount: 'ten' }, /amount/],
      ['POST', '/emulator/payments', { billerId, ref1: 'REF', amount: '1', callback: 'sometimes' }, /callback/],
      ['POST', '/emulator/payments', { billerId, ref1: 'REF', amount: '1', lateMs: -5 }, /lateMs/],
      ['POST', '/emulator/payments', { billerId, ref1: 'REF', amount: '1', sendingBankCode: 'SCB' }, /sendingBankCode/],
      ['POST', '/emulator/payments', { billerId, ref1: 'REF', amount: '1', amountAsNumber: 'yes' }, /amountAsNumber/],
      ['POST', '/emulator/payments', { qrRawData: 'hello' }, /qrRawData/],
      ['POST', '/emulator/payments', { billerId: 42, ref1: 'REF', amount: '1' }, /billerId/],
      ['PUT', '/emulator/switches', { rateLimit: 'no' }, /rateLimit/],
      ['POST', '/emulator/clock', { advanceMs: -1 }, /advanceMs/],
      ['POST', '/emulator/clock', {}, /advanceMs/],
      ['POST', '/emulator/reversals', {}, /transactionId/],
    ];
    for (const [method, path, body, message] of checks) {
      const reply = await h.control(method, path, body);
      assert.equal(reply.status, 400, `${method} ${path} ${JSON.stringify(body)} → ${reply.status}`);
      assert.match(reply.body.error, message);
    }
    assert.equal((await h.control('POST', '/emulator/payments', { billerId: otherBillerId, ref1: 'REF', amount: '1' })).status, 404);
    const huge = await h.control('POST', '/emulator/payments', { billerId, ref1: 'REF', amount: '1', payerName: 'x'.repeat(70 * 1024) });
    assert.equal(huge.status, 413);
    assert.match(huge.body.error, /64 KiB/);
    const wrongType = await h.call('POST', '/emulator/payments', { raw: 'billerId=1', headers: { 'content-type': 'text/plain' } });
    assert.equal(wrongType.status, 415);
    assertScbError(await h.call('GET', '/v1/nowhere'), 404, 1104);
    assert.equal((await h.control('GET', '/emulator/nowhere')).status, 404);
    // Still alive and still right.
    const clock = await h.control('GET', '/emulator/clock');
    assert.equal(clock.status, 200);
    await h.pay();
    await waitFor('the callback', () => h.receiver.received.length === 1);
  });
});

// ---------------------------------------------------------------- the command

describe('satang emulate scb', () => {
  let child: ChildProcess | undefined;
  after(() => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  test('prints its URL, answers the token endpoint, and exits cleanly on SIGTERM', async () => {
    child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'emulate', 'scb', '--port', '0'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    const spawned = child;
    let stdout = '';
    let stderr = '';
    spawned.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no line within 20 s; stderr: ${stderr}`)), 20_000);
      spawned.stdout?.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const match = /^SCB emulator listening on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(stdout);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
      spawned.once('exit', (code) => reject(new Error(`exited ${code}; stderr: ${stderr}`)));
    });
    const headers = { 'content-type': 'application/json', resourceOwnerId: 'cli-app', requestUId: 'cli-1' };
    const refused = await fetch(`${url}/v1/oauth/token`, { method: 'POST', headers, body: JSON.stringify({ applicationKey: 'cli-app', applicationSecret: 's' }) });
    assert.equal(refused.status, 401);
    assert.equal(((await refused.json()) as any).status.code, 9500);
    const registered = await fetch(`${url}/emulator/apps`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ applicationKey: 'cli-app', applicationSecret: 's', billerId, ref3Prefix: 'CLI', callbackUrl: 'http://127.0.0.1:9/' }),
    });
    assert.equal(registered.status, 201);
    const issued = await fetch(`${url}/v1/oauth/token`, { method: 'POST', headers, body: JSON.stringify({ applicationKey: 'cli-app', applicationSecret: 's' }) });
    assert.equal(issued.status, 200);
    const body = (await issued.json()) as any;
    assert.equal(body.status.code, 1000);
    assert.equal(body.data.expiresIn, 1800);
    const exited = new Promise<number | null>((resolve) => spawned.once('exit', (code) => resolve(code)));
    spawned.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.equal(stdout, `SCB emulator listening on ${url}\n`, 'exactly one line on stdout');
  });
});

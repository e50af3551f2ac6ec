/**
 * Live mode through SCB end to end (issue 18, DECISIONS §11), on both stores, against the SCB emulator in its own
 * process (`satang emulate scb`): a live charge's QR carries ref3; the emulator's payer pays it and its callback
 * reaches the gateway; the charge completes only after the inquiry agrees, and `charge.complete` is delivered.
 * A lost callback is found by the sweep; duplicate and forged callbacks change nothing; a token that expired is
 * asked for again; a payment after the deadline is reported, not applied; a restart between callback and inquiry
 * loses nothing; the Bangkok midnight. Time in live mode moves only through the clock this harness injects.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'promptparse';
import { chargeQrPayload } from '../../src/qr/payload.js';
import { changeSettings } from '../../src/usecases/accounts.js';
import { createRefund } from '../../src/usecases/refunds.js';
import type { ProviderConfirmation } from '../../src/store/schema.js';
import { inCi, makeKeys, openTestStore, postgresReady, postgresUrl, startTestGateway, type Keys, type TestGateway, type TestStore, injectRequest } from '../support/harness.js';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { releaseAll } from '../support/release.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const billerId = '010556012345601';
const ref3Prefix = 'SAT';
const bangkokHourMs = 3_600_000;

interface Emulator {
  url: string;
  child: ChildProcess;
  control<T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; json: T }>;
  stop(): Promise<void>;
}

/** `satang emulate scb` as its own process; its clock starts at `startAt` when given. */
async function startEmulator(startAt?: string): Promise<Emulator> {
  const args = ['--conditions=satang-source', '--import', 'tsx', join(repoRoot, 'src/cli.ts'), 'emulate', 'scb', '--port', '0'];
  if (startAt) args.push('--start-at', startAt);
  const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, http_proxy: '', https_proxy: '' } });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the emulator did not start: ${output}`)), 60_000);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /SCB emulator listening on (\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`the emulator exited (${code}): ${output}`)));
  });
  return {
    url,
    child,
    async control(method, path, body) {
      const response = await fetch(`${url}${path}`, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      return { status: response.status, json: await response.json() };
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

/** The clock the harness injects into the gateway: real time, moved by the test (live mode has no test clock). */
function movableClock(startMs = Date.now()) {
  const origin = Date.now();
  let offsetMs = startMs - origin;
  return { nowMs: () => Date.now() + offsetMs, advance: (ms: number) => void (offsetMs += ms) };
}

interface Live {
  store: TestStore;
  gateway: TestGateway;
  emulator: Emulator;
  receiver: Receiver;
  keys: Keys;
  clock: ReturnType<typeof movableClock>;
  secretsKey: Buffer;
  callbackUrl: string;
}

async function setUp(dialect: 'sqlite' | 'postgres', startAt?: string): Promise<Live> {
  const emulator = await startEmulator(startAt);
  const startMs = startAt ? Date.parse(startAt) : Date.now();
  const clock = movableClock(startMs);
  const store = await openTestStore(dialect, 'live scb');
  const secretsKey = randomBytes(32);
  const gateway = await startTestGateway(store.store, { listen: true, dispatch: true, webhookAllowPrivateTargets: true, wallClock: clock, scbBaseUrl: emulator.url, secretsKey });
  const keys = await makeKeys(store.store);
  const receiver = await startReceiver();
  const app = { applicationKey: `l7${randomBytes(8).toString('hex')}`, applicationSecret: randomBytes(16).toString('hex'), billerId, ref3Prefix };
  assert.equal((await emulator.control('POST', '/emulator/apps', { ...app, callbackUrl: 'http://127.0.0.1:9/placeholder' })).status, 201);
  const { callbackUrl } = await gateway.gateway.live.configureScb(keys.accountId, app);
  assert.equal((await emulator.control('POST', '/emulator/apps', { ...app, callbackUrl })).status, 201);
  await gateway.gateway.changes.system((tx) => changeSettings(tx, keys.accountId, { truemoneyQrLive: true }));
  const endpoint = await injectRequest(gateway.app, { method: 'POST', url: '/webhook_endpoints', key: keys.liveSecretKey, json: { url: `${receiver.url}/hooks` } });
  assert.equal(endpoint.status, 200, endpoint.body);
  return { store, gateway, emulator, receiver, keys, clock, secretsKey, callbackUrl };
}

async function tearDown(live: Live | undefined): Promise<void> {
  await releaseAll([
    ['the gateway', () => live?.gateway.close()],
    ['the emulator', () => live?.emulator.stop()],
    ['the receiver', () => live?.receiver.close()],
    ['the store', () => live?.store.drop()],
  ]);
}

async function liveCharge(live: Live, amount = 12345): Promise<any> {
  const created = await injectRequest(live.gateway.app, { method: 'POST', url: '/charges', key: live.keys.liveSecretKey, json: { amount, currency: 'THB', source: { type: 'truemoney_qr' } } });
  assert.equal(created.status, 200, created.body);
  assert.equal(created.json.livemode, true);
  return created.json;
}

/** The QR the customer scans: what the PNG at download_uri encodes (the same function draws it). */
async function qrOf(live: Live, chargeId: string): Promise<string> {
  const row = await live.store.store.read.selectFrom('charges').selectAll().where('id', '=', chargeId).executeTakeFirstOrThrow();
  return chargeQrPayload(row);
}

/** Time passes for the gateway and the bank alike (their clocks agree, as a real deployment's do). */
async function advanceBoth(live: Live, ms: number): Promise<void> {
  live.clock.advance(ms);
  assert.equal((await live.emulator.control('POST', '/emulator/clock', { advanceMs: ms })).status, 200);
}

async function getCharge(live: Live, id: string): Promise<any> {
  return (await injectRequest(live.gateway.app, { url: `/charges/${id}`, key: live.keys.liveSecretKey })).json;
}

async function confirmations(live: Live): Promise<ProviderConfirmation[]> {
  return live.store.store.read.selectFrom('provider_confirmations').selectAll().orderBy('received_at').execute();
}

/** Waits for the callback(s) the emulator sent to be answered and recorded. */
async function waitForCallbacks(live: Live, transactionId: string, count = 1): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const { json } = await live.emulator.control<any[]>('GET', `/emulator/callbacks?transactionId=${transactionId}`);
    if (json.filter((attempt) => attempt.ok).length >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  const { json } = await live.emulator.control<any[]>('GET', `/emulator/callbacks?transactionId=${transactionId}`);
  assert.fail(`no answered callback for ${transactionId}: ${JSON.stringify(json)}`);
}

async function pay(live: Live, chargeId: string, extra: Record<string, unknown> = {}): Promise<any> {
  const paid = await live.emulator.control('POST', '/emulator/payments', { qrRawData: await qrOf(live, chargeId), ...extra });
  assert.equal(paid.status, 201, JSON.stringify(paid.json));
  return paid.json;
}

function completions(live: Live, chargeId: string) {
  return live.receiver.received.filter((hook) => hook.json?.key === 'charge.complete' && hook.json?.data?.id === chargeId);
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  const name = `live mode through SCB, end to end [${dialect}]`;
  if (dialect === 'postgres' && !postgresReady) {
    if (inCi) test(name, () => assert.fail(`PostgreSQL is not reachable at ${postgresUrl}, and CI=true requires it`));
    else describe(name, { skip: `no PostgreSQL server at ${postgresUrl}` }, () => {});
    continue;
  }
  describe(name, () => {
    let live: Live;
    before(async () => {
      live = await setUp(dialect);
    });
    after(() => tearDown(live));

    test('pay → callback → inquiry → charge.complete: the QR carries ref3, the bank confirms, the webhook follows', async () => {
      const charge = await liveCharge(live);
      const qr = parse(await qrOf(live, charge.id), true)!;
      assert.ok(qr, 'the QR parses with a valid CRC');
      assert.equal(qr.getTagValue('30', '01'), billerId);
      const ref1 = qr.getTagValue('30', '02')!;
      assert.equal(qr.getTagValue('62', '07'), (ref3Prefix + ref1).slice(0, 20), "SCB's ref3 at 62.07: the prefix, then ref1");
      const payment = await pay(live, charge.id);
      await waitForCallbacks(live, payment.transactionId);
      // The callback is a hint: recorded and answered, the charge not yet changed.
      assert.equal((await getCharge(live, charge.id)).status, 'pending');
      const [recorded] = (await confirmations(live)).filter((row) => row.transaction_id === payment.transactionId);
      assert.equal(recorded.status, 'received');
      assert.equal(await live.gateway.gateway.live.runOnce(), 1);
      const paid = await getCharge(live, charge.id);
      assert.equal(paid.status, 'successful');
      // The funding source is Satang's record, not a field of Omise's charge (DECISIONS §11).
      const row = await live.store.store.read.selectFrom('charges').select(['funding_source']).where('id', '=', charge.id).executeTakeFirstOrThrow();
      assert.equal(row.funding_source, 'bank_account');
      assert.equal(paid.refundable, false);
      assert.equal(paid.can_perform_void, false);
      const evidence = await live.store.store.read.selectFrom('provider_payments').selectAll().where('charge_id', '=', charge.id).executeTakeFirstOrThrow();
      assert.equal(evidence.transaction_id, payment.transactionId);
      assert.equal(evidence.payer_bank, '014');
      assert.equal(evidence.amount, 12345);
      await live.receiver.waitFor(() => completions(live, charge.id).length === 1, 10_000);
      // Refunds and voids of a bank QR payment: refused, the transfer is the operator's (DECISIONS §11).
      const refund = await injectRequest(live.gateway.app, { method: 'POST', url: `/charges/${charge.id}/refunds`, key: live.keys.liveSecretKey, json: { amount: 12345 } });
      assert.equal(refund.status, 400);
      assert.equal(refund.json.code, 'failed_refund');
      assert.match(refund.json.message, /refunded by transfer/);
      const voided = await injectRequest(live.gateway.app, { method: 'POST', url: `/charges/${charge.id}/refunds`, key: live.keys.liveSecretKey, json: { amount: 12345, void: true } });
      assert.equal(voided.json.code, 'failed_void');
      // The operator refunds by transfer and records it (the dashboard's manual refund runs this use case).
      const scope = { accountId: live.keys.accountId, livemode: 1 };
      const manual = await live.gateway.gateway.changes.forAccount({ scope }, (tx, ctx) =>
        createRefund(tx, ctx, charge.id, { amount: 2345, voidRequested: false, metadata: {}, manualReference: 'SCB-TRF-0001' }),
      );
      assert.equal(manual.replayed, false);
      const refunds = await injectRequest(live.gateway.app, { url: `/charges/${charge.id}/refunds`, key: live.keys.liveSecretKey });
      assert.equal(refunds.json.data.length, 1);
      assert.equal(refunds.json.data[0].amount, 2345);
      assert.equal(refunds.json.data[0].voided, false);
      assert.equal(refunds.json.data[0].metadata.satang_manual_reference, 'SCB-TRF-0001');
      const ledger = await injectRequest(live.gateway.app, { url: '/transactions', key: live.keys.liveSecretKey });
      assert.ok(ledger.json.data.some((entry: any) => entry.direction === 'debit' && entry.amount === 2345), JSON.stringify(ledger.json.data));
      await live.receiver.waitFor((all) => all.some((hook) => hook.json?.key === 'refund.create' && hook.json?.data?.charge === charge.id), 10_000);
      assert.equal((await getCharge(live, charge.id)).refunded_amount, 2345);
      // A manual refund of a test charge, or one beyond what remains, is refused and changes nothing.
      await assert.rejects(
        live.gateway.gateway.changes.forAccount({ scope }, (tx, ctx) => createRefund(tx, ctx, charge.id, { amount: 10001, voidRequested: false, metadata: {}, manualReference: 'TOO-MUCH' })),
        /exceeds the remaining refundable amount of 10000/,
      );
      await assert.rejects(
        live.gateway.gateway.changes.forAccount({ scope }, (tx, ctx) => createRefund(tx, ctx, charge.id, { amount: 100, voidRequested: false, metadata: {}, manualReference: '' })),
        /the transfer's reference/,
      );
      assert.equal((await getCharge(live, charge.id)).refunded_amount, 2345);
    });

    test('a callback without a usable transaction id is refused and records nothing; an oversized one too', async () => {
      const before = (await confirmations(live)).length;
      const post = (body: string) => fetch(live.callbackUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const noId = await post(JSON.stringify({ amount: '100.00', billPaymentRef1: 'ABC' }));
      assert.equal(noId.status, 400);
      assert.equal(((await noId.json()) as any).code, 'bad_request');
      assert.equal((await post('{not json')).status, 400);
      const huge = await post(JSON.stringify({ transactionId: 'A1', padding: 'x'.repeat(20_000) }));
      assert.equal(huge.status, 400);
      assert.match(((await huge.json()) as any).message, /larger than 16384 bytes/);
      assert.equal((await confirmations(live)).length, before);
    });

    test('a lost callback: the reconciliation sweep finds the payment and completes the charge', async () => {
      const charge = await liveCharge(live, 20000);
      const payment = await pay(live, charge.id, { callback: 'lost' });
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal((await live.emulator.control<any[]>('GET', `/emulator/callbacks?transactionId=${payment.transactionId}`)).json.length, 0);
      assert.equal((await getCharge(live, charge.id)).status, 'pending');
      live.gateway.gateway.live.sweepNow();
      await live.gateway.gateway.live.runOnce();
      assert.equal((await getCharge(live, charge.id)).status, 'successful');
      const [found] = (await confirmations(live)).filter((row) => row.transaction_id === payment.transactionId);
      assert.equal(found.origin, 'sweep');
      assert.equal(found.status, 'confirmed');
      // The sweep decides with the row it read: the bank is asked about the reference once.
      const ref1 = parse(await qrOf(live, charge.id), true)!.getTagValue('30', '02');
      const asked = (await live.emulator.control<any[]>('GET', '/emulator/requests')).json.filter((request) => request.query?.reference1 === ref1);
      assert.equal(asked.length, 1, JSON.stringify(asked));
    });

    test('a duplicate callback is recorded once and completes the charge once', async () => {
      const charge = await liveCharge(live, 30000);
      const payment = await pay(live, charge.id, { callback: 'duplicate' });
      await waitForCallbacks(live, payment.transactionId, 2);
      assert.equal((await confirmations(live)).filter((row) => row.transaction_id === payment.transactionId).length, 1);
      await live.gateway.gateway.live.runOnce();
      await live.gateway.gateway.live.runOnce();
      assert.equal((await getCharge(live, charge.id)).status, 'successful');
      const events = await injectRequest(live.gateway.app, { url: `/charges/${charge.id}/events`, key: live.keys.liveSecretKey });
      assert.equal(events.json.data.filter((event: any) => event.key === 'charge.complete').length, 1);
    });

    test('a forged callback is answered but changes nothing: the inquiry does not hold it', async () => {
      const charge = await liveCharge(live, 40000);
      const qr = parse(await qrOf(live, charge.id), true)!;
      const forged = await live.emulator.control('POST', '/emulator/forged-callbacks', { billerId, ref1: qr.getTagValue('30', '02'), amount: '400.00' });
      assert.equal(forged.status, 201, JSON.stringify(forged.json));
      assert.equal(forged.json.answer?.resCode, '00', 'SCB gets its answer (or it would retry)');
      await live.gateway.gateway.live.runOnce();
      assert.equal((await getCharge(live, charge.id)).status, 'pending');
      const [row] = (await confirmations(live)).filter((confirmation) => confirmation.transaction_id === forged.json.sent.transactionId);
      assert.equal(row.status, 'rejected');
      assert.match(row.detail ?? '', /holds no transaction/);
      // An unknown callback secret is a 404 that records nothing.
      const unknown = await fetch(`${live.gateway.publicUrl}/providers/scb/callbacks/${'b'.repeat(64)}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(forged.json.sent) });
      assert.equal(unknown.status, 404);
    });

    test('a token SCB expired mid-flow is asked for again, and the inquiry still completes the charge', async () => {
      const charge = await liveCharge(live, 50000);
      // A token is cached from the earlier tests; the bank expires it.
      assert.equal((await live.emulator.control('POST', '/emulator/tokens/expire')).status, 200);
      const payment = await pay(live, charge.id);
      await waitForCallbacks(live, payment.transactionId);
      await live.gateway.gateway.live.runOnce();
      assert.equal((await getCharge(live, charge.id)).status, 'successful');
      const requests = (await live.emulator.control<any[]>('GET', '/emulator/requests')).json;
      const inquiries = requests.filter((request) => request.path.startsWith('/v1/payment/billpayment/inquiry'));
      assert.ok(inquiries.some((request) => request.status === 401), 'the expired token was refused once');
      assert.equal(inquiries.at(-1).status, 200);
    });

    test('a payment after the charge expired is reported as unapplied; the charge stays expired', async () => {
      const charge = await liveCharge(live, 60000);
      await advanceBoth(live, 25 * bangkokHourMs);
      await live.gateway.gateway.sweep.runOnce();
      assert.equal((await getCharge(live, charge.id)).status, 'expired');
      const payment = await pay(live, charge.id);
      await waitForCallbacks(live, payment.transactionId);
      await live.gateway.gateway.live.runOnce();
      assert.equal((await getCharge(live, charge.id)).status, 'expired');
      const [row] = (await confirmations(live)).filter((confirmation) => confirmation.transaction_id === payment.transactionId);
      assert.equal(row.status, 'unapplied');
      assert.equal(row.charge_id, charge.id);
      // Its callback lost, a late payment is found by the sweep (it asks about charges expired within the hour) and reported the same way.
      const other = await liveCharge(live, 61000);
      // A minute past its deadline (charges expire after 24 hours): its expired_at is its deadline.
      await advanceBoth(live, 24 * bangkokHourMs + 60_000);
      await live.gateway.gateway.sweep.runOnce();
      assert.equal((await getCharge(live, other.id)).status, 'expired');
      const late = await pay(live, other.id, { callback: 'lost' });
      live.gateway.gateway.live.sweepNow();
      await live.gateway.gateway.live.runOnce();
      assert.equal((await getCharge(live, other.id)).status, 'expired');
      const [swept] = (await confirmations(live)).filter((confirmation) => confirmation.transaction_id === late.transactionId);
      assert.ok(swept, JSON.stringify({ late, requests: (await live.emulator.control<any[]>('GET', '/emulator/requests')).json.slice(-12) }));
      assert.equal(swept.origin, 'sweep');
      assert.equal(swept.status, 'unapplied');
    });

    test('a restart between the callback and the inquiry loses nothing', async () => {
      const charge = await liveCharge(live, 70000);
      const payment = await pay(live, charge.id);
      await waitForCallbacks(live, payment.transactionId);
      // This process stops before its job asks the bank; a new one on the same database does.
      await live.gateway.close();
      live.gateway = await startTestGateway(live.store.store, { listen: true, dispatch: true, webhookAllowPrivateTargets: true, wallClock: live.clock, scbBaseUrl: live.emulator.url, secretsKey: live.secretsKey });
      await live.gateway.gateway.live.runOnce();
      assert.equal((await getCharge(live, charge.id)).status, 'successful');
    });
    test('satang accounts scb: the secret read from standard input, a token request first, the callback URL printed once; refused credentials change nothing', async () => {
      const app = { applicationKey: `l7cli${randomBytes(6).toString('hex')}`, applicationSecret: `cli-secret-${randomBytes(12).toString('hex')}`, billerId, ref3Prefix: 'CLI' };
      assert.equal((await live.emulator.control('POST', '/emulator/apps', { ...app, callbackUrl: live.callbackUrl })).status, 201);
      const location = live.store.location;
      const env: Record<string, string> = {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        SATANG_SECRETS_KEY: live.secretsKey.toString('base64'),
        SATANG_SCB_BASE_URL: live.emulator.url,
        SATANG_PUBLIC_URL: 'https://pay.shop.example',
        ...(location.databaseUrl ? { DATABASE_URL: location.databaseUrl, SATANG_DATABASE_SCHEMA: location.schema! } : { SATANG_DATA_DIR: location.dataDir }),
      };
      const cli = (args: string[], secret: string) =>
        spawnSync(process.execPath, ['--conditions=satang-source', '--import', 'tsx', join(repoRoot, 'src/cli.ts'), ...args], { cwd: repoRoot, env, input: `${secret}\n`, encoding: 'utf8', timeout: 60_000 });
      const args = ['accounts', 'scb', live.keys.accountId, '--application-key', app.applicationKey, '--biller-id', billerId, '--ref3-prefix', 'CLI'];
      const before = await live.store.store.read.selectFrom('provider_settings').selectAll().executeTakeFirstOrThrow();
      const refused = cli(args, 'wrong-secret');
      assert.notEqual(refused.status, 0);
      assert.match(refused.stderr, /SCB refused a token request/);
      assert.deepEqual(await live.store.store.read.selectFrom('provider_settings').selectAll().executeTakeFirstOrThrow(), before, 'nothing changed');
      const done = cli(args, app.applicationSecret);
      assert.equal(done.status, 0, done.stderr);
      const printed = /https:\/\/pay\.shop\.example\/providers\/scb\/callbacks\/([0-9a-f]{64})/.exec(done.stdout);
      assert.ok(printed, done.stdout);
      assert.doesNotMatch(done.stdout + done.stderr, new RegExp(app.applicationSecret));
      const saved = await live.store.store.read.selectFrom('provider_settings').selectAll().executeTakeFirstOrThrow();
      assert.equal(saved.ref3_prefix, 'CLI');
      assert.equal(saved.application_key, app.applicationKey);
      assert.ok(saved.verified_at !== null);
      assert.ok(!JSON.stringify(saved).includes(app.applicationSecret), 'the secret is kept sealed');
      assert.ok(!JSON.stringify(saved).includes(printed[1]), "only the callback secret's digest is kept");
      // The old callback URL no longer reaches the account; the new one does.
      const body = JSON.stringify({ transactionId: 'CLITEST0001', amount: '1.00', billPaymentRef1: 'NOSUCHREF', payeeProxyId: billerId, transactionDateandTime: '2026-11-30T12:00:00+07:00' });
      const old = `${live.gateway.publicUrl}${new URL(live.callbackUrl).pathname}`;
      assert.equal((await fetch(old, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).status, 404);
      const fresh = `${live.gateway.publicUrl}/providers/scb/callbacks/${printed[1]}`;
      assert.equal((await fetch(fresh, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).status, 200);
    });
  });

  describe(`live mode through SCB at the Bangkok midnight [${dialect}]`, () => {
    let live: Live;
    before(async () => {
      // 23:59:30 in Bangkok: the charge is made on one Bangkok date and paid on the next.
      live = await setUp(dialect, '2026-11-30T23:59:30+07:00');
    });
    after(() => tearDown(live));

    test('a charge made before midnight and paid after it, its callback lost, is found by the sweep on the new date', async () => {
      const charge = await liveCharge(live, 80000);
      await live.emulator.control('POST', '/emulator/clock', { advanceMs: 60_000 });
      live.clock.advance(60_000);
      const payment = await pay(live, charge.id, { callback: 'lost' });
      assert.match(payment.transactionDateandTime, /^2026-12-01T00:00:/);
      live.gateway.gateway.live.sweepNow();
      await live.gateway.gateway.live.runOnce();
      assert.equal((await getCharge(live, charge.id)).status, 'successful');
    });

    test('a callback just after midnight is confirmed by the inquiry of its own date', async () => {
      const charge = await liveCharge(live, 90000);
      const payment = await pay(live, charge.id);
      await waitForCallbacks(live, payment.transactionId);
      await live.gateway.gateway.live.runOnce();
      assert.equal((await getCharge(live, charge.id)).status, 'successful');
    });
  });
}

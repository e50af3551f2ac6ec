/**
 * The dashboard's part of live mode through SCB (issue 18, DECISIONS §11), on both stores and without the network:
 * a live charge is completed as the job does it (a recorded confirmation, decided on an inquiry row), then its page
 * shows the bank's evidence; an operator records a refund made by bank transfer (confirmed first), which the API
 * then shows as a refund with its reference, a ledger debit and a refund.create event; and the reconciliation report
 * lists what the bank and Satang disagree about, for the account in view only.
 */
import assert from 'node:assert/strict';
import type { BankPayment } from '../../src/domain/bank-payments.js';
import { readScbPayment } from '../../src/domain/scb.js';
import { randomBytes } from 'node:crypto';
import { before, test } from 'node:test';
import { findConfirmationByTransaction, insertConfirmation } from '../../src/store/providers.js';
import type { ProviderSettings } from '../../src/store/schema.js';
import { changeSettings } from '../../src/usecases/accounts.js';
import { valueOf } from '../../src/usecases/changes.js';
import { completeCharge, expireCharge } from '../../src/usecases/lifecycle.js';
import { applyConfirmation, type ConfirmationOutcome, recordConfirmation } from '../../src/usecases/live-provider.js';
import { addOperator, type DashboardClient, signIn } from '../support/dashboard.js';
import { describeEachStore, type Harness, withLiveProvider } from '../support/harness.js';

const billerId = '010556012345601';

/** An account's SCB settings as `satang accounts scb` leaves them (verified), and live TrueMoney QR turned on. */
/** A live provider (as `satang accounts scb` leaves it) and live TrueMoney QR turned on. */
async function liveProvider(h: Harness, accountId: string, ref3Prefix: string): Promise<ProviderSettings> {
  const settings = await withLiveProvider(h.store, accountId, ref3Prefix, billerId);
  await h.gateway.changes.system((tx) => changeSettings(tx, accountId, { truemoneyQrLive: true }));
  return settings;
}

async function newCharge(h: Harness, key: string, amount: number): Promise<any> {
  const res = await h.request({ method: 'POST', url: '/charges', key, json: { amount, currency: 'THB', source: { type: 'truemoney_qr' } } });
  assert.equal(res.status, 200, res.body);
  return res.json;
}

async function ref1Of(h: Harness, chargeId: string): Promise<string> {
  const row = await h.store.read.selectFrom('charges').select('qr_ref1').where('id', '=', chargeId).executeTakeFirstOrThrow();
  return row.qr_ref1;
}

function transactionId(): string {
  return `T${randomBytes(10).toString('hex').toUpperCase()}`;
}

/** SCB's time of now, as its callback writes it. */
function scbNow(): string {
  return `${new Date(Date.now() + 7 * 3_600_000).toISOString().slice(0, 19)}+07:00`;
}

interface Paid {
  transactionId: string;
  ref1: string;
  /** Baht as SCB writes it. */
  amount: string;
  payerName?: string;
}

function callbackBody(settings: ProviderSettings, paid: Paid): Record<string, unknown> {
  return {
    transactionId: paid.transactionId,
    payeeProxyId: settings.biller_id,
    billPaymentRef1: paid.ref1,
    amount: paid.amount,
    transactionDateandTime: scbNow(),
    sendingBankCode: '014',
    payerName: paid.payerName ?? 'Somchai J.',
    eventCode: '00300100',
  };
}

/** A payment as the bank describes it (its callback, or a row of its inquiry), read as the SCB client reads one. */
type BankRow = BankPayment;

function bankRow(settings: ProviderSettings, paid: Paid): BankRow {
  const row = readScbPayment(callbackBody(settings, paid));
  assert.ok(row, 'the callback has a usable transaction id');
  return row;
}

/** When the last confirmation was recorded: each one later than the one before, so "newest first" is one order. */
let lastRecordedMs = 0;

/**
 * What the job does with a callback: record it, then decide it on the inquiry's rows (by default, a row that holds
 * exactly what the callback said).
 */
async function confirmPayment(h: Harness, settings: ProviderSettings, paid: Paid, rows?: BankRow[]): Promise<ConfirmationOutcome> {
  const read = bankRow(settings, paid);
  const atMs = (lastRecordedMs = Math.max(Date.now(), lastRecordedMs + 1));
  assert.equal(await h.gateway.changes.system((tx) => recordConfirmation(tx, settings, read, 'callback', JSON.stringify(read.raw), atMs)), true);
  const confirmation = await findConfirmationByTransaction(h.store.read, 'scb', paid.transactionId);
  assert.ok(confirmation);
  const inquiry = rows ?? [read];
  return valueOf(await h.gateway.changes.forAccount({ scope: { accountId: settings.account_id, livemode: 1 } }, (tx, ctx) => applyConfirmation(tx, ctx, settings, confirmation, inquiry)));
}

/** A live charge paid at SCB and confirmed by the inquiry. */
async function paidLiveCharge(h: Harness, settings: ProviderSettings, key: string, amount: number, payerName?: string): Promise<{ charge: any; transactionId: string }> {
  const charge = await newCharge(h, key, amount);
  const paid = { transactionId: transactionId(), ref1: await ref1Of(h, charge.id), amount: (amount / 100).toFixed(2), payerName };
  const outcome = await confirmPayment(h, settings, paid);
  assert.equal(outcome.status, 'confirmed', JSON.stringify(outcome));
  return { charge, transactionId: paid.transactionId };
}

/** The hidden fields of a confirmation page's form (the CSRF token aside). */
function confirmationForm(html: string): Record<string, string> {
  const posted = /<form method="post" action="\/dashboard\/charges\/[^"]+\/manual-refund">[\s\S]*?<\/form>/.exec(html)?.[0];
  assert.ok(posted, 'the confirmation has its form');
  const form: Record<string, string> = {};
  for (const match of posted.matchAll(/<input type="hidden" name="([a-z_]+)" value="([^"]*)"/g)) if (match[1] !== '_csrf') form[match[1]] = match[2];
  return form;
}

const thai = (client: DashboardClient) => ({ cookie: `${client.cookie}; satang_lang=th` });

describeEachStore('dashboard: live mode through SCB (evidence, manual refunds, reconciliation)', (h) => {
  let settings: ProviderSettings;
  let otherSettings: ProviderSettings;
  /** An operator looking at live mode. */
  let operator: DashboardClient;
  /** The same operator in another session, looking at test mode. */
  let testMode: DashboardClient;
  /** A viewer looking at live mode. */
  let viewer: DashboardClient;

  const live = () => h.keys.liveSecretKey;
  const refundsOf = async (chargeId: string) => (await h.request({ url: `/charges/${chargeId}/refunds`, key: live() })).json.data as any[];
  const balance = async () => (await h.request({ url: '/balance', key: live() })).json.total as number;

  before(async () => {
    settings = await liveProvider(h, h.keys.accountId, 'SAT');
    otherSettings = await liveProvider(h, h.other.accountId, 'OTH');
    await addOperator(h.store, 'ops@example.com', undefined, 'operator');
    await addOperator(h.store, 'viewer@example.com', undefined, 'viewer');
    operator = await signIn(h.app, 'ops@example.com');
    testMode = await signIn(h.app, 'ops@example.com');
    viewer = await signIn(h.app, 'viewer@example.com');
    for (const client of [operator, viewer]) assert.equal((await client.post('/dashboard/session/mode', { mode: 'live' })).status, 303);
  });

  test("a confirmed live charge's page shows the bank's evidence and its confirmation; a pending one says there is none; test charges show nothing new", async () => {
    const pending = await newCharge(h, live(), 12000);
    const waiting = await operator.get(`/dashboard/charges/${pending.id}`);
    assert.equal(waiting.status, 200, waiting.body);
    assert.match(waiting.body, /Provider evidence/);
    assert.match(waiting.body, /data-test="no-provider-payment">SCB has not confirmed a payment of this charge\.</);
    assert.match(waiting.body, /data-test="no-confirmations">No confirmation from the bank names this charge\.</);

    const { charge, transactionId: paidTransaction } = await paidLiveCharge(h, settings, live(), 25000, 'Somchai <b>& Co');
    assert.equal((await h.request({ url: `/charges/${charge.id}`, key: live() })).json.status, 'successful');
    const shown = await operator.get(`/dashboard/charges/${charge.id}`);
    assert.equal(shown.status, 200, shown.body);
    assert.match(shown.body, new RegExp(`data-test="provider-transaction">${paidTransaction}<`));
    assert.match(shown.body, /data-test="payer-bank">014</);
    assert.match(shown.body, /data-test="payer-name">Somchai &lt;b&gt;&amp; Co</);
    assert.doesNotMatch(shown.body, /<b>& Co/, 'what the bank sent is escaped');
    assert.match(shown.body, /data-test="bank-paid-at">\d{4}-\d\d-\d\d \d\d:\d\d:\d\d</);
    assert.match(shown.body, /data-test="confirmed-at">\d{4}-\d\d-\d\d \d\d:\d\d:\d\d</);
    // The inquiry's row, as one compact line of JSON, escaped.
    const inquiry = /data-test="inquiry-row">([^<]*)</.exec(shown.body)?.[1];
    assert.ok(inquiry, 'the inquiry row is shown');
    const unescaped = inquiry.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    assert.equal(JSON.parse(unescaped).transactionId, paidTransaction);
    assert.equal(JSON.parse(unescaped).payerName, 'Somchai <b>& Co');
    assert.doesNotMatch(unescaped, /\n|": /, 'compact');
    assert.match(shown.body, /<tr data-confirmation-status="confirmed">/);
    assert.match(shown.body, /SCB(&#39;|')s callback/);
    assert.match(shown.body, />Confirmed</);
    const inThai = await operator.get(`/dashboard/charges/${charge.id}`, thai(operator));
    assert.match(inThai.body, /หลักฐานจากผู้ให้บริการ/);
    assert.match(inThai.body, />ยืนยันแล้ว</);
    assert.match(inThai.body, /การแจ้งกลับจาก SCB/);

    const testCharge = await newCharge(h, h.keys.secretKey, 19000);
    const testPage = await testMode.get(`/dashboard/charges/${testCharge.id}`);
    assert.equal(testPage.status, 200, testPage.body);
    assert.doesNotMatch(testPage.body, /Provider evidence|id="manual-refund"|manual-refund/);
    assert.equal((await testMode.get(`/dashboard/charges/${charge.id}`)).status, 404, 'a live charge is not in test mode');
  });

  test('a manual refund, confirmed first, records the refund with its reference, a ledger debit and refund.create; a viewer cannot post it', async () => {
    const { charge } = await paidLiveCharge(h, settings, live(), 30000);
    const chargePage = await operator.get(`/dashboard/charges/${charge.id}`);
    assert.match(chargePage.body, /data-test="manual-refund-form"/);
    assert.match(chargePage.body, /data-test="manual-refund-why">Allowed: up to ฿300\.00 can be recorded</);
    // The API's refund is refused for a bank QR payment: the page says to record the transfer instead.
    assert.match(chargePage.body, /bank QR payments are refunded by transfer; record the transfer as a manual refund/);
    const viewerPage = await viewer.get(`/dashboard/charges/${charge.id}`);
    assert.doesNotMatch(viewerPage.body, /data-test="manual-refund-form"/, 'a viewer is not offered the form');
    assert.match(viewerPage.body, /Provider evidence/);

    const confirmation = await operator.get(`/dashboard/charges/${charge.id}/manual-refund?amount=100&reference=${encodeURIComponent('  KBANK-TRF 0001 ')}`);
    assert.equal(confirmation.status, 200, confirmation.body);
    assert.match(confirmation.body, /Record a manual refund of ฿100\.00 for charge chrg_[0-9a-z_]+\?/);
    assert.match(confirmation.body, /reference KBANK-TRF 0001\. Satang moves no money\./);
    assert.match(confirmation.body, /balance goes down by ฿100\.00/);
    assert.match(confirmation.body, /Webhook event sent: <code>refund\.create<\/code>/);
    const form = confirmationForm(confirmation.body);
    assert.deepEqual(form, { confirm: 'yes', amount: '100.00', reference: 'KBANK-TRF 0001', seen: '0' });
    assert.deepEqual(await refundsOf(charge.id), [], 'looking at the confirmation changes nothing');

    const before = await balance();
    const byViewer = await viewer.post(`/dashboard/charges/${charge.id}/manual-refund`, form);
    assert.equal(byViewer.status, 403, byViewer.body);
    assert.match(byViewer.body, /Your role \(Viewer\) does not allow this\./);
    assert.deepEqual(await refundsOf(charge.id), []);

    const done = await operator.post(`/dashboard/charges/${charge.id}/manual-refund`, { ...form, reason: 'customer cancelled by phone' });
    assert.equal(done.status, 303, done.body);
    assert.equal(done.location, `/dashboard/charges/${charge.id}?notice=refunded_manually`);
    const refunds = await refundsOf(charge.id);
    assert.equal(refunds.length, 1);
    assert.equal(refunds[0].amount, 10000);
    assert.equal(refunds[0].voided, false);
    assert.equal(refunds[0].metadata.satang_manual_reference, 'KBANK-TRF 0001');
    assert.equal(await balance(), before - 10000, 'the ledger is debited the amount');
    const transactions = (await h.request({ url: '/transactions?limit=100&order=reverse_chronological', key: live() })).json.data as any[];
    const debit = transactions.find((x) => x.origin === refunds[0].id);
    assert.ok(debit, 'a ledger transaction for the refund');
    assert.equal(debit.direction, 'debit');
    assert.equal(debit.amount, 10000);
    const events = (await h.request({ url: '/events?limit=100&order=reverse_chronological', key: live() })).json.data as any[];
    const event = events.find((e) => e.key === 'refund.create' && e.data.id === refunds[0].id);
    assert.ok(event, 'a refund.create event');
    assert.equal(event.data.metadata.satang_manual_reference, 'KBANK-TRF 0001');

    const after = await operator.get(done.location!);
    assert.match(after.body, /The manual refund was recorded\./);
    assert.match(after.body, new RegExp(refunds[0].id));
    assert.match(after.body, /data-kind="manual">refund by bank transfer \(reference KBANK-TRF 0001\)</);
    assert.match(after.body, /data-test="manual-refund-why">Allowed: up to ฿200\.00 can be recorded</);
    const audit = await operator.get('/dashboard/audit');
    assert.match(audit.body, /Recorded a manual refund \(bank transfer\)/);
    assert.match(audit.body, /KBANK-TRF 0001/);
    assert.match(audit.body, /customer cancelled by phone/);

    // The same confirmation posted again: the charge has a refund since, so nothing is done.
    const again = await operator.post(`/dashboard/charges/${charge.id}/manual-refund`, form);
    assert.equal(again.status, 409, again.body);
    assert.equal((await refundsOf(charge.id)).length, 1);
  });

  test('an over-amount manual refund, or one without a reference, is refused in words and changes nothing', async () => {
    const { charge } = await paidLiveCharge(h, settings, live(), 50000);
    const confirmation = await operator.get(`/dashboard/charges/${charge.id}/manual-refund?amount=500.01&reference=TRF1`);
    assert.equal(confirmation.status, 200, confirmation.body);
    assert.match(confirmation.body, /data-test="refused">Not allowed: the amount is more than the ฿500\.00 left to give back</);
    assert.doesNotMatch(confirmation.body, /data-test="confirm"/);
    const before = await balance();
    const refused = await operator.post(`/dashboard/charges/${charge.id}/manual-refund`, { confirm: 'yes', amount: '500.01', reference: 'TRF1', seen: '0' });
    assert.equal(refused.status, 400, refused.body);
    assert.match(refused.body, /The manual refund was not recorded: the amount is more than the ฿500\.00 left to give back\. Nothing was done\./);
    const inThai = await operator.post(`/dashboard/charges/${charge.id}/manual-refund`, { confirm: 'yes', amount: '500.01', reference: 'TRF1', seen: '0' }, thai(operator));
    assert.equal(inThai.status, 400);
    assert.match(inThai.body, /ไม่ได้บันทึกการคืนเงินด้วยตนเอง/);
    for (const reference of [undefined, '   ', 'โอนแล้ว', 'x'.repeat(101)]) {
      const fields: Record<string, string> = { confirm: 'yes', amount: '10', seen: '0' };
      if (reference !== undefined) fields.reference = reference;
      const noReference = await operator.post(`/dashboard/charges/${charge.id}/manual-refund`, fields);
      assert.equal(noReference.status, 400, noReference.body);
      assert.match(noReference.body, /Enter the transfer(&#39;|')s reference: 1 to 100 English letters/);
    }
    const unconfirmed = await operator.post(`/dashboard/charges/${charge.id}/manual-refund`, { amount: '10', reference: 'TRF1', seen: '0' });
    assert.equal(unconfirmed.status, 400);
    assert.deepEqual(await refundsOf(charge.id), []);
    assert.equal(await balance(), before);
    // What is left in full, then nothing more.
    const full = await operator.post(`/dashboard/charges/${charge.id}/manual-refund`, { confirm: 'yes', amount: '500', reference: 'TRF2', seen: '0' });
    assert.equal(full.status, 303, full.body);
    const page = await operator.get(`/dashboard/charges/${charge.id}`);
    assert.match(page.body, /data-test="manual-refund-why">Not allowed: the charge has been refunded in full</);
    const more = await operator.post(`/dashboard/charges/${charge.id}/manual-refund`, { confirm: 'yes', amount: '1', reference: 'TRF3', seen: '1' });
    assert.equal(more.status, 400);
    assert.match(more.body, /The manual refund was not recorded: the charge has been refunded in full/);
  });

  test('in test mode the manual-refund form is not shown and the action refuses', async () => {
    const testCharge = await newCharge(h, h.keys.secretKey, 20000);
    assert.equal((await h.request({ method: 'POST', url: `/charges/${testCharge.id}/mark_as_paid`, key: h.keys.secretKey })).status, 200);
    const page = await testMode.get(`/dashboard/charges/${testCharge.id}`);
    assert.equal(page.status, 200);
    assert.doesNotMatch(page.body, /manual-refund/);
    const confirmation = await testMode.get(`/dashboard/charges/${testCharge.id}/manual-refund?amount=10&reference=TRF1`);
    assert.equal(confirmation.status, 200, confirmation.body);
    assert.match(confirmation.body, /data-test="refused">Not allowed: manual refunds are recorded for live charges only</);
    const refused = await testMode.post(`/dashboard/charges/${testCharge.id}/manual-refund`, { confirm: 'yes', amount: '10', reference: 'TRF1', seen: '0' });
    assert.equal(refused.status, 400, refused.body);
    assert.match(refused.body, /The manual refund was not recorded: manual refunds are recorded for live charges only\./);
    const refunds = await h.request({ url: `/charges/${testCharge.id}/refunds`, key: h.keys.secretKey });
    assert.deepEqual(refunds.json.data, []);
    const unknown = await testMode.post('/dashboard/charges/chrg_test_0000000000000000000/manual-refund', { confirm: 'yes', amount: '10', reference: 'TRF1', seen: '0' });
    assert.equal(unknown.status, 404);
  });

  test("the reconciliation report lists what the bank and Satang disagree about, for the account in view only", async () => {
    // Paid after the charge ended: unapplied.
    const expired = await newCharge(h, live(), 17000);
    valueOf(await h.gateway.changes.forAccount({ scope: { accountId: h.keys.accountId, livemode: 1 } }, (tx, ctx) => expireCharge(tx, ctx, expired.id)));
    const lateTransaction = transactionId();
    assert.equal((await confirmPayment(h, settings, { transactionId: lateTransaction, ref1: await ref1Of(h, expired.id), amount: '170.00' })).status, 'unapplied');
    // Paid with a reference no charge has: unmatched.
    const strayTransaction = transactionId();
    assert.equal((await confirmPayment(h, settings, { transactionId: strayTransaction, ref1: 'NOSUCHREF00000001', amount: '12.34' })).status, 'unmatched');
    // A callback the inquiry does not hold (forged), naming a pending charge's reference: rejected.
    const target = await newCharge(h, live(), 18000);
    const forgedTransaction = transactionId();
    assert.equal((await confirmPayment(h, settings, { transactionId: forgedTransaction, ref1: await ref1Of(h, target.id), amount: '180.00' }, [])).status, 'rejected');
    // The inquiry's row differs from the charge (the amount): rejected, naming the charge.
    const mismatchedTransaction = transactionId();
    const mismatched = bankRow(settings, { transactionId: mismatchedTransaction, ref1: await ref1Of(h, target.id), amount: '8.00' });
    assert.equal((await confirmPayment(h, settings, { transactionId: mismatchedTransaction, ref1: await ref1Of(h, target.id), amount: '180.00' }, [mismatched])).status, 'rejected');
    assert.equal((await h.request({ url: `/charges/${target.id}`, key: live() })).json.status, 'pending', 'rejected confirmations change no charge');
    // Successful in Satang without the bank's evidence.
    const unproven = await newCharge(h, live(), 16600);
    valueOf(
      await h.gateway.changes.forAccount({ scope: { accountId: h.keys.accountId, livemode: 1 } }, (tx, ctx) =>
        completeCharge(tx, ctx, unproven.id, { outcome: 'successful', fundingSource: 'bank_account' }, 'provider'),
      ),
    );
    const { charge: proven } = await paidLiveCharge(h, settings, live(), 14400);
    // Another account's: never on this account's report.
    const othersCharge = await newCharge(h, h.other.liveSecretKey, 19900);
    valueOf(await h.gateway.changes.forAccount({ scope: { accountId: h.other.accountId, livemode: 1 } }, (tx, ctx) => expireCharge(tx, ctx, othersCharge.id)));
    const othersTransaction = transactionId();
    assert.equal((await confirmPayment(h, otherSettings, { transactionId: othersTransaction, ref1: await ref1Of(h, othersCharge.id), amount: '199.00' })).status, 'unapplied');
    const othersForged = transactionId();
    assert.equal((await confirmPayment(h, otherSettings, { transactionId: othersForged, ref1: 'OTHERREF0001', amount: '1.00' }, [])).status, 'rejected');

    const report = await viewer.get('/dashboard/reconciliation');
    assert.equal(report.status, 200, report.body);
    assert.match(report.body, /href="\/dashboard\/reconciliation" class="on"/, 'linked from the navigation in live mode');
    const section = (id: string) => new RegExp(`<table class="stack" id="${id}"[\\s\\S]*?</table>`).exec(report.body)?.[0] ?? '';
    const bankOnly = section('bank-only');
    const rows = (html: string) => [...html.matchAll(/data-transaction="([A-Z0-9]+)"/g)].map((m) => m[1]);
    assert.deepEqual(rows(bankOnly), [strayTransaction, lateTransaction], 'newest first');
    assert.match(bankOnly, new RegExp(`<tr data-confirmation-status="unapplied" data-transaction="${lateTransaction}">[\\s\\S]*?170\\.00[\\s\\S]*?href="/dashboard/charges/${expired.id}"[\\s\\S]*?paid at the bank, but`));
    assert.match(bankOnly, /Paid, not applied/);
    assert.match(bankOnly, /Paid, no such charge/);
    assert.match(bankOnly, /NOSUCHREF00000001/);
    const rejected = section('rejected');
    assert.deepEqual(rows(rejected), [mismatchedTransaction, forgedTransaction]);
    assert.equal([...rejected.matchAll(new RegExp(`href="/dashboard/charges/${target.id}"`, 'g'))].length, 2, 'both name the charge whose reference they carried');
    assert.match(rejected, /Rejected \(forged or mismatched\)/);
    const unconfirmed = section('unconfirmed-charges');
    assert.match(unconfirmed, new RegExp(unproven.id));
    assert.doesNotMatch(unconfirmed, new RegExp(proven.id), 'a confirmed charge has its evidence');
    for (const foreign of [othersTransaction, othersForged, othersCharge.id]) assert.doesNotMatch(report.body, new RegExp(foreign), 'another account’s never shows');
    assert.doesNotMatch(report.body, /data-test="[a-z-]+-more"/, 'fewer than the bound');
    const inThai = await viewer.get('/dashboard/reconciliation', thai(viewer));
    assert.match(inThai.body, /กระทบยอดกับ SCB/);
    assert.match(inThai.body, /ชำระแล้ว แต่ไม่ได้นำไปใช้กับรายการ/);
    // The unapplied payment shows on its charge's page too.
    const expiredPage = await viewer.get(`/dashboard/charges/${expired.id}`);
    assert.match(expiredPage.body, /<tr data-confirmation-status="unapplied">/);
    assert.match(expiredPage.body, /data-test="no-provider-payment"/);

    // The other account's operator sees its own, and none of this account's.
    assert.equal((await viewer.post('/dashboard/session/account', { account: h.other.accountId })).status, 303);
    const others = await viewer.get('/dashboard/reconciliation');
    assert.match(others.body, new RegExp(othersTransaction));
    assert.match(others.body, new RegExp(othersForged));
    for (const mine of [lateTransaction, strayTransaction, forgedTransaction, mismatchedTransaction, unproven.id]) assert.doesNotMatch(others.body, new RegExp(mine));
    assert.equal((await viewer.get(`/dashboard/charges/${expired.id}`)).status, 404);
    assert.equal((await viewer.post('/dashboard/session/account', { account: h.keys.accountId })).status, 303);

    // In test mode: no link, and the page says the report is about live mode.
    const testReport = await testMode.get('/dashboard/reconciliation');
    assert.equal(testReport.status, 200);
    assert.match(testReport.body, /data-test="reconciliation-test-mode"/);
    assert.doesNotMatch((await testMode.get('/dashboard')).body, /href="\/dashboard\/reconciliation"/);
  });

  test('the report is bounded: the newest 100 of each list, saying there are more', async () => {
    const now = Date.now();
    for (let i = 0; i < 101; i++) {
      await h.gateway.changes.system((tx) =>
        insertConfirmation(tx, {
          id: `prcf_live_bound${String(i).padStart(14, '0')}`,
          account_id: h.other.accountId,
          provider: 'scb',
          transaction_id: `BOUND${String(i).padStart(6, '0')}`,
          origin: 'sweep',
          body: '{}',
          ref1: 'BOUNDREF',
          amount: 100,
          paid_at: now,
          status: 'unverified',
          detail: "SCB's inquiry did not answer",
          charge_id: null,
          attempts: 12,
          next_attempt_at: now,
          received_at: now + i,
          decided_at: now + i,
        }),
      );
    }
    assert.equal((await viewer.post('/dashboard/session/account', { account: h.other.accountId })).status, 303);
    const report = await viewer.get('/dashboard/reconciliation');
    assert.equal(report.status, 200);
    const bankOnly = /<table class="stack" id="bank-only"[\s\S]*?<\/table>/.exec(report.body)?.[0] ?? '';
    assert.equal([...bankOnly.matchAll(/<tr data-confirmation-status=/g)].length, 100);
    assert.match(bankOnly, /BOUND000100/, 'the newest');
    assert.doesNotMatch(report.body, /BOUND000000/, 'the oldest is left out');
    assert.match(report.body, /data-test="bank-only-more">There are more than 100: only the newest 100 are shown\.</);
    assert.match(report.body, /Unverified \(the bank never answered\)/);
    assert.equal((await viewer.post('/dashboard/session/account', { account: h.keys.accountId })).status, 303);
  });
  test("another account's confirmation never touches this account's charge, and its manual refund cannot be recorded from here", async () => {
    const mine = await newCharge(h, live(), 15500);
    const theirs = await newCharge(h, h.other.liveSecretKey, 15500);
    // The other account's callback URL, naming this account's charge by its ref1 (as a forger who knew it would): no live
    // charge of the other account has that ref1, so nothing changes here.
    const stray = await confirmPayment(h, otherSettings, { transactionId: transactionId(), ref1: await ref1Of(h, mine.id), amount: '155.00' });
    assert.equal(stray.status, 'unmatched');
    assert.equal(stray.chargeId, null);
    assert.equal((await h.request({ url: `/charges/${mine.id}`, key: live() })).json.status, 'pending');
    // This account's operator, on the other account's charge: not found, nothing recorded.
    const paid = await paidLiveCharge(h, otherSettings, h.other.liveSecretKey, 16600);
    const page = await operator.get(`/dashboard/charges/${paid.charge.id}/manual-refund?amount=10&reference=TRF1`);
    assert.equal(page.status, 404, page.body);
    const posted = await operator.post(`/dashboard/charges/${paid.charge.id}/manual-refund`, { confirm: 'yes', amount: '10.00', reference: 'TRF1', seen: '0' });
    assert.equal(posted.status, 404, posted.body);
    assert.deepEqual((await h.request({ url: `/charges/${paid.charge.id}/refunds`, key: h.other.liveSecretKey })).json.data, []);
    assert.equal((await h.request({ url: `/charges/${theirs.id}`, key: h.other.liveSecretKey })).json.status, 'pending');
  });
});

/**
 * The TrueMoney wallet simulator's JSON API (DECISIONS §4): it reads the QR's text, refuses every bad
 * or unpayable code with a clear error that changes nothing, and completes charges through the one
 * completion path: approve with a funding source (seen in the charge's refund flags), decline as
 * failed_processing, one winner when an approval and a decline race.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PNG } from 'pngjs';
import { encode, tag, withCrcTag } from 'promptparse';
import { chargeQrPayload, billPaymentPayload } from '../../src/qr/payload.js';
import { findAccount, updateAccount } from '../../src/store/accounts.js';
import { createCharge } from '../../src/usecases/payments.js';
import { describeEachStore, type Harness, type Keys, withLiveProvider } from '../support/harness.js';

async function newCharge(h: Harness, keys: Keys = h.keys, amount = 40000) {
  const res = await h.request({ method: 'POST', url: '/charges', key: keys.secretKey, json: { amount, currency: 'THB', source: { type: 'truemoney_qr' } } });
  assert.equal(res.status, 200, res.body);
  return res.json;
}

/** The QR text of a charge, read from the page a customer gets (its simulator link carries the payload). */
async function payloadOf(h: Harness, charge: any): Promise<string> {
  const path = new URL(charge.authorize_uri).pathname;
  const page = await h.request({ url: path });
  assert.equal(page.status, 200);
  const match = /href="\/simulator\?payload=([^"]+)"/.exec(page.body);
  assert.ok(match, 'the hosted page links to the simulator with its QR');
  return decodeURIComponent(match[1]);
}

async function chargeNow(h: Harness, id: string, keys: Keys = h.keys) {
  return (await h.request({ url: `/charges/${id}`, key: keys.secretKey })).json;
}

async function completeEvents(h: Harness, id: string) {
  const events = await h.request({ url: `/charges/${id}/events`, key: h.keys.secretKey });
  return events.json.data.filter((event: any) => event.key === 'charge.complete');
}

describeEachStore('wallet simulator JSON API', (h) => {
  test('scan shows merchant, amount and reference of a pending charge', async () => {
    const charge = await newCharge(h);
    const payload = await payloadOf(h, charge);
    const scan = await h.request({ method: 'POST', url: '/simulator/scan', json: { payload } });
    assert.equal(scan.status, 200, scan.body);
    const account = (await findAccount(h.store.read, h.keys.accountId))!;
    assert.equal(scan.json.object, 'wallet_scan');
    assert.equal(scan.json.charge, charge.id);
    assert.equal(scan.json.payment_ref, charge.source.provider_references?.reference_number_1 ?? charge.authorize_uri.split('/')[4]);
    assert.equal(scan.json.merchant_name, account.merchant_name);
    assert.equal(scan.json.biller_id, account.biller_id);
    assert.equal(scan.json.amount, 40000);
    assert.equal(scan.json.status, 'pending');
    assert.equal(scan.json.expires_at, charge.expires_at);
    assert.deepEqual(scan.json.funding_sources, ['wallet_balance', 'bank_account', 'credit_card', 'pay_next', 'pay_next_extra']);
    // A form body works too, and scanning changes nothing.
    const form = await h.request({ method: 'POST', url: '/simulator/scan', form: `payload=${encodeURIComponent(payload)}` });
    assert.equal(form.json.charge, charge.id);
    assert.equal((await chargeNow(h, charge.id)).status, 'pending');
  });

  test('malformed payloads and a broken CRC are 400 bad_request with a reason, and change nothing', async () => {
    const charge = await newCharge(h);
    const payload = await payloadOf(h, charge);
    const lastCrcDigit = payload.at(-1) === '0' ? '1' : '0';
    const notBillPayment = withCrcTag(encode([tag('00', '01'), tag('01', '12'), tag('29', encode([tag('00', 'A000000677010111'), tag('01', '0066812345678')])), tag('53', '764'), tag('54', '400.00'), tag('58', 'TH')]), '63', true);
    const cases: Array<[unknown, RegExp]> = [
      [undefined, /payload is required/],
      ['', /payload is required/],
      [12345, /payload is required/],
      ['hello world', /cannot be read/],
      ['ข้อความ', /printable ASCII/],
      ['x'.repeat(600), /at most 512/],
      [payload.slice(0, -1) + lastCrcDigit, /checksum \(CRC\) does not match/],
      [payload.slice(0, -8), /no checksum/],
      [payload.replace('5406400.00', '5406900.00'), /checksum \(CRC\) does not match/],
      [notBillPayment, /not a Thai QR bill payment/],
    ];
    for (const [given, message] of cases) {
      for (const url of ['/simulator/scan', '/simulator/approve', '/simulator/decline']) {
        const res = await h.request({ method: 'POST', url, json: given === undefined ? {} : { payload: given } });
        assert.equal(res.status, 400, `${url} ${String(given).slice(0, 40)}: ${res.body}`);
        assert.equal(res.json.object, 'error');
        assert.equal(res.json.code, 'bad_request');
        assert.match(res.json.message, message);
      }
    }
    assert.equal((await chargeNow(h, charge.id)).status, 'pending');
  });

  test('a well-formed QR that names no payment is 404; one whose amount or biller differs is 400', async () => {
    const charge = await newCharge(h);
    const account = (await findAccount(h.store.read, h.keys.accountId))!;
    const ref1 = (await h.request({ method: 'POST', url: '/simulator/scan', json: { payload: await payloadOf(h, charge) } })).json.reference;
    const qr = (over: Partial<Parameters<typeof billPaymentPayload>[0]>) =>
      billPaymentPayload({ billerId: account.biller_id, ref1, amountSatang: 40000, merchantName: account.merchant_name, ...over });

    const unknown = await h.request({ method: 'POST', url: '/simulator/approve', json: { payload: qr({ ref1: 'ZZZZZZZZZZZZZZZZZZZ' }) } });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.code, 'not_found');
    assert.match(unknown.json.message, /no payment is waiting for this QR code/);

    const wrongAmount = await h.request({ method: 'POST', url: '/simulator/approve', json: { payload: qr({ amountSatang: 10000 }) } });
    assert.equal(wrongAmount.status, 400);
    assert.match(wrongAmount.json.message, /QR amount \(THB 100\.00\) does not match the payment \(THB 400\.00\)/);

    const wrongBiller = await h.request({ method: 'POST', url: '/simulator/approve', json: { payload: qr({ billerId: '999999999999999' }) } });
    assert.equal(wrongBiller.status, 400);
    assert.match(wrongBiller.json.message, /biller id does not match/);
    assert.equal((await chargeNow(h, charge.id)).status, 'pending');
  });

  test('approve with each funding source: successful, and the flags follow the void/refund matrix', async () => {
    // Inside the void window: every source may be voided in full; only wallet and bank in part (DECISIONS §5).
    const partial = { wallet_balance: true, bank_account: true, credit_card: false, pay_next: false, pay_next_extra: false };
    for (const [fundingSource, partiallyRefundable] of Object.entries(partial)) {
      const charge = await newCharge(h);
      const res = await h.request({ method: 'POST', url: '/simulator/approve', json: { payload: await payloadOf(h, charge), funding_source: fundingSource } });
      assert.equal(res.status, 200, res.body);
      assert.equal(res.json.object, 'wallet_payment');
      assert.equal(res.json.status, 'successful');
      assert.equal(res.json.funding_source, fundingSource);
      const paid = await chargeNow(h, charge.id);
      assert.equal(paid.status, 'successful');
      assert.equal(paid.paid, true);
      assert.equal(paid.refundable, true, fundingSource);
      assert.equal(paid.can_perform_void, true, fundingSource);
      assert.equal(paid.partially_refundable, partiallyRefundable, fundingSource);
      assert.ok(paid.net > 0 && paid.transaction, 'credited like any successful charge');
      assert.equal((await completeEvents(h, charge.id)).length, 1);
    }
    // Without a funding source the wallet balance pays; an unknown one is refused.
    const charge = await newCharge(h);
    const payload = await payloadOf(h, charge);
    const bad = await h.request({ method: 'POST', url: '/simulator/approve', json: { payload, funding_source: 'gold_bars' } });
    assert.equal(bad.status, 400);
    assert.match(bad.json.message, /funding_source must be one of wallet_balance/);
    const plain = await h.request({ method: 'POST', url: '/simulator/approve', json: { payload } });
    assert.equal(plain.json.funding_source, 'wallet_balance');
  });

  test('decline fails the charge with failed_processing; a used QR cannot be used again', async () => {
    const charge = await newCharge(h);
    const payload = await payloadOf(h, charge);
    const declined = await h.request({ method: 'POST', url: '/simulator/decline', json: { payload } });
    assert.equal(declined.status, 200, declined.body);
    assert.equal(declined.json.status, 'failed');
    assert.equal(declined.json.funding_source, null);
    const failed = await chargeNow(h, charge.id);
    assert.equal(failed.status, 'failed');
    assert.equal(failed.failure_code, 'failed_processing');
    assert.equal(failed.failure_message, 'payment processing failed');
    assert.equal(failed.transaction, null);
    for (const url of ['/simulator/scan', '/simulator/approve', '/simulator/decline']) {
      const again = await h.request({ method: 'POST', url, json: { payload } });
      assert.equal(again.status, 400, url);
      assert.match(again.json.message, /this QR code was already used: the payment is failed/);
    }
    const paidCharge = await newCharge(h);
    const paidPayload = await payloadOf(h, paidCharge);
    assert.equal((await h.request({ method: 'POST', url: '/simulator/approve', json: { payload: paidPayload } })).status, 200);
    const twice = await h.request({ method: 'POST', url: '/simulator/decline', json: { payload: paidPayload } });
    assert.match(twice.json.message, /already used: the payment is successful/);
    assert.equal((await chargeNow(h, paidCharge.id)).status, 'successful');
  });

  test('an expired QR is refused: expired by the API, or past its deadline on the test clock', async () => {
    const expired = await newCharge(h);
    const payload = await payloadOf(h, expired);
    assert.equal((await h.request({ method: 'POST', url: `/charges/${expired.id}/expire`, key: h.keys.secretKey })).status, 200);
    for (const url of ['/simulator/scan', '/simulator/approve']) {
      const res = await h.request({ method: 'POST', url, json: { payload } });
      assert.equal(res.status, 400);
      assert.match(res.json.message, /this QR code has expired: the payment expired at \d{4}-/);
    }
    // The other account's clock moves; its charge is past the deadline before any sweep has run.
    const overdue = await newCharge(h, h.other);
    const overduePayload = await payloadOf(h, overdue);
    const advanced = await h.request({ method: 'POST', url: '/test/clock/advance', key: h.other.secretKey, json: { seconds: 24 * 3600 + 1 } });
    assert.equal(advanced.status, 200);
    const late = await h.request({ method: 'POST', url: '/simulator/approve', json: { payload: overduePayload } });
    assert.equal(late.status, 400);
    assert.match(late.json.message, new RegExp(`expired at ${overdue.expires_at}`));
    assert.equal((await chargeNow(h, overdue.id, h.other)).paid, false);
  });

  test('live charges are refused with 403 not_authorized and stay pending', async () => {
    // A live provider as `satang accounts scb` leaves it (no network), and a live charge made behind the API's back.
    await withLiveProvider(h.store, h.keys.accountId);
    await h.store.transaction((tx) => updateAccount(tx, h.keys.accountId, { truemoney_qr_live: 1 }));
    const live = await h.store.transaction((tx) =>
      createCharge(tx, { scope: { accountId: h.keys.accountId, livemode: 1 }, nowMs: Date.now(), publicUrl: h.publicUrl }, {
        amount: 40000, currency: 'THB', source: { type: 'truemoney_qr' }, description: null, metadata: {}, returnUri: null, ip: null, webhookEndpoints: null,
      }),
    );
    await h.store.transaction((tx) => updateAccount(tx, h.keys.accountId, { truemoney_qr_live: 0 }));
    const account = (await findAccount(h.store.read, h.keys.accountId))!;
    // The QR a live charge carries (with SCB's ref3, DECISIONS §11).
    const payload = chargeQrPayload(live.charge);
    assert.equal(live.charge.qr_biller_id, account.biller_id);
    for (const url of ['/simulator/scan', '/simulator/approve', '/simulator/decline']) {
      const res = await h.request({ method: 'POST', url, json: { payload } });
      assert.equal(res.status, 403, url);
      assert.equal(res.json.code, 'not_authorized');
      assert.match(res.json.message, /only available in test mode/);
    }
    // A request may carry a key; a live one is refused, an unknown one fails authentication.
    const test = await newCharge(h);
    const testPayload = await payloadOf(h, test);
    const withLiveKey = await h.request({ method: 'POST', url: '/simulator/scan', key: h.keys.liveSecretKey, json: { payload: testPayload } });
    assert.equal(withLiveKey.status, 403);
    assert.equal(withLiveKey.json.code, 'not_authorized');
    const withBadKey = await h.request({ method: 'POST', url: '/simulator/scan', key: 'skey_test_nobodyhasthiskey12', json: { payload: testPayload } });
    assert.equal(withBadKey.status, 401);
    const withTestKey = await h.request({ method: 'POST', url: '/simulator/scan', key: h.keys.publicKey, json: { payload: testPayload } });
    assert.equal(withTestKey.status, 200);
    const page = await h.request({ url: `/payments/${live.charge.payment_ref}/authorize` });
    assert.equal(page.status, 200);
    assert.doesNotMatch(page.body, /\/simulator\?payload=/, 'no simulator link for a live payment');
    assert.equal((await h.request({ url: `/charges/${live.charge.id}`, key: h.keys.liveSecretKey })).json.status, 'pending');
  });

  test('an approval and a decline racing: exactly one wins, one charge.complete', async () => {
    for (let round = 0; round < 5; round++) {
      const charge = await newCharge(h);
      const payload = await payloadOf(h, charge);
      const answers = await Promise.all([
        h.request({ method: 'POST', url: '/simulator/approve', json: { payload, funding_source: 'bank_account' } }),
        h.request({ method: 'POST', url: '/simulator/decline', json: { payload } }),
        h.request({ method: 'POST', url: '/simulator/approve', json: { payload } }),
      ]);
      const winners = answers.filter((res) => res.status === 200);
      assert.equal(winners.length, 1, answers.map((res) => res.body).join('\n'));
      for (const loser of answers.filter((res) => res.status !== 200)) {
        assert.equal(loser.status, 400);
        assert.match(loser.json.message, /already used|not pending/);
      }
      assert.equal((await chargeNow(h, charge.id)).status, winners[0].json.status);
      assert.equal((await completeEvents(h, charge.id)).length, 1);
    }
  });

  test('an image instead of the text: the QR PNG from download_uri is read; bad images get a reason', async () => {
    const charge = await newCharge(h);
    const download = await h.request({ url: new URL(charge.source.scannable_code.image.download_uri).pathname });
    assert.equal(download.status, 200);
    const image = download.raw.toString('base64');
    const scan = await h.request({ method: 'POST', url: '/simulator/scan', json: { image } });
    assert.equal(scan.status, 200, scan.body);
    assert.equal(scan.json.charge, charge.id);
    const blank = new PNG({ width: 40, height: 40 });
    blank.data.fill(255);
    const huge = PNG.sync.write(new PNG({ width: 1, height: 1 }));
    huge.writeUInt32BE(5000, 16);
    huge.writeUInt32BE(5000, 20);
    const cases: Array<[string, RegExp]> = [
      ['not base64!', /must be a base64 PNG/],
      [Buffer.from('GIF89a').toString('base64'), /not a PNG/],
      [PNG.sync.write(blank).toString('base64'), /no QR code was found/],
      [huge.toString('base64'), /at most 4000000 pixels \(it is 5000x5000\)/],
    ];
    for (const [given, message] of cases) {
      const res = await h.request({ method: 'POST', url: '/simulator/approve', json: { image: given } });
      assert.equal(res.status, 400, res.body);
      assert.match(res.json.message, message);
    }
    assert.equal((await chargeNow(h, charge.id)).status, 'pending');
    const paid = await h.request({ method: 'POST', url: '/simulator/approve', json: { image: `data:image/png;base64,${image}`, funding_source: 'bank_account' } });
    assert.equal(paid.status, 200, paid.body);
    assert.equal((await chargeNow(h, charge.id)).status, 'successful');
  });

  test('the simulator page: scan, approve by form, errors as pages', async () => {
    const charge = await newCharge(h);
    const payload = await payloadOf(h, charge);
    const empty = await h.request({ url: '/simulator' });
    assert.equal(empty.status, 200);
    assert.match(String(empty.headers['content-type']), /^text\/html/);
    assert.match(empty.body, /id="scan"/);
    const scanned = await h.request({ url: `/simulator?payload=${encodeURIComponent(payload)}` });
    assert.equal(scanned.status, 200);
    assert.match(scanned.body, /id="amount">฿400\.00</);
    assert.match(scanned.body, /value="pay_next_extra"/);
    const broken = await h.request({ url: `/simulator?payload=${encodeURIComponent(payload.slice(0, -1) + (payload.endsWith('0') ? '1' : '0'))}` });
    assert.equal(broken.status, 400);
    assert.match(broken.body, /checksum \(CRC\) does not match/);
    const noDecision = await h.request({ method: 'POST', url: '/simulator', form: `payload=${encodeURIComponent(payload)}&decision=maybe` });
    assert.equal(noDecision.status, 400);
    assert.match(noDecision.body, /decision must be approve or decline/);
    const approved = await h.request({ method: 'POST', url: '/simulator', form: `payload=${encodeURIComponent(payload)}&decision=approve&funding_source=pay_next` });
    assert.equal(approved.status, 200);
    assert.match(approved.body, /data-status="successful"/);
    assert.match(approved.body, /Pay Next/);
    assert.equal((await chargeNow(h, charge.id)).partially_refundable, false);
    const script = await h.request({ url: '/simulator/assets/jsqr.js' });
    assert.equal(script.status, 200);
    assert.match(String(script.headers['content-type']), /javascript/);
  });
});

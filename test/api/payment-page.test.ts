/**
 * The hosted payment page at authorize_uri and its status endpoint (DECISIONS §3): what the customer
 * sees in each state, the clock it counts down on, and a 404 page for a payment that does not exist.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeEachStore, type Harness, type Keys } from '../support/harness.js';

async function newCharge(h: Harness, keys: Keys = h.keys, extra: Record<string, unknown> = {}) {
  const res = await h.request({ method: 'POST', url: '/charges', key: keys.secretKey, json: { amount: 400000, currency: 'THB', source: { type: 'truemoney_qr' }, ...extra } });
  assert.equal(res.status, 200, res.body);
  return res.json;
}

const pathOf = (charge: any) => {
  const url = new URL(charge.authorize_uri);
  return `${url.pathname}${url.search}`;
};

describeEachStore('hosted payment page', (h) => {
  test('a pending charge: merchant, amount in baht, the QR, a countdown, the simulator link', async () => {
    const charge = await newCharge(h, h.keys, { return_uri: 'https://shop.example/orders/42?x=1&y=2' });
    assert.match(charge.authorize_uri, /^http:\/\/satang\.test\/payments\/pay2_test_[0-9a-z]{19}\/authorize\?acs=false$/);
    const page = await h.request({ url: pathOf(charge) });
    assert.equal(page.status, 200);
    assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(page.headers['cache-control'], 'no-store');
    assert.match(page.body, /<html lang="th">/);
    assert.match(page.body, /<meta name="viewport" content="width=device-width, initial-scale=1">/);
    assert.match(page.body, /id="merchant">Satang Sandbox Shop</);
    assert.match(page.body, /id="amount">฿4,000\.00</);
    assert.match(page.body, /data-state="pending"/);
    assert.match(page.body, /รอการชำระเงิน/);
    assert.match(page.body, /Waiting for payment/);
    assert.match(page.body, /data-return-uri="https:\/\/shop\.example\/orders\/42\?x=1&amp;y=2"/, 'escaped');
    const secondsLeft = Number(/data-seconds-left="(\d+)"/.exec(page.body)![1]);
    assert.ok(secondsLeft >= 86_390 && secondsLeft <= 86_400, String(secondsLeft));
    // The QR on the page is the charge's download_uri, served without a key.
    const qrPath = /id="qr" src="([^"]+)"/.exec(page.body)![1];
    assert.equal(`http://satang.test${qrPath}`, charge.source.scannable_code.image.download_uri);
    const png = await h.request({ url: qrPath });
    assert.equal(png.status, 200);
    assert.equal(png.headers['content-type'], 'image/png');
    assert.match(page.body, /href="\/simulator\?payload=000201010212/);
    const script = await h.request({ url: '/payments/assets/pay.js' });
    assert.equal(script.status, 200);
    assert.match(String(script.headers['content-type']), /^application\/javascript/);
  });

  test('the status endpoint follows the charge: pending, successful, failed, expired', async () => {
    const paid = await newCharge(h, h.keys, { return_uri: 'https://shop.example/done' });
    const ref = paid.authorize_uri.split('/')[4];
    const pending = await h.request({ url: `/payments/${ref}/status` });
    assert.equal(pending.status, 200);
    assert.deepEqual(Object.keys(pending.json), ['object', 'payment_ref', 'status', 'amount', 'currency', 'expires_at', 'now', 'seconds_left', 'paid_at', 'failure_message', 'return_uri']);
    assert.equal(pending.json.status, 'pending');
    assert.equal(pending.json.expires_at, paid.expires_at);
    assert.equal(pending.json.return_uri, 'https://shop.example/done');
    await h.request({ method: 'POST', url: `/charges/${paid.id}/mark_as_paid`, key: h.keys.secretKey });
    const done = await h.request({ url: `/payments/${ref}/status` });
    assert.equal(done.json.status, 'successful');
    assert.equal(done.json.seconds_left, 0);
    assert.ok(done.json.paid_at);
    const page = await h.request({ url: pathOf(paid) });
    assert.match(page.body, /data-state="successful"/);
    assert.match(page.body, /ชำระเงินสำเร็จ/);

    const failed = await newCharge(h);
    await h.request({ method: 'POST', url: `/charges/${failed.id}/mark_as_failed`, key: h.keys.secretKey });
    const failedStatus = await h.request({ url: `/payments/${failed.authorize_uri.split('/')[4]}/status` });
    assert.equal(failedStatus.json.status, 'failed');
    assert.equal(failedStatus.json.failure_message, 'payment processing failed');
    assert.match((await h.request({ url: pathOf(failed) })).body, /data-state="failed"/);

    const expired = await newCharge(h);
    await h.request({ method: 'POST', url: `/charges/${expired.id}/expire`, key: h.keys.secretKey });
    const expiredPage = await h.request({ url: pathOf(expired) });
    assert.match(expiredPage.body, /data-state="expired"/);
    assert.match(expiredPage.body, /This QR code has expired/);
  });

  test('the countdown runs on the account clock: a test-clock jump shows, and past the deadline it is expired', async () => {
    const charge = await newCharge(h, h.other);
    const ref = charge.authorize_uri.split('/')[4];
    const before = await h.request({ url: `/payments/${ref}/status` });
    const advanced = await h.request({ method: 'POST', url: '/test/clock/advance', key: h.other.secretKey, json: { seconds: 3600 } });
    assert.equal(advanced.status, 200);
    const after = await h.request({ url: `/payments/${ref}/status` });
    assert.ok(before.json.seconds_left - after.json.seconds_left >= 3600 && before.json.seconds_left - after.json.seconds_left <= 3602);
    assert.equal(after.json.now, advanced.json.now);
    await h.request({ method: 'POST', url: '/test/clock/advance', key: h.other.secretKey, json: { seconds: 23 * 3600 } });
    const late = await h.request({ url: `/payments/${ref}/status` });
    assert.equal(late.json.status, 'expired', 'no sweep ran, yet the charge can no longer be paid');
    assert.equal(late.json.seconds_left, 0);
  });

  test('an unknown payment is a 404 page; its status a 404 Omise error', async () => {
    for (const path of ['/payments/pay2_test_zzzzzzzzzzzzzzzzzzz/authorize?acs=false', '/payments/not%20a%20ref/authorize', '/payments/chrg_test_1/authorize']) {
      const page = await h.request({ url: path });
      assert.equal(page.status, 404, path);
      assert.equal(page.headers['content-type'], 'text/html; charset=utf-8', path);
      assert.match(page.body, /ไม่พบรายการชำระเงินนี้/);
      assert.match(page.body, /This payment was not found/);
    }
    const status = await h.request({ url: '/payments/pay2_test_zzzzzzzzzzzzzzzzzzz/status' });
    assert.equal(status.status, 404);
    assert.equal(status.json.code, 'not_found');
  });
});

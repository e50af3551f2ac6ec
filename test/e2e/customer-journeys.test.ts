/**
 * The customer's side, for real (issue 6): a shopper buys in the example store on a phone-sized
 * screen; the store creates the source in the browser with Satang's /omise.js (a cross-origin call)
 * and the charge on its server with the official omise package; the shopper lands on the hosted
 * payment page, whose QR this test screenshots and decodes, then "scans" it in the wallet simulator.
 * Three journeys: approve (QR uploaded as an image), decline (QR text pasted), expire (test clock).
 * The gateway runs in-process with its expiry sweep and webhook dispatcher, so the store's order is
 * settled by a verified webhook and a re-retrieved charge. Screenshots land in test-artifacts/.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page, Request } from 'playwright-core';
import { startStore, type RunningStore } from '../../examples/store/store.js';
import { describeWithBrowser, phone } from '../support/browser.js';
import { injectRequest, type Keys, makeKeys, openTestStore, startTestGateway, type TestGateway, type TestStore } from '../support/harness.js';
import { releaseAll } from '../support/release.js';
import { decodePng } from '../support/qr-decoders.js';

function decodeQr(png: Buffer): string {
  return decodePng(png, 'a QR code is readable in the screenshot');
}

async function waitUntil(what: string, probe: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describeWithBrowser('customer journeys: store → hosted page → wallet simulator (phone)', (browser) => {
  let testStore: TestStore;
  let gateway: TestGateway;
  let satangUrl: string;
  let keys: Keys;
  let shop: RunningStore;

  before(async () => {
    testStore = await openTestStore('sqlite', 'customer journeys');
    gateway = await startTestGateway(testStore.store, { listen: true, sweep: true, dispatch: true });
    satangUrl = gateway.publicUrl;
    keys = await makeKeys(testStore.store);
    shop = await startStore({ satangUrl, publicKey: keys.publicKey, secretKey: keys.secretKey, port: 0, log: () => {} });
  });
  after(() =>
    releaseAll([
      ['the example store', () => shop?.close()],
      ['the gateway', () => gateway?.close()],
      ['the store', () => testStore?.drop()],
    ]),
  );

  const api = (options: Parameters<typeof injectRequest>[1]) => injectRequest(gateway.app, options);

  /** Product → checkout → pay: returns the hosted page and the request omise.js made for the source. */
  async function checkout(page: Page, screenshots = false): Promise<{ sourceRequest: Request; orderId: () => string }> {
    await page.goto(shop.url);
    await page.locator('#buy').waitFor();
    if (screenshots) await browser.screenshot(page, 'store-product');
    await page.click('#buy');
    await page.locator('#pay').waitFor();
    if (screenshots) await browser.screenshot(page, 'store-checkout');
    const sourceRequest = page.waitForRequest((request) => request.url().startsWith(`${satangUrl}/sources/`) && request.method() === 'POST');
    await page.click('#pay');
    const made = await sourceRequest;
    await page.waitForURL(/\/payments\/pay2_test_[0-9a-z]{19}\/authorize\?acs=false$/);
    await page.locator('#qr').waitFor();
    await waitUntil('the QR image to load', () => page.$eval('#qr', (img) => (img as HTMLImageElement).naturalWidth > 0));
    const orders = shop.orders.all();
    const order = orders[orders.length - 1];
    return { sourceRequest: made, orderId: () => order.id };
  }

  test('approve: the QR uploaded as an image, paid by credit card; hosted page and store show it paid', async () => {
    const context = await browser.context(phone);
    const page = await context.newPage();
    const { sourceRequest, orderId } = await checkout(page, true);

    // omise.js's wire format, cross-origin from the store: JSON POST to /sources/, Basic auth with the bare public key.
    const headers = await sourceRequest.allHeaders();
    assert.equal(headers.authorization, `Basic ${Buffer.from(keys.publicKey).toString('base64')}`);
    assert.equal(headers['content-type'], 'application/json');
    assert.equal(headers.origin, shop.url);
    assert.deepEqual(JSON.parse(sourceRequest.postData() ?? ''), { amount: 45000, currency: 'THB', type: 'truemoney_qr' });

    // The hosted page: merchant, amount in baht, a running countdown, the QR.
    assert.equal(await page.textContent('#amount'), '฿450.00');
    assert.equal((await page.textContent('#merchant'))?.trim(), 'Satang Sandbox Shop');
    const secondsLeft = Number(await page.getAttribute('#countdown', 'data-seconds-left'));
    assert.ok(secondsLeft > 86_000 && secondsLeft <= 86_400, `countdown shows ${secondsLeft} s`);
    assert.match((await page.textContent('#countdown')) ?? '', /^23:59:\d\d$/);
    const qrPng = await page.locator('#qr').screenshot();
    const payload = decodeQr(qrPng);
    assert.match(payload, /^00020101021230\d\d0016A000000677010112/, 'a dynamic Thai QR bill payment');
    assert.ok(payload.includes('5406450.00'), payload);
    await browser.screenshot(page, 'hosted-page-pending');
    await page.evaluate(() => ((window as any).__samePage = true));

    // The wallet simulator, as the payer's phone: upload the picture of the QR.
    const wallet = await context.newPage();
    await wallet.goto(`${satangUrl}/simulator`);
    await browser.screenshot(wallet, 'simulator-scan');
    await wallet.setInputFiles('#qr-image', { name: 'qr.png', mimeType: 'image/png', buffer: qrPng });
    await wallet.locator('#confirm').waitFor();
    assert.equal(await wallet.textContent('#amount'), '฿450.00');
    assert.equal((await wallet.textContent('#merchant'))?.trim(), 'Satang Sandbox Shop');
    await wallet.check('input[name=funding_source][value=credit_card]');
    await browser.screenshot(wallet, 'simulator-confirm');
    await wallet.click('#approve');
    await wallet.locator('#result[data-status=successful]').waitFor();
    assert.match((await wallet.textContent('#paid-with')) ?? '', /Credit card/);
    await browser.screenshot(wallet, 'simulator-approved');

    // The hosted page changes by itself, then sends the shopper back to the store.
    await page.locator('[data-panel=successful]').waitFor({ state: 'visible', timeout: 10_000 });
    assert.equal(await page.evaluate(() => (window as any).__samePage), true, 'no reload');
    assert.equal(await page.isVisible('#qr'), false);
    await browser.screenshot(page, 'hosted-page-paid');
    await page.waitForURL(`${shop.url}/orders/${orderId()}`, { timeout: 10_000 });
    await page.locator('#order[data-status=paid]').waitFor({ timeout: 15_000 });
    await browser.screenshot(page, 'store-order-paid');

    // Paid through a verified webhook, after the store re-retrieved the charge.
    const order = shop.orders.get(orderId())!;
    assert.equal(order.status, 'paid');
    assert.match(order.confirmedBy ?? '', /^evnt_test_[0-9a-z]{19}$/);
    assert.equal(shop.rejectedWebhooks, 0);
    const event = await api({ url: `/events/${order.confirmedBy}`, key: keys.secretKey });
    assert.equal(event.json.key, 'charge.complete');
    assert.ok(event.json.webhook_deliveries.some((delivery: any) => delivery.uri === shop.webhookUrl && delivery.status === 200));
    const charge = await api({ url: `/charges/${order.chargeId}`, key: keys.secretKey });
    assert.equal(charge.json.status, 'successful');
    // credit_card: refundable in full only (DECISIONS §5), so the funding source reached the charge.
    assert.equal(charge.json.partially_refundable, false);
    assert.equal(charge.json.refundable, true);
    assert.deepEqual(charge.json.metadata, { order_id: order.id });
    await context.close();
  });

  test('decline: the QR text pasted; the charge fails with failed_processing and the store says so', async () => {
    const context = await browser.context(phone);
    const page = await context.newPage();
    const { orderId } = await checkout(page);
    const payload = decodeQr(await page.locator('#qr').screenshot());

    const wallet = await context.newPage();
    await wallet.goto(`${satangUrl}/simulator`);
    await wallet.fill('#payload', payload);
    await wallet.click('#scan-button');
    await wallet.locator('#confirm').waitFor();
    await wallet.click('#decline');
    await wallet.locator('#result[data-status=failed]').waitFor();
    await browser.screenshot(wallet, 'simulator-declined');

    await page.locator('[data-panel=failed]').waitFor({ state: 'visible', timeout: 10_000 });
    await browser.screenshot(page, 'hosted-page-failed');
    await page.waitForURL(`${shop.url}/orders/${orderId()}`, { timeout: 10_000 });
    await page.locator('#order[data-status=failed]').waitFor({ timeout: 15_000 });
    await browser.screenshot(page, 'store-order-failed');
    const order = shop.orders.get(orderId())!;
    const charge = await api({ url: `/charges/${order.chargeId}`, key: keys.secretKey });
    assert.equal(charge.json.status, 'failed');
    assert.equal(charge.json.failure_code, 'failed_processing');

    // The same QR cannot be used again.
    await wallet.goto(`${satangUrl}/simulator?payload=${encodeURIComponent(payload)}`);
    assert.match((await wallet.textContent('#error')) ?? '', /already used: the payment is failed/);
    await context.close();
  });

  test('the store refuses a webhook whose signature does not verify, and leaves the order alone', async () => {
    const context = await browser.context(phone);
    const page = await context.newPage();
    const { orderId } = await checkout(page);
    const order = shop.orders.get(orderId())!;
    const forged = JSON.stringify({ object: 'event', id: 'evnt_test_forgedforgedforged1', key: 'charge.complete', data: { object: 'charge', id: order.chargeId } });
    const before = shop.rejectedWebhooks;
    const timestamp = String(Math.floor(Date.now() / 1000));
    const attempts: Array<Record<string, string>> = [{}, { 'Omise-Signature': 'ab'.repeat(32), 'Omise-Signature-Timestamp': timestamp }];
    for (const headers of attempts) {
      const res = await fetch(shop.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: forged });
      assert.equal(res.status, 401);
    }
    assert.equal(shop.rejectedWebhooks, before + 2);
    assert.equal(order.status, 'pending');
    assert.equal(order.confirmedBy, null);
    await context.close();
  });

  test('expire: the test clock passes the deadline; the page says so without a reload, the store marks it expired', async () => {
    const context = await browser.context(phone);
    const page = await context.newPage();
    const { orderId } = await checkout(page);
    const payload = decodeQr(await page.locator('#qr').screenshot());
    await page.evaluate(() => ((window as any).__samePage = true));

    const advanced = await api({ method: 'POST', url: '/test/clock/advance', key: keys.secretKey, json: { seconds: 24 * 3600 + 60 } });
    assert.equal(advanced.status, 200, advanced.body);
    await page.locator('[data-panel=expired]').waitFor({ state: 'visible', timeout: 10_000 });
    assert.equal(await page.evaluate(() => (window as any).__samePage), true, 'no reload');
    assert.equal(await page.isVisible('#qr'), false);
    await browser.screenshot(page, 'hosted-page-expired');
    // No redirect for an expired payment: the page stays and says so.
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.match(page.url(), /\/payments\/pay2_test_/);

    await waitUntil('the store to hear of the expiry', () => shop.orders.get(orderId())!.status === 'expired');
    await page.goto(`${shop.url}/orders/${orderId()}`);
    await page.locator('#order[data-status=expired]').waitFor();
    await browser.screenshot(page, 'store-order-expired');

    const wallet = await context.newPage();
    await wallet.goto(`${satangUrl}/simulator?payload=${encodeURIComponent(payload)}`);
    assert.match((await wallet.textContent('#error')) ?? '', /expired/);
    await browser.screenshot(wallet, 'simulator-expired');
    await context.close();
  });
});

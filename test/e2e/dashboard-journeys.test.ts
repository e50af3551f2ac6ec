/**
 * The operator's journey in a real browser, once in English and once in Thai: sign in, find a
 * charge by the order id its metadata carries, refund part of it through the confirmation with a
 * reason (which the audit log keeps), export the day's charges as CSV and check its rows against the
 * API, invite a viewer by a one-time link, and sign in as that viewer to be refused a refund.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { describeWithBrowser, laptop, phone } from '../support/browser.js';
import { csvObjects } from '../support/csv.js';
import { addOperator, operatorPassword } from '../support/dashboard.js';
import { makeKeys, openTestStore, startTestGateway, type Keys, type TestGateway, type TestStore } from '../support/harness.js';
import { releaseAll } from '../support/release.js';

type Lang = 'en' | 'th';

/** What each language's pages say at the steps the journey checks. */
const says: Record<Lang, { partlyRefunded: RegExp; refusal: RegExp; statusWords: string; amountColumn: string; idColumn: string }> = {
  en: { partlyRefunded: /^Partly refunded$/, refusal: /Your role \(Viewer\) does not allow this/, statusWords: 'Partly refunded', amountColumn: 'amount_baht', idColumn: 'id' },
  th: { partlyRefunded: /^คืนเงินบางส่วน$/, refusal: /บทบาทของคุณ \(ผู้ดูอย่างเดียว\) ไม่มีสิทธิ์ทำสิ่งนี้/, statusWords: 'คืนเงินบางส่วน', amountColumn: 'จำนวนเงิน (บาท)', idColumn: 'รหัส' },
};

describeWithBrowser('dashboard journeys in Thai and in English', (b) => {
  let store: TestStore;
  let running: TestGateway;
  let keys: Keys;
  let base = '';

  before(async () => {
    store = await openTestStore('sqlite', 'dashboard-journeys');
    running = await startTestGateway(store.store, { listen: true });
    base = running.publicUrl;
    keys = await makeKeys(store.store);
    await addOperator(store.store, 'owner@example.com');
  });
  after(() =>
    releaseAll([
      ['the gateway', () => running?.close()],
      ['the store', () => store?.drop()],
    ]),
  );

  async function api(method: string, path: string, body?: unknown): Promise<any> {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Basic ${Buffer.from(`${keys.secretKey}:`).toString('base64')}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = await res.json();
    assert.equal(res.status, 200, JSON.stringify(json));
    return json;
  }

  async function contextIn(lang: Lang, viewport = laptop): Promise<BrowserContext> {
    return b.context({ ...viewport, acceptDownloads: true, locale: lang === 'th' ? 'th-TH' : 'en-US', extraHTTPHeaders: { 'accept-language': lang === 'th' ? 'th-TH,th;q=0.9' : 'en-US,en;q=0.9' } });
  }

  async function signInAs(page: Page, email: string, password: string): Promise<void> {
    await page.goto(`${base}/dashboard/signin`);
    await page.fill('#email', email);
    await page.fill('#password', password);
    await Promise.all([page.waitForURL(`${base}/dashboard`), page.click('button.primary')]);
  }

  for (const lang of ['en', 'th'] as const) {
    test(`${lang}: find a charge by its order id, refund part with a reason, export the day as CSV, invite a viewer who is refused a refund`, async () => {
      // A day's orders: the one the customer calls about, and others whose ids share its digits.
      const orderId = `ORD-${lang.toUpperCase()}-20261130-0042`;
      const made = [];
      for (const [n, id] of [[1, `ORD-${lang.toUpperCase()}-20261130-0041`], [2, orderId], [3, `ORD-${lang.toUpperCase()}-20261130-0420`]] as const) {
        made.push(await api('POST', '/charges', { amount: 25_000 + n * 100, currency: 'THB', source: { type: 'truemoney_qr' }, description: `Table ${n}`, metadata: { order_id: id } }));
      }
      const wanted = made[1];
      await api('POST', `/charges/${wanted.id}/mark_as_paid`, { funding_source: 'wallet_balance' });

      const page = await (await contextIn(lang)).newPage();
      page.on('dialog', (dialog) => void dialog.accept());
      await signInAs(page, 'owner@example.com', operatorPassword);
      assert.equal(await page.getAttribute('html', 'lang'), lang);

      // Find it by the order id in its metadata: that charge alone.
      await page.goto(`${base}/dashboard/charges`);
      await page.fill('#q', orderId);
      await Promise.all([page.waitForURL(/\/dashboard\/charges\?/), page.click('form[role="search"] button.primary')]);
      const found = await page.locator('table[data-test="charges"] tbody a.mono').allTextContents();
      assert.deepEqual(found, [wanted.id]);
      await b.screenshot(page, `journey-${lang}-found`);

      // Refund ฿80 of it, with a reason; the confirmation says what will happen, and nothing happens before it is pressed.
      await Promise.all([page.waitForURL(`${base}/dashboard/charges/${wanted.id}`), page.click(`a[href="/dashboard/charges/${wanted.id}"]`)]);
      await page.fill('#amount', '80');
      await Promise.all([page.waitForURL(/\/refund\?/), page.click('[data-test="refund"]')]);
      assert.match((await page.textContent('main')) ?? '', /80\.00/);
      assert.equal((await api('GET', `/charges/${wanted.id}`)).refunded_amount, 0, 'nothing moved before the confirmation');
      const reason = lang === 'th' ? 'ลูกค้าได้รับอาหารไม่ครบ คืนเงินบางส่วน' : 'One dish never reached the table';
      await page.fill('#reason', reason);
      await b.screenshot(page, `journey-${lang}-confirm-refund`);
      await Promise.all([page.waitForURL(`${base}/dashboard/charges/${wanted.id}?*`), page.click('[data-test="confirm"]')]);
      assert.match((await page.textContent('[data-test="charge-status"]')) ?? '', says[lang].partlyRefunded);
      assert.equal((await api('GET', `/charges/${wanted.id}`)).refunded_amount, 8000);
      await page.goto(`${base}/dashboard/audit`);
      assert.match((await page.textContent('tr[data-action="charge.refund"] [data-test="reason"]')) ?? '', new RegExp(reason));

      // Export today's charges (Bangkok day) and read them back: every charge of the day, with the refund, in the page's language.
      const today = new Date(Date.now() + 7 * 3600_000).toISOString().slice(0, 10);
      await page.goto(`${base}/dashboard/charges`);
      await page.fill('#export-from', today);
      await page.fill('#export-to', today);
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('form[data-test="export-charges"] button')]);
      assert.match(download.suggestedFilename(), new RegExp(`^satang-test-charges-${today}-to-${today}\\.csv$`));
      const rows = csvObjects(readFileSync((await download.path())!, 'utf8'));
      const byId = new Map(rows.map((row) => [row[says[lang].idColumn], row]));
      for (const charge of made) assert.ok(byId.has(charge.id), `${charge.id} is in the export`);
      const listed = (await api('GET', `/charges?limit=100&from=${encodeURIComponent(new Date(Date.parse(`${today}T00:00:00+07:00`)).toISOString())}`)).data;
      assert.equal(rows.length, listed.length, 'the export has exactly the day’s charges');
      const row = byId.get(wanted.id)!;
      assert.equal(row[says[lang].amountColumn], '252.00');
      assert.ok(Object.values(row).includes(says[lang].statusWords), JSON.stringify(row));
      assert.ok(Object.values(row).includes('8000'), 'the refunded satang');

      // Invite a viewer; the one-time link lets them choose a password.
      await page.goto(`${base}/dashboard/operators`);
      const viewerEmail = `viewer-${lang}@example.com`;
      await page.fill('#invite-email', viewerEmail);
      await page.selectOption('#invite-role', 'viewer');
      await Promise.all([page.waitForURL(/\/dashboard\/operators/), page.click('form[action="/dashboard/operators/invite"] button.primary')]);
      const link = ((await page.locator('[data-test="one-time-link"] p.mono').textContent()) ?? '').trim();
      assert.match(link, /\/dashboard\/password\?token=/);

      const viewer = await (await contextIn(lang, phone)).newPage();
      await viewer.goto(link);
      await viewer.fill('#password', 'the viewer password');
      await viewer.fill('#password_again', 'the viewer password');
      await Promise.all([viewer.waitForURL(/\/dashboard\/signin/), viewer.click('button.primary')]);
      await signInAs(viewer, viewerEmail, 'the viewer password');
      await viewer.goto(`${base}/dashboard/charges/${wanted.id}`);
      assert.equal(await viewer.isVisible('[data-test="refund"]'), false, 'a viewer is not offered the refund');
      // The server is what refuses: the confirmation page asked for by hand.
      const refused = await viewer.goto(`${base}/dashboard/charges/${wanted.id}/refund?amount=10`);
      assert.equal(refused?.status(), 403);
      assert.match((await viewer.textContent('.error')) ?? '', says[lang].refusal);
      await b.screenshot(viewer, `journey-${lang}-viewer-refused-phone`);
      assert.equal((await api('GET', `/charges/${wanted.id}`)).refunded_amount, 8000, 'the viewer moved nothing');
    });
  }
});

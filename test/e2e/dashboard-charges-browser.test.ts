/**
 * The charge list's search, the balance and transactions pages and a CSV export in a real browser,
 * in Thai and in English, on a laptop and a phone: find a charge by the order id in its metadata,
 * see a malformed search explained, download the day's charges and read the file back.
 * Screenshots go to test-artifacts/dashboard-charges-*.png.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { describeWithBrowser, laptop, phone } from '../support/browser.js';
import { addOperator, operatorPassword } from '../support/dashboard.js';
import { describeEachStore } from '../support/harness.js';

describeWithBrowser('dashboard charges, balance, transactions and exports in a browser', (b) => {
  describeEachStore(
    'operator journey',
    (h) => {
      const made: Record<string, any> = {};
      before(async () => {
        await addOperator(h.store, 'browser@example.com');
        const create = async (amount: number, description: string, metadata: Record<string, unknown>) => {
          const res = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: { amount, currency: 'THB', source: { type: 'truemoney_qr' }, description, metadata } });
          assert.equal(res.status, 200, res.body);
          return res.json;
        };
        for (let i = 0; i < 6; i++) made[`c${i}`] = await create(10000 + i * 2575, i % 2 ? 'ชาไทย 3 ถุง' : 'Blue mug', { order_id: `ORD-77${i}` });
        made.formula = await create(45000, '=SUM(A1:A9)', { order_id: 'ORD-999' });
        for (const i of [1, 2, 3]) assert.equal((await h.request({ method: 'POST', url: `/charges/${made[`c${i}`].id}/mark_as_paid`, key: h.keys.secretKey })).status, 200);
        assert.equal((await h.request({ method: 'POST', url: `/charges/${made.c2.id}/refunds`, key: h.keys.secretKey, json: { amount: 5000 } })).status, 200);
      });

      async function signedIn(context: BrowserContext, lang: 'en' | 'th'): Promise<Page> {
        await context.addCookies([{ name: 'satang_lang', value: lang, url: h.publicUrl }]);
        const page = await context.newPage();
        await page.goto(`${h.publicUrl}/dashboard/signin`);
        await page.fill('input[name="email"]', 'browser@example.com');
        await page.fill('input[name="password"]', operatorPassword);
        await page.click('form button.primary');
        await page.waitForURL(/\/dashboard$/);
        return page;
      }

      for (const lang of ['en', 'th'] as const) {
        test(`${lang}: find a charge by its order id, see a bad search explained, look at the balance and transactions, export CSV`, async () => {
          const context = await b.context({ ...laptop, acceptDownloads: true });
          const page = await signedIn(context, lang);
          await page.click(`nav >> text=${lang === 'th' ? 'รายการชำระเงิน' : 'Charges'}`);
          await page.fill('#q', 'ord-773');
          await page.click('form[role="search"] button.primary');
          const rows = page.locator('table[data-test="charges"] tbody tr');
          assert.equal(await rows.count(), 1);
          assert.match((await rows.first().textContent()) ?? '', new RegExp(made.c3.id));
          assert.match((await rows.first().textContent()) ?? '', lang === 'th' ? /สำเร็จ/ : /Successful/);
          await b.screenshot(page, `dashboard-charges-search-${lang}-${h.dialect}`);

          await page.fill('#q', 'amount:abc');
          await page.click('form[role="search"] button.primary');
          assert.match((await page.textContent('[data-test="search-problem"]')) ?? '', lang === 'th' ? /ต้องเป็นจำนวนเงินเป็นบาท/ : /must be an amount in baht/);
          assert.equal(await page.locator('table[data-test="charges"]').count(), 0, 'nothing listed');
          await b.screenshot(page, `dashboard-charges-bad-search-${lang}-${h.dialect}`);

          await page.click(`a.button[href="/dashboard/charges"]`);
          const badge = page.locator(`tr:has(a[href="/dashboard/charges/${made.c2.id}"]) .status`);
          assert.equal(await badge.textContent(), lang === 'th' ? 'คืนเงินบางส่วน' : 'Partly refunded');
          await b.screenshot(page, `dashboard-charges-${lang}-${h.dialect}`);

          await page.click(`nav >> text=${lang === 'th' ? 'ยอดเงิน' : 'Balance'}`);
          const balance = await h.request({ url: '/balance', key: h.keys.secretKey });
          const total = balance.json.total as number;
          assert.equal(await page.textContent('[data-test="balance-total"]'), `฿${Math.floor(total / 100).toLocaleString('en-US')}.${String(total % 100).padStart(2, '0')}`);
          await b.screenshot(page, `dashboard-balance-${lang}-${h.dialect}`);

          await page.click(`nav >> text=${lang === 'th' ? 'ความเคลื่อนไหว' : 'Transactions'}`);
          assert.equal(await page.locator('table[data-test="transactions"] tbody tr').count(), 4, 'three payments and a refund or void');
          await b.screenshot(page, `dashboard-transactions-${lang}-${h.dialect}`);

          const today = new Date(Date.now() + 7 * 3600_000).toISOString().slice(0, 10);
          await page.fill('#export-from', today);
          await page.fill('#export-to', today);
          const [download] = await Promise.all([page.waitForEvent('download'), page.click('button[formaction="/dashboard/exports/charges.csv"]')]);
          assert.equal(download.suggestedFilename(), `satang-test-charges-${today}-to-${today}.csv`);
          const text = readFileSync((await download.path())!, 'utf8');
          assert.equal(text.charCodeAt(0), 0xfeff);
          const lines = text.slice(1).trim().split('\r\n');
          assert.equal(lines.length, 1 + 7, 'a header and the day’s seven charges');
          assert.ok(lines.some((line) => line.includes(`${made.formula.id},`) && line.includes(",'=SUM(A1:A9),")), 'the formula escaped');
          if (lang === 'th') assert.match(lines[0], /จำนวนเงิน \(บาท\)/);
          await context.close();
        });
      }

      test('on a phone the list, the balance and the transactions fit the screen', async () => {
        const context = await b.context(phone);
        const page = await signedIn(context, 'th');
        for (const [path, name] of [
          ['/dashboard/charges', 'charges'],
          ['/dashboard/balance', 'balance'],
          ['/dashboard/transactions', 'transactions'],
        ]) {
          await page.goto(`${h.publicUrl}${path}`);
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
          assert.ok(overflow <= 0, `${path}: no sideways scroll (${overflow}px too wide)`);
          await b.screenshot(page, `dashboard-${name}-phone-th-${h.dialect}`);
        }
        await context.close();
      });
    },
    { listen: true },
  );
});

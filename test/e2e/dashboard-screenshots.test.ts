/**
 * Every dashboard page in English and in Thai, on a laptop (1280×800) and on a phone (375×812), in
 * Debian's chromium: a screenshot of each in test-artifacts/ (dashboard-<page>-<lang>-<width>.png) for a
 * person to look at, and for each the checks a person would make at a glance: it answers, it says
 * which language it is in, a phone never scrolls sideways, and no catalog key, unfilled placeholder
 * or raw code (a funding source, an event key, a status in English on a Thai page) shows.
 *
 * The pages are one list (`pages`): a page added to the dashboard is one line there.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { fundingSources } from '../../src/domain/lifecycle.js';
import { catalogs, type Lang } from '../../src/web/dashboard/i18n.js';
import { describeWithBrowser, laptop } from '../support/browser.js';
import { addOperator, operatorPassword } from '../support/dashboard.js';
import { injectRequest, makeKeys, openTestStore, startTestGateway, type Keys, type TestGateway, type TestStore } from '../support/harness.js';
import { type Receiver, startReceiver } from '../support/receiver.js';
import { releaseAll } from '../support/release.js';

/** What the test made, for pages whose path names an object. */
interface Made {
  paid: string;
  refunded: string;
  failed: string;
  expired: string;
  pending: string;
}

interface DashboardPage {
  /** Used in the screenshot's file name. */
  name: string;
  path: string | ((made: Made) => string);
  /** The status the page answers with (200 unless said). */
  status?: number;
  /**
   * false while the page's own words are not in the catalogs yet: it is still visited, shot and checked
   * for its status, its language and sideways scroll, but not for keys or raw codes in its text.
   */
  words?: boolean;
}

/**
 * Every page of the dashboard a signed-in operator can open. New pages join here (balance,
 * transactions, operators, security); a page's `words: false` goes once its area is translated.
 */
export const pages: DashboardPage[] = [
  { name: 'overview', path: '/dashboard' },
  { name: 'charges', path: '/dashboard/charges' },
  { name: 'charges-search', path: '/dashboard/charges?q=ORDER-1002' },
  { name: 'charges-bad-search', path: '/dashboard/charges?q=amount%3Aabc', status: 400 },
  { name: 'charge-refunded', path: (m) => `/dashboard/charges/${m.refunded}` },
  { name: 'charge-pending', path: (m) => `/dashboard/charges/${m.pending}` },
  { name: 'confirm-expire', path: (m) => `/dashboard/charges/${m.pending}/expire` },
  { name: 'confirm-refund', path: (m) => `/dashboard/charges/${m.refunded}/refund?amount=10` },
  { name: 'audit', path: '/dashboard/audit' },
  { name: 'balance', path: '/dashboard/balance' },
  { name: 'transactions', path: '/dashboard/transactions' },
  { name: 'operators', path: '/dashboard/operators' },
  { name: 'security', path: '/dashboard/security' },
  { name: 'webhooks', path: '/dashboard/webhooks' },
  { name: 'developers', path: '/dashboard/developers' },
  { name: 'developer-events', path: '/dashboard/developers/events' },
  { name: 'keys', path: '/dashboard/keys' },
  { name: 'settings', path: '/dashboard/settings' },
  { name: 'not-found', path: '/dashboard/no/such/page', status: 404 },
];

const languages = ['en', 'th'] as const;
const widths = {
  desktop: laptop,
  phone: { viewport: { width: 375, height: 812 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true },
};
const operatorEmail = 'shots@example.com';

/** Every key of every catalog: none may show on a page as text. */
const catalogKeys = new Set(Object.values(catalogs).flatMap((c) => Object.keys(c.en)));
/** Codes a person must see in words. */
const rawCodes = [
  ...fundingSources,
  'charge.create',
  'charge.complete',
  'charge.expire',
  'charge.update',
  'charge.failed',
  'refund.create',
  'payment_expired',
  'failed_processing',
  'payment_rejected',
  'insufficient_balance',
  'partially_refunded',
];
/** Names a developer types (metadata keys, commands) that may show as they are. */
const allowedSnakeCase = new Set(['satang_outcome']);
/** Statuses in English that a Thai page must show in Thai. */
const englishStatuses = /\b(pending|successful|failed|expired|refunded|voided|delivered|cancelled|enabled|disabled)\b/i;

describeWithBrowser('every dashboard page in both languages, on a laptop and on a phone', (b) => {
  let store: TestStore;
  let running: TestGateway;
  let receiver: Receiver;
  let keys: Keys;
  let made: Made;
  let signedIn: Awaited<ReturnType<BrowserContext['storageState']>>;

  before(async () => {
    receiver = await startReceiver();
    store = await openTestStore('sqlite', 'dashboard screenshots');
    running = await startTestGateway(store.store, { listen: true, dispatch: true, webhookAllowPrivateTargets: true, webhookTimeoutMs: 2000 });
    keys = await makeKeys(store.store);
    await makeKeys(store.store, 'ร้านกาแฟดอยช้าง สาขาเชียงใหม่');
    await addOperator(store.store, operatorEmail);
    const api = async (method: string, url: string, json?: Record<string, unknown>) => {
      const res = await injectRequest(running.app, { method, url, key: keys.secretKey, json });
      assert.ok(res.status < 300, `${method} ${url}: ${res.status} ${res.body}`);
      return res.json;
    };
    // An endpoint with chaos on (its summary shows), and a receiver that turns the first refund away (a failure shows first).
    const endpoint = await api('POST', '/webhook_endpoints', { url: `${receiver.url}/hooks` });
    await api('PATCH', `/webhook_endpoints/${endpoint.id}`, { chaos: { duplicate_rate: 0.5, seed: 7 } });
    let refused = false;
    receiver.respond = (request) => {
      if (request.json?.key === 'refund.create' && !refused) {
        refused = true;
        return 500;
      }
      return 200;
    };
    const charge = (amount: number, description: string) => api('POST', '/charges', { amount, currency: 'THB', source: { type: 'truemoney_qr' }, description, metadata: { order_id: description } });
    const paid = await charge(125_000, 'ORDER-1001');
    await api('POST', `/charges/${paid.id}/mark_as_paid`);
    const refunded = await charge(48_000, 'ORDER-1002');
    await api('POST', `/charges/${refunded.id}/mark_as_paid`);
    await api('POST', `/charges/${refunded.id}/refunds`, { amount: 12_050 });
    const failed = await charge(19_900, 'ORDER-1003');
    await api('POST', `/charges/${failed.id}/mark_as_failed`);
    const expired = await charge(15_000, 'ORDER-1004');
    await api('POST', `/charges/${expired.id}/expire`);
    const pending = await charge(32_500, 'ORDER-1005');
    made = { paid: paid.id, refunded: refunded.id, failed: failed.id, expired: expired.id, pending: pending.id };
    await running.gateway.webhooks.drain();
    await running.gateway.requestLog.flush();
    // The account's test clock an hour and a half ahead: the pages say which clock each time is on.
    await api('POST', '/test/clock/advance', { seconds: 5400 });
    running.gateway.clockMoved(keys.accountId);

    // Sign in once through the real form; every context starts from that session.
    const context = await b.context(laptop);
    const page = await context.newPage();
    await page.goto(`${running.publicUrl}/dashboard/signin`);
    await page.fill('#email', operatorEmail);
    await page.fill('#password', operatorPassword);
    await Promise.all([page.waitForNavigation(), page.press('#password', 'Enter')]);
    assert.match(page.url(), /\/dashboard$/, `sign-in: ${await page.textContent('main')}`);
    signedIn = await context.storageState();
  });

  after(() =>
    releaseAll([
      ['the gateway', () => running?.close()],
      ['the store', () => store?.drop()],
      ['the receiver', () => receiver?.close()],
    ]),
  );

  /** Opens a page and checks what a person would see at a glance; saves its screenshot. */
  async function visit(page: Page, entry: DashboardPage, lang: Lang, width: string, shot: string): Promise<void> {
    const path = typeof entry.path === 'function' ? entry.path(made) : entry.path;
    const where = `${entry.name} (${path}) in ${lang} on a ${width}`;
    const response = await page.goto(`${running.publicUrl}${path}`);
    assert.equal(response?.status(), entry.status ?? 200, where);
    assert.doesNotMatch(page.url(), /\/signin/, `${where}: still signed in`);
    assert.equal(await page.evaluate(() => document.documentElement.lang), lang, `${where}: <html lang>`);
    const sideways = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    if (width === 'phone') assert.ok(sideways <= 0, `${where}: the page scrolls sideways by ${sideways}px`);
    await b.screenshot(page, shot);
    if (entry.words === false) return;
    // The words a person reads: the page's text without ids, URLs, keys and payloads (shown as they are, in monospace).
    const text = await page.evaluate(() => {
      const body = document.body.cloneNode(true) as HTMLElement;
      // The search help's examples are the query language itself (`status:successful`), written as typed.
      body.querySelectorAll('script, style, .mono, code, .secret, details.help').forEach((node) => node.remove());
      return `${document.title}\n${body.textContent ?? ''}`;
    });
    const leakedKeys = (text.match(/\b[a-z][a-z_]*(?:\.[a-z_0-9]+)+\b/g) ?? []).filter((token) => catalogKeys.has(token));
    assert.deepEqual(leakedKeys, [], `${where}: catalog keys shown as text`);
    const leakedCodes = rawCodes.filter((code) => new RegExp(`(^|[^\\w.])${code.replace('.', '\\.')}($|[^\\w.])`).test(text));
    assert.deepEqual(leakedCodes, [], `${where}: raw codes shown as text`);
    const snake = (text.match(/\b[a-z]+(?:_[a-z]+)+\b/g) ?? []).filter((token) => !allowedSnakeCase.has(token));
    assert.deepEqual(snake, [], `${where}: code-like words shown as text`);
    assert.doesNotMatch(text, /\{[a-z]+\}|\bundefined\b|\bNaN\b|\[object /, `${where}: an unfilled placeholder or a programming value`);
    if (lang === 'th') assert.doesNotMatch(text, englishStatuses, `${where}: a status in English on a Thai page`);
  }

  const contextFor = (lang: Lang, width: keyof typeof widths) => b.context({ ...widths[width], locale: lang === 'th' ? 'th-TH' : 'en-US', storageState: signedIn });

  for (const lang of languages) {
    for (const width of Object.keys(widths) as Array<keyof typeof widths>) {
      test(`${lang}, ${width}: every page answers in ${lang}, fits the screen and shows no key or raw code`, async () => {
        const page = await (await contextFor(lang, width)).newPage();
        for (const entry of pages) await visit(page, entry, lang, width, `dashboard-${entry.name}-${lang}-${width}`);
      });
    }
  }

  test('on a phone the pages and sign-out are behind the menu button, and it opens them', async () => {
    const context = await b.context({ ...widths.phone, locale: 'th-TH', storageState: signedIn });
    const page = await context.newPage();
    await page.goto(`${running.publicUrl}/dashboard/settings`);
    assert.equal(await page.isVisible('header nav'), false, 'the nav is folded away');
    assert.equal(await page.isVisible('header .who'), false);
    await page.tap('[data-test="menu-button"]');
    assert.ok(await page.isVisible('header nav a[href="/dashboard/webhooks"]'));
    assert.ok(await page.isVisible('header .who button'), 'sign-out is in the menu');
    await b.screenshot(page, 'dashboard-menu-th-phone');
    await Promise.all([page.waitForURL(/\/dashboard\/webhooks$/), page.tap('header nav a[href="/dashboard/webhooks"]')]);
    assert.equal(await page.textContent('h1'), 'Webhook');
    // The tab's icon: linked from every page, and served.
    const icon = await page.getAttribute('link[rel="icon"]', 'href');
    assert.equal(icon, '/dashboard/favicon.svg');
    const served = await page.request.get(`${running.publicUrl}${icon}`);
    assert.equal(served.status(), 200);
    assert.match(served.headers()['content-type'] ?? '', /^image\/svg\+xml/);
  });

  test('the overview chart: a bar per day, each with its day and amount in words; fewer day labels on a phone', async () => {
    for (const lang of languages) {
      const context = await b.context({ ...widths.phone, locale: lang === 'th' ? 'th-TH' : 'en-US', storageState: signedIn });
      const page = await context.newPage();
      await page.goto(`${running.publicUrl}/dashboard`);
      assert.equal(await page.locator('svg.chart.narrow g.day').count(), 30, 'the phone shows the narrow drawing');
      assert.equal(await page.locator('svg.chart.wide').isVisible(), false);
      const titles = await page.locator('svg.chart.narrow g.day title').allTextContents();
      // The day the charges were made (today, or yesterday if the clock's move crossed Bangkok midnight).
      const busy = titles.findIndex((title) => (lang === 'th' ? /฿1,730\.00 จากรายการที่สำเร็จ 2 จาก 5 รายการ$/ : /฿1,730\.00 from 2 of 5 charges$/).test(title));
      assert.ok(busy >= 28, `${lang}: ${titles.slice(-2).join(' | ')}`);
      const labels = await page.locator('svg.chart.narrow text').evaluateAll((nodes) => nodes.filter((n) => getComputedStyle(n).display !== 'none').map((n) => n.getBoundingClientRect()));
      assert.ok(labels.length >= 2 && labels.length <= 4, `${lang}: ${labels.length} day labels on a phone`);
      for (let i = 1; i < labels.length; i++) assert.ok(labels[i].left >= labels[i - 1].right, `${lang}: day labels ${i - 1} and ${i} overlap`);
      await page.locator('svg.chart.narrow g.day').nth(busy).tap();
      assert.equal(await page.textContent('[data-test="chart-picked"]'), titles[busy], `${lang}: tapping a bar says its day and amount`);
    }
  });

  test('in live mode too (the test tools say they are for test mode), in both languages on a phone', async () => {
    for (const lang of languages) {
      const page = await (await contextFor(lang, 'phone')).newPage();
      await page.goto(`${running.publicUrl}/dashboard/settings`);
      await page.tap('.mode button[value="live"]');
      await page.waitForSelector('.banner-live');
      try {
        // Pages of the test objects made above are not found in live mode; every other page is visited.
        for (const entry of pages.filter((e) => typeof e.path === 'string')) await visit(page, entry, lang, 'phone', `dashboard-${entry.name}-${lang}-phone-live`);
      } finally {
        await page.goto(`${running.publicUrl}/dashboard/settings`);
        await page.tap('.mode button[value="test"]');
        await page.waitForSelector('.banner-test');
      }
    }
  });
});

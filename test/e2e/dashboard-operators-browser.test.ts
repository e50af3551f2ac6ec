/**
 * Operators in a real browser, in Thai and in English: an owner invites a viewer by a one-time
 * link, the viewer chooses a password, signs in and is refused an owner's action; the owner turns
 * on two-factor sign-in by scanning the secret (the code computed here, as an app would) and signs
 * in with a code. Screenshots of each page, both languages, laptop and phone, in test-artifacts/.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as OTPAuth from 'otpauth';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { describeWithBrowser, laptop, phone } from '../support/browser.js';
import { addOperator, operatorPassword } from '../support/dashboard.js';
import { makeKeys, openTestStore, startTestGateway, type TestGateway, type TestStore } from '../support/harness.js';
import { releaseAll } from '../support/release.js';

describeWithBrowser('operators and two-factor sign-in in a browser', (b) => {
  let store: TestStore;
  let running: TestGateway;
  let base = '';

  before(async () => {
    store = await openTestStore('sqlite', 'operators-browser');
    running = await startTestGateway(store.store, { listen: true });
    base = running.publicUrl;
    await makeKeys(store.store);
    await addOperator(store.store, 'owner@example.com');
  });
  after(() =>
    releaseAll([
      ['the gateway', () => running?.close()],
      ['the store', () => store?.drop()],
    ]),
  );

  async function contextIn(lang: 'en' | 'th', viewport: Parameters<Browser['newContext']>[0] = laptop): Promise<BrowserContext> {
    const context = await b.context({ ...viewport, locale: lang === 'th' ? 'th-TH' : 'en-US', extraHTTPHeaders: { 'accept-language': lang === 'th' ? 'th-TH,th;q=0.9' : 'en-US,en;q=0.9' } });
    return context;
  }

  async function signInAs(page: Page, email: string, password: string): Promise<void> {
    await page.goto(`${base}/dashboard/signin`);
    await page.fill('#email', email);
    await page.fill('#password', password);
    await page.click('button.primary');
  }

  /** No sideways scroll on a phone. */
  async function fitsWidth(page: Page): Promise<void> {
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 1, `the page scrolls sideways by ${overflow}px`);
  }

  let inviteLink = '';

  test('an owner (Thai) invites a viewer: the one-time link is shown once, valid 24 hours', async () => {
    const page = await (await contextIn('th')).newPage();
    page.on('dialog', (dialog) => void dialog.accept());
    await page.goto(`${base}/dashboard/signin`);
    await b.screenshot(page, 'operators-signin-th');
    await signInAs(page, 'owner@example.com', operatorPassword);
    await page.waitForURL(`${base}/dashboard`);
    await page.click('a[href="/dashboard/operators"]');
    assert.match((await page.textContent('h1')) ?? '', /ผู้ใช้งาน/);
    await page.fill('#invite-email', 'nok@example.com');
    await page.selectOption('#invite-role', 'viewer');
    await page.click('button:has-text("สร้างลิงก์เชิญ")');
    const box = page.locator('[data-test="one-time-link"]');
    assert.match((await box.textContent()) ?? '', /ลิงก์เชิญสำหรับ nok@example\.com[\s\S]*24 ชั่วโมง/);
    inviteLink = ((await box.locator('p.mono').textContent()) ?? '').trim();
    assert.match(inviteLink, /^http:\/\/127\.0\.0\.1:\d+\/dashboard\/password\?token=/);
    assert.match((await page.textContent('tr[data-operator="nok@example.com"]')) ?? '', /ผู้ดูอย่างเดียว[\s\S]*รอตอบรับคำเชิญ/);
    await b.screenshot(page, 'operators-page-th');
    await page.reload();
    assert.equal(await page.locator('[data-test="one-time-link"]').count(), 0, 'shown once');
  });

  test('the viewer (English, on a phone) chooses a password, signs in, and is refused an owner action', async () => {
    const page = await (await contextIn('en', phone)).newPage();
    await page.goto(inviteLink);
    assert.match((await page.textContent('.card')) ?? '', /You were invited as Viewer \(nok@example\.com\)/);
    await b.screenshot(page, 'operators-invite-link-en-phone');
    await fitsWidth(page);
    await page.fill('#password', 'nok chooses a password');
    await page.fill('#password_again', 'nok chooses a password');
    await page.click('button.primary');
    await page.waitForURL(/\/dashboard\/signin\?done=invite_accepted/);
    assert.match((await page.textContent('.notice')) ?? '', /Welcome! Your password was set/);
    await signInAs(page, 'nok@example.com', 'nok chooses a password');
    await page.waitForURL(`${base}/dashboard`);
    assert.equal(await page.locator('a[href="/dashboard/operators"]').count(), 0, 'a viewer is not shown the operators page');
    await page.goto(`${base}/dashboard/settings`);
    assert.equal(await page.isVisible('button:has-text("Save settings")'), false, 'the page does not show a viewer an owner’s button');
    // The server is what refuses: the form posted anyway (as a hand-made request would be).
    await Promise.all([page.waitForNavigation(), page.evaluate(() => (document.querySelector('form[action="/dashboard/settings"]') as HTMLFormElement).submit())]);
    assert.match((await page.textContent('.error')) ?? '', /Your role \(Viewer\) does not allow this\. Ask an owner\./);
    await b.screenshot(page, 'operators-refused-en-phone');
    await fitsWidth(page);
    await page.goto(`${base}/dashboard/operators`);
    assert.match((await page.textContent('.error')) ?? '', /does not allow this/);
  });

  test('the owner turns on two-factor sign-in and signs in with a code (English), pages also in Thai', async () => {
    const context = await contextIn('en');
    const page = await context.newPage();
    await signInAs(page, 'owner@example.com', operatorPassword);
    await page.waitForURL(`${base}/dashboard`);
    await page.goto(`${base}/dashboard/security`);
    await page.click('button:has-text("Turn on two-factor sign-in")');
    const secret = ((await page.textContent('[data-test="totp-secret"]')) ?? '').trim();
    const qr = page.locator('[data-test="totp-setup"] img');
    assert.ok(((await qr.evaluate((img) => (img as HTMLImageElement).naturalWidth)) as number) > 100, 'the QR code is drawn');
    await b.screenshot(page, 'operators-security-setup-en');
    const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret) });
    const now = Date.now();
    await page.fill('#code', totp.generate({ timestamp: now }));
    await page.click('button:has-text("Confirm and turn on")');
    const codes = await page.locator('[data-test="recovery-codes"] li').allTextContents();
    assert.equal(codes.length, 10);
    await b.screenshot(page, 'operators-security-codes-en');
    await page.click('button:has-text("Sign out")');

    const thai = await (await contextIn('th', phone)).newPage();
    await signInAs(thai, 'owner@example.com', operatorPassword);
    await thai.waitForURL(/\/dashboard\/signin\/code/);
    assert.match((await thai.textContent('h1')) ?? '', /กรอกรหัสเข้าสู่ระบบ/);
    await b.screenshot(thai, 'operators-signin-code-th-phone');
    await fitsWidth(thai);
    await thai.fill('#code', totp.generate({ timestamp: now + 30_000 }));
    await thai.click('button.primary');
    await thai.waitForURL(`${base}/dashboard`);
    await thai.goto(`${base}/dashboard/security`);
    assert.match((await thai.textContent('[data-test="totp-state"]')) ?? '', /การยืนยันตัวตนสองขั้นตอนเปิดอยู่/);
    await b.screenshot(thai, 'operators-security-th-phone');
    await fitsWidth(thai);
    await thai.goto(`${base}/dashboard/operators`);
    await b.screenshot(thai, 'operators-page-th-phone');
    await fitsWidth(thai);

    const english = await context.newPage();
    await signInAs(english, 'owner@example.com', operatorPassword);
    await english.waitForURL(/\/dashboard\/signin\/code/);
    await b.screenshot(english, 'operators-signin-code-en');
    await english.fill('#code', codes[0]);
    await english.click('button.primary');
    await english.waitForURL(`${base}/dashboard`);
    await english.goto(`${base}/dashboard/operators`);
    assert.match((await english.textContent('tr[data-operator="owner@example.com"]')) ?? '', /Owner[\s\S]*Active[\s\S]*On/);
    await b.screenshot(english, 'operators-page-en');
  });
});

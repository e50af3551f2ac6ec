/**
 * The dashboard in a real browser against a real `satang serve`: first-start setup from the
 * link in the log, an operator made with `satang operators create`, then the operator's
 * journey: find a pending charge, mark it successful through Actions, watch the webhook
 * delivery arrive, refund part of it, roll a key, advance the clock. Screenshots of every
 * page go to test-artifacts/dashboard-*.png.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { describeWithBrowser, laptop, phone } from '../support/browser.js';
import { api, type GatewayProcess, repoRoot, startGatewayProcess } from '../support/process.js';
import { type Receiver, startReceiver } from '../support/receiver.js';
import { releaseAll } from '../support/release.js';

const secretKey = 'skey_test_' + 'd'.repeat(19);
const publicKey = 'pkey_test_' + 'd'.repeat(19);
const operator = { email: 'ops@example.com', password: 'a dashboard password' };

describeWithBrowser('dashboard in a browser', (b) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'satang-dashboard-e2e-'));
  const env = { SATANG_DATA_DIR: dataDir, SATANG_TEST_SECRET_KEY: secretKey, SATANG_TEST_PUBLIC_KEY: publicKey, SATANG_SQLITE_SYNCHRONOUS: 'NORMAL' };
  let gateway: GatewayProcess;
  let receiver: Receiver;
  let page: Page;

  before(async () => {
    receiver = await startReceiver();
    gateway = await startGatewayProcess(env);
  });
  after(() =>
    releaseAll([
      ['the gateway', () => gateway?.kill('SIGTERM')],
      ['the receiver', () => receiver?.close()],
      ['the data dir', () => rmSync(dataDir, { recursive: true, force: true })],
    ]),
  );

  let currentSecretKey = secretKey;
  const charge = async (amount: number, description: string) => {
    const res = await api(`${gateway.url}/charges`, currentSecretKey, { method: 'POST', json: { amount, currency: 'THB', source: { type: 'truemoney_qr' }, description } });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    return res.json;
  };

  test('first start: the log prints a one-time setup link; it makes the first operator', async () => {
    const match = /(http:\/\/\S+\/dashboard\/setup\?token=[A-Za-z0-9_-]+)/.exec(gateway.output());
    assert.ok(match, `no setup link in the log:\n${gateway.output()}`);
    const context = await b.context(laptop);
    const setup = await context.newPage();
    const denied = await setup.goto(`${gateway.url}/dashboard/charges`);
    assert.match(setup.url(), /\/dashboard\/signin/);
    assert.equal(denied?.status(), 200);
    await setup.goto(match[1]);
    await b.screenshot(setup, 'dashboard-setup');
    await setup.fill('#email', 'founder@example.com');
    await setup.fill('#password', 'the founder password');
    await setup.fill('#password_again', 'the founder password');
    await setup.click('button:has-text("Create operator")');
    await setup.waitForURL(`${gateway.url}/dashboard`);
    assert.match(await setup.textContent('h1') ?? '', /Overview/);
    // The link is spent.
    await setup.goto(match[1]);
    assert.match(setup.url(), /\/dashboard\/signin|\/dashboard$/);
  });

  test('satang operators create reads the password from standard input', () => {
    const made = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'operators', 'create', '--email', operator.email, '--role', 'owner'], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      input: `${operator.password}\n`,
      encoding: 'utf8',
    });
    assert.equal(made.status, 0, made.stderr);
    assert.match(made.stdout, /created operator ops@example.com/);
    assert.doesNotMatch(made.stdout + made.stderr, /a dashboard password/);
    const short = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'operators', 'create', '--email', 'short@example.com'], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      input: 'short\n',
      encoding: 'utf8',
    });
    assert.notEqual(short.status, 0);
    assert.match(short.stderr, /at least 12 characters/);
    const list = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'operators', 'list'], { cwd: repoRoot, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, encoding: 'utf8' });
    assert.match(list.stdout, /founder@example.com/);
    assert.match(list.stdout, /ops@example.com/);
    assert.doesNotMatch(list.stdout, /short@example.com/);
  });

  test('sign in, find a pending charge, mark it successful, see the webhook delivery, refund part, roll a key, advance the clock', async () => {
    const context = await b.context(laptop);
    page = await context.newPage();
    page.on('dialog', (dialog) => void dialog.accept());
    for (let i = 0; i < 6; i++) await charge(15000 + i * 2500, `Order #${1000 + i}`);
    const target = await charge(48000, 'Order #2001: two iced teas');
    const other = await charge(12000, 'Order #2002');
    await api(`${gateway.url}/charges/${other.id}/mark_as_paid`, secretKey, { method: 'POST' });

    await page.goto(`${gateway.url}/dashboard`);
    assert.match(page.url(), /\/dashboard\/signin/);
    await page.fill('#email', operator.email);
    await page.fill('#password', 'not the password');
    await page.click('button:has-text("Sign in")');
    assert.match(await page.textContent('.error') ?? '', /Invalid email or password/);
    await b.screenshot(page, 'dashboard-signin');
    await page.fill('#password', operator.password);
    await page.click('button:has-text("Sign in")');
    await page.waitForURL(`${gateway.url}/dashboard`);

    // Webhooks: add an endpoint pointing at our receiver.
    await page.click('nav >> text=Webhooks');
    await page.fill('#new-url', `${receiver.url}/hooks`);
    await page.click('button:has-text("Add endpoint")');
    assert.match(await page.textContent('.notice') ?? '', /endpoint was added/);

    // Find the pending charge by status and by id.
    await page.click('nav >> text=Charges');
    await page.selectOption('#status', 'pending');
    await page.click('button:has-text("Filter")');
    assert.ok(await page.isVisible(`a:has-text("${target.id}")`));
    assert.equal(await page.isVisible(`a:has-text("${other.id}")`), false, 'a successful charge is not in the pending list');
    await b.screenshot(page, 'dashboard-charges');
    await page.fill('#q', target.id);
    await page.click('button:has-text("Filter")');
    assert.equal(await page.locator('table tbody tr').count(), 1);
    await page.click(`a:has-text("${target.id}")`);
    assert.equal(await page.textContent('[data-test="charge-status"]'), 'Pending');
    assert.ok(await page.isVisible(`img[alt="QR code of ${target.id}"]`));
    await page.waitForFunction(() => {
      const img = document.querySelector('.qr img') as HTMLImageElement | null;
      return img !== null && img.complete && img.naturalWidth > 0;
    }, undefined, { timeout: 10_000 });
    await b.screenshot(page, 'dashboard-charge-pending');

    // Actions: mark successful with a funding source; the confirmation says what will happen first.
    await page.selectOption('#funding_source', 'bank_account');
    await page.click('[data-test="mark-paid"]');
    assert.match(await page.textContent('[data-test="effect"]') ?? '', /The charge becomes Successful, paid with Bank account linked to the wallet\./);
    assert.equal((await api(`${gateway.url}/charges/${target.id}`, secretKey)).json.status, 'pending', 'nothing happened yet');
    await b.screenshot(page, 'dashboard-confirm-paid');
    await page.click('[data-test="confirm"]');
    assert.equal(await page.textContent('[data-test="charge-status"]'), 'Successful');
    assert.equal(await page.textContent('[data-test="funding-source"]'), 'Bank account linked to the wallet');
    const viaApi = await api(`${gateway.url}/charges/${target.id}`, secretKey);
    assert.equal(viaApi.json.status, 'successful');

    // The webhook delivery appears on the charge page once the receiver answered.
    await receiver.waitFor((all) => all.some((r) => r.json?.key === 'charge.complete' && r.json?.data?.id === target.id));
    for (let attempt = 0; attempt < 50; attempt++) {
      await page.reload();
      if (await page.locator('li[data-event="charge.complete"] .delivery').count()) break;
      await page.waitForTimeout(100);
    }
    const delivery = await page.textContent('li[data-event="charge.complete"] .delivery');
    assert.match(delivery ?? '', /200/);
    assert.match(delivery ?? '', new RegExp(`${receiver.url}/hooks`));

    // Refund part of it: bank_account inside the void window makes a partial void.
    assert.match(await page.textContent('[data-test="refund-partial"]') ?? '', /allowed, as a void/);
    const refundedBefore = (await api(`${gateway.url}/charges/${target.id}`, secretKey)).json.refunded_amount;
    // The receiver turns the first refund.create away, so a failed delivery shows up (and is retried).
    let refusedOnce = false;
    receiver.respond = (request) => {
      if (request.json?.key === 'refund.create' && !refusedOnce) {
        refusedOnce = true;
        return 500;
      }
      return 200;
    };
    await page.fill('#amount', '120.50');
    await page.click('[data-test="refund"]');
    const effect = (await page.textContent('[data-test="effect"]')) ?? '';
    assert.match(effect, /This will be a void/);
    assert.match(effect, /The customer gets ฿120\.50 back in their TrueMoney wallet\./);
    assert.match(effect, /Webhook event sent: refund\.create \(Refund created\)\.\s+To: http/);
    assert.equal((await api(`${gateway.url}/charges/${target.id}`, secretKey)).json.refunded_amount, refundedBefore, 'nothing happened yet');
    await page.fill('#reason', 'One iced tea was spilled');
    await b.screenshot(page, 'dashboard-confirm-refund');
    await page.click('[data-test="confirm"]');
    assert.match(await page.textContent('.notice') ?? '', /void was created/);
    assert.equal(await page.textContent('[data-test="charge-status"]'), 'Partly refunded');
    assert.match(await page.textContent('[data-test="refunded"]') ?? '', /120\.50/);
    assert.ok(await page.isVisible('#refunds td:has-text("void")'));
    await receiver.waitFor((all) => all.some((r) => r.json?.key === 'refund.create'));
    await page.reload();
    await b.screenshot(page, 'dashboard-charge');

    // Roll the test secret key: confirmation, then the new key shown once.
    await page.click('nav >> text=Keys');
    await page.check('form:has(input[value="secret"]) input[name="confirm"]');
    await page.click('button:has-text("Roll secret key")');
    const newKey = (await page.textContent('[data-test="new-key"]'))!.trim();
    assert.match(newKey, /^skey_test_[0-9a-z]{19}$/);
    await b.screenshot(page, 'dashboard-keys');
    assert.match(page.url(), /\/dashboard\/keys$/, 'the roll answered with a redirect to the keys page');
    await page.reload();
    assert.equal(await page.isVisible('[data-test="new-key"]'), false, 'a reload shows the key no more and rolls nothing');
    assert.equal((await api(`${gateway.url}/charges/${target.id}`, newKey)).status, 200);
    currentSecretKey = newKey;

    // Advance the test clock by a day.
    await page.click('nav >> text=Settings');
    const before = await page.textContent('[data-test="clock-now"]');
    await page.selectOption('#seconds', '86400');
    await page.click('button:has-text("Advance clock")');
    const after = await page.textContent('[data-test="clock-now"]');
    assert.equal(Date.parse(after!.replace(' ', 'T') + 'Z') - Date.parse(before!.replace(' ', 'T') + 'Z') >= 86_399_000, true, `${before} → ${after}`);
    await b.screenshot(page, 'dashboard-settings');

    // A day later the void window is closed: a partial refund of a bank_account charge is not allowed.
    await page.goto(`${gateway.url}/dashboard/charges/${target.id}`);
    assert.match(await page.textContent('[data-test="refund-partial"]') ?? '', /not allowed: partial refunds are not allowed when paid with Bank account linked to the wallet/);
    assert.match((await page.textContent('[data-test="clock-ahead"]')) ?? '', /test clock is 1 d ahead of the wall clock/);
    await b.screenshot(page, 'dashboard-charge-clock-ahead');
    assert.match(await page.textContent('[data-test="refund-full"]') ?? '', /allowed, as a refund/);

    // Charges on the new day make a second bar on the overview.
    const tomorrow = await charge(30000, 'Order #3001');
    await api(`${gateway.url}/charges/${tomorrow.id}/mark_as_paid`, newKey, { method: 'POST' });
    await page.click('nav >> text=Overview');
    assert.equal(await page.textContent('[data-test="today-count"]'), '1');
    assert.equal(await page.textContent('[data-test="today-rate"]'), '100.0%');
    await b.screenshot(page, 'dashboard-overview');
    await page.click('nav >> text=Webhooks');
    const firstRow = await page.textContent('#deliveries tbody tr:first-child');
    assert.match(firstRow ?? '', /500/, 'failures first');
    assert.ok(await page.locator('#deliveries tbody tr').count() > 1);
    await b.screenshot(page, 'dashboard-webhooks');
    await page.click('nav >> text=Audit log');
    for (const action of ['charge.mark_successful', 'charge.refund', 'key.roll', 'clock.advance', 'webhook_endpoint.create']) {
      assert.ok(await page.isVisible(`tr[data-action="${action}"]`), action);
    }
    assert.equal(await page.textContent('tr[data-action="charge.refund"] [data-test="what"]'), 'Refunded or voided a charge');
    assert.match(await page.textContent('tr[data-action="charge.refund"] [data-test="reason"]') ?? '', /One iced tea was spilled/);
    await b.screenshot(page, 'dashboard-audit');

    // The charge page, a confirmation and the audit log in Thai (the switch is remembered), then back to English.
    await page.goto(`${gateway.url}/dashboard/charges/${target.id}`);
    await page.click('[data-test="lang-switch"]');
    assert.equal(await page.getAttribute('html', 'lang'), 'th');
    assert.equal(await page.textContent('[data-test="charge-status"]'), 'คืนเงินบางส่วน');
    await b.screenshot(page, 'dashboard-charge-th');
    // The rest, a day later, is a refund: the whole remaining amount leaves the balance, asked in Thai, with a Thai reason.
    await page.click('[data-test="refund"]');
    const thaiEffect = (await page.textContent('[data-test="effect"]')) ?? '';
    assert.match(thaiEffect, /จะเป็นการคืนเงิน เพราะเลยเวลาตัดยอดสำหรับยกเลิกรายการแล้วเมื่อ/);
    assert.match(thaiEffect, /ยอดเงินของบัญชีจะลดลง ฿359\.50/);
    await page.fill('#reason', 'ลูกค้าเปลี่ยนใจ ขอคืนเงินส่วนที่เหลือ');
    await b.screenshot(page, 'dashboard-confirm-refund-th');
    await page.click('[data-test="confirm"]');
    assert.equal(await page.textContent('.notice'), 'สร้างการคืนเงินแล้ว');
    assert.equal(await page.textContent('[data-test="charge-status"]'), 'คืนเงินแล้ว');
    assert.equal((await api(`${gateway.url}/charges/${target.id}`, currentSecretKey)).json.refunded_amount, 48000);
    await page.goto(`${gateway.url}/dashboard/audit`);
    const thaiRow = (await page.textContent('tr[data-action="charge.refund"]')) ?? '';
    assert.match(thaiRow, /คืนเงินหรือยกเลิกรายการ/);
    assert.match(thaiRow, /เหตุผล: ลูกค้าเปลี่ยนใจ ขอคืนเงินส่วนที่เหลือ/);
    assert.match(thaiRow, /฿359\.50/);
    await b.screenshot(page, 'dashboard-audit-th');
    await page.click('[data-test="lang-switch"]');
    assert.equal(await page.getAttribute('html', 'lang'), 'en');

    // Live mode: the header switch; no live objects; live TrueMoney QR refused.
    await page.click('.mode button:has-text("Live")');
    assert.ok(await page.isVisible('.banner-live'));
    await page.click('nav >> text=Charges');
    assert.match(await page.textContent('main') ?? '', /No charges match/);
    await b.screenshot(page, 'dashboard-live-charges');
    await page.click('nav >> text=Settings');
    await page.check('input[name="truemoney_qr_live"]');
    await page.click('button:has-text("Save settings")');
    assert.match(await page.textContent('.error') ?? '', /live TrueMoney QR needs a live provider/i);
    await b.screenshot(page, 'dashboard-error');

    // Sign out: the dashboard is closed again.
    await page.goto(`${gateway.url}/dashboard`);
    await page.click('.mode button:has-text("Test")');
    await page.click('button:has-text("Sign out")');
    assert.match(page.url(), /\/dashboard\/signin/);
    await page.goto(`${gateway.url}/dashboard/keys`);
    assert.match(page.url(), /\/dashboard\/signin/);
  });

  test('on a phone: the charge list and a charge page fit the screen', async () => {
    const context = await b.context(phone);
    const mobile = await context.newPage();
    await mobile.goto(`${gateway.url}/dashboard/signin`);
    await mobile.fill('#email', operator.email);
    await mobile.fill('#password', operator.password);
    await mobile.click('button:has-text("Sign in")');
    await mobile.waitForURL(`${gateway.url}/dashboard`);
    await mobile.goto(`${gateway.url}/dashboard/charges`);
    const overflow = await mobile.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 1, `the page scrolls sideways by ${overflow}px`);
    await b.screenshot(mobile, 'dashboard-phone-charges');
    await mobile.click('table tbody tr:first-child a');
    await mobile.waitForSelector('[data-test="charge-status"]');
    const chargeOverflow = await mobile.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(chargeOverflow <= 1, `the charge page scrolls sideways by ${chargeOverflow}px`);
    await b.screenshot(mobile, 'dashboard-phone-charge');
    if (await mobile.isEnabled('[data-test="refund"]')) {
      await mobile.click('[data-test="refund"]');
      await mobile.waitForSelector('[data-test="confirm-title"]');
      const confirmOverflow = await mobile.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(confirmOverflow <= 1, `the confirmation scrolls sideways by ${confirmOverflow}px`);
      await b.screenshot(mobile, 'dashboard-phone-confirm');
    }
  });
});

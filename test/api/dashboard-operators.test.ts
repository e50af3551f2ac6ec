/**
 * Operators: invite by one-time link, disable (sessions end at once), password reset by one-time link,
 * role changes, the last owner kept, every action audited; and TOTP two-factor sign-in with recovery
 * codes (RFC 6238 ±1 step, no replay, tries limited).
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as OTPAuth from 'otpauth';
import { findOperatorByEmail, listAudit } from '../../src/store/operators.js';
import { sha256Hex } from '../../src/usecases/operators.js';
import { addOperator, cookieValue, type DashboardClient, getPage, operatorPassword, postForm, signIn } from '../support/dashboard.js';
import { describeEachStore, type Harness } from '../support/harness.js';

/** The wall clock the gateway reads (links' 24 hours, TOTP steps), moved by hand. */
const clock = { ms: Date.now(), nowMs: () => clock.ms };

const newPassword = 'a brand new passphrase 42';

/** The one-time link on the operators page, if it shows one. */
function linkOn(html: string): string | undefined {
  return /data-test="one-time-link"[\s\S]*?<p class="mono"[^>]*>([^<]+)<\/p>/.exec(html)?.[1];
}

async function formToken(h: Harness, url: string, headers: Record<string, string> = {}) {
  const page = await getPage(h.app, url, headers);
  return { page, token: cookieValue(page.setCookies, 'satang_form')! };
}

/** Posts the password form of a one-time link. */
async function usePasswordLink(h: Harness, link: string, password: string, again = password) {
  const path = new URL(link).pathname + new URL(link).search;
  const { page, token } = await formToken(h, path);
  const linkToken = new URL(link).searchParams.get('token')!;
  const res = await postForm(h.app, '/dashboard/password', { _form: token, token: linkToken, password, password_again: again }, { cookie: `satang_form=${token}` });
  return { page, res };
}

/** Password step of a sign-in: 303 to the code page (with the challenge cookie) or to the dashboard (with a session). */
async function passwordStep(h: Harness, email: string, password = operatorPassword) {
  const { token } = await formToken(h, '/dashboard/signin');
  return postForm(h.app, '/dashboard/signin', { _form: token, email, password, next: '/dashboard/charges' }, { cookie: `satang_form=${token}` });
}

async function codeStep(h: Harness, challenge: string, code: string) {
  const { token } = await formToken(h, '/dashboard/signin/code', { cookie: `satang_2fa=${challenge}` });
  return postForm(h.app, '/dashboard/signin/code', { _form: token, code }, { cookie: `satang_form=${token}; satang_2fa=${challenge}` });
}

describeEachStore(
  'dashboard operators: invite, disable, reset, roles',
  (h) => {
    let owner: DashboardClient;
    before(async () => {
      clock.ms = Date.now();
      await addOperator(h.store, 'owner@example.com');
      owner = await signIn(h.app, 'owner@example.com');
    });

    test('an owner invites by a one-time link (24 hours, shown once, stored hashed); the invitee chooses a password and signs in with the role given', async () => {
      const invited = await owner.post('/dashboard/operators/invite', { email: 'Nok@Example.com', role: 'viewer' });
      assert.equal(invited.status, 303, invited.body);
      const page = await owner.get(invited.location!);
      const link = linkOn(page.body);
      assert.ok(link, 'the page shows the link');
      assert.match(link, /^http:\/\/satang\.test\/dashboard\/password\?token=[A-Za-z0-9_-]{43}$/);
      assert.match(page.body, /Invite link for nok@example\.com/);
      assert.match(page.body, /\(24 hours\), once/);
      assert.match(page.body, /Invited \(no password yet\)/);
      assert.equal(linkOn((await owner.get('/dashboard/operators')).body), undefined, 'shown once');
      const token = new URL(link).searchParams.get('token')!;
      const stored = await h.store.read.selectFrom('operator_links').selectAll().execute();
      assert.ok(stored.some((l) => l.token_hash === sha256Hex(token)) && !stored.some((l) => l.token_hash === token), 'only a digest is stored');
      // Invited, without a password: nothing signs in as them.
      assert.equal((await passwordStep(h, 'nok@example.com', '')).status, 401);

      const thaiPage = await getPage(h.app, new URL(link).pathname + new URL(link).search, { 'accept-language': 'th' });
      assert.match(thaiPage.body, /คุณได้รับเชิญในบทบาทผู้ดูอย่างเดียว \(nok@example\.com\)/);
      const differ = await usePasswordLink(h, link, newPassword, 'something else entirely');
      assert.equal(differ.res.status, 400);
      assert.match(differ.res.body, /The two passwords differ/);
      const short = await usePasswordLink(h, link, 'short');
      assert.equal(short.res.status, 400);
      assert.match(short.res.body, /at least 12 characters/);
      const used = await usePasswordLink(h, link, newPassword);
      assert.equal(used.res.status, 303, used.res.body);
      assert.equal(used.res.location, '/dashboard/signin?done=invite_accepted');
      const again = await usePasswordLink(h, link, 'yet another passphrase');
      assert.equal(again.page.status, 403, 'the link works once');
      assert.match(again.page.body, /This link is not valid/);
      assert.equal(again.res.status, 403);

      const nok = await signIn(h.app, 'nok@example.com', newPassword);
      const home = await nok.get('/dashboard');
      assert.match(home.body, /nok@example\.com · Viewer/);
      assert.equal((await nok.post('/dashboard/settings', { name: 'Nok was here' })).status, 403);
      const actions = (await listAudit(h.store.read, 50)).map((e) => e.action);
      assert.ok(actions.includes('operator.invite') && actions.includes('operator.accept_invite'), actions.join(','));
    });

    test('an invite link runs out after 24 hours; a new one replaces it', async () => {
      await owner.post('/dashboard/operators/invite', { email: 'late@example.com', role: 'operator' });
      const first = linkOn((await owner.get('/dashboard/operators')).body)!;
      clock.ms += 24 * 3600 * 1000 + 1000;
      assert.equal((await getPage(h.app, new URL(first).pathname + new URL(first).search)).status, 403, 'expired');
      owner = await signIn(h.app, 'owner@example.com'); // sessions last 12 hours
      const late = await findOperatorByEmail(h.store.read, 'late@example.com');
      assert.equal((await owner.post(`/dashboard/operators/${late!.id}/reset-link`, {})).status, 303);
      const second = linkOn((await owner.get('/dashboard/operators')).body)!;
      assert.notEqual(second, first);
      assert.equal((await usePasswordLink(h, second, newPassword)).res.status, 303);
      await signIn(h.app, 'late@example.com', newPassword);
    });

    test('bad invites change nothing and say why', async () => {
      const before = await h.store.read.selectFrom('operators').selectAll().execute();
      for (const [form, words] of [
        [{ email: 'not an email', role: 'viewer' }, /Email must look like name@example\.com/],
        [{ email: 'x@example.com', role: 'admin' }, /Choose a role/],
        [{ email: 'owner@example.com', role: 'viewer' }, /already exists/],
      ] as const) {
        const res = await owner.post('/dashboard/operators/invite', form);
        assert.equal(res.status, 400, res.body);
        assert.match(res.body, words);
      }
      assert.deepEqual(await h.store.read.selectFrom('operators').selectAll().execute(), before);
    });

    test('disabling an operator ends their sessions at once; they cannot sign in; enabling lets them back', async () => {
      await addOperator(h.store, 'leaving@example.com', operatorPassword, 'operator');
      const leaving = await signIn(h.app, 'leaving@example.com');
      const id = (await findOperatorByEmail(h.store.read, 'leaving@example.com'))!.id;
      const res = await owner.post(`/dashboard/operators/${id}/disable`, {});
      assert.equal(res.status, 303, res.body);
      assert.equal(res.location, '/dashboard/operators?notice=operator_disabled');
      const after = await leaving.get('/dashboard/charges');
      assert.equal(after.status, 303);
      assert.match(after.location ?? '', /^\/dashboard\/signin/);
      assert.equal((await passwordStep(h, 'leaving@example.com')).status, 401);
      assert.match((await owner.get('/dashboard/operators')).body, /data-operator="leaving@example.com"[\s\S]*?Disabled/);
      assert.equal((await owner.post(`/dashboard/operators/${id}/enable`, {})).status, 303);
      await signIn(h.app, 'leaving@example.com');
    });

    test('nobody disables themselves, and the last owner keeps the role', async () => {
      const self = (await findOperatorByEmail(h.store.read, 'owner@example.com'))!.id;
      const disableSelf = await owner.post(`/dashboard/operators/${self}/disable`, {});
      assert.equal(disableSelf.status, 400);
      assert.match(disableSelf.body, /You cannot disable yourself/);
      const demoteSelf = await owner.post(`/dashboard/operators/${self}/role`, { role: 'viewer' });
      assert.equal(demoteSelf.status, 400);
      assert.match(demoteSelf.body, /The last owner cannot be disabled or lose the owner role/);
      // With a second owner, the first may step down; the second then is the last.
      await addOperator(h.store, 'second-owner@example.com');
      const second = await signIn(h.app, 'second-owner@example.com');
      assert.equal((await owner.post(`/dashboard/operators/${self}/role`, { role: 'operator' })).status, 303);
      assert.equal((await owner.get('/dashboard/operators')).status, 403, 'an operator now: the owners’ page is refused');
      const secondId = (await findOperatorByEmail(h.store.read, 'second-owner@example.com'))!.id;
      const demoteLast = await second.post(`/dashboard/operators/${secondId}/role`, { role: 'viewer' });
      assert.equal(demoteLast.status, 400);
      assert.equal((await second.post(`/dashboard/operators/${self}/role`, { role: 'owner' })).status, 303);
      assert.equal((await owner.get('/dashboard/operators')).status, 200, 'the role counts at the next request');
      const actions = (await listAudit(h.store.read, 50)).filter((e) => e.action === 'operator.change_role');
      assert.equal(actions.length, 2);
    });

    test('a password-reset link sets a new password and ends every session of that operator', async () => {
      await addOperator(h.store, 'forgetful@example.com', operatorPassword, 'viewer');
      const laptop = await signIn(h.app, 'forgetful@example.com');
      const phone = await signIn(h.app, 'forgetful@example.com');
      const id = (await findOperatorByEmail(h.store.read, 'forgetful@example.com'))!.id;
      await owner.post(`/dashboard/operators/${id}/reset-link`, {});
      const page = (await owner.get('/dashboard/operators')).body;
      assert.match(page, /Password-reset link for forgetful@example\.com/);
      const link = linkOn(page)!;
      const used = await usePasswordLink(h, link, newPassword);
      assert.equal(used.res.location, '/dashboard/signin?done=password_set');
      for (const client of [laptop, phone]) assert.equal((await client.get('/dashboard')).status, 303, 'signed out');
      assert.equal((await passwordStep(h, 'forgetful@example.com', operatorPassword)).status, 401, 'the old password no longer works');
      await signIn(h.app, 'forgetful@example.com', newPassword);
      const audit = await listAudit(h.store.read, 50);
      assert.ok(audit.some((e) => e.action === 'operator.reset_link' && e.target === id && e.operator_email === 'owner@example.com'));
      assert.ok(audit.some((e) => e.action === 'operator.reset_password' && e.operator_email === 'forgetful@example.com'));
    });

    test('the operators page lists email, role, status, two-factor and last sign-in, in Thai too', async () => {
      const page = await owner.get('/dashboard/operators', { 'accept-language': 'th' });
      assert.match(page.body, /<th>อีเมล<\/th><th>บทบาท<\/th><th>สถานะ<\/th><th>ยืนยันสองขั้นตอน<\/th><th>เข้าสู่ระบบล่าสุด<\/th>/);
      assert.match(page.body, /data-operator="forgetful@example.com"[\s\S]*?ใช้งานอยู่[\s\S]*?ปิด[\s\S]*?\d{4} \d{2}:\d{2}:\d{2}/);
      assert.match(page.body, /สร้างลิงก์เชิญ/);
    });
  },
  { wallClock: clock },
);

describeEachStore(
  'dashboard two-factor sign-in (TOTP)',
  (h) => {
    let client: DashboardClient;
    let secret: string;
    let recovery: string[];
    const totp = () => new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' });
    const codeAt = (ms: number) => totp().generate({ timestamp: ms });

    before(async () => {
      clock.ms = Date.now();
      await addOperator(h.store, 'careful@example.com', operatorPassword, 'operator');
      client = await signIn(h.app, 'careful@example.com');
    });

    test('turning it on shows the secret as an otpauth URI and a QR code, asks for a code, then shows 10 recovery codes once', async () => {
      const off = await client.get('/dashboard/security');
      assert.match(off.body, /Two-factor sign-in is off/);
      assert.equal((await client.post('/dashboard/security/totp/start', {})).status, 303);
      const setup = await client.get('/dashboard/security');
      secret = /data-test="totp-secret">([A-Z2-7]+)</.exec(setup.body)![1];
      assert.ok(secret.length >= 32, 'a 160-bit secret');
      assert.match(setup.body, new RegExp(`otpauth://totp/Satang:careful%40example\\.com\\?issuer=Satang&amp;secret=${secret}&amp;algorithm=SHA1&amp;digits=6&amp;period=30`));
      assert.match(setup.body, /<img src="data:image\/png;base64,[A-Za-z0-9+/=]+"/);
      const wrong = await client.post('/dashboard/security/totp/confirm', { code: String((Number(codeAt(clock.ms)) + 1) % 1_000_000).padStart(6, '0') });
      assert.equal(wrong.status, 400);
      assert.match(wrong.body, /That code is not right/);
      const on = await client.post('/dashboard/security/totp/confirm', { code: codeAt(clock.ms) });
      assert.equal(on.status, 303, on.body);
      const shown = await client.get(on.location!);
      recovery = [...shown.body.matchAll(/<li>([a-z2-9]{5}-[a-z2-9]{5})<\/li>/g)].map((m) => m[1]);
      assert.equal(recovery.length, 10);
      assert.equal(new Set(recovery).size, 10);
      assert.match(shown.body, /Two-factor sign-in is on/);
      const again = await client.get('/dashboard/security');
      assert.doesNotMatch(again.body, /data-test="recovery-codes"/, 'shown once');
      assert.match(again.body, /Recovery codes left: 10/);
      const stored = await h.store.read.selectFrom('operator_recovery_codes').selectAll().execute();
      assert.ok(stored.every((row) => !recovery.some((code) => row.code_hash.includes(code.replace('-', '')))), 'stored hashed');
    });

    test('sign-in asks for a code after the password; a code within a step either side works, once', async () => {
      clock.ms += 60_000;
      const first = await passwordStep(h, 'careful@example.com');
      assert.equal(first.status, 303);
      assert.equal(first.location, '/dashboard/signin/code');
      assert.equal(cookieValue(first.setCookies, 'satang_session'), undefined, 'no session yet');
      const challenge = cookieValue(first.setCookies, 'satang_2fa')!;
      const page = await getPage(h.app, '/dashboard/signin/code', { cookie: `satang_2fa=${challenge}`, 'accept-language': 'th' });
      assert.match(page.body, /กรอกรหัสเข้าสู่ระบบ/);
      const wrong = await codeStep(h, challenge, '000000' === codeAt(clock.ms) ? '111111' : '000000');
      assert.equal(wrong.status, 401);
      assert.match(wrong.body, /That code is not right\. 4 tries left\./);
      // The code of the step before (a phone 30 seconds behind) is still good.
      const late = codeAt(clock.ms - 30_000);
      const ok = await codeStep(h, challenge, late);
      assert.equal(ok.status, 303, ok.body);
      assert.equal(ok.location, '/dashboard/charges');
      assert.ok(cookieValue(ok.setCookies, 'satang_session'));
      // The same code again (replay), in a new sign-in: refused.
      const second = cookieValue((await passwordStep(h, 'careful@example.com')).setCookies, 'satang_2fa')!;
      assert.equal((await codeStep(h, second, late)).status, 401, 'a code is used once');
      const twoStepsAway = codeAt(clock.ms + 90_000);
      if (twoStepsAway !== codeAt(clock.ms) && twoStepsAway !== codeAt(clock.ms + 30_000)) assert.equal((await codeStep(h, second, twoStepsAway)).status, 401, 'outside ±1 step');
      assert.equal((await codeStep(h, second, codeAt(clock.ms))).status, 303);
    });

    test('five wrong codes end the sign-in; the challenge cookie alone is never a session', async () => {
      clock.ms += 60_000;
      const challenge = cookieValue((await passwordStep(h, 'careful@example.com')).setCookies, 'satang_2fa')!;
      for (let i = 0; i < 4; i++) assert.equal((await codeStep(h, challenge, 'nothing-' + i)).status, 401);
      const gone = await codeStep(h, challenge, 'nothing-5');
      assert.equal(gone.status, 401);
      assert.match(gone.body, /This sign-in ran out/);
      assert.equal((await codeStep(h, challenge, codeAt(clock.ms))).status, 401, 'even the right code, now');
      assert.equal((await getPage(h.app, '/dashboard', { cookie: `satang_2fa=${challenge}` })).status, 303);
      // Wrong codes count against this address like wrong passwords: it is throttled now, for 15 minutes.
      assert.equal((await passwordStep(h, 'careful@example.com')).status, 429);
      clock.ms += 16 * 60_000;
    });

    test('a recovery code signs in once instead of a code', async () => {
      const challenge = cookieValue((await passwordStep(h, 'careful@example.com')).setCookies, 'satang_2fa')!;
      const ok = await codeStep(h, challenge, recovery[0].toUpperCase());
      assert.equal(ok.status, 303, ok.body);
      const again = cookieValue((await passwordStep(h, 'careful@example.com')).setCookies, 'satang_2fa')!;
      assert.equal((await codeStep(h, again, recovery[0])).status, 401, 'each recovery code works once');
      assert.match((await client.get('/dashboard/security')).body, /Recovery codes left: 9/);
      assert.ok((await listAudit(h.store.read, 20)).some((e) => e.action === 'operator.recovery_code_used'));
    });

    test('turning it off takes a code; then sign-in is the password alone', async () => {
      clock.ms += 60_000;
      const refused = await client.post('/dashboard/security/totp/disable', { code: 'wrong' });
      assert.equal(refused.status, 400);
      const off = await client.post('/dashboard/security/totp/disable', { code: codeAt(clock.ms) });
      assert.equal(off.status, 303, off.body);
      assert.match((await client.get('/dashboard/security')).body, /Two-factor sign-in is off/);
      await signIn(h.app, 'careful@example.com');
      const actions = (await listAudit(h.store.read, 50)).map((e) => e.action);
      assert.ok(actions.includes('operator.totp_on') && actions.includes('operator.totp_off'));
      const secretInAudit = (await listAudit(h.store.read, 100)).some((e) => e.details.includes(secret));
      assert.equal(secretInAudit, false, 'the secret is never in the audit log');
    });
  },
  { wallClock: clock },
);

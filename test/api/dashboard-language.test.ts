/** The dashboard in Thai and English: every catalog complete in both, the browser's preference, the remembered switch. */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { catalogs, formatters } from '../../src/web/dashboard/i18n.js';
import { addOperator, getPage, signIn, type DashboardClient } from '../support/dashboard.js';
import { describeEachStore } from '../support/harness.js';

test('every catalog has the same keys in English and Thai, each with words and the same {placeholders}', () => {
  for (const [area, messages] of Object.entries(catalogs)) {
    assert.deepEqual(Object.keys(messages.th).sort(), Object.keys(messages.en).sort(), `${area}: the same keys`);
    for (const [key, en] of Object.entries(messages.en)) {
      const th = messages.th[key];
      assert.ok(en.trim() !== '' && th.trim() !== '', `${area} ${key} has words in both`);
      const holes = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      assert.deepEqual(holes(th), holes(en), `${area} ${key}: the same placeholders`);
    }
  }
});

test('numbers, baht and Bangkok times are written for the language', () => {
  const en = formatters('en');
  const th = formatters('th');
  assert.equal(en.money(123456789), '฿1,234,567.89');
  assert.equal(th.money(-5), '฿-0.05');
  // 2026-11-29 17:00:00 UTC is midnight in Bangkok.
  const midnight = Date.UTC(2026, 10, 29, 17, 0, 0);
  assert.equal(en.when(midnight), '2026-11-30 00:00:00');
  assert.match(th.when(midnight), /^30 พ\.ย\. 2569 00:00:00$/);
  assert.equal(th.span(26 * 3600 * 1000), '1 วัน 2 ชม.');
  assert.equal(en.code('funding', 'wallet_balance'), 'TrueMoney wallet balance');
  assert.equal(th.code('status', 'successful'), 'สำเร็จ');
});

describeEachStore('dashboard language: chosen by the browser, switched and remembered', (h) => {
  let client: DashboardClient;
  before(async () => {
    await addOperator(h.store, 'lang@example.com');
    client = await signIn(h.app, 'lang@example.com');
  });

  test('a browser that prefers Thai gets Thai; one that prefers English, or says nothing, gets English', async () => {
    const thai = await client.get('/dashboard', { 'accept-language': 'th-TH,th;q=0.9,en;q=0.8' });
    assert.match(thai.body, /<html lang="th">/);
    assert.match(thai.body, />ภาพรวม</);
    assert.match(thai.body, /เวลาทั้งหมดเป็นเวลาประเทศไทย \(UTC\+7\)/);
    const english = await client.get('/dashboard', { 'accept-language': 'en-US,en;q=0.9,th;q=0.5' });
    assert.match(english.body, /<html lang="en">/);
    assert.match(english.body, />Overview</);
    assert.match((await client.get('/dashboard')).body, /<html lang="en">/);
    const signin = await getPage(h.app, '/dashboard/signin', { 'accept-language': 'th' });
    assert.match(signin.body, /<html lang="th">/);
  });

  test('the switch remembers the choice over the browser, and only returns to dashboard pages', async () => {
    const switched = await getPage(h.app, '/dashboard/language?to=th&back=%2Fdashboard%2Fcharges%3Fstatus%3Dpending', { cookie: client.cookie });
    assert.equal(switched.status, 303);
    assert.equal(switched.location, '/dashboard/charges?status=pending');
    const cookie = switched.setCookies.find((c) => c.startsWith('satang_lang='));
    assert.ok(cookie && /Max-Age=31536000/.test(cookie) && /HttpOnly/.test(cookie), cookie);
    const page = await client.get('/dashboard/charges', { cookie: `${client.cookie}; satang_lang=th`, 'accept-language': 'en' });
    assert.match(page.body, /<html lang="th">/);
    const away = await getPage(h.app, '/dashboard/language?to=en&back=https%3A%2F%2Fevil.example%2F');
    assert.equal(away.location, '/dashboard');
    const bad = await getPage(h.app, '/dashboard/language?to=xx');
    assert.equal(bad.status, 400);
    assert.equal((await getPage(h.app, '/dashboard/favicon.svg')).status, 200);
  });
});

/** What an operator sees and does on the dashboard, checked against the API's view of the same objects. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { jobsOfEvents } from '../../src/store/dashboard.js';
import { countOperators, listAudit } from '../../src/store/operators.js';
import { createFirstOperator, hashPassword, issueSetupToken } from '../../src/usecases/operators.js';
import { addOperator, confirmAction, cookieValue, type DashboardClient, getPage, postForm, signIn } from '../support/dashboard.js';
import { describeEachStore, type Harness } from '../support/harness.js';
import { type Receiver, startReceiver } from '../support/receiver.js';

async function newCharge(h: Harness, amount: number, key = h.keys.secretKey, extra: Record<string, unknown> = {}) {
  const res = await h.request({ method: 'POST', url: '/charges', key, json: { amount, currency: 'THB', source: { type: 'truemoney_qr' }, ...extra } });
  assert.equal(res.status, 200, res.body);
  return res.json;
}

describeEachStore('dashboard pages: charges, actions, webhooks, keys, settings', (h) => {
  let client: DashboardClient;
  before(async () => {
    await addOperator(h.store, 'ops@example.com');
    client = await signIn(h.app, 'ops@example.com');
  });

  test('the charge list pages by 50 in SQL, filters by status and finds a charge by id or reference', async () => {
    const made: any[] = [];
    for (let i = 0; i < 55; i++) made.push(await newCharge(h, 10000 + i, h.keys.secretKey, { description: `order ${i}` }));
    const paid = await h.request({ method: 'POST', url: `/charges/${made[3].id}/mark_as_paid`, key: h.keys.secretKey });
    assert.equal(paid.status, 200);
    const first = await client.get('/dashboard/charges');
    assert.equal(first.status, 200);
    const ids = (html: string) => [...html.matchAll(/href="\/dashboard\/charges\/(chrg_[a-z0-9_]+)"/g)].map((m) => m[1]);
    assert.equal(ids(first.body).length, 50);
    assert.equal(ids(first.body)[0], made[54].id, 'newest first');
    const next = /href="([^"]+)" rel="next"/.exec(first.body);
    assert.ok(next, 'an Older link');
    const second = await client.get(next[1].replace(/&amp;/g, '&'));
    const secondIds = ids(second.body);
    assert.ok(secondIds.length >= 5);
    assert.ok(secondIds.includes(made[0].id));
    assert.equal(new Set([...ids(first.body), ...secondIds]).size, ids(first.body).length + secondIds.length, 'no charge on two pages');
    const successful = await client.get('/dashboard/charges?status=successful');
    assert.deepEqual(ids(successful.body), [made[3].id]);
    const byId = await client.get(`/dashboard/charges?q=${made[7].id}`);
    assert.deepEqual(ids(byId.body), [made[7].id]);
    const charge9 = await h.request({ url: `/charges/${made[9].id}`, key: h.keys.secretKey });
    const ref = charge9.json.source.provider_references.reference_number_1;
    assert.match(ref, /^pay2_/);
    const byRef = await client.get(`/dashboard/charges?q=${encodeURIComponent(ref)}`);
    assert.deepEqual(ids(byRef.body), [made[9].id]);
    const today = new Date(Date.now() + 7 * 3600_000).toISOString().slice(0, 10);
    const future = await client.get('/dashboard/charges?from=2099-01-01');
    assert.deepEqual(ids(future.body), []);
    const todayOnly = await client.get(`/dashboard/charges?from=${today}&to=${today}&status=successful`);
    assert.deepEqual(ids(todayOnly.body), [made[3].id]);
    const bad = await client.get('/dashboard/charges?q=%3Cscript%3E');
    assert.equal(bad.status, 200);
    assert.doesNotMatch(bad.body, /<script>/);
  });

  test('marking a charge successful through Actions (confirmed first) is the API’s completion: status, funding source, ledger, event', async () => {
    const charge = await newCharge(h, 25000);
    const pageBefore = await client.get(`/dashboard/charges/${charge.id}`);
    assert.match(pageBefore.body, /Allowed: pending until/);
    const { confirmation, result: res } = await confirmAction(client, charge.id, 'complete', { outcome: 'successful', funding_source: 'credit_card' });
    assert.match(confirmation.body, /The charge becomes Successful, paid with Card linked to the wallet\./);
    assert.ok(res);
    assert.equal(res.status, 303, res.body);
    assert.equal(res.location, `/dashboard/charges/${charge.id}?notice=marked_successful`);
    const api = await h.request({ url: `/charges/${charge.id}`, key: h.keys.secretKey });
    assert.equal(api.json.status, 'successful');
    assert.equal(api.json.funding_source ?? api.json.source?.funding_source ?? 'credit_card', 'credit_card');
    const events = await h.request({ url: `/charges/${charge.id}/events`, key: h.keys.secretKey });
    assert.deepEqual(events.json.data.map((e: any) => e.key), ['charge.create', 'charge.complete']);
    const after = await client.get(`/dashboard/charges/${charge.id}`);
    assert.match(after.body, /data-test="charge-status" data-status="successful">Successful</);
    assert.match(after.body, /data-test="funding-source" data-code="credit_card">Card linked to the wallet</);
    assert.match(after.body, /Not allowed: the charge is successful; only a pending charge can be completed/);
    // credit_card: a full void today, no partial void, no partial refund.
    assert.match(after.body, /data-test="refund-full">allowed, as a void/);
    assert.match(after.body, /data-test="refund-partial">not allowed: partial refunds are not allowed when paid with Card linked to the wallet/);
    const again = await client.post(`/dashboard/charges/${charge.id}/complete`, { confirm: 'yes', outcome: 'failed' });
    assert.equal(again.status, 400);
    assert.match(again.body, /charge is not pending/);
    const unknownSource = await client.post(`/dashboard/charges/${charge.id}/complete`, { confirm: 'yes', outcome: 'successful', funding_source: 'gold_bars' });
    assert.equal(unknownSource.status, 400);
  });

  test('refunds go through the refund rules: a partial void of a wallet charge today, refused beyond the remaining amount', async () => {
    const charge = await newCharge(h, 40000);
    assert.equal((await confirmAction(client, charge.id, 'complete', { outcome: 'successful', funding_source: 'wallet_balance' })).result?.status, 303);
    const { result: part } = await confirmAction(client, charge.id, 'refund', { amount: '150.50' });
    assert.ok(part);
    assert.equal(part.status, 303, part.body);
    assert.match(part.location ?? '', /notice=voided/);
    const api = await h.request({ url: `/charges/${charge.id}`, key: h.keys.secretKey });
    assert.equal(api.json.refunded_amount, 15050);
    assert.equal(api.json.refunds.data[0].voided, true);
    const tooMuch = await confirmAction(client, charge.id, 'refund', { amount: '300' });
    assert.equal(tooMuch.confirmation.status, 200);
    assert.equal(tooMuch.result, null, 'no form to confirm');
    assert.match(tooMuch.confirmation.body, /data-test="refused">Not allowed: the amount is more than the ฿249\.50 left to give back/);
    const notMoney = await client.get(`/dashboard/charges/${charge.id}/refund?amount=1.234`);
    assert.equal(notMoney.status, 400);
    const page = await client.get(`/dashboard/charges/${charge.id}`);
    assert.match(page.body, /150\.50/);
    assert.match(page.body, /data-status="partially_refunded">Partly refunded</);
    assert.match(page.body, /Void window<\/dt><dd data-test="void-window">open until/);
  });

  test('expire through Actions (confirmed first); a pending charge cannot be refunded and says why', async () => {
    const charge = await newCharge(h, 19900);
    const page = await client.get(`/dashboard/charges/${charge.id}`);
    assert.match(page.body, /data-test="refund-full">not allowed: only successful charges can be refunded \(this one is pending\)/);
    const { result: res } = await confirmAction(client, charge.id, 'expire');
    assert.equal(res?.status, 303);
    const api = await h.request({ url: `/charges/${charge.id}`, key: h.keys.secretKey });
    assert.equal(api.json.status, 'expired');
  });

  test('webhook endpoints: add, disable, edit, delete; the secret is revealed and rolled only by a POST', async () => {
    const add = await client.post('/dashboard/webhooks/endpoints', { url: 'http://127.0.0.1:9/hook' });
    assert.equal(add.status, 303, add.body);
    let api = await h.request({ url: '/webhook_endpoints', key: h.keys.secretKey });
    const endpoint = api.json.data.find((e: any) => e.url === 'http://127.0.0.1:9/hook');
    assert.ok(endpoint);
    assert.equal((await client.post(`/dashboard/webhooks/endpoints/${endpoint.id}`, { enabled: 'false' })).status, 303);
    assert.equal((await client.post(`/dashboard/webhooks/endpoints/${endpoint.id}`, { url: 'http://127.0.0.1:9/other' })).status, 303);
    api = await h.request({ url: '/webhook_endpoints', key: h.keys.secretKey });
    const changed = api.json.data.find((e: any) => e.id === endpoint.id);
    assert.equal(changed.url, 'http://127.0.0.1:9/other');
    assert.equal(changed.enabled ?? changed.active ?? false, false);
    const bad = await client.post('/dashboard/webhooks/endpoints', { url: 'ftp://nope' });
    assert.equal(bad.status, 400);
    const page = await client.get('/dashboard/webhooks');
    assert.doesNotMatch(page.body, /data-test="webhook-secret"/);
    const shownSecret = (html: string) => /data-test="webhook-secret">([^<]+)</.exec(html)?.[1];
    const revealed = await client.post('/dashboard/webhooks/secret/reveal', {});
    assert.equal(revealed.status, 303, 'Post/Redirect/Get');
    assert.equal(revealed.location, '/dashboard/webhooks');
    assert.equal(shownSecret(revealed.body), undefined, 'the POST answer carries no secret');
    const secret = shownSecret((await client.get('/dashboard/webhooks')).body);
    assert.ok(secret, 'the next page load shows the secret');
    assert.equal(shownSecret((await client.get('/dashboard/webhooks')).body), undefined, 'a reload no longer shows it');
    const rolled = await client.post('/dashboard/webhooks/secret/roll', { confirm: 'yes' });
    assert.equal(rolled.status, 303);
    assert.equal(rolled.location, '/dashboard/webhooks');
    assert.doesNotMatch(rolled.location ?? '', /whsec|secret=/);
    const afterRoll = await client.get('/dashboard/webhooks');
    const newSecret = shownSecret(afterRoll.body);
    assert.ok(newSecret);
    assert.notEqual(newSecret, secret);
    assert.match(afterRoll.body, /previous secret also signs deliveries until/);
    const reload = await client.get('/dashboard/webhooks');
    assert.equal(shownSecret(reload.body), undefined, 'reloading shows nothing and rolls nothing');
    assert.equal((await listAudit(h.store.read, 50)).filter((e) => e.action === 'webhook_secret.roll').length, 1, 'rolled once');
    assert.equal((await client.post(`/dashboard/webhooks/endpoints/${endpoint.id}/delete`, {})).status, 303);
    api = await h.request({ url: '/webhook_endpoints', key: h.keys.secretKey });
    assert.equal(api.json.data.some((e: any) => e.id === endpoint.id), false);
  });

  test('redeliver from a charge\'s timeline queues the event again; bad input is an error page, never a crash', async () => {
    const endpoint = await h.request({ method: 'POST', url: '/webhook_endpoints', key: h.keys.secretKey, json: { url: 'http://127.0.0.1:9/redeliver' } });
    assert.equal(endpoint.status, 200, endpoint.body);
    const charge = await newCharge(h, 12345);
    const events = await h.request({ url: `/charges/${charge.id}/events`, key: h.keys.secretKey });
    const eventId = events.json.data[0].id;
    assert.equal((await jobsOfEvents(h.store.read, [eventId])).length, 1);
    const page = await client.get(`/dashboard/charges/${charge.id}`);
    assert.match(page.body, /data-job-status="pending">Delivery to http:\/\/127.0.0.1:9\/redeliver: waiting, next try /);
    const res = await client.post(`/dashboard/charges/${charge.id}/events/${eventId}/redeliver`, {});
    assert.equal(res.status, 303, res.body);
    assert.equal((await jobsOfEvents(h.store.read, [eventId])).length, 2);
    assert.equal((await client.post(`/dashboard/charges/${charge.id}/events/evnt_test_nope/redeliver`, {})).status, 404);
    await h.request({ method: 'DELETE', url: `/webhook_endpoints/${endpoint.json.id}`, key: h.keys.secretKey });

    const odd: Array<[string, string, Record<string, string>]> = [
      ['GET', '/dashboard/charges?before=garbage&from=2026-13-45&to=yesterday&status=weird&q=%00', {}],
      ['GET', '/dashboard/charges/chrg$bad', {}],
      ['GET', '/dashboard/no/such/page', {}],
      ['POST', `/dashboard/charges/${charge.id}/refund`, { amount: '1e9' }],
      ['GET', `/dashboard/charges/${charge.id}/refund?amount=1e9&void=maybe`, {}],
      ['POST', `/dashboard/charges/${charge.id}/refund`, { confirm: 'yes', amount: '10', kind: 'void', seen: 'yesterday' }],
      ['POST', `/dashboard/charges/${charge.id}/complete`, { outcome: 'maybe' }],
      ['GET', `/dashboard/charges/${charge.id}/complete?outcome=maybe`, {}],
      ['POST', '/dashboard/clock/advance', { seconds: '99999999999999999999' }],
      ['POST', '/dashboard/keys/roll', { kind: 'both', confirm: 'yes' }],
      ['POST', '/dashboard/session/mode', { mode: 'sideways' }],
    ];
    for (const [method, url, form] of odd) {
      const response = method === 'GET' ? await client.get(url) : await client.post(url, form);
      assert.ok(response.status >= 200 && response.status < 500, `${method} ${url}: ${response.status}`);
    }
    for (const payload of ['[1,2]', '{"_csrf": ["a"]}', '"text"']) {
      const response = await h.app.inject({ method: 'POST', url: '/dashboard/settings', headers: { cookie: client.cookie, 'content-type': 'application/json' }, payload });
      assert.ok(response.statusCode >= 400 && response.statusCode < 500, `${payload}: ${response.statusCode}`);
    }
  });

  test('keys: a rolled secret key is shown once and works; the old one stops', async () => {
    const page = await client.get('/dashboard/keys');
    assert.match(page.body, new RegExp(h.keys.publicKey));
    assert.doesNotMatch(page.body, new RegExp(h.keys.secretKey));
    const unconfirmed = await client.post('/dashboard/keys/roll', { kind: 'secret' });
    assert.equal(unconfirmed.status, 400);
    assert.equal((await h.request({ url: '/charges', key: h.keys.secretKey })).status, 200);
    const rolled = await client.post('/dashboard/keys/roll', { kind: 'secret', confirm: 'yes' });
    assert.equal(rolled.status, 303, 'Post/Redirect/Get: a reload cannot roll again');
    assert.equal(rolled.location, '/dashboard/keys');
    assert.doesNotMatch(rolled.body, /skey_test_/);
    const shown = await client.get('/dashboard/keys');
    const key = /data-test="new-key">(skey_test_[0-9a-z]+)</.exec(shown.body)?.[1];
    assert.ok(key, 'the keys page shows the new key after the redirect');
    const reloaded = await client.get('/dashboard/keys');
    assert.doesNotMatch(reloaded.body, /data-test="new-key"/, 'a second load no longer shows it');
    assert.doesNotMatch(reloaded.body, new RegExp(key));
    assert.equal((await listAudit(h.store.read, 50)).filter((e) => e.action === 'key.roll').length, 1, 'rolled once');
    assert.equal((await h.request({ url: '/charges', key })).status, 200);
    await new Promise((resolve) => setTimeout(resolve, 2100)); // the API caches a key for two seconds
    assert.equal((await h.request({ url: '/charges', key: h.keys.secretKey })).status, 401);
    h.keys.secretKey = key;
    const later = await client.get('/dashboard/keys');
    assert.doesNotMatch(later.body, new RegExp(key));
  });

  test('settings, the test clock and live TrueMoney QR refused without a provider', async () => {
    const saved = await client.post('/dashboard/settings', { name: 'Shop', merchant_name: 'My Shop', biller_id: '010555555555501', fee_rate_bps: '300', fee_flat_satang: '0', qr_form: '1', truemoney_qr_test: 'on' });
    assert.equal(saved.status, 303, saved.body);
    const charge = await newCharge(h, 10000);
    const paid = await h.request({ method: 'POST', url: `/charges/${charge.id}/mark_as_paid`, key: h.keys.secretKey });
    assert.equal(paid.json.fee, 300, 'the fee rate set on the dashboard applies');
    const live = await client.post('/dashboard/settings', { qr_form: '1', truemoney_qr_test: 'on', truemoney_qr_live: 'on' });
    assert.equal(live.status, 400);
    assert.match(live.body, /live TrueMoney QR needs a live provider/i);
    const badBiller = await client.post('/dashboard/settings', { biller_id: '123' });
    assert.equal(badBiller.status, 400);
    const before = await h.request({ url: '/test/clock', key: h.keys.secretKey });
    assert.equal((await client.post('/dashboard/clock/advance', { seconds: '86400' })).status, 303);
    const after = await h.request({ url: '/test/clock', key: h.keys.secretKey });
    assert.ok(after.json.offset_seconds - before.json.offset_seconds >= 86399, 'a day ahead (to the second)');
    const oddStep = await client.post('/dashboard/clock/advance', { seconds: '-5' });
    assert.equal(oddStep.status, 400);
  });

  test('live mode shows live objects only, and test-only tools refuse there; the account switcher changes the account in view', async () => {
    const testCharge = await newCharge(h, 15000);
    assert.equal((await client.post('/dashboard/session/mode', { mode: 'live', back: '/dashboard/charges' })).status, 303);
    const list = await client.get('/dashboard/charges');
    assert.match(list.body, /Live mode: real money/);
    assert.doesNotMatch(list.body, new RegExp(testCharge.id));
    const detail = await client.get(`/dashboard/charges/${testCharge.id}`);
    assert.equal(detail.status, 404);
    const clock = await client.post('/dashboard/clock/advance', { seconds: '3600' });
    assert.equal(clock.status, 403);
    const reset = await client.post('/dashboard/reset', { confirm: 'yes' });
    assert.equal(reset.status, 403);
    assert.equal((await client.post('/dashboard/session/mode', { mode: 'test' })).status, 303);
    assert.equal((await client.post('/dashboard/session/account', { account: h.other.accountId })).status, 303);
    const other = await client.get('/dashboard/charges');
    assert.doesNotMatch(other.body, new RegExp(testCharge.id));
    assert.match(other.body, /<option value="[^"]+" selected>Other merchant</);
    assert.equal((await client.post('/dashboard/session/account', { account: 'acct_nope' })).status, 404);
    assert.equal((await client.post('/dashboard/session/account', { account: h.keys.accountId })).status, 303);
    assert.match((await client.get('/dashboard/charges')).body, new RegExp(testCharge.id));
  });

  test('the overview counts today’s charges and success rate', async () => {
    const page = await client.get('/dashboard');
    const count = Number(/data-test="month-count">(\d+)</.exec(page.body)![1]);
    const api = await h.request({ url: '/charges?limit=1', key: h.keys.secretKey });
    assert.equal(count, api.json.total);
    assert.match(page.body, /<svg class="chart wide"/);
    assert.match(page.body, /<svg class="chart narrow"/, 'a second drawing for phones');
    assert.match(page.body, /<rect class="bar"/);
  });

  test('reset deletes the account’s test data', async () => {
    const res = await client.post('/dashboard/reset', { confirm: 'yes' });
    assert.equal(res.status, 303);
    const api = await h.request({ url: '/charges', key: h.keys.secretKey });
    assert.equal(api.json.total, 0);
    const audit = await listAudit(h.store.read, 5);
    assert.equal(audit[0].action, 'test_data.reset');
  });
});

describeEachStore('dashboard setup: the one-time token makes the first operator', (h) => {
  test('a bad token is refused; the right one makes the operator once and signs in', async () => {
    const token = await h.store.transaction((tx) => issueSetupToken(tx, Date.now()));
    assert.ok(token);
    const noOperator = await getPage(h.app, '/dashboard/signin');
    assert.match(noOperator.body, /No operator exists yet/);
    const bad = await getPage(h.app, '/dashboard/setup?token=wrongwrongwrongwrong');
    assert.equal(bad.status, 403);
    const form = await getPage(h.app, `/dashboard/setup?token=${token}`);
    assert.equal(form.status, 200);
    const formToken = cookieValue(form.setCookies, 'satang_form')!;
    const post = (fields: Record<string, string>) => postForm(h.app, '/dashboard/setup', { _form: formToken, token: token!, ...fields }, { cookie: `satang_form=${formToken}` });
    const short = await post({ email: 'first@example.com', password: 'short', password_again: 'short' });
    assert.equal(short.status, 400);
    assert.match(short.body, /at least 12 characters/);
    assert.equal(await countOperators(h.store.read), 0);
    const made = await post({ email: 'first@example.com', password: 'a long enough password', password_again: 'a long enough password' });
    assert.equal(made.status, 303, made.body);
    assert.ok(cookieValue(made.setCookies, 'satang_session'));
    assert.equal(await countOperators(h.store.read), 1);
    const again = await post({ email: 'second@example.com', password: 'a long enough password', password_again: 'a long enough password' });
    assert.equal(again.status, 403);
    assert.equal(await countOperators(h.store.read), 1);
    assert.equal(await h.store.transaction((tx) => issueSetupToken(tx, Date.now())), null, 'no token once an operator exists');
  });
});

describeEachStore('dashboard setup: one token, two racing creations', (h) => {
  test('exactly one first operator is made, and the token is spent', async () => {
    const token = (await h.store.transaction((tx) => issueSetupToken(tx, Date.now())))!;
    const passwordHash = await hashPassword('another long password');
    const results = await Promise.allSettled(
      ['race1@example.com', 'race2@example.com'].map((email) => h.store.transaction((tx) => createFirstOperator(tx, token, { email, passwordHash }, Date.now()))),
    );
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    assert.equal(await countOperators(h.store.read), 1);
    const form = await getPage(h.app, `/dashboard/setup?token=${token}`);
    assert.equal(form.status, 303, 'setup is over once an operator exists');
  });
});

describeEachStore('dashboard setup: a link expires after an hour and a newer link retires the older one', (h) => {
  async function setUp(token: string) {
    const form = await getPage(h.app, `/dashboard/setup?token=${token}`);
    const formToken = cookieValue(form.setCookies, 'satang_form')!;
    const post = await postForm(
      h.app,
      '/dashboard/setup',
      { _form: formToken, token, email: 'first@example.com', password: 'a long enough password', password_again: 'a long enough password' },
      { cookie: `satang_form=${formToken}` },
    );
    return { form, post };
  }

  test('the older link is refused once a new one is issued (a restart), and a link issued over an hour ago is refused', async () => {
    const older = (await h.store.transaction((tx) => issueSetupToken(tx, Date.now())))!;
    assert.equal((await getPage(h.app, `/dashboard/setup?token=${older}`)).status, 200, 'the link works while it is the newest');
    const newer = (await h.store.transaction((tx) => issueSetupToken(tx, Date.now())))!;
    const olderAgain = await setUp(older);
    assert.equal(olderAgain.form.status, 403);
    assert.match(olderAgain.form.body, /replaced by a newer one/);
    assert.equal(olderAgain.post.status, 403, 'posting the form with the old token is refused too');
    assert.equal(await countOperators(h.store.read), 0);

    // A link issued 61 minutes ago (the newest one, never used) no longer works.
    const stale = (await h.store.transaction((tx) => issueSetupToken(tx, Date.now() - 61 * 60 * 1000)))!;
    const staleUse = await setUp(stale);
    assert.equal(staleUse.form.status, 403);
    assert.match(staleUse.form.body, /more than an hour old/);
    assert.equal(staleUse.post.status, 403);
    assert.equal(await countOperators(h.store.read), 0);
    assert.equal((await getPage(h.app, `/dashboard/setup?token=${newer}`)).status, 403, 'the stale link retired the one before it');

    // One issued 59 minutes ago still works, once.
    const fresh = (await h.store.transaction((tx) => issueSetupToken(tx, Date.now() - 59 * 60 * 1000)))!;
    const made = await setUp(fresh);
    assert.equal(made.form.status, 200);
    assert.equal(made.post.status, 303, made.post.body);
    assert.equal(await countOperators(h.store.read), 1);
  });
});

describeEachStore(
  'dashboard charge page: which clock each time comes from',
  (h) => {
    let receiver: Receiver;
    before(async () => {
      receiver = await startReceiver();
    });
    after(async () => {
      await receiver.close();
    });

    test('after the test clock moves a day ahead, deliveries say they are wall-clock times and the page says how far ahead the account is', async () => {
      const endpoint = await h.request({ method: 'POST', url: '/webhook_endpoints', key: h.keys.secretKey, json: { url: `${receiver.url}/omise` } });
      assert.equal(endpoint.status, 200, endpoint.body);
      await addOperator(h.store, 'clocks@example.com');
      const client = await signIn(h.app, 'clocks@example.com');
      const level = await newCharge(h, 10000);
      await h.gateway.webhooks.drain();
      const before = await client.get(`/dashboard/charges/${level.id}`);
      assert.match(before.body, /sent at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(wall clock\)/);
      assert.doesNotMatch(before.body, /data-test="clock-ahead"/, 'no note while both clocks agree');

      const advanced = await h.request({ method: 'POST', url: '/test/clock/advance', key: h.keys.secretKey, json: { seconds: 86_400 + 7200 } });
      assert.equal(advanced.status, 200, advanced.body);
      const ahead = await newCharge(h, 20000);
      await h.gateway.webhooks.drain();
      assert.ok(receiver.received.some((r) => r.json?.data?.id === ahead.id), 'the event was delivered');
      const page = await client.get(`/dashboard/charges/${ahead.id}`);
      assert.match(page.body, /data-test="clock-ahead">The account&#39;s test clock is 1 d 2 h ahead of the wall clock</);
      const eventTime = /Charge created<\/strong> <span class="muted mono" data-test="event-time">evnt_test_[0-9a-z]+ · ([\d: -]+) \(test clock\)/.exec(page.body)?.[1];
      const sentAt = /sent at ([\d: -]+) \(wall clock\)/.exec(page.body)?.[1];
      assert.ok(eventTime && sentAt, 'both times are shown, each with its clock');
      assert.ok(sentAt < eventTime, `the delivery (${sentAt}) reads earlier than its event (${eventTime}), which is why the clocks are named`);
    });
  },
  { dispatch: true, webhookAllowPrivateTargets: true, webhookTimeoutMs: 2000 },
);

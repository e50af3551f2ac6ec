/**
 * The dashboard's doors: no page without a session, no action without the session's CSRF
 * token (or from another site), and sign-in that says nothing about which half was wrong.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { findAccount, listActiveKeys } from '../../src/store/accounts.js';
import { findSession, listAudit } from '../../src/store/operators.js';
import { findCharge } from '../../src/store/charges.js';
import { listEndpoints } from '../../src/store/webhooks.js';
import { sha256Hex } from '../../src/usecases/operators.js';
import { addOperator, cookieValue, type DashboardClient, getPage, operatorPassword, postForm, signIn } from '../support/dashboard.js';
import { describeEachStore, type Harness, startTestGateway, type TestGateway } from '../support/harness.js';

async function newCharge(h: Harness, amount = 50000) {
  const res = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: { amount, currency: 'THB', source: { type: 'truemoney_qr' } } });
  assert.equal(res.status, 200, res.body);
  return res.json;
}

describeEachStore('dashboard access: sessions, CSRF and Origin on every route', (h) => {
  let client: DashboardClient;
  let pending: any;
  let paid: any;
  let eventId: string;
  let endpointId: string;

  before(async () => {
    await addOperator(h.store, 'ops@example.com');
    client = await signIn(h.app, 'ops@example.com');
    pending = await newCharge(h);
    paid = await newCharge(h, 80000);
    const marked = await h.request({ method: 'POST', url: `/charges/${paid.id}/mark_as_paid`, key: h.keys.secretKey });
    assert.equal(marked.status, 200, marked.body);
    const endpoint = await h.request({ method: 'POST', url: '/webhook_endpoints', key: h.keys.secretKey, json: { url: 'http://127.0.0.1:9/hook' } });
    assert.equal(endpoint.status, 200, endpoint.body);
    endpointId = endpoint.json.id;
    const events = await h.request({ url: `/charges/${pending.id}/events`, key: h.keys.secretKey });
    eventId = events.json.data[0].id;
  });

  /** A concrete URL for a route pattern, and a body that would succeed with a valid token. */
  function concrete(url: string): { url: string; form: Record<string, string> } {
    const forms: Record<string, Record<string, string>> = {
      '/dashboard/session/account': { account: h.other.accountId },
      '/dashboard/session/mode': { mode: 'live' },
      '/dashboard/charges/:id/complete': { confirm: 'yes', outcome: 'successful', funding_source: 'bank_account' },
      '/dashboard/charges/:id/expire': { confirm: 'yes' },
      '/dashboard/charges/:id/refund': { confirm: 'yes', amount: '100', kind: 'void', seen: '0' },
      '/dashboard/webhooks/endpoints': { url: 'http://127.0.0.1:9/forged' },
      '/dashboard/webhooks/endpoints/:id': { enabled: 'false' },
      '/dashboard/webhooks/secret/roll': { confirm: 'yes' },
      '/dashboard/keys/roll': { kind: 'secret', confirm: 'yes' },
      '/dashboard/settings': { name: 'Forged name', qr_form: '1', truemoney_qr_test: 'on' },
      '/dashboard/clock/advance': { seconds: '86400' },
      '/dashboard/test-settings': { default_outcome: 'successful', default_outcome_after_seconds: '0' },
      '/dashboard/reset': { confirm: 'yes' },
      '/dashboard/signin': { email: 'ops@example.com', password: 'correct horse battery staple' },
      '/dashboard/setup': { email: 'x@example.com', password: 'long enough password', password_again: 'long enough password', token: 'x'.repeat(20) },
    };
    const chargeId = url.includes('/refund') ? paid.id : pending.id;
    const concreteUrl = url
      .replace('/charges/:id', `/charges/${chargeId}`)
      .replace('/endpoints/:id', `/endpoints/${endpointId}`)
      .replace('/operators/:id', '/operators/oper_0000000000000000000')
      .replace(':event', eventId)
      .replace('/*', '/anything');
    return { url: concreteUrl, form: forms[url] ?? {} };
  }

  /** Everything an action could change, read from the store. */
  async function state() {
    const scope = { accountId: h.keys.accountId, livemode: 0 };
    return {
      audit: (await listAudit(h.store.read, 1000)).length,
      pending: (await findCharge(h.store.read, scope, pending.id))?.status,
      paid: (await findCharge(h.store.read, scope, paid.id))?.refunded_amount,
      endpoints: JSON.stringify(await listEndpoints(h.store.read, scope)),
      keys: (await listActiveKeys(h.store.read, h.keys.accountId)).map((k) => k.id).join(','),
      account: JSON.stringify(await findAccount(h.store.read, h.keys.accountId)),
      session: JSON.stringify(await findSession(h.store.read, sha256Hex(client.cookie.split('=')[1]), Date.now())),
    };
  }

  /** The dashboard's routes, as the app registered them. */
  const dashboardRouteTable = () =>
    h.app.routes.filter((r) => /^\/dashboard(\/|$)/.test(r.url)).map((r) => ({ method: r.method, url: r.url.replace(/\/$/, '') || '/', public: r.dashboardPublic }));

  test('the route table lists the pages and actions', () => {
    const get = dashboardRouteTable().filter((r) => r.method === 'GET').map((r) => r.url);
    const post = dashboardRouteTable().filter((r) => r.method === 'POST').map((r) => r.url);
    for (const url of ['/dashboard', '/dashboard/charges', '/dashboard/charges/:id', '/dashboard/webhooks', '/dashboard/keys', '/dashboard/developers', '/dashboard/developers/events', '/dashboard/settings', '/dashboard/audit']) {
      assert.ok(get.includes(url), `GET ${url} is registered`);
    }
    assert.ok(post.length >= 14, `${post.length} actions`);
  });

  test('without a session every page redirects to sign-in and every action is refused, changing nothing', async () => {
    const before = await state();
    for (const route of dashboardRouteTable().filter((r) => !r.public)) {
      const { url, form } = concrete(route.url);
      if (route.method === 'GET') {
        const res = await getPage(h.app, url);
        assert.equal(res.status, 303, `GET ${url}`);
        assert.match(res.location ?? '', /^\/dashboard\/signin\?next=/, `GET ${url}`);
      } else {
        const res = await postForm(h.app, url, form);
        assert.equal(res.status, 401, `POST ${url}: ${res.body.slice(0, 200)}`);
        // A stale or made-up cookie is no session either.
        const forged = await postForm(h.app, url, form, { cookie: 'satang_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' });
        assert.equal(forged.status, 401, `POST ${url} with a made-up cookie`);
      }
    }
    assert.deepEqual(await state(), before);
  });

  test('with a session, every action refuses a request without or with a wrong CSRF token, changing nothing', async () => {
    const before = await state();
    const actions = dashboardRouteTable().filter((r) => r.method === 'POST' && !r.public);
    for (const route of actions) {
      const { url, form } = concrete(route.url);
      const missing = await postForm(h.app, url, form, { cookie: client.cookie });
      assert.equal(missing.status, 403, `POST ${url} without a token: ${missing.body.slice(0, 200)}`);
      assert.match(missing.body, /CSRF token missing or wrong/);
      const wrong = await postForm(h.app, url, { ...form, _csrf: client.csrf.slice(0, -2) + 'xx' }, { cookie: client.cookie });
      assert.equal(wrong.status, 403, `POST ${url} with a wrong token`);
      const header = await postForm(h.app, url, form, { cookie: client.cookie, 'x-csrf-token': 'not-the-token' });
      assert.equal(header.status, 403, `POST ${url} with a wrong header token`);
      const crossSite = await postForm(h.app, url, { ...form, _csrf: client.csrf }, { cookie: client.cookie, origin: 'https://evil.example' });
      assert.equal(crossSite.status, 403, `POST ${url} from another origin`);
    }
    assert.deepEqual(await state(), before);
    // The same request with the token goes through: the refusals above were about the token.
    const ok = await client.post('/dashboard/settings', { name: 'Renamed shop', qr_form: '1', truemoney_qr_test: 'on' });
    assert.equal(ok.status, 303, ok.body);
    assert.equal((await findAccount(h.store.read, h.keys.accountId))?.name, 'Renamed shop');
    const viaHeader = await postForm(h.app, '/dashboard/charges/' + pending.id + '/complete', { confirm: 'yes', outcome: 'failed' }, { cookie: client.cookie, 'x-csrf-token': client.csrf, origin: 'http://localhost:80' });
    assert.equal(viaHeader.status, 303, viaHeader.body);
    assert.equal((await findCharge(h.store.read, { accountId: h.keys.accountId, livemode: 0 }, pending.id))?.status, 'failed');
  });

  test('sign-in and setup forms refuse a post without their form token', async () => {
    for (const url of ['/dashboard/signin', '/dashboard/setup']) {
      const { form } = concrete(url);
      const res = await postForm(h.app, url, form);
      assert.equal(res.status, 403, `POST ${url}`);
      assert.equal(cookieValue(res.setCookies, 'satang_session'), undefined);
    }
  });
});

describeEachStore('dashboard sign-in: generic errors, throttling, cookies, sign-out', (h) => {
  before(async () => {
    await addOperator(h.store, 'alice@example.com');
  });

  async function attempt(email: string, password: string, headers: Record<string, string> = {}, app = h.app) {
    const form = await getPage(app, '/dashboard/signin');
    const token = cookieValue(form.setCookies, 'satang_form')!;
    return postForm(app, '/dashboard/signin', { _form: token, email, password }, { cookie: `satang_form=${token}`, ...headers });
  }

  test('a wrong password and an unknown email get the same answer', async () => {
    const wrong = await attempt('alice@example.com', 'not the password at all');
    const unknown = await attempt('nobody@example.com', 'correct horse battery staple');
    assert.equal(wrong.status, 401);
    assert.equal(unknown.status, 401);
    for (const res of [wrong, unknown]) {
      assert.match(res.body, /Invalid email or password\./);
      assert.equal(cookieValue(res.setCookies, 'satang_session'), undefined);
    }
  });

  test('the session cookie is HttpOnly, SameSite=Lax, scoped to /dashboard, and Secure behind https', async () => {
    const res = await attempt('Alice@Example.com', 'correct horse battery staple');
    assert.equal(res.status, 303);
    const line = res.setCookies.find((c) => c.startsWith('satang_session='))!;
    assert.match(line, /HttpOnly/);
    assert.match(line, /SameSite=Lax/);
    assert.match(line, /Path=\/dashboard/);
    assert.doesNotMatch(line, /Secure/);
    // The same database behind https: a gateway whose public URL is https.
    const behindHttps = await startTestGateway(h.store, { publicUrl: 'https://pay.example.com' });
    try {
      const secure = await attempt('alice@example.com', 'correct horse battery staple', {}, behindHttps.app);
      assert.match(secure.setCookies.find((c) => c.startsWith('satang_session='))!, /; Secure/);
    } finally {
      await behindHttps.close();
    }
  });

  test('pages carry security headers', async () => {
    const client = await signIn(h.app, 'alice@example.com');
    const res = await h.app.inject({ url: '/dashboard/charges', headers: { cookie: client.cookie } });
    assert.match(String(res.headers['content-security-policy']), /script-src 'nonce-[^']+'/);
    assert.equal(res.headers['x-frame-options'], 'DENY');
    assert.equal(res.headers['cache-control'], 'no-store');
  });

  test('repeated failures for one email are throttled, even with the right password afterwards', async () => {
    await addOperator(h.store, 'bob@example.com');
    for (let i = 0; i < 5; i++) assert.equal((await attempt('bob@example.com', `wrong password ${i}!`)).status, 401);
    const blocked = await attempt('bob@example.com', 'correct horse battery staple');
    assert.equal(blocked.status, 429);
    assert.match(blocked.body, /Too many failed sign-ins/);
    assert.equal(cookieValue(blocked.setCookies, 'satang_session'), undefined);
  });

  test('signing out ends the session in the database', async () => {
    const client = await signIn(h.app, 'alice@example.com');
    const out = await client.post('/dashboard/signout', {});
    assert.equal(out.status, 303);
    assert.equal(out.location, '/dashboard/signin');
    const after = await client.get('/dashboard/charges');
    assert.equal(after.status, 303);
    assert.match(after.location ?? '', /signin/);
  });

  test('the audit log records who did what', async () => {
    const client = await signIn(h.app, 'alice@example.com');
    const res = await client.post('/dashboard/settings', { merchant_name: 'Audited Shop' });
    assert.equal(res.status, 303, res.body);
    const audit = await client.get('/dashboard/audit');
    assert.match(audit.body, /alice@example.com/);
    assert.match(audit.body, /data-test="what">Changed account settings</);
    assert.match(audit.body, /Audited Shop/);
    const entries = await listAudit(h.store.read, 10);
    assert.equal(entries[0].action, 'account.settings');
    assert.equal(entries[0].operator_email, 'alice@example.com');
  });
});

/** A wall clock the test moves by hand (sign-in windows are wall-clock time). */
const throttleClock = { ms: Date.now(), nowMs: () => throttleClock.ms };

describeEachStore(
  'dashboard sign-in throttling is shared by every gateway process through the database',
  (h) => {
    let second: FastifyInstance;
    let secondGateway: TestGateway | undefined;
    before(async () => {
      throttleClock.ms = Date.now();
      // A second gateway on the same database: what another `satang serve` process would be.
      secondGateway = await startTestGateway(h.store, { publicUrl: h.publicUrl, wallClock: throttleClock });
      second = secondGateway.app;
      await addOperator(h.store, 'carol@example.com');
      await addOperator(h.store, 'dave@example.com');
    });
    after(async () => {
      await secondGateway?.close();
    });

    async function attempt(app: FastifyInstance, email: string, password: string, remoteAddress = '127.0.0.1') {
      const form = await getPage(app, '/dashboard/signin');
      const token = cookieValue(form.setCookies, 'satang_form')!;
      const res = await app.inject({
        method: 'POST',
        url: '/dashboard/signin',
        remoteAddress,
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `satang_form=${token}` },
        payload: new URLSearchParams({ _form: token, email, password }).toString(),
      });
      return res.statusCode;
    }

    test('failures on two processes add up: five for one email blocks it on both, until 15 minutes pass', async () => {
      for (let i = 0; i < 3; i++) assert.equal(await attempt(h.app, 'carol@example.com', `wrong ${i} password`), 401);
      for (let i = 0; i < 2; i++) assert.equal(await attempt(second, 'carol@example.com', `wrong ${i} password`), 401);
      assert.equal(await attempt(second, 'carol@example.com', operatorPassword), 429, 'the second process counts the first one’s failures');
      assert.equal(await attempt(h.app, 'carol@example.com', operatorPassword), 429);
      assert.equal(await attempt(h.app, 'dave@example.com', operatorPassword), 303, 'another email from the same address still signs in');
      throttleClock.ms += 14 * 60 * 1000;
      assert.equal(await attempt(second, 'carol@example.com', operatorPassword), 429, 'still inside the window');
      throttleClock.ms += 61 * 1000;
      assert.equal(await attempt(second, 'carol@example.com', operatorPassword), 303, 'the window has passed');
    });

    test('a successful sign-in clears the email’s failures', async () => {
      for (let i = 0; i < 4; i++) assert.equal(await attempt(i % 2 ? h.app : second, 'dave@example.com', `wrong ${i} password`), 401);
      assert.equal(await attempt(h.app, 'dave@example.com', operatorPassword), 303);
      for (let i = 0; i < 4; i++) assert.equal(await attempt(second, 'dave@example.com', `again wrong ${i}`), 401, 'counting starts again from zero');
      assert.equal(await attempt(h.app, 'dave@example.com', operatorPassword), 303);
    });

    test('racing wrong passwords for one email, on two processes at once, get exactly five tries', async () => {
      await addOperator(h.store, 'erin@example.com');
      const statuses = await Promise.all(Array.from({ length: 9 }, (_, i) => attempt(i % 2 ? h.app : second, 'erin@example.com', `racing guess ${i}`, '198.51.100.9')));
      assert.equal(statuses.filter((s) => s === 401).length, 5, `answers: ${statuses.join(', ')}`);
      assert.equal(statuses.filter((s) => s === 429).length, 4);
    });

    test('twenty failures from one address block it for every email, on every process; another address is not blocked', async () => {
      const address = '203.0.113.7';
      for (let i = 0; i < 20; i++) assert.equal(await attempt(i % 2 ? h.app : second, `guess${i}@example.com`, 'wrong password here', address), 401);
      assert.equal(await attempt(h.app, 'carol@example.com', operatorPassword, address), 429);
      assert.equal(await attempt(second, 'dave@example.com', operatorPassword, address), 429);
      assert.equal(await attempt(second, 'carol@example.com', operatorPassword, '203.0.113.8'), 303);
    });
  },
  { wallClock: throttleClock },
);

/**
 * A NUL or a lone surrogate in any string parameter (value or name, at any depth, in the query
 * string or the body, JSON or form) is a 400 that names the parameter (invalid_charge on
 * POST /charges, bad_request elsewhere; DECISIONS §9), checked once at the edge before any
 * authentication or write, on every route: API, simulator, hosted page and dashboard. PostgreSQL
 * cannot store a NUL (a charge's webhook_endpoints with one answered 500), and a lone surrogate is
 * not text any store or JSON reader can take back.
 *
 * The seeded test walks every registered route (the app's route table): a route missing from the
 * table below fails it, so a new route cannot dodge the check.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { sql } from 'kysely';
import qs from 'qs';
import { addOperator, cookieValue, type DashboardClient, getPage, operatorPassword, postForm, signIn } from '../support/dashboard.js';
import { describeEachStore, type Harness, type TestResponse } from '../support/harness.js';
import { seeded } from '../support/seeded.js';

const seed = Number(process.env.SATANG_PARAMS_SEED ?? 20251129);

/** How the gateway prints a parameter name in its message (escaped as JSON escapes it). */
const shown = (name: string) => JSON.stringify(name).slice(1, -1);

/** Every row of every table of this store, as sorted text: "no rows changed" is this staying equal. */
async function everyRow(h: Harness): Promise<Record<string, string[]>> {
  // This store's own tables only (Kysely's introspection would also read other test files' schemas as they come and go).
  const query =
    h.dialect === 'postgres'
      ? sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`
      : sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`;
  // The request log records requests, refused ones too, after their replies (DECISIONS §10): a record of
  // what was asked, not state a request changed (test/api/request-log.test.ts shows a refused one's entry).
  const tables = (await query.execute(h.store.read)).rows.map((row) => row.name).filter((name) => !name.startsWith('kysely_') && name !== 'request_log');
  assert.ok(tables.length >= 15, `found ${tables.length} tables`);
  const rows: Record<string, string[]> = {};
  for (const table of tables) {
    const all = await h.store.read.selectFrom(table as 'charges').selectAll().execute();
    rows[table] = all.map((row) => JSON.stringify(row, (_key, value) => (typeof value === 'bigint' ? String(value) : value))).sort();
  }
  return rows;
}

function describeResponse(res: TestResponse): string {
  return `${res.status} ${String(res.headers['content-type'] ?? '')} ${res.body.slice(0, 200)}`;
}

interface Ids {
  charge: string;
  paid: string;
  source: string;
  event: string;
  refund: string;
  transaction: string;
  document: string;
  token: string;
  paymentRef: string;
  payload: string;
  endpoint: string;
  other: string;
}

interface RouteParams {
  /** The concrete path for the route's pattern. */
  url: (ids: Ids) => string;
  /** The parameters the route reads, with values that would be served (strings, as forms send them). */
  params: (ids: Ids) => Record<string, unknown>;
}

const list = () => ({ limit: '10', offset: '0', order: 'reverse_chronological', from: '2025-01-01T00:00:00Z', to: '2035-01-01T00:00:00Z' });
const none = () => ({});
const at = (path: string) => () => path;

/** Every route and the parameters it reads. */
const routes: Record<string, RouteParams> = {
  'GET /healthz': { url: at('/healthz'), params: none },
  'GET /dashboard/charges/:id/manual-refund': { url: (ids) => `/dashboard/charges/${ids.paid}/manual-refund`, params: () => ({ amount: '10.00', reference: 'TRF-0001' }) },
  'POST /dashboard/charges/:id/manual-refund': { url: (ids) => `/dashboard/charges/${ids.paid}/manual-refund`, params: () => ({ confirm: 'yes', amount: '10.00', reference: 'TRF-0001', seen: '1', reason: 'by transfer' }) },
  'GET /dashboard/reconciliation': { url: at('/dashboard/reconciliation'), params: none },
  'POST /providers/scb/callbacks/:secret': { url: at(`/providers/scb/callbacks/${'c'.repeat(64)}`), params: () => ({ transactionId: '20261130ABCDEF', amount: '100.00', billPaymentRef1: 'REF1', payeeProxyId: '010556012345601' }) },
  'GET /readyz': { url: at('/readyz'), params: none },
  'GET /metrics': { url: at('/metrics'), params: none },
  'GET /openapi.json': { url: at('/openapi.json'), params: none },
  'OPTIONS /sources': { url: at('/sources'), params: none },
  'OPTIONS /sources/:id': { url: (ids) => `/sources/${ids.source}`, params: none },
  'OPTIONS /capability': { url: at('/capability'), params: none },
  'POST /sources': {
    url: at('/sources'),
    params: () => ({ type: 'truemoney_qr', amount: '400000', currency: 'THB', email: 'payer@example.com', name: 'Somchai', ip: '203.0.113.7', mobile_number: '0812345678', phone_number: '021234567', platform_type: 'WEB' }),
  },
  'GET /sources/:id': { url: (ids) => `/sources/${ids.source}`, params: none },
  'GET /capability': { url: at('/capability'), params: none },
  'POST /charges': {
    url: at('/charges'),
    params: () => ({
      amount: '400000',
      currency: 'THB',
      source: { type: 'truemoney_qr' },
      description: 'order 42',
      return_uri: 'https://shop.example/orders/42',
      ip: '203.0.113.7',
      metadata: { order_id: '42' },
      webhook_endpoints: ['https://shop.example/hooks'],
    }),
  },
  'GET /charges': { url: at('/charges'), params: list },
  'GET /charges/:id': { url: (ids) => `/charges/${ids.charge}`, params: none },
  'PATCH /charges/:id': { url: (ids) => `/charges/${ids.charge}`, params: () => ({ description: 'order 42 (edited)', metadata: { note: 'gift' } }) },
  'POST /charges/:id/capture': { url: (ids) => `/charges/${ids.charge}/capture`, params: none },
  'POST /charges/:id/reverse': { url: (ids) => `/charges/${ids.charge}/reverse`, params: none },
  'GET /charges/:id/documents/:docu': { url: (ids) => `/charges/${ids.charge}/documents/${ids.document}`, params: none },
  'GET /charges/:id/documents/:docu/downloads/:token': { url: (ids) => `/charges/${ids.charge}/documents/${ids.document}/downloads/${ids.token}`, params: none },
  'GET /events': { url: at('/events'), params: list },
  'GET /events/:id': { url: (ids) => `/events/${ids.event}`, params: none },
  'GET /charges/:id/events': { url: (ids) => `/charges/${ids.charge}/events`, params: list },
  'POST /charges/:id/mark_as_paid': { url: (ids) => `/charges/${ids.charge}/mark_as_paid`, params: () => ({ funding_source: 'bank_account' }) },
  'POST /charges/:id/mark_as_failed': { url: (ids) => `/charges/${ids.charge}/mark_as_failed`, params: none },
  'POST /charges/:id/expire': { url: (ids) => `/charges/${ids.charge}/expire`, params: none },
  'GET /balance': { url: at('/balance'), params: none },
  'GET /transactions': { url: at('/transactions'), params: list },
  'GET /transactions/:id': { url: (ids) => `/transactions/${ids.transaction}`, params: none },
  'GET /test/clock': { url: at('/test/clock'), params: none },
  'POST /test/clock/advance': { url: at('/test/clock/advance'), params: () => ({ seconds: '60' }) },
  'POST /test/reset': { url: at('/test/reset'), params: none },
  'POST /test/trigger': { url: at('/test/trigger'), params: () => ({ event: 'charge.complete', amount: '20000', funding_source: 'bank_account' }) },
  'GET /test/settings': { url: at('/test/settings'), params: none },
  // Values that leave the account as it is (no default outcome): the walk's later charges stay pending.
  'PATCH /test/settings': { url: at('/test/settings'), params: () => ({ default_outcome: 'none', default_outcome_after_seconds: '0', default_funding_source: 'none' }) },
  'GET /test/requests': { url: at('/test/requests'), params: () => ({ ...list(), status: '4xx,500', method: 'GET', route: '/charges/:id', path: '/charges', request_id: 'req-1' }) },
  'GET /test/requests/stream': { url: at('/test/requests/stream'), params: () => ({ status: '4xx', method: 'POST', route: '/charges', path: '/charges', request_id: 'req-1' }) },
  'POST /test/listeners': { url: at('/test/listeners'), params: () => ({ events: 'charge.create,charge.complete', forward_to: 'http://localhost:3000/hooks' }) },
  'GET /test/listeners/:id': { url: at('/test/listeners/lstn_test_0000000000000000000'), params: none },
  'GET /test/listeners/:id/stream': { url: at('/test/listeners/lstn_test_0000000000000000000/stream'), params: none },
  'POST /test/listeners/:id/deliveries/:delivery/ack': {
    url: at('/test/listeners/lstn_test_0000000000000000000/deliveries/whjb_test_0000000000000000000/ack'),
    params: () => ({ status: '500', duration_ms: '12', error: 'the local URL answered 500' }),
  },
  'POST /test/listeners/:id/acks': {
    url: at('/test/listeners/lstn_test_0000000000000000000/acks'),
    params: () => ({ acks: [{ delivery: 'whjb_test_0000000000000000000', status: '200', duration_ms: '3', error: 'fine' }] }),
  },
  'DELETE /test/listeners/:id': { url: at('/test/listeners/lstn_test_0000000000000000000'), params: none },
  'GET /webhook_endpoints': { url: at('/webhook_endpoints'), params: none },
  'POST /webhook_endpoints': { url: at('/webhook_endpoints'), params: () => ({ url: 'https://shop.example/hooks/new' }) },
  'GET /webhook_endpoints/:id': { url: (ids) => `/webhook_endpoints/${ids.endpoint}`, params: none },
  'PATCH /webhook_endpoints/:id': { url: (ids) => `/webhook_endpoints/${ids.endpoint}`, params: () => ({ url: 'https://shop.example/hooks/moved', enabled: 'false', chaos: { delay_ms: ['1', '2'], seed: '5' } }) },
  'DELETE /webhook_endpoints/:id': { url: (ids) => `/webhook_endpoints/${ids.endpoint}`, params: none },
  'GET /webhook_secret': { url: at('/webhook_secret'), params: none },
  'POST /webhook_secret/roll': { url: at('/webhook_secret/roll'), params: none },
  'POST /events/:id/redeliver': { url: (ids) => `/events/${ids.event}/redeliver`, params: () => ({ url: 'https://shop.example/hooks' }) },
  'POST /charges/:id/refunds': { url: (ids) => `/charges/${ids.paid}/refunds`, params: () => ({ amount: '1000', void: 'false', metadata: { reason: 'damaged' } }) },
  'GET /charges/:id/refunds': { url: (ids) => `/charges/${ids.paid}/refunds`, params: list },
  'GET /charges/:id/refunds/:refund': { url: (ids) => `/charges/${ids.paid}/refunds/${ids.refund}`, params: none },
  'GET /refunds': { url: at('/refunds'), params: list },
  'GET /account': { url: at('/account'), params: none },
  'PATCH /account': { url: at('/account'), params: () => ({ email: 'developer@shop.example' }) },
  'GET /search': {
    url: at('/search'),
    params: () => ({
      scope: 'charge',
      query: 'blue amount:1000',
      order: 'reverse_chronological',
      page: '1',
      per_page: '10',
      filters: { status: 'pending', amount: '1000..2000', created: '2025-01-01..2035-01-01', metadata: { order_id: '42' } },
    }),
  },
  'GET /omise.js': { url: at('/omise.js'), params: none },
  'GET /payments/:ref/status': { url: (ids) => `/payments/${ids.paymentRef}/status`, params: none },
  'GET /payments/assets/pay.js': { url: at('/payments/assets/pay.js'), params: none },
  'GET /payments/:ref/authorize': { url: (ids) => `/payments/${ids.paymentRef}/authorize`, params: () => ({ acs: 'false' }) },
  'POST /simulator/scan': { url: at('/simulator/scan'), params: (ids) => ({ payload: ids.payload }) },
  'POST /simulator/approve': { url: at('/simulator/approve'), params: (ids) => ({ payload: ids.payload, funding_source: 'wallet_balance' }) },
  'POST /simulator/decline': { url: at('/simulator/decline'), params: (ids) => ({ payload: ids.payload }) },
  'GET /simulator/assets/simulator.js': { url: at('/simulator/assets/simulator.js'), params: none },
  'GET /simulator/assets/jsqr.js': { url: at('/simulator/assets/jsqr.js'), params: none },
  'GET /simulator': { url: at('/simulator'), params: (ids) => ({ payload: ids.payload }) },
  'POST /simulator': { url: at('/simulator'), params: (ids) => ({ payload: ids.payload, decision: 'approve', funding_source: 'wallet_balance' }) },
  'GET /dashboard/signin': { url: at('/dashboard/signin'), params: () => ({ next: '/dashboard/charges' }) },
  'POST /dashboard/signin': { url: at('/dashboard/signin'), params: () => ({ _form: 'f'.repeat(22), email: 'ops@example.com', password: operatorPassword, next: '/dashboard' }) },
  'POST /dashboard/signout': { url: at('/dashboard/signout'), params: none },
  'GET /dashboard/favicon.svg': { url: at('/dashboard/favicon.svg'), params: none },
  'GET /dashboard/language': { url: at('/dashboard/language'), params: () => ({ to: 'th', back: '/dashboard' }) },
  'GET /dashboard/setup': { url: at('/dashboard/setup'), params: () => ({ token: 't'.repeat(32) }) },
  'POST /dashboard/setup': {
    url: at('/dashboard/setup'),
    params: () => ({ _form: 'f'.repeat(22), token: 't'.repeat(32), email: 'new@example.com', password: 'long enough password', password_again: 'long enough password' }),
  },
  'POST /dashboard/session/account': { url: at('/dashboard/session/account'), params: (ids) => ({ account: ids.other, back: '/dashboard' }) },
  'POST /dashboard/session/mode': { url: at('/dashboard/session/mode'), params: () => ({ mode: 'live', back: '/dashboard' }) },
  'GET /dashboard': { url: at('/dashboard'), params: none },
  'GET /dashboard/charges': { url: at('/dashboard/charges'), params: () => ({ status: 'pending', amount: '100..500', from: '2025-01-01', to: '2035-01-01', q: 'chrg', before: '1700000000000_1' }) },
  'GET /dashboard/balance': { url: at('/dashboard/balance'), params: none },
  'GET /dashboard/transactions': { url: at('/dashboard/transactions'), params: () => ({ before: '1700000000000_1' }) },
  'GET /dashboard/exports/charges.csv': { url: at('/dashboard/exports/charges.csv'), params: () => ({ from: '2025-01-01', to: '2025-12-31' }) },
  'GET /dashboard/exports/refunds.csv': { url: at('/dashboard/exports/refunds.csv'), params: () => ({ from: '2025-01-01', to: '2025-12-31' }) },
  'GET /dashboard/exports/transactions.csv': { url: at('/dashboard/exports/transactions.csv'), params: () => ({ from: '2025-01-01', to: '2025-12-31' }) },
  'GET /dashboard/charges/:id': { url: (ids) => `/dashboard/charges/${ids.charge}`, params: () => ({ notice: 'completed' }) },
  'GET /dashboard/charges/:id/complete': { url: (ids) => `/dashboard/charges/${ids.charge}/complete`, params: () => ({ outcome: 'successful', funding_source: 'bank_account' }) },
  'POST /dashboard/charges/:id/complete': { url: (ids) => `/dashboard/charges/${ids.charge}/complete`, params: () => ({ confirm: 'yes', outcome: 'successful', funding_source: 'bank_account', reason: 'paid at the counter' }) },
  'GET /dashboard/charges/:id/expire': { url: (ids) => `/dashboard/charges/${ids.charge}/expire`, params: none },
  'POST /dashboard/charges/:id/expire': { url: (ids) => `/dashboard/charges/${ids.charge}/expire`, params: () => ({ confirm: 'yes', reason: 'customer left' }) },
  'GET /dashboard/charges/:id/refund': { url: (ids) => `/dashboard/charges/${ids.paid}/refund`, params: () => ({ amount: '10.00', void: 'on' }) },
  'POST /dashboard/charges/:id/refund': { url: (ids) => `/dashboard/charges/${ids.paid}/refund`, params: () => ({ confirm: 'yes', amount: '10.00', kind: 'void', seen: '1', reason: 'damaged' }) },
  'POST /dashboard/charges/:id/events/:event/redeliver': { url: (ids) => `/dashboard/charges/${ids.charge}/events/${ids.event}/redeliver`, params: none },
  'GET /dashboard/webhooks': { url: at('/dashboard/webhooks'), params: none },
  'POST /dashboard/webhooks/endpoints': { url: at('/dashboard/webhooks/endpoints'), params: () => ({ url: 'https://shop.example/hooks/dash' }) },
  'POST /dashboard/webhooks/endpoints/:id': { url: (ids) => `/dashboard/webhooks/endpoints/${ids.endpoint}`, params: () => ({ url: 'https://shop.example/hooks/dash2', enabled: 'false' }) },
  'POST /dashboard/webhooks/endpoints/:id/chaos': {
    url: (ids) => `/dashboard/webhooks/endpoints/${ids.endpoint}/chaos`,
    params: () => ({ duplicate_rate: '0.5', delay_min_ms: '1', delay_max_ms: '2', reorder_window_ms: '3', fail_first_attempts: '1', seed: '42' }),
  },
  'POST /dashboard/webhooks/endpoints/:id/delete': { url: (ids) => `/dashboard/webhooks/endpoints/${ids.endpoint}/delete`, params: none },
  'POST /dashboard/webhooks/test-event': { url: at('/dashboard/webhooks/test-event'), params: () => ({ event: 'charge.complete', amount: '250', funding_source: 'credit_card' }) },
  'POST /dashboard/webhooks/secret/reveal': { url: at('/dashboard/webhooks/secret/reveal'), params: none },
  'POST /dashboard/webhooks/secret/roll': { url: at('/dashboard/webhooks/secret/roll'), params: () => ({ confirm: 'yes' }) },
  'GET /dashboard/keys': { url: at('/dashboard/keys'), params: none },
  'GET /dashboard/developers': { url: at('/dashboard/developers'), params: () => ({ status: '4xx', method: 'GET', route: '/charges/:id', path: '/charges', request_id: 'req-1', before: '12' }) },
  'GET /dashboard/developers/events': { url: at('/dashboard/developers/events'), params: () => ({ key: 'charge.create', before: '1700000000000_12' }) },
  'POST /dashboard/keys/roll': { url: at('/dashboard/keys/roll'), params: () => ({ kind: 'secret', confirm: 'yes' }) },
  'GET /dashboard/settings': { url: at('/dashboard/settings'), params: none },
  'POST /dashboard/settings': {
    url: at('/dashboard/settings'),
    params: () => ({ name: 'Renamed shop', merchant_name: 'RENAMED SHOP', biller_id: '010556012345678', fee_rate_bps: '300', fee_flat_satang: '0', qr_form: '1', truemoney_qr_test: 'on', truemoney_qr_live: '' }),
  },
  'POST /dashboard/clock/advance': { url: at('/dashboard/clock/advance'), params: () => ({ seconds: '3600' }) },
  'POST /dashboard/test-settings': { url: at('/dashboard/test-settings'), params: () => ({ default_outcome: 'none', default_outcome_after_seconds: '0', default_funding_source: 'none' }) },
  'POST /dashboard/reset': { url: at('/dashboard/reset'), params: () => ({ confirm: 'yes' }) },
  'GET /dashboard/audit': { url: at('/dashboard/audit'), params: none },
  'GET /dashboard/signin/code': { url: at('/dashboard/signin/code'), params: none },
  'POST /dashboard/signin/code': { url: at('/dashboard/signin/code'), params: () => ({ _form: 'f'.repeat(22), code: '123456' }) },
  'GET /dashboard/password': { url: at('/dashboard/password'), params: () => ({ token: 't'.repeat(43) }) },
  'POST /dashboard/password': { url: at('/dashboard/password'), params: () => ({ _form: 'f'.repeat(22), token: 't'.repeat(43), password: 'long enough password', password_again: 'long enough password' }) },
  'GET /dashboard/operators': { url: at('/dashboard/operators'), params: none },
  'POST /dashboard/operators/invite': { url: at('/dashboard/operators/invite'), params: () => ({ email: 'new@example.com', role: 'viewer' }) },
  'POST /dashboard/operators/:id/reset-link': { url: at('/dashboard/operators/oper_0000000000000000000/reset-link'), params: none },
  'POST /dashboard/operators/:id/role': { url: at('/dashboard/operators/oper_0000000000000000000/role'), params: () => ({ role: 'viewer' }) },
  'POST /dashboard/operators/:id/disable': { url: at('/dashboard/operators/oper_0000000000000000000/disable'), params: none },
  'POST /dashboard/operators/:id/enable': { url: at('/dashboard/operators/oper_0000000000000000000/enable'), params: none },
  'GET /dashboard/security': { url: at('/dashboard/security'), params: none },
  'POST /dashboard/security/totp/start': { url: at('/dashboard/security/totp/start'), params: none },
  'POST /dashboard/security/totp/confirm': { url: at('/dashboard/security/totp/confirm'), params: () => ({ code: '123456' }) },
  'POST /dashboard/security/totp/disable': { url: at('/dashboard/security/totp/disable'), params: () => ({ code: '123456' }) },
};
// The unserved charge schedules answer every method the API uses.
for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) {
  routes[`${method} /charges/schedules`] = { url: at('/charges/schedules'), params: () => ({ limit: '10' }) };
  routes[`${method} /charges/schedules/*`] = { url: at('/charges/schedules/schd_test_5086xl7ddjbases4sq3i'), params: none };
}

/** Pages for people answer HTML with the status (DECISIONS §2); the rest answer Omise errors. */
const isPage = (route: string) => / \/dashboard/.test(route) || route === 'GET /simulator' || route === 'POST /simulator' || route === 'GET /payments/:ref/authorize';

/** Every string in `params`, by its bracketed name, with a setter that returns a copy where it is replaced. */
function stringLeaves(value: unknown, name = ''): Array<{ name: string; text: string; replace: (text: string) => unknown }> {
  if (typeof value === 'string') return [{ name, text: value, replace: (text) => text }];
  if (Array.isArray(value)) {
    return value.flatMap((item, index) => stringLeaves(item, `${name}[${index}]`).map((leaf) => ({ ...leaf, replace: (text: string) => value.map((other, i) => (i === index ? leaf.replace(text) : other)) })));
  }
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([key, child]) =>
      stringLeaves(child, name === '' ? key : `${name}[${key}]`).map((leaf) => ({ ...leaf, replace: (text: string) => ({ ...value, [key]: leaf.replace(text) }) })),
    );
  }
  return [];
}

interface Case {
  /** What the message must name. */
  name: string;
  params: Record<string, unknown>;
  problem: 'NUL characters' | 'lone surrogates';
  transport: 'json' | 'form' | 'query';
}

describeEachStore('NUL and lone surrogates in request parameters', (h) => {
  let ids: Ids;
  let client: DashboardClient;

  before(async () => {
    await addOperator(h.store, 'ops@example.com');
    client = await signIn(h.app, 'ops@example.com');
    const create = async () => {
      const res = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: { amount: 400000, currency: 'THB', source: { type: 'truemoney_qr' } } });
      assert.equal(res.status, 200, res.body);
      return res.json;
    };
    const charge = await create();
    const paid = await create();
    assert.equal((await h.request({ method: 'POST', url: `/charges/${paid.id}/mark_as_paid`, key: h.keys.secretKey })).status, 200);
    const refund = await h.request({ method: 'POST', url: `/charges/${paid.id}/refunds`, key: h.keys.secretKey, json: { amount: 1000 } });
    assert.equal(refund.status, 200, refund.body);
    const source = await h.request({ method: 'POST', url: '/sources', key: h.keys.publicKey, json: { type: 'truemoney_qr', amount: 400000, currency: 'THB' } });
    const endpoint = await h.request({ method: 'POST', url: '/webhook_endpoints', key: h.keys.secretKey, json: { url: 'https://shop.example/hooks' } });
    const events = await h.request({ url: `/charges/${charge.id}/events`, key: h.keys.secretKey });
    const transactions = await h.request({ url: '/transactions', key: h.keys.secretKey });
    const page = await h.request({ url: new URL(charge.authorize_uri).pathname });
    const payload = /simulator\?payload=([^"&]+)/.exec(page.body);
    assert.ok(payload, 'the hosted page links the simulator with the payload');
    const image = charge.source.scannable_code.image;
    ids = {
      charge: charge.id,
      paid: paid.id,
      source: source.json.id,
      event: events.json.data[0].id,
      refund: refund.json.id,
      transaction: transactions.json.data[0].id,
      document: image.id,
      token: image.download_uri.split('/').at(-1),
      paymentRef: charge.source.provider_references.reference_number_1,
      payload: decodeURIComponent(payload[1].replace(/&amp;/g, '&')),
      endpoint: endpoint.json.id,
      other: h.other.accountId,
    };
  });

  /** Sends `params` to the route the way `transport` says, as its callers would (key, session, CSRF token). */
  async function send(route: string, url: string, params: Record<string, unknown>, transport: Case['transport']): Promise<TestResponse> {
    const method = route.split(' ')[0];
    const dashboard = route.includes(' /dashboard');
    const headers: Record<string, string> = dashboard ? { cookie: client.cookie, 'x-csrf-token': client.csrf } : {};
    const key = dashboard ? undefined : route.includes(' /sources') || route.includes('/simulator') ? h.keys.publicKey : h.keys.secretKey;
    const body = dashboard && transport !== 'query' ? { _csrf: client.csrf, ...params } : params;
    const encoded = qs.stringify(body);
    if (transport === 'query') return h.request({ method, url: encoded === '' ? url : `${url}?${encoded}`, key, headers });
    if (transport === 'form') return h.request({ method, url, key, headers, form: encoded });
    return h.request({ method, url, key, headers, json: body });
  }

  test('the table names every registered route, so a new route cannot dodge the check', () => {
    const registered = h.app.routes.map((route) => `${route.method} ${route.url}`);
    const missing = registered.filter((route) => !(route in routes));
    assert.deepEqual(missing, [], `routes missing from this test's table: ${missing.join(', ')}`);
    const stale = Object.keys(routes).filter((route) => !registered.includes(route));
    assert.deepEqual(stale, [], `routes in the table that are not registered: ${stale.join(', ')}`);
  });

  test('POST /charges with a NUL in webhook_endpoints is 400 invalid_charge naming webhook_endpoints[0]; nothing is stored', async () => {
    const before = await everyRow(h);
    for (const body of [
      { json: { amount: 400000, currency: 'THB', source: { type: 'truemoney_qr' }, webhook_endpoints: ['https://shop.example/\u0000hook'] } },
      { form: 'amount=400000&currency=THB&source[type]=truemoney_qr&webhook_endpoints[]=https%3A%2F%2Fshop.example%2F%00hook' },
    ]) {
      const res = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, ...body });
      assert.equal(res.status, 400, describeResponse(res));
      assert.equal(res.json.code, 'invalid_charge', describeResponse(res));
      assert.equal(res.json.message, 'webhook_endpoints[0] must not contain NUL characters');
    }
    assert.deepEqual(await everyRow(h), before);
  });

  test('a NUL in the dashboard sign-in email is a 400 page naming email, not a 500', async () => {
    const before = await everyRow(h);
    const form = await getPage(h.app, '/dashboard/signin');
    const token = cookieValue(form.setCookies, 'satang_form')!;
    const res = await postForm(h.app, '/dashboard/signin', { _form: token, email: 'ops@example.com\u0000', password: operatorPassword }, { cookie: `satang_form=${token}` });
    assert.equal(res.status, 400, `${res.status} ${res.body.slice(0, 300)}`);
    assert.match(res.body, /email must not contain NUL characters/);
    assert.equal(cookieValue(res.setCookies, 'satang_session'), undefined);
    assert.deepEqual(await everyRow(h), before);
  });

  test(`every string parameter of every route refuses a NUL or a lone surrogate, with nothing changed (seed ${seed})`, async () => {
    const random = seeded(seed);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
    const insert = (text: string, bad: string) => {
      const at = Math.floor(random() * (text.length + 1));
      return text.slice(0, at) + bad + text.slice(at);
    };
    const failures: string[] = [];
    const changed: string[] = [];
    let sent = 0;
    for (const route of Object.keys(routes).sort()) {
      const [method] = route.split(' ');
      const { url: urlOf, params: paramsOf } = routes[route];
      const url = urlOf(ids);
      const params = paramsOf(ids);
      // Queries for GET; bodies (JSON or form) elsewhere; a GET body in JSON is read by hand.
      const nulTransport = () => (method === 'GET' ? pick(['query', 'query', 'json'] as const) : route.includes(' /dashboard') ? pick(['form', 'form', 'json'] as const) : pick(['json', 'form', 'query'] as const));
      const cases: Case[] = [];
      for (const leaf of stringLeaves(params)) {
        cases.push({ name: leaf.name, params: leaf.replace(insert(leaf.text, '\u0000')) as Record<string, unknown>, problem: 'NUL characters', transport: nulTransport() });
      }
      // Nested values, array elements and names, beside the route's own parameters.
      cases.push({ name: 'metadata[note]', params: { ...params, metadata: { note: insert('gift wrap', '\u0000') } }, problem: 'NUL characters', transport: nulTransport() });
      cases.push({ name: 'tags[1]', params: { ...params, tags: ['a', insert('b', '\u0000')] }, problem: 'NUL characters', transport: nulTransport() });
      const badName = insert('note', '\u0000');
      cases.push({ name: badName, params: { ...params, [badName]: 'x' }, problem: 'NUL characters', transport: nulTransport() });
      // Lone surrogates travel only in JSON (a form's percent-decoding cannot make one).
      const surrogate = pick(['\ud800', '\udbff', '\udc00', '\udfff']);
      const leaves = stringLeaves(params);
      if (leaves.length > 0) {
        const leaf = pick(leaves);
        cases.push({ name: leaf.name, params: leaf.replace(insert(leaf.text, surrogate)) as Record<string, unknown>, problem: 'lone surrogates', transport: 'json' });
      }
      cases.push({ name: 'metadata[note]', params: { ...params, metadata: { note: insert('gift', surrogate) } }, problem: 'lone surrogates', transport: 'json' });
      const surrogateName = insert('note', surrogate);
      cases.push({ name: surrogateName, params: { ...params, [surrogateName]: 'x' }, problem: 'lone surrogates', transport: 'json' });

      const before = await everyRow(h);
      for (const item of cases) {
        const res = await send(route, url, item.params, item.transport);
        sent++;
        const label = `${route} ${item.transport} ${shown(item.name)} (${item.problem})`;
        const message = `${shown(item.name)} must not contain ${item.problem}`;
        if (res.status !== 400) {
          failures.push(`${label} → ${describeResponse(res)}`);
        } else if (isPage(route)) {
          if (!/^text\/html/.test(String(res.headers['content-type'])) || !res.body.includes(message)) failures.push(`${label} → page without "${message}": ${describeResponse(res)}`);
        } else {
          const code = route === 'POST /charges' ? 'invalid_charge' : 'bad_request';
          if (res.json?.object !== 'error' || res.json.code !== code || res.json.message !== message) failures.push(`${label} → want ${code} "${message}": ${describeResponse(res)}`);
        }
      }
      const after = await everyRow(h);
      for (const table of Object.keys(before)) {
        if (JSON.stringify(before[table]) !== JSON.stringify(after[table])) changed.push(`${route}: rows of ${table} changed`);
      }
    }
    assert.ok(sent > 400, `${sent} requests`);
    assert.equal(failures.length, 0, `${failures.length} of ${sent} requests were not refused as they should be (seed ${seed}; replay with SATANG_PARAMS_SEED=${seed}):\n${failures.slice(0, 40).join('\n')}`);
    assert.deepEqual(changed, [], 'nothing is written');
  });
});

/**
 * Roles on the server: every signed-in dashboard route declares its least role (the route table is
 * walked, and compared with the table below, so a route that silently becomes open to a lesser
 * role fails here), and for every route and every role the server allows it or refuses it with the
 * "your role does not allow this" page, changing nothing.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { sql } from 'kysely';
import { roleAllows, type OperatorRole, operatorRoles } from '../../src/domain/operator-roles.js';
import { findOperatorByEmail } from '../../src/store/operators.js';
import { roleRefusal } from '../../src/web/dashboard/index.js';
import { addOperator, type DashboardClient, signIn } from '../support/dashboard.js';
import { describeEachStore, type Harness } from '../support/harness.js';

/**
 * Every signed-in dashboard route and the least role that may use it. Viewer: pages (and exports);
 * operator: the money actions on charges and their events; owner: everything else.
 */
export const expectedRoles: Record<string, OperatorRole> = {
  'GET /dashboard/charges/:id/manual-refund': 'operator',
  'POST /dashboard/charges/:id/manual-refund': 'operator',
  'GET /dashboard/reconciliation': 'viewer',
  'POST /dashboard/signout': 'viewer',
  'POST /dashboard/session/account': 'viewer',
  'POST /dashboard/session/mode': 'viewer',
  'GET /dashboard': 'viewer',
  'GET /dashboard/charges': 'viewer',
  'GET /dashboard/balance': 'viewer',
  'GET /dashboard/transactions': 'viewer',
  'GET /dashboard/exports/charges.csv': 'viewer',
  'GET /dashboard/exports/refunds.csv': 'viewer',
  'GET /dashboard/exports/transactions.csv': 'viewer',
  'GET /dashboard/charges/:id': 'viewer',
  'GET /dashboard/charges/:id/complete': 'operator',
  'GET /dashboard/charges/:id/expire': 'operator',
  'GET /dashboard/charges/:id/refund': 'operator',
  'POST /dashboard/charges/:id/complete': 'operator',
  'POST /dashboard/charges/:id/expire': 'operator',
  'POST /dashboard/charges/:id/refund': 'operator',
  'POST /dashboard/charges/:id/events/:event/redeliver': 'operator',
  'GET /dashboard/webhooks': 'viewer',
  'POST /dashboard/webhooks/test-event': 'operator',
  'POST /dashboard/webhooks/endpoints': 'owner',
  'POST /dashboard/webhooks/endpoints/:id': 'owner',
  'POST /dashboard/webhooks/endpoints/:id/chaos': 'owner',
  'POST /dashboard/webhooks/endpoints/:id/delete': 'owner',
  'POST /dashboard/webhooks/secret/reveal': 'owner',
  'POST /dashboard/webhooks/secret/roll': 'owner',
  'GET /dashboard/developers': 'viewer',
  'GET /dashboard/developers/events': 'viewer',
  'GET /dashboard/keys': 'viewer',
  'POST /dashboard/keys/roll': 'owner',
  'GET /dashboard/settings': 'viewer',
  'POST /dashboard/settings': 'owner',
  'POST /dashboard/test-settings': 'owner',
  'POST /dashboard/clock/advance': 'owner',
  'POST /dashboard/reset': 'owner',
  'GET /dashboard/audit': 'viewer',
  'GET /dashboard/operators': 'owner',
  'POST /dashboard/operators/invite': 'owner',
  'POST /dashboard/operators/:id/reset-link': 'owner',
  'POST /dashboard/operators/:id/role': 'owner',
  'POST /dashboard/operators/:id/disable': 'owner',
  'POST /dashboard/operators/:id/enable': 'owner',
  'GET /dashboard/security': 'viewer',
  'POST /dashboard/security/totp/start': 'viewer',
  'POST /dashboard/security/totp/confirm': 'viewer',
  'POST /dashboard/security/totp/disable': 'viewer',
};

/** The dashboard routes anyone may reach (no session). */
const expectedPublic = [
  'GET /dashboard/signin',
  'POST /dashboard/signin',
  'GET /dashboard/signin/code',
  'POST /dashboard/signin/code',
  'GET /dashboard/setup',
  'POST /dashboard/setup',
  'GET /dashboard/password',
  'POST /dashboard/password',
  'GET /dashboard/language',
  'GET /dashboard/favicon.svg',
];

const refusal = /Your role \((Viewer|Operator)\) does not allow this\./;

test('the role rule: a route without a declared role is refused to everyone; otherwise the role must reach it', () => {
  for (const role of [...operatorRoles, undefined, 'admin']) {
    assert.equal(roleRefusal(undefined, role), 'undeclared', `no declared role, operator ${role}`);
    assert.equal(roleRefusal('superuser', role), 'undeclared');
  }
  assert.equal(roleRefusal('viewer', 'viewer'), null);
  assert.equal(roleRefusal('operator', 'viewer'), 'refused');
  assert.equal(roleRefusal('operator', 'operator'), null);
  assert.equal(roleRefusal('owner', 'operator'), 'refused');
  assert.equal(roleRefusal('owner', 'owner'), null);
  assert.equal(roleRefusal('viewer', 'admin'), 'refused', 'an unknown role may use nothing');
  assert.equal(roleRefusal('viewer', null), 'refused');
});

describeEachStore('dashboard roles: every route, every role', (h) => {
  const clients = {} as Record<OperatorRole, DashboardClient>;
  let pending: any;
  let paid: any;
  let eventId: string;
  let endpointId: string;
  let spareId: string;

  async function newCharge(amount = 50000) {
    const res = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: { amount, currency: 'THB', source: { type: 'truemoney_qr' } } });
    assert.equal(res.status, 200, res.body);
    return res.json;
  }

  before(async () => {
    for (const role of operatorRoles) {
      await addOperator(h.store, `${role}@example.com`, undefined, role);
      clients[role] = await signIn(h.app, `${role}@example.com`);
    }
    await addOperator(h.store, 'spare@example.com', undefined, 'viewer');
    spareId = (await findOperatorByEmail(h.store.read, 'spare@example.com'))!.id;
    pending = await newCharge();
    paid = await newCharge(80000);
    assert.equal((await h.request({ method: 'POST', url: `/charges/${paid.id}/mark_as_paid`, key: h.keys.secretKey })).status, 200);
    const endpoint = await h.request({ method: 'POST', url: '/webhook_endpoints', key: h.keys.secretKey, json: { url: 'https://shop.example/hooks' } });
    assert.equal(endpoint.status, 200, endpoint.body);
    endpointId = endpoint.json.id;
    eventId = (await h.request({ url: `/charges/${pending.id}/events`, key: h.keys.secretKey })).json.data[0].id;
  });

  const routeTable = () => h.app.routes.filter((r) => /^\/dashboard(\/|$)/.test(r.url)).map((r) => ({ key: `${r.method} ${r.url.replace(/\/$/, '') || '/'}`, public: r.dashboardPublic, role: r.dashboardRole }));

  test('every signed-in route declares a role, and each is the one this table expects', () => {
    const table = routeTable();
    const undeclared = table.filter((r) => !r.public && r.role === undefined).map((r) => r.key);
    assert.deepEqual(undeclared, [], 'routes without a declared role (they refuse everyone; declare one)');
    const declared = Object.fromEntries(table.filter((r) => !r.public).map((r) => [r.key, r.role]));
    assert.deepEqual(declared, expectedRoles);
    assert.deepEqual(table.filter((r) => r.public).map((r) => r.key).sort(), [...expectedPublic].sort());
    for (const r of table.filter((r) => r.public)) assert.equal(r.role, undefined, `${r.key} is public and has no role`);
  });

  /** Every row of every table of this store (the request log aside): "nothing changed" is this staying equal. */
  async function everyRow(): Promise<string> {
    const query =
      h.dialect === 'postgres'
        ? sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`
        : sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`;
    const tables = (await query.execute(h.store.read)).rows.map((r) => r.name).filter((n) => !n.startsWith('kysely_') && n !== 'request_log').sort();
    const rows: string[] = [];
    for (const table of tables) {
      const all = await h.store.read.selectFrom(table as 'charges').selectAll().execute();
      rows.push(table, ...all.map((row) => JSON.stringify(row, (_k, v) => (typeof v === 'bigint' ? String(v) : v))).sort());
    }
    return rows.join('\n');
  }

  /** A request that would do its work if allowed: what a lesser role must be refused, with nothing changed. */
  function working(key: string): { url: string; form: Record<string, string> } {
    const forms: Record<string, Record<string, string>> = {
      'POST /dashboard/charges/:id/complete': { outcome: 'successful', funding_source: 'bank_account', confirm: 'yes' },
      'POST /dashboard/charges/:id/expire': { confirm: 'yes' },
      // The paid charge was paid today: a refund of it is a void, confirmed on a charge with no refunds yet.
      'POST /dashboard/charges/:id/refund': { amount: '100', kind: 'void', seen: '0', confirm: 'yes' },
      'POST /dashboard/webhooks/test-event': { event: 'charge.complete', amount: '250', funding_source: 'credit_card' },
      'POST /dashboard/webhooks/endpoints': { url: 'https://shop.example/forged' },
      'POST /dashboard/webhooks/endpoints/:id': { enabled: 'false' },
      'POST /dashboard/webhooks/endpoints/:id/chaos': { duplicate_rate: '0.5', seed: '3' },
      'POST /dashboard/webhooks/secret/roll': { confirm: 'yes' },
      'POST /dashboard/keys/roll': { kind: 'secret', confirm: 'yes' },
      'POST /dashboard/settings': { name: 'Forged name' },
      'POST /dashboard/test-settings': { default_outcome: 'successful', default_outcome_after_seconds: '0' },
      'POST /dashboard/clock/advance': { seconds: '86400' },
      'POST /dashboard/reset': { confirm: 'yes' },
      'POST /dashboard/operators/invite': { email: 'intruder@example.com', role: 'owner' },
      'POST /dashboard/operators/:id/role': { role: 'owner' },
    };
    const path = key.split(' ')[1];
    const url = path
      .replace('/charges/:id', `/charges/${key.includes('/refund') ? paid.id : pending.id}`)
      .replace('/endpoints/:id', `/endpoints/${endpointId}`)
      .replace('/operators/:id', `/operators/${spareId}`)
      .replace(':event', eventId);
    return { url, form: forms[key] ?? {} };
  }

  /** A request that changes nothing even when allowed (unknown ids, missing fields): what shows a role gets through. */
  function harmless(key: string): { url: string; form: Record<string, string> } {
    const path = key.split(' ')[1];
    const range = '?from=2026-01-01&to=2026-01-31';
    const confirmations: Record<string, string> = {
    'GET /dashboard/charges/:id/manual-refund': '?amount=1&reference=TRF1',
      'GET /dashboard/charges/:id/complete': '?outcome=failed',
      'GET /dashboard/charges/:id/refund': '?amount=1',
      'GET /dashboard/exports/charges.csv': range,
      'GET /dashboard/exports/refunds.csv': range,
      'GET /dashboard/exports/transactions.csv': range,
    };
    if (key.startsWith('GET ')) return { url: path.replace('/charges/:id', `/charges/${key.includes('/refund') ? paid.id : pending.id}`) + (confirmations[key] ?? ''), form: {} };
    const url = path
      .replace('/charges/:id', '/charges/chrg_test_0000000000000000000')
      .replace('/endpoints/:id', '/endpoints/endp_test_0000000000000000000')
      .replace('/operators/:id', '/operators/oper_0000000000000000000')
      .replace(':event', 'evnt_test_0000000000000000000');
    const forms: Record<string, Record<string, string>> = { 'POST /dashboard/session/account': { account: 'acct_0000000000000000000' } };
    return { url, form: forms[key] ?? {} };
  }

  for (const role of operatorRoles) {
    test(`as ${role}: each route is allowed or refused with the role page, as its declared role says, changing nothing when refused`, async () => {
      const client = clients[role];
      for (const [key, least] of Object.entries(expectedRoles)) {
        const method = key.split(' ')[0];
        if (roleAllows(role, least)) {
          const { url, form } = harmless(key);
          // Signing out would end the session the rest of this walk uses: a session of its own.
          const as = key === 'POST /dashboard/signout' ? await signIn(h.app, `${role}@example.com`) : client;
          const res = method === 'GET' ? await as.get(url) : await as.post(url, form);
          assert.ok(res.status !== 401 && res.status !== 403, `${role} ${key}: ${res.status} ${res.body.slice(0, 300)}`);
          assert.doesNotMatch(res.body, refusal, `${role} ${key}`);
          if (method === 'GET') assert.equal(res.status, 200, `${role} ${key}`);
        } else {
          const { url, form } = working(key);
          const before = await everyRow();
          const res = method === 'GET' ? await client.get(url) : await client.post(url, form);
          assert.equal(res.status, 403, `${role} ${key}: ${res.body.slice(0, 300)}`);
          assert.match(res.body, refusal, `${role} ${key}`);
          assert.equal(await everyRow(), before, `${role} ${key} changed nothing`);
        }
      }
    });
  }

  test('the refusal is in the reader’s language, and pages hide what the role cannot use', async () => {
    const thai = await clients.viewer.post(`/dashboard/charges/${pending.id}/expire`, {}, { 'accept-language': 'th' });
    assert.equal(thai.status, 403);
    assert.match(thai.body, /บทบาทของคุณ \(ผู้ดูอย่างเดียว\) ไม่มีสิทธิ์ทำสิ่งนี้/);
    const viewerHome = await clients.viewer.get('/dashboard');
    assert.doesNotMatch(viewerHome.body, /href="\/dashboard\/operators"/);
    assert.match(viewerHome.body, /viewer@example\.com · Viewer/);
    const ownerHome = await clients.owner.get('/dashboard');
    assert.match(ownerHome.body, /href="\/dashboard\/operators"/);
    // Forms of actions the role may not use are hidden by the layout (from each route's declared role).
    const hidden = (html: string) => /<style>\/\* actions this role may not use \*\/ ([^{]*) \{ display:none !important; \}<\/style>/.exec(html)?.[1].split(',') ?? [];
    assert.deepEqual(hidden(ownerHome.body), []);
    const forViewer = hidden(viewerHome.body);
    assert.ok(forViewer.includes('form[method="post"][action^="/dashboard/charges/"][action$="/refund"]'), forViewer.join(' '));
    assert.ok(forViewer.includes('form[method="post"][action="/dashboard/settings"]'));
    assert.ok(!forViewer.some((s) => s.includes('/dashboard/signout') || s.includes('/dashboard/security')), 'a viewer signs out and manages their own two-factor');
    const forOperator = hidden((await clients.operator.get('/dashboard')).body);
    assert.ok(forOperator.includes('form[method="post"][action^="/dashboard/webhooks/endpoints/"]'), forOperator.join(' '));
    assert.ok(!forOperator.some((s) => s.includes('/refund') || s.includes('/complete')), 'an operator sees the money actions');
  });
});

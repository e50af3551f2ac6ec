/**
 * The overview, Webhooks, Developers, Keys and Settings pages in Thai and English: what an operator
 * reads in each language, refusals in the page's language that change nothing, each time named by
 * its clock, and the least role every route of these pages declares.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import Fastify from 'fastify';
import { findAccount } from '../../src/store/accounts.js';
import { listEndpoints } from '../../src/store/webhooks.js';
import { accountRoutes } from '../../src/web/dashboard/accounts.js';
import { developerRoutes } from '../../src/web/dashboard/developers.js';
import { overviewRoutes } from '../../src/web/dashboard/overview.js';
import { webhookRoutes } from '../../src/web/dashboard/webhooks.js';
import { addOperator, type DashboardClient, signIn } from '../support/dashboard.js';
import { describeEachStore } from '../support/harness.js';

const thai = { 'accept-language': 'th-TH,th;q=0.9' };
const english = { 'accept-language': 'en-US,en;q=0.9' };

test('every route of these pages declares its least role: viewer to look, operator to send a test event, owner for the rest', async () => {
  const app = Fastify();
  const roles: Record<string, unknown> = {};
  app.addHook('onRoute', (route) => {
    if (route.method === 'HEAD') return;
    roles[`${route.method} ${route.url}`] = (route.config as { dashboardRole?: unknown } | undefined)?.dashboardRole;
  });
  for (const routes of [overviewRoutes, webhookRoutes, developerRoutes, accountRoutes]) await app.register(routes);
  await app.ready();
  assert.deepEqual(roles, {
    'GET /': 'viewer',
    'GET /webhooks': 'viewer',
    'POST /webhooks/test-event': 'operator',
    'POST /webhooks/endpoints': 'owner',
    'POST /webhooks/endpoints/:id': 'owner',
    'POST /webhooks/endpoints/:id/chaos': 'owner',
    'POST /webhooks/endpoints/:id/delete': 'owner',
    'POST /webhooks/secret/reveal': 'owner',
    'POST /webhooks/secret/roll': 'owner',
    'GET /developers': 'viewer',
    'GET /developers/events': 'viewer',
    'GET /keys': 'viewer',
    'POST /keys/roll': 'owner',
    'GET /settings': 'viewer',
    'POST /settings': 'owner',
    'POST /test-settings': 'owner',
    'POST /clock/advance': 'owner',
    'POST /reset': 'owner',
    'GET /audit': 'viewer',
  });
  await app.close();
});

describeEachStore('dashboard pages in Thai and English: overview, webhooks, developers, keys, settings', (h) => {
  let client: DashboardClient;
  let chargeId: string;
  before(async () => {
    await addOperator(h.store, 'words@example.com');
    client = await signIn(h.app, 'words@example.com');
    const endpoint = await h.request({ method: 'POST', url: '/webhook_endpoints', key: h.keys.secretKey, json: { url: 'http://127.0.0.1:9/words' } });
    assert.equal(endpoint.status, 200, endpoint.body);
    const made = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: { amount: 123_456, currency: 'THB', source: { type: 'truemoney_qr' } } });
    assert.equal(made.status, 200, made.body);
    chargeId = made.json.id;
    assert.equal((await h.request({ method: 'POST', url: `/charges/${chargeId}/mark_as_paid`, key: h.keys.secretKey })).status, 200);
  });

  test('the overview in Thai: baht, the count and the success rate in Thai words, and a chart bar that names its day in the Thai calendar', async () => {
    const page = await client.get('/dashboard', thai);
    assert.equal(page.status, 200);
    assert.match(page.body, /<html lang="th">/);
    assert.match(page.body, /data-test="today-volume">฿1,234\.56</);
    assert.match(page.body, /<span data-test="today-count">1<\/span> รายการ · สำเร็จ <span data-test="today-rate">100\.0%<\/span>/);
    assert.match(page.body, /<title>\d{1,2} [ก-๙.]+ 25\d\d: ฿1,234\.56 จากรายการที่สำเร็จ 1 จาก 1 รายการ<\/title>/);
    const en = await client.get('/dashboard', english);
    assert.match(en.body, /<span data-test="today-count">1<\/span> charge · <span data-test="today-rate">100\.0%<\/span> successful/);
    assert.match(en.body, /<title>\d{4}-\d\d-\d\d: ฿1,234\.56 from 1 of 1 charges<\/title>/);
    assert.match(en.body, /data-test="overview-clock">The same as the wall clock</);
  });

  test('Developers → Events in Thai: event keys and delivery states in words, each time named by its clock', async () => {
    const page = await client.get('/dashboard/developers/events', thai);
    assert.equal(page.status, 200);
    assert.match(page.body, /<strong title="charge\.complete">รายการชำระเงินเสร็จสิ้น<\/strong>/);
    assert.match(page.body, /\(เวลาของบัญชี\)/);
    assert.match(page.body, /การส่งไปยัง <span class="mono">http:\/\/127\.0\.0\.1:9\/words<\/span>: รอส่ง, ลองใหม่ [^<]+ \(เวลาของบัญชี\) \(ส่งแล้ว 0 ครั้ง\)/);
    assert.doesNotMatch(page.body, />charge\.complete</, 'the key only as a tooltip, never as text');
  });

  test('Keys and Settings in Thai: kinds, clock steps, outcomes and funding sources in words', async () => {
    const keys = await client.get('/dashboard/keys', thai);
    assert.match(keys.body, /<h1>คีย์ API \(ทดสอบ\)<\/h1>/);
    assert.match(keys.body, /<td data-label="ประเภท">คีย์ลับ<\/td>/);
    const settings = await client.get('/dashboard/settings', thai);
    assert.match(settings.body, /<option value="86400" selected>1 วัน<\/option>/);
    assert.match(settings.body, /<option value="successful" >สำเร็จ<\/option>/);
    assert.match(settings.body, /<option value="bank_account" >บัญชีธนาคารที่ผูกกับวอลเล็ท<\/option>/);
    assert.doesNotMatch(settings.body, />wallet_balance</);
    assert.match(settings.body, /data-test="clock-offset">\(ตรงกับเวลาจริง\)/);
  });

  test('refusals in Thai, and nothing changed: a biller id, a webhook URL, a chaos rate, a test event below the minimum', async () => {
    const before = await findAccount(h.store.read, h.keys.accountId);
    const biller = await client.post('/dashboard/settings', { biller_id: '123' }, thai);
    assert.equal(biller.status, 400);
    assert.match(biller.body, /<html lang="th">/);
    assert.match(biller.body, /ไม่ได้ดำเนินการใด ๆ/);
    assert.match(biller.body, /รหัสผู้รับชำระต้องเป็นตัวเลข 15 หลัก/);
    assert.equal((await findAccount(h.store.read, h.keys.accountId))?.biller_id, before?.biller_id);

    const scope = { accountId: h.keys.accountId, livemode: 0 };
    const endpointsBefore = (await listEndpoints(h.store.read, scope)).length;
    const url = await client.post('/dashboard/webhooks/endpoints', { url: 'ftp://shop.example/hooks' }, thai);
    assert.equal(url.status, 400);
    assert.match(url.body, /URL ต้องเป็นที่อยู่เต็มที่ขึ้นต้นด้วย http:\/\/ หรือ https:\/\//);
    assert.equal((await listEndpoints(h.store.read, scope)).length, endpointsBefore);

    const [endpoint] = await listEndpoints(h.store.read, scope);
    const chaos = await client.post(`/dashboard/webhooks/endpoints/${endpoint.id}/chaos`, { duplicate_rate: '7' }, thai);
    assert.equal(chaos.status, 400);
    assert.match(chaos.body, /อัตราการส่งซ้ำต้องเป็นตัวเลขตั้งแต่ 0 ถึง 1/);
    const delay = await client.post(`/dashboard/webhooks/endpoints/${endpoint.id}/chaos`, { fail_first_attempts: '99' }, thai);
    assert.match(delay.body, /จำนวนครั้งแรกที่ให้ล้มเหลว ต้องเป็นจำนวนเต็มตั้งแต่ 0 ถึง 10/);
    assert.equal((await listEndpoints(h.store.read, scope))[0].chaos, null, 'chaos stays off');

    const charges = await h.request({ url: '/charges?limit=1', key: h.keys.secretKey });
    const small = await client.post('/dashboard/webhooks/test-event', { event: 'charge.create', amount: '50' }, thai);
    assert.equal(small.status, 400);
    assert.match(small.body, /จำนวนเงินต้องไม่น้อยกว่า ฿100\.00/);
    assert.equal((await h.request({ url: '/charges?limit=1', key: h.keys.secretKey })).json.total, charges.json.total, 'no charge was made');
    const typo = await client.post('/dashboard/webhooks/test-event', { event: 'charge.create', amount: 'ห้าสิบ' }, thai);
    assert.match(typo.body, /จำนวนเงินต้องเป็นตัวเลขในหน่วยบาท/);

    // The same refusal in English, in the dashboard's words.
    const en = await client.post('/dashboard/settings', { biller_id: '123' }, english);
    assert.match(en.body, /The biller id must be 15 digits/);
  });

  test('a request-log filter that cannot filter says why in Thai, and lists nothing', async () => {
    const page = await client.get('/dashboard/developers?status=teapot', thai);
    assert.equal(page.status, 200);
    assert.match(page.body, /<div class="error" role="alert">ใช้ตัวกรองนี้ไม่ได้: สถานะต้องเป็นกลุ่มสถานะเช่น 4xx/);
    assert.doesNotMatch(page.body, /<tr data-request-id=/);
  });

  test('rolling a key without ticking the box is refused in Thai', async () => {
    const page = await client.post('/dashboard/keys/roll', { kind: 'secret' }, thai);
    assert.equal(page.status, 400);
    assert.match(page.body, /กรุณาทำเครื่องหมายในช่องเพื่อยืนยัน: คีย์เดิมจะใช้งานไม่ได้อีก/);
  });
});

/**
 * The charge list's search and filters (GET /search's rules, the full-text index), the balance and
 * transactions pages, and the CSV exports: what an operator sees, checked against the API's objects.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { sql } from 'kysely';
import { planSearch } from '../../src/domain/search.js';
import { dialectOf } from '../../src/store/dialect.js';
import { ftsCandidatesMax } from '../../src/store/text-index.js';
import { searchCharges } from '../../src/store/search.js';
import { chargesForExport, transactionsForExport } from '../../src/store/exports.js';
import { addOperator, type DashboardClient, signIn } from '../support/dashboard.js';
import { describeEachStore, type Harness } from '../support/harness.js';
import { csvObjects } from '../support/csv.js';

const ids = (html: string) => [...html.matchAll(/href="\/dashboard\/charges\/(chrg_[a-z0-9_]+)"/g)].map((m) => m[1]);
const unescape = (text: string) => text.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
const problemOf = (html: string) => {
  const match = /data-test="search-problem">([^<]*)</.exec(html);
  return match ? unescape(match[1]) : null;
};

const bangkokDay = (ms: number) => new Date(ms + 7 * 3600_000).toISOString().slice(0, 10);

describeEachStore('dashboard: the charge list searches like GET /search; balance, transactions, CSV exports', (h: Harness) => {
  let client: DashboardClient;
  const made: Record<string, any> = {};

  async function charge(key: string, json: Record<string, unknown>) {
    const res = await h.request({ method: 'POST', url: '/charges', key, json: { currency: 'THB', source: { type: 'truemoney_qr' }, ...json } });
    assert.equal(res.status, 200, res.body);
    return res.json;
  }
  async function call(method: string, url: string, json: Record<string, unknown> = {}, key = h.keys.secretKey) {
    const res = await h.request({ method, url, key, json });
    assert.equal(res.status, 200, res.body);
    return res.json;
  }

  before(async () => {
    await addOperator(h.store, 'charges@example.com');
    client = await signIn(h.app, 'charges@example.com');
    const key = h.keys.secretKey;
    made.mug = await charge(key, { amount: 12050, description: 'Blue mug', metadata: { order_id: 'ORD-2024-77', customer: { tier: 'gold' } } });
    made.tea = await charge(key, { amount: 99900, description: 'ชาไทย 3 ถุง', metadata: { order_id: 'ORD-2024-78', note: '=HYPERLINK("http://x")' } });
    made.formula = await charge(key, { amount: 50000, description: '=1+2', metadata: { n: 42 } });
    made.minus = await charge(key, { amount: 77700, description: '-SUM(A1)' });
    made.pct = await charge(key, { amount: 100000, description: '100% cotton_shirt "quoted" back\\slash' });
    made.paid = await charge(key, { amount: 30000, description: 'paid then partly refunded' });
    made.refunded = await charge(key, { amount: 20000, description: 'paid then refunded' });
    made.voided = await charge(key, { amount: 15000, description: 'paid then voided' });
    for (const c of [made.mug, made.paid, made.refunded, made.voided]) await call('POST', `/charges/${c.id}/mark_as_paid`);
    await call('POST', `/charges/${made.paid.id}/refunds`, { amount: 10000 });
    await call('POST', `/charges/${made.refunded.id}/refunds`, { amount: 20000 });
    await call('POST', `/charges/${made.voided.id}/refunds`, { amount: 15000, void: true });
    // Another account: the same words, never shown here.
    made.other = await charge(h.other.secretKey, { amount: 12050, description: 'Blue mug', metadata: { order_id: 'ORD-2024-77' } });
    await call('POST', `/charges/${made.other.id}/mark_as_paid`, {}, h.other.secretKey);
    await call('POST', `/charges/${made.other.id}/refunds`, { amount: 1000 }, h.other.secretKey);
  });

  test('finds a charge by id, pay2 reference, ref1, description, an order id in metadata, amount, status and Bangkok dates', async () => {
    const find = async (query: string) => {
      const page = await client.get(`/dashboard/charges?${query}`);
      assert.equal(page.status, 200, problemOf(page.body) ?? '');
      return ids(page.body);
    };
    assert.deepEqual(await find(`q=${made.mug.id}`), [made.mug.id]);
    assert.deepEqual(await find(`q=${made.tea.source.provider_references.reference_number_1}`), [made.tea.id]);
    // ref1 is the QR's reference (inside its payload): read it from the store's row.
    const row = await h.store.read.selectFrom('charges').select('qr_ref1').where('id', '=', made.mug.id).executeTakeFirstOrThrow();
    assert.deepEqual(await find(`q=${row.qr_ref1.toLowerCase()}`), [made.mug.id], 'ref1, whatever its case');
    assert.deepEqual(await find('q=BLUE+MUG'), [made.mug.id], 'words anywhere, capitals ignored; the other account never');
    assert.deepEqual(await find('q=ord-2024-78'), [made.tea.id], 'an order id in metadata');
    assert.deepEqual(await find('q=gold'), [made.mug.id], 'a nested metadata value');
    assert.deepEqual(await find(`q=${encodeURIComponent('ชาไทย')}`), [made.tea.id], 'Thai text');
    assert.deepEqual(await find('q=100%25+cotton'), [made.pct.id], 'a % is a character, not a wildcard');
    assert.deepEqual(await find('q=cotton_shirt'), [made.pct.id]);
    assert.deepEqual(await find('q=cottonXshirt'), [], 'an _ is a character too');
    assert.deepEqual(await find('amount=120.50'), [made.mug.id], 'amount in baht');
    assert.deepEqual(await find('amount=150..300'), [made.voided.id, made.refunded.id, made.paid.id], 'an amount range, newest first');
    assert.deepEqual(await find('q=amount:999'), [made.tea.id], 'amount: in the search box too');
    assert.deepEqual(await find('status=pending&q=ORD-2024'), [made.tea.id]);
    const today = bangkokDay(Date.now());
    assert.equal((await find(`from=${today}&to=${today}`)).length, 8);
    assert.deepEqual(await find('from=2099-01-01'), []);
    assert.deepEqual(await find('to=2000-01-01'), []);
    // GET /search answers the same for the same words.
    const api = await h.request({ url: '/search?scope=charge&query=blue%20mug&order=reverse_chronological', key: h.keys.secretKey });
    assert.deepEqual(api.json.data.map((c: any) => c.id), [made.mug.id]);
  });

  test('a malformed search says what is wrong, in the language, and lists no charges', async () => {
    for (const [query, english, thai] of [
      ['q=amount:abc', /the search term amount: must be an amount in baht .* not "abc"/, /คำค้น amount: ต้องเป็นจำนวนเงินเป็นบาท/],
      ['q=color:blue', /color: is not a search field; the fields are amount:, status:, id:/, /color: ไม่ใช่ช่องที่ค้นได้/],
      ['from=2026-13-45', /Dates \(from, to\) must be a date such as 2026-03-20 .* not "2026-13-45\.\."/, /ช่วงวันที่ ต้องเป็นวันที่/],
      ['from=2026-03-02&to=2026-03-01', /the start date is after the end date/, /วันเริ่มต้นอยู่หลังวันสิ้นสุด/],
      ['amount=abc', /Amount \(฿\) must be an amount in baht/, /จำนวนเงิน \(฿\) ต้องเป็นจำนวนเงินเป็นบาท/],
      ['q=%22unclosed', /a quote in the search is not closed/, /ยังไม่ได้ปิด/],
      ['status=weird', /Status must be one of pending, successful, failed, expired, reversed, not "weird"/, /สถานะ ต้องเป็นหนึ่งใน/],
      ['before=garbage', /not a page of this list/, /ไม่ใช่หน้าของรายการนี้/],
      ['q=a&q=b', /given more than once/, /มากกว่าหนึ่งครั้ง/],
    ] as const) {
      const en = await client.get(`/dashboard/charges?${query}`, { 'accept-language': 'en' });
      assert.equal(en.status, 400, query);
      assert.match(problemOf(en.body) ?? '', english, query);
      assert.deepEqual(ids(en.body), [], `${query}: no charges listed`);
      const th = await client.get(`/dashboard/charges?${query}`, { 'accept-language': 'th' });
      assert.match(problemOf(th.body) ?? '', thai, query);
      assert.deepEqual(ids(th.body), []);
    }
  });

  test('the list pages by keyset through a search, and a refunded or voided charge says so', async () => {
    for (let i = 0; i < 52; i++) await charge(h.keys.secretKey, { amount: 10000 + i, description: `bulk item ${i}`, metadata: { batch: 'pagetest' } });
    const first = await client.get('/dashboard/charges?q=pagetest');
    assert.equal(ids(first.body).length, 50);
    const next = /href="([^"]+)" rel="next"/.exec(first.body);
    assert.ok(next, 'an Older link that keeps the search');
    assert.match(unescape(next[1]), /q=pagetest/);
    const second = await client.get(unescape(next[1]));
    assert.equal(ids(second.body).length, 2);
    assert.equal(new Set([...ids(first.body), ...ids(second.body)]).size, 52);
    assert.doesNotMatch(second.body, /rel="next"/);

    const badges = async (lang: string) => {
      const page = await client.get('/dashboard/charges?q=paid+then', { 'accept-language': lang });
      return Object.fromEntries(
        [...page.body.matchAll(/href="\/dashboard\/charges\/(chrg_[a-z0-9_]+)"[\s\S]*?data-status="([a-z_]+)">([^<]+)</g)].map((m) => [m[1], [m[2], m[3]]]),
      );
    };
    const en = await badges('en');
    assert.deepEqual(en[made.paid.id], ['partially_refunded', 'Partly refunded']);
    // A full refund on the day of the payment is a void (DECISIONS §5); a refund after it is in the midnight test.
    assert.deepEqual(en[made.refunded.id], ['voided', 'Voided']);
    assert.deepEqual(en[made.voided.id], ['voided', 'Voided']);
    const th = await badges('th');
    assert.deepEqual(th[made.voided.id], ['voided', 'ยกเลิกรายการแล้ว']);
    assert.deepEqual(th[made.paid.id], ['partially_refunded', 'คืนเงินบางส่วน']);
    const list = await client.get('/dashboard/charges?q=ORD-2024-78', { 'accept-language': 'th' });
    assert.match(list.body, /999\.00/, 'amounts in baht');
    assert.match(list.body, /รอชำระ/, 'statuses in words');
  });

  test('the full-text index finds exactly what the LIKE conditions find, and follows every write', async () => {
    const db = h.store.read;
    const scope = { accountId: h.keys.accountId, livemode: 0 };
    const terms = [
      'blue', 'BLUE MUG', 'mug', 'ord-2024', 'ord-2024-77', '2024', 'gold', 'ชาไทย', 'ไทย', 'ชา', '42', '=1+2', '=hyperlink', 'http://x', '100%', 'cotton_shirt',
      '"quoted"', 'back\\slash', 'chrg_test', made.mug.id, made.tea.id.slice(5, 20), 'pay2_', 'paid then', 'refunded', 'xyzzy', 'bulk item 3', 'item 4', 'pagetest', 'ab', 'b',
    ];
    for (const term of terms) {
      const query = /\s|"|\\|:/.test(term) && !term.startsWith('"') ? JSON.stringify(term) : term;
      const plan = planSearch({ scope: 'charge', query, per_page: 100, order: 'reverse_chronological' });
      const withIndex = await searchCharges(db, scope, plan);
      const without = await searchCharges(db, scope, plan, { textIndex: false });
      assert.deepEqual(withIndex.rows.map((r) => r.id), without.rows.map((r) => r.id), `"${term}": the same charges`);
      assert.equal(withIndex.total, without.total, `"${term}": the same total`);
      // Every term of three characters or more goes through the index (on PostgreSQL, one without a character JSON escapes).
      if (Array.from(term).length >= 3 && !/["\\]/.test(term)) {
        assert.ok(await dialectOf(db).textIndex.chargeNarrowing(db, plan.texts), `"${term}" goes through the index`);
      }
    }
    assert.ok((await searchCharges(db, scope, planSearch({ scope: 'charge', query: 'gold' }))).total === 1);

    // A changed description and metadata are found by their new words, never by their old ones.
    await call('PATCH', `/charges/${made.mug.id}`, { description: 'Green teapot', metadata: { order_id: 'ORD-NEW-555' } });
    const plan = (query: string) => planSearch({ scope: 'charge', query });
    assert.deepEqual((await searchCharges(db, scope, plan('teapot'))).rows.map((r) => r.id), [made.mug.id]);
    assert.deepEqual((await searchCharges(db, scope, plan('ord-new-555'))).rows.map((r) => r.id), [made.mug.id]);
    assert.deepEqual((await searchCharges(db, scope, plan('gold'))).rows.map((r) => r.id), []);
    if (h.dialect === 'sqlite') {
      // The index itself, not only the LIKE that decides: once the job has indexed the queue, the
      // old words are gone from it and the new ones in.
      await h.gateway.textIndex.runOnce();
      const { seq } = await db.selectFrom('charges').select('seq' as any).where('id', '=', made.mug.id).executeTakeFirstOrThrow() as { seq: number };
      const holds = async (word: string) => {
        const trigrams = Array.from({ length: word.length - 2 }, (_, i) => `"${word.slice(i, i + 3)}"`).join(' AND ');
        const { rows } = await sql<{ rowid: number }>`select rowid from charges_fts where charges_fts match ${trigrams}`.execute(db);
        return rows.some((row) => Number(row.rowid) === Number(seq));
      };
      assert.equal(await holds('teapot'), true);
      assert.equal(await holds('ord-new-555'), true);
      assert.equal(await holds('gold'), false);
      assert.equal(await holds('ord-2024-77'), false);
      assert.ok(ftsCandidatesMax > 0);
    }
  });

  test('the balance and transactions pages show what GET /balance and /transactions show, in words and baht', async () => {
    const balance = await call('GET', '/balance');
    const page = await client.get('/dashboard/balance', { 'accept-language': 'en' });
    assert.equal(page.status, 200);
    const stat = (name: string) => unescape(new RegExp(`data-test="balance-${name}">([^<]+)<`).exec(page.body)![1]);
    const baht = (satang: number) => `฿${Math.floor(satang / 100).toLocaleString('en-US')}.${String(satang % 100).padStart(2, '0')}`;
    assert.equal(stat('total'), baht(balance.total));
    assert.equal(stat('transferable'), baht(balance.transferable));
    assert.equal(stat('reserve'), baht(balance.reserve));
    assert.ok(balance.total > 0);
    assert.match((await client.get('/dashboard/balance', { 'accept-language': 'th' })).body, /ยอดเงินทั้งหมด/);

    const transactions = await call('GET', '/transactions?order=reverse_chronological&limit=100');
    const list = await client.get('/dashboard/transactions', { 'accept-language': 'en' });
    assert.equal(list.status, 200);
    const rows = [...list.body.matchAll(/<tr data-direction="(credit|debit)">([\s\S]*?)<\/tr>/g)];
    assert.equal(rows.length, transactions.data.length);
    const byOrigin = new Map(rows.map((m) => [/>((chrg|rfnd)_[a-z0-9_]+)</.exec(m[2])![1], m]));
    for (const x of transactions.data) {
      const row = byOrigin.get(x.origin);
      assert.ok(row, x.origin);
      assert.equal(row[1], x.direction);
      assert.match(row[2], new RegExp(`${x.direction === 'credit' ? '\\+' : '−'}${Math.floor(x.amount / 100).toLocaleString('en-US')}\\.${String(x.amount % 100).padStart(2, '0')}`));
    }
    const voidRow = rows.find((m) => /Void \(the charge cancelled the same day\)/.test(m[2]));
    assert.ok(voidRow, 'a void in words');
    assert.match(voidRow[2], new RegExp(`href="/dashboard/charges/${made.voided.id}"`), 'linked to its charge');
    assert.match(list.body, /Charge paid, after fees/);
    assert.doesNotMatch(list.body, /charge\.captured\.net/, 'no raw keys');
    const thai = await client.get('/dashboard/transactions', { 'accept-language': 'th' });
    assert.match(thai.body, /เงินเข้า/);
    assert.match(thai.body, /ยกเลิกรายการ/);
    assert.equal((await client.get('/dashboard/transactions?before=nope')).status, 400);
  });

  test('CSV exports: rows as the API shows them, baht and satang, Bangkok times, formulas escaped, one account only', async () => {
    const today = bangkokDay(Date.now());
    const res = await h.app.inject({ method: 'GET', url: `/dashboard/exports/charges.csv?from=${today}&to=${today}`, headers: { cookie: client.cookie, 'accept-language': 'en' } });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'text/csv; charset=utf-8');
    assert.equal(res.headers['content-disposition'], `attachment; filename="satang-test-charges-${today}-to-${today}.csv"`);
    const rows = csvObjects(res.body);
    const api = await call('GET', '/charges?limit=100');
    assert.equal(rows.length, api.total, 'every charge of the day, this account only');
    assert.ok(!rows.some((r) => r.id === made.other.id));
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const c of api.data) {
      const row = byId.get(c.id)!;
      assert.ok(row, c.id);
      assert.equal(row.amount_satang, String(c.amount));
      assert.equal(row.amount_baht, (c.amount / 100).toFixed(2));
      assert.equal(row.refunded_satang, String(c.refunded_amount));
      assert.equal(row.status, c.status);
      assert.equal(row.net_satang, String(c.net));
      assert.match(row.created_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+07:00$/);
      assert.equal(Date.parse(row.created_at), Date.parse(c.created_at), 'the same second, in Bangkok time');
      assert.equal(row.transaction_id, c.transaction ?? '');
      const description = c.description ?? '';
      assert.equal(row.description, /^[=+\-@\t\r]/.test(description) ? `'${description}` : description);
    }
    assert.equal(byId.get(made.formula.id)!.description, "'=1+2", 'a formula is escaped');
    assert.equal(byId.get(made.minus.id)!.description, "'-SUM(A1)");
    assert.equal(byId.get(made.pct.id)!.description, '100% cotton_shirt "quoted" back\\slash', 'quotes survive');
    assert.equal(byId.get(made.tea.id)!.description, 'ชาไทย 3 ถุง', 'Thai as UTF-8');
    assert.equal(byId.get(made.voided.id)!.status_in_words, 'Voided');
    assert.equal(byId.get(made.paid.id)!.status_in_words, 'Partly refunded');
    assert.equal(byId.get(made.mug.id)!.funding_source_in_words !== '', true);
    // Chronological: oldest first.
    const times = rows.map((r) => Date.parse(r.created_at));
    assert.deepEqual([...times].sort((a, b) => a - b), times);

    const thai = await h.app.inject({ method: 'GET', url: `/dashboard/exports/charges.csv?from=${today}&to=${today}`, headers: { cookie: client.cookie, 'accept-language': 'th' } });
    const thaiRows = csvObjects(thai.body);
    assert.equal(thaiRows.find((r) => r['รหัส'] === made.voided.id)!['สถานะ'], 'ยกเลิกรายการแล้ว');

    const refunds = csvObjects((await client.get(`/dashboard/exports/refunds.csv?from=${today}&to=${today}`, { 'accept-language': 'en' })).body);
    const apiRefunds = await call('GET', '/refunds?limit=100');
    assert.deepEqual(refunds.map((r) => r.id).sort(), apiRefunds.data.map((r: any) => r.id).sort());
    for (const r of apiRefunds.data) {
      const row = refunds.find((x) => x.id === r.id)!;
      assert.equal(row.amount_satang, String(r.amount));
      assert.equal(row.charge_id, r.charge);
      assert.equal(row.kind, r.voided ? 'void' : 'refund');
    }
    const ledger = csvObjects((await client.get(`/dashboard/exports/transactions.csv?from=${today}&to=${today}`, { 'accept-language': 'en' })).body);
    const apiLedger = await call('GET', '/transactions?limit=100');
    assert.deepEqual(ledger.map((x) => x.id).sort(), apiLedger.data.map((x: any) => x.id).sort());
    for (const x of apiLedger.data) {
      const row = ledger.find((r) => r.id === x.id)!;
      assert.equal(row.amount_satang, String(x.amount));
      assert.equal(row.direction, x.direction);
      assert.equal(row.origin, x.origin);
      assert.notEqual(row.key_in_words, x.key);
    }
    assert.ok(!ledger.some((x) => x.origin === made.other.id));

    // Read batch by batch on a keyset: batches of 2 give every row once, in the same order.
    const scope = { accountId: h.keys.accountId, livemode: 0 };
    const dayStart = Date.parse(`${today}T00:00:00+07:00`);
    const collect = async <T extends { id: string }>(rows: AsyncGenerator<T>) => {
      const out: string[] = [];
      for await (const row of rows) out.push(row.id);
      return out;
    };
    assert.deepEqual(await collect(chargesForExport(h.store.read, scope, dayStart, dayStart + 86_400_000, 2)), rows.map((r) => r.id));
    assert.deepEqual(await collect(transactionsForExport(h.store.read, scope, dayStart, dayStart + 86_400_000, 3)), ledger.map((r) => r.id));

    // A range too long, or missing an end, is refused in words and sends no file.
    const long = await client.get('/dashboard/exports/charges.csv?from=2025-01-01&to=2026-01-02', { 'accept-language': 'en' });
    assert.equal(long.status, 400);
    assert.match(long.body, /at most 366 days/);
    assert.equal((await client.get('/dashboard/exports/charges.csv?from=2025-01-01&to=2026-01-01')).status, 200, '366 days is allowed');
    assert.match((await client.get('/dashboard/exports/refunds.csv?from=2025-01-01', { 'accept-language': 'th' })).body, /ต้องระบุทั้งวันเริ่มต้นและวันสิ้นสุด/);
    assert.equal((await client.get('/dashboard/exports/transactions.csv?from=2025-02-30&to=2025-03-01')).status, 400);
  });

  test('an export’s range ends at Bangkok midnight', async () => {
    // The other account, so the clock moved here moves nothing the other tests read.
    const key = h.other.secretKey;
    const clock = await call('GET', '/test/clock', {}, key);
    const nowMs = Date.parse(clock.now);
    const dayStart = (ms: number) => Date.parse(`${bangkokDay(ms)}T00:00:00+07:00`);
    const midnight = dayStart(Math.max(nowMs, Date.now())) + 2 * 86_400_000;
    await call('POST', '/test/clock/advance', { to: new Date(midnight - 5000).toISOString() }, key);
    const late = await charge(key, { amount: 11100, description: 'just before midnight' });
    await call('POST', '/test/clock/advance', { to: new Date(midnight).toISOString() }, key);
    const early = await charge(key, { amount: 22200, description: 'just after midnight' });
    assert.ok(Date.parse(late.created_at) < midnight && Date.parse(early.created_at) >= midnight, 'the two sides of midnight');
    const other = await signIn(h.app, 'charges@example.com');
    const switched = await other.post('/dashboard/session/account', { account: h.other.accountId, back: '/dashboard' });
    assert.equal(switched.status, 303);
    const dayBefore = bangkokDay(midnight - 1);
    const dayAfter = bangkokDay(midnight);
    const exported = async (from: string, to: string) =>
      csvObjects((await other.get(`/dashboard/exports/charges.csv?from=${from}&to=${to}`, { 'accept-language': 'en' })).body).map((r) => r.id);
    assert.deepEqual(await exported(dayBefore, dayBefore), [late.id]);
    assert.deepEqual(await exported(dayAfter, dayAfter), [early.id]);
    assert.deepEqual(await exported(dayBefore, dayAfter), [late.id, early.id]);
    const row = csvObjects((await other.get(`/dashboard/exports/charges.csv?from=${dayAfter}&to=${dayAfter}`)).body)[0];
    assert.ok(row.created_at.startsWith(`${dayAfter}T00:00:0`), row.created_at);
    // The list's Bangkok days cut at the same midnight.
    assert.deepEqual(ids((await other.get(`/dashboard/charges?from=${dayAfter}&to=${dayAfter}`)).body), [early.id]);
    assert.deepEqual(ids((await other.get(`/dashboard/charges?to=${dayBefore}&q=midnight`)).body), [late.id]);

    // Paid before midnight, refunded after it: a refund, not a void, and its badge says so.
    const paid = await charge(key, { amount: 40000, description: 'refund after midnight' });
    await call('POST', `/charges/${paid.id}/mark_as_paid`, {}, key);
    await call('POST', '/test/clock/advance', { seconds: 86_400 }, key);
    const refund = await call('POST', `/charges/${paid.id}/refunds`, { amount: 40000 }, key);
    assert.equal(refund.voided, false);
    const list = await other.get('/dashboard/charges?q=refund+after', { 'accept-language': 'en' });
    assert.match(list.body, /data-status="refunded">Refunded</);
  });
});

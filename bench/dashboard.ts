/**
 * Dashboard pages at a million charges: server time per page and the server's peak memory.
 *
 *   node --import tsx bench/dashboard.ts [--charges=1000000] [--postgres] [--runs=30] [--days=365]
 *
 * Seeds N charges of one account over the last `days` days (newest last: a merchant's year) straight into the
 * tables (bench/bulk-load.ts: set-up, not the path under test), with what comes with them in about the proportion a
 * shop sees: a source each, their events (created, then completed or expired), 70 % paid with a ledger credit, 3 % of
 * those refunded or voided (refund, debit, event), webhook jobs and delivery attempts for one charge in ten, an
 * operator's audit lines, the overview's daily totals and the balance. The seeding time is printed.
 *
 * Then `satang serve` runs as `npm start` runs it (compiled, its own process) on that database, an operator signs in
 * over HTTP, and every dashboard page is requested `runs` times one after another. The time printed is the server's
 * own, from each response's Server-Timing header (session, SQL, rendering; a streamed export: until its first
 * bytes), p50 and p95; pages a branch does not have yet (404) are shown as absent. The server's peak RSS is its
 * VmHWM from /proc. Targets: every page p95 < 100 ms, VmHWM ≤ 200 MB; the last line says met or not met, and the
 * exit code is 0 either way (1 only when the bench itself failed).
 *
 * With --postgres: a throwaway database satang_bench_<random> (schema bench_<random>) created through
 * --database-url, dropped afterwards (Kysely's Migrator and a test run in one database break each other: see
 * bench/http.ts). Statistics as autovacuum would leave them (VACUUM ANALYZE after loading). SQLite gets no ANALYZE:
 * nothing runs one on a deployed store.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chargeSnapshot } from '../src/domain/charge.js';
import { bangkokDayOf, dayMs, hourMs } from '../src/domain/time.js';
import { newCapabilityId, newDownloadToken, newId, newQrRef1 } from '../src/domain/ids.js';
import { chargeExpiryMs } from '../src/domain/limits.js';
import { fundingSources } from '../src/domain/lifecycle.js';
import { computeFees } from '../src/domain/money.js';
import { voidDebitSatang } from '../src/domain/refunds.js';
import type { ChargeRow } from '../src/store/schema.js';
import { openStore, type Store } from '../src/store/store.js';
import { ensureDefaultAccount } from '../src/usecases/accounts.js';
import { createOperator, hashPassword } from '../src/usecases/operators.js';
import { type BulkLoader, indexLoadedCharges, postgresLoader, type Row, sqliteLoader } from './bulk-load.js';
import { benchResult, countLabel, finalizers, gatewayEnv, log, percentile, readStatusKb, runBench, startBuiltGateway, tempDir, throwawayDatabase } from './support.js';

const { values } = parseArgs({
  options: {
    charges: { type: 'string', default: '100000' },
    postgres: { type: 'boolean', default: false },
    /** Kept for old command lines: --store=postgres is --postgres. */
    store: { type: 'string', default: 'sqlite' },
    runs: { type: 'string', default: '30' },
    days: { type: 'string', default: '365' },
    'database-url': { type: 'string', default: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
  },
});
const chargeCount = Number(values.charges);
const runs = Number(values.runs);
const spanDays = Number(values.days);
const postgres = values.postgres || values.store === 'postgres';
const storeName = postgres ? 'postgres' : 'sqlite';
for (const [name, value] of [['charges', chargeCount], ['runs', runs], ['days', spanDays]] as const) {
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a whole number ≥ 1`);
}
const targets = { p95Ms: 100, vmHwmMb: 200 };
const operatorEmail = 'bench@example.com';
const operatorPassword = 'bench password 123';

/** A small deterministic generator (mulberry32), so two runs seed the same shapes. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const items = ['ชาไทยเย็น', 'กาแฟเย็น', 'espresso', 'croissant', 'ข้าวมันไก่', 'pad thai', 'mango sticky rice', 'ผัดกะเพรา', 'latte', 'green curry', 'ต้มยำกุ้ง', 'smoothie'];
const channels = ['line', 'web', 'shop', 'grab'];

interface Seeded {
  /** A refunded charge half-way through: its page has refunds, events and deliveries. */
  chargeId: string;
  /** A paid charge with nothing refunded: its refund confirmation page. */
  paidChargeId: string;
  orderId: string;
  freeText: string;
  rows: Record<string, number>;
}

interface Target {
  env: NodeJS.ProcessEnv;
  loader: () => Promise<BulkLoader>;
  size: () => Promise<string>;
}

/** The database, migrated, with the default account and an operator; how the server and the loader reach it. */
async function prepareDatabase(): Promise<{ target: Target; accountId: string; nowMs: number }> {
  const dataDir = tempDir('dashboard');
  const nowMs = Date.now();
  let store: Store;
  let target: Target;
  if (postgres) {
    const { databaseUrl, schema } = await throwawayDatabase(values['database-url']!);
    store = await openStore({ dataDir, databaseUrl, schema });
    target = {
      env: { DATABASE_URL: databaseUrl, SATANG_DATABASE_SCHEMA: schema },
      loader: () => postgresLoader(databaseUrl, schema),
      size: async () => {
        const { default: pg } = await import('pg');
        const client = new pg.Client({ connectionString: databaseUrl });
        await client.connect();
        try {
          const { rows } = await client.query(`select pg_size_pretty(pg_database_size(current_database())) as size`);
          return String(rows[0].size);
        } finally {
          await client.end();
        }
      },
    };
  } else {
    store = await openStore({ dataDir, sqliteSynchronous: 'NORMAL' });
    const file = join(dataDir, 'satang.sqlite');
    target = {
      env: { SATANG_DATA_DIR: dataDir },
      loader: async () => sqliteLoader(file),
      size: async () => `${(statSync(file).size / 1024 / 1024).toFixed(0)} MB`,
    };
  }
  try {
    await store.migrate();
    const { account } = await store.transaction((tx) => ensureDefaultAccount(tx, nowMs));
    const passwordHash = await hashPassword(operatorPassword);
    await store.transaction((tx) => createOperator(tx, { email: operatorEmail, passwordHash }, nowMs));
    return { target, accountId: account.id, nowMs };
  } finally {
    await store.close();
  }
}

async function seed(loader: BulkLoader, accountId: string, nowMs: number): Promise<Seeded> {
  const rand = random(16);
  const counts: Record<string, number> = {};
  const started = performance.now();
  const spanMs = spanDays * dayMs;
  const firstMs = nowMs - spanMs;
  const endpointId = newId('endp', false, firstMs);
  const endpointUrl = 'https://shop.example/hooks/satang';
  const totals = new Map<number, { created: number; successful: number; amount: number }>();
  let balance = 0;
  let sample: Seeded | undefined;
  let paidSample: string | undefined;
  const batch = 5000;

  await loader.begin();
  await loader.insert('webhook_endpoints', [{ id: endpointId, account_id: accountId, livemode: 0, url: endpointUrl, enabled: 1, created_at: firstMs, updated_at: firstMs, chaos: null, chaos_event_count: 0 }]);
  await loader.commit();

  for (let from = 0; from < chargeCount; from += batch) {
    const tables: Record<string, Row[]> = { sources: [], charges: [], events: [], refunds: [], transactions: [], webhook_jobs: [], webhook_deliveries: [] };
    const event = (key: string, charge: ChargeRow, at: number, snapshot: string, object?: { type: 'refund'; id: string }) => {
      const row = { id: newId('evnt', false, at), account_id: accountId, livemode: 0, key, charge_id: charge.id, object_type: object?.type ?? 'charge', object_id: object?.id ?? charge.id, snapshot, created_at: at };
      tables.events.push(row);
      return row;
    };
    for (let i = from; i < Math.min(chargeCount, from + batch); i++) {
      const createdAt = firstMs + Math.floor(((i + 1) / chargeCount) * (spanMs - 60_000));
      const amount = 2_000 + Math.floor(rand() * 40) * 2_500 + (i % 7) * 100;
      const u = rand();
      const pendingWindow = createdAt > nowMs - chargeExpiryMs;
      const status: ChargeRow['status'] = u < 0.7 ? 'successful' : u < 0.8 ? 'failed' : pendingWindow ? 'pending' : 'expired';
      const fees = computeFees(amount, 365, 0);
      const sourceId = newId('src', false, createdAt);
      const chargeId = newId('chrg', false, createdAt);
      const orderId = `ORD-${String(i + 1).padStart(7, '0')}`;
      const item = items[Math.floor(rand() * items.length)];
      const paidAt = createdAt + 20_000 + Math.floor(rand() * 240_000);
      const paid = status === 'successful';
      tables.sources.push({ id: sourceId, account_id: accountId, livemode: 0, type: 'truemoney_qr', amount, currency: 'THB', flow: 'offline', ip: null, email: null, name: null, mobile_number: null, phone_number: null, platform_type: null, created_at: createdAt });
      const pending: ChargeRow = {
        id: chargeId, account_id: accountId, livemode: 0, source_id: sourceId, amount, currency: 'THB', status: 'pending', qr_ref3: '',
        description: `${item} ×${1 + (i % 3)} (${orderId})`, metadata: JSON.stringify({ order_id: orderId, channel: channels[i % channels.length] }),
        return_uri: 'https://shop.example/thanks', ip: '203.0.113.9', payment_ref: newCapabilityId('pay2', false), qr_ref1: newQrRef1(), document_id: newCapabilityId('docu', false),
        download_token: newDownloadToken(), fee_rate_bps: 365, fee_flat_satang: 0, qr_biller_id: '010555000000101', qr_merchant_name: 'Satang Coffee',
        fee: fees.feeSatang, fee_vat: fees.feeVatSatang, net: fees.netSatang, funding_source: null, failure_code: null, failure_message: null,
        transaction_id: null, webhook_endpoints: null, created_at: createdAt, paid_at: null, authorized_at: null, expires_at: createdAt + chargeExpiryMs,
        expired_at: null, updated_at: createdAt, refunded_amount: 0, voided_amount: 0, refund_count: 0,
        scripted_outcome: null, scripted_outcome_due_at: null, scripted_funding_source: null,
      };
      const charge: ChargeRow = { ...pending, status };
      const events = [event('charge.create', charge, createdAt, chargeSnapshot(pending))];
      if (paid) {
        Object.assign(charge, { funding_source: fundingSources[i % 3 === 0 ? 3 : 0], paid_at: paidAt, authorized_at: paidAt, transaction_id: newId('trxn', false, paidAt), updated_at: paidAt });
        tables.transactions.push({ id: charge.transaction_id!, account_id: accountId, livemode: 0, direction: 'credit', key: 'charge.captured.net', amount: charge.net, currency: 'THB', origin: chargeId, created_at: paidAt, transferable_at: paidAt });
        balance += charge.net;
      } else if (status === 'failed') {
        Object.assign(charge, { failure_code: 'failed_processing', failure_message: 'payment processing failed', updated_at: paidAt });
      } else if (status === 'expired') {
        Object.assign(charge, { expired_at: charge.expires_at, updated_at: charge.expires_at });
      }
      if (status !== 'pending') events.push(event(status === 'expired' ? 'charge.expire' : 'charge.complete', charge, charge.updated_at, chargeSnapshot({ ...charge, refunded_amount: 0, voided_amount: 0, refund_count: 0 })));
      if (paid && rand() < 0.03) {
        const voided = rand() < 0.33 && paidAt + hourMs < nowMs;
        const refundAmount = voided || rand() < 0.5 ? amount : Math.floor(amount / 2);
        const at = voided ? paidAt + 10 * 60_000 : Math.min(nowMs - 60_000, paidAt + 2 * dayMs);
        if (at > paidAt) {
          const refundId = newId('rfnd', false, at);
          const transactionId = newId('trxn', false, at);
          const debit = voided ? voidDebitSatang(charge.net, amount, 0, refundAmount) : refundAmount;
          tables.refunds.push({ id: refundId, account_id: accountId, livemode: 0, charge_id: chargeId, amount: refundAmount, currency: 'THB', voided: voided ? 1 : 0, metadata: '{}', transaction_id: transactionId, created_at: at });
          tables.transactions.push({ id: transactionId, account_id: accountId, livemode: 0, direction: 'debit', key: voided ? 'refund.voided.debit' : 'refund.created.debit', amount: debit, currency: 'THB', origin: refundId, created_at: at, transferable_at: at });
          balance -= debit;
          Object.assign(charge, { refunded_amount: refundAmount, voided_amount: voided ? refundAmount : 0, refund_count: 1, updated_at: at });
          events.push(event('refund.create', charge, at, '{}', { type: 'refund', id: refundId }));
          if (!sample && i >= chargeCount / 2 && paidSample) sample = { chargeId, paidChargeId: paidSample, orderId, freeText: 'sticky', rows: counts };
        }
      }
      // One charge in ten has its events sent to the endpoint: a job and an attempt each (a third of those failing once, then sent).
      if (i % 10 === 0) {
        for (const e of events) {
          const jobId = newId('whjb', false, e.created_at);
          const failedFirst = i % 30 === 0;
          tables.webhook_jobs.push({
            id: jobId, event_id: e.id, account_id: accountId, livemode: 0, url: endpointUrl, endpoint_id: endpointId, listener_id: null, status: 'delivered',
            attempts: failedFirst ? 2 : 1, next_attempt_at: e.created_at, give_up_at: e.created_at + 3 * dayMs, lease_until: 0, payload: null, created_at: e.created_at, chaos: null,
          });
          const payload = JSON.stringify({ object: 'event', id: e.id, key: e.key, data: { object: e.object_type, id: e.object_id } });
          const attempt = (at: number, code: number) =>
            tables.webhook_deliveries.push({ id: newId('whdl', false, at), job_id: jobId, event_id: e.id, account_id: accountId, livemode: 0, uri: endpointUrl, status: code, error: null, payload, duration_ms: 40 + (i % 90), response_excerpt: code === 200 ? 'ok' : 'upstream error', created_at: at, chaos: null });
          if (failedFirst) attempt(e.created_at + 50, 500);
          attempt(e.created_at + (failedFirst ? 60_050 : 50), 200);
        }
      }
      if (paid && charge.refund_count === 0 && i >= chargeCount / 2 && !paidSample) paidSample = chargeId;
      tables.charges.push(charge as unknown as Row);
      const day = bangkokDayOf(createdAt);
      const sum = totals.get(day) ?? { created: 0, successful: 0, amount: 0 };
      sum.created++;
      if (paid) {
        sum.successful++;
        sum.amount += amount;
      }
      totals.set(day, sum);
    }
    await loader.begin();
    for (const [table, rows] of Object.entries(tables)) {
      await loader.insert(table, rows);
      counts[table] = (counts[table] ?? 0) + rows.length;
    }
    await loader.commit();
    if ((from / batch) % 20 === 19) log(`${from + batch} charges in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }

  // What the overview reads (migration 0017's table), the balance, and an operator's year of audit lines.
  await loader.begin();
  await loader.insert('daily_charge_totals', [...totals].map(([day, t]) => ({ account_id: accountId, livemode: 0, day, created_count: t.created, successful_count: t.successful, successful_amount: t.amount })));
  await loader.insert('balances', [{ account_id: accountId, livemode: 0, total: balance, created_at: firstMs }]);
  const actions = ['charge.refund', 'charge.mark_successful', 'operator.sign_in', 'account.settings', 'event.redeliver', 'key.roll'];
  const audit: Row[] = [];
  for (let n = 0; n < 5000; n++) {
    const at = firstMs + Math.floor((n / 5000) * spanMs);
    audit.push({ id: newId('audt', true, at), operator_id: 'oper_bench', operator_email: operatorEmail, account_id: accountId, livemode: 0, action: actions[n % actions.length], target: null, details: '{"reason":"customer asked"}', created_at: at });
  }
  await loader.insert('audit_log', audit);
  counts.audit_log = audit.length;
  await loader.commit();
  if (!sample) throw new Error('no refunded charge was seeded: use more --charges');
  const seconds = (performance.now() - started) / 1000;
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  log(`seeded ${chargeCount} charges (${total} rows: ${Object.entries(counts).map(([t, n]) => `${t} ${n}`).join(', ')}) on ${storeName} in ${seconds.toFixed(1)} s`);
  return { ...sample, rows: counts, freeText: 'sticky' };
}

interface Page {
  status: number;
  body: string;
  serverMs: number;
  /** The whole exchange as this client saw it, to the body's last byte (a streamed export's full length). */
  clientMs: number;
}

async function signIn(base: string): Promise<string> {
  const form = await fetch(`${base}/dashboard/signin`);
  const formCookie = form.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const token = /satang_form=([^;]+)/.exec(formCookie)?.[1];
  if (!token) throw new Error(`no sign-in form cookie (${form.status})`);
  const res = await fetch(`${base}/dashboard/signin`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: formCookie, origin: base },
    body: new URLSearchParams({ _form: token, email: operatorEmail, password: operatorPassword }).toString(),
  });
  const session = res.headers.getSetCookie().map((c) => c.split(';')[0]).find((c) => c.startsWith('satang_session='));
  if (!session) throw new Error(`sign-in failed: ${res.status}`);
  return session;
}

async function get(base: string, path: string, cookie: string): Promise<Page> {
  const started = performance.now();
  const res = await fetch(`${base}${path}`, { headers: { cookie }, redirect: 'manual' });
  const body = await res.text();
  const clientMs = performance.now() - started;
  const timing = /(?:^|,)\s*app;dur=([\d.]+)/.exec(res.headers.get('server-timing') ?? '');
  if (!timing && res.status !== 404) throw new Error(`${path}: no Server-Timing header (${res.status})`);
  return { status: res.status, body, serverMs: timing ? Number(timing[1]) : Number.NaN, clientMs };
}

/** Follows the charge list's "Older" link `times` times: the page a person reaches by paging back. */
async function deepPage(base: string, cookie: string, times: number): Promise<string> {
  let path = '/dashboard/charges';
  for (let i = 0; i < times; i++) {
    const page = await get(base, path, cookie);
    const next = /href="([^"]*before=[^"]*)"/.exec(page.body);
    if (!next) throw new Error(`no Older link on ${path}`);
    path = next[1].replace(/&amp;/g, '&');
  }
  return path;
}

function bangkokDate(ms: number): string {
  return new Date(ms + 7 * hourMs).toISOString().slice(0, 10);
}

async function main(): Promise<number> {
  const { target, accountId, nowMs } = await prepareDatabase();
  const loader = await target.loader();
  let seeded: Seeded;
  try {
    seeded = await seed(loader, accountId, nowMs);
    if (postgres) {
      const started = performance.now();
      await loader.exec('vacuum analyze');
      log(`vacuum analyze in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }
  } finally {
    await loader.close();
  }
  {
    const started = performance.now();
    const indexed = await indexLoadedCharges(postgres ? { dataDir: tempDir('dashboard-index'), databaseUrl: target.env.DATABASE_URL, schema: target.env.SATANG_DATABASE_SCHEMA } : { dataDir: target.env.SATANG_DATA_DIR! });
    if (indexed > 0) log(`indexed ${indexed} queued charges for search in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  log(`database size ${await target.size()}`);

  const { child, url } = await startBuiltGateway(gatewayEnv({ ...target.env, PORT: '0' }), 'satang serve');
  return measure(url, child.pid!, seeded);
}

async function measure(base: string, pid: number, seeded: Seeded): Promise<number> {
  const cookie = await signIn(base);
  const today = bangkokDate(Date.now());
  const weekAgo = bangkokDate(Date.now() - 6 * dayMs);
  const monthAgo = bangkokDate(Date.now() - 29 * dayMs);
  const deep = await deepPage(base, cookie, 20);
  const pages: Array<[string, string]> = [
    ['overview', '/dashboard'],
    ['charges', '/dashboard/charges'],
    ['charges, page 21 (Older)', deep],
    ['charges?status=failed', '/dashboard/charges?status=failed'],
    ['charges?status=pending', '/dashboard/charges?status=pending'],
    ['charges, 7 days', `/dashboard/charges?from=${weekAgo}&to=${today}`],
    ['search: charge id', `/dashboard/charges?q=${seeded.chargeId}`],
    ['search: order id', `/dashboard/charges?q=${encodeURIComponent(seeded.orderId)}`],
    ['search: free text', `/dashboard/charges?q=${encodeURIComponent(seeded.freeText)}`],
    ['search: no match', `/dashboard/charges?q=zqxjv`],
    ['search: 2 letters, none', `/dashboard/charges?q=qz`],
    ['filter: amount, 7 days', `/dashboard/charges?q=${encodeURIComponent('amount:100..150')}&from=${weekAgo}&to=${today}`],
    ['charge page (refunded)', `/dashboard/charges/${seeded.chargeId}`],
    ['refund confirmation', `/dashboard/charges/${seeded.paidChargeId}/refund?amount=100`],
    ['webhooks', '/dashboard/webhooks'],
    ['developers', '/dashboard/developers'],
    ['developers events', '/dashboard/developers/events'],
    ['keys', '/dashboard/keys'],
    ['settings', '/dashboard/settings'],
    ['audit', '/dashboard/audit'],
    ['balance', '/dashboard/balance'],
    ['transactions', '/dashboard/transactions'],
    ['operators', '/dashboard/operators'],
    ['security (two-factor)', '/dashboard/security'],
    ['export charges, 30 days', `/dashboard/exports/charges.csv?from=${monthAgo}&to=${today}`],
  ];
  console.log(`\ndashboard pages, ${chargeCount.toLocaleString('en-US')} charges over ${spanDays} days on ${storeName}, ${runs} requests each (server time from Server-Timing, ms; client: to the last byte; the server's peak RSS after each page)`);
  console.log(`${'page'.padEnd(26)} ${'p50'.padStart(7)} ${'p95'.padStart(7)} ${'max'.padStart(7)} ${'client p50'.padStart(11)} ${'VmHWM MB'.padStart(9)}  status`);
  const slow: string[] = [];
  let slowest = { name: '', p95: Number.NaN };
  for (const [name, path] of pages) {
    const first = await get(base, path, cookie); // warm the statement cache
    if (first.status === 404) {
      console.log(`${name.padEnd(26)} ${'—'.padStart(7)} ${'—'.padStart(7)} ${'—'.padStart(7)} ${'—'.padStart(11)} ${'—'.padStart(9)}  absent`);
      continue;
    }
    const times: number[] = [];
    const client: number[] = [];
    const statuses = new Set<number>();
    // A streamed export is seconds long: a few are enough for its time to first byte and the server's memory.
    for (let i = 0; i < (path.includes('/exports/') ? Math.min(runs, 5) : runs); i++) {
      const page = await get(base, path, cookie);
      times.push(page.serverMs);
      client.push(page.clientMs);
      statuses.add(page.status);
    }
    times.sort((a, b) => a - b);
    client.sort((a, b) => a - b);
    const p95 = percentile(times, 95);
    if (!(p95 < targets.p95Ms)) slow.push(`${name} p95 ${p95.toFixed(1)} ms`);
    if (!(p95 <= slowest.p95)) slowest = { name, p95 };
    console.log(`${name.padEnd(26)} ${percentile(times, 50).toFixed(1).padStart(7)} ${p95.toFixed(1).padStart(7)} ${times.at(-1)!.toFixed(1).padStart(7)} ${percentile(client, 50).toFixed(1).padStart(11)} ${(readStatusKb(pid, 'VmHWM') / 1024).toFixed(1).padStart(9)}  ${[...statuses].join(',')}`);
  }
  const vmHwmMb = readStatusKb(pid, 'VmHWM') / 1024;
  console.log(`server peak RSS (VmHWM): ${vmHwmMb.toFixed(1)} MB`);
  if (!(vmHwmMb <= targets.vmHwmMb)) slow.push(`VmHWM ${vmHwmMb.toFixed(1)} MB`);
  console.log(
    slow.length === 0
      ? `met: every page p95 < ${targets.p95Ms} ms and VmHWM ≤ ${targets.vmHwmMb} MB (${chargeCount.toLocaleString('en-US')} charges, ${storeName})`
      : `not met (targets: p95 < ${targets.p95Ms} ms, VmHWM ≤ ${targets.vmHwmMb} MB): ${slow.join('; ')}`,
  );
  const charges = countLabel(chargeCount);
  benchResult({ bench: `dashboard at ${charges} charges`, store: storeName, figure: 'slowest page p95', note: slowest.name, value: Number(slowest.p95.toFixed(1)), unit: 'ms', below: targets.p95Ms });
  benchResult({ bench: `dashboard at ${charges} charges`, store: storeName, figure: 'server peak RSS (VmHWM)', value: Number(vmHwmMb.toFixed(1)), unit: 'MB', atMost: targets.vmHwmMb });
  return 0;
}

await runBench(main);

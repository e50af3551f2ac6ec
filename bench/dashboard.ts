/**
 * Dashboard page times with 100,000 charges.
 *
 *   node --import tsx bench/dashboard.ts [--charges=100000] [--store=sqlite|postgres] [--runs=20]
 *
 * Seeds N charges (with their sources) spread over the last 30 days in every status, some
 * refunds, events and webhook deliveries, straight into the store in big transactions (set-up,
 * not the path under test). Then builds the app in this process, signs an operator in, and
 * requests each dashboard page `runs` times through fastify's inject: the time printed is the
 * server's (routing, session, SQL, rendering), without a network. Target: every page < 100 ms.
 */
import { parseArgs } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/api/app.js';
import { Gateway } from '../src/gateway.js';
import { newCapabilityId, newDownloadToken, newId, newQrRef1 } from '../src/domain/ids.js';
import { withSeq } from '../src/store/sequence.js';
import { computeFees } from '../src/domain/money.js';
import type { ChargeRow, EventRow, SourceRow, WebhookDelivery } from '../src/store/schema.js';
import { openStore, type Store } from '../src/store/store.js';
import { ensureDefaultAccount } from '../src/usecases/accounts.js';
import { createOperator, hashPassword } from '../src/usecases/operators.js';
import { adminQuery, cleanup, dropSchema, log, tempDir } from './support.js';

const { values } = parseArgs({
  options: {
    charges: { type: 'string', default: '100000' },
    store: { type: 'string', default: 'sqlite' },
    runs: { type: 'string', default: '20' },
    'database-url': { type: 'string', default: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
  },
});
const chargeCount = Number(values.charges);
const runs = Number(values.runs);
const dayMs = 86_400_000;
const statuses = ['successful', 'successful', 'successful', 'successful', 'successful', 'successful', 'failed', 'expired', 'expired', 'pending'] as const;

let analyze: () => Promise<void> = async () => {};

async function openBenchStore(): Promise<Store> {
  const dataDir = tempDir('dashboard');
  if (values.store === 'postgres') {
    const schema = `bench_dashboard_${process.pid}`;
    await adminQuery(values['database-url']!, `drop schema if exists ${schema} cascade`);
    const store = await openStore({ dataDir, databaseUrl: values['database-url'], schema });
    await store.migrate();
    // After the bulk load, statistics and visibility maps as autovacuum would leave them on a database in use.
    analyze = async () => {
      for (const table of ['charges', 'sources', 'events', 'webhook_deliveries']) await adminQuery(values['database-url']!, `vacuum analyze ${schema}.${table}`);
    };
    const close = store.close.bind(store);
    store.close = async () => {
      await close();
      await dropSchema(values['database-url']!, schema);
    };
    return store;
  }
  const store = await openStore({ dataDir, sqliteSynchronous: 'NORMAL' });
  await store.migrate();
  return store;
}

async function seed(store: Store): Promise<{ accountId: string; chargeId: string }> {
  const nowMs = Date.now();
  const { account } = await store.transaction((tx) => ensureDefaultAccount(tx, nowMs));
  const passwordHash = await hashPassword('bench password 123');
  await store.transaction((tx) => createOperator(tx, { email: 'bench@example.com', passwordHash }, nowMs));
  const started = performance.now();
  const batch = 2000;
  let sampleChargeId = '';
  for (let from = 0; from < chargeCount; from += batch) {
    const sources: SourceRow[] = [];
    const charges: ChargeRow[] = [];
    const events: EventRow[] = [];
    const deliveries: WebhookDelivery[] = [];
    for (let i = from; i < Math.min(chargeCount, from + batch); i++) {
      // Evenly over the last 30 days, newest last.
      const createdAt = nowMs - Math.floor(((chargeCount - i) / chargeCount) * 30 * dayMs);
      const status = statuses[i % statuses.length];
      const amount = 10_000 + ((i * 7919) % 490_000);
      const fees = computeFees(amount, 365, 0);
      const sourceId = newId('src', false, createdAt);
      const chargeId = newId('chrg', false, createdAt);
      sources.push({ id: sourceId, account_id: account.id, livemode: 0, type: 'truemoney_qr', amount, currency: 'THB', flow: 'offline', ip: null, email: null, name: null, mobile_number: null, phone_number: null, platform_type: null, created_at: createdAt });
      const paid = status === 'successful';
      charges.push({
        id: chargeId, account_id: account.id, livemode: 0, source_id: sourceId, amount, currency: 'THB', status, description: `Order ${i}`, metadata: '{}',
        return_uri: null, ip: null, payment_ref: newCapabilityId('pay2', false), qr_ref1: newQrRef1(), document_id: newCapabilityId('docu', false),
        download_token: newDownloadToken(), fee_rate_bps: 365, fee_flat_satang: 0,
        qr_biller_id: account.biller_id, qr_merchant_name: account.merchant_name, fee: fees.feeSatang, fee_vat: fees.feeVatSatang, net: fees.netSatang,
        funding_source: paid ? 'wallet_balance' : null, failure_code: status === 'failed' ? 'failed_processing' : null, failure_message: status === 'failed' ? 'payment processing failed' : null,
        transaction_id: paid ? newId('trxn', false, createdAt) : null, webhook_endpoints: null, created_at: createdAt, paid_at: paid ? createdAt + 60_000 : null,
        authorized_at: paid ? createdAt + 60_000 : null, expires_at: status === 'pending' ? nowMs + dayMs : createdAt + dayMs, expired_at: status === 'expired' ? createdAt + dayMs : null,
        updated_at: createdAt, refunded_amount: 0, voided_amount: 0, refund_count: 0,
        scripted_outcome: null, scripted_outcome_due_at: null, scripted_funding_source: null,
      });
      for (const [key, at] of [['charge.create', createdAt], ...(status === 'pending' ? [] : [['charge.complete', createdAt + 60_000]])] as Array<[string, number]>) {
        const eventId = newId('evnt', false, at);
        events.push({ id: eventId, account_id: account.id, livemode: 0, key, charge_id: chargeId, object_type: 'charge', object_id: chargeId, snapshot: '{}', created_at: at });
        if (i % 10 === 0) {
          deliveries.push({ id: newId('whdl', false, at), job_id: newId('whjb', false, at), event_id: eventId, account_id: account.id, livemode: 0, uri: 'https://shop.example/hooks', status: i % 30 === 0 ? 500 : 200, error: null, payload: '{}', duration_ms: 12, response_excerpt: 'ok', created_at: at + 50, chaos: null });
        }
      }
      if (i === Math.floor(chargeCount / 2)) sampleChargeId = chargeId;
    }
    await store.transaction(async (tx) => {
      for (let s = 0; s < sources.length; s += 500) await tx.insertInto('sources').values(sources.slice(s, s + 500)).execute();
      // withSeq: each listed table's insertion order (store/sequence.ts).
      const chargeRows = await withSeq(tx, 'charges', charges);
      const eventRows = await withSeq(tx, 'events', events);
      const deliveryRows = await withSeq(tx, 'webhook_deliveries', deliveries);
      for (let s = 0; s < chargeRows.length; s += 400) await tx.insertInto('charges').values(chargeRows.slice(s, s + 400)).execute();
      for (let s = 0; s < eventRows.length; s += 500) await tx.insertInto('events').values(eventRows.slice(s, s + 500)).execute();
      for (let s = 0; s < deliveryRows.length; s += 500) await tx.insertInto('webhook_deliveries').values(deliveryRows.slice(s, s + 500)).execute();
    });
  }
  log(`seeded ${chargeCount} charges (${values.store}) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { accountId: account.id, chargeId: sampleChargeId };
}

async function signIn(app: FastifyInstance): Promise<string> {
  const form = await app.inject({ url: '/dashboard/signin' });
  const token = /satang_form=([^;]+)/.exec(String(form.headers['set-cookie']))![1];
  const res = await app.inject({
    method: 'POST',
    url: '/dashboard/signin',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `satang_form=${token}` },
    payload: new URLSearchParams({ _form: token, email: 'bench@example.com', password: 'bench password 123' }).toString(),
  });
  const session = /satang_session=([^;]+)/.exec(String(res.headers['set-cookie']))![1];
  return `satang_session=${session}`;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main(): Promise<void> {
  const store = await openBenchStore();
  const { chargeId } = await seed(store);
  await analyze();
  const app = await buildApp(new Gateway({ store, publicUrl: 'http://127.0.0.1' }));
  await app.ready();
  try {
    const cookie = await signIn(app);
    // A deep page: follow the "Older" link 20 times (1,000 charges in).
    let deep = '/dashboard/charges';
    for (let i = 0; i < 20; i++) {
      const res = await app.inject({ url: deep, headers: { cookie } });
      deep = /href="([^"]+)" rel="next"/.exec(res.body)![1].replace(/&amp;/g, '&');
    }
    const today = new Date(Date.now() + 7 * 3600_000).toISOString().slice(0, 10);
    const weekAgo = new Date(Date.now() + 7 * 3600_000 - 7 * dayMs).toISOString().slice(0, 10);
    const pages: Array<[string, string]> = [
      ['overview', '/dashboard'],
      ['charges', '/dashboard/charges'],
      ['charges?status=failed', '/dashboard/charges?status=failed'],
      ['charges?status=pending', '/dashboard/charges?status=pending'],
      ['charges, 7-day range', `/dashboard/charges?from=${weekAgo}&to=${today}`],
      ['charges, page 21', deep],
      ['charges?q=<id>', `/dashboard/charges?q=${chargeId}`],
      ['charge page', `/dashboard/charges/${chargeId}`],
      ['webhooks', '/dashboard/webhooks'],
      ['keys', '/dashboard/keys'],
      ['settings', '/dashboard/settings'],
      ['audit', '/dashboard/audit'],
    ];
    console.log(`\ndashboard pages, ${chargeCount} charges on ${values.store}, ${runs} requests each (server time via inject, ms)`);
    console.log(`${'page'.padEnd(24)} ${'p50'.padStart(7)} ${'p95'.padStart(7)} ${'max'.padStart(7)}  status`);
    let slowest = 0;
    for (const [name, url] of pages) {
      const times: number[] = [];
      let status = 0;
      await app.inject({ url, headers: { cookie } }); // warm the statement cache
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        const res = await app.inject({ url, headers: { cookie } });
        times.push(performance.now() - t0);
        status = res.statusCode;
      }
      times.sort((a, b) => a - b);
      slowest = Math.max(slowest, percentile(times, 50));
      console.log(`${name.padEnd(24)} ${percentile(times, 50).toFixed(1).padStart(7)} ${percentile(times, 95).toFixed(1).padStart(7)} ${times.at(-1)!.toFixed(1).padStart(7)}  ${status}`);
    }
    console.log(`slowest p50: ${slowest.toFixed(1)} ms (target < 100 ms)`);
  } finally {
    await app.close();
    await store.close();
    await cleanup();
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void cleanup().finally(() => process.exit(130)));
await main();

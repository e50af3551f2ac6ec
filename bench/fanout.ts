/**
 * Fan-out benchmark: the gateway's peak memory while it renders event lists in the worst
 * configuration the limits allow (DECISIONS §10): 20 account endpoints plus 10 URLs of the
 * charge's own per event, every event with many more attempts than the 25 a list shows.
 *
 *   node --import tsx bench/fanout.ts                 # SQLite
 *   node --import tsx bench/fanout.ts --postgres      # PostgreSQL (a throwaway schema)
 *
 * Options: --events=100 (events in the list) --attempts=3 (attempts of each of an event's 30
 * deliveries: 90 per event) --requests=12 (GET /events?limit=100 at once) --uri-chars=48 (length
 * of every endpoint URL, at most 2000) --database-url=postgres://postgres@127.0.0.1:5432/test
 * --strict (exit 1 when the peak is above the target).
 *
 * One run:
 *  1. builds the data straight through the store (this process, the gateway's own code): the
 *     default account with known test keys, 20 endpoints, N charges with 10 webhook_endpoints
 *     each, their charge.create events with 30 jobs each, and every job's attempts (the exact
 *     payload the dispatcher would have sent), the jobs marked delivered so the dispatcher idles;
 *  2. builds (`npm run build`) and starts the gateway as `npm start` runs it, on that data;
 *  3. sends the requests at once, each on its own connection, and reads the server's peak RSS
 *     (VmHWM in /proc) before and after.
 *
 * The gateway, the temp dir and the PostgreSQL schema are removed on the way out, also on
 * failure and on Ctrl-C.
 */
import { request as httpRequest } from 'node:http';
import { parseArgs } from 'node:util';
import { eventListDeliveriesMax, webhookEndpointsPerScopeMax, webhookUrlCharsMax } from '../src/domain/limits.js';
import { renderEvents } from '../src/render/events.js';
import { listEvents, loadEventRelations } from '../src/store/events.js';
import type { WebhookDelivery } from '../src/store/schema.js';
import { openStore } from '../src/store/store.js';
import { ensureDefaultAccount, pinKey } from '../src/usecases/accounts.js';
import { parseChargeParams } from '../src/api/payment-params.js';
import { createCharge } from '../src/usecases/payments.js';
import { createEndpoint } from '../src/usecases/webhooks.js';
import { benchResult, dropSchema, finalizers, freePort, gatewayEnv, log, randomKeySuffix, readStatusKb, runBench, sleep, startBuiltGateway, tempDir } from './support.js';


const { values: flags } = parseArgs({
  options: {
    postgres: { type: 'boolean', default: false },
    'database-url': { type: 'string', default: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
    events: { type: 'string', default: '100' },
    attempts: { type: 'string', default: '3' },
    requests: { type: 'string', default: '12' },
    'uri-chars': { type: 'string', default: '48' },
    strict: { type: 'boolean', default: false },
  },
});
const eventCount = Number(flags.events);
const attemptsPerJob = Number(flags.attempts);
const requestCount = Number(flags.requests);
const uriChars = Number(flags['uri-chars']);
for (const [name, value] of [['events', eventCount], ['attempts', attemptsPerJob], ['requests', requestCount], ['uri-chars', uriChars]] as const) {
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive whole number`);
}
if (eventCount > 100) throw new Error('--events: a list shows at most 100');
if (uriChars < 40 || uriChars > webhookUrlCharsMax) throw new Error(`--uri-chars must be within 40..${webhookUrlCharsMax}`);

const target = { peakRssMb: 300 };
const chargeUrlsPerCharge = 10;

/** An https URL of exactly `uriChars` characters (never sent to: every job is marked delivered). */
function urlOf(label: string): string {
  const base = `https://merchant.example/${label}/`;
  return base + 'x'.repeat(Math.max(0, uriChars - base.length));
}

interface Setup {
  secretKey: string;
  storedDeliveries: number;
}

/** Step 1: the worst configuration, written through the store. */
async function buildData(location: { dataDir: string; databaseUrl?: string; schema?: string }): Promise<Setup> {
  const store = await openStore({ dataDir: location.dataDir, databaseUrl: location.databaseUrl, schema: location.schema, sqliteSynchronous: 'NORMAL' });
  try {
    await store.migrate();
    const secretKey = `skey_test_${randomKeySuffix()}`;
    const startMs = Date.now() - 2 * 86_400_000;
    const { account } = await store.transaction(async (tx) => {
      const made = await ensureDefaultAccount(tx, startMs);
      await pinKey(tx, made.account.id, secretKey, startMs);
      return made;
    });
    const scope = { accountId: account.id, livemode: 0 };
    const policy = { allowPrivateTargets: true };
    const publicUrl = 'http://127.0.0.1';
    await store.transaction(async (tx) => {
      for (let i = 0; i < webhookEndpointsPerScopeMax; i++) await createEndpoint(tx, { scope, nowMs: startMs, publicUrl }, { url: urlOf(`account/${i}`) }, policy);
    });
    const chargeUrls = Array.from({ length: chargeUrlsPerCharge }, (_, i) => urlOf(`charge/${i}`));
    for (let i = 0; i < eventCount; i++) {
      const input = parseChargeParams({ amount: 10_000 + i, currency: 'THB', source: { type: 'truemoney_qr' }, webhook_endpoints: chargeUrls }, policy);
      await store.transaction((tx) => createCharge(tx, { scope, nowMs: startMs + i * 1000, publicUrl }, input));
    }
    const events = (await listEvents(store.read, scope, { fromMs: 0, toMs: Date.now(), offset: 0, limit: eventCount, order: 'chronological' })).rows;
    const payloads = renderEvents(events, await loadEventRelations(store.read, events, 'none'), publicUrl);
    const payloadOf = new Map(events.map((event, index) => [event.id, JSON.stringify(payloads[index])]));
    const jobs = await store.read.selectFrom('webhook_jobs').selectAll().execute();
    let stored = 0;
    let batch: WebhookDelivery[] = [];
    const flush = async () => {
      const rows = batch;
      batch = [];
      if (rows.length > 0) await store.transaction((tx) => tx.insertInto('webhook_deliveries').values(rows).execute());
    };
    for (const job of jobs) {
      for (let attempt = 0; attempt < attemptsPerJob; attempt++) {
        batch.push({
          id: `whdl_test_${randomKeySuffix()}`,
          job_id: job.id,
          event_id: job.event_id,
          account_id: job.account_id,
          livemode: job.livemode,
          uri: job.url,
          status: attempt === attemptsPerJob - 1 ? 200 : 500,
          error: attempt === attemptsPerJob - 1 ? null : 'endpoint answered 500',
          payload: payloadOf.get(job.event_id)!,
          duration_ms: 40,
          response_excerpt: attempt === attemptsPerJob - 1 ? 'ok' : 'not today',
          created_at: job.created_at + attempt * 60_000,
          chaos: null,
        });
        stored++;
        if (batch.length >= 400) await flush();
      }
    }
    await flush();
    // The history is over: nothing is left for the gateway's dispatcher to send.
    await store.transaction((tx) => tx.updateTable('webhook_jobs').set({ status: 'delivered', attempts: attemptsPerJob, payload: null }).execute());
    return { secretKey, storedDeliveries: stored };
  } finally {
    await store.close();
  }
}

/** One GET on a connection of its own: status, bytes and time. */
function getOnce(base: string, path: string, authorization: string): Promise<{ status: number; bytes: number; ms: number }> {
  const started = performance.now();
  return new Promise((done, reject) => {
    const request = httpRequest(`${base}${path}`, { headers: { authorization }, agent: false }, (response) => {
      let bytes = 0;
      response.on('data', (chunk: Buffer) => (bytes += chunk.length));
      response.on('end', () => done({ status: response.statusCode ?? 0, bytes, ms: performance.now() - started }));
      response.on('error', reject);
    });
    request.setTimeout(120_000, () => request.destroy(new Error(`${path}: no response within 120 s`)));
    request.on('error', reject);
    request.end();
  });
}

async function waitUntilAnswering(base: string, authorization: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      if ((await getOnce(base, '/charges?limit=1', authorization)).status === 200) return;
    } catch {
      // not yet
    }
    await sleep(100);
  }
  throw new Error('gateway did not answer within 30 s');
}

async function main(): Promise<number> {
  const store = flags.postgres ? 'postgres' : 'sqlite';
  const dataDir = tempDir('fanout-data');
  const location: { dataDir: string; databaseUrl?: string; schema?: string } = { dataDir };
  if (flags.postgres) {
    location.databaseUrl = flags['database-url']!;
    location.schema = `bench_fo_${randomKeySuffix()}`;
    finalizers.push(() => dropSchema(location.databaseUrl!, location.schema!));
  }
  log(`building the data (${store}): ${webhookEndpointsPerScopeMax} endpoints, ${eventCount} charges with ${chargeUrlsPerCharge} URLs each, ${attemptsPerJob} attempts per delivery`);
  const setupStarted = performance.now();
  const setup = await buildData(location);
  log(`${setup.storedDeliveries} deliveries stored in ${((performance.now() - setupStarted) / 1000).toFixed(1)} s`);

  const port = await freePort();
  const env = gatewayEnv({
    PORT: String(port),
    HOST: '127.0.0.1',
    SATANG_DATA_DIR: dataDir,
    SATANG_LOG_LEVEL: 'warn',
    SATANG_TEST_SECRET_KEY: setup.secretKey,
    DATABASE_URL: location.databaseUrl,
    SATANG_DATABASE_SCHEMA: location.schema,
  });
  const { child: gateway } = await startBuiltGateway(env, `gateway (${store})`);
  const pid = gateway.pid!;
  const base = `http://127.0.0.1:${port}`;
  const authorization = `Basic ${Buffer.from(`${setup.secretKey}:`).toString('base64')}`;
  await waitUntilAnswering(base, authorization);
  // One list first: every lazy part of the process (statements, templates) is in place before the peak is read.
  const first = await getOnce(base, `/events?limit=${eventCount}`, authorization);
  if (first.status !== 200) throw new Error(`GET /events answered ${first.status}`);
  const idleHwmKb = readStatusKb(pid, 'VmHWM');
  const idleRssKb = readStatusKb(pid, 'VmRSS');

  log(`${requestCount} × GET /events?limit=${eventCount} at once`);
  const started = performance.now();
  const answers = await Promise.all(Array.from({ length: requestCount }, () => getOnce(base, `/events?limit=${eventCount}`, authorization)));
  const wallMs = performance.now() - started;
  const peakKb = readStatusKb(pid, 'VmHWM');
  const afterRssKb = readStatusKb(pid, 'VmRSS');
  const failed = answers.filter((answer) => answer.status !== 200);
  const bytes = answers.map((answer) => answer.bytes);
  const mb = (kb: number) => (kb / 1024).toFixed(1);

  const lines = [
    '',
    `Fan-out (${store}): ${eventCount} events × (${webhookEndpointsPerScopeMax} endpoints + ${chargeUrlsPerCharge} charge URLs) × ${attemptsPerJob} attempts = ${setup.storedDeliveries} deliveries stored; URIs of ${uriChars} characters`,
    `  one GET /events?limit=${eventCount}     ${(first.bytes / 1e6).toFixed(2)} MB rendered (${eventListDeliveriesMax} deliveries per event shown), ${first.ms.toFixed(0)} ms alone`,
    `  ${requestCount} at once                ${(Math.max(...bytes) / 1e6).toFixed(2)} MB each, all answered in ${wallMs.toFixed(0)} ms${failed.length > 0 ? `, ${failed.length} NOT 200` : ''}`,
    `  server RSS before                ${mb(idleRssKb)} MB (peak so far ${mb(idleHwmKb)} MB)`,
    `  server peak RSS (VmHWM) after    ${mb(peakKb)} MB  (target ≤ ${target.peakRssMb} MB)  RSS now ${mb(afterRssKb)} MB`,
    '',
  ];
  process.stdout.write(lines.join('\n'));
  if (failed.length > 0) return 1;
  const figure = `server peak RSS (VmHWM), ${requestCount} GET /events?limit=${eventCount} at once`;
  if (!benchResult({ bench: 'fanout', store, figure, value: Number((peakKb / 1024).toFixed(1)), unit: 'MB', atMost: target.peakRssMb })) {
    process.stdout.write(`target missed${flags.strict ? '' : ' (not fatal without --strict)'}\n`);
    return flags.strict ? 1 : 0;
  }
  return 0;
}

await runBench(main);

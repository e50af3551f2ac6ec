/**
 * Scale benchmark: 1M stored charges falling due together.
 *
 *   node --import tsx bench/expiry.ts [--charges=1000000] [--not-due=200000] [--created-over-seconds=0]
 *   node --import tsx bench/expiry.ts --postgres      # PostgreSQL (a throwaway database and schema)
 *
 * Options: --load-seconds=10 (wrk on GET and POST before expiring; 0: none) --database-url=postgres://...
 * --server-node-args='--trace-gc' (node flags for the gateway, to see where its memory goes) --server-output=FILE
 * (the gateway's stdout and stderr, e.g. that GC trace) --strict (exit 1 when a target is missed).
 * SQLite only, to measure a change again without seeding again (1.2M rows take minutes): --keep-seed=DIR copies
 * the seeded database there, --seed-from=DIR starts from that copy (same --charges and --not-due; the due charges
 * then fell due when the copy was made, so they are due by the clock advance all the same).
 *
 * 1. Seeds N pending charges due in 24 h plus M due in 48 h straight into the tables (bench/bulk-load.ts: set-up,
 *    not the path under test). By default the N are made in one millisecond, so they fall due together and their ids
 *    share one second: every index keyed by an id takes them in random order (the worst case for the store).
 *    --created-over-seconds=S spreads them evenly over the S seconds before, as charges made at a steady rate are.
 *    With --postgres: a throwaway database satang_bench_<random> (schema bench_<random>) created through
 *    --database-url, analyzed after loading, dropped afterwards (see bench/http.ts for why not a schema in `test`).
 * 2. Starts `satang serve` (compiled, as `npm start` runs it; SQLite synchronous=FULL) on that data and reports its
 *    RSS: idle, then during wrk load on GET /charges/:id and POST /charges.
 * 3. Times one sweep pass while nothing is due (the not-yet-due charges must cost nothing).
 * 4. Advances the test clock 24 h through the API and measures how fast the server's sweep expires the N due
 *    charges (target ≥ 40k/s), the event-loop delay meanwhile (a separate process asks /healthz every 20 ms, one
 *    request at a time: the longest answer bounds the longest the server's event loop was held; target < 100 ms),
 *    and checks the M later ones stay pending.
 * 5. The server's peak RSS while expiring (VmHWM, reset through /proc/PID/clear_refs before the clock advance; the
 *    whole run's where that is refused): target ≤ 150 MB on SQLite, ≤ 200 MB on PostgreSQL.
 *
 * Each figure is also printed as one `BENCH-RESULT {json}` line (bench/all.ts collects them).
 */
import { appendFileSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { newCapabilityId, newDownloadToken, newId, newQrRef1 } from '../src/domain/ids.js';
import { openStore, type StoreOptions } from '../src/store/store.js';
import { prepareAccounts } from '../src/server.js';
import { loadConfig } from '../src/config.js';
import { expireDueCharges } from '../src/usecases/lifecycle.js';
import { type BulkLoader, indexLoadedCharges, postgresLoader, type Row, sqliteLoader } from './bulk-load.js';
import {
  benchResult,
  countLabel,
  gatewayEnv,
  log,
  nodeArgsOf,
  randomKeySuffix,
  readStatusKb,
  runBench,
  sleep,
  spawnAndWaitForLine,
  startBuiltGateway,
  stopChild,
  tempDir,
  throwawayDatabase,
  track,
} from './support.js';
import { spawn } from 'node:child_process';

const { values } = parseArgs({
  options: {
    charges: { type: 'string', default: '1000000' },
    'not-due': { type: 'string', default: '200000' },
    'created-over-seconds': { type: 'string', default: '0' },
    'load-seconds': { type: 'string', default: '10' },
    postgres: { type: 'boolean', default: false },
    'database-url': { type: 'string', default: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
    'server-node-args': { type: 'string', default: '' },
    'server-output': { type: 'string' },
    'keep-seed': { type: 'string' },
    'seed-from': { type: 'string' },
    strict: { type: 'boolean', default: false },
  },
});
const createdOverMs = Number(values['created-over-seconds']) * 1000;
const dueCount = Number(values.charges);
const notDueCount = Number(values['not-due']);
const loadSeconds = Number(values['load-seconds']);
for (const [name, value] of [['charges', dueCount], ['not-due', notDueCount], ['load-seconds', loadSeconds]] as const) {
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a whole number`);
}
const store = values.postgres ? 'postgres' : 'sqlite';
const targets = { chargesPerSecond: 40_000, loopDelayMs: 100, vmHwmMb: values.postgres ? 200 : 150 };
const suffix = randomKeySuffix();
const secretKey = `skey_test_${suffix}`;
const publicKey = `pkey_test_${suffix.split('').reverse().join('')}`;
const dayMs = 24 * 3600 * 1000;
/** Far beyond the target (1M at 40k/s is 25 s), so that a slow, shared machine still gets its figure. */
const giveUpMs = 1_800_000;

/** Where the data lives: what the gateway, the in-process store, the loader and the counting need. */
interface Target {
  env: NodeJS.ProcessEnv;
  storeOptions: StoreOptions;
  loader: () => Promise<BulkLoader>;
  /** A read-only counter over the bench's own connection. */
  counter: () => Promise<{ count: (sql: string, ...args: number[]) => Promise<number>; close: () => Promise<void> }>;
}

async function prepareTarget(): Promise<Target> {
  const dataDir = tempDir('expiry');
  if (!values.postgres) {
    const file = join(dataDir, 'satang.sqlite');
    return {
      env: { SATANG_DATA_DIR: dataDir },
      storeOptions: { dataDir, sqliteSynchronous: 'FULL' },
      loader: async () => sqliteLoader(file),
      counter: async () => {
        const db = new Database(file, { readonly: true });
        return {
          count: async (sql, ...args) => (db.prepare(sql).get(...args) as { n: number }).n,
          close: async () => {
            db.close();
          },
        };
      },
    };
  }
  const { databaseUrl, schema } = await throwawayDatabase(values['database-url']!, suffix);
  return {
    env: { SATANG_DATA_DIR: dataDir, DATABASE_URL: databaseUrl, SATANG_DATABASE_SCHEMA: schema },
    storeOptions: { dataDir, databaseUrl, schema },
    loader: () => postgresLoader(databaseUrl, schema),
    counter: async () => {
      const { default: pg } = await import('pg');
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      await client.query(`set search_path to ${schema}`);
      return {
        count: async (sql, ...args) => {
          let index = 0;
          const { rows } = await client.query(sql.replace(/\?/g, () => `$${++index}`), args);
          return Number(rows[0].n);
        },
        close: () => client.end(),
      };
    },
  };
}

async function seed(target: Target): Promise<string> {
  if (values['seed-from']) return reuseSeed(target, values['seed-from']);
  const firstId = await seedRows(target);
  if (values['keep-seed']) {
    if (values.postgres) throw new Error('--keep-seed is for SQLite');
    mkdirSync(values['keep-seed'], { recursive: true });
    copyFileSync(join(target.storeOptions.dataDir, 'satang.sqlite'), join(values['keep-seed'], 'satang.sqlite'));
    log(`seeded database kept in ${values['keep-seed']}`);
  }
  return firstId;
}

/** The database an earlier run kept, with this run's keys. */
async function reuseSeed(target: Target, from: string): Promise<string> {
  if (values.postgres) throw new Error('--seed-from is for SQLite');
  copyFileSync(join(from, 'satang.sqlite'), join(target.storeOptions.dataDir, 'satang.sqlite'));
  const setup = await openStore(target.storeOptions);
  try {
    await prepareAccounts(setup, loadConfig({ SATANG_DATA_DIR: target.storeOptions.dataDir, SATANG_TEST_PUBLIC_KEY: publicKey, SATANG_TEST_SECRET_KEY: secretKey }));
    const first = await setup.read.selectFrom('charges').select('id').limit(1).executeTakeFirstOrThrow();
    log(`seeded database copied from ${from}`);
    return first.id;
  } finally {
    await setup.close();
  }
}

async function seedRows(target: Target): Promise<string> {
  const env = { SATANG_DATA_DIR: target.storeOptions.dataDir, SATANG_TEST_PUBLIC_KEY: publicKey, SATANG_TEST_SECRET_KEY: secretKey };
  const config = loadConfig(env);
  const setup = await openStore(target.storeOptions);
  let account: { id: string; biller_id: string; merchant_name: string };
  try {
    await setup.migrate();
    await prepareAccounts(setup, config);
    account = await setup.read.selectFrom('accounts').select(['id', 'biller_id', 'merchant_name']).where('is_default', '=', 1).executeTakeFirstOrThrow();
  } finally {
    await setup.close();
  }

  const loader = await target.loader();
  const nowMs = Date.now();
  const total = dueCount + notDueCount;
  const started = performance.now();
  let firstId = '';
  try {
    for (let from = 0; from < total; from += 5000) {
      const sources: Row[] = [];
      const charges: Row[] = [];
      for (let i = from; i < Math.min(total, from + 5000); i++) {
        const createdAtMs = i < dueCount ? nowMs - 1000 - createdOverMs + Math.floor((i * createdOverMs) / dueCount) : nowMs + dayMs;
        const sourceId = newId('src', false, createdAtMs);
        const chargeId = newId('chrg', false, createdAtMs);
        if (!firstId) firstId = chargeId;
        sources.push({ id: sourceId, account_id: account.id, livemode: 0, type: 'truemoney_qr', amount: 10000, currency: 'THB', flow: 'offline', created_at: createdAtMs });
        charges.push({
          id: chargeId,
          account_id: account.id,
          livemode: 0,
          source_id: sourceId,
          amount: 10000,
          currency: 'THB',
          status: 'pending',
          metadata: '{}',
          payment_ref: newCapabilityId('pay2', false),
          qr_ref1: newQrRef1(),
          document_id: newCapabilityId('docu', false),
          download_token: newDownloadToken(),
          fee_rate_bps: 365,
          fee_flat_satang: 0,
          qr_biller_id: account.biller_id,
          qr_merchant_name: account.merchant_name,
          fee: 365,
          fee_vat: 26,
          net: 9609,
          created_at: createdAtMs,
          expires_at: createdAtMs + dayMs,
          updated_at: createdAtMs,
        });
      }
      await loader.begin();
      await loader.insert('sources', sources);
      await loader.insert('charges', charges);
      await loader.commit();
    }
    if (values.postgres) await loader.exec('vacuum analyze');
  } finally {
    await loader.close();
  }
  const indexed = await indexLoadedCharges(target.storeOptions);
  if (indexed > 0) log(`indexed ${indexed} queued charges for search (set-up)`);
  console.log(`seeded ${dueCount} charges due in 24 h (made over ${createdOverMs / 1000} s) and ${notDueCount} due in 48 h in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return firstId;
}

async function timeIdleSweep(target: Target): Promise<number> {
  const inProcess = await openStore(target.storeOptions);
  try {
    const started = performance.now();
    const expired = await inProcess.transaction((tx) => expireDueCharges(tx, { nowMs: Date.now() }, 2000));
    const ms = performance.now() - started;
    if (expired !== 0) throw new Error('nothing should have been due');
    return ms;
  } finally {
    await inProcess.close();
  }
}

function auth(key: string) {
  return `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
}

/** Runs wrk without blocking this process, so the RSS sampler keeps sampling. */
function wrk(url: string, script: string, seconds: number): Promise<string> {
  const args = ['-t1', '-c50', `-d${seconds}s`, '--latency', '-s', script];
  return new Promise((resolve, reject) => {
    const child = track(spawn('wrk', [...args, url], { stdio: ['ignore', 'pipe', 'inherit'] }));
    let out = '';
    child.stdout!.on('data', (chunk) => (out += chunk));
    child.once('error', (error) => reject(new Error(`wrk failed: ${error.message} (apt-get install wrk)`)));
    child.once('exit', () => resolve(out));
  });
}

/**
 * A process of its own asking GET /healthz every 20 ms, one request at a time, so that this process's (blocking)
 * counting does not delay its clock; on SIGTERM it prints the answers' times and exits.
 */
const probeSource = `
const http = require('node:http');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const times = [];
let stopping = false;
function ask() {
  if (stopping) return finish();
  const started = performance.now();
  http.get(process.argv[1] + '/healthz', { agent }, (response) => {
    response.resume();
    response.on('end', () => { times.push(performance.now() - started); setTimeout(ask, 20); });
  }).on('error', (error) => { console.error(error.message); process.exit(1); });
}
function finish() {
  times.sort((a, b) => a - b);
  console.log(JSON.stringify({ count: times.length, maxMs: times.at(-1) ?? NaN, p99Ms: times[Math.max(0, Math.ceil(times.length * 0.99) - 1)] ?? NaN }));
  process.exit(0);
}
process.on('SIGTERM', () => { stopping = true; });
console.log('probing');
ask();
`;

async function startProbe(url: string): Promise<() => Promise<{ count: number; maxMs: number; p99Ms: number }>> {
  const { child } = await spawnAndWaitForLine(process.execPath, ['-e', probeSource, url], { match: /probing/, timeoutMs: 10_000, label: 'healthz probe' });
  return async () => {
    let text = '';
    child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await done;
    const line = text.split('\n').find((candidate) => candidate.startsWith('{'));
    if (!line) throw new Error(`the healthz probe printed no result: ${text}`);
    return JSON.parse(line);
  };
}

async function main(): Promise<number> {
  const target = await prepareTarget();
  const firstId = await seed(target);
  const idleSweepMs = await timeIdleSweep(target);
  const nodeArgs = nodeArgsOf(values['server-node-args']);
  const { child: server, url } = await startBuiltGateway(
    gatewayEnv({ ...target.env, PORT: '0', SATANG_TEST_PUBLIC_KEY: publicKey, SATANG_TEST_SECRET_KEY: secretKey, SATANG_LOG_LEVEL: 'warn' }),
    'satang serve',
    nodeArgs,
  );
  const outputFile = values['server-output'];
  if (outputFile) {
    writeFileSync(outputFile, '');
    const keep = (chunk: Buffer) => appendFileSync(outputFile, chunk);
    server.stdout!.on('data', keep);
    server.stderr!.on('data', keep);
  }
  const pid = server.pid!;
  const mb = (kb: number) => (kb / 1024).toFixed(1);
  await sleep(1000);
  console.log(`server RSS idle with ${dueCount + notDueCount} charges: ${mb(readStatusKb(pid, 'VmRSS'))} MB`);

  if (loadSeconds > 0) {
    const samples: number[] = [];
    const sampler = setInterval(() => samples.push(readStatusKb(pid, 'VmRSS')), 200);
    const scriptDir = tempDir('expiry-wrk');
    const getScript = join(scriptDir, 'get.lua');
    writeFileSync(getScript, `wrk.headers["Authorization"] = "${auth(secretKey)}"\n`);
    const postScript = join(scriptDir, 'post.lua');
    writeFileSync(
      postScript,
      `wrk.method = "POST"\nwrk.headers["Authorization"] = "${auth(secretKey)}"\nwrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\nwrk.body = "amount=10000&currency=THB&source%5Btype%5D=truemoney_qr"\n`,
    );
    const getOut = await wrk(`${url}/charges/${firstId}`, getScript, loadSeconds);
    const postOut = await wrk(`${url}/charges`, postScript, loadSeconds);
    clearInterval(sampler);
    const rate = (out: string) => /Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? '?';
    // wrk stops with requests in flight: let them commit before counting what is due.
    await sleep(2000);
    console.log(`under load: GET /charges/:id ${rate(getOut)} req/s, POST /charges ${rate(postOut)} req/s`);
    console.log(`server RSS under load: min ${mb(Math.min(...samples))} MB, max ${mb(Math.max(...samples))} MB, after ${mb(readStatusKb(pid, 'VmRSS'))} MB, peak (VmHWM) ${mb(readStatusKb(pid, 'VmHWM'))} MB`);
  }
  console.log(`one sweep pass with ${dueCount + notDueCount} pending charges, none due: ${idleSweepMs.toFixed(2)} ms`);

  const counter = await target.counter();
  // The due charges were made before the cutoff and fall due by then plus a day. Counted once before the clock
  // advance; while expiring, only whether any is left is asked (the first entry of the pending charges' deadline
  // index), so the polling does not compete with the sweep: a full count every 200 ms took as much of PostgreSQL's
  // time as the sweep did.
  const pendingDue = `select count(*) as n from charges where status = 'pending' and expires_at < ?`;
  const anyPendingDue = `select count(*) as n from (select 1 from charges where status = 'pending' and expires_at < ? limit 1) as due`;
  const cutoffMs = Date.now() + dayMs / 2 + dayMs;
  let loopDelay: { count: number; maxMs: number; p99Ms: number };
  let before: number;
  let seconds: number;
  const rssDuring: number[] = [];
  const hwmBeforeKb = readStatusKb(pid, 'VmHWM');
  // The figure is the peak while expiring: the HTTP load above is bench/http.ts's row. Writing 5 to clear_refs sets
  // VmHWM back to the current RSS (Linux ≥ 4.0, the process's owner); where that is refused, the peak is the whole run's.
  let hwmReset = true;
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    hwmReset = false;
  }
  try {
    before = await counter.count(pendingDue, cutoffMs);
    const stopProbe = await startProbe(url);
    const started = performance.now();
    const response = await fetch(`${url}/test/clock/advance`, {
      method: 'POST',
      headers: { authorization: auth(secretKey), 'content-type': 'application/json' },
      body: JSON.stringify({ seconds: 24 * 3600 + 10 }),
    });
    if (response.status !== 200) throw new Error(`advance failed: ${await response.text()}`);
    const rssSampler = setInterval(() => rssDuring.push(readStatusKb(pid, 'VmRSS')), 100);
    try {
      let remaining = before;
      while (remaining > 0) {
        await sleep(200);
        remaining = await counter.count(anyPendingDue, cutoffMs);
        if (remaining > 0 && performance.now() - started > giveUpMs) throw new Error(`gave up after ${giveUpMs / 1000} s with due charges still pending`);
      }
      seconds = (performance.now() - started) / 1000;
    } finally {
      clearInterval(rssSampler);
    }
    loopDelay = await stopProbe();
    const stillPending = await counter.count(`select count(*) as n from charges where status = 'pending'`);
    const events = await counter.count(`select count(*) as n from events where key = 'charge.expire'`);
    console.log(`expired ${before} due charges in ${seconds.toFixed(1)} s: ${Math.round(before / seconds)} charges/s (target ≥ ${targets.chargesPerSecond}/s)`);
    console.log(`charge.expire events: ${events}; charges still pending (not yet due, plus those created under load): ${stillPending}`);
    if (events < before) throw new Error(`${before} charges expired but only ${events} charge.expire events`);
    if (stillPending < notDueCount) throw new Error(`${notDueCount} charges were not due, but only ${stillPending} are still pending`);
  } finally {
    await counter.close();
  }
  const hwmKb = readStatusKb(pid, 'VmHWM');
  console.log(`event-loop delay while expiring (/healthz answered, ${loopDelay.count} asked every 20 ms): max ${loopDelay.maxMs.toFixed(1)} ms, p99 ${loopDelay.p99Ms.toFixed(1)} ms`);
  console.log(
    `server RSS while expiring: max sampled ${mb(Math.max(...rssDuring))} MB (every 100 ms); VmHWM ${mb(hwmBeforeKb)} MB before expiring (idle and under load), ` +
      `${mb(hwmKb)} MB ${hwmReset ? 'while expiring (VmHWM reset before the clock advance)' : 'over the whole run (VmHWM could not be reset)'}`,
  );
  await stopChild(server);

  const results = [
    benchResult({ bench: `expiry of ${countLabel(dueCount)} due charges`, store, figure: 'charges expired per second', value: Math.round(before / seconds), unit: '/s', atLeast: targets.chargesPerSecond }),
    benchResult({ bench: `expiry of ${countLabel(dueCount)} due charges`, store, figure: 'event-loop delay max while expiring', value: Number(loopDelay.maxMs.toFixed(1)), unit: 'ms', below: targets.loopDelayMs }),
    benchResult({ bench: `expiry of ${countLabel(dueCount)} due charges`, store, figure: `server peak RSS (VmHWM) ${hwmReset ? 'while expiring' : 'over the whole run'}`, value: Number(mb(hwmKb)), unit: 'MB', atMost: targets.vmHwmMb }),
  ];
  if (results.every(Boolean)) return 0;
  process.stdout.write(`targets missed${values.strict ? '' : ' (not fatal without --strict)'}\n`);
  return values.strict ? 1 : 0;
}

await runBench(main);

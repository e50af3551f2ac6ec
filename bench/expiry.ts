/**
 * Scale benchmark: 1M stored charges.
 *
 *   node --import tsx bench/expiry.ts [--charges=1000000] [--not-due=200000] [--created-over-seconds=0]
 *
 * 1. Seeds N pending charges due in 24 h plus M due in 48 h (SQLite, synchronous=FULL). By default the N
 *    are made in one millisecond, so they fall due together and their ids share one second: every index
 *    keyed by an id takes them in random order (the worst case for the store). --created-over-seconds=S
 *    spreads them evenly over the S seconds before, as charges made at a steady rate are.
 * 2. Starts `satang serve` on that data and reports its RSS: idle, then during 10 s of
 *    wrk load on GET /charges/:id and POST /charges (flat is the target, ≤ 150 MB).
 * 3. Times one sweep pass while nothing is due (the not-yet-due charges must cost nothing).
 * 4. Advances the test clock 24 h through the API and measures how fast the server's
 *    sweep expires the N due charges (target ≥ 20k/s), and checks the M later ones stay pending.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { newCapabilityId, newDownloadToken, newId, newQrRef1 } from '../src/domain/ids.js';
import { openStore } from '../src/store/store.js';
import { prepareAccounts } from '../src/server.js';
import { loadConfig } from '../src/config.js';
import { expireDueCharges } from '../src/usecases/lifecycle.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: { charges: { type: 'string', default: '1000000' }, 'not-due': { type: 'string', default: '200000' }, 'created-over-seconds': { type: 'string', default: '0' } },
});
const createdOverMs = Number(values['created-over-seconds']) * 1000;
const dueCount = Number(values.charges);
const notDueCount = Number(values['not-due']);
const secretKey = `skey_test_${randomBytes(12).toString('hex').slice(0, 19)}`;
const publicKey = `pkey_test_${randomBytes(12).toString('hex').slice(0, 19)}`;
const dataDir = mkdtempSync(join(tmpdir(), 'satang-bench-expiry-'));
const dayMs = 24 * 3600 * 1000;
let server: ChildProcess | undefined;

function rssMb(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
}

async function seed(): Promise<string> {
  const env = { SATANG_DATA_DIR: dataDir, SATANG_TEST_PUBLIC_KEY: publicKey, SATANG_TEST_SECRET_KEY: secretKey };
  const config = loadConfig(env);
  const store = await openStore({ dataDir, sqliteSynchronous: 'FULL' });
  await store.migrate();
  await prepareAccounts(store, config);
  const account = await store.read.selectFrom('accounts').select(['id', 'biller_id', 'merchant_name']).where('is_default', '=', 1).executeTakeFirstOrThrow();
  await store.close();

  // Bulk rows go straight into SQLite: this is set-up, not the path under test.
  const db = new Database(join(dataDir, 'satang.sqlite'));
  db.pragma('journal_mode = WAL');
  const insertSource = db.prepare(
    `insert into sources (id, account_id, livemode, type, amount, currency, flow, created_at) values (?, ?, 0, 'truemoney_qr', ?, 'THB', 'offline', ?)`,
  );
  const insertCharge = db.prepare(
    `insert into charges (id, account_id, livemode, source_id, amount, currency, status, metadata, payment_ref, qr_ref1, document_id, download_token,
       fee_rate_bps, fee_flat_satang, qr_biller_id, qr_merchant_name, fee, fee_vat, net, created_at, expires_at, updated_at, seq)
     values (?, ?, 0, ?, ?, 'THB', 'pending', '{}', ?, ?, ?, ?, 365, 0, ?, ?, 365, 26, 9609, ?, ?, ?, ?)`,
  );
  const nowMs = Date.now();
  const total = dueCount + notDueCount;
  const started = performance.now();
  let firstId = '';
  const chunk = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const createdAtMs = i < dueCount ? nowMs - 1000 - createdOverMs + Math.floor((i * createdOverMs) / dueCount) : nowMs + dayMs;
      const sourceId = newId('src', false, createdAtMs);
      const chargeId = newId('chrg', false, createdAtMs);
      if (!firstId) firstId = chargeId;
      insertSource.run(sourceId, account.id, 10000, createdAtMs);
      // seq: the store's insertion order (store/sequence.ts); the database is new, so it counts from 1.
      insertCharge.run(chargeId, account.id, sourceId, 10000, newCapabilityId('pay2', false), newQrRef1(), newCapabilityId('docu', false), newDownloadToken(), account.biller_id, account.merchant_name, createdAtMs, createdAtMs + dayMs, createdAtMs, i + 1);
    }
  });
  for (let from = 0; from < total; from += 50_000) chunk(from, Math.min(total, from + 50_000));
  db.close();
  console.log(`seeded ${dueCount} charges due in 24 h (made over ${createdOverMs / 1000} s) and ${notDueCount} due in 48 h in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return firstId;
}

async function timeIdleSweep(): Promise<number> {
  const store = await openStore({ dataDir, sqliteSynchronous: 'FULL' });
  const started = performance.now();
  const expired = await store.transaction((tx) => expireDueCharges(tx, { nowMs: Date.now() }, 2000));
  const ms = performance.now() - started;
  await store.close();
  if (expired !== 0) throw new Error('nothing should have been due');
  return ms;
}

async function startServer(): Promise<{ url: string; pid: number }> {
  const port = 40000 + Math.floor(Math.random() * 20000);
  // The server runs as `npm start` runs it: compiled JavaScript, no TypeScript loader.
  const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: repoRoot, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('npm run build failed');
  server = spawn(process.execPath, ['dist/cli.js', 'serve'], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH, PORT: String(port), SATANG_DATA_DIR: dataDir, SATANG_TEST_PUBLIC_KEY: publicKey, SATANG_TEST_SECRET_KEY: secretKey, SATANG_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let text = '';
    server!.stdout!.on('data', (chunk) => {
      text += chunk;
      if (text.includes('listening')) resolve();
    });
    server!.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}`, pid: server.pid! };
}

function auth(key: string) {
  return `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
}

/** Runs wrk without blocking this process, so the RSS sampler keeps sampling. */
function wrk(url: string, script: string | undefined, seconds: number): Promise<string> {
  const args = ['-t1', '-c50', `-d${seconds}s`, '--latency'];
  if (script) args.push('-s', script);
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', [...args, url], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.once('error', (error) => reject(new Error(`wrk failed: ${error.message} (apt-get install wrk)`)));
    child.once('exit', () => resolve(out));
  });
}

async function main() {
  const firstId = await seed();
  const idleSweepMs = await timeIdleSweep();
  const { url, pid } = await startServer();
  await new Promise((r) => setTimeout(r, 1000));
  const idle = rssMb(pid);
  console.log(`server RSS idle with ${dueCount + notDueCount} charges: ${idle.rss.toFixed(1)} MB`);

  const samples: number[] = [];
  const sampler = setInterval(() => samples.push(rssMb(pid).rss), 200);
  const getScript = join(dataDir, 'get.lua');
  writeFileSync(getScript, `wrk.headers["Authorization"] = "${auth(secretKey)}"\n`);
  const postScript = join(dataDir, 'post.lua');
  writeFileSync(
    postScript,
    `wrk.method = "POST"\nwrk.headers["Authorization"] = "${auth(secretKey)}"\nwrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\nwrk.body = "amount=10000&currency=THB&source%5Btype%5D=truemoney_qr"\n`,
  );
  const getOut = await wrk(`${url}/charges/${firstId}`, getScript, 10);
  const postOut = await wrk(`${url}/charges`, postScript, 10);
  clearInterval(sampler);
  const rate = (out: string) => /Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? '?';
  console.log(`under load: GET /charges/:id ${rate(getOut)} req/s, POST /charges ${rate(postOut)} req/s`);
  console.log(`server RSS under load: min ${Math.min(...samples).toFixed(1)} MB, max ${Math.max(...samples).toFixed(1)} MB, after ${rssMb(pid).rss.toFixed(1)} MB, peak (VmHWM) ${rssMb(pid).hwm.toFixed(1)} MB`);
  console.log(`one sweep pass with ${dueCount + notDueCount} pending charges, none due: ${idleSweepMs.toFixed(2)} ms`);

  const reader = new Database(join(dataDir, 'satang.sqlite'), { readonly: true });
  const pendingDue = reader.prepare(`select count(*) as n from charges where status = 'pending' and created_at < ?`);
  const cutoffMs = Date.now() + dayMs / 2;
  const before = (pendingDue.get(cutoffMs) as { n: number }).n;
  const started = performance.now();
  const response = await fetch(`${url}/test/clock/advance`, {
    method: 'POST',
    headers: { authorization: auth(secretKey), 'content-type': 'application/json' },
    body: JSON.stringify({ seconds: 24 * 3600 + 10 }),
  });
  if (response.status !== 200) throw new Error(`advance failed: ${await response.text()}`);
  let remaining = before;
  const rssDuring: number[] = [];
  while (remaining > 0) {
    await new Promise((r) => setTimeout(r, 200));
    remaining = (pendingDue.get(cutoffMs) as { n: number }).n;
    rssDuring.push(rssMb(pid).rss);
    if (performance.now() - started > 600_000) throw new Error(`gave up with ${remaining} still pending`);
  }
  const seconds = (performance.now() - started) / 1000;
  const stillPending = (reader.prepare(`select count(*) as n from charges where status = 'pending'`).get() as { n: number }).n;
  const events = (reader.prepare(`select count(*) as n from events where key = 'charge.expire'`).get() as { n: number }).n;
  reader.close();
  console.log(`expired ${before} due charges in ${seconds.toFixed(1)} s: ${Math.round(before / seconds)} charges/s (target ≥ 40000/s)`);
  console.log(`charge.expire events: ${events}; charges still pending (not yet due, plus those created under load): ${stillPending}`);
  console.log(`server RSS while expiring: max ${Math.max(...rssDuring).toFixed(1)} MB`);
}

try {
  await main();
} finally {
  server?.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
}

/**
 * HTTP benchmark: the gateway against a bare node:http hello world, on this machine, in one run.
 *
 *   node --import tsx bench/http.ts              # SQLite (synchronous=FULL, the durable default)
 *   node --import tsx bench/http.ts --postgres   # PostgreSQL (a throwaway database and schema)
 *
 *   node --import tsx bench/http.ts --postgres --processes=2   # two gateway processes behind nginx
 *
 * Options: --duration=10 --warmup=2 --connections=50 --database-url=postgres://... --shared-database --strict
 * --server-node-args='--cpu-prof --cpu-prof-dir=DIR' (node flags for the gateway, to profile it)
 * --processes=N (N gateway processes on one database, nginx in front: the README's deployment; the
 * bare server is still measured directly, so the ratio includes nginx's hop; server CPU/req sums
 * every gateway process, RSS is the first process's)
 * Targets (issue 17): POST /charges ≥ 0.2x bare and GET /charges/:id ≥ 0.3x on SQLite, 0.1x and 0.15x on PostgreSQL;
 * the gateway's peak RSS (VmHWM) ≤ 150 MB on SQLite, ≤ 200 MB on PostgreSQL; each printed as a BENCH-RESULT line too
 * (--strict exits 1 when a target is missed; a non-2xx response or socket error always exits 1).
 *
 * With --postgres the gateway gets SATANG_DATABASE_SCHEMA=bench_<random> inside a throwaway database
 * satang_bench_<random> created through --database-url, both dropped afterwards. Why not a schema
 * in the shared `test` database: Kysely's Migrator (no migrationTableSchema) counts a
 * kysely_migration table in ANY schema as existing, so two schemas migrating in one database
 * break each other ("relation kysely_migration_lock does not exist"), e.g. this bench and a
 * test run. --shared-database uses the schema in --database-url itself.
 *
 * Every server runs as its own child process; wrk (-t1) is the load generator. The gateway's
 * RSS is sampled from /proc every 200 ms. Children, temp dirs and the PostgreSQL database/schema are
 * removed on the way out, also on failure and on Ctrl-C.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startNginx } from '../test/support/nginx.js';
import { adminQuery, benchResult, buildGateway, serverNodeFlags, cpuTimeMs, dropSchema, finalizers, freePort, log, randomKeySuffix, readStatusKb, runBench, sleep, spawnAndWaitForLine, stopChild, tempDir, track, nodeArgsOf } from './support.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const { values: flags } = parseArgs({
  options: {
    postgres: { type: 'boolean', default: false },
    'database-url': { type: 'string', default: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '50' },
    'shared-database': { type: 'boolean', default: false },
    strict: { type: 'boolean', default: false },
    processes: { type: 'string', default: '1' },
    'server-node-args': { type: 'string', default: '' },
  },
});
const processCount = Number(flags.processes);
/** Extra node flags for the gateway, e.g. --server-node-args='--cpu-prof --cpu-prof-dir=/tmp/prof' to see where its time goes. */
const serverNodeArgs = nodeArgsOf(flags['server-node-args']);
if (!Number.isInteger(processCount) || processCount < 1) throw new Error('--processes must be a whole number ≥ 1');
if (processCount > 1 && !flags.postgres) throw new Error('--processes > 1 needs --postgres: SQLite is served by one process');
const durationS = Number(flags.duration);
const warmupS = Number(flags.warmup);
const connections = Number(flags.connections);
for (const [name, value] of [['duration', durationS], ['warmup', warmupS], ['connections', connections]] as const) {
  if (!Number.isInteger(value) || value < 0 || (name !== 'warmup' && value === 0)) throw new Error(`--${name} must be a whole number`);
}

/** Issue 17's targets: ratios to bare node:http, and the gateway's peak RSS. */
const targets = flags.postgres ? { postCharges: 0.1, getCharge: 0.15, vmHwmMb: 200 } : { postCharges: 0.2, getCharge: 0.3, vmHwmMb: 150 };
const rssSampleIntervalMs = 200;

// ---------------------------------------------------------------- cleanup bookkeeping


// ---------------------------------------------------------------- helpers

// ---------------------------------------------------------------- wrk

interface WrkResult {
  requestsPerSecond: number;
  /** Server CPU (user + system, all threads) per request during the measured run, from /proc. */
  cpuUsPerRequest: number | null;
  requests: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  socketErrors: number;
  raw: string;
}

function latencyMs(text: string): number {
  const match = /^([\d.]+)(us|ms|s|m|h)$/.exec(text.trim());
  if (!match) throw new Error(`unparsable wrk latency ${text}`);
  const factor = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] as 'us' | 'ms' | 's' | 'm' | 'h'];
  return Number(match[1]) * factor;
}

function parseWrk(raw: string): WrkResult {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(raw);
  const total = /(\d+) requests in/.exec(raw);
  const p50 = /^\s*50%\s+(\S+)/m.exec(raw);
  const p99 = /^\s*99%\s+(\S+)/m.exec(raw);
  if (!rps || !total || !p50 || !p99) throw new Error(`could not parse wrk output:\n${raw}`);
  // "Non-2xx or 3xx responses" counts status >= 400 only; the Lua hook (when present) counts every non-2xx.
  const wrkNon2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(raw)?.[1] ?? 0);
  const luaNon2xx = Number(/^SATANG_NON2XX (\d+)$/m.exec(raw)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(raw);
  const socketErrors = socket ? socket.slice(1, 5).reduce((sum, n) => sum + Number(n), 0) : 0;
  return {
    cpuUsPerRequest: null,
    requestsPerSecond: Number(rps[1]),
    requests: Number(total[1]),
    p50Ms: latencyMs(p50[1]),
    p99Ms: latencyMs(p99[1]),
    non2xx: Math.max(wrkNon2xx, luaNon2xx),
    socketErrors,
    raw,
  };
}

/** utime + stime of a process, in µs; null when it cannot be read. */
function cpuTimeUs(pid: number): number | null {
  const ms = cpuTimeMs(pid);
  return ms === null ? null : ms * 1000;
}

/** CPU time of several processes together; null when any cannot be read. */
function cpuTimeOfUs(pids: number[]): number | null {
  let total = 0;
  for (const pid of pids) {
    const used = cpuTimeUs(pid);
    if (used === null) return null;
    total += used;
  }
  return total;
}

async function runWrk(url: string, seconds: number, script?: string, serverPid?: number | number[]): Promise<WrkResult> {
  const pids = serverPid === undefined ? undefined : Array.isArray(serverPid) ? serverPid : [serverPid];
  const cpuBefore = pids === undefined ? null : cpuTimeOfUs(pids);
  const args = ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '--timeout', '5s'];
  if (script) args.push('-s', script);
  args.push(url);
  const child = track(spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] }));
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  const code = await new Promise<number | null>((done, reject) => {
    child.once('error', reject);
    child.once('exit', (exitCode) => done(exitCode));
  });
  if (code !== 0) throw new Error(`wrk exited with ${code}:\n${out}`);
  const result = parseWrk(out);
  const cpuAfter = pids === undefined ? null : cpuTimeOfUs(pids);
  if (cpuBefore !== null && cpuAfter !== null && result.requests > 0) result.cpuUsPerRequest = (cpuAfter - cpuBefore) / result.requests;
  return result;
}

/** Counts every non-2xx response; `done` prints the total for parseWrk. */
const luaCountNon2xx = `
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) non2xx = 0; first_bad = "" end
function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    if first_bad == "" then first_bad = status .. " " .. string.sub(body or "", 1, 300) end
  end
end
function done(summary, latency, requests)
  local total = 0
  local example = ""
  for _, t in ipairs(threads) do
    total = total + t:get("non2xx")
    local bad = t:get("first_bad")
    if example == "" and bad ~= nil then example = bad end
  end
  io.write("SATANG_NON2XX " .. total .. "\\n")
  if example ~= "" then io.write("SATANG_FIRST_BAD " .. example .. "\\n") end
end
`;

function luaString(text: string): string {
  return JSON.stringify(text); // a JSON string of ASCII is a valid Lua string literal
}

function writeWrkScript(dir: string, name: string, request: { method: string; body?: string; headers: Record<string, string> }): string {
  const lines = [`wrk.method = ${luaString(request.method)}`];
  if (request.body !== undefined) lines.push(`wrk.body = ${luaString(request.body)}`);
  for (const [header, value] of Object.entries(request.headers)) lines.push(`wrk.headers[${luaString(header)}] = ${luaString(value)}`);
  const file = join(dir, name);
  writeFileSync(file, `${lines.join('\n')}\n${luaCountNon2xx}`);
  return file;
}

/** Warm-up, then the measured run; any non-2xx or socket error is fatal. */
async function scenario(label: string, url: string, serverPid: number | number[], script?: string): Promise<WrkResult> {
  if (warmupS > 0) {
    log(`${label}: warm-up ${warmupS}s`);
    assertClean(label + ' (warm-up)', await runWrk(url, warmupS, script));
  }
  log(`${label}: measuring ${durationS}s`);
  const result = await runWrk(url, durationS, script, serverPid);
  assertClean(label, result);
  return result;
}

function assertClean(label: string, result: WrkResult): void {
  if (result.non2xx > 0 || result.socketErrors > 0) {
    const example = /^SATANG_FIRST_BAD (.*)$/m.exec(result.raw)?.[1];
    throw new Error(
      `${label}: ${result.non2xx} non-2xx responses, ${result.socketErrors} socket errors` +
        (example ? `\nfirst bad response: ${example}` : '') +
        `\n--- wrk output ---\n${result.raw}`,
    );
  }
}

// ---------------------------------------------------------------- RSS sampling

interface RssSampler {
  stop(): { peakSampledKb: number; vmHwmKb: number; samples: number };
}

function sampleRss(pid: number): RssSampler {
  let peak = 0;
  let hwm = 0;
  let samples = 0;
  const take = () => {
    const rss = readStatusKb(pid, 'VmRSS');
    if (rss > 0) {
      samples++;
      peak = Math.max(peak, rss);
      hwm = Math.max(hwm, readStatusKb(pid, 'VmHWM'));
    }
  };
  take();
  const timer = setInterval(take, rssSampleIntervalMs);
  return {
    stop() {
      take();
      clearInterval(timer);
      return { peakSampledKb: peak, vmHwmKb: hwm, samples };
    },
  };
}

// ---------------------------------------------------------------- the servers

const bareServerSource = `
const http = require('node:http');
const server = http.createServer((req, res) => res.end('hello world'));
server.listen(0, '127.0.0.1', () => console.log('listening on ' + server.address().port));
`;

async function benchBare(): Promise<WrkResult> {
  const { child, match } = await spawnAndWaitForLine(process.execPath, ['-e', bareServerSource], {
    match: /listening on (\d+)/,
    timeoutMs: 10_000,
    label: 'bare node:http server',
  });
  try {
    return await scenario('bare node:http GET /', `http://127.0.0.1:${match[1]}/`, child.pid!);
  } finally {
    await stopChild(child);
  }
}

interface GatewayResults {
  post: WrkResult;
  get: WrkResult;
  rss: { peakSampledKb: number; vmHwmKb: number; samples: number };
  idleRssKb: number;
  chargesStored: number;
  postRequestsCounted: number;
}

async function benchGateway(store: 'sqlite' | 'postgres'): Promise<GatewayResults> {
  const dataDir = tempDir('data');
  const scriptDir = tempDir('wrk');
  const ports: number[] = [];
  for (let i = 0; i < processCount; i++) ports.push(await freePort());
  const port = ports[0];
  const secretKey = `skey_test_${randomKeySuffix()}`;
  const publicKey = `pkey_test_${randomKeySuffix()}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    SATANG_DATA_DIR: dataDir,
    SATANG_SQLITE_SYNCHRONOUS: 'FULL',
    SATANG_TEST_PUBLIC_KEY: publicKey,
    SATANG_TEST_SECRET_KEY: secretKey,
    SATANG_LOG_LEVEL: 'warn',
    SATANG_PUBLIC_URL: '',
  };
  delete env.DATABASE_URL;
  delete env.SATANG_DATABASE_SCHEMA;
  if (store === 'postgres') {
    const suffix = randomKeySuffix();
    const schema = `bench_${suffix}`;
    let databaseUrl = flags['database-url']!;
    if (!flags['shared-database']) {
      const database = `satang_bench_${suffix}`;
      await adminQuery(databaseUrl, `create database ${database}`);
      finalizers.push(() => adminQuery(flags['database-url']!, `drop database if exists ${database} with (force)`).then(() => log(`dropped database ${database}`)));
      const url = new URL(databaseUrl);
      url.pathname = `/${database}`;
      databaseUrl = url.toString();
    }
    env.DATABASE_URL = databaseUrl;
    env.SATANG_DATABASE_SCHEMA = schema;
    finalizers.push(() => dropSchema(databaseUrl, schema));
  }

  // The gateway runs as `npm start` runs it: compiled JavaScript, no TypeScript loader.
  buildGateway();
  const gateways = [];
  for (const [index, processPort] of ports.entries()) {
    // One after the other: the first migrates and makes the account, the others find them.
    const { child } = await spawnAndWaitForLine(process.execPath, [...serverNodeFlags, ...serverNodeArgs, 'dist/cli.js', 'serve'], {
      cwd: repoRoot,
      env: { ...env, PORT: String(processPort) },
      match: /Satang is listening on (\S+)/,
      timeoutMs: 60_000,
      label: `gateway ${index + 1} (${store})`,
    });
    gateways.push(child);
  }
  const child = gateways[0];
  const pid = child.pid!;
  const pids = gateways.map((gateway) => gateway.pid!);
  let base = `http://127.0.0.1:${port}`;
  if (processCount > 1) {
    const nginx = await startNginx(ports.map((processPort) => `127.0.0.1:${processPort}`));
    finalizers.push(() => nginx.stop());
    base = nginx.url;
    log(`nginx on ${base} in front of ${processCount} gateway processes`);
  }
  const authorization = `Basic ${Buffer.from(`${secretKey}:`).toString('base64')}`;
  try {
    await waitUntilAnswering(`${base}/charges?limit=1`, authorization);
    await sleep(500);
    const idleRssKb = readStatusKb(pid, 'VmRSS');
    const sampler = sampleRss(pid);
    let rss: GatewayResults['rss'];
    let post: WrkResult;
    let get: WrkResult;
    let postRequestsCounted = 0;
    try {
      const returnUri = 'https://shop.example/orders/42/complete';
      const postBody = `amount=400000&currency=THB&source%5Btype%5D=truemoney_qr&return_uri=${encodeURIComponent(returnUri)}`;
      const postScript = writeWrkScript(scriptDir, 'post-charges.lua', {
        method: 'POST',
        body: postBody,
        headers: { Authorization: authorization, 'Content-Type': 'application/x-www-form-urlencoded' },
      });
      if (warmupS > 0) {
        log(`POST /charges (${store}): warm-up ${warmupS}s`);
        const warm = await runWrk(`${base}/charges`, warmupS, postScript);
        assertClean('POST /charges (warm-up)', warm);
        postRequestsCounted += warm.requests;
      }
      log(`POST /charges (${store}): measuring ${durationS}s`);
      post = await runWrk(`${base}/charges`, durationS, postScript, pids);
      assertClean('POST /charges', post);
      postRequestsCounted += post.requests;

      const created = await fetch(`${base}/charges`, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
        body: postBody,
      });
      const charge = (await created.json()) as { id?: string; object?: string };
      if (created.status !== 200 || typeof charge.id !== 'string') throw new Error(`creating a charge failed: ${created.status} ${JSON.stringify(charge)}`);
      postRequestsCounted += 1;
      const getScript = writeWrkScript(scriptDir, 'get-charge.lua', { method: 'GET', headers: { Authorization: authorization } });
      get = await scenario(`GET /charges/:id (${store})`, `${base}/charges/${charge.id}`, pids, getScript);
    } finally {
      rss = sampler.stop();
    }

    const listed = await fetch(`${base}/charges?limit=1`, { headers: { authorization } });
    const list = (await listed.json()) as { total?: number };
    if (listed.status !== 200 || typeof list.total !== 'number') throw new Error(`listing charges failed: ${listed.status} ${JSON.stringify(list)}`);
    return { post, get, rss, idleRssKb, chargesStored: list.total, postRequestsCounted };
  } finally {
    for (const gateway of gateways) await stopChild(gateway);
  }
}

async function waitUntilAnswering(url: string, authorization: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { headers: { authorization } });
      await response.arrayBuffer();
      if (response.status === 200) return;
      last = `status ${response.status}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await sleep(100);
  }
  throw new Error(`gateway did not answer ${url} within 30 s (${last})`);
}

// ---------------------------------------------------------------- report

function formatRow(cells: string[], widths: number[]): string {
  return cells.map((cell, index) => (index === 0 ? cell.padEnd(widths[index]) : cell.padStart(widths[index]))).join('  ');
}

function printReport(store: string, bare: WrkResult, gateway: GatewayResults): boolean {
  const mb = (kb: number) => `${(kb / 1024).toFixed(1)} MB`;
  const ratio = (r: WrkResult) => r.requestsPerSecond / bare.requestsPerSecond;
  const cpu = (r: WrkResult) => (r.cpuUsPerRequest === null ? '?' : `${r.cpuUsPerRequest.toFixed(0)} µs`);
  const verdict = (value: number, target: number) => `${value.toFixed(2)}x (target ≥ ${target}x ${value >= target ? 'ok' : 'MISSED'})`;
  const rows = [
    ['scenario', 'requests/s', 'p50', 'p99', 'ratio to bare', 'server CPU/req', 'gateway peak RSS'],
    ['bare node:http GET /', bare.requestsPerSecond.toFixed(0), `${bare.p50Ms.toFixed(2)} ms`, `${bare.p99Ms.toFixed(2)} ms`, '1.00x', cpu(bare), '-'],
    [
      `POST /charges (${store})`,
      gateway.post.requestsPerSecond.toFixed(0),
      `${gateway.post.p50Ms.toFixed(2)} ms`,
      `${gateway.post.p99Ms.toFixed(2)} ms`,
      verdict(ratio(gateway.post), targets.postCharges),
      cpu(gateway.post),
      mb(gateway.rss.peakSampledKb),
    ],
    [
      `GET /charges/:id (${store})`,
      gateway.get.requestsPerSecond.toFixed(0),
      `${gateway.get.p50Ms.toFixed(2)} ms`,
      `${gateway.get.p99Ms.toFixed(2)} ms`,
      verdict(ratio(gateway.get), targets.getCharge),
      cpu(gateway.get),
      mb(gateway.rss.peakSampledKb),
    ],
  ];
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  const lines = [
    '',
    `Satang HTTP bench — store ${store}${store === 'sqlite' ? ' (synchronous=FULL)' : ''}, ${processCount === 1 ? '1 gateway process' : `${processCount} gateway processes behind nginx`}, wrk -t1 -c${connections} -d${durationS}s after ${warmupS}s warm-up, node ${process.version}`,
    '',
    formatRow(rows[0], widths),
    widths.map((width) => '-'.repeat(width)).join('  '),
    ...rows.slice(1).map((row) => formatRow(row, widths)),
    '',
    `gateway RSS: idle ${mb(gateway.idleRssKb)} before load, peak sampled ${mb(gateway.rss.peakSampledKb)} (${gateway.rss.samples} samples every ${rssSampleIntervalMs} ms), VmHWM ${mb(gateway.rss.vmHwmKb)} (target ≤ ${targets.vmHwmMb} MB)`,
    `charges stored at the end: ${gateway.chargesStored} (GET /charges?limit=1 total; wrk counted ${gateway.postRequestsCounted} completed POSTs incl. warm-up and the one for GET)`,
    `server CPU/req: user+system time of the server process (all threads) during the measured run / requests; less sensitive than requests/s to other load on the machine (load average now ${loadavg().map((n) => n.toFixed(2)).join(' ')})`,
    `non-2xx responses: 0 (POST ${gateway.post.requests} + GET ${gateway.get.requests} measured requests)`,
    '',
  ];
  process.stdout.write(lines.join('\n'));
  const gateways = processCount === 1 ? '' : `, ${processCount} processes`;
  const met = [
    benchResult({ bench: 'http', store: `${store}${gateways}`, figure: 'POST /charges ratio to bare', value: Number(ratio(gateway.post).toFixed(3)), unit: 'x', atLeast: targets.postCharges }),
    benchResult({ bench: 'http', store: `${store}${gateways}`, figure: 'GET /charges/:id ratio to bare', value: Number(ratio(gateway.get).toFixed(3)), unit: 'x', atLeast: targets.getCharge }),
    benchResult({ bench: 'http', store: `${store}${gateways}`, figure: 'server peak RSS (VmHWM)', value: Number((gateway.rss.vmHwmKb / 1024).toFixed(1)), unit: 'MB', atMost: targets.vmHwmMb }),
  ];
  return met.every(Boolean);
}

// ---------------------------------------------------------------- main

async function main(): Promise<number> {
  const store = flags.postgres ? 'postgres' : 'sqlite';
  const bare = await benchBare();
  const gateway = await benchGateway(store);
  const met = printReport(store, bare, gateway);
  if (gateway.chargesStored < gateway.postRequestsCounted) {
    throw new Error(`only ${gateway.chargesStored} charges stored, but ${gateway.postRequestsCounted} POSTs were answered 2xx`);
  }
  if (!met) {
    process.stdout.write(`targets missed${flags.strict ? '' : ' (not fatal without --strict)'}\n`);
    return flags.strict ? 1 : 0;
  }
  return 0;
}

await runBench(main);

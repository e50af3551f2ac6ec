/**
 * Webhook latency benchmark: how long after a charge's state change is committed does its
 * `charge.complete` webhook reach the merchant's endpoint, at a steady completion rate.
 *
 *   node --import tsx bench/webhooks.ts                 # SQLite (synchronous=FULL, the durable default)
 *   node --import tsx bench/webhooks.ts --postgres      # PostgreSQL (a throwaway schema)
 *
 * Options: --rate=500 (completions/s) --charges=5000 --create-concurrency=32
 * --database-url=postgres://postgres@127.0.0.1:5432/test --strict (exit 1 when the p99 or the peak RSS target is missed:
 * VmHWM ≤ 150 MB on SQLite, ≤ 200 MB on PostgreSQL)
 * --server-node-args='--cpu-prof --cpu-prof-dir=DIR' (node flags for the gateway, to profile it)
 * --timeline (also print, per second of the measured phase: completions sent and answered, response
 * time, webhooks arrived, and the latency of the completions answered in that second).
 * Exits 1 when any completion had no webhook within 30 s, when any request failed, or on any error.
 *
 * One run:
 *  1. builds (`npm run build`) and starts the gateway as `npm start` runs it (compiled JavaScript),
 *     as a child process, on a fresh temp data dir (or, with --postgres, a schema bench_wh_<random>
 *     in --database-url, dropped afterwards);
 *  2. starts a webhook receiver, a bare node:http server in a child process of its own (so this
 *     process's load generation does not skew it), which answers 200 to every delivery, checks its
 *     signature against GET /webhook_secret and notes when its body arrived; it is registered with
 *     POST /webhook_endpoints;
 *  3. creates N charges (inline `source[type]=truemoney_qr`) and waits until all their charge.create
 *     webhooks have arrived, so they do not share the measurement;
 *  4. completes them with POST /charges/:id/mark_as_paid, open loop: request i is sent at t0 + i/rate
 *     whatever the earlier ones are doing, and notes when each response arrived (the change is
 *     committed by then);
 *  5. latency = arrival of the charge.complete webhook at the receiver − arrival of the
 *     mark_as_paid response at the bench. Both processes read the same clock
 *     (performance.timeOrigin + performance.now(), epoch ms with sub-ms resolution); the remaining
 *     offset between the two processes' timeOrigin is measured (min-RTT ping) and subtracted.
 *
 * Children (gateway, receiver), the temp dir and the PostgreSQL schema are removed on the way out,
 * also on failure and on Ctrl-C (SIGTERM, then SIGKILL after a grace period).
 */
import { readFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { benchResult, cpuTimeMs, machineBusyMs, postgresCpuTimeMs, dropSchema, finalizers, freePort, gatewayEnv, log, measureClockOffset, nowMs, percentile, randomKeySuffix, readStatusKb, runBench, sleep, spawnAndWaitForLine, startBuiltGateway, stopChild, tempDir, nodeArgsOf } from './support.js';


const { values: flags } = parseArgs({
  options: {
    rate: { type: 'string', default: '500' },
    charges: { type: 'string', default: '5000' },
    'create-concurrency': { type: 'string', default: '32' },
    postgres: { type: 'boolean', default: false },
    'database-url': { type: 'string', default: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
    strict: { type: 'boolean', default: false },
    timeline: { type: 'boolean', default: false },
    'server-node-args': { type: 'string', default: '' },
  },
});
/** Extra node flags for the gateway, e.g. --server-node-args='--cpu-prof --cpu-prof-dir=/tmp/prof' to see where its time goes. */
const serverNodeArgs = nodeArgsOf(flags['server-node-args']);
const rate = Number(flags.rate);
const chargeCount = Number(flags.charges);
const createConcurrency = Number(flags['create-concurrency']);
if (!Number.isFinite(rate) || rate <= 0) throw new Error('--rate must be a positive number');
for (const [name, value] of [['charges', chargeCount], ['create-concurrency', createConcurrency]] as const) {
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive whole number`);
}

const target = { p99Ms: 50, rate: 500, vmHwmMb: flags.postgres ? 200 : 150 };
const missingAfterMs = 30_000;
const createWebhooksTimeoutMs = Math.max(120_000, chargeCount * 20);

// ---------------------------------------------------------------- cleanup bookkeeping


// ---------------------------------------------------------------- helpers

/** Epoch ms with sub-ms resolution; the receiver computes the same expression. */

/** /proc/pressure/cpu "some" total: µs during which some runnable task waited for a CPU (null without PSI). */
function cpuPressureUs(): number | null {
  try {
    const match = /^some .* total=(\d+)$/m.exec(readFileSync('/proc/pressure/cpu', 'utf8'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------- HTTP client (keep-alive)

// Open loop: enough sockets that a slow response never holds back the next scheduled request.
const clientAgent = new Agent({ keepAlive: true, maxSockets: 512 });
finalizers.push(async () => clientAgent.destroy());

interface HttpResult {
  status: number;
  body: string;
  /** nowMs() when the whole response had arrived. */
  endMs: number;
}

function send(base: string, method: string, path: string, options: { authorization?: string; form?: string } = {}): Promise<HttpResult> {
  const url = new URL(path, base);
  const headers: Record<string, string> = {};
  if (options.authorization) headers.authorization = options.authorization;
  if (options.form !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    headers['content-length'] = String(Buffer.byteLength(options.form));
  }
  return new Promise((resolveResult, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname + url.search, method, headers, agent: clientAgent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolveResult({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), endMs: nowMs() }));
      res.on('error', reject);
    });
    req.setTimeout(60_000, () => req.destroy(new Error(`${method} ${path}: no response within 60 s`)));
    req.on('error', reject);
    req.end(options.form);
  });
}

async function sendJson<T>(base: string, method: string, path: string, options: { authorization?: string; form?: string } = {}): Promise<T> {
  const result = await send(base, method, path, options);
  if (result.status !== 200) throw new Error(`${method} ${path} answered ${result.status}: ${result.body.slice(0, 500)}`);
  return JSON.parse(result.body) as T;
}

async function waitUntilAnswering(base: string, path: string, authorization: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const response = await send(base, 'GET', path, { authorization });
      if (response.status === 200) return;
      last = `status ${response.status}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await sleep(100);
  }
  throw new Error(`gateway did not answer ${path} within 30 s (${last})`);
}

// ---------------------------------------------------------------- PostgreSQL

// ---------------------------------------------------------------- the receiver (a child process)

/**
 * Plain JavaScript for `node -e`. Answers 200 to every POST once its body is in, and keeps
 * [arrivalMs, key, data.id, event id, signature ok] for each. GET /now, /stats and /dump are
 * for the bench. Arrival time = when the whole body had arrived, as epoch ms (timeOrigin + now).
 */
const receiverSource = `
const http = require('node:http');
const { createHmac, timingSafeEqual } = require('node:crypto');
const secret = Buffer.from(process.env.WEBHOOK_SECRET || '', 'base64');
const now = () => performance.timeOrigin + performance.now();
const records = [];
const counts = {};
const chargesByKey = {};
let badSignatures = 0;
let unparsable = 0;
function signatureOk(headers, body) {
  const timestamp = headers['omise-signature-timestamp'];
  const given = String(headers['omise-signature'] || '').split(',');
  if (!timestamp) return false;
  const expected = createHmac('sha256', secret).update(timestamp + '.').update(body).digest();
  return given.some((hex) => /^[0-9a-f]{64}$/i.test(hex.trim()) && timingSafeEqual(expected, Buffer.from(hex.trim(), 'hex')));
}
const server = http.createServer((req, res) => {
  if (req.method === 'GET') {
    let reply;
    if (req.url === '/now') reply = { now: now() };
    else if (req.url === '/stats') reply = { counts, charges: Object.fromEntries(Object.entries(chargesByKey).map(([k, s]) => [k, s.size])), badSignatures, unparsable, records: records.length };
    else if (req.url === '/dump') reply = { records };
    else { res.statusCode = 404; res.end(); return; }
    const text = JSON.stringify(reply);
    res.setHeader('content-type', 'application/json');
    res.end(text);
    return;
  }
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const arrived = now();
    const body = Buffer.concat(chunks);
    res.statusCode = 200;
    res.end('ok');
    let key = '?', chargeId = '?', eventId = '?';
    try {
      const event = JSON.parse(body.toString('utf8'));
      key = String(event.key);
      eventId = String(event.id);
      chargeId = String(event.data && event.data.id);
    } catch {
      unparsable++;
    }
    const ok = signatureOk(req.headers, body);
    if (!ok) badSignatures++;
    counts[key] = (counts[key] || 0) + 1;
    (chargesByKey[key] || (chargesByKey[key] = new Set())).add(chargeId);
    records.push([arrived, key, chargeId, eventId, ok ? 1 : 0]);
  });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => console.log('receiver listening on ' + server.address().port));
process.on('SIGTERM', () => process.exit(0));
`;

interface ReceiverStats {
  counts: Record<string, number>;
  charges: Record<string, number>;
  badSignatures: number;
  unparsable: number;
  records: number;
}

type ReceiverRecord = [arrivedMs: number, key: string, chargeId: string, eventId: string, signatureOk: 0 | 1];


// ---------------------------------------------------------------- the run

interface Completion {
  chargeId: string;
  scheduledMs: number;
  sentMs: number;
  responseMs: number;
  status: number;
}

interface RunResult {
  store: string;
  completions: Completion[];
  failures: string[];
  t0: number;
  lastSentMs: number;
  records: ReceiverRecord[];
  clock: { offsetMs: number; rttMs: number };
  gatewayVmHwmKb: number;
  gatewayCpuMs: number | null;
  gatewayKernelMs: number | null;
  receiverCpuMs: number | null;
  benchCpuMs: number;
  /** Time during which some task on the machine waited for a CPU (PSI), over the measured phase. */
  cpuPressureMs: number | null;
  /** CPU of every PostgreSQL process during the measured phase (PostgreSQL runs only). */
  postgresCpuMs: number | null;
  /** Busy CPU of the whole machine during the measured phase. */
  machineBusyMs: number;
  createSeconds: number;
  createWebhooksSeconds: number;
  measuredSeconds: number;
}

async function run(store: 'sqlite' | 'postgres'): Promise<RunResult> {
  const port = await freePort();
  const secretKey = `skey_test_${randomKeySuffix()}`;
  const publicKey = `pkey_test_${randomKeySuffix()}`;
  const env = gatewayEnv({
    PORT: String(port),
    HOST: '127.0.0.1',
    SATANG_DATA_DIR: tempDir('webhooks-data'),
    SATANG_SQLITE_SYNCHRONOUS: 'FULL',
    SATANG_TEST_PUBLIC_KEY: publicKey,
    SATANG_TEST_SECRET_KEY: secretKey,
    SATANG_LOG_LEVEL: 'warn',
    SATANG_WEBHOOK_ALLOW_PRIVATE: 'true',
  });
  if (store === 'postgres') {
    const databaseUrl = flags['database-url']!;
    const schema = `bench_wh_${randomKeySuffix()}`;
    finalizers.push(() => dropSchema(databaseUrl, schema));
    env.DATABASE_URL = databaseUrl;
    env.SATANG_DATABASE_SCHEMA = schema;
  }

  const { child: gateway, output: gatewayOutput } = await startBuiltGateway(env, `gateway (${store})`, serverNodeArgs);
  const gatewayPid = gateway.pid!;
  const base = `http://127.0.0.1:${port}`;
  const authorization = `Basic ${Buffer.from(`${secretKey}:`).toString('base64')}`;
  await waitUntilAnswering(base, '/charges?limit=1', authorization);

  const { secret } = await sendJson<{ secret: string }>(base, 'GET', '/webhook_secret', { authorization });
  const { child: receiver, match: receiverMatch } = await spawnAndWaitForLine(process.execPath, ['-e', receiverSource], {
    env: { PATH: process.env.PATH, WEBHOOK_SECRET: secret },
    match: /receiver listening on (\d+)/,
    timeoutMs: 10_000,
    label: 'webhook receiver',
  });
  const receiverPid = receiver.pid!;
  const receiverBase = `http://127.0.0.1:${receiverMatch[1]}`;
  const endpoint = await sendJson<{ id: string; url: string }>(base, 'POST', '/webhook_endpoints', { authorization, form: `url=${encodeURIComponent(`${receiverBase}/hook`)}` });
  log(`receiver ${endpoint.url} registered as ${endpoint.id}`);
  const stats = () => sendJson<ReceiverStats>(receiverBase, 'GET', '/stats');

  // ---- 3. N charges, and all their charge.create webhooks, before measuring
  log(`creating ${chargeCount} charges (${createConcurrency} at a time)`);
  const chargeIds: string[] = [];
  const createStarted = nowMs();
  const createBody = `amount=400000&currency=THB&${encodeURIComponent('source[type]')}=truemoney_qr`;
  let next = 0;
  await Promise.all(
    Array.from({ length: createConcurrency }, async () => {
      while (next < chargeCount) {
        next++;
        const charge = await sendJson<{ id: string; status: string }>(base, 'POST', '/charges', { authorization, form: createBody });
        if (charge.status !== 'pending') throw new Error(`new charge ${charge.id} is ${charge.status}`);
        chargeIds.push(charge.id);
      }
    }),
  );
  const createSeconds = (nowMs() - createStarted) / 1000;
  log(`created ${chargeIds.length} charges in ${createSeconds.toFixed(1)} s; waiting for their charge.create webhooks`);
  const createWebhooksDeadline = Date.now() + createWebhooksTimeoutMs;
  let lastReported = 0;
  for (;;) {
    const seen = (await stats()).charges['charge.create'] ?? 0;
    if (seen >= chargeCount) break;
    if (Date.now() > createWebhooksDeadline) throw new Error(`only ${seen} of ${chargeCount} charge.create webhooks arrived within ${createWebhooksTimeoutMs / 1000} s`);
    if (Date.now() - lastReported > 5000) {
      log(`  charge.create webhooks: ${seen}/${chargeCount}`);
      lastReported = Date.now();
    }
    await sleep(100);
  }
  const createWebhooksSeconds = (nowMs() - createStarted) / 1000;
  log(`all ${chargeCount} charge.create webhooks arrived, ${createWebhooksSeconds.toFixed(1)} s after the first POST`);
  await sleep(1000); // let the dispatcher record its last attempts

  const clock = await measureClockOffset(async () => (await sendJson<{ now: number }>(receiverBase, 'GET', '/now')).now);
  log(`receiver clock offset ${clock.offsetMs.toFixed(3)} ms (ping rtt ${clock.rttMs.toFixed(3)} ms)`);

  // ---- 4. complete them, open loop, at `rate`
  log(`completing ${chargeCount} charges at ${rate}/s (open loop)`);
  const completions: Completion[] = new Array(chargeCount);
  const failures: string[] = [];
  const inFlight: Promise<void>[] = [];
  const gatewayCpuBefore = cpuTimeMs(gatewayPid);
  const gatewayKernelBefore = cpuTimeMs(gatewayPid, true);
  const receiverCpuBefore = cpuTimeMs(receiverPid);
  const benchCpuBefore = process.cpuUsage();
  const pressureBefore = cpuPressureUs();
  const postgresCpuBefore = store === 'postgres' ? postgresCpuTimeMs() : null;
  const machineBusyBefore = machineBusyMs();
  const t0 = nowMs() + 20;
  let lastSentMs = t0;
  await new Promise<void>((done) => {
    let index = 0;
    const pump = () => {
      const now = nowMs();
      while (index < chargeCount && t0 + (index * 1000) / rate <= now) {
        const i = index++;
        const chargeId = chargeIds[i];
        const scheduledMs = t0 + (i * 1000) / rate;
        const sentMs = nowMs();
        lastSentMs = sentMs;
        inFlight.push(
          send(base, 'POST', `/charges/${chargeId}/mark_as_paid`, { authorization, form: '' }).then(
            (result) => {
              completions[i] = { chargeId, scheduledMs, sentMs, responseMs: result.endMs, status: result.status };
              if (result.status !== 200 || !result.body.includes('"status":"successful"')) failures.push(`${chargeId}: ${result.status} ${result.body.slice(0, 300)}`);
            },
            (error: unknown) => {
              completions[i] = { chargeId, scheduledMs, sentMs, responseMs: Number.NaN, status: 0 };
              failures.push(`${chargeId}: ${error instanceof Error ? error.message : String(error)}`);
            },
          ),
        );
      }
      if (index >= chargeCount) return done();
      setTimeout(pump, Math.max(0, t0 + (index * 1000) / rate - nowMs()));
    };
    pump();
  });
  await Promise.all(inFlight);
  const lastResponseMs = completions.reduce((last, c) => (c.status === 200 ? Math.max(last, c.responseMs) : last), t0);
  log(`all ${chargeCount} mark_as_paid answered (${failures.length} failed); waiting for charge.complete webhooks (at most ${missingAfterMs / 1000} s)`);

  // ---- 5. wait for the charge.complete webhooks: all of them, or 30 s after the last completion
  const succeeded = completions.filter((c) => c.status === 200).length;
  for (;;) {
    const seen = (await stats()).charges['charge.complete'] ?? 0;
    if (seen >= succeeded) break;
    if (nowMs() > lastResponseMs + missingAfterMs + 1000) break;
    await sleep(100);
  }
  const measuredSeconds = (nowMs() - t0) / 1000;
  const gatewayCpuAfter = cpuTimeMs(gatewayPid);
  const gatewayKernelAfter = cpuTimeMs(gatewayPid, true);
  const receiverCpuAfter = cpuTimeMs(receiverPid);
  const benchCpu = process.cpuUsage(benchCpuBefore);
  const pressureAfter = cpuPressureUs();
  const postgresCpuMs = postgresCpuBefore === null ? null : postgresCpuTimeMs() - postgresCpuBefore;
  const machineBusyMsDuring = machineBusyMs() - machineBusyBefore;
  const { records } = await sendJson<{ records: ReceiverRecord[] }>(receiverBase, 'GET', '/dump');
  const gatewayVmHwmKb = readStatusKb(gatewayPid, 'VmHWM');
  await stopChild(receiver);
  await stopChild(gateway);
  if (gateway.exitCode !== 0 && gateway.exitCode !== null) log(`gateway exited with ${gateway.exitCode}:\n${gatewayOutput()}`);
  const errorLines = gatewayOutput()
    .split('\n')
    .filter((line) => /"level":(50|60)/.test(line));
  if (errorLines.length > 0) log(`gateway logged ${errorLines.length} errors, e.g.:\n${errorLines.slice(0, 3).join('\n')}`);
  return {
    store,
    completions,
    failures,
    t0,
    lastSentMs,
    records,
    clock,
    gatewayVmHwmKb,
    gatewayCpuMs: gatewayCpuBefore === null || gatewayCpuAfter === null ? null : gatewayCpuAfter - gatewayCpuBefore,
    gatewayKernelMs: gatewayKernelBefore === null || gatewayKernelAfter === null ? null : gatewayKernelAfter - gatewayKernelBefore,
    receiverCpuMs: receiverCpuBefore === null || receiverCpuAfter === null ? null : receiverCpuAfter - receiverCpuBefore,
    benchCpuMs: (benchCpu.user + benchCpu.system) / 1000,
    cpuPressureMs: pressureBefore === null || pressureAfter === null ? null : (pressureAfter - pressureBefore) / 1000,
    postgresCpuMs,
    machineBusyMs: machineBusyMsDuring,
    createSeconds,
    createWebhooksSeconds,
    measuredSeconds,
  };
}

// ---------------------------------------------------------------- report

function report(result: RunResult): { missing: number; p99Ms: number; ok: boolean } {
  const ms = (value: number) => (Number.isFinite(value) ? `${value.toFixed(1)} ms` : '-');
  const ok = result.completions.filter((c) => c.status === 200);
  const firstArrival = new Map<string, number>();
  const completeDeliveries = new Map<string, number>();
  const eventDeliveries = new Map<string, number>();
  const completeArrivals: number[] = [];
  const byKey = new Map<string, number>();
  let badSignatures = 0;
  for (const [arrivedRaw, key, chargeId, eventId, signatureOk] of result.records) {
    byKey.set(key, (byKey.get(key) ?? 0) + 1);
    if (!signatureOk) badSignatures++;
    eventDeliveries.set(eventId, (eventDeliveries.get(eventId) ?? 0) + 1);
    if (key !== 'charge.complete') continue;
    const arrived = arrivedRaw - result.clock.offsetMs; // on the bench's clock
    completeArrivals.push(arrived);
    completeDeliveries.set(chargeId, (completeDeliveries.get(chargeId) ?? 0) + 1);
    const seen = firstArrival.get(chargeId);
    if (seen === undefined || arrived < seen) firstArrival.set(chargeId, arrived);
  }
  const latencies: number[] = [];
  const fromSent: number[] = [];
  const responseTimes: number[] = [];
  let missing = 0;
  for (const completion of ok) {
    responseTimes.push(completion.responseMs - completion.scheduledMs);
    const arrived = firstArrival.get(completion.chargeId);
    if (arrived === undefined || arrived - completion.responseMs > missingAfterMs) {
      missing++;
      continue;
    }
    latencies.push(arrived - completion.responseMs);
    fromSent.push(arrived - completion.sentMs);
  }
  latencies.sort((a, b) => a - b);
  fromSent.sort((a, b) => a - b);
  responseTimes.sort((a, b) => a - b);
  completeArrivals.sort((a, b) => a - b);
  const duplicateCompletes = [...completeDeliveries.values()].reduce((sum, n) => sum + Math.max(0, n - 1), 0);
  const duplicateEvents = [...eventDeliveries.values()].reduce((sum, n) => sum + Math.max(0, n - 1), 0);
  const negative = latencies.filter((value) => value < 0).length;

  const lastResponse = ok.reduce((last, c) => Math.max(last, c.responseMs), result.t0);
  const sendSeconds = (result.lastSentMs - result.t0) / 1000;
  const completeSeconds = (lastResponse - result.t0) / 1000;
  const arrivalSpan = completeArrivals.length > 1 ? (completeArrivals.at(-1)! - completeArrivals[0]) / 1000 : Number.NaN;
  const p99 = percentile(latencies, 99);
  const met = missing === 0 && p99 < target.p99Ms && rate >= target.rate;
  const cpu = (value: number | null, seconds: number) => (value === null ? '?' : `${(value / 1000).toFixed(1)} s (${((value / 1000 / seconds) * 100).toFixed(0)} % of one core)`);

  const lines = [
    '',
    `Satang webhook bench — store ${result.store}${result.store === 'sqlite' ? ' (synchronous=FULL)' : ''}, ${chargeCount} charges, target rate ${rate}/s open loop, node ${process.version}, ${loadavg().length ? `load average ${loadavg().map((n) => n.toFixed(2)).join(' ')}` : ''}`,
    '',
    `setup: ${chargeCount} charges created in ${result.createSeconds.toFixed(1)} s (${(chargeCount / result.createSeconds).toFixed(0)}/s, ${createConcurrency} concurrent); all charge.create webhooks in by ${result.createWebhooksSeconds.toFixed(1)} s (${(chargeCount / result.createWebhooksSeconds).toFixed(0)}/s)`,
    `receiver clock offset: ${result.clock.offsetMs.toFixed(3)} ms (subtracted; ping rtt ${result.clock.rttMs.toFixed(3)} ms)`,
    '',
    `completions (mark_as_paid): ${ok.length} ok, ${result.failures.length} failed`,
    `  sent at ${(result.completions.length / sendSeconds).toFixed(0)}/s (target ${rate}/s), completed at ${(ok.length / completeSeconds).toFixed(0)}/s (responses until ${completeSeconds.toFixed(2)} s after t0)`,
    `  response time from schedule: p50 ${ms(percentile(responseTimes, 50))}  p90 ${ms(percentile(responseTimes, 90))}  p99 ${ms(percentile(responseTimes, 99))}  max ${ms(responseTimes.at(-1) ?? Number.NaN)}`,
    `charge.complete webhooks at the receiver: ${completeArrivals.length} deliveries, ${firstArrival.size} charges, ${(completeArrivals.length / arrivalSpan).toFixed(0)} deliveries/s (first to last arrival, ${arrivalSpan.toFixed(2)} s); ${completeArrivals.length > 0 ? `last arrived ${((completeArrivals.at(-1)! - lastResponse) / 1000).toFixed(2)} s after the last completion` : 'none arrived'}`,
    `latency, state change (mark_as_paid response) → receiver: p50 ${ms(percentile(latencies, 50))}  p90 ${ms(percentile(latencies, 90))}  p99 ${ms(p99)}  max ${ms(latencies.at(-1) ?? Number.NaN)}  (${negative} negative: webhook before the response)`,
    `latency, mark_as_paid sent → receiver:                 p50 ${ms(percentile(fromSent, 50))}  p90 ${ms(percentile(fromSent, 90))}  p99 ${ms(percentile(fromSent, 99))}  max ${ms(fromSent.at(-1) ?? Number.NaN)}`,
    `completions with no webhook within ${missingAfterMs / 1000} s: ${missing}`,
    `duplicates received: ${duplicateCompletes} charge.complete, ${duplicateEvents} of any event (same event id twice); bad signatures: ${badSignatures}; unparsable bodies: ${byKey.get('?') ?? 0}`,
    `all deliveries by key: ${[...byKey].map(([key, n]) => `${key} ${n}`).join(', ')}`,
    `CPU during the measured phase (${result.measuredSeconds.toFixed(1)} s): gateway ${cpu(result.gatewayCpuMs, result.measuredSeconds)}${result.gatewayKernelMs === null ? '' : ` of which kernel ${(result.gatewayKernelMs / 1000).toFixed(1)} s`}, receiver ${cpu(result.receiverCpuMs, result.measuredSeconds)}, bench ${cpu(result.benchCpuMs, result.measuredSeconds)}`,
    ...(result.postgresCpuMs === null ? [] : [`PostgreSQL (all its processes) during the measured phase: ${cpu(result.postgresCpuMs, result.measuredSeconds)}`]),
    `machine busy during the measured phase: ${(result.machineBusyMs / 1000).toFixed(1)} s of ${(cpus().length * result.measuredSeconds).toFixed(1)} s of CPU (${cpus().length} CPUs); ` +
      `${ok.length > 0 ? `${(result.machineBusyMs / ok.length).toFixed(2)} ms of CPU per completion, all processes together (gateway ${result.gatewayCpuMs === null ? '?' : (result.gatewayCpuMs / ok.length).toFixed(2)}${result.postgresCpuMs === null ? '' : `, PostgreSQL ${(result.postgresCpuMs / ok.length).toFixed(2)}`}); ` : ''}` +
      `${rate}/s leaves ${((cpus().length * 1000) / rate).toFixed(2)} ms of CPU per completion on this machine`,
    `machine: ${cpus().length} CPUs; CPU pressure (PSI some) during the measured phase: ${result.cpuPressureMs === null ? '?' : `${((result.cpuPressureMs / 1000 / result.measuredSeconds) * 100).toFixed(0)} % of the time some task waited for a CPU`}`,
    `gateway peak RSS (VmHWM): ${(result.gatewayVmHwmKb / 1024).toFixed(1)} MB (target ≤ ${target.vmHwmMb} MB)`,
    `target: p99 < ${target.p99Ms} ms at ${target.rate} completions/s, no webhook missing: ${met ? 'met' : 'MISSED'}`,
    '',
  ];
  process.stdout.write(lines.join('\n'));
  if (flags.timeline) printTimeline(result, ok, firstArrival, completeArrivals);
  if (result.failures.length > 0) process.stdout.write(`first failures:\n${result.failures.slice(0, 5).join('\n')}\n`);
  const figures = [
    benchResult({ bench: 'webhooks', store: result.store, figure: `p99 latency at ${rate}/s`, value: Number(p99.toFixed(1)), unit: 'ms', below: target.p99Ms }),
    benchResult({ bench: 'webhooks', store: result.store, figure: 'server peak RSS (VmHWM)', value: Number((result.gatewayVmHwmKb / 1024).toFixed(1)), unit: 'MB', atMost: target.vmHwmMb }),
  ];
  return { missing, p99Ms: p99, ok: met && figures.every(Boolean) };
}

function printTimeline(result: RunResult, ok: Completion[], firstArrival: Map<string, number>, completeArrivals: number[]): void {
  const second = (t: number) => Math.floor((t - result.t0) / 1000);
  const end = Math.max(second(completeArrivals.at(-1) ?? result.t0), ...ok.map((c) => second(c.responseMs)));
  const rows = Array.from({ length: end + 1 }, () => ({ sent: 0, answered: 0, response: [] as number[], arrived: 0, latency: [] as number[] }));
  for (const c of result.completions) if (c) rows[Math.max(0, second(c.sentMs))].sent++;
  for (const c of ok) {
    const row = rows[Math.max(0, second(c.responseMs))];
    row.answered++;
    row.response.push(c.responseMs - c.scheduledMs);
    const arrived = firstArrival.get(c.chargeId);
    if (arrived !== undefined) row.latency.push(arrived - c.responseMs);
  }
  for (const t of completeArrivals) rows[Math.max(0, second(t))].arrived++;
  const lines = ['', 'second  sent  answered  response p50/p99 ms  webhooks arrived  latency p50/p99 ms (of those answered)'];
  for (const [index, row] of rows.entries()) {
    row.response.sort((a, b) => a - b);
    row.latency.sort((a, b) => a - b);
    const pair = (values: number[]) => (values.length ? `${percentile(values, 50).toFixed(0)}/${percentile(values, 99).toFixed(0)}` : '-');
    lines.push(`${String(index).padStart(6)}  ${String(row.sent).padStart(4)}  ${String(row.answered).padStart(8)}  ${pair(row.response).padStart(19)}  ${String(row.arrived).padStart(16)}  ${pair(row.latency).padStart(18)}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

// ---------------------------------------------------------------- main

async function main(): Promise<number> {
  const result = await run(flags.postgres ? 'postgres' : 'sqlite');
  const { missing, ok } = report(result);
  if (missing > 0 || result.failures.length > 0) return 1;
  if (!ok) {
    process.stdout.write(`target missed${flags.strict ? '' : ' (not fatal without --strict)'}\n`);
    return flags.strict ? 1 : 0;
  }
  return 0;
}

await runBench(main);

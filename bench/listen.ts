/**
 * `satang listen` latency benchmark: how long after an event is committed does `satang listen`
 * deliver it to the developer's local receiver, at a steady event rate.
 *
 *   node --import tsx bench/listen.ts                  # SQLite (synchronous=FULL)
 *   node --import tsx bench/listen.ts --postgres       # PostgreSQL (a throwaway schema)
 *
 * Options: --rate=200 (events/s) --seconds=10 (measured) --warmup=200 (events first, not measured)
 * --database-url=postgres://postgres@127.0.0.1:5432/test --strict (exit 1 when the p99 target is missed).
 * Exits 1 when an event did not arrive within 30 s, arrived twice, or its signature did not verify.
 *
 * One run:
 *  1. builds (`npm run build`) and starts the gateway as `npm start` runs it, on a fresh temp data dir
 *     (or, with --postgres, a schema bench_ls_<random>, dropped afterwards);
 *  2. starts a receiver (a bare node:http server in a child process of its own) that answers 200,
 *     checks each body's signature against the account's webhook secret and notes when it arrived;
 *  3. starts `satang listen --forward-to <receiver> --json` (compiled, a child process) and waits for
 *     it to be ready;
 *  4. sends `--warmup` charges and waits for their charge.create events to arrive (not measured);
 *  5. creates charges open loop at `--rate` for `--seconds` (request i is sent at t0 + i/rate whatever
 *     the earlier ones are doing): each POST /charges commits one event, charge.create;
 *  6. latency = arrival at the receiver − arrival of the POST /charges response at the bench (the
 *     event is committed before the response is sent), on one clock (the receiver's offset to the
 *     bench's, measured with the shortest of 200 pings, is subtracted). Also printed: from the request
 *     being sent (an upper bound: it includes the request's own time).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { Agent, request as httpRequest } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { dropSchema, finalizers, freePort, gatewayEnv, log, measureClockOffset, nowMs, percentile, randomKeySuffix, repoRoot, runBench, sleep, spawnAndWaitForLine, startBuiltGateway, stopChild, tempDir, track } from './support.js';

const { values: flags } = parseArgs({
  options: {
    rate: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '200' },
    postgres: { type: 'boolean', default: false },
    'database-url': { type: 'string', default: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
    strict: { type: 'boolean', default: false },
  },
});
const rate = Number(flags.rate);
const seconds = Number(flags.seconds);
const warmup = Number(flags.warmup);
if (!(rate > 0) || !(seconds > 0) || !Number.isInteger(warmup) || warmup < 0) throw new Error('--rate and --seconds must be positive, --warmup a whole number');
const eventCount = Math.round(rate * seconds);
const target = { p99Ms: 100, rate: 200 };
const missingAfterMs = 30_000;

/** Epoch ms with sub-ms resolution; the receiver computes the same expression. */

const clientAgent = new Agent({ keepAlive: true, maxSockets: 256 });
finalizers.push(async () => clientAgent.destroy());

function send(base: string, method: string, path: string, authorization?: string, form?: string): Promise<{ status: number; body: string; endMs: number }> {
  const url = new URL(path, base);
  const headers: Record<string, string> = {};
  if (authorization) headers.authorization = authorization;
  if (form !== undefined) Object.assign(headers, { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(form)) });
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname + url.search, method, headers, agent: clientAgent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), endMs: nowMs() }));
      res.on('error', reject);
    });
    req.setTimeout(60_000, () => req.destroy(new Error(`${method} ${path}: no response within 60 s`)));
    req.on('error', reject);
    req.end(form);
  });
}

async function json<T>(base: string, method: string, path: string, authorization?: string, form?: string): Promise<T> {
  const result = await send(base, method, path, authorization, form);
  if (result.status !== 200) throw new Error(`${method} ${path} answered ${result.status}: ${result.body.slice(0, 300)}`);
  return JSON.parse(result.body) as T;
}

/** Plain JavaScript for `node -e`: records [arrivalMs, key, charge id, event id, signature ok] per POST; GET /now, /count, /dump. */
const receiverSource = `
const http = require('node:http');
const { createHmac, timingSafeEqual } = require('node:crypto');
const secret = Buffer.from(process.env.WEBHOOK_SECRET || '', 'base64');
const now = () => performance.timeOrigin + performance.now();
const records = [];
function signatureOk(headers, body) {
  const timestamp = headers['omise-signature-timestamp'];
  if (!timestamp) return false;
  const expected = createHmac('sha256', secret).update(timestamp + '.').update(body).digest();
  return String(headers['omise-signature'] || '').split(',').some((hex) => /^[0-9a-f]{64}$/i.test(hex.trim()) && timingSafeEqual(expected, Buffer.from(hex.trim(), 'hex')));
}
const server = http.createServer((req, res) => {
  if (req.method === 'GET') {
    const reply = req.url === '/now' ? { now: now() } : req.url === '/count' ? { count: records.length } : { records };
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(reply));
    return;
  }
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const arrived = now();
    const body = Buffer.concat(chunks);
    res.end('ok');
    let key = '?', chargeId = '?', eventId = '?';
    try {
      const event = JSON.parse(body.toString('utf8'));
      key = String(event.key); eventId = String(event.id); chargeId = String(event.data && event.data.id);
    } catch {}
    records.push([arrived, key, chargeId, eventId, signatureOk(req.headers, body) ? 1 : 0]);
  });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => console.log('receiver listening on ' + server.address().port));
process.on('SIGTERM', () => process.exit(0));
`;

type ReceiverRecord = [arrivedMs: number, key: string, chargeId: string, eventId: string, signatureOk: 0 | 1];


/** `satang listen` (compiled), ready when it says so on standard error. */
async function startListen(args: string[], env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const child = track(spawn(process.execPath, ['dist/cli.js', 'listen', ...args], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] }));
  let errors = '';
  child.stdout!.resume(); // one JSON line per event: not read here
  child.stderr!.on('data', (chunk: Buffer) => (errors = (errors + chunk.toString('utf8')).slice(-5000)));
  const deadline = Date.now() + 30_000;
  while (!/Ready!/.test(errors)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`satang listen did not get ready:\n${errors}`);
    await sleep(20);
  }
  return child;
}

interface Sent {
  chargeId: string;
  sentMs: number;
  responseMs: number;
}

async function main(): Promise<number> {
  const store = flags.postgres ? 'postgres' : 'sqlite';
  const port = await freePort();
  const secretKey = `skey_test_${randomKeySuffix()}`;
  const env = gatewayEnv({
    PORT: String(port),
    HOST: '127.0.0.1',
    SATANG_DATA_DIR: tempDir('listen-data'),
    SATANG_SQLITE_SYNCHRONOUS: 'FULL',
    SATANG_TEST_PUBLIC_KEY: `pkey_test_${randomKeySuffix()}`,
    SATANG_TEST_SECRET_KEY: secretKey,
    SATANG_LOG_LEVEL: 'warn',
  });
  if (flags.postgres) {
    const schema = `bench_ls_${randomKeySuffix()}`;
    finalizers.push(() => dropSchema(flags['database-url']!, schema));
    env.DATABASE_URL = flags['database-url'];
    env.SATANG_DATABASE_SCHEMA = schema;
  }
  const { child: gateway } = await startBuiltGateway(env, `gateway (${store})`);
  const base = `http://127.0.0.1:${port}`;
  const authorization = `Basic ${Buffer.from(`${secretKey}:`).toString('base64')}`;
  const { secret } = await json<{ secret: string }>(base, 'GET', '/webhook_secret', authorization);
  const { child: receiver, match } = await spawnAndWaitForLine(process.execPath, ['-e', receiverSource], {
    env: { PATH: process.env.PATH, WEBHOOK_SECRET: secret },
    match: /receiver listening on (\d+)/,
    timeoutMs: 10_000,
    label: 'receiver',
  });
  const receiverBase = `http://127.0.0.1:${match[1]}`;
  const listen = await startListen(['--forward-to', `${receiverBase}/hooks`, '--json', '--api-url', base], { PATH: process.env.PATH, SATANG_SECRET_KEY: secretKey });
  const received = async () => (await json<{ count: number }>(receiverBase, 'GET', '/count')).count;
  const waitForArrivals = async (count: number, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while ((await received()) < count && Date.now() < deadline) await sleep(100);
  };
  const create = () => send(base, 'POST', '/charges', authorization, `amount=40000&currency=THB&${encodeURIComponent('source[type]')}=truemoney_qr`);

  log(`warm-up: ${warmup} events`);
  for (let i = 0; i < warmup; i += 20) await Promise.all(Array.from({ length: Math.min(20, warmup - i) }, create));
  await waitForArrivals(warmup, 60_000);
  const clock = await measureClockOffset(async () => (await json<{ now: number }>(receiverBase, 'GET', '/now')).now);
  log(`receiver clock offset ${clock.offsetMs.toFixed(3)} ms (ping rtt ${clock.rttMs.toFixed(3)} ms)`);

  log(`measuring: ${eventCount} events at ${rate}/s (open loop)`);
  const sent: Sent[] = [];
  const failures: string[] = [];
  const inFlight: Promise<void>[] = [];
  const t0 = nowMs() + 20;
  await new Promise<void>((done) => {
    let index = 0;
    const pump = () => {
      while (index < eventCount && t0 + (index * 1000) / rate <= nowMs()) {
        index++;
        const sentMs = nowMs();
        inFlight.push(
          create().then(
            (result) => {
              if (result.status !== 200) failures.push(`${result.status} ${result.body.slice(0, 200)}`);
              else sent.push({ chargeId: (JSON.parse(result.body) as { id: string }).id, sentMs, responseMs: result.endMs });
            },
            (error: unknown) => void failures.push(error instanceof Error ? error.message : String(error)),
          ),
        );
      }
      if (index >= eventCount) return done();
      setTimeout(pump, Math.max(0, t0 + (index * 1000) / rate - nowMs()));
    };
    pump();
  });
  await Promise.all(inFlight);
  const lastResponse = Math.max(...sent.map((s) => s.responseMs));
  while ((await received()) < warmup + sent.length && nowMs() < lastResponse + missingAfterMs) await sleep(100);
  const { records } = await json<{ records: ReceiverRecord[] }>(receiverBase, 'GET', '/dump');
  await stopChild(listen);
  await stopChild(receiver);
  await stopChild(gateway);

  const arrivals = new Map<string, number[]>();
  let badSignatures = 0;
  for (const [arrived, key, chargeId, , ok] of records) {
    if (!ok) badSignatures++;
    if (key !== 'charge.create') continue;
    arrivals.set(chargeId, [...(arrivals.get(chargeId) ?? []), arrived - clock.offsetMs]);
  }
  const latencies: number[] = [];
  const fromSent: number[] = [];
  let missing = 0;
  let twice = 0;
  for (const s of sent) {
    const times = arrivals.get(s.chargeId);
    if (!times) {
      missing++;
      continue;
    }
    if (times.length > 1) twice++;
    latencies.push(times[0] - s.responseMs);
    fromSent.push(times[0] - s.sentMs);
  }
  latencies.sort((a, b) => a - b);
  fromSent.sort((a, b) => a - b);
  const ms = (value: number) => (Number.isFinite(value) ? `${value.toFixed(1)} ms` : '-');
  const p99 = percentile(latencies, 99);
  const met = missing === 0 && twice === 0 && badSignatures === 0 && p99 < target.p99Ms;
  const sendSeconds = (Math.max(...sent.map((s) => s.sentMs)) - t0) / 1000;
  process.stdout.write(
    [
      '',
      `Satang listen bench — store ${store}${store === 'sqlite' ? ' (synchronous=FULL)' : ''}, ${eventCount} events at ${rate}/s open loop (sent at ${(sent.length / sendSeconds).toFixed(0)}/s), node ${process.version}, ${cpus().length} CPUs, load average ${loadavg().map((n) => n.toFixed(2)).join(' ')}`,
      `receiver clock offset ${clock.offsetMs.toFixed(3)} ms (subtracted; ping rtt ${clock.rttMs.toFixed(3)} ms); ${failures.length} requests failed`,
      `commit (POST /charges answered) → listen's local receiver: p50 ${ms(percentile(latencies, 50))}  p90 ${ms(percentile(latencies, 90))}  p99 ${ms(p99)}  max ${ms(latencies.at(-1) ?? Number.NaN)}`,
      `POST /charges sent → listen's local receiver:           p50 ${ms(percentile(fromSent, 50))}  p90 ${ms(percentile(fromSent, 90))}  p99 ${ms(percentile(fromSent, 99))}  max ${ms(fromSent.at(-1) ?? Number.NaN)}`,
      `events missing after ${missingAfterMs / 1000} s: ${missing}; forwarded twice: ${twice}; bad signatures: ${badSignatures}`,
      `target: p99 < ${target.p99Ms} ms at ${target.rate} events/s, none missing or doubled: ${met ? 'met' : 'MISSED'}`,
      '',
    ].join('\n'),
  );
  if (failures.length > 0) process.stdout.write(`first failures:\n${failures.slice(0, 5).join('\n')}\n`);
  if (missing > 0 || twice > 0 || badSignatures > 0 || failures.length > 0) return 1;
  return flags.strict && !met ? 1 : 0;
}

void runBench(main);

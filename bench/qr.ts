/**
 * QR image benchmark: how fast the gateway serves distinct QR PNGs, and whether the rest of the
 * process stays responsive while it does.
 *
 *   node --import tsx bench/qr.ts              # SQLite (synchronous=FULL, the durable default)
 *   node --import tsx bench/qr.ts --postgres   # PostgreSQL (a throwaway schema)
 *
 * Options: --charges=3000 --concurrency=50 --create-concurrency=32
 * --database-url=postgres://postgres@127.0.0.1:5432/test --strict (exit 1 when a target is missed).
 * Exits 1 when any download is not a 200 PNG, when any /healthz is not 200, or on any error.
 *
 * One run:
 *  1. builds (`npm run build`) and starts the gateway as `npm start` runs it (compiled JavaScript),
 *     as a child process, on a fresh temp data dir (or, with --postgres, a schema bench_qr_<random>
 *     in --database-url, dropped afterwards);
 *  2. creates N charges (inline `source[type]=truemoney_qr`); none of their PNGs is rendered yet;
 *  3. downloads the N distinct PNGs (each once, so every one is rendered: no cache hit) from
 *     `concurrency` keep-alive connections as fast as the gateway answers, while one more client
 *     polls GET /healthz on a connection of its own, one request at a time, 10 ms apart;
 *  4. prints downloads/s, the gateway's CPU per download (from /proc), and /healthz p50/p99/max
 *     during the downloads. Targets: ≥ 500 downloads/s, /healthz p99 < 50 ms.
 *
 * The gateway, the temp dir and the PostgreSQL schema are removed on the way out, also on failure and
 * on Ctrl-C.
 */
import { Agent, request as httpRequest } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { cpuTimeMs, dropSchema, finalizers, freePort, gatewayEnv, log, percentile, randomKeySuffix, runBench, sleep, startBuiltGateway, stopChild, tempDir } from './support.js';


const { values: flags } = parseArgs({
  options: {
    charges: { type: 'string', default: '3000' },
    concurrency: { type: 'string', default: '50' },
    'create-concurrency': { type: 'string', default: '32' },
    postgres: { type: 'boolean', default: false },
    'database-url': { type: 'string', default: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
    strict: { type: 'boolean', default: false },
  },
});
const chargeCount = Number(flags.charges);
const concurrency = Number(flags.concurrency);
const createConcurrency = Number(flags['create-concurrency']);
for (const [name, value] of [['charges', chargeCount], ['concurrency', concurrency], ['create-concurrency', createConcurrency]] as const) {
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive whole number`);
}

const target = { downloadsPerSecond: 500, healthzP99Ms: 50 };
const healthzPauseMs = 10;
const pngSignature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

// ---------------------------------------------------------------- HTTP client (keep-alive)

const downloadAgent = new Agent({ keepAlive: true, maxSockets: Math.max(concurrency, createConcurrency) });
/** /healthz gets a connection of its own, so it never queues behind a download in this process. */
const healthzAgent = new Agent({ keepAlive: true, maxSockets: 1 });
finalizers.push(async () => {
  downloadAgent.destroy();
  healthzAgent.destroy();
});

interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function send(agent: Agent, base: string, method: string, path: string, options: { authorization?: string; form?: string } = {}): Promise<HttpResult> {
  const url = new URL(path, base);
  const headers: Record<string, string> = {};
  if (options.authorization) headers.authorization = options.authorization;
  if (options.form !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    headers['content-length'] = String(Buffer.byteLength(options.form));
  }
  return new Promise((resolveResult, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname + url.search, method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolveResult({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.setTimeout(60_000, () => req.destroy(new Error(`${method} ${path}: no response within 60 s`)));
    req.on('error', reject);
    req.end(options.form);
  });
}

async function waitUntilAnswering(base: string, authorization: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const response = await send(downloadAgent, base, 'GET', '/charges?limit=1', { authorization });
      if (response.status === 200) return;
      last = `status ${response.status}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await sleep(100);
  }
  throw new Error(`gateway did not answer within 30 s (${last})`);
}

/** Runs `work` for 0..count-1 from `workers` loops; the first error stops them all. */
async function inParallel(count: number, workers: number, work: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(workers, count) }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

// ---------------------------------------------------------------- the run

interface RunResult {
  store: string;
  downloads: number;
  downloadSeconds: number;
  pngBytes: number;
  gatewayCpuMs: number | null;
  healthzMs: number[];
  createSeconds: number;
}

async function run(store: 'sqlite' | 'postgres'): Promise<RunResult> {
  const port = await freePort();
  const secretKey = `skey_test_${randomKeySuffix()}`;
  const publicKey = `pkey_test_${randomKeySuffix()}`;
  const env = gatewayEnv({
    PORT: String(port),
    HOST: '127.0.0.1',
    SATANG_DATA_DIR: tempDir('qr-data'),
    SATANG_SQLITE_SYNCHRONOUS: 'FULL',
    SATANG_TEST_PUBLIC_KEY: publicKey,
    SATANG_TEST_SECRET_KEY: secretKey,
    SATANG_LOG_LEVEL: 'warn',
  });
  if (store === 'postgres') {
    const databaseUrl = flags['database-url']!;
    const schema = `bench_qr_${randomKeySuffix()}`;
    finalizers.push(() => dropSchema(databaseUrl, schema));
    env.DATABASE_URL = databaseUrl;
    env.SATANG_DATABASE_SCHEMA = schema;
  }

  const { child: gateway } = await startBuiltGateway(env, `gateway (${store})`);
  const base = `http://127.0.0.1:${port}`;
  const authorization = `Basic ${Buffer.from(`${secretKey}:`).toString('base64')}`;
  try {
    await waitUntilAnswering(base, authorization);

    log(`creating ${chargeCount} charges`);
    const createStarted = performance.now();
    const downloadPaths: string[] = new Array(chargeCount);
    await inParallel(chargeCount, createConcurrency, async (index) => {
      const created = await send(downloadAgent, base, 'POST', '/charges', { authorization, form: `amount=${10_000 + index}&currency=THB&source%5Btype%5D=truemoney_qr` });
      if (created.status !== 200) throw new Error(`POST /charges answered ${created.status}: ${created.body.toString('utf8').slice(0, 300)}`);
      const charge = JSON.parse(created.body.toString('utf8')) as { source: { scannable_code: { image: { download_uri: string } } } };
      downloadPaths[index] = new URL(charge.source.scannable_code.image.download_uri).pathname;
    });
    const createSeconds = (performance.now() - createStarted) / 1000;
    if (new Set(downloadPaths).size !== chargeCount) throw new Error('the charges do not have distinct download URIs');
    await sleep(500);

    log(`downloading ${chargeCount} distinct PNGs, ${concurrency} at a time, while polling /healthz`);
    const healthzMs: number[] = [];
    let downloading = true;
    const poller = (async () => {
      while (downloading) {
        const sent = performance.now();
        const health = await send(healthzAgent, base, 'GET', '/healthz');
        if (health.status !== 200) throw new Error(`/healthz answered ${health.status}: ${health.body.toString('utf8').slice(0, 200)}`);
        if (downloading) healthzMs.push(performance.now() - sent);
        await sleep(healthzPauseMs);
      }
    })();
    let pngBytes = 0;
    const cpuBefore = cpuTimeMs(gateway.pid!);
    const started = performance.now();
    try {
      await inParallel(chargeCount, concurrency, async (index) => {
        const png = await send(downloadAgent, base, 'GET', downloadPaths[index]);
        if (png.status !== 200 || png.headers['content-type'] !== 'image/png' || !png.body.subarray(0, 8).equals(pngSignature)) {
          throw new Error(`GET ${downloadPaths[index]} answered ${png.status} ${String(png.headers['content-type'])}: ${png.body.toString('utf8').slice(0, 200)}`);
        }
        pngBytes += png.body.length;
      });
    } finally {
      downloading = false;
    }
    const downloadSeconds = (performance.now() - started) / 1000;
    const cpuAfter = cpuTimeMs(gateway.pid!);
    await poller;
    return {
      store,
      downloads: chargeCount,
      downloadSeconds,
      pngBytes,
      gatewayCpuMs: cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore,
      healthzMs: healthzMs.sort((a, b) => a - b),
      createSeconds,
    };
  } finally {
    await stopChild(gateway);
  }
}

function report(result: RunResult): boolean {
  const rate = result.downloads / result.downloadSeconds;
  const p50 = percentile(result.healthzMs, 50);
  const p99 = percentile(result.healthzMs, 99);
  const max = result.healthzMs.at(-1) ?? Number.NaN;
  const rateOk = rate >= target.downloadsPerSecond;
  const p99Ok = p99 < target.healthzP99Ms;
  const cpu = result.gatewayCpuMs === null ? '?' : `${(result.gatewayCpuMs / result.downloads).toFixed(2)} ms`;
  const lines = [
    '',
    `Satang QR bench — store ${result.store}${result.store === 'sqlite' ? ' (synchronous=FULL)' : ''}, ${result.downloads} distinct PNGs, ${concurrency} connections, node ${process.version}, ${cpus().length} CPUs, load average ${loadavg().map((n) => n.toFixed(2)).join(' ')}`,
    `  created ${result.downloads} charges in ${result.createSeconds.toFixed(1)} s`,
    `  downloads:  ${rate.toFixed(0)}/s (${result.downloads} in ${result.downloadSeconds.toFixed(2)} s; target ≥ ${target.downloadsPerSecond}/s ${rateOk ? 'ok' : 'MISSED'}), ${(result.pngBytes / result.downloads).toFixed(0)} bytes per PNG`,
    `  gateway CPU per download: ${cpu} (user + system, all threads)`,
    `  /healthz meanwhile: p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms (target < ${target.healthzP99Ms} ms ${p99Ok ? 'ok' : 'MISSED'}), max ${max.toFixed(1)} ms, ${result.healthzMs.length} requests`,
    '',
  ];
  process.stdout.write(lines.join('\n'));
  return rateOk && p99Ok;
}

async function main(): Promise<number> {
  const result = await run(flags.postgres ? 'postgres' : 'sqlite');
  if (result.healthzMs.length === 0) throw new Error('no /healthz answer arrived during the downloads');
  if (!report(result)) {
    process.stdout.write(`targets missed${flags.strict ? '' : ' (not fatal without --strict)'}\n`);
    return flags.strict ? 1 : 0;
  }
  return 0;
}

await runBench(main);

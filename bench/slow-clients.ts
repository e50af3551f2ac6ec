/**
 * Slow clients: thousands of connections that trickle their request (or send nothing) against one
 * `satang serve` process, while another client checks /healthz.
 *
 *   node --import tsx bench/slow-clients.ts [--connections=2000] [--timeout-ms=5000] [--trickle-ms=1000]
 *
 * The connections are a mix: POST /charges bodies, GET /charges JSON bodies (read by hand) and
 * header sections, each one byte every --trickle-ms, and connections that send nothing. The
 * gateway runs with SATANG_REQUEST_TIMEOUT_MS=--timeout-ms (the 30 s default would make a long
 * bench). Printed: how long until every connection was answered 408 or closed (from the moment
 * the last one was open), how many were answered, and /healthz latency p50/p99/max meanwhile.
 * SQLite store in a temp dir; the gateway runs from source (tsx) as the tests run it; the process
 * and its data are removed on the way out, also on failure and on Ctrl-C.
 */
import net from 'node:net';
import http from 'node:http';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort, log, percentile, readStatusKb, runBench, sleep, spawnAndWaitForLine, tempDir } from './support.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const { values: flags } = parseArgs({
  options: {
    connections: { type: 'string', default: '2000' },
    'timeout-ms': { type: 'string', default: '5000' },
    'trickle-ms': { type: 'string', default: '1000' },
    'probe-ms': { type: 'string', default: '50' },
  },
});
const connectionCount = Number(flags.connections);
const timeoutMs = Number(flags['timeout-ms']);
const trickleMs = Number(flags['trickle-ms']);
const probeMs = Number(flags['probe-ms']);
for (const [name, value] of Object.entries({ connections: connectionCount, 'timeout-ms': timeoutMs, 'trickle-ms': trickleMs, 'probe-ms': probeMs })) {
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive whole number`);
}
/** Connections are opened in batches, so the listen backlog is not what is measured. */
const openBatch = 100;
const secretKey = 'skey_test_slowclientsbench0000';
const authorization = `Basic ${Buffer.from(`${secretKey}:`).toString('base64')}`;

interface Trickler {
  socket: net.Socket;
  /** What is left to send, one byte per tick. */
  rest: string;
  answered: boolean;
  closedAtMs?: number;
}

function openTrickler(port: number, index: number): Promise<Trickler> {
  const body = JSON.stringify({ amount: 400000, currency: 'THB', source: { type: 'truemoney_qr' }, description: 'x'.repeat(200) });
  const kinds: Array<[string, string]> = [
    [`POST /charges HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${authorization}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`, body],
    [`GET /charges HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${authorization}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`, body],
    ['GET /charges HTTP/1.1\r\n', `Host: 127.0.0.1\r\nAuthorization: ${authorization}\r\n${'X-Padding: y\r\n'.repeat(20)}\r\n`],
    ['', ''],
  ];
  const [head, rest] = kinds[index % kinds.length];
  return new Promise((resolveOpen, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const trickler: Trickler = { socket, rest, answered: false };
    socket.on('data', (chunk) => {
      if (chunk.toString('latin1').startsWith('HTTP/1.1 408')) trickler.answered = true;
    });
    socket.on('error', () => {});
    socket.on('close', () => (trickler.closedAtMs = performance.now()));
    socket.once('connect', () => {
      if (head !== '') socket.write(head);
      resolveOpen(trickler);
    });
    socket.once('error', reject);
  });
}

function healthz(port: number): Promise<{ ok: boolean; ms: number }> {
  const startedAt = performance.now();
  return new Promise((done) => {
    const request = http.get({ host: '127.0.0.1', port, path: '/healthz', agent: false }, (response) => {
      response.resume();
      response.on('end', () => done({ ok: response.statusCode === 200, ms: performance.now() - startedAt }));
    });
    request.on('error', () => done({ ok: false, ms: performance.now() - startedAt }));
  });
}

async function main(): Promise<number> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PORT: String(port),
    HOST: '127.0.0.1',
    SATANG_DATA_DIR: tempDir('slow-clients'),
    SATANG_TEST_SECRET_KEY: secretKey,
    SATANG_LOG_LEVEL: 'warn',
    SATANG_REQUEST_TIMEOUT_MS: String(timeoutMs),
  };
  const { child } = await spawnAndWaitForLine(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
    cwd: repoRoot,
    env,
    match: /Satang is listening on (\S+)/,
    timeoutMs: 60_000,
    label: 'gateway',
  });
  log(`gateway pid ${child.pid} on port ${port}, SATANG_REQUEST_TIMEOUT_MS=${timeoutMs}`);

  // Another client: /healthz every probeMs until the end.
  const probes: Array<{ ok: boolean; ms: number }> = [];
  let probing = true;
  const prober = (async () => {
    while (probing) {
      probes.push(await healthz(port));
      await sleep(probeMs);
    }
  })();

  const firstOpenAt = performance.now();
  const tricklers: Trickler[] = [];
  for (let from = 0; from < connectionCount; from += openBatch) {
    const batch = [];
    for (let i = from; i < Math.min(connectionCount, from + openBatch); i++) batch.push(openTrickler(port, i));
    tricklers.push(...(await Promise.all(batch)));
  }
  const allOpenAt = performance.now();
  log(`${tricklers.length} connections open in ${Math.round(allOpenAt - firstOpenAt)} ms`);
  const ticker = setInterval(() => {
    for (const trickler of tricklers) {
      if (trickler.rest === '' || trickler.socket.destroyed) continue;
      trickler.socket.write(trickler.rest[0]);
      trickler.rest = trickler.rest.slice(1);
    }
  }, trickleMs);

  const deadlineMs = timeoutMs * 4 + 10_000;
  while (tricklers.some((t) => t.closedAtMs === undefined) && performance.now() - allOpenAt < deadlineMs) await sleep(50);
  clearInterval(ticker);
  probing = false;
  await prober;
  const open = tricklers.filter((t) => t.closedAtMs === undefined).length;
  for (const trickler of tricklers) trickler.socket.destroy();

  const lastClosedAt = Math.max(...tricklers.filter((t) => t.closedAtMs !== undefined).map((t) => t.closedAtMs!));
  const latencies = probes.filter((p) => p.ok).map((p) => p.ms).sort((a, b) => a - b);
  const failed = probes.length - latencies.length;
  const lines = [
    '',
    `slow clients: ${connectionCount} connections (POST bodies, GET bodies, headers one byte every ${trickleMs} ms; and silent), SATANG_REQUEST_TIMEOUT_MS=${timeoutMs}`,
    `  all answered or closed:   ${open === 0 ? `${Math.round(lastClosedAt - allOpenAt)} ms after the last was open (${Math.round(lastClosedAt - firstOpenAt)} ms after the first)` : `NO: ${open} still open after ${deadlineMs} ms`}`,
    `  answered 408:             ${tricklers.filter((t) => t.answered).length} of ${connectionCount} (the rest closed)`,
    `  /healthz meanwhile:       ${probes.length} requests, ${failed} failed; p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, max ${(latencies.at(-1) ?? NaN).toFixed(1)} ms`,
    `  gateway peak RSS:         ${Math.round(readStatusKb(child.pid!, 'VmHWM') / 1024)} MiB`,
    '',
  ];
  process.stdout.write(lines.join('\n'));
  return open === 0 && failed === 0 ? 0 : 1;
}

await runBench(main);

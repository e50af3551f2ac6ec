/**
 * Floors: what the HTTP and expiry targets leave for the gateway per request, against what its parts cost alone.
 *
 *   node --import tsx bench/floors.ts              # SQLite (synchronous=FULL, as `satang serve`)
 *   node --import tsx bench/floors.ts --postgres   # PostgreSQL (a throwaway database and schema)
 *
 * Options: --duration=10 --connections=50 --charges=6000 --database-url=postgres://...
 *
 * In one run, on this machine:
 * 1. wrk (-t1) against a bare node:http hello world, a bare Fastify hello world (Satang's framework with nothing
 *    of Satang's), and Fastify answering the JSON of the charge step 2 reads (as the gateway renders it, serialized
 *    on each request as a route's answer is): requests/s and server CPU per request of each.
 * 2. In this process, with no HTTP at all, the store's own work, driven through Satang's change runner and use cases
 *    exactly as the routes drive them (50 in flight, so group commit batches them as under wrk), CPU per operation:
 *    - create: `createCharge` in `changes.forAccount`, rendered to JSON (what POST /charges does after parsing);
 *    - read: `findChargeWithSource` of one charge again and again (what the HTTP bench's GET does), rendered;
 *    - the request log: what the test-mode request log (which the benches' test keys turn on) costs a request,
 *      its entry queued and written by the writer's own flushes, a turn of the event loop between entries;
 *    - expire: the expiry sweep's pass over every charge made in step 2 once it is due (one `runOnce`); with
 *      --postgres, PostgreSQL's own CPU per charge too (every postgres process on the machine: run it alone).
 * 3. The budget a target leaves: a ratio r to bare means 1 / (r × bare requests/s) of server time per request,
 *    since the gateway's one thread is what bounds it. Printed beside Fastify answering the charge's JSON + store +
 *    request log, the floor no code in
 *    between can go under: where the floor is above the budget, the target cannot be met by this design on this
 *    machine, whatever the code between them does.
 *
 * Not a test and not part of bench:all's targets: it explains the figures bench/http.ts and bench/expiry.ts print.
 */
import { parseArgs } from 'node:util';
import { Gateway } from '../src/gateway.js';
import { openStore, type Store } from '../src/store/store.js';
import { createAccount } from '../src/usecases/accounts.js';
import { createCharge } from '../src/usecases/payments.js';
import { findChargeWithSource } from '../src/store/charges.js';
import { renderCharge } from '../src/render/omise-json.js';
import { parseChargeParams } from '../src/api/payment-params.js';
import type { WallClock } from '../src/domain/clock.js';
import { cpuTimeMs, finalizers, log, postgresCpuTimeMs, repoRoot, runBench, spawnAndWaitForLine, stopChild, tempDir, throwawayDatabase } from './support.js';
import { spawn } from 'node:child_process';

const { values: flags } = parseArgs({
  options: {
    postgres: { type: 'boolean', default: false },
    'database-url': { type: 'string', default: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    charges: { type: 'string', default: '6000' },
  },
});
const durationS = Number(flags.duration);
const connections = Number(flags.connections);
const chargeCount = Number(flags.charges);
const inFlight = 50;
const targets = flags.postgres ? { post: 0.1, get: 0.15 } : { post: 0.2, get: 0.3 };
const expiryTargetPerS = 40_000;

interface Served {
  requestsPerSecond: number;
  cpuUsPerRequest: number;
}

async function wrk(url: string, pid: number): Promise<Served> {
  await wrkRun(url, 2, null);
  return wrkRun(url, durationS, pid);
}

async function wrkRun(url: string, seconds: number, pid: number | null): Promise<Served> {
  const before = pid === null ? 0 : cpuTimeMs(pid)!;
  const child = spawn('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, url], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  const code = await new Promise<number | null>((done) => child.once('exit', done));
  if (code !== 0) throw new Error(`wrk exited with ${code}: ${out}`);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
  const cpuMs = pid === null ? 0 : cpuTimeMs(pid)! - before;
  return { requestsPerSecond: rps, cpuUsPerRequest: (cpuMs * 1000) / requests };
}

const bareSource = `
const server = require('node:http').createServer((req, res) => res.end('hello world'));
server.listen(0, '127.0.0.1', () => console.log('listening on ' + server.address().port));
`;
const fastifySource = `
const app = require('fastify')();
app.get('/', async () => 'hello world');
app.listen({ port: 0, host: '127.0.0.1' }).then(() => console.log('listening on ' + app.server.address().port));
`;

/** Fastify answering a charge's JSON as the gateway renders it (BODY), serialized on each request like a route's answer. */
const fastifyChargeSource = `
const app = require('fastify')();
const body = JSON.parse(process.env.BODY);
app.get('/', async () => body);
app.listen({ port: 0, host: '127.0.0.1' }).then(() => console.log('listening on ' + app.server.address().port));
`;

async function serve(label: string, source: string, env: Record<string, string> = {}): Promise<Served> {
  const { child, match } = await spawnAndWaitForLine(process.execPath, ['-e', source], { cwd: repoRoot, match: /listening on (\d+)/, timeoutMs: 10_000, label, env: { ...process.env, ...env } });
  try {
    log(`${label}: measuring ${durationS}s`);
    return await wrk(`http://127.0.0.1:${match[1]}/`, child.pid!);
  } finally {
    await stopChild(child);
  }
}

function cpuUs(): number {
  const used = process.cpuUsage();
  return used.user + used.system;
}

/** CPU µs and wall time of `work`, per one of the `count` things it did. */
async function timed(work: () => Promise<number>): Promise<{ cpuUs: number; perS: number; count: number }> {
  const cpuBefore = cpuUs();
  const started = performance.now();
  const count = await work();
  const wallMs = performance.now() - started;
  return { cpuUs: (cpuUs() - cpuBefore) / count, perS: (count / wallMs) * 1000, count };
}

/** Runs `count` operations, `inFlight` at a time; CPU µs per operation and operations per second. */
function measure(count: number, operation: (i: number) => Promise<unknown>): Promise<{ cpuUs: number; perS: number }> {
  let next = 0;
  return timed(async () => {
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < count) await operation(next++);
      }),
    );
    return count;
  });
}

async function openBenchStore(): Promise<Store> {
  const dataDir = tempDir('satang-floors-');
  if (!flags.postgres) return openStore({ dataDir, sqliteSynchronous: 'FULL' });
  const { databaseUrl, schema } = await throwawayDatabase(flags['database-url']);
  return openStore({ dataDir, databaseUrl, schema, poolSize: 10 });
}

interface StoreFloors {
  create: { cpuUs: number; perS: number };
  read: { cpuUs: number; perS: number };
  /** The test-mode request log's work for one request: its entry queued, then written by the writer's own flushes. */
  logged: { cpuUs: number; perS: number };
  /** With --postgres, also PostgreSQL's own CPU per charge (all its processes, over the pass). */
  expire: { cpuUs: number; perS: number; postgresCpuUs?: number };
  /** The JSON of the charge the read returns, as the gateway answers it. */
  chargeJson: string;
}

async function storeFloors(): Promise<StoreFloors> {
  const store = await openBenchStore();
  finalizers.push(() => store.close());
  await store.migrate();
  let offsetMs = 0;
  const wall: WallClock = { nowMs: () => Date.now() + offsetMs };
  const created = await store.transaction((tx) => createAccount(tx, { name: 'Floors', isDefault: true }, Date.now()));
  const scope = { accountId: created.account.id, livemode: 0 };
  const gateway = new Gateway({ store, publicUrl: 'http://127.0.0.1:1', wallClock: wall });
  const params = { amount: '400000', currency: 'THB', source: { type: 'truemoney_qr' }, return_uri: 'https://shop.example/orders/42/complete' };
  const ids: string[] = [];
  const warm = Math.min(1000, chargeCount);
  const createOne = async () => {
    const input = parseChargeParams(params, gateway.targetPolicy);
    const result = await gateway.changes.forAccount({ scope }, async (tx, ctx) => {
      const made = await createCharge(tx, ctx, input);
      ids.push(made.charge.id);
      return JSON.stringify(renderCharge(made.charge, made.source, ctx, made.refunds));
    });
    if (result.replayed) throw new Error('unexpected replay');
  };
  log(`create: ${warm} to warm up, then ${chargeCount} measured`);
  await measure(warm, createOne);
  const create = await measure(chargeCount, createOne);
  const ctx = { scope, nowMs: Date.now(), publicUrl: 'http://127.0.0.1:1' };
  const id = ids[ids.length - 1];
  const readOne = async () => {
    const found = await findChargeWithSource(store.read, scope, id);
    if (!found) throw new Error('charge not found');
    return JSON.stringify(renderCharge(found.charge, found.source, ctx as never, found.refunds));
  };
  log(`read: the same charge ${chargeCount * 5} times`);
  await measure(chargeCount, readOne);
  const read = await measure(chargeCount * 5, readOne);
  const chargeJson = await readOne();
  // What the request log keeps of a GET /charges/:id (api/request-log.ts), recorded as the route's
  // onResponse hook does; the writer flushes on its own (every requestLogFlushEntries, or its interval).
  const entryOf = (i: number) => ({
    accountId: scope.accountId,
    createdAtMs: Date.now(),
    method: 'GET',
    route: '/charges/:id',
    path: `/charges/${id}`,
    status: 200,
    durationMs: 1,
    requestId: `req-${i}`,
    idempotencyKey: null,
    keyKind: 'secret' as const,
    keyLast4: 'abcd',
  });
  const logOne = async (i: number) => {
    gateway.requestLog.record(entryOf(i));
    // A turn of the event loop per entry, as between requests, so the writer's flushes run as they would.
    await new Promise<void>((resolve) => setImmediate(resolve));
  };
  log(`request log: ${chargeCount * 5} entries`);
  await measure(chargeCount, logOne);
  // The last entries' flush is counted too.
  const logged = await timed(async () => {
    await measure(chargeCount * 5, logOne);
    await gateway.requestLog.flush();
    return chargeCount * 5;
  });
  // Every charge made above falls due: a day and a bit later by the injected clock.
  offsetMs = 25 * 3_600_000;
  log(`expire: ${ids.length} due charges, one sweep pass`);
  const postgresBeforeMs = postgresCpuTimeMs();
  const expire: StoreFloors['expire'] & { count: number } = await timed(async () => {
    let expired = 0;
    for (;;) {
      const count = await gateway.sweep.runOnce();
      expired += count;
      if (count === 0) return expired;
    }
  });
  if (expire.count !== ids.length) throw new Error(`expired ${expire.count} of ${ids.length}`);
  if (flags.postgres) expire.postgresCpuUs = ((postgresCpuTimeMs() - postgresBeforeMs) * 1000) / ids.length;
  await gateway.stop();
  return { create, read, logged, expire, chargeJson };
}

await runBench(async () => {
  const store = flags.postgres ? 'PostgreSQL' : 'SQLite';
  const bare = await serve('bare node:http', bareSource);
  const fastify = await serve('bare Fastify', fastifySource);
  const floors = await storeFloors();
  const fastifyCharge = await serve(`Fastify answering the charge's JSON (${Buffer.byteLength(floors.chargeJson)} bytes)`, fastifyChargeSource, { BODY: floors.chargeJson });
  const us = (value: number) => `${value.toFixed(0)} µs`;
  const postFloor = fastifyCharge.cpuUsPerRequest + floors.create.cpuUs + floors.logged.cpuUs;
  const getFloor = fastifyCharge.cpuUsPerRequest + floors.read.cpuUs + floors.logged.cpuUs;
  const rows: string[][] = [
    ['', 'POST /charges', 'GET /charges/:id'],
    ['target (ratio to bare)', `${targets.post}x`, `${targets.get}x`],
    ['budget: server time per request at the target', us(1e6 / (targets.post * bare.requestsPerSecond)), us(1e6 / (targets.get * bare.requestsPerSecond))],
    ['bare Fastify (hello world), CPU per request', us(fastify.cpuUsPerRequest), us(fastify.cpuUsPerRequest)],
    ["Fastify answering the charge's JSON, CPU per request", us(fastifyCharge.cpuUsPerRequest), us(fastifyCharge.cpuUsPerRequest)],
    [`${store} through the use case, no HTTP, CPU per operation`, us(floors.create.cpuUs), us(floors.read.cpuUs)],
    ['the request log (test mode), CPU per entry', us(floors.logged.cpuUs), us(floors.logged.cpuUs)],
    ["floor: Fastify with the charge's JSON + store + request log", us(postFloor), us(getFloor)],
  ];
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  const line = (row: string[]) => `| ${row.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`;
  process.stdout.write(`\nFloors (${store}), this machine, one run\n\n`);
  process.stdout.write(`bare node:http ${bare.requestsPerSecond.toFixed(0)} req/s at ${bare.cpuUsPerRequest.toFixed(1)} µs CPU/req; bare Fastify ${fastify.requestsPerSecond.toFixed(0)} req/s (${(fastify.requestsPerSecond / bare.requestsPerSecond).toFixed(3)}x bare) at ${fastify.cpuUsPerRequest.toFixed(1)} µs CPU/req\n\n`);
  process.stdout.write(`${line(rows[0])}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|\n${rows.slice(1).map(line).join('\n')}\n\n`);
  process.stdout.write(`in-process rates (no HTTP): create ${floors.create.perS.toFixed(0)}/s, read ${floors.read.perS.toFixed(0)}/s, request log ${floors.logged.perS.toFixed(0)} entries/s\n`);
  process.stdout.write(`bare Fastify answering the charge's JSON: ${fastifyCharge.requestsPerSecond.toFixed(0)} req/s (${(fastifyCharge.requestsPerSecond / bare.requestsPerSecond).toFixed(3)}x bare)\n`);
  process.stdout.write(
    `expiry: ${floors.expire.perS.toFixed(0)} charges/s in one pass over ${chargeCount + Math.min(1000, chargeCount)} due charges, ${floors.expire.cpuUs.toFixed(1)} µs CPU each; ` +
      `the target ${expiryTargetPerS}/s leaves ${(1e6 / expiryTargetPerS).toFixed(0)} µs a charge` +
      (floors.expire.postgresCpuUs === undefined ? '' : `; PostgreSQL's own CPU (all its processes) ${floors.expire.postgresCpuUs.toFixed(1)} µs a charge`) +
      '\n',
  );
  return 0;
});

/** What the benchmark scripts share: child processes and temp dirs they clean up, and small helpers. */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository the benches run from. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export const children = new Set<ChildProcess>();
export const tempDirs: string[] = [];
export const finalizers: Array<() => Promise<void>> = [];

export function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

export function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

export function tempDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `satang-bench-${label}-`));
  tempDirs.push(dir);
  return dir;
}

export function log(line: string): void {
  process.stderr.write(`[bench] ${line}\n`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

export function readStatusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return match ? Number(match[1]) : 0;
  } catch {
    return 0; // the process is gone
  }
}

export async function adminQuery(databaseUrl: string, statement: string): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

const killGraceMs = 3000;

/** SIGTERM, then SIGKILL after a grace period. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (exited(child)) return;
  const gone = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    if (!exited(child)) child.kill('SIGKILL');
  }, killGraceMs);
  await gone;
  clearTimeout(timer);
}

/** The cleanup under way: a second caller (Ctrl-C during the bench's own cleanup) waits for it rather than exiting first. */
let cleaning: Promise<void> | undefined;

export function cleanup(): Promise<void> {
  cleaning ??= cleanupOnce().finally(() => (cleaning = undefined));
  return cleaning;
}

async function cleanupOnce(): Promise<void> {
  await Promise.allSettled([...children].map(stopChild));
  for (const finalize of finalizers.splice(0).reverse()) {
    try {
      await finalize();
    } catch (error) {
      process.stderr.write(`cleanup: ${error instanceof Error ? error.message : String(error)}\n`);
    }
  }
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Spawns a child, keeps the tail of its output, resolves when a stdout line matches. */
export function spawnAndWaitForLine(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; match: RegExp; timeoutMs: number; label: string },
): Promise<{ child: ChildProcess; match: RegExpMatchArray; output: () => string }> {
  const child = track(spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] }));
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-20_000);
  };
  child.stderr!.on('data', keep);
  return new Promise((resolveLine, reject) => {
    let buffered = '';
    let settled = false;
    const timer = setTimeout(() => fail(new Error(`${options.label} did not start within ${options.timeoutMs} ms`)), options.timeoutMs);
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(new Error(`${error.message}\n--- ${options.label} output ---\n${output}`));
    };
    child.once('error', fail);
    child.once('exit', (code, signal) => fail(new Error(`${options.label} exited early (code ${code}, signal ${signal})`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      keep(chunk);
      if (settled) return;
      buffered += chunk.toString('utf8');
      const match = options.match.exec(buffered);
      if (match) {
        settled = true;
        clearTimeout(timer);
        resolveLine({ child, match, output: () => output });
      }
    });
  });
}

/**
 * A throwaway database satang_bench_<suffix> created through `adminUrl`, and the schema bench_<suffix> to use in it;
 * both are dropped on the way out (finalizers). Its own database, not a schema of `test`: see bench/http.ts.
 */
export async function throwawayDatabase(adminUrl: string, suffix = randomKeySuffix()): Promise<{ databaseUrl: string; schema: string }> {
  const schema = `bench_${suffix}`;
  const database = `satang_bench_${suffix}`;
  await adminQuery(adminUrl, `create database ${database}`);
  finalizers.push(() => adminQuery(adminUrl, `drop database if exists ${database} with (force)`).then(() => log(`dropped database ${database}`)));
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  const databaseUrl = url.toString();
  finalizers.push(() => dropSchema(databaseUrl, schema));
  return { databaseUrl, schema };
}

/** Drops a throwaway bench schema (its database may already be gone with it). */
export async function dropSchema(databaseUrl: string, schema: string): Promise<void> {
  if (!/^bench_[a-z0-9_]+$/.test(schema)) throw new Error(`refusing to drop schema ${schema}`);
  try {
    await adminQuery(databaseUrl, `drop schema if exists ${schema} cascade`);
    log(`dropped schema ${schema}`);
  } catch (error) {
    if ((error as { code?: string }).code !== '3D000') throw error;
  }
}

/**
 * Runs a benchmark's `main` and exits with its code: children, temp dirs and databases are
 * cleaned up on the way out, also on failure and on Ctrl-C.
 */
export async function runBench(main: () => Promise<number>): Promise<never> {
  let interrupted = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      interrupted = true;
      log(`${signal}: cleaning up`);
      void cleanup().finally(() => process.exit(130));
    });
  }
  let exitCode = 1;
  try {
    exitCode = await main();
  } catch (error) {
    if (!interrupted) process.stderr.write(`\nBENCH FAILED: ${error instanceof Error ? error.message : String(error)}\n`);
    exitCode = 1;
  } finally {
    await cleanup();
  }
  process.exit(exitCode);
}

/** A bench gateway's environment: the bench's own minus every Satang setting (and DATABASE_URL), plus `settings`. */
export function gatewayEnv(settings: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('SATANG_') && name !== 'DATABASE_URL') env[name] = value;
  for (const [name, value] of Object.entries(settings)) if (value !== undefined) env[name] = value;
  return env;
}

/**
 * `npm run build`, as `npm start` would run the gateway; skipped when BENCH_BUILT=1 (bench/all.ts builds once, then
 * runs every bench on that build).
 */
export function buildGateway(): void {
  if (process.env.BENCH_BUILT === '1') return;
  log('npm run build');
  const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: repoRoot, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('npm run build failed');
}

/** A count as a table says it: 1M, 2.5M, 20,000. */
export function countLabel(count: number): string {
  return count >= 1e6 && count % 1e5 === 0 ? `${count / 1e6}M` : count.toLocaleString('en-US');
}

/** The prefix of the one line per figure a bench prints for bench/all.ts, JSON after it. */
export const benchResultPrefix = 'BENCH-RESULT ';

/** One figure of a bench against its target, as bench/all.ts reads it. */
export interface BenchResult {
  bench: string;
  store: string;
  figure: string;
  value: number;
  unit: string;
  /** What the value is of, when the figure is a maximum over several (the slowest page's name). */
  note?: string;
  /** The target, written as the issue writes it: ">= 0.2", "< 100", "<= 150". */
  target: string;
  met: boolean;
}

/**
 * Prints one figure as a `BENCH-RESULT {json}` line on stdout and returns whether it met its target, given as
 * exactly one of atLeast (value ≥), below (value <) or atMost (value ≤). A value that is not a number never meets it.
 */
export function benchResult(result: Omit<BenchResult, 'target' | 'met'> & { atLeast?: number; below?: number; atMost?: number }): boolean {
  const { atLeast, below, atMost, ...figure } = result;
  const given = [atLeast, below, atMost].filter((limit) => limit !== undefined);
  if (given.length !== 1) throw new Error(`${figure.figure}: give exactly one of atLeast, below, atMost`);
  const ok = Number.isFinite(figure.value);
  const [target, met] =
    atLeast !== undefined ? [`>= ${atLeast}`, ok && figure.value >= atLeast] : below !== undefined ? [`< ${below}`, ok && figure.value < below] : [`<= ${atMost}`, ok && figure.value <= atMost!];
  const line: BenchResult = { ...figure, value: ok ? figure.value : Number.NaN, target, met };
  process.stdout.write(`${benchResultPrefix}${JSON.stringify(line)}\n`);
  return met;
}

/**
 * The node flags `npm start` gives the server (package.json; test/e2e/cli-flags.test.ts checks they agree): V8's
 * young generation at two 8 MB semi-spaces, not 16, which measured the same throughput at 30 MB less peak RSS.
 */
export const serverNodeFlags = ['--max-semi-space-size=8'];

/** Builds the gateway as `npm start` does (compiled JavaScript, no TypeScript loader) and starts `satang serve` with `env`, with npm start's node flags. */
export async function startBuiltGateway(env: NodeJS.ProcessEnv, label: string, nodeArgs: string[] = []): Promise<{ child: ChildProcess; output: () => string; url: string }> {
  buildGateway();
  const { child, output, match } = await spawnAndWaitForLine(process.execPath, [...serverNodeFlags, ...nodeArgs, 'dist/cli.js', 'serve'], {
    cwd: repoRoot,
    env,
    match: /Satang is listening on (\S+)/,
    timeoutMs: 60_000,
    label,
  });
  return { child, output, url: match[1] };
}

/** 19 random base36 characters: the random part of the test keys a bench pins (SATANG_TEST_*_KEY). */
export function randomKeySuffix(): string {
  const alphabet = '0123456789abcdefghijklmnopqrstuvwxyz';
  let suffix = '';
  for (let i = 0; i < 19; i++) suffix += alphabet[randomInt(alphabet.length)];
  return suffix;
}

const clockTicksPerSecond = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;

/** utime + stime of a process (all threads), in ms, or stime alone with `kernelOnly`; null when it cannot be read. */
export function cpuTimeMs(pid: number, kernelOnly = false): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields[0] is field 3 (state)
    return (((kernelOnly ? 0 : Number(fields[11])) + Number(fields[12])) * 1000) / clockTicksPerSecond;
  } catch {
    return null;
  }
}

/**
 * CPU time (user + system, ms) of every process named `postgres` on this machine, with what the ones that
 * ended left in their parent's children's time (a backend's, once the postmaster reaped it). A machine-wide
 * figure: the benches' database is the machine's one cluster, which nothing else uses during a bench.
 */
export function postgresCpuTimeMs(): number {
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) !== 'postgres') continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    } catch {
      // The process ended meanwhile.
    }
  }
  return (ticks * 1000) / clockTicksPerSecond;
}

/** Busy CPU time of the whole machine (ms, all cores: /proc/stat's first line, every field but idle and iowait). */
export function machineBusyMs(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = fields;
  return ((user + nice + system + irq + softirq + steal) * 1000) / clockTicksPerSecond;
}

/** The gateway's extra node flags from a bench's --server-node-args (space-separated). */
export function nodeArgsOf(text: string | undefined): string[] {
  return (text ?? '').split(/\s+/).filter(Boolean);
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** Milliseconds on a clock that other processes on this machine share (the epoch), at sub-millisecond resolution. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * Another process's clock − ours (`nowMs`), from the one of 200 pings with the shortest round trip;
 * `ping` answers that process's `now`.
 */
export async function measureClockOffset(ping: () => Promise<number>): Promise<{ offsetMs: number; rttMs: number }> {
  let best = { offsetMs: 0, rttMs: Number.POSITIVE_INFINITY };
  for (let i = 0; i < 200; i++) {
    const sent = nowMs();
    const now = await ping();
    const back = nowMs();
    if (back - sent < best.rttMs) best = { offsetMs: now - (sent + back) / 2, rttMs: back - sent };
  }
  return best;
}

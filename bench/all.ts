/**
 * Every bench of issue 17's table, one after another (never two at once: each measures a machine it has to itself),
 * and one table of what they printed: figure, target, value, met or not met.
 *
 *   npm run bench:all
 *   node --import tsx bench/all.ts [--only=http,expiry,webhooks,dashboard,fanout] [--stores=sqlite,postgres]
 *     [--charges-dashboard=1000000] [--charges-expiry=1000000] [--database-url=postgres://...]
 *
 * The gateway is built once (`npm run build`), then each bench runs as its own process on that build
 * (BENCH_BUILT=1), once per store. A bench prints each figure it measures as one `BENCH-RESULT {json}` line
 * (bench/support.ts, benchResult): the figure, its value, its target and whether it met it; this script only
 * collects those lines, so every figure and target lives in its bench. A bench that exits non-zero or prints no
 * figure shows as "failed" in the table, and this script then exits 1 after printing it. Not meeting a target is
 * not a failure: the table says "not met".
 *
 * The benches' own output goes to stderr as they run; stdout gets the machine (cores, CPU model, node version, load
 * average at the start), the table, and the same table in markdown (README's Benchmarks section takes it as is).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { type BenchResult, benchResultPrefix, buildGateway, countLabel, log, repoRoot, runBench, track } from './support.js';

const benches = ['http', 'expiry', 'webhooks', 'dashboard', 'fanout'] as const;
type Bench = (typeof benches)[number];
const stores = ['sqlite', 'postgres'] as const;

const { values } = parseArgs({
  options: {
    only: { type: 'string', default: benches.join(',') },
    stores: { type: 'string', default: stores.join(',') },
    'charges-dashboard': { type: 'string', default: '1000000' },
    'charges-expiry': { type: 'string', default: '1000000' },
    'database-url': { type: 'string', default: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
  },
});
const list = (value: string) => value.split(',').map((item) => item.trim()).filter(Boolean);
const only = list(values.only!);
const chosenStores = list(values.stores!);
for (const name of only) if (!(benches as readonly string[]).includes(name)) throw new Error(`--only: no bench ${name} (${benches.join(', ')})`);
for (const name of chosenStores) if (!(stores as readonly string[]).includes(name)) throw new Error(`--stores: no store ${name} (${stores.join(', ')})`);
const dashboardCharges = Number(values['charges-dashboard']);
const expiryCharges = Number(values['charges-expiry']);
for (const [name, value] of [['charges-dashboard', dashboardCharges], ['charges-expiry', expiryCharges]] as const) {
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a whole number ≥ 1`);
}

/** What each bench is called with beyond its store: only sizes; its figures and targets are its own. */
function argsOf(bench: Bench): string[] {
  if (bench === 'dashboard') return [`--charges=${dashboardCharges}`];
  if (bench === 'expiry') return [`--charges=${expiryCharges}`];
  return [];
}

/** What a bench is called in the table when it printed nothing of its own. */
function labelOf(bench: Bench): string {
  if (bench === 'dashboard') return `dashboard at ${countLabel(dashboardCharges)} charges`;
  if (bench === 'expiry') return `expiry of ${countLabel(expiryCharges)} due charges`;
  return bench;
}

interface Run {
  bench: Bench;
  store: string;
  results: BenchResult[];
  exitCode: number | null;
  seconds: number;
  failure?: string;
}

/** Runs one bench, its output passed on to stderr, and keeps the BENCH-RESULT lines of its stdout. */
function runOne(bench: Bench, store: string): Promise<Run> {
  const args = ['--import', 'tsx', `bench/${bench}.ts`, ...argsOf(bench), ...(store === 'postgres' ? ['--postgres'] : [])];
  log(`${bench} (${store}): node ${args.join(' ')}`);
  const started = performance.now();
  const child = track(
    spawn(process.execPath, args, {
      cwd: repoRoot,
      env: { ...process.env, BENCH_BUILT: '1', BENCH_DATABASE_URL: values['database-url'] },
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  const results: BenchResult[] = [];
  let pending = '';
  let unreadable = 0;
  const take = (line: string) => {
    if (!line.startsWith(benchResultPrefix)) return;
    try {
      results.push(JSON.parse(line.slice(benchResultPrefix.length)) as BenchResult);
    } catch {
      unreadable++;
    }
  };
  child.stdout!.on('data', (chunk: Buffer) => {
    process.stderr.write(chunk);
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) take(line);
  });
  return new Promise((resolve) => {
    const finish = (exitCode: number | null, failure?: string) => {
      take(pending);
      pending = '';
      const seconds = (performance.now() - started) / 1000;
      if (!failure && exitCode !== 0) failure = `exited ${exitCode}`;
      if (!failure && unreadable > 0) failure = `${unreadable} unreadable BENCH-RESULT lines`;
      if (!failure && results.length === 0) failure = 'printed no figure';
      log(`${bench} (${store}): ${failure ?? 'done'} in ${seconds.toFixed(0)} s`);
      resolve({ bench, store, results, exitCode, seconds, failure });
    };
    child.once('error', (error) => finish(null, error.message));
    child.once('exit', (code, signal) => finish(code, signal ? `killed by ${signal}` : undefined));
  });
}

function machine(): string {
  let model = '?';
  try {
    model = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? '?';
  } catch {
    model = cpus()[0]?.model ?? '?';
  }
  return `${cpus().length} cores (${model}), node ${process.version}, load average at the start ${loadavg().map((n) => n.toFixed(2)).join(' ')}`;
}

type Row = [bench: string, store: string, figure: string, target: string, value: string, verdict: string];

function rowsOf(runs: Run[]): Row[] {
  const rows: Row[] = [];
  const number = (value: number) => (Number.isFinite(value) ? String(value) : '-');
  for (const run of runs) {
    for (const result of run.results) {
      const figure = result.note ? `${result.figure} (${result.note})` : result.figure;
      const unit = result.unit === 'x' || result.unit === '/s' ? result.unit : ` ${result.unit}`;
      // A bench that failed after printing a figure: the figure stands, the bench's failure gets a row of its own.
      rows.push([result.bench, result.store, figure, `${result.target}${unit}`, `${number(result.value)}${unit}`, result.met ? 'met' : 'not met']);
    }
    if (run.failure) rows.push([run.results[0]?.bench ?? labelOf(run.bench), run.store, `bench/${run.bench}.ts`, '-', '-', `failed (${run.failure})`]);
  }
  return rows;
}

function plainTable(rows: Row[]): string {
  const header: Row = ['bench', 'store', 'figure', 'target', 'value', 'met'];
  const all = [header, ...rows];
  const widths = header.map((_, column) => Math.max(...all.map((row) => row[column].length)));
  const line = (row: Row) => row.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd();
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)].join('\n');
}

function markdownTable(rows: Row[]): string {
  const escape = (cell: string) => cell.replace(/\|/g, '\\|');
  return [
    '| bench | store | figure | target | value | met |',
    '|---|---|---|---|---|---|',
    ...rows.map((row) => `| ${row.map(escape).join(' | ')} |`),
  ].join('\n');
}

async function main(): Promise<number> {
  const startedAt = new Date();
  const onMachine = machine();
  const started = performance.now();
  buildGateway();
  const runs: Run[] = [];
  for (const bench of benches) {
    if (!only.includes(bench)) continue;
    for (const store of chosenStores) runs.push(await runOne(bench, store));
  }
  const rows = rowsOf(runs);
  const minutes = (performance.now() - started) / 60_000;
  const lines = [
    '',
    `bench:all, ${startedAt.toISOString()}: ${onMachine}`,
    `load average at the end ${loadavg().map((n) => n.toFixed(2)).join(' ')}; ${minutes.toFixed(1)} min in all (${runs.map((run) => `${run.bench} ${run.store} ${Math.round(run.seconds)} s`).join(', ')})`,
    '',
    plainTable(rows),
    '',
    `Machine: ${onMachine}.`,
    '',
    markdownTable(rows),
    '',
  ];
  process.stdout.write(lines.join('\n'));
  const failed = runs.filter((run) => run.failure);
  if (failed.length > 0) {
    process.stdout.write(`failed: ${failed.map((run) => `${run.bench} (${run.store}): ${run.failure}`).join('; ')}\n`);
    return 1;
  }
  return 0;
}

await runBench(main);

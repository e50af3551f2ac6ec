/**
 * How fast `startSandbox` (satang/testing) is ready, as a merchant's test file meets it: in a fresh
 * Node process, from the compiled package (`npm run build` first, as `npm pack` does), the time to
 * import 'satang/testing' and the time from calling startSandbox() to its promise resolving (migrated
 * temporary SQLite database, keys, listening, webhook receiver registered), then a second sandbox in
 * the same process. Median and worst of --runs fresh processes (default 7). Target: start < 500 ms.
 *
 *   node --import tsx bench/sandbox-start.ts [--runs=7]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { log, repoRoot } from './support.js';

/** A fresh process that imports `specifier` (resolved from its working directory) and starts two sandboxes. */
const child = (specifier: string) => `
  const t0 = performance.now();
  const { startSandbox } = await import(${JSON.stringify(specifier)});
  const t1 = performance.now();
  const first = await startSandbox();
  const t2 = performance.now();
  const second = await startSandbox();
  const t3 = performance.now();
  await first.stop();
  await second.stop();
  console.log(JSON.stringify({ importMs: t1 - t0, startMs: t2 - t1, secondStartMs: t3 - t2 }));
`;

export interface SandboxStartSamples {
  importMs: number[];
  startMs: number[];
  secondStartMs: number[];
}

/** `count` fresh processes, each importing satang/testing from `specifier` in `cwd` (an installed project, or this checkout's dist). */
export async function measureSandboxStart(count: number, from = { cwd: repoRoot, specifier: join(repoRoot, 'dist', 'testing.js') }): Promise<SandboxStartSamples> {
  const samples: SandboxStartSamples = { importMs: [], startMs: [], secondStartMs: [] };
  for (let run = 0; run < count; run++) {
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', child(from.specifier)], { cwd: from.cwd, encoding: 'utf8', timeout: 60_000 });
    if (result.status !== 0) throw new Error(`the sandbox process failed: ${result.stderr}`);
    const sample = JSON.parse(result.stdout.trim().split('\n').at(-1)!);
    for (const key of Object.keys(samples) as (keyof typeof samples)[]) samples[key].push(sample[key]);
  }
  return samples;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const worst = (values: number[]) => Math.max(...values);

/** The lines both benches print. */
export function sandboxStartLines(samples: SandboxStartSamples): string[] {
  const line = (name: string, values: number[]) => `  ${name.padEnd(34)} median ${median(values).toFixed(0).padStart(4)} ms   worst ${worst(values).toFixed(0).padStart(4)} ms`;
  return [
    line("import 'satang/testing'", samples.importMs),
    `${line('startSandbox() until ready', samples.startMs)}   target < 500 ms: ${worst(samples.startMs) < 500 ? 'met' : 'NOT met'}`,
    line('a second startSandbox() after it', samples.secondStartMs),
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' } } });
  const runs = Number(values.runs);
  log('building dist');
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: repoRoot, stdio: 'inherit' });
  const samples = await measureSandboxStart(runs);
  console.log(`startSandbox, ${runs} fresh processes (Node ${process.version}, this checkout's compiled dist, temporary SQLite):`);
  for (const line of sandboxStartLines(samples)) console.log(line);
}

/**
 * Start-up benchmark: how long `npx satang serve` takes, installed from the packed tarball, from launch to the first
 * 200 from /healthz (asked every 10 ms from the moment of launch).
 *
 *   node --import tsx bench/startup.ts [--runs=7] [--project=DIR]
 *
 * One run:
 *  1. `npm pack` of this checkout (prepack compiles src/ to dist/) and `npm install` of the tarball into a new empty
 *     project (dependencies from the npm cache first; better-sqlite3 compiles: a minute or two), unless --project
 *     names a project that has it installed already;
 *  2. `--runs` times: `npx satang serve` on a new data directory (first start: migrations, the default account),
 *     stopped, then started again on that directory (a restart); then the restart once more without npx
 *     (node_modules/.bin/satang), to show what npx itself costs;
 *  3. prints the median (and min, max) of each, in ms.
 *
 *  4. `--runs` fresh Node processes in the installed project: `import('satang/testing')` and `startSandbox()` until
 *     it resolves (bench/sandbox-start.ts measures the same from this checkout's dist, without packing).
 * The project, the data directories and every gateway are removed on the way out, also on failure and on Ctrl-C.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type InstalledPackage, launchServe, packAndInstall } from '../test/support/package.js';
import { measureSandboxStart, sandboxStartLines } from './sandbox-start.js';
import { finalizers, log, percentile, runBench, tempDir } from './support.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' }, project: { type: 'string' } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a positive whole number');

function summary(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  return `median ${Math.round(percentile(sorted, 50))} ms (min ${Math.round(sorted[0])}, max ${Math.round(sorted.at(-1)!)})`;
}

async function main(): Promise<number> {
  let installed: InstalledPackage;
  if (values.project) {
    installed = { tarball: '', project: values.project, scratch: tempDir('startup'), remove: () => {} };
  } else {
    const started = performance.now();
    installed = packAndInstall(log);
    finalizers.push(async () => installed.remove());
    log(`packed and installed in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  const first: number[] = [];
  const restart: number[] = [];
  const withoutNpx: number[] = [];
  for (let run = 1; run <= runs; run++) {
    const dataDir = join(installed.scratch, `data-${run}`);
    for (const [samples, via] of [[first, 'npx'], [restart, 'npx'], [withoutNpx, 'bin']] as const) {
      const serve = await launchServe(installed, ['--data-dir', dataDir], { via });
      finalizers.push(serve.stop);
      samples.push(serve.readyMs);
      await serve.stop();
    }
    log(`run ${run}/${runs}: first start ${Math.round(first.at(-1)!)} ms, restart ${Math.round(restart.at(-1)!)} ms, without npx ${Math.round(withoutNpx.at(-1)!)} ms`);
  }
  console.log(`startup, npx satang serve from the installed tarball, launch to first /healthz 200 (${runs} runs, Node ${process.version}):`);
  console.log(`  first start (new data dir)   ${summary(first)}`);
  console.log(`  restart                      ${summary(restart)}`);
  console.log(`  restart without npx          ${summary(withoutNpx)}`);
  const sandbox = await measureSandboxStart(runs, { cwd: installed.project, specifier: 'satang/testing' });
  console.log(`startSandbox from the installed package, ${runs} fresh processes (temporary SQLite):`);
  for (const line of sandboxStartLines(sandbox)) console.log(line);
  return 0;
}

await runBench(main);

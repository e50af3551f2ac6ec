/**
 * Satang as a user gets it: `npm pack` of this checkout (prepack compiles src/ to dist/), the tarball installed into
 * a new empty project, and `npx satang ...` run there. Used by test/e2e/package.test.ts and bench/startup.ts.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The environment for npm and npx run from here: this process's, less what `npm test` put in it for this checkout
 * (npm_config_local_prefix would point a nested npm at the checkout; npm_package_*, npm_lifecycle_*), less the
 * checkout's node_modules/.bin on PATH. The npm settings a user or CI sets (cache, nodedir for Node's headers) stay.
 */
export function userEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  const keep = new Set(['npm_config_cache', 'npm_config_nodedir', 'npm_config_userconfig', 'npm_config_globalconfig']);
  for (const [name, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(name) && !keep.has(name.toLowerCase())) continue;
    if (name === 'INIT_CWD' || name === 'NODE') continue;
    env[name] = value;
  }
  const checkoutBins = join(repoRoot, 'node_modules', '.bin');
  env.PATH = (env.PATH ?? '')
    .split(delimiter)
    .filter((entry) => entry !== '' && !entry.startsWith(checkoutBins) && !entry.includes(`${join('node_modules', '@npmcli', 'run-script')}`))
    .join(delimiter);
  return { ...env, ...extra };
}

function run(command: string, args: string[], cwd: string, timeoutMs: number): string {
  const result = spawnSync(command, args, { cwd, env: userEnvironment(), encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} (in ${cwd}) failed: ${result.error ?? `exit ${result.status ?? result.signal}`}\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout;
}

export interface InstalledPackage {
  /** The tarball `npm pack` made. */
  tarball: string;
  /** The project it is installed in (node_modules/satang, node_modules/.bin/satang). */
  project: string;
  /** Scratch space beside it (data directories). */
  scratch: string;
  /** Deletes the tarball, the project and the scratch space. */
  remove(): void;
}

/**
 * Packs this checkout and installs the tarball into a new empty project: `npm i ./satang-<version>.tgz`, its
 * dependencies from the npm cache first (the registry only for what the cache lacks). better-sqlite3 compiles
 * there, so this takes a minute or two.
 */
export function packAndInstall(log: (line: string) => void = () => {}): InstalledPackage {
  const root = mkdtempSync(join(tmpdir(), 'satang-package-'));
  const remove = () => rmSync(root, { recursive: true, force: true });
  try {
    const packed = join(root, 'packed');
    const project = join(root, 'project');
    const scratch = join(root, 'scratch');
    for (const dir of [packed, project, scratch]) mkdirSync(dir);
    log('npm pack');
    run('npm', ['pack', '--pack-destination', packed, '--silent'], repoRoot, 300_000);
    const tarball = join(packed, readdirSync(packed).find((name) => name.endsWith('.tgz'))!);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'satang-user', version: '1.0.0', private: true }, null, 2) + '\n');
    log(`npm install ${tarball}`);
    run('npm', ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], project, 900_000);
    return { tarball, project, scratch, remove };
  } catch (error) {
    remove();
    throw error;
  }
}

/** A port nothing listens on right now (bound and released), for a process that is to be told one up front. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

export interface LaunchedServe {
  child: ChildProcess;
  url: string;
  /** Milliseconds from the spawn of `npx satang serve` to its first 200 from /healthz. */
  readyMs: number;
  /** Every /healthz status seen until then (0: no answer, the port not open yet). */
  statuses: number[];
  output(): string;
  /** Ends npx and the gateway under it (their process group), SIGKILL after a grace period. */
  stop(): Promise<void>;
}

/**
 * Starts `npx satang serve --port P ...args` in the installed project (or, `via: 'bin'`, node_modules/.bin/satang
 * without npx), in a process group of its own (npx does not pass signals on), and asks /healthz every 10 ms from the
 * moment of launch until it answers 200.
 */
export async function launchServe(installed: InstalledPackage, args: string[], options: { via?: 'npx' | 'bin'; timeoutMs?: number } = {}): Promise<LaunchedServe> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const port = await freePort();
  const serveArgs = ['serve', '--port', String(port), '--host', '127.0.0.1', ...args];
  const [command, commandArgs] =
    options.via === 'bin' ? [join(installed.project, 'node_modules', '.bin', 'satang'), serveArgs] : ['npx', ['--no-install', 'satang', ...serveArgs]];
  const startedAt = performance.now();
  const child = spawn(command, commandArgs, {
    cwd: installed.project,
    env: userEnvironment({ SATANG_LOG_LEVEL: 'warn' }),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let text = '';
  child.stdout!.on('data', (chunk) => (text += chunk));
  child.stderr!.on('data', (chunk) => (text += chunk));
  let exited = child.exitCode !== null;
  const exit = once(child, 'exit').then(() => (exited = true));
  const signalGroup = (signal: NodeJS.Signals | 0): boolean => {
    try {
      process.kill(-child.pid!, signal);
      return true;
    } catch {
      return false; // no process left in the group
    }
  };
  const stop = async () => {
    if (child.pid === undefined) return;
    signalGroup('SIGTERM');
    await Promise.race([exit, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    // npx and the gateway under it: both gone within the grace period, or killed.
    const deadline = performance.now() + 10_000;
    while (signalGroup(0) && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    signalGroup('SIGKILL');
  };
  const url = `http://127.0.0.1:${port}`;
  const statuses: number[] = [];
  try {
    while (true) {
      if (exited) throw new Error(`npx satang serve exited before /healthz answered 200:\n${text}`);
      if (performance.now() - startedAt > timeoutMs) throw new Error(`no 200 from /healthz within ${timeoutMs} ms:\n${text}`);
      const status = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) }).then(
        (response) => response.arrayBuffer().then(() => response.status),
        () => 0,
      );
      statuses.push(status);
      if (status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { child, url, readyMs: performance.now() - startedAt, statuses, output: () => text, stop };
}

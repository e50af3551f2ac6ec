/** Real gateway processes for tests: started with `satang serve`, killed in `after` (each test's, and the file's as a backstop). */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { dropSchema, inCi, postgresReady, postgresUrl } from './harness.js';
import { releaseAll } from './release.js';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const cli = ['--import', 'tsx', 'src/cli.ts'];

export interface GatewayProcess {
  child: ChildProcess;
  url: string;
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Waits for a child to exit; SIGKILL after `graceMs` if a softer signal did not end it. */
async function stopChild(child: ChildProcess, signal: NodeJS.Signals, graceMs = 10_000): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = once(child, 'exit');
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
  running.delete(child);
}

// A gateway a test started and never stopped (an assertion failed before its clean-up line)
// would keep this file's process alive (its pipes are open handles), so the 'exit' handler
// above would never run and the file would hang until the runner's timeout: stop them once
// the file's tests are done, pass or fail.
after(async () => {
  await Promise.all([...running].map((child) => stopChild(child, 'SIGKILL')));
});

export async function startGatewayProcess(env: Record<string, string>, timeoutMs = 30_000, args: string[] = []): Promise<GatewayProcess> {
  const child = spawn(process.execPath, [...cli, 'serve', ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', HOST: '127.0.0.1', SATANG_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let text = '';
  child.stdout!.on('data', (chunk) => (text += chunk));
  child.stderr!.on('data', (chunk) => (text += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Not left running behind the failure.
      void stopChild(child, 'SIGKILL');
      reject(new Error(`gateway did not start in ${timeoutMs} ms:\n${text}`));
    }, timeoutMs);
    const check = () => {
      const match = /Satang is listening on (http:\/\/\S+)/.exec(text);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code}:\n${text}`));
    });
  });
  return {
    child,
    url,
    output: () => text,
    kill: (signal = 'SIGKILL') => stopChild(child, signal),
  };
}

export function runCli(args: string[], env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [...cli, ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export async function api(url: string, key: string, init: { method?: string; json?: unknown } = {}): Promise<{ status: number; json: any }> {
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers: { authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}`, ...(init.json ? { 'content-type': 'application/json' } : {}) },
    body: init.json ? JSON.stringify(init.json) : undefined,
  });
  return { status: response.status, json: await response.json() };
}

/**
 * Runs `body` once per store for tests of real gateway processes: SQLite in a temp data
 * dir, PostgreSQL in a schema of its own (dropped afterwards). `env` is what a gateway or
 * `satang` command needs to use that store. Like describeEachStore, PostgreSQL blocks are
 * skipped with a message without a server, and fail under CI=true.
 */
export function describeEachStoreProcess(title: string, body: (env: Record<string, string>) => void, extraEnv: Record<string, string> = {}): void {
  for (const dialect of ['sqlite', 'postgres'] as const) {
    const name = `${title} [${dialect}]`;
    if (dialect === 'postgres' && !postgresReady) {
      if (inCi) test(name, () => assert.fail(`PostgreSQL is required under CI=true (${postgresUrl})`));
      else describe(name, { skip: `no PostgreSQL server at ${postgresUrl}` }, () => {});
      continue;
    }
    describe(name, () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'satang-process-'));
      const schema = `t_proc_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
      const env: Record<string, string> = {
        SATANG_DATA_DIR: dataDir,
        ...(dialect === 'postgres' ? { DATABASE_URL: postgresUrl, SATANG_DATABASE_SCHEMA: schema } : {}),
        ...extraEnv,
      };
      after(() =>
        releaseAll([
          ['the data dir', () => rmSync(dataDir, { recursive: true, force: true })],
          ['the schema', () => (dialect === 'postgres' ? dropSchema(schema) : undefined)],
        ]),
      );
      body(env);
    });
  }
}

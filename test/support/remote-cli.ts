/**
 * The `satang` command as a real process, without blocking this one (a test's own HTTP servers keep
 * answering while it runs): run to its end, or started and stopped by the test (a --follow).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { after } from 'node:test';
import { repoRoot } from './process.js';

export interface CliResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The environment a command gets: PATH and HOME, no proxies, and what the test gives. */
function environment(env: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env };
}

const running = new Set<ChildProcess>();
after(() => {
  for (const child of running) child.kill('SIGKILL');
});

export interface CliProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Waits until standard output or error (all of it so far) matches. */
  waitFor(stream: 'stdout' | 'stderr', pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Sends a signal and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<CliResult>;
  exited(): Promise<CliResult>;
}

export function startCli(args: string[], env: Record<string, string>): CliProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: repoRoot, env: environment(env), stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exit = once(child, 'close').then(([status, signal]) => {
    running.delete(child);
    return { status: status as number | null, signal: signal as NodeJS.Signals | null, stdout, stderr };
  });
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    async waitFor(stream, pattern, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(stream === 'stdout' ? stdout : stderr)) {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`satang ${args.join(' ')} exited before ${stream} matched ${pattern}:\n${stdout}\n${stderr}`);
        if (Date.now() > deadline) throw new Error(`satang ${args.join(' ')}: ${stream} did not match ${pattern} in ${timeoutMs} ms:\n${stdout}\n${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    async stop(signal = 'SIGINT') {
      child.kill(signal);
      return exit;
    },
    exited: () => exit,
  };
}

/** Runs a command to its end (60 s at most). */
export async function runCliAsync(args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<CliResult> {
  const cli = startCli(args, env);
  const timer = setTimeout(() => cli.child.kill('SIGKILL'), timeoutMs);
  try {
    return await cli.exited();
  } finally {
    clearTimeout(timer);
  }
}

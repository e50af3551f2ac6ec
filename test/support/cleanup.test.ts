/**
 * A failing test must fail at once, not hang the file until the runner's timeout: whatever a
 * test started (here a real gateway process) is released even when an assertion stops the
 * test before its own clean-up line.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, test } from 'node:test';
import { repoRoot } from './process.js';

const fixtureWaitMs = 90_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const started: number[] = [];
after(() => {
  for (const pid of started) if (alive(pid)) process.kill(pid, 'SIGKILL');
});

test('a test that fails after starting a gateway ends promptly as a failure and leaves no gateway running', async () => {
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT; // run it as a file of its own, not as a child of this runner
  const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', '--test-timeout=600000', 'test/fixtures/failing/gateway-then-assert.ts'], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const startedAt = Date.now();
  const code = await new Promise<number | null | 'hung'>((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve('hung');
    }, fixtureWaitMs);
    child.once('exit', (exitCode) => {
      clearTimeout(timer);
      resolve(exitCode);
    });
  });
  const pid = Number(/gateway pid (\d+)/.exec(output)?.[1]);
  if (pid) started.push(pid);
  assert.notEqual(code, 'hung', `the failing file was still running after ${fixtureWaitMs / 1000} s:\n${output}`);
  assert.equal(code, 1, output);
  assert.match(output, /failing on purpose/);
  assert.match(output, /# fail 1/);
  assert.ok(pid > 0, `the fixture started a gateway:\n${output}`);
  assert.equal(alive(pid), false, 'the gateway the failed test started was stopped');
  assert.ok(Date.now() - startedAt < fixtureWaitMs);
});

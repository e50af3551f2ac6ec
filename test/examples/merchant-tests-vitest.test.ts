/**
 * The merchant example's tests under Vitest, run from node:test so `npm test` prints one summary:
 * the same cases as examples/merchant-tests/shop.test.ts (shop-cases.ts, written once), each passing.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { shopTests } from '../../examples/merchant-tests/shop-cases.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The names shop-cases.ts defines, collected without running them. */
function definedCases(): string[] {
  const names: string[] = [];
  shopTests({ describe: (_name, body) => body(), test: (name) => names.push(name), beforeAll: () => {}, afterAll: () => {} });
  return names;
}

test('the merchant example passes under Vitest, every case of shop-cases.ts', { timeout: 120_000 }, async () => {
  const vitest = createRequire(join(root, 'package.json')).resolve('vitest/vitest.mjs');
  const env = { ...process.env };
  delete env.http_proxy;
  delete env.https_proxy;
  const run = await promisify(execFile)(process.execPath, [vitest, 'run', '--config', 'examples/merchant-tests/vitest.config.ts', '--reporter=json'], {
    cwd: root,
    env,
    timeout: 110_000,
    maxBuffer: 16 * 1024 * 1024,
  }).catch((error) => error as { stdout: string; stderr: string; code: number });
  const start = run.stdout.indexOf('{');
  assert.ok(start >= 0, `vitest printed no JSON report:\n${run.stdout}\n${run.stderr}`);
  const report = JSON.parse(run.stdout.slice(start));
  const results = report.testResults.flatMap((file: { assertionResults: { title: string; status: string; failureMessages: string[] }[] }) => file.assertionResults);
  const failed = results.filter((result: { status: string }) => result.status !== 'passed');
  assert.deepEqual(failed, [], 'every case passes under Vitest');
  assert.deepEqual(results.map((result: { title: string }) => result.title).sort(), definedCases().sort());
  assert.equal(report.success, true);
});

/**
 * README's curl walk-through runs as written: its script block, taken from README.md itself, run by
 * bash (errexit, pipefail) against a gateway on a random port, with BASE, PKEY and SKEY set as its
 * first block says. Each step prints what its comment promises.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { startSandbox, type Sandbox } from 'satang/testing';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

function walkthroughBlocks(): string[] {
  const section = readme.slice(readme.indexOf('## Walk-through with curl'), readme.indexOf('\n## ', readme.indexOf('## Walk-through with curl') + 5));
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]);
}

let sandbox: Sandbox;
let workDir: string;
before(async () => {
  sandbox = await startSandbox({ webhooks: false });
  workDir = mkdtempSync(join(tmpdir(), 'satang-walkthrough-'));
});
after(async () => {
  await sandbox?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

test('the first block names BASE, PKEY and SKEY, and nothing else', () => {
  const [setup] = walkthroughBlocks();
  assert.match(setup, /^export BASE=http:\/\/127\.0\.0\.1:4000 PKEY=pkey_test_\.\.\. SKEY=skey_test_\.\.\.\n$/);
});

test('the walk-through script runs on any port and does what its comments say', { timeout: 60_000 }, async () => {
  const [, script] = walkthroughBlocks();
  assert.ok(script, 'README has the walk-through script block');
  const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', script], {
    cwd: workDir,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, BASE: sandbox.url, PKEY: sandbox.publicKey, SKEY: sandbox.secretKey },
    timeout: 50_000,
  });
  const lines = stdout.trim().split('\n');
  const charge = /^charge (chrg_test_\w+) is pending$/.exec(lines[1]);
  assert.match(lines[0], /^source src_test_\w+$/);
  assert.ok(charge, lines[1]);
  assert.deepEqual(lines.slice(2, 5), ['400000', '1', '345678']);
  assert.match(lines[5], /^open http:\/\/127\.0\.0\.1:\d+\/payments\/pay2_test_\w+\/authorize/);
  assert.deepEqual(lines.slice(6, 9), ['successful', '384378', 'failed_processing']);
  assert.deepEqual(lines.slice(9, 11), ['384378', '1']);
  assert.equal(lines[11], 'charge.create');
  assert.equal(lines[12], 'true');
  assert.match(lines[13], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(lines[14], 'expired');
  assert.equal(lines.length, 15);
  // What the script did is what the API holds.
  const paid = await sandbox.request('GET', `/charges/${charge![1]}`);
  assert.equal(paid.status, 'successful');
  assert.equal(paid.metadata.order_id, '345678');
  assert.equal(paid.refunded_amount, 100_000);
});

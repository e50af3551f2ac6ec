/**
 * Satang as an npm package: `npm pack` makes a tarball of compiled JavaScript (no src/, no TypeScript compiler at
 * run time), it installs into an empty project, and `npx satang serve` there answers /healthz within 3 s of launch
 * and serves the API, the QR image, the hosted payment page, the dashboard and the client scripts; satang/testing's
 * startSandbox runs from it in plain Node.
 *
 * One pack and one install for the file (better-sqlite3 compiles during the install: a minute or two).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type InstalledPackage, launchServe, type LaunchedServe, packAndInstall, repoRoot, userEnvironment } from '../support/package.js';
import { releaseAll } from '../support/release.js';

const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

function npxSatang(installed: InstalledPackage, args: string[]) {
  return spawnSync('npx', ['--no-install', 'satang', ...args], { cwd: installed.project, env: userEnvironment(), encoding: 'utf8', timeout: 60_000 });
}

function basicAuth(key: string): string {
  return `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
}

describe('satang as an npm package', { timeout: 900_000 }, () => {
  let installed: InstalledPackage | undefined;
  const launched: LaunchedServe[] = [];

  before(() => {
    installed = packAndInstall();
  }, { timeout: 900_000 });

  after(() =>
    releaseAll([
      ['the gateways', () => Promise.all(launched.map((serve) => serve.stop()))],
      ['the temporary project', () => installed?.remove()],
    ]),
  );

  test('the tarball holds compiled JavaScript, declarations and the templates; no source, no compiler', () => {
    const listing = spawnSync('tar', ['-tzf', installed!.tarball], { encoding: 'utf8' }).stdout.split('\n');
    assert.ok(listing.includes('package/dist/cli.js'));
    assert.ok(listing.includes('package/dist/index.d.ts'));
    assert.ok(listing.includes('package/dist/web/templates/pay/authorize.eta'));
    assert.ok(listing.includes('package/bin/satang.js'));
    assert.deepEqual(listing.filter((path) => path.startsWith('package/src/') || (path.endsWith('.ts') && !path.endsWith('.d.ts'))), []);
    const modules = join(installed!.project, 'node_modules');
    assert.ok(existsSync(join(modules, 'satang', 'dist', 'cli.js')));
    assert.equal(existsSync(join(modules, 'tsx')), false, 'tsx is not installed with the package');
    assert.equal(existsSync(join(modules, 'typescript')), false, 'typescript is not installed with the package');
  });

  test('npx satang --version and --help', () => {
    const shown = npxSatang(installed!, ['--version']);
    assert.equal(shown.status, 0, shown.stderr);
    assert.equal(shown.stdout.trim(), version);
    const help = npxSatang(installed!, ['--help']);
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /usage: satang <command>/);
    assert.match(help.stdout, /--data-dir DIR/);
  });

  test('the package\'s exports load from an installed project', () => {
    const probe = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', "const m = await import('satang'); console.log(typeof m.verifyWebhook, typeof m.startGateway)"],
      { cwd: installed!.project, env: userEnvironment(), encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(probe.status, 0, probe.stderr);
    assert.equal(probe.stdout.trim(), 'function function');
    assert.ok(existsSync(join(installed!.project, 'node_modules', 'satang', 'dist', 'index.d.ts')));
  });

  test('satang/testing from the installed package: startSandbox, a charge paid, its webhook received', () => {
    const script = `
      import { startSandbox } from 'satang/testing';
      const sandbox = await startSandbox();
      try {
        const charge = await sandbox.request('POST', '/charges', { amount: 10000, currency: 'THB', source: { type: 'truemoney_qr' } });
        await sandbox.pay(charge.id, { fundingSource: 'wallet_balance' });
        const webhook = await sandbox.webhooks.waitFor('charge.complete', (w) => w.event.data.id === charge.id);
        console.log(webhook.event.data.status);
      } finally {
        await sandbox.stop();
      }`;
    const probe = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: installed!.project, env: userEnvironment(), encoding: 'utf8', timeout: 60_000 });
    assert.equal(probe.status, 0, probe.stderr);
    assert.equal(probe.stdout.trim(), 'successful');
    assert.ok(existsSync(join(installed!.project, 'node_modules', 'satang', 'dist', 'testing.d.ts')));
  });

  test('npx satang serve answers /healthz within 3 s of launch and serves a charge, its QR, its page and the dashboard', async () => {
    const dataDir = join(installed!.scratch, 'data');
    const serve = await launchServe(installed!, ['--data-dir', dataDir]);
    launched.push(serve);
    assert.ok(serve.readyMs < 3_000, `first 200 from /healthz ${Math.round(serve.readyMs)} ms after launch`);
    // Asked from the moment of launch: no answer yet, or 503 while starting, then 200; the process never fell over.
    assert.deepEqual(serve.statuses.filter((status) => status !== 0 && status !== 503 && status !== 200), []);
    assert.ok(existsSync(join(dataDir, 'satang.sqlite')), '--data-dir chose where the database is');

    const keys = /public key\s+(pkey_test_[0-9a-z]{19})[\s\S]*secret key\s+(skey_test_[0-9a-z]{19})/.exec(serve.output());
    assert.ok(keys, serve.output());
    const [, publicKey, secretKey] = keys;
    const post = async (path: string, key: string, body: object) => {
      const response = await fetch(`${serve.url}${path}`, {
        method: 'POST',
        headers: { authorization: basicAuth(key), 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: response.status, json: (await response.json()) as any };
    };
    const source = await post('/sources', publicKey, { amount: 12_345, currency: 'THB', type: 'truemoney_qr' });
    assert.equal(source.status, 200, JSON.stringify(source.json));
    const charge = await post('/charges', secretKey, { amount: 12_345, currency: 'THB', source: source.json.id });
    assert.equal(charge.status, 200, JSON.stringify(charge.json));
    assert.equal(charge.json.status, 'pending');

    const qr = await fetch(charge.json.source.scannable_code.image.download_uri);
    assert.equal(qr.status, 200);
    assert.equal(qr.headers.get('content-type'), 'image/png');
    assert.deepEqual([...new Uint8Array(await qr.arrayBuffer()).subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

    const page = await fetch(charge.json.authorize_uri);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(await page.text(), /123\.45/);

    for (const [path, type] of [
      ['/dashboard/signin', /^text\/html/],
      ['/simulator', /^text\/html/],
      ['/payments/assets/pay.js', /^application\/javascript/],
      ['/simulator/assets/simulator.js', /^application\/javascript/],
      ['/simulator/assets/jsqr.js', /^application\/javascript/],
    ] as const) {
      const response = await fetch(`${serve.url}${path}`);
      assert.equal(response.status, 200, path);
      assert.match(response.headers.get('content-type') ?? '', type, path);
      assert.ok((await response.text()).length > 100, path);
    }

    const accounts = npxSatang(installed!, ['accounts', 'list', '--data-dir', dataDir]);
    assert.equal(accounts.status, 0, accounts.stderr);
    assert.match(accounts.stdout, /acct_[0-9a-z]{19}\s+\*/);
    assert.match(accounts.stderr, new RegExp(`opened the SQLite database ${join(dataDir, 'satang.sqlite').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    await serve.stop();
  });
});

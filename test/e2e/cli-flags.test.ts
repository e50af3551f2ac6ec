/**
 * The `satang` command's own flags: --port, --host, --data-dir and --database-url win over PORT, HOST,
 * SATANG_DATA_DIR and DATABASE_URL; --version and --help; each admin command says on standard error which database
 * it opened (the SQLite file, or the URL without its password); `operators create` at a terminal does not show the
 * password; requests that arrive while `satang serve` starts are answered 503, never crash it.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { openStore } from '../../src/store/store.js';
import { findOperatorByEmail } from '../../src/store/operators.js';
import { verifyPassword } from '../../src/usecases/operators.js';
import { dropSchema, inCi, postgresReady, postgresUrl } from '../support/harness.js';
import { freePort } from '../support/package.js';
import { repoRoot, runCli, startGatewayProcess } from '../support/process.js';
import { releaseAll } from '../support/release.js';
import { serverNodeFlags } from '../../bench/support.js';

const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
const scratch = mkdtempSync(join(tmpdir(), 'satang-cli-flags-'));
const schema = `t_cli_flags_${process.pid}`;
after(() =>
  releaseAll([
    ['the scratch dir', () => rmSync(scratch, { recursive: true, force: true })],
    ['the schema', () => (postgresReady ? dropSchema(schema) : undefined)],
  ]),
);

let dirs = 0;
const newDir = () => join(scratch, `d${++dirs}`);
const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('satang --version, --help and bad flags', () => {
  test('--version prints package.json\'s version, from src/cli.ts and from bin/satang.js', () => {
    const fromSource = runCli(['--version'], {});
    assert.equal(fromSource.status, 0, fromSource.stderr);
    assert.equal(fromSource.stdout, `${version}\n`);
    const fromBin = spawnSync(process.execPath, ['bin/satang.js', '--version'], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
    assert.equal(fromBin.status, 0, fromBin.stderr);
    assert.equal(fromBin.stdout, `${version}\n`);
  });

  test('npm start runs the server with the node flags the benches measure it with', () => {
    const start = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).scripts.start as string;
    const run = /node ((?:--\S+ )*)dist\/cli\.js serve$/.exec(start);
    assert.ok(run, start);
    assert.deepEqual(run[1].trim().split(' ').filter(Boolean), serverNodeFlags);
  });

  test('--help prints the usage with the flags and exits 0', () => {
    const help = runCli(['--help'], {});
    assert.equal(help.status, 0, help.stderr);
    for (const flag of ['--port N', '--host ADDRESS', '--data-dir DIR', '--database-url', '--version']) assert.ok(help.stdout.includes(flag), flag);
  });

  test('an unknown flag, a bad --port and an empty --data-dir are refused with exit 2, naming the flag', () => {
    const unknown = runCli(['accounts', 'list', '--prot', '4000'], {});
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /Unknown option '--prot'/);
    const port = runCli(['serve', '--port', '70000'], { SATANG_DATA_DIR: newDir() });
    assert.equal(port.status, 2);
    assert.match(port.stderr, /--port\) must be a port number, not 70000/);
    const empty = runCli(['accounts', 'list', '--data-dir='], {});
    assert.equal(empty.status, 2);
    assert.match(empty.stderr, /--data-dir needs a value/);
  });
});

describe('flags win over the environment', () => {
  test('--data-dir over SATANG_DATA_DIR; the command says which SQLite file it opened', () => {
    const fromEnvironment = newDir();
    const fromFlag = newDir();
    const created = runCli(['accounts', 'create', '--name', 'Flag Shop', '--data-dir', fromFlag], { SATANG_DATA_DIR: fromEnvironment });
    assert.equal(created.status, 0, created.stderr);
    assert.match(created.stderr, new RegExp(`^satang: opened the SQLite database ${escaped(join(fromFlag, 'satang.sqlite'))}$`, 'm'));
    assert.ok(existsSync(join(fromFlag, 'satang.sqlite')));
    assert.equal(existsSync(fromEnvironment), false, 'the variable\'s directory is not touched');
    const listed = runCli(['accounts', 'list'], { SATANG_DATA_DIR: fromFlag });
    assert.match(listed.stdout, /Flag Shop/);
    assert.match(listed.stderr, /opened the SQLite database/);
  });

  test('serve: --port and --host over PORT and HOST, --data-dir over SATANG_DATA_DIR', async () => {
    const port = await freePort();
    const otherPort = await freePort();
    const dataDir = newDir();
    const gateway = await startGatewayProcess({ PORT: String(otherPort), HOST: '127.0.0.2', SATANG_DATA_DIR: newDir() }, 30_000, [
      '--port',
      String(port),
      '--host',
      '127.0.0.1',
      '--data-dir',
      dataDir,
    ]);
    try {
      assert.equal(gateway.url, `http://127.0.0.1:${port}`);
      assert.equal((await fetch(`${gateway.url}/healthz`)).status, 200);
      await assert.rejects(fetch(`http://127.0.0.2:${otherPort}/healthz`));
      assert.ok(existsSync(join(dataDir, 'satang.sqlite')));
    } finally {
      await gateway.kill('SIGTERM');
    }
  });

  const postgresTest = (name: string, body: () => void | Promise<void>) => {
    if (postgresReady) test(name, body);
    else if (inCi) test(name, () => assert.fail(`PostgreSQL is required under CI=true (${postgresUrl})`));
    else test(name, { skip: `no PostgreSQL server at ${postgresUrl}` }, () => {});
  };

  postgresTest('--database-url over DATABASE_URL; the URL is shown without its password, on success and on failure', () => {
    const flagUrl = new URL(postgresUrl);
    // Trust authentication (this project's machines) never asks for it; a server that does gets its own.
    if (flagUrl.password === '') flagUrl.password = 'flag-password-never-shown';
    const environmentUrl = 'postgres://nobody:environment-password-never-shown@127.0.0.1:1/nowhere';
    const migrated = runCli(['migrate', '--database-url', flagUrl.href], { DATABASE_URL: environmentUrl, SATANG_DATABASE_SCHEMA: schema });
    assert.equal(migrated.status, 0, migrated.stderr);
    const shown = new URL(flagUrl.href);
    shown.password = '';
    assert.match(migrated.stderr, new RegExp(`^satang: opened the PostgreSQL database ${escaped(shown.href)} \\(schema ${schema}\\)$`, 'm'));
    assert.ok(!(migrated.stdout + migrated.stderr).includes(decodeURIComponent(flagUrl.password)), 'the password is not printed');

    const failed = runCli(['accounts', 'list'], { DATABASE_URL: environmentUrl, SATANG_DATABASE_SCHEMA: schema });
    assert.equal(failed.status, 1);
    assert.match(failed.stderr, /could not open the PostgreSQL database postgres:\/\/nobody@127\.0\.0\.1:1\/nowhere/);
    assert.doesNotMatch(failed.stdout + failed.stderr, /environment-password-never-shown/);
  });
});

describe('satang serve while it starts', () => {
  test('/healthz asked from the moment of launch gets no answer or 503, then 200; the process stays up', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve', '--port', String(port), '--data-dir', newDir()], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', SATANG_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const exited = once(child, 'exit');
    try {
      const statuses: number[] = [];
      const deadline = Date.now() + 60_000;
      while (statuses.at(-1) !== 200) {
        assert.equal(child.exitCode, null, `the gateway exited while starting:\n${output}`);
        assert.ok(Date.now() < deadline, `no 200 within a minute:\n${output}`);
        // A few at once, so that some arrive in every moment of the start.
        const round = await Promise.all(
          Array.from({ length: 8 }, () => fetch(`http://127.0.0.1:${port}/healthz`).then((response) => response.arrayBuffer().then(() => response.status), () => 0)),
        );
        statuses.push(...round.sort());
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      assert.deepEqual(statuses.filter((status) => ![0, 503, 200].includes(status)), [], output);
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(child.exitCode, null, output);
      assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
});

const scriptPresent = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

describe('operators create at a terminal', { skip: scriptPresent ? false : 'no `script` (util-linux) to give the command a terminal' }, () => {
  /** Waits until `text` holds `pattern`, reading what `more` appends. */
  async function waitFor(read: () => string, pattern: RegExp, what: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(read())) {
      if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms:\n${read()}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  test('asks twice, shows nothing typed, and the password it stored is the one typed', async () => {
    const dataDir = newDir();
    const email = 'terminal@example.com';
    const password = 'typed at a terminal, never shown';
    // `script` runs the command on a pseudo-terminal of its own; what we write is what a person types.
    const command = `${process.execPath} --import tsx src/cli.ts operators create --email ${email}`;
    const child = spawn('script', ['-qec', command, '/dev/null'], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', SATANG_DATA_DIR: dataDir, TERM: 'dumb' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let screen = '';
    child.stdout.on('data', (chunk) => (screen += chunk));
    child.stderr.on('data', (chunk) => (screen += chunk));
    const exited = once(child, 'exit');
    try {
      await waitFor(() => screen, /Password \(at least 12 characters\): /, 'password prompt');
      child.stdin.write(`${password}\r`);
      await waitFor(() => screen, /The same password again: /, 'second prompt');
      child.stdin.write(`${password}\r`);
      await waitFor(() => screen, /created operator terminal@example\.com/, 'confirmation');
      const [code] = await exited;
      assert.equal(code, 0, screen);
    } finally {
      child.kill('SIGKILL');
    }
    assert.ok(!screen.includes(password), `the password was shown:\n${screen}`);
    assert.ok(!screen.includes('typed at'), `part of the password was shown:\n${screen}`);
    const store = await openStore({ dataDir });
    try {
      const operator = await findOperatorByEmail(store.read, email);
      assert.ok(operator);
      assert.equal(await verifyPassword(password, operator.password_hash), true);
    } finally {
      await store.close();
    }
  });

  test('two different passwords: nothing is created', async () => {
    const dataDir = newDir();
    const child = spawn('script', ['-qec', `${process.execPath} --import tsx src/cli.ts operators create --email two@example.com`, '/dev/null'], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', SATANG_DATA_DIR: dataDir, TERM: 'dumb' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let screen = '';
    child.stdout.on('data', (chunk) => (screen += chunk));
    const exited = once(child, 'exit');
    try {
      await waitFor(() => screen, /Password \(at least 12 characters\): /, 'password prompt');
      child.stdin.write('first password typed\r');
      await waitFor(() => screen, /The same password again: /, 'second prompt');
      child.stdin.write('second password typed\r');
      const [code] = await exited;
      assert.equal(code, 2, screen);
    } finally {
      child.kill('SIGKILL');
    }
    assert.match(screen, /the two passwords differ/);
    const list = runCli(['operators', 'list'], { SATANG_DATA_DIR: dataDir });
    assert.doesNotMatch(list.stdout, /two@example\.com/);
  });
});

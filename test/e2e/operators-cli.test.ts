/**
 * `satang operators` on the database: create with a role (the first an owner without --role, later
 * ones viewers), list with role and state, disable and enable, change a role (never the last
 * owner's), and a one-time reset link. Each command is a real process on a SQLite data dir.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { repoRoot } from '../support/process.js';

describe('satang operators', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'satang-operators-cli-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  function satang(args: string[], input?: string) {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', SATANG_DATA_DIR: dataDir, SATANG_SQLITE_SYNCHRONOUS: 'NORMAL', SATANG_PUBLIC_URL: 'https://pay.example.com' },
      input: input ?? '',
      encoding: 'utf8',
    });
    return { status: run.status, stdout: run.stdout, stderr: run.stderr };
  }
  const password = 'a long enough password\n';

  test('--help says what each role may do and the default', () => {
    const help = satang(['--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /operators create --email EMAIL \[--role owner\|operator\|viewer\]/);
    assert.match(help.stdout, /without --role the\s+first operator is an owner and later ones are viewers/);
    assert.match(help.stdout, /operators disable\|enable EMAIL/);
  });

  test('create: the first is an owner, later ones viewers unless --role says; a bad role is refused', () => {
    const first = satang(['operators', 'create', '--email', 'boss@example.com'], password);
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /created operator boss@example.com \(oper_\w+\), role owner/);
    const second = satang(['operators', 'create', '--email', 'clerk@example.com'], password);
    assert.match(second.stdout, /role viewer/);
    const third = satang(['operators', 'create', '--email', 'cashier@example.com', '--role', 'operator'], password);
    assert.match(third.stdout, /role operator/);
    const bad = satang(['operators', 'create', '--email', 'x@example.com', '--role', 'admin'], password);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--role must be owner, operator or viewer/);
  });

  test('list shows role and state; disable and enable change the state', () => {
    const list = satang(['operators', 'list']);
    assert.equal(list.status, 0, list.stderr);
    assert.match(list.stdout, /boss@example\.com\s+owner\s+active\s+2fa off/);
    assert.match(list.stdout, /clerk@example\.com\s+viewer\s+active/);
    assert.match(list.stdout, /cashier@example\.com\s+operator\s+active/);
    const disabled = satang(['operators', 'disable', 'Clerk@Example.com']);
    assert.equal(disabled.status, 0, disabled.stderr);
    assert.match(disabled.stdout, /disabled clerk@example\.com/);
    assert.match(satang(['operators', 'list']).stdout, /clerk@example\.com\s+viewer\s+disabled/);
    assert.equal(satang(['operators', 'enable', 'clerk@example.com']).status, 0);
    assert.match(satang(['operators', 'list']).stdout, /clerk@example\.com\s+viewer\s+active/);
    const unknown = satang(['operators', 'disable', 'nobody@example.com']);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /no operator nobody@example\.com/);
  });

  test('the last owner is neither disabled nor demoted; role changes otherwise', () => {
    const last = satang(['operators', 'disable', 'boss@example.com']);
    assert.notEqual(last.status, 0);
    assert.match(last.stderr, /the last owner cannot be disabled or lose the role/);
    assert.notEqual(satang(['operators', 'role', 'boss@example.com', '--role', 'viewer']).status, 0);
    const promoted = satang(['operators', 'role', 'cashier@example.com', '--role', 'owner']);
    assert.equal(promoted.status, 0, promoted.stderr);
    assert.match(satang(['operators', 'list']).stdout, /cashier@example\.com\s+owner/);
  });

  test('reset-link prints a one-time link on the public URL', () => {
    const link = satang(['operators', 'reset-link', 'clerk@example.com']);
    assert.equal(link.status, 0, link.stderr);
    assert.match(link.stdout, /^https:\/\/pay\.example\.com\/dashboard\/password\?token=[A-Za-z0-9_-]{43}\n/);
    assert.match(link.stdout, /works once/);
  });
});

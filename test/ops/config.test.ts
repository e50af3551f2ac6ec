import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { loadConfig } from '../../src/config.js';
import { openStore } from '../../src/store/store.js';
import { inCi, postgresReady, postgresUrl } from '../support/harness.js';

describe('operations configuration', () => {
  test('pool size, statement timeout, metrics token and shutdown timeout come from the environment', () => {
    const config = loadConfig({
      SATANG_DATABASE_POOL_SIZE: '25',
      SATANG_DATABASE_STATEMENT_TIMEOUT_MS: '5000',
      SATANG_METRICS_TOKEN: 'tok',
      SATANG_SHUTDOWN_TIMEOUT_MS: '1000',
    });
    assert.equal(config.databasePoolSize, 25);
    assert.equal(config.databaseStatementTimeoutMs, 5000);
    assert.equal(config.metricsToken, 'tok');
    assert.equal(config.shutdownTimeoutMs, 1000);
    const defaults = loadConfig({});
    assert.equal(defaults.databasePoolSize, 10);
    assert.equal(defaults.databaseStatementTimeoutMs, undefined);
    assert.equal(defaults.metricsToken, undefined);
    assert.throws(() => loadConfig({ SATANG_DATABASE_POOL_SIZE: 'many' }), /SATANG_DATABASE_POOL_SIZE must be a positive whole number/);
    assert.throws(() => loadConfig({ SATANG_DATABASE_STATEMENT_TIMEOUT_MS: '-1' }), /SATANG_DATABASE_STATEMENT_TIMEOUT_MS must be a positive whole number/);
  });

  test('SATANG_REQUEST_TIMEOUT_MS and SATANG_MAX_CONNECTIONS are positive whole numbers, 30 s and 10,000 by default', () => {
    const config = loadConfig({ SATANG_REQUEST_TIMEOUT_MS: '2000', SATANG_MAX_CONNECTIONS: '50' });
    assert.equal(config.requestTimeoutMs, 2000);
    assert.equal(config.maxConnections, 50);
    const defaults = loadConfig({});
    assert.equal(defaults.requestTimeoutMs, 30_000);
    assert.equal(defaults.maxConnections, 10_000);
    for (const bad of ['0', '-5', '1.5', 'soon', '1e3x']) {
      assert.throws(() => loadConfig({ SATANG_REQUEST_TIMEOUT_MS: bad }), /SATANG_REQUEST_TIMEOUT_MS must be a positive whole number/, bad);
      assert.throws(() => loadConfig({ SATANG_MAX_CONNECTIONS: bad }), /SATANG_MAX_CONNECTIONS must be a positive whole number/, bad);
    }
  });

  const pgTest = postgresReady ? test : inCi ? test : test.skip;
  pgTest(`a statement running longer than SATANG_DATABASE_STATEMENT_TIMEOUT_MS is cancelled${postgresReady ? '' : ` (no PostgreSQL at ${postgresUrl})`}`, async () => {
    assert.ok(postgresReady, `PostgreSQL is required under CI=true (${postgresUrl})`);
    const schema = `t_timeout_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    const dataDir = mkdtempSync(join(tmpdir(), 'satang-timeout-'));
    const store = await openStore({ dataDir, databaseUrl: postgresUrl, schema, poolSize: 2, statementTimeoutMs: 100 });
    try {
      await sql`select pg_sleep(0.01)`.execute(store.read);
      await assert.rejects(sql`select pg_sleep(1)`.execute(store.read), (error: { code?: string }) => error.code === '57014');
      // A unit of work that runs too long fails alone; nothing of it is committed.
      await assert.rejects(store.transaction(async (tx) => sql`select pg_sleep(1)`.execute(tx)), (error: { code?: string }) => error.code === '57014');
      assert.equal(await store.transaction(async () => 'next'), 'next');
    } finally {
      await store.close();
      const client = new pg.Client({ connectionString: postgresUrl });
      await client.connect();
      await client.query(`drop schema if exists ${schema} cascade`);
      await client.end();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

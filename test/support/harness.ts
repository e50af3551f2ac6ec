/**
 * Test harness: a gateway on each store (SQLite in a temp dir, PostgreSQL in a schema of
 * its own), with known keys, driven through HTTP. PostgreSQL tests skip with a visible
 * message when no server answers, except under CI=true, where they fail.
 */
import { findAccount } from '../../src/store/accounts.js';
import { saveProviderSettings } from '../../src/store/providers.js';
import type { ProviderSettings } from '../../src/store/schema.js';
import { SecretBox } from '../../src/provider/secrets.js';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AppOptions, buildApp, edgeFor } from '../../src/api/app.js';
import { Gateway } from '../../src/gateway.js';
import type { RequestLogSettings } from '../../src/jobs/request-log.js';
import type { WallClock } from '../../src/domain/clock.js';
import { openStore, type Store, type StoreDialect } from '../../src/store/store.js';
import { createAccount, ensureDefaultAccount, pinKey } from '../../src/usecases/accounts.js';
import { releaseAll } from './release.js';

export const postgresUrl = process.env.SATANG_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
export const inCi = process.env.CI === 'true';

let postgresAvailable: Promise<boolean> | undefined;
export function isPostgresAvailable(): Promise<boolean> {
  postgresAvailable ??= (async () => {
    const client = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.query('select 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => {});
    }
  })();
  return postgresAvailable;
}

export interface TestStore {
  store: Store;
  /** SQLite data dir, or PostgreSQL schema. */
  location: { dataDir: string; databaseUrl?: string; schema?: string };
  drop(): Promise<void>;
}

function uniqueName(label: string): string {
  return `${label.toLowerCase().replace(/[^a-z0-9]+/g, '_').slice(0, 30)}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
}

/** Drops a test's PostgreSQL schema; the connection is closed whatever happens. */
export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query(`drop schema if exists ${schema} cascade`);
  } finally {
    await client.end().catch(() => {});
  }
}

export async function openTestStore(dialect: StoreDialect, label: string): Promise<TestStore> {
  const dataDir = mkdtempSync(join(tmpdir(), 'satang-test-'));
  if (dialect === 'sqlite') {
    const store = await openStore({ dataDir, sqliteSynchronous: 'NORMAL' });
    await store.migrate();
    return {
      store,
      location: { dataDir },
      async drop() {
        await releaseAll([
          ['the store', () => store.close()],
          ['the data dir', () => rmSync(dataDir, { recursive: true, force: true })],
        ]);
      },
    };
  }
  const schema = `t_${uniqueName(label)}`;
  const store = await openStore({ dataDir, databaseUrl: postgresUrl, schema, poolSize: 5 });
  await store.migrate();
  return {
    store,
    location: { dataDir, databaseUrl: postgresUrl, schema },
    async drop() {
      await releaseAll([
        ['the store', () => store.close()],
        ['the schema', () => dropSchema(schema)],
        ['the data dir', () => rmSync(dataDir, { recursive: true, force: true })],
      ]);
    },
  };
}

export interface Keys {
  accountId: string;
  publicKey: string;
  secretKey: string;
  livePublicKey: string;
  liveSecretKey: string;
}

export interface Harness {
  dialect: StoreDialect;
  store: Store;
  /** The composition root the app runs on (src/gateway.ts). */
  gateway: Gateway;
  app: FastifyInstance;
  /** With `listen: true`, the port the app listens on (127.0.0.1); its public URL is http://127.0.0.1:PORT. */
  port: number;
  publicUrl: string;
  /** The default account's keys. */
  keys: Keys;
  /** A second, separate account. */
  other: Keys;
  request(options: RequestOptions): Promise<TestResponse>;
}

export interface RequestOptions {
  method?: string;
  url: string;
  /** The key for Basic auth ("key:"); omitted means no Authorization header. */
  key?: string;
  /** A JSON body (object) or a raw string body. */
  json?: unknown;
  form?: string;
  body?: string;
  headers?: Record<string, string>;
}

export interface TestResponse {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
  json: any;
  raw: Buffer;
}

export function basic(key: string, withColon = true): string {
  return `Basic ${Buffer.from(withColon ? `${key}:` : key).toString('base64')}`;
}

export async function injectRequest(app: FastifyInstance, options: RequestOptions): Promise<TestResponse> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.key) headers.authorization ??= basic(options.key);
  let payload: string | undefined;
  if (options.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    payload = JSON.stringify(options.json);
  } else if (options.form !== undefined) {
    headers['content-type'] ??= 'application/x-www-form-urlencoded';
    payload = options.form;
  } else if (options.body !== undefined) {
    payload = options.body;
  }
  const response = await app.inject({ method: (options.method ?? 'GET') as any, url: options.url, headers, payload });
  let json: any;
  try {
    json = JSON.parse(response.body);
  } catch {
    json = undefined;
  }
  return { status: response.statusCode, headers: response.headers, body: response.body, json, raw: response.rawPayload };
}

export async function makeKeys(store: Store, accountName?: string): Promise<Keys> {
  return store.transaction(async (tx) => {
    const created = accountName
      ? await createAccount(tx, { name: accountName, isDefault: false }, Date.now())
      : ((await ensureDefaultAccount(tx, Date.now())).created ?? null);
    if (!created) throw new Error('default account already existed');
    const test = created.keys.find((k) => k.mode === 'test')!;
    const live = created.keys.find((k) => k.mode === 'live')!;
    return { accountId: created.account.id, publicKey: test.publicKey, secretKey: test.secretKey, livePublicKey: live.publicKey, liveSecretKey: live.secretKey };
  });
}

export { pinKey };

/**
 * A live provider for an account, as `satang accounts scb` leaves it once SCB answered a token request, without
 * the network (the secret is sealed with a throwaway key): live charges can be made. Its biller id is the account's
 * unless given. Returns the settings saved.
 */
export async function withLiveProvider(store: Store, accountId: string, ref3Prefix = 'TST', billerId?: string): Promise<ProviderSettings> {
  const account = await findAccount(store.read, accountId);
  if (!account) throw new Error(`no account ${accountId}`);
  const now = Date.now();
  const settings: ProviderSettings = {
    account_id: accountId,
    provider: 'scb',
    application_key: 'l7test',
    application_secret_sealed: new SecretBox(randomBytes(32)).seal('test secret', accountId),
    biller_id: billerId ?? account.biller_id,
    ref3_prefix: ref3Prefix,
    callback_digest: randomBytes(32).toString('hex'),
    verified_at: now,
    created_at: now,
    updated_at: now,
  };
  await store.transaction((tx) => saveProviderSettings(tx, settings));
  return settings;
}

export interface TestGatewayOptions {
  wallClock?: WallClock;
  /** Background work this test runs (none by default: tests drive the sweep and the dispatcher themselves). */
  sweep?: boolean;
  dispatch?: boolean;
  webhookTimeoutMs?: number;
  webhookAllowPrivateTargets?: boolean;
  /** Listen on 127.0.0.1 (a free port) before the gateway is built, its public URL the bound address (clients that need a socket: the SDKs). */
  listen?: boolean;
  publicUrl?: string;
  /** The request log's bounds (small ones, to see them reached). */
  requestLog?: RequestLogSettings;
  /** Live mode through SCB: the emulator's URL and a secrets key. */
  scbBaseUrl?: string;
  secretsKey?: Buffer;
}

export interface TestGateway {
  gateway: Gateway;
  app: FastifyInstance;
  publicUrl: string;
  port: number;
  close(): Promise<void>;
}

/** A gateway and its app on a store, as `satang serve` builds them (a listening server only when asked). */
export async function startTestGateway(store: Store, options: TestGatewayOptions = {}): Promise<TestGateway> {
  let port = 0;
  let publicUrl = options.publicUrl ?? 'http://satang.test';
  let listening: AppOptions['listening'];
  let server: Server | undefined;
  if (options.listen) {
    const edge = edgeFor({});
    let handle: (request: IncomingMessage, response: ServerResponse) => void = (_request, response) => response.writeHead(503).end();
    server = edge.createServer((request, response) => handle(request, response));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    publicUrl = `http://127.0.0.1:${port}`;
    listening = { edge, server, bindHandler: (handler) => (handle = handler) };
  }
  const gateway = new Gateway({
    store,
    publicUrl,
    wallClock: options.wallClock,
    webhookTimeoutMs: options.webhookTimeoutMs,
    webhookAllowPrivateTargets: options.webhookAllowPrivateTargets,
    requestLog: options.requestLog,
    scbBaseUrl: options.scbBaseUrl,
    secretsKey: options.secretsKey,
  });
  const app = await buildApp(gateway, { listening });
  await app.ready();
  gateway.start({ sweep: options.sweep ?? false, dispatch: options.dispatch ?? false });
  return {
    gateway,
    app,
    publicUrl,
    port,
    async close() {
      server?.close();
      server?.closeAllConnections();
      await gateway.stop();
      await app.close();
    },
  };
}

/**
 * Runs `body` once per store. Each run gets a fresh store and app; `h` is filled in
 * before the tests of the block run.
 */
export function describeEachStore(title: string, body: (h: Harness) => void, options: TestGatewayOptions = {}): void {
  for (const dialect of ['sqlite', 'postgres'] as const) {
    const name = `${title} [${dialect}]`;
    if (dialect === 'postgres' && !postgresReady) {
      if (inCi) {
        test(name, () => assert.fail(`PostgreSQL is not reachable at ${postgresUrl}, and CI=true requires it`));
      } else {
        process.stderr.write(`# SKIPPING "${name}": no PostgreSQL server at ${postgresUrl}\n`);
        describe(name, { skip: `no PostgreSQL server at ${postgresUrl}` }, () => {});
      }
      continue;
    }
    describe(name, () => {
      const h = { dialect } as Harness;
      let testStore: TestStore | undefined;
      let running: TestGateway | undefined;
      before(async () => {
        testStore = await openTestStore(dialect, title);
        h.store = testStore.store;
        running = await startTestGateway(h.store, options);
        h.gateway = running.gateway;
        h.app = running.app;
        h.publicUrl = running.publicUrl;
        h.port = running.port;
        h.keys = await makeKeys(h.store);
        h.other = await makeKeys(h.store, 'Other merchant');
        h.request = (requestOptions) => injectRequest(h.app, requestOptions);
      });
      // Both run (and neither can hang the file) even when a test failed or one of them throws.
      after(() =>
        releaseAll([
          ['the app', () => running?.close()],
          ['the store', () => testStore?.drop()],
        ]),
      );
      body(h);
    });
  }
}

/**
 * A second gateway on the same PostgreSQL schema, with batches of its own, so its writes race the
 * harness app's in separate transactions (as two processes behind a load balancer do). On SQLite,
 * one writer: the same app.
 */
export async function secondGateway(h: Harness): Promise<{ request: (options: RequestOptions) => Promise<TestResponse>; close: () => Promise<void> }> {
  if (h.dialect === 'sqlite') return { request: h.request, close: async () => {} };
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(h.store.read);
  const dataDir = mkdtempSync(join(tmpdir(), 'satang-test-'));
  const store = await openStore({ dataDir, databaseUrl: postgresUrl, schema: rows[0].schema, poolSize: 8 });
  const second = await startTestGateway(store, { publicUrl: h.publicUrl });
  return {
    request: (options) => injectRequest(second.app, options),
    close: () =>
      releaseAll([
        ['the second app', () => second.close()],
        ['the second store', () => store.close()],
        ['its data dir', () => rmSync(dataDir, { recursive: true, force: true })],
      ]),
  };
}

/** Whether PostgreSQL answered when this module loaded. */
export const postgresReady = await isPostgresAvailable();

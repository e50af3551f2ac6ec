/**
 * Satang inside a merchant's test suite: `import { startSandbox } from 'satang/testing'`.
 *
 * A sandbox is a whole gateway in the test's own process: a temporary SQLite database (or the
 * PostgreSQL one given), listening on a free loopback port, with a test account whose keys are
 * made for it, and a webhook receiver that checks every delivery's signature. Its helpers drive a
 * charge to any outcome through the gateway's own API (the same routes and use cases a person uses),
 * so events and webhooks are exactly the real ones.
 *
 *   const sandbox = await startSandbox();
 *   sandbox.useWithOmise();                       // the official `omise` package now reaches it
 *   const charge = await omise.charges.create({ amount: 10000, currency: 'THB', source: { type: 'truemoney_qr' } });
 *   await sandbox.pay(charge.id, { fundingSource: 'wallet_balance' });
 *   const event = await sandbox.webhooks.waitFor('charge.complete');
 *   await sandbox.stop();
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http, { type ClientRequest, type IncomingHttpHeaders, type IncomingMessage, type RequestOptions, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from './config.js';
import { startGateway, type RunningGateway } from './server.js';
import { generateKey } from './usecases/accounts.js';
import { verifyWebhook } from './webhooks/signing.js';

/** The hosts of Omise's API and vault: what `useWithOmise` and `omiseEnv` send to the sandbox. */
export const omiseHosts = ['api.omise.co', 'vault.omise.co'] as const;

export interface SandboxOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Address to listen on; 127.0.0.1 by default. */
  host?: string;
  /** A PostgreSQL URL; by default a temporary SQLite database, deleted by `stop()`. */
  databaseUrl?: string;
  /** With `databaseUrl`: the PostgreSQL schema to use (made if missing), so parallel test files stay apart. */
  databaseSchema?: string;
  /** Keep the SQLite database here instead of a temporary directory (not deleted by `stop()`). */
  dataDir?: string;
  /** Register the built-in webhook receiver as an endpoint of the test account (default true). */
  webhooks?: boolean;
}

/** One webhook the receiver accepted: its signature was checked against the account's secret. */
export interface ReceivedWebhook {
  /** The event id (`evnt_test_…`); a redelivery carries the same id. */
  id: string;
  /** The event key, e.g. `charge.complete`. */
  key: string;
  /** The event object as delivered (`data` is the charge or refund). */
  event: { object: 'event'; id: string; key: string; data: any; [name: string]: unknown };
  headers: IncomingHttpHeaders;
  rawBody: string;
  receivedAt: Date;
}

export interface SandboxWebhooks {
  /** The receiver's URL (already registered as a webhook endpoint of the test account). */
  readonly url: string;
  /** Every delivery whose signature verified, in arrival order. */
  readonly events: readonly ReceivedWebhook[];
  /** Deliveries refused because their signature did not verify (should stay empty). */
  readonly rejected: readonly { reason: string; rawBody: string }[];
  /**
   * The first delivery (already received or still to come) of this event key that the predicate
   * accepts; rejects after `timeoutMs` (5 s by default) naming what did arrive.
   */
  waitFor(key: string, predicate?: (webhook: ReceivedWebhook) => boolean, timeoutMs?: number): Promise<ReceivedWebhook>;
  /** Forgets what was received. */
  clear(): void;
}

/** An Omise error answer from the sandbox's API, thrown by the helpers. */
export class SandboxApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message} (HTTP ${status})`);
    this.name = 'SandboxApiError';
  }
}

export type FundingSource = 'wallet_balance' | 'credit_card' | 'debit_card' | 'pay_later' | (string & {});

export interface Sandbox {
  /** The API base URL, e.g. `http://127.0.0.1:53117`. */
  readonly url: string;
  readonly port: number;
  /** The test account's keys. */
  readonly publicKey: string;
  readonly secretKey: string;
  readonly accountId: string;
  /** Where the SQLite database lives (a temporary directory unless `dataDir` was given); undefined on PostgreSQL. */
  readonly dataDir: string | undefined;
  readonly webhooks: SandboxWebhooks;
  /** The customer pays the charge (test mode `mark_as_paid`); answers the charge. */
  pay(chargeId: string, options?: { fundingSource?: FundingSource }): Promise<any>;
  /** The payment fails (`mark_as_failed`); answers the charge. */
  fail(chargeId: string): Promise<any>;
  /** The charge expires now (`POST /charges/:id/expire`); answers the charge. */
  expire(chargeId: string): Promise<any>;
  /** Moves the account's test clock forward; due charges expire and scripted outcomes run. Answers the clock. */
  advanceClock(seconds: number): Promise<{ now: string; offset_seconds: number }>;
  /** Deletes the account's test-mode data (charges, sources, events, ledger) and the received webhooks. */
  reset(): Promise<void>;
  /** Any API call with the secret key (or the public key): answers the parsed JSON, throws SandboxApiError. */
  request(method: string, path: string, params?: Record<string, unknown>, options?: { key?: 'secret' | 'public' }): Promise<any>;
  /**
   * Makes the official `omise` package in this process reach the sandbox: requests to api.omise.co and
   * vault.omise.co (http or https, through a proxy agent or not) go to the sandbox; every other host is
   * untouched. `stop()` undoes it.
   */
  useWithOmise(): void;
  /** Environment for a child process running an unchanged Omise integration: OMISE_SCHEME, http_proxy, no_proxy. */
  omiseEnv(): Record<string, string>;
  /** Stops the gateway and the receiver, undoes `useWithOmise`, deletes the temporary database. */
  stop(): Promise<void>;
}

// The sandbox's own calls go through the request function as it was when this module loaded.
const originalHttpRequest = http.request;

/** The sandbox whose `useWithOmise` currently owns the redirection (one at a time). */
let redirectOwner: object | undefined;

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const temporaryDir = options.databaseUrl || options.dataDir ? undefined : mkdtempSync(join(tmpdir(), 'satang-sandbox-'));
  const publicKey = generateKey('public', 'test');
  const secretKey = generateKey('secret', 'test');
  const config = {
    ...loadConfig({}),
    port: options.port ?? 0,
    host: options.host ?? '127.0.0.1',
    dataDir: options.dataDir ?? temporaryDir ?? './data',
    databaseUrl: options.databaseUrl,
    databaseSchema: options.databaseSchema,
    // A sandbox's data is thrown away; its commits need not wait for the disk.
    sqliteSynchronous: 'NORMAL' as const,
    testPublicKey: publicKey,
    testSecretKey: secretKey,
    webhookAllowPrivateTargets: true,
  };
  let running: RunningGateway;
  try {
    running = await startGateway(config, { logger: false, onFirstStart: () => {}, onSetupToken: () => {} });
  } catch (error) {
    if (temporaryDir) rmSync(temporaryDir, { recursive: true, force: true });
    throw error;
  }
  const connectHost = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const port = running.port;
  const url = running.url;

  const request = (method: string, path: string, params?: Record<string, unknown>, callOptions: { key?: 'secret' | 'public' } = {}) =>
    callApi({ host: connectHost, port }, callOptions.key === 'public' ? publicKey : secretKey, method, path, params);

  let accountId: string;
  let receiver: SandboxReceiver | undefined;
  try {
    accountId = (await running.gateway.keys.authenticate(`Basic ${Buffer.from(`${secretKey}:`).toString('base64')}`, 'secret')).accountId;
    receiver = await startReceiver(() => request('GET', '/webhook_secret'));
    if (options.webhooks !== false) await request('POST', '/webhook_endpoints', { url: receiver.url });
  } catch (error) {
    await receiver?.close();
    await running.close();
    if (temporaryDir) rmSync(temporaryDir, { recursive: true, force: true });
    throw error;
  }
  const webhookReceiver = receiver;

  let stopped = false;
  let undoRedirect: (() => void) | undefined;
  const self: Sandbox = {
    url,
    port,
    publicKey,
    secretKey,
    accountId,
    dataDir: config.databaseUrl ? undefined : config.dataDir,
    webhooks: webhookReceiver.webhooks,
    pay: (chargeId, payOptions = {}) =>
      request('POST', `/charges/${encodeURIComponent(chargeId)}/mark_as_paid`, payOptions.fundingSource ? { funding_source: payOptions.fundingSource } : {}),
    fail: (chargeId) => request('POST', `/charges/${encodeURIComponent(chargeId)}/mark_as_failed`),
    expire: (chargeId) => request('POST', `/charges/${encodeURIComponent(chargeId)}/expire`),
    advanceClock: (seconds) => {
      if (!Number.isInteger(seconds) || seconds <= 0) return Promise.reject(new RangeError('advanceClock takes a positive whole number of seconds'));
      return request('POST', '/test/clock/advance', { seconds });
    },
    async reset() {
      await request('POST', '/test/reset');
      // Deliveries already on their way when the data went are let finish, then forgotten with the rest.
      await running.gateway.webhooks.drain();
      webhookReceiver.webhooks.clear();
    },
    request,
    useWithOmise() {
      if (stopped) throw new Error('this sandbox is stopped');
      if (redirectOwner === self) return;
      if (redirectOwner) throw new Error('another sandbox already redirects the omise package; stop it first');
      redirectOwner = self;
      undoRedirect = redirectOmiseHosts({ host: connectHost, port });
    },
    omiseEnv: () => ({
      OMISE_SCHEME: 'http',
      // The SDK tunnels through the proxy with CONNECT api.omise.co:443, which Satang answers itself.
      http_proxy: `http://${connectHost.includes(':') ? `[${connectHost}]` : connectHost}:${port}`,
      // Whatever else the child reads http_proxy for stays off the proxy on loopback.
      no_proxy: 'localhost,127.0.0.1,::1',
    }),
    async stop() {
      if (stopped) return;
      stopped = true;
      if (redirectOwner === self) {
        undoRedirect?.();
        redirectOwner = undefined;
      }
      await running.close();
      await webhookReceiver.close();
      if (temporaryDir) rmSync(temporaryDir, { recursive: true, force: true });
    },
  };
  return self;
}

// ---------------------------------------------------------------------------------------------
// The sandbox's own API calls (JSON over loopback, through the unredirected http.request).

interface Target {
  host: string;
  port: number;
}

function callApi(target: Target, key: string, method: string, path: string, params?: Record<string, unknown>): Promise<any> {
  const body = params && method !== 'GET' && method !== 'DELETE' ? JSON.stringify(params) : undefined;
  const query = params && (method === 'GET' || method === 'DELETE') ? new URLSearchParams(params as Record<string, string>).toString() : '';
  return new Promise((resolve, reject) => {
    const request = originalHttpRequest(
      {
        host: target.host,
        port: target.port,
        method,
        path: query ? `${path}?${query}` : path,
        headers: {
          authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: any;
          try {
            json = JSON.parse(text);
          } catch {
            reject(new SandboxApiError(response.statusCode ?? 0, 'invalid_response', text.slice(0, 200)));
            return;
          }
          if (json?.object === 'error') reject(new SandboxApiError(response.statusCode ?? 0, json.code, json.message));
          else resolve(json);
        });
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

// ---------------------------------------------------------------------------------------------
// The webhook receiver.

interface SandboxReceiver {
  url: string;
  webhooks: SandboxWebhooks;
  close(): Promise<void>;
}

/** How much of a delivery the receiver reads (Satang's own events are a few KiB). */
const receiverBodyMaxBytes = 1024 * 1024;

async function startReceiver(fetchSecret: () => Promise<{ secret: string }>): Promise<SandboxReceiver> {
  const events: ReceivedWebhook[] = [];
  const rejected: { reason: string; rawBody: string }[] = [];
  const waiters = new Set<{ key: string; predicate: (webhook: ReceivedWebhook) => boolean; resolve: (webhook: ReceivedWebhook) => void }>();
  let secrets: string[] | undefined;
  const currentSecrets = async (refresh: boolean) => {
    if (!secrets || refresh) {
      const answer = await fetchSecret();
      // During a roll's overlap each delivery carries a signature by the current secret too.
      secrets = [answer.secret];
    }
    return secrets;
  };

  const accept = async (request: IncomingMessage, response: ServerResponse, rawBody: string) => {
    let verdict = verifyWebhook({ secret: await currentSecrets(false), headers: request.headers, rawBody });
    // The secret may have been rolled since it was read: read it again once.
    if (!verdict.ok) verdict = verifyWebhook({ secret: await currentSecrets(true), headers: request.headers, rawBody });
    if (!verdict.ok) {
      rejected.push({ reason: verdict.reason, rawBody });
      response.writeHead(400, { 'content-type': 'text/plain' }).end(verdict.reason);
      return;
    }
    let event: ReceivedWebhook['event'];
    try {
      event = JSON.parse(rawBody);
    } catch {
      rejected.push({ reason: 'the body is not JSON', rawBody });
      response.writeHead(400, { 'content-type': 'text/plain' }).end('not JSON');
      return;
    }
    const webhook: ReceivedWebhook = { id: event.id, key: event.key, event, headers: request.headers, rawBody, receivedAt: new Date() };
    events.push(webhook);
    response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    for (const waiter of waiters) {
      if (waiter.key === webhook.key && waiter.predicate(webhook)) {
        waiters.delete(waiter);
        waiter.resolve(webhook);
      }
    }
  };

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > receiverBodyMaxBytes) {
        response.writeHead(413).end();
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      accept(request, response, Buffer.concat(chunks).toString('utf8')).catch((error) => {
        rejected.push({ reason: `the receiver failed: ${String(error)}`, rawBody: '' });
        if (!response.headersSent) response.writeHead(500).end();
      });
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`;

  const webhooks: SandboxWebhooks = {
    url,
    events,
    rejected,
    waitFor(key, predicate = () => true, timeoutMs = 5000) {
      const found = events.find((webhook) => webhook.key === key && predicate(webhook));
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const waiter = {
          key,
          predicate,
          resolve: (webhook: ReceivedWebhook) => {
            clearTimeout(timer);
            resolve(webhook);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          const seen = events.map((webhook) => `${webhook.key} ${webhook.id}`).join(', ') || 'none';
          reject(new Error(`no ${key} webhook${predicate.length ? ' matching the predicate' : ''} within ${timeoutMs} ms (received: ${seen})`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    clear() {
      events.length = 0;
      rejected.length = 0;
    },
  };
  return {
    url,
    webhooks,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// Sending the omise package's requests to the sandbox.

type RequestFunction = typeof http.request;

function isOmiseHost(host: unknown): boolean {
  if (typeof host !== 'string') return false;
  // `host` may carry a port ("api.omise.co:443"); WHATWG URL splits it.
  let hostname: string;
  try {
    hostname = new URL(`http://${host}`).hostname;
  } catch {
    return false;
  }
  return (omiseHosts as readonly string[]).includes(hostname.toLowerCase());
}

/**
 * Wraps http.request/https.request (and get) as they are now (another library may have wrapped them
 * already: https-proxy-agent does): a request for an Omise host becomes a plain HTTP request to the
 * sandbox, with the Host header the SDK meant (the gateway tells the API from the vault by it) and
 * without any proxy agent; every other request is passed to the function that was there before.
 * Returns the undo: the functions that were there come back, unless something has wrapped ours
 * since, in which case ours only stops redirecting (taking it out would take that wrapper out too).
 */
function redirectOmiseHosts(target: Target): () => void {
  const modules = [
    [http, 'request', false],
    [http, 'get', true],
    [https, 'request', false],
    [https, 'get', true],
  ] as const;
  let active = true;
  const installed = modules.map(([module, name, ending]) => {
    const passThrough = module[name] as RequestFunction;
    const redirected = function (this: unknown, ...args: any[]): ClientRequest {
      const rewritten = active ? rewriteForSandbox(args, target) : undefined;
      if (!rewritten) return (passThrough as any).apply(this, args);
      const request = originalHttpRequest(rewritten.options, rewritten.callback);
      if (ending) request.end();
      return request;
    };
    (module as any)[name] = redirected;
    return { module, name, passThrough, redirected };
  });
  return () => {
    active = false;
    for (const { module, name, passThrough, redirected } of installed) {
      if ((module as any)[name] === redirected) (module as any)[name] = passThrough;
    }
  };
}

function rewriteForSandbox(args: any[], target: Target): { options: RequestOptions; callback?: (response: IncomingMessage) => void } | undefined {
  let options: RequestOptions;
  let callback: ((response: IncomingMessage) => void) | undefined;
  const [first, second, third] = args;
  if (typeof first === 'string' || first instanceof URL) {
    const url = new URL(first);
    const extra = typeof second === 'object' && second !== null ? (second as RequestOptions) : {};
    callback = typeof second === 'function' ? second : third;
    options = { ...extra, host: url.host, path: `${url.pathname}${url.search}` };
  } else if (typeof first === 'object' && first !== null) {
    options = first as RequestOptions;
    callback = second;
  } else {
    return undefined;
  }
  const host = options.hostname ?? options.host;
  if (!isOmiseHost(host)) return undefined;
  const hostname = new URL(`http://${host}`).hostname;
  const headers = { ...(options.headers as Record<string, unknown> | undefined) } as Record<string, any>;
  if (!Object.keys(headers).some((name) => name.toLowerCase() === 'host')) headers.host = hostname;
  return {
    options: {
      method: options.method,
      path: options.path,
      headers,
      host: target.host,
      port: target.port,
      agent: undefined,
      timeout: options.timeout,
      signal: options.signal,
    },
    callback,
  };
}

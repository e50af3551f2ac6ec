/**
 * Starting a gateway: open the store, migrate, make sure the default account exists,
 * listen. Used by `satang serve` and by tests that want a real server.
 */
import type { FastifyInstance } from 'fastify';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { buildApp, edgeFor } from './api/app.js';
import { OmiseError } from './domain/errors.js';
import { Gateway } from './gateway.js';
import { type Config, publicUrlFor } from './config.js';
import { lockAccountSetup } from './store/accounts.js';
import { openStore, type Store, type StoreOptions } from './store/store.js';
import { ensureDefaultAccount, type NewAccount, pinKey } from './usecases/accounts.js';
import { issueSetupToken } from './usecases/operators.js';

export interface RunningGateway {
  app: FastifyInstance;
  gateway: Gateway;
  store: Store;
  /** The public URL (SATANG_PUBLIC_URL, or the bound address). */
  url: string;
  /** Where this process listens: what a load balancer's upstream names. */
  boundUrl: string;
  port: number;
  close(): Promise<void>;
}

export function storeOptionsFor(config: Config): StoreOptions {
  return {
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    schema: config.databaseSchema,
    sqliteSynchronous: config.sqliteSynchronous,
    poolSize: config.databasePoolSize,
    statementTimeoutMs: config.databaseStatementTimeoutMs,
  };
}

export async function openConfiguredStore(config: Config): Promise<Store> {
  const store = await openStore(storeOptionsFor(config));
  await store.migrate();
  return store;
}

/** Creates the default account on first start and applies SATANG_TEST_*_KEY; returns a new account's keys. */
export async function prepareAccounts(store: Store, config: Config): Promise<NewAccount | null> {
  return store.transaction(async (tx) => {
    await lockAccountSetup(tx);
    const nowMs = Date.now();
    const { account, created } = await ensureDefaultAccount(tx, nowMs);
    if (config.testPublicKey) await pinKey(tx, account.id, config.testPublicKey, nowMs);
    if (config.testSecretKey) await pinKey(tx, account.id, config.testSecretKey, nowMs);
    return created;
  });
}

export function firstStartBanner(created: NewAccount, config: Config): string {
  const test = created.keys.find((pair) => pair.mode === 'test')!;
  const lines = [
    '',
    '  Satang: a default merchant account was created. Its test keys are shown this once:',
    `    account      ${created.account.id}`,
    `    public key   ${config.testPublicKey ?? test.publicKey}`,
    `    secret key   ${config.testSecretKey ? '(from SATANG_TEST_SECRET_KEY)' : test.secretKey}`,
    '  Keep the secret key; only its digest is stored. `satang keys roll` makes new ones.',
    '',
  ];
  return lines.join('\n') + '\n';
}

/** The line that tells the first operator where to set up the dashboard (the token works once). */
export function setupLine(url: string, token: string): string {
  return `Satang: no dashboard operator yet. Create the first one at ${url}/dashboard/setup?token=${token} (one-time link, valid for an hour; a restart prints a new one and retires this one), or run \`satang operators create --email EMAIL\`.\n`;
}

/** What answers a request that arrives between listening and the app being ready: 503, come back in a second. */
function startingHandler(_request: IncomingMessage, response: ServerResponse): void {
  const body = JSON.stringify(new OmiseError('service_unavailable', 'the gateway is starting; try again in a moment').toJSON());
  response.writeHead(503, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), 'retry-after': '1', connection: 'close' });
  response.end(body);
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

/**
 * Starts a gateway process's work: the store (migrated, the default account there), the server
 * listening (first, so the public URL is known when PORT=0 picks the port), the gateway built on
 * that URL, the HTTP app on the gateway, then the background work.
 */
export async function startGateway(
  config: Config,
  options: { logger?: Logger | false; onFirstStart?: (banner: string) => void; onSetupToken?: (line: string) => void } = {},
): Promise<RunningGateway> {
  const store = await openConfiguredStore(config);
  const created = await prepareAccounts(store, config);
  if (created) (options.onFirstStart ?? ((banner) => process.stdout.write(banner)))(firstStartBanner(created, config));
  const edge = edgeFor(config);
  let handle: (request: IncomingMessage, response: ServerResponse) => void = startingHandler;
  let appHandler: typeof handle | undefined;
  const server = edge.createServer((request, response) => handle(request, response));
  const port = await listen(server, config.port, config.host);
  const url = publicUrlFor(config, port);
  const gateway = new Gateway({
    store,
    publicUrl: url,
    log: options.logger || undefined,
    webhookTimeoutMs: config.webhookTimeoutMs,
    webhookConcurrency: config.webhookConcurrency,
    webhookAllowPrivateTargets: config.webhookAllowPrivateTargets,
    scbBaseUrl: config.scbBaseUrl,
    secretsKey: config.secretsKey,
  });
  const app = await buildApp(gateway, {
    logger: options.logger,
    metricsToken: config.metricsToken,
    trustProxy: config.trustProxy,
    listening: { edge, server, bindHandler: (handler) => (appHandler = handler) },
  });
  await app.ready();
  // Fastify hands its handler over when the app is made, but may route requests only once it is ready: until then
  // they keep getting the 503 (a request in between crashed the process).
  handle = appHandler!;
  gateway.start();
  const setupToken = await gateway.changes.system((tx) => issueSetupToken(tx, gateway.wall.nowMs()));
  if (setupToken) (options.onSetupToken ?? ((line) => process.stdout.write(line)))(setupLine(url, setupToken));
  const boundHost = config.host.includes(':') ? `[${config.host}]` : config.host;
  return {
    app,
    gateway,
    store,
    url,
    boundUrl: `http://${boundHost}:${port}`,
    port,
    async close() {
      server.close();
      server.closeAllConnections();
      await gateway.stop();
      await app.close();
      await store.close();
    },
  };
}

/**
 * Graceful shutdown (SIGTERM): /readyz turns 503, the listener closes and idle keep-alive
 * connections with it, listeners' event streams end, in-flight requests finish and are answered; the expiry sweep
 * finishes its batch and stops; the webhook dispatcher hands back claimed jobs it has not
 * started (their leases released) and waits for the deliveries in flight to be recorded;
 * then the store closes after its last commit. Past `timeoutMs` the process gives up.
 */
export async function shutDownGracefully(gateway: RunningGateway, timeoutMs: number, log: (message: string) => void): Promise<number> {
  gateway.app.ops.draining = true;
  log('Satang is shutting down: finishing in-flight requests and deliveries');
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const closed = (async () => {
    // No new connections; idle keep-alive connections close now (the server's own close
    // callback is not awaited: it fires only when every connection has gone).
    gateway.app.server.close();
    gateway.app.server.closeIdleConnections();
    // Listeners' streams (`satang listen`) never end by themselves: they end now, their deliveries not yet
    // acknowledged handed back, and the CLIs reconnect (to another process, or this one restarted).
    await gateway.gateway.listeners.closeAll();
    // Requests already received are answered, and their work committed, first; then the background work stops.
    await gateway.app.ops.whenIdle();
    await gateway.gateway.stop();
    await gateway.app.close();
    await gateway.store.close();
  })().then(
    () => 'closed' as const,
    (error) => {
      log(`shutdown failed: ${String(error)}`);
      return 'failed' as const;
    },
  );
  const result = await Promise.race([closed, timedOut]);
  clearTimeout(timer);
  if (result === 'timeout') log(`shutdown did not finish within ${timeoutMs} ms; exiting anyway`);
  else if (result === 'closed') log('Satang stopped');
  return result === 'closed' ? 0 : 1;
}

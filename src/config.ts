import { secretsKeyFrom } from './provider/secrets.js';
import { connectionsMaxDefault, requestTimeoutMsDefault } from './domain/limits.js';

/** Configuration, from the environment (names fixed by the foundation issue) and the command line's flags for some of it. */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  publicUrl: string;
  databaseUrl: string | undefined;
  databaseSchema: string | undefined;
  testPublicKey: string | undefined;
  testSecretKey: string | undefined;
  sqliteSynchronous: 'FULL' | 'NORMAL';
  logLevel: string;
  webhookTimeoutMs: number;
  webhookConcurrency: number;
  webhookAllowPrivateTargets: boolean;
  /** PostgreSQL connections per process. */
  databasePoolSize: number;
  /** PostgreSQL statement_timeout; undefined: none. */
  databaseStatementTimeoutMs: number | undefined;
  /** Bearer token /metrics asks for; undefined: open (bind to a private network). */
  metricsToken: string | undefined;
  /** Which peers may set X-Forwarded-For (Fastify's trustProxy): false, true, a hop count, or addresses/CIDRs. */
  trustProxy: boolean | number | string;
  /** How long a SIGTERM waits for in-flight requests and deliveries before exiting anyway. */
  shutdownTimeoutMs: number;
  /** A request (headers and body) not received whole within this is answered 408 and closed. */
  requestTimeoutMs: number;
  /** Connections beyond this many open ones are refused at accept. */
  maxConnections: number;
  /** SCB's partner API (live mode, DECISIONS §11): SATANG_SCB_BASE_URL, SCB's sandbox unless set (the emulator's URL on a laptop). */
  scbBaseUrl: string;
  /** SATANG_SECRETS_KEY: seals provider secrets at rest; without it live mode cannot be configured. */
  secretsKey: Buffer | null;
}

/** SCB's sandbox (live-provider-scb.md); production's base URL is SCB's to give a merchant. */
export const scbSandboxBaseUrl = 'https://api-sandbox.partners.scb/partners/sandbox';

function httpUrl(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`${name} must be an http(s) URL, not ${text}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`${name} must be an http(s) URL, not ${text}`);
  return url.href.replace(/\/+$/, '');
}

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${name} must be a positive whole number, not ${text}`);
  return value;
}

/**
 * SATANG_TRUST_PROXY: unset or `false` trusts no proxy (the client address is the peer's); `true` trusts every
 * X-Forwarded-For hop; a number trusts that many hops; otherwise a comma-separated list of addresses or CIDRs
 * (for instance `127.0.0.1` when nginx runs on the same machine).
 */
export function parseTrustProxy(text: string | undefined): boolean | number | string {
  const value = (text ?? '').trim();
  if (value === '' || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  const parts = value.split(',').map((part) => part.trim());
  if (parts.some((part) => !/^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(part))) {
    throw new Error(`SATANG_TRUST_PROXY must be true, false, a hop count or addresses/CIDRs, not ${value}`);
  }
  return parts.join(',');
}

/** The command line's flags that stand for variables: a flag given wins over its variable. */
export const configFlags = {
  port: 'PORT',
  host: 'HOST',
  'data-dir': 'SATANG_DATA_DIR',
  'database-url': 'DATABASE_URL',
} as const;

export type ConfigFlag = keyof typeof configFlags;

/** The environment with the flags that were given laid over it (an empty flag is refused, not taken as unset). */
export function environmentWithFlags(env: NodeJS.ProcessEnv, flags: Partial<Record<ConfigFlag, string>>): NodeJS.ProcessEnv {
  const merged = { ...env };
  for (const [flag, variable] of Object.entries(configFlags) as [ConfigFlag, string][]) {
    const value = flags[flag];
    if (value === undefined) continue;
    if (value === '') throw new Error(`--${flag} needs a value`);
    merged[variable] = value;
  }
  return merged;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = env.PORT === undefined || env.PORT === '' ? 4000 : Number(env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT (--port) must be a port number, not ${env.PORT}`);
  const host = env.HOST || '127.0.0.1';
  const synchronous = (env.SATANG_SQLITE_SYNCHRONOUS || 'FULL').toUpperCase();
  if (synchronous !== 'FULL' && synchronous !== 'NORMAL') throw new Error('SATANG_SQLITE_SYNCHRONOUS must be FULL or NORMAL');
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new Error('DATABASE_URL (--database-url) must be a postgres:// URL; leave it unset for the embedded SQLite store');
  }
  return {
    port,
    host,
    dataDir: env.SATANG_DATA_DIR || './data',
    publicUrl: (env.SATANG_PUBLIC_URL || '').replace(/\/+$/, ''),
    databaseUrl,
    databaseSchema: env.SATANG_DATABASE_SCHEMA || undefined,
    testPublicKey: env.SATANG_TEST_PUBLIC_KEY || undefined,
    testSecretKey: env.SATANG_TEST_SECRET_KEY || undefined,
    sqliteSynchronous: synchronous,
    logLevel: env.SATANG_LOG_LEVEL || 'info',
    webhookTimeoutMs: positiveInteger(env, 'SATANG_WEBHOOK_TIMEOUT_MS', 10_000),
    webhookConcurrency: positiveInteger(env, 'SATANG_WEBHOOK_CONCURRENCY', 32),
    webhookAllowPrivateTargets: (env.SATANG_WEBHOOK_ALLOW_PRIVATE ?? 'true') !== 'false',
    databasePoolSize: positiveInteger(env, 'SATANG_DATABASE_POOL_SIZE', 10),
    databaseStatementTimeoutMs: env.SATANG_DATABASE_STATEMENT_TIMEOUT_MS ? positiveInteger(env, 'SATANG_DATABASE_STATEMENT_TIMEOUT_MS', 0) : undefined,
    metricsToken: env.SATANG_METRICS_TOKEN || undefined,
    trustProxy: parseTrustProxy(env.SATANG_TRUST_PROXY),
    shutdownTimeoutMs: positiveInteger(env, 'SATANG_SHUTDOWN_TIMEOUT_MS', 30_000),
    requestTimeoutMs: positiveInteger(env, 'SATANG_REQUEST_TIMEOUT_MS', requestTimeoutMsDefault),
    maxConnections: positiveInteger(env, 'SATANG_MAX_CONNECTIONS', connectionsMaxDefault),
    scbBaseUrl: httpUrl(env, 'SATANG_SCB_BASE_URL', scbSandboxBaseUrl),
    secretsKey: secretsKeyFrom(env.SATANG_SECRETS_KEY),
  };
}

/** SATANG_PUBLIC_URL, or http://HOST:PORT with the port actually bound. */
export function publicUrlFor(config: Config, boundPort: number): string {
  if (config.publicUrl !== '') return config.publicUrl;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${boundPort}`;
}

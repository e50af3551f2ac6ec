/**
 * What operators need of each process: liveness (/healthz), readiness (/readyz: the
 * database answers and its schema is current), Prometheus metrics (/metrics), a request
 * id on every request and log line, and a draining switch for graceful shutdown.
 */
import { randomUUID } from 'node:crypto';
import { type Logger, pino } from 'pino';
import { constantTimeEqual } from '../domain/constant-time.js';
import type { IncomingMessage } from 'node:http';
import type { Server } from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { WallClock } from '../domain/clock.js';
import { countChargesByStatus, countPendingCharges, ping, webhookQueueDepth } from '../store/ops.js';
import type { Store } from '../store/store.js';
import { chargeTotalsCacheMs } from '../domain/limits.js';

/** Log paths pino blanks: credentials in headers, and keys, secrets and passwords anywhere in a logged object. */
export const logRedactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  '*.headers.authorization',
  '*.headers.cookie',
  '*.authorization',
  '*.password',
  '*.secret',
  '*.secret_key',
  '*.secretKey',
  '*.key',
  '*.token',
];

/** The gateway's logger: JSON lines at `level` (to standard output, or `stream`), credentials blanked; each request's lines carry its reqId. */
export function gatewayLogger(level: string, stream?: { write(line: string): void }): Logger {
  const options = { level, redact: { paths: logRedactPaths, censor: '[redacted]' } };
  return stream ? pino(options, stream) : pino(options);
}

const requestIdPattern = /^[A-Za-z0-9._:@-]{1,128}$/;

/** The caller's X-Request-Id when it is a sane token (a load balancer's), else a new one. */
export function requestIdFor(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && requestIdPattern.test(given) ? given : randomUUID();
}

export type DeliveryOutcome = 'delivered' | 'retry' | 'failed';


/** Process-wide metrics (CPU, memory, event loop), registered once however many apps a process builds. */
let processRegistry: Registry | undefined;

/** One process's metrics: request counts and latencies, charges, webhook deliveries and queue. */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'method' | 'route' | 'status_code'>;
  private readonly latency: Histogram<'method' | 'route'>;
  private readonly deliveries: Counter<'outcome'>;
  private readonly connectionsDropped: Counter;
  private readonly requestLogDroppedTotal: Counter;
  /** Reads the listening server's open connections; set by trackConnections. */
  private openConnections: (() => Promise<number>) | undefined;
  private chargeTotals: { counts: Map<string, number>; atMs: number } | undefined;

  constructor(
    private readonly store: Store,
    private readonly wall: WallClock,
    private readonly onError: (error: unknown) => void = () => {},
  ) {
    const registers = [this.registry];
    this.requests = new Counter({ name: 'satang_http_requests_total', help: 'HTTP requests by route pattern and status code', labelNames: ['method', 'route', 'status_code'], registers });
    this.latency = new Histogram({
      name: 'satang_http_request_duration_seconds',
      help: 'HTTP request latency by route pattern',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.deliveries = new Counter({ name: 'satang_webhook_deliveries_total', help: 'Webhook delivery attempts by outcome (delivered, retry, failed)', labelNames: ['outcome'], registers });
    for (const outcome of ['delivered', 'retry', 'failed']) this.deliveries.inc({ outcome }, 0);
    this.connectionsDropped = new Counter({
      name: 'satang_http_connections_dropped_total',
      help: 'Connections refused at accept because SATANG_MAX_CONNECTIONS were open',
      registers,
    });
    this.requestLogDroppedTotal = new Counter({
      name: 'satang_request_log_dropped_total',
      help: 'Request log entries not written: the queue was full, or the write failed (the log is best effort)',
      registers,
    });
    const metrics = this;
    new Gauge({
      name: 'satang_http_connections_open',
      help: 'HTTP connections open on this process (idle keep-alive ones included)',
      registers,
      async collect() {
        if (metrics.openConnections) this.set(await metrics.openConnections());
      },
    });
    new Gauge({
      name: 'satang_charges',
      help: `Charges by status (pending is counted at each scrape; the others at most every ${chargeTotalsCacheMs / 1000} s)`,
      labelNames: ['status'],
      registers,
      async collect() {
        await metrics.guard(async () => {
          const counts = await metrics.chargeCounts();
          this.reset();
          for (const [status, count] of counts) this.set({ status }, count);
        });
      },
    });
    new Gauge({
      name: 'satang_webhook_queue_depth',
      help: 'Webhook jobs waiting to be sent (pending), all of them or only those due now',
      labelNames: ['state'],
      registers,
      async collect() {
        await metrics.guard(async () => {
          const depth = await webhookQueueDepth(metrics.store.read, metrics.wall.nowMs());
          this.set({ state: 'pending' }, depth.pending);
          this.set({ state: 'due' }, depth.due);
        });
      },
    });
    if (!processRegistry) {
      processRegistry = new Registry();
      collectDefaultMetrics({ register: processRegistry });
    }
  }

  observeRequest(method: string, route: string, statusCode: number, seconds: number): void {
    this.requests.inc({ method, route, status_code: statusCode });
    this.latency.observe({ method, route }, seconds);
  }

  /** Counts the server's connections: those refused at accept (its 'drop' event), and those open at each scrape. */
  trackConnections(server: Server): void {
    server.on('drop', () => this.connectionsDropped.inc());
    this.openConnections = () => new Promise((resolve) => server.getConnections((error, count) => resolve(error ? 0 : count)));
  }

  requestLogDropped(count: number): void {
    this.requestLogDroppedTotal.inc(count);
  }

  webhookAttempt(outcome: DeliveryOutcome): void {
    this.deliveries.inc({ outcome });
  }

  async render(): Promise<{ contentType: string; text: string }> {
    const text = (await processRegistry!.metrics()) + '\n' + (await this.registry.metrics());
    return { contentType: this.registry.contentType, text };
  }

  private async chargeCounts(): Promise<Map<string, number>> {
    const nowMs = this.wall.nowMs();
    if (!this.chargeTotals || nowMs - this.chargeTotals.atMs >= chargeTotalsCacheMs) {
      this.chargeTotals = { counts: await countChargesByStatus(this.store.read), atMs: nowMs };
    }
    const counts = new Map(this.chargeTotals.counts);
    for (const status of ['pending', 'successful', 'failed', 'expired']) if (!counts.has(status)) counts.set(status, 0);
    counts.set('pending', await countPendingCharges(this.store.read));
    return counts;
  }

  /** A gauge whose query fails keeps its last value; the failure is logged, the scrape still answers. */
  private async guard(work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      this.onError(error);
    }
  }
}

export interface Operations {
  metrics: GatewayMetrics;
  /**
   * Set on SIGTERM: /readyz answers 503 and responses close their connections, so a load balancer stops
   * sending new work; what listens for it (onDrain) hears it once, as it is set.
   */
  draining: boolean;
  /** Requests received and not yet answered. */
  inFlight: number;
  /** Resolves once no request is in flight. */
  whenIdle(): Promise<void>;
  /** Runs `listener` when draining starts (open streams close then: nothing waits for them). */
  onDrain(listener: () => void): void;
  /** A request whose answer stays open (a stream) is no longer in flight: draining does not wait for it. */
  longLived(request: FastifyRequest): void;
}

declare module 'fastify' {
  interface FastifyInstance {
    ops: Operations;
  }
  interface FastifyRequest {
    startedAt: bigint;
  }
}

/**
 * Adds the per-request hooks (request id header, metrics, one log line per request) and
 * the operations routes. Call before any other hook, so every request is counted.
 */
export function installOps(app: FastifyInstance, options: { store: Store; metrics: GatewayMetrics; metricsToken?: string }): void {
  let idleWaiters: Array<() => void> = [];
  const drainListeners: Array<() => void> = [];
  let draining = false;
  const ops: Operations = {
    metrics: options.metrics,
    get draining() {
      return draining;
    },
    set draining(value: boolean) {
      const started = value && !draining;
      draining = value;
      if (!started) return;
      for (const listener of drainListeners) {
        try {
          listener();
        } catch (error) {
          app.log.error({ err: error }, 'a drain listener failed');
        }
      }
    },
    inFlight: 0,
    whenIdle() {
      return ops.inFlight === 0 ? Promise.resolve() : new Promise((resolve) => idleWaiters.push(resolve));
    },
    onDrain(listener) {
      drainListeners.push(listener);
    },
    longLived(request) {
      requestDone(request);
    },
  };
  /** Each request counts out once: when answered, or when its client went away first. */
  const requestDone = (request: FastifyRequest) => {
    if (request.startedAt === 0n) return;
    request.startedAt = 0n;
    ops.inFlight--;
    if (ops.inFlight === 0 && idleWaiters.length > 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  };
  app.decorate('ops', ops);
  app.decorateRequest('startedAt', 0n);

  const logRequests = ['trace', 'debug', 'info'].includes(app.log.level);
  // Callback-style hooks: these run on every request, and an async hook costs a promise each.
  app.addHook('onRequest', (request, reply, done) => {
    ops.inFlight++;
    request.startedAt = process.hrtime.bigint();
    reply.header('x-request-id', request.id);
    if (ops.draining) reply.header('connection', 'close');
    done();
  });
  app.addHook('onRequestAbort', (request, done) => {
    requestDone(request);
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    if (request.startedAt !== 0n) {
      const seconds = Number(process.hrtime.bigint() - request.startedAt) / 1e9;
      requestDone(request);
      // The route pattern, never the raw URL: ids in paths must not become label values.
      const route = request.routeOptions.url ?? 'unmatched';
      ops.metrics.observeRequest(request.method, route, reply.statusCode, seconds);
      if (logRequests) {
        request.log.info({ method: request.method, route, statusCode: reply.statusCode, ms: Math.round(seconds * 1e4) / 10 }, 'request completed');
      }
    }
    done();
  });

  void app.register(async (routes) => opsRoutes(routes, ops, options));
}

function opsRoutes(app: FastifyInstance, ops: Operations, options: { store: Store; metricsToken?: string }): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    if (ops.draining) return reply.code(503).send({ status: 'draining' });
    try {
      await ping(options.store.read);
      const pending = await options.store.pendingMigrations();
      if (pending.length > 0) return reply.code(503).send({ status: 'migrations_pending', pending });
    } catch (error) {
      app.log.warn({ err: error }, 'readiness check: database unreachable');
      return reply.code(503).send({ status: 'database_unreachable' });
    }
    return { status: 'ready' };
  });

  app.get('/metrics', async (request, reply) => {
    if (options.metricsToken !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
      if (!match || !constantTimeEqual(match[1], options.metricsToken)) {
        return reply.code(401).header('www-authenticate', 'Bearer realm="metrics"').send({ status: 'unauthorized' });
      }
    }
    const { contentType, text } = await ops.metrics.render();
    return reply.header('content-type', contentType).send(text);
  });
}

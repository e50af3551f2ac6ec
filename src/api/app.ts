/**
 * The HTTP app over a gateway (src/gateway.ts): the server's edge, request parsing, errors as Omise
 * error objects, operations routes, the Omise API, the customer's pages and the dashboard. Only
 * HTTP lives here; what the routes do, they ask of the gateway.
 */
import { providerRoutes } from './routes/providers.js';
import type { Server } from 'node:http';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, LogController } from 'fastify';
import { type ApiVersion, apiVersionLatest, requestedApiVersion } from '../domain/api-versions.js';
import { OmiseError } from '../domain/errors.js';
import { connectionsMaxDefault, requestBodyBytesMax, requestTimeoutMsDefault } from '../domain/limits.js';
import type { Gateway } from '../gateway.js';
import { customerRoutes } from '../web/customer-pages.js';
import { dashboardPlugin } from '../web/dashboard/index.js';
import { HttpEdge } from './http-edge.js';
import { openApiRoutes } from './openapi/route.js';
import { installOps, requestIdFor } from './ops.js';
import { installRequestLog, logRequestsOf } from './request-log.js';
import { installRequestParsing, querystringParser } from './request-parsing.js';
import { accountRoutes } from './routes/account.js';
import { chargeRoutes } from './routes/charges.js';
import { eventRoutes } from './routes/events.js';
import { ledgerRoutes } from './routes/ledger.js';
import { lifecycleRoutes } from './routes/lifecycle.js';
import { listenerRoutes } from './routes/listeners.js';
import { refundRoutes } from './routes/refunds.js';
import { requestLogRoutes } from './routes/request-log.js';
import { searchRoutes } from './routes/search.js';
import { sourceRoutes } from './routes/sources.js';
import { testModeRoutes } from './routes/test-mode.js';
import { unservedResources, unservedSubresourceRoutes } from './routes/unserved.js';
import { webhookRoutes } from './routes/webhooks.js';
import { installSse } from './sse.js';
import { isDatabaseBusy } from '../store/store.js';

export interface AppOptions {
  /** A pino logger (the process's: startGateway makes it), or false for none. */
  logger?: FastifyBaseLogger | false;
  /** Bearer token /metrics asks for (none: open). */
  metricsToken?: string;
  /** Which peers may set X-Forwarded-For (Fastify's trustProxy); none by default. */
  trustProxy?: boolean | number | string;
  /** SATANG_REQUEST_TIMEOUT_MS: a request must arrive whole within this, or it is answered 408. */
  requestTimeoutMs?: number;
  /** SATANG_MAX_CONNECTIONS: connections beyond this are refused at accept. */
  maxConnections?: number;
  /**
   * The edge and a server it made that already listens (startGateway listens before the gateway
   * exists, so the public URL is known); without one, the app makes its own server.
   */
  listening?: { edge: HttpEdge; server: Server; bindHandler: (handler: Parameters<HttpEdge['createServer']>[0]) => void };
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The composition root every route asks: store, clocks, change runner, workers, provider. */
    gateway: Gateway;
    /**
     * Every route registered: the tests that must reach each route walk this list, and the OpenAPI
     * document lists exactly these (src/api/openapi/). A HEAD route on a URL that has a GET route
     * (Fastify adds one to each GET route) is the GET route's and is not listed.
     */
    routes: RegisteredRoute[];
  }
  interface FastifyRequest {
    /** The Omise-Version the caller asked for, or the latest (API routes). */
    omiseVersion: ApiVersion;
  }
}

/** A route the app registered: method, URL pattern, and whether it is a dashboard page anyone may reach. */
export interface RegisteredRoute {
  method: string;
  url: string;
  dashboardPublic: boolean;
  /** A signed-in dashboard route's least role (undefined: none declared, refused to everyone). */
  dashboardRole?: string;
}

/** A hop count becomes the function Fastify's types ask for (the first N hops are trusted). */
function trustProxyOption(trust: boolean | number | string | undefined): boolean | string | ((address: string, hop: number) => boolean) {
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return trust ?? false;
}

export function edgeFor(options: Pick<AppOptions, 'requestTimeoutMs' | 'maxConnections'>): HttpEdge {
  return new HttpEdge({ requestTimeoutMs: options.requestTimeoutMs ?? requestTimeoutMsDefault, maxConnections: options.maxConnections ?? connectionsMaxDefault });
}

export async function buildApp(gateway: Gateway, options: AppOptions = {}): Promise<FastifyInstance> {
  const listening = options.listening;
  const edge = listening?.edge ?? edgeFor(options);
  const app = Fastify({
    serverFactory: listening
      ? (handler) => {
          listening.bindHandler(handler);
          return listening.server;
        }
      : edge.createServer,
    clientErrorHandler: edge.clientError,
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: requestBodyBytesMax,
    routerOptions: {
      ignoreTrailingSlash: true,
      ignoreDuplicateSlashes: true,
      querystringParser,
      maxParamLength: 1000,
    },
    frameworkErrors: (_error, _request, reply) => {
      (reply as FastifyReply).code(400).send(new OmiseError('bad_request', 'the request URL is malformed').toJSON());
    },
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: requestIdFor,
    trustProxy: trustProxyOption(options.trustProxy),
  });
  const routes: RegisteredRoute[] = [];
  app.decorate('routes', routes);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const hasGet = methods.includes('GET') || routes.some((known) => known.method === 'GET' && known.url === route.url);
    for (const method of methods) {
      if ((method === 'HEAD' && hasGet) || routes.some((known) => known.method === method && known.url === route.url)) continue;
      routes.push({ method, url: route.url, dashboardPublic: route.config?.dashboardPublic === true, dashboardRole: route.config?.dashboardRole });
    }
  });
  app.decorate('gateway', gateway);
  gateway.metrics.trackConnections(app.server);
  installOps(app, { store: gateway.store, metrics: gateway.metrics, metricsToken: options.metricsToken });
  installRequestParsing(app);
  installRequestLog(app);
  installSse(app);

  app.setErrorHandler((error: any, request, reply) => {
    if (error instanceof OmiseError) return reply.code(error.statusCode).send(error.toJSON());
    const code = typeof error?.code === 'string' ? error.code : '';
    if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      const limit = request.routeOptions?.bodyLimit ?? requestBodyBytesMax;
      return reply.code(400).send(new OmiseError('bad_request', `request body is larger than ${limit} bytes`).toJSON());
    }
    if (code.startsWith('FST_ERR_CTP') || code === 'FST_ERR_BAD_URL' || (error?.statusCode >= 400 && error?.statusCode < 500)) {
      return reply.code(400).send(new OmiseError('bad_request', `bad request: ${String(error?.message ?? 'malformed request')}`).toJSON());
    }
    if (isDatabaseBusy(error)) {
      // Nothing was written (the unit's transaction rolled back); the caller may send it again.
      request.log.warn({ err: error }, 'database busy');
      return reply.code(503).header('retry-after', '1').send(new OmiseError('service_unavailable', 'the database is busy; nothing was changed, try again in a moment').toJSON());
    }
    request.log.error({ err: error }, 'unexpected error');
    return reply.code(500).send(new OmiseError('internal_error', 'internal error').toJSON());
  });

  app.setNotFoundHandler((request, reply) => {
    const resource = request.url.split('?')[0].split('/').filter(Boolean)[0] ?? '';
    const unserved = unservedResources.get(resource);
    if (unserved) return reply.code(400).send(new OmiseError('feature_not_supported', unserved).toJSON());
    return reply.code(404).send(new OmiseError('not_found', 'the requested resource was not found').toJSON());
  });

  await app.register(openApiRoutes);
  await app.register(omiseApi);
  await app.register(customerRoutes);
  await app.register(providerRoutes);
  await app.register(dashboardPlugin);
  return app;
}

/**
 * The Omise API's routes (Satang's test-mode routes among them), and the hooks only they run: the
 * Omise-Version a caller asks for (DECISIONS §2); their requests go into the request log (§10).
 */
async function omiseApi(api: FastifyInstance): Promise<void> {
  api.decorateRequest('omiseVersion', apiVersionLatest);
  logRequestsOf(api);
  api.addHook('onRequest', async (request) => {
    request.omiseVersion = requestedApiVersion(request.headers['omise-version']);
  });
  await api.register(sourceRoutes);
  await api.register(chargeRoutes);
  await api.register(unservedSubresourceRoutes);
  await api.register(eventRoutes);
  await api.register(lifecycleRoutes);
  await api.register(ledgerRoutes);
  await api.register(testModeRoutes);
  await api.register(listenerRoutes);
  await api.register(webhookRoutes);
  await api.register(refundRoutes);
  await api.register(accountRoutes);
  await api.register(searchRoutes);
  await api.register(requestLogRoutes);
}

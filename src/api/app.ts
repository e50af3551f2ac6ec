/**
 * The Omise-compatible HTTP API. Parsing accepts every encoding the SDKs send; every
 * failure is an Omise error object; routes call one use case each.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import qs from 'qs';
import { type ApiVersion, apiVersionLatest, requestedApiVersion } from '../domain/api-versions.js';
import { OmiseError, type OmiseErrorCode } from '../domain/errors.js';
import { systemClock, type WallClock } from '../domain/clock.js';
import { ExpirySweep } from '../jobs/expiry-sweep.js';
import type { Json } from '../render/omise-json.js';
import type { Tx } from '../store/store.js';
import { AccountClocks, ClockMoved } from '../usecases/clock.js';
import { runMutation } from './idempotency.js';
import { GatewayMetrics, installOps, requestIdFor } from './ops.js';
import {
  clockMovedRetriesMax,
  connectionsMaxDefault,
  formNestingDepthMax,
  requestArrayElementsMax,
  requestBodyBytesMax,
  requestNestingDepthMax,
  requestParametersMax,
  requestTimeoutMsDefault,
} from '../domain/limits.js';
import { HttpEdge } from './http-edge.js';
import { QrPngCache } from '../qr/png.js';
import type { Store } from '../store/store.js';
import type { UseCaseContext } from '../usecases/context.js';
import { Authenticator, type Caller, type KeyAccess } from './auth.js';
import { findUnstorableText, isPlainObject, nestingDepth, type Params, printableParamName } from './params.js';
import { chargeRoutes } from './routes/charges.js';
import { eventRoutes } from './routes/events.js';
import { ledgerRoutes } from './routes/ledger.js';
import { lifecycleRoutes } from './routes/lifecycle.js';
import { testModeRoutes } from './routes/test-mode.js';
import { webhookRoutes } from './routes/webhooks.js';
import { refundRoutes } from './routes/refunds.js';
import { WebhookDispatcher } from '../webhooks/dispatcher.js';
import type { TargetPolicy } from '../webhooks/targets.js';
import { sourceRoutes } from './routes/sources.js';
import { unservedResources, unservedSubresourceRoutes } from './routes/unserved.js';
import { customerRoutes } from '../web/customer-pages.js';
import { dashboardPlugin } from '../web/dashboard/index.js';

export interface AppOptions {
  store: Store;
  publicUrl: string;
  wallClock?: WallClock;
  logger?: boolean | object;
  /** Run the expiry sweep in this process (default true). */
  sweep?: boolean;
  /** Run the webhook dispatcher in this process (default true). */
  dispatch?: boolean;
  webhookTimeoutMs?: number;
  webhookConcurrency?: number;
  /** Allow webhook endpoints on private and loopback addresses (default true: a sandbox). */
  webhookAllowPrivateTargets?: boolean;
  /** Bearer token /metrics asks for (none: open). */
  metricsToken?: string;
  /** Which peers may set X-Forwarded-For (Fastify's trustProxy); none by default. */
  trustProxy?: boolean | number | string;
  /** SATANG_REQUEST_TIMEOUT_MS: a request must arrive whole within this, or it is answered 408. */
  requestTimeoutMs?: number;
  /** SATANG_MAX_CONNECTIONS: connections beyond this are refused at accept. */
  maxConnections?: number;
}

/** Every route the app registers (HEAD ones aside), as method and URL pattern: the tests that must reach each route walk this list. */
export const routeTable: Array<{ method: string; url: string }> = [];

/** What routes need, decorated onto the app. */
export interface Satang {
  store: Store;
  publicUrl: string;
  clocks: AccountClocks;
  sweep: ExpirySweep;
  webhooks: WebhookDispatcher;
  targetPolicy: TargetPolicy;
  qrPngs: QrPngCache;
  /**
   * Authenticates the request and returns the use-case context for the caller's account and
   * mode. `clockChecked`: the route's use case checks the test clock in its transaction
   * (checkClock), so a state change needs no read of the clock first.
   */
  authenticate(request: FastifyRequest, access: KeyAccess, options?: { clockChecked?: boolean }): Promise<{ caller: Caller; ctx: UseCaseContext }>;
  /** Runs a state change in one transaction (with Idempotency-Key support) and returns its JSON. */
  mutate(request: FastifyRequest, reply: FastifyReply, ctx: UseCaseContext, unit: (tx: Tx) => Promise<Json>): Promise<Json>;
}

declare module 'fastify' {
  interface FastifyInstance {
    satang: Satang;
  }
  interface FastifyContextConfig {
    /** The code of a parameter refused at the edge (a NUL or a lone surrogate): bad_request unless a route says otherwise. */
    paramErrorCode?: OmiseErrorCode;
  }
  interface FastifyRequest {
    /** Query string and body merged, the body winning (omise-api.md §2.1). */
    omiseParams: Params;
    /** The Omise-Version the caller asked for, or the latest. */
    omiseVersion: ApiVersion;
  }
}

const qsOptions = {
  depth: formNestingDepthMax,
  strictDepth: true,
  parameterLimit: requestParametersMax,
  arrayLimit: requestArrayElementsMax,
  // Past a limit qs would otherwise cut the form short or turn an array into an object, silently.
  throwOnLimitExceeded: true,
  allowPrototypes: false,
} as const;

/** qs reports each limit as a RangeError; its message says which one. */
function limitError(error: RangeError): OmiseError {
  if (/parameter limit/i.test(error.message)) return new OmiseError('bad_request', `too many parameters: at most ${requestParametersMax} are accepted`);
  if (/array limit/i.test(error.message)) return new OmiseError('bad_request', `an array has more than ${requestArrayElementsMax} elements (or an index past ${requestArrayElementsMax - 1})`);
  if (/depth/i.test(error.message)) return new OmiseError('bad_request', 'parameters are nested too deeply');
  return new OmiseError('bad_request', 'parameters could not be read');
}

/** Form and query strings through qs; past any of its limits the request is a 400, never silently cut or flattened. */
function parseQueryString(text: string): Record<string, unknown> {
  try {
    return qs.parse(text, qsOptions);
  } catch (error) {
    if (error instanceof RangeError) throw limitError(error);
    throw error;
  }
}

/** Path parameters are ids and tokens: letters, digits and underscores. Anything else names nothing. */
const pathParamPattern = /^[0-9A-Za-z_]{1,100}$/;

function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new OmiseError('bad_request', 'request body is not valid JSON');
  }
  if (parsed === null) return {};
  if (!isPlainObject(parsed)) throw new OmiseError('bad_request', 'request body must be a JSON object');
  if (nestingDepth(parsed, requestNestingDepthMax) > requestNestingDepthMax) {
    throw new OmiseError('bad_request', `request body is nested more than ${requestNestingDepthMax} levels deep`);
  }
  return parsed;
}

function parseFormBody(text: string): unknown {
  return parseQueryString(text);
}

/** A body whose type was not declared (or an unusual one): JSON if it looks like JSON, else form. */
function parseUndeclaredBody(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed === '') return {};
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) return parseJsonBody(trimmed);
  return parseFormBody(trimmed);
}

const badQueryMarker = Symbol('bad query string');


/** A hop count becomes the function Fastify's types ask for (the first N hops are trusted). */
function trustProxyOption(trust: boolean | number | string | undefined): boolean | string | ((address: string, hop: number) => boolean) {
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return trust ?? false;
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const edge = new HttpEdge({
    requestTimeoutMs: options.requestTimeoutMs ?? requestTimeoutMsDefault,
    maxConnections: options.maxConnections ?? connectionsMaxDefault,
  });
  const app = Fastify({
    serverFactory: edge.createServer,
    clientErrorHandler: edge.clientError,
    logger: options.logger ?? false,
    bodyLimit: requestBodyBytesMax,
    routerOptions: {
      ignoreTrailingSlash: true,
      ignoreDuplicateSlashes: true,
      querystringParser: (text: string) => {
        try {
          return parseQueryString(text);
        } catch (error) {
          // Reported in preValidation, where an Omise error can be sent.
          return { [badQueryMarker]: error instanceof OmiseError ? error : new OmiseError('bad_request', 'the query string could not be read') };
        }
      },
      maxParamLength: 1000,
    },
    frameworkErrors: (_error, _request, reply) => {
      (reply as FastifyReply).code(400).send(new OmiseError('bad_request', 'the request URL is malformed').toJSON());
    },
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: requestIdFor,
    trustProxy: trustProxyOption(options.trustProxy),
  });
  app.addHook('onRoute', (route) => {
    for (const method of Array.isArray(route.method) ? route.method : [route.method]) {
      if (method === 'HEAD' || routeTable.some((known) => known.method === method && known.url === route.url)) continue;
      routeTable.push({ method, url: route.url });
    }
  });
  const wall = options.wallClock ?? systemClock;
  const authenticator = new Authenticator(options.store);
  const clocks = new AccountClocks(options.store, wall);
  const metrics = new GatewayMetrics(options.store, wall, (error) => app.log.warn({ err: error }, 'metrics query failed'));
  metrics.trackConnections(app.server);
  const targetPolicy: TargetPolicy = { allowPrivateTargets: options.webhookAllowPrivateTargets ?? true };
  const webhooks = new WebhookDispatcher({
    store: options.store,
    wall,
    publicUrl: () => app.satang.publicUrl,
    policy: targetPolicy,
    timeoutMs: options.webhookTimeoutMs,
    concurrency: options.webhookConcurrency,
    onError: (error) => app.log.error({ err: error }, 'webhook dispatch failed'),
    onAttempt: (outcome) => metrics.webhookAttempt(outcome),
  });
  const sweep = new ExpirySweep({
    store: options.store,
    wall,
    publicUrl: () => app.satang.publicUrl,
    onExpired: () => webhooks.nudge(),
    onError: (error) => app.log.error({ err: error }, 'expiry sweep failed'),
  });
  app.decorate('satang', {
    store: options.store,
    publicUrl: options.publicUrl.replace(/\/+$/, ''),
    clocks,
    sweep,
    webhooks,
    targetPolicy,
    qrPngs: new QrPngCache(),
    async authenticate(request: FastifyRequest, access: KeyAccess, authOptions: { clockChecked?: boolean } = {}) {
      const caller = await authenticator.authenticate(request, access);
      const livemode = caller.livemode === 1;
      const clock =
        authOptions.clockChecked && request.method !== 'GET'
          ? await clocks.forCheckedChange(caller.accountId, livemode)
          : // Reads may use a clock offset cached for a second; other state changes read it fresh (several processes).
            { nowMs: await clocks.nowMs(caller.accountId, livemode, request.method !== 'GET' || request.url.startsWith('/test/clock')) };
      const ctx: UseCaseContext = { scope: { accountId: caller.accountId, livemode: caller.livemode }, ...clock, publicUrl: app.satang.publicUrl };
      return { caller, ctx };
    },
    async mutate(request, reply, ctx, unit) {
      let body: Json;
      for (let attempt = 0; ; attempt++) {
        try {
          body = await runMutation(options.store, request, reply, ctx.scope, wall.nowMs(), unit);
          break;
        } catch (error) {
          // The test clock moved since ctx.nowMs was taken (checkClock): run again at its time (the unit reads ctx).
          if (!(error instanceof ClockMoved)) throw error;
          if (attempt < clockMovedRetriesMax) {
            ctx.nowMs = clocks.moved(ctx.scope.accountId, error.offsetMs);
            ctx.clockOffsetMs = error.offsetMs;
          } else {
            // Another process keeps moving the clock: take the time from a fresh read and run unchecked, as a
            // change that reads the clock before its transaction does, rather than fail the request.
            ctx.nowMs = await clocks.nowMs(ctx.scope.accountId, false, true);
            ctx.clockOffsetMs = undefined;
          }
        }
      }
      // A change may have written events into the outbox: deliver them now, not at the next poll.
      webhooks.nudge();
      return body;
    },
  } satisfies Satang);
  if (options.sweep !== false) {
    app.addHook('onReady', async () => sweep.start());
    app.addHook('onClose', async () => sweep.stop());
  }
  if (options.dispatch !== false) {
    app.addHook('onReady', async () => webhooks.start());
    app.addHook('onClose', async () => webhooks.stop());
  }
  installOps(app, { store: options.store, metrics, metricsToken: options.metricsToken });
  app.decorateRequest('omiseParams', null as unknown as Params);
  app.decorateRequest('omiseVersion', apiVersionLatest);

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseFormBody(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  app.addContentTypeParser('*', { parseAs: 'string' }, (request, body, done) => {
    const type = request.headers['content-type'];
    if (type !== undefined && !/^(text\/plain|application\/octet-stream)\b/i.test(type)) {
      done(new OmiseError('bad_request', `content type ${type.split(';')[0]} is not supported; send JSON or form data`), undefined);
      return;
    }
    try {
      done(null, parseUndeclaredBody(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  app.addHook('onRequest', async (request) => {
    request.omiseVersion = requestedApiVersion(request.headers['omise-version']);
  });

  // GET and DELETE bodies (omise-python and omise-go send JSON there) are read by hand.
  app.addHook('preValidation', async (request) => {
    let body = request.body;
    if (body === undefined && (request.method === 'GET' || request.method === 'DELETE')) body = await readUnparsedBody(request);
    if (body !== undefined && body !== null && !isPlainObject(body)) throw new OmiseError('bad_request', 'request body must be an object');
    const query = isPlainObject(request.query) ? request.query : {};
    const queryError = (query as { [badQueryMarker]?: OmiseError })[badQueryMarker];
    if (queryError) throw queryError;
    // ('*' is the unmatched path of the not-found handler.)
    const pathParams = isPlainObject(request.params) ? Object.entries(request.params).filter(([name]) => name !== '*').map(([, value]) => value) : [];
    if (pathParams.some((value) => typeof value !== 'string' || !pathParamPattern.test(value))) {
      throw new OmiseError('not_found', 'the requested resource was not found');
    }
    // One check for every route, before authentication and before any write (DECISIONS §9).
    const unstorable = findUnstorableText(query) ?? findUnstorableText(body);
    if (unstorable) {
      const code = request.routeOptions.config?.paramErrorCode ?? 'bad_request';
      throw new OmiseError(code, `${printableParamName(unstorable.name)} must not contain ${unstorable.problem}`);
    }
    request.omiseParams = { ...query, ...((body as Params | undefined) ?? {}) };
  });

  app.setErrorHandler((error: any, request, reply) => {
    if (error instanceof OmiseError) return reply.code(error.statusCode).send(error.toJSON());
    const code = typeof error?.code === 'string' ? error.code : '';
    if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.code(400).send(new OmiseError('bad_request', `request body is larger than ${requestBodyBytesMax} bytes`).toJSON());
    }
    if (code.startsWith('FST_ERR_CTP') || code === 'FST_ERR_BAD_URL' || (error?.statusCode >= 400 && error?.statusCode < 500)) {
      return reply.code(400).send(new OmiseError('bad_request', `bad request: ${String(error?.message ?? 'malformed request')}`).toJSON());
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

  await app.register(sourceRoutes);
  await app.register(chargeRoutes);
  await app.register(unservedSubresourceRoutes);
  await app.register(eventRoutes);
  await app.register(lifecycleRoutes);
  await app.register(ledgerRoutes);
  await app.register(testModeRoutes);
  await app.register(webhookRoutes);
  await app.register(refundRoutes);
  await app.register(customerRoutes);
  await app.register(dashboardPlugin);

  return app;
}

async function readUnparsedBody(request: FastifyRequest): Promise<unknown> {
  const raw = request.raw;
  if (raw.readableEnded) return undefined;
  const length = Number(request.headers['content-length'] ?? 0);
  if (!(length > 0) && request.headers['transfer-encoding'] === undefined) return undefined;
  if (length > requestBodyBytesMax) throw new OmiseError('bad_request', `request body is larger than ${requestBodyBytesMax} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of raw) {
      size += (chunk as Buffer).length;
      if (size > requestBodyBytesMax) throw new OmiseError('bad_request', `request body is larger than ${requestBodyBytesMax} bytes`);
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    if (error instanceof OmiseError) throw error;
    // The client went away, or its body stopped and the edge answered 408: nothing unexpected here.
    throw new OmiseError('bad_request', 'the request body did not arrive whole');
  }
  const text = Buffer.concat(chunks).toString('utf8');
  const type = request.headers['content-type'] ?? '';
  if (/json/i.test(type)) return parseJsonBody(text);
  if (/x-www-form-urlencoded/i.test(type)) return parseFormBody(text);
  return parseUndeclaredBody(text);
}

/**
 * Which requests the request log records, and what of them (DECISIONS §10): every request to the
 * Omise API and Satang's test-mode routes (and to no route at all) whose key names a test-mode
 * account, after its reply, handed to the gateway's writer (jobs/request-log.ts), which writes it
 * later. A request refused before its route looked at the key (a body that is not JSON, a NUL in a
 * parameter, an unknown path) is recorded when its key still names a test-mode account; an unknown
 * key names none, and live mode is never recorded. What is kept: the method, the route pattern, the
 * path without its query string, the status, the duration, the request id, the Idempotency-Key, and
 * the kind and last four characters of the key; never the key, a body or a query string.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { loggedIdempotencyKey, loggedPath } from '../domain/request-log.js';
import type { Caller } from './auth.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route's requests are recorded in the request log (set on the API's routes; false: never). */
    requestLog?: boolean;
  }
}

/** Marks the routes registered in `api` (and its children) as the request log's, unless a route says otherwise. */
export function logRequestsOf(api: FastifyInstance): void {
  api.addHook('onRoute', (route) => {
    route.config = { ...(route.config ?? {}), requestLog: route.config?.requestLog ?? true };
  });
}

/** Records, after their replies, the requests the log keeps (see above). */
export function installRequestLog(app: FastifyInstance): void {
  app.decorateRequest('caller', null);
  app.decorateRequest('callerSought', false);
  app.addHook('onResponse', (request, reply, done) => {
    // Only API routes, and requests that matched no route (an unknown path is an API answer too).
    if (request.is404 || request.routeOptions.config.requestLog === true) recordRequest(request, reply);
    done();
  });
}

function recordRequest(request: FastifyRequest, reply: FastifyReply): void {
  const { gateway } = request.server;
  if (request.caller) {
    if (request.caller.livemode === 0) gateway.requestLog.record(capture(request, reply, request.caller));
    return;
  }
  // Its route looked and found no account; or there is no key to look at.
  const header = request.headers.authorization;
  if (request.callerSought || header === undefined) return;
  // Refused before its route looked at the key: whose it is decides whether it is recorded. Read now,
  // so the request itself is answered already; its duration and status are fixed already too.
  const entry = capture(request, reply, null);
  gateway.keys.identify(header).then(
    (caller) => {
      if (caller.livemode === 0) gateway.requestLog.record({ ...entry, accountId: caller.accountId, keyKind: caller.kind, keyLast4: caller.keyLast4 });
    },
    () => {},
  );
}

function capture(request: FastifyRequest, reply: FastifyReply, caller: Caller | null) {
  const route = request.is404 ? null : (request.routeOptions.url ?? null);
  const durationMs = Math.max(0, Math.round(reply.elapsedTime));
  return {
    accountId: caller?.accountId ?? '',
    createdAtMs: request.server.gateway.wall.nowMs() - durationMs,
    method: request.method,
    route,
    path: loggedPath(request.url, route, request.params as Record<string, unknown> | undefined),
    status: reply.statusCode,
    durationMs,
    requestId: String(request.id),
    idempotencyKey: loggedIdempotencyKey(request.headers['idempotency-key']),
    keyKind: caller?.kind ?? null,
    keyLast4: caller?.keyLast4 ?? null,
  };
}

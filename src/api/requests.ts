/**
 * What an API route does with the gateway: find its caller by key, give a read its account's time,
 * and run a change through the change runner with its Idempotency-Key (DECISIONS §8). Routes call
 * these and one use case each; they hold no rule of their own.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Json } from '../render/omise-json.js';
import type { Tx } from '../store/store.js';
import type { UseCaseContext } from '../usecases/context.js';
import { allowed, type Caller, type KeyAccess } from './auth.js';
import { idempotencyKeyOf } from './idempotency.js';

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * Whose key the request carries, once its route looked (null before, or when the key is unknown);
     * a key of the wrong kind for the route is still known here. The request log reads it.
     */
    caller: Caller | null;
    /** Whether the route looked for the caller (a request refused before that may still name one). */
    callerSought: boolean;
  }
}

/** The caller of a request, by its key (401 authentication_failure otherwise), noted on the request. */
export async function callerOf(request: FastifyRequest, access: KeyAccess): Promise<Caller> {
  request.callerSought = true;
  const caller = await request.server.gateway.keys.identify(request.headers.authorization);
  request.caller = caller;
  return allowed(caller, access);
}

/**
 * The caller and the context of a read: its account and mode, and their time. Reads may use a test
 * clock offset cached for a second; GET /test/clock reads it fresh (it shows the clock itself).
 */
export async function readContext(request: FastifyRequest, access: KeyAccess): Promise<{ caller: Caller; ctx: UseCaseContext }> {
  const { gateway } = request.server;
  const caller = await callerOf(request, access);
  const fresh = request.url.startsWith('/test/clock');
  const nowMs = await gateway.clocks.nowMs(caller.accountId, caller.livemode === 1, fresh);
  return { caller, ctx: { scope: { accountId: caller.accountId, livemode: caller.livemode }, nowMs, publicUrl: gateway.publicUrl } };
}

/**
 * Runs a request's change to the caller's account and mode, and answers its JSON. With an
 * Idempotency-Key the same request within 24 hours answers the first answer again, marked
 * `Idempotent-Replayed: true`.
 */
export async function runChange(request: FastifyRequest, reply: FastifyReply, caller: Caller, unit: (tx: Tx, ctx: UseCaseContext) => Promise<Json>): Promise<Json> {
  const scope = { accountId: caller.accountId, livemode: caller.livemode };
  const result = await request.server.gateway.changes.forAccount({ scope, idempotency: idempotencyKeyOf(request) }, unit);
  if (!result.replayed) return result.value;
  reply.header('Idempotent-Replayed', 'true').code(result.status);
  return result.body as Json;
}

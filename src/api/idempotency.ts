/**
 * Idempotency-Key on every POST and PATCH (DECISIONS §8): the same key with the same
 * parameters within 24 hours replays the first response; with other parameters it is a
 * 400. The record is written in the same transaction as the change it answers for, so a
 * key never exists without its object, nor an object without its key.
 */
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { OmiseError } from '../domain/errors.js';
import { idempotencyRecordTtlMs } from '../domain/limits.js';
import type { Json } from '../render/omise-json.js';
import { deleteIdempotencyRecord, findIdempotencyRecord, insertIdempotencyRecord } from '../store/idempotency.js';
import type { Scope } from '../store/scope.js';
import type { IdempotencyRecord } from '../store/schema.js';
import { isUniqueViolation, type Store, type Tx } from '../store/store.js';

class ReplayFound {
  constructor(readonly record: IdempotencyRecord) {}
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

function requestHash(request: FastifyRequest): string {
  const path = request.url.split('?')[0].replace(/\/+$/, '');
  return createHash('sha256').update(`${request.method} ${path}\n${JSON.stringify(canonical(request.omiseParams))}`).digest('hex');
}

/**
 * Runs a state change in the store's transaction helper and returns its JSON; with an
 * Idempotency-Key, records or replays it.
 */
export async function runMutation(
  store: Store,
  request: FastifyRequest,
  reply: FastifyReply,
  scope: Scope,
  wallNowMs: number,
  unit: (tx: Tx) => Promise<Json>,
): Promise<Json> {
  const header = request.headers['idempotency-key'];
  if (header === undefined) return store.transaction(unit);
  const key = Array.isArray(header) ? header[0] : header;
  if (key.length === 0 || key.length > 255 || !/^[\x21-\x7e]+$/.test(key)) {
    throw new OmiseError('bad_request', 'Idempotency-Key must be 1 to 255 printable ASCII characters');
  }
  const hash = requestHash(request);
  for (let attempt = 0; ; attempt++) {
    try {
      return await store.transaction(async (tx) => {
        const existing = await findIdempotencyRecord(tx, scope, key);
        if (existing && existing.created_at > wallNowMs - idempotencyRecordTtlMs) throw new ReplayFound(existing);
        if (existing) await deleteIdempotencyRecord(tx, scope, key); // older than 24 h: the key is free again
        const body = await unit(tx);
        await insertIdempotencyRecord(tx, {
          account_id: scope.accountId,
          livemode: scope.livemode,
          key,
          request_hash: hash,
          response_status: 200,
          response_body: JSON.stringify(body),
          created_at: wallNowMs,
        });
        return body;
      });
    } catch (error) {
      if (error instanceof ReplayFound) {
        if (error.record.request_hash !== hash) throw new OmiseError('bad_request', 'Idempotency-Key was already used with different parameters');
        reply.header('Idempotent-Replayed', 'true').code(error.record.response_status);
        return JSON.parse(error.record.response_body) as Json;
      }
      // Another process committed the same key between our read and our write: read it now.
      if (isUniqueViolation(error) && attempt < 2) continue;
      throw error;
    }
  }
}

/**
 * Idempotency-Key on every POST and PATCH (DECISIONS §8): what identifies a request for the change
 * runner (usecases/changes.ts), which records the key with the change it answers for, in the same
 * transaction, and replays it.
 */
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { OmiseError } from '../domain/errors.js';
import type { IdempotencyKey } from '../usecases/changes.js';

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

/** SHA-256 of method, path and canonical parameters: the same request, whatever the order of its parameters. */
function requestHash(request: FastifyRequest): string {
  const path = request.url.split('?')[0].replace(/\/+$/, '');
  return createHash('sha256').update(`${request.method} ${path}\n${JSON.stringify(canonical(request.omiseParams))}`).digest('hex');
}

/** The request's Idempotency-Key, if it sent one (1 to 255 printable ASCII characters, or a 400). */
export function idempotencyKeyOf(request: FastifyRequest): IdempotencyKey | undefined {
  const header = request.headers['idempotency-key'];
  if (header === undefined) return undefined;
  const key = Array.isArray(header) ? header[0] : header;
  if (key.length === 0 || key.length > 255 || !/^[\x21-\x7e]+$/.test(key)) {
    throw new OmiseError('bad_request', 'Idempotency-Key must be 1 to 255 printable ASCII characters');
  }
  return { key, requestHash: requestHash(request) };
}

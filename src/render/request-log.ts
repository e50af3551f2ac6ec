/** The request log's entries as JSON (Satang's own object, DECISIONS §10): the list's items and each streamed event's data. */
import { formatTimestamp } from '../domain/time.js';
import type { RequestLogRow } from '../store/schema.js';
import type { Json } from './omise-json.js';

export function renderRequestLogEntry(row: RequestLogRow): Json {
  return {
    object: 'request_log',
    id: row.id,
    livemode: false,
    created_at: formatTimestamp(row.created_at),
    method: row.method,
    route: row.route,
    path: row.path,
    status: row.status,
    duration_ms: row.duration_ms,
    request_id: row.request_id,
    idempotency_key: row.idempotency_key,
    key_kind: row.key_kind,
    key_last4: row.key_last4,
  };
}

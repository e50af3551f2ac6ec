/** Outbox rows for tests that write them directly: a pending webhook job due at `atMs`, with what the test gives. */
import type { WebhookJob } from '../../src/store/schema.js';

export function pendingJob(fields: Pick<WebhookJob, 'id' | 'event_id' | 'account_id'> & Partial<WebhookJob>, atMs = Date.now()): WebhookJob {
  return {
    livemode: 0,
    url: 'https://merchant.example/hooks',
    endpoint_id: null,
    listener_id: null,
    status: 'pending',
    attempts: 0,
    next_attempt_at: atMs,
    give_up_at: atMs + 86_400_000,
    lease_until: 0,
    payload: null,
    created_at: atMs,
    chaos: null,
    ...fields,
  };
}

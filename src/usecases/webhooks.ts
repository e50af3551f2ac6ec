/**
 * Webhooks (DECISIONS §6): endpoints and the secret per account and mode, the outbox
 * written with every event, and what an attempt's outcome does to its job.
 */
import { OmiseError, notFound } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { webhookEndpointsPerScopeMax, webhookSecretOverlapMs } from '../domain/limits.js';
import { type DeliveryTarget, deliveryTargets, listenerTargets } from '../domain/delivery-targets.js';
import { attemptChaos, type ChaosSettings, type JobChaos, requireChaosTestMode } from '../domain/webhook-chaos.js';
import { retryDelayMs } from '../domain/webhook-retry.js';
import { findEventLocked } from '../store/events.js';
import { type Scope } from '../store/scope.js';
import type { WebhookEndpoint, WebhookJob, WebhookSecret } from '../store/schema.js';
import type { Tx } from '../store/store.js';
import {
  cancelEndpointJobs,
  countEndpoints,
  deleteEndpoint,
  eventTargets,
  findEndpoint,
  findWebhookSecret,
  finishAttempts,
  insertEndpoint,
  insertWebhookSecret,
  lockEndpointList,
  replaceWebhookSecret,
  updateEndpoint,
} from '../store/webhooks.js';
import { findCharge } from '../store/charges.js';
import { newWebhookSecret } from '../webhooks/signing.js';
import { type TargetPolicy, urlProblem } from '../webhooks/targets.js';
import type { UseCaseContext } from './context.js';
import { enqueueDeliveries } from './events.js';


export async function ensureWebhookSecret(tx: Tx, scope: Scope, nowMs: number): Promise<WebhookSecret> {
  const existing = await findWebhookSecret(tx, scope);
  if (existing) return existing;
  await insertWebhookSecret(tx, { account_id: scope.accountId, livemode: scope.livemode, secret: newWebhookSecret(), previous_secret: null, previous_valid_until: null, created_at: nowMs });
  return (await findWebhookSecret(tx, scope))!;
}

/** The secrets a delivery is signed with now: the current one, and the previous one during the overlap. */
export function signingSecrets(secret: WebhookSecret, accountNowMs: number): string[] {
  const secrets = [secret.secret];
  if (secret.previous_secret && secret.previous_valid_until !== null && accountNowMs < secret.previous_valid_until) secrets.push(secret.previous_secret);
  return secrets;
}

export async function rollWebhookSecret(tx: Tx, ctx: UseCaseContext): Promise<WebhookSecret> {
  const current = await ensureWebhookSecret(tx, ctx.scope, ctx.nowMs);
  await replaceWebhookSecret(tx, ctx.scope, { secret: newWebhookSecret(), previous_secret: current.secret, previous_valid_until: ctx.nowMs + webhookSecretOverlapMs });
  return (await findWebhookSecret(tx, ctx.scope))!;
}

export interface EndpointInput {
  url?: string;
  enabled?: boolean;
  /** Webhook chaos settings (test mode only), or null to turn chaos off. */
  chaos?: ChaosSettings | null;
}

function checkUrl(url: string, policy: TargetPolicy): void {
  const problem = urlProblem(url, policy);
  if (problem) throw new OmiseError('bad_request', problem);
}

/**
 * Adds an endpoint, within the limit per account and mode (DECISIONS §10): every endpoint
 * multiplies every event's deliveries. An account already above it keeps its endpoints but
 * adds none. The list is locked first, so racing creates cannot both take the last place.
 */
export async function createEndpoint(tx: Tx, ctx: UseCaseContext, input: EndpointInput, policy: TargetPolicy): Promise<WebhookEndpoint> {
  if (input.url === undefined) throw new OmiseError('bad_request', 'url is required');
  checkUrl(input.url, policy);
  if (input.chaos) requireChaosTestMode(ctx.scope.livemode);
  await lockEndpointList(tx, ctx.scope);
  const existing = await countEndpoints(tx, ctx.scope);
  if (existing >= webhookEndpointsPerScopeMax) {
    throw new OmiseError(
      'bad_request',
      `an account can have at most ${webhookEndpointsPerScopeMax} webhook endpoints per mode (this one has ${existing}); remove one before adding another`,
    );
  }
  const endpoint: WebhookEndpoint = {
    id: newId('endp', ctx.scope.livemode === 1, ctx.nowMs),
    account_id: ctx.scope.accountId,
    livemode: ctx.scope.livemode,
    url: input.url,
    enabled: input.enabled === false ? 0 : 1,
    created_at: ctx.nowMs,
    updated_at: ctx.nowMs,
    chaos: input.chaos ? JSON.stringify(input.chaos) : null,
    chaos_event_count: 0,
  };
  await insertEndpoint(tx, endpoint);
  await ensureWebhookSecret(tx, ctx.scope, ctx.nowMs);
  return endpoint;
}

/**
 * Changes an endpoint's URL, whether it is enabled, or its webhook chaos; disabling it or moving it
 * to another URL cancels what was queued for it. Chaos settings (test mode only) replace the old ones
 * whole and start the endpoint's event count again, so the same settings and the same events give
 * the same decisions; null turns chaos off. Jobs already queued keep what was decided for them.
 */
export async function changeEndpoint(tx: Tx, ctx: UseCaseContext, id: string, input: EndpointInput, policy: TargetPolicy): Promise<WebhookEndpoint> {
  const found = await findEndpoint(tx, ctx.scope, id);
  if (!found) throw notFound('webhook endpoint', id);
  if (input.url !== undefined) checkUrl(input.url, policy);
  if (input.chaos) requireChaosTestMode(ctx.scope.livemode);
  const fields = {
    ...(input.url !== undefined ? { url: input.url } : {}),
    ...(input.enabled !== undefined ? { enabled: input.enabled ? 1 : 0 } : {}),
    ...(input.chaos !== undefined ? { chaos: input.chaos === null ? null : JSON.stringify(input.chaos), chaos_event_count: 0 } : {}),
    updated_at: ctx.nowMs,
  };
  await updateEndpoint(tx, ctx.scope, id, fields);
  if ((input.url !== undefined && input.url !== found.url) || input.enabled === false) await cancelEndpointJobs(tx, ctx.scope, id);
  return { ...found, ...fields };
}

/** Removes an endpoint and cancels what was queued for it (an attempt under way may still finish). */
export async function removeEndpoint(tx: Tx, ctx: UseCaseContext, id: string): Promise<WebhookEndpoint> {
  const found = await findEndpoint(tx, ctx.scope, id);
  if (!found) throw notFound('webhook endpoint', id);
  await deleteEndpoint(tx, ctx.scope, id);
  await cancelEndpointJobs(tx, ctx.scope, id);
  return found;
}

/**
 * Sends an event again: to one URL, or to every endpoint (and listener) it would go to now. Returns the new
 * jobs. The event is locked first, so a test-data reset racing this cannot leave the new jobs
 * behind naming an event it deleted.
 */
export async function redeliverEvent(tx: Tx, ctx: UseCaseContext, eventId: string, url: string | undefined, policy: TargetPolicy): Promise<WebhookJob[]> {
  const event = await findEventLocked(tx, ctx.scope, eventId);
  if (!event) throw notFound('event', eventId);
  let targets: DeliveryTarget[];
  if (url !== undefined) {
    checkUrl(url, policy);
    targets = [{ url, endpointId: null }];
  } else {
    const charge = event.charge_id ? await findCharge(tx, ctx.scope, event.charge_id) : undefined;
    const now = await eventTargets(tx, ctx.scope);
    // A listener that asked for the event's key gets it again too (`satang listen` forwards it).
    targets = [...deliveryTargets(now.endpoints, charge?.webhook_endpoints ?? null), ...listenerTargets(now.listeners, event.key)];
    if (targets.length === 0) throw new OmiseError('bad_request', 'there is no webhook endpoint to redeliver to; add one or give url');
  }
  return enqueueDeliveries(tx, event, targets, ctx.nowMs);
}

export interface AttemptOutcome {
  status: number | null;
  error: string | null;
  durationMs: number;
  responseExcerpt: string | null;
  payload: string;
  attemptedAtMs: number;
  /** The attempt failed on purpose (webhook chaos): nothing was sent. */
  simulatedFailure?: boolean;
}

/** An attempt answered, to record: its job as claimed, what happened, and its account's time then. */
export interface AnsweredAttempt {
  job: WebhookJob;
  outcome: AttemptOutcome;
  accountNowMs: number;
  /** In [0, 1): where in its window the retry's delay falls. */
  random: number;
}

/**
 * Records attempts and moves their jobs on: delivered, retried later, or failed after three days
 * (three statements for them all: store finishAttempts). Returns each job's status now: `cancelled`
 * when the job stopped being pending while the attempt was under way (the attempt is recorded, the
 * job stays as it is).
 */
export async function recordAttempts(tx: Tx, answered: AnsweredAttempt[]): Promise<Array<WebhookJob['status']>> {
  const finishes = answered.map(({ job, outcome, accountNowMs, random }) => {
    const succeeded = outcome.status !== null && outcome.status >= 200 && outcome.status < 300;
    const attempts = job.attempts + 1;
    const nextAttemptAt = accountNowMs + retryDelayMs(attempts, random);
    const status: WebhookJob['status'] = succeeded ? 'delivered' : nextAttemptAt > job.give_up_at ? 'failed' : 'pending';
    return {
      job,
      status,
      // A job's first attempt keeps the body it sent: every later attempt sends those bytes.
      fields: { status, attempts, next_attempt_at: status === 'pending' ? nextAttemptAt : job.next_attempt_at, payload: job.payload === null ? outcome.payload : null },
      delivery: {
        id: newId('whdl', job.livemode === 1, outcome.attemptedAtMs),
        job_id: job.id,
        event_id: job.event_id,
        account_id: job.account_id,
        livemode: job.livemode,
        uri: job.url,
        status: outcome.status,
        error: outcome.error,
        payload: outcome.payload,
        duration_ms: outcome.durationMs,
        response_excerpt: outcome.responseExcerpt,
        created_at: outcome.attemptedAtMs,
        chaos: job.chaos === null ? null : JSON.stringify(attemptChaos(JSON.parse(job.chaos) as JobChaos, attempts, outcome.simulatedFailure === true)),
      },
    };
  });
  const moved = await finishAttempts(tx, finishes);
  return finishes.map(({ status }, index) => (moved[index] ? status : 'cancelled'));
}

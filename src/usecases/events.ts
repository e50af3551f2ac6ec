/**
 * The event writer (DECISIONS §6): every event and its outbox rows are written here, in the
 * transaction of the change they record, so a crash can delay a webhook but never lose one.
 * Charge events, refund events and the expiry sweep's batches all come through recordEvents;
 * redelivery adds outbox rows to an event that exists (enqueueDeliveries).
 */
import { chargeSnapshot, type ChargeSnapshot } from '../domain/charge.js';
import { type DeliveryTarget, deliveryTargets, listenerTargets } from '../domain/delivery-targets.js';
import { newId } from '../domain/ids.js';
import { type ChargeStatusChange, dailyTotalsDeltas } from '../domain/daily-totals.js';
import { type ChaosSettings, decideJobs, type JobChaos, postponedMs } from '../domain/webhook-chaos.js';
import { webhookRetrySchedule } from '../domain/webhook-retry.js';
import { insertEvents, insertEventWith, type WrittenWithEvent } from '../store/events.js';
import type { ChargeRow, EventRow, WebhookJob } from '../store/schema.js';
import type { Scope } from '../store/scope.js';
import type { Tx } from '../store/store.js';
import { countChaosEvents, type EndpointTarget, eventTargets, type EventTargets, insertJobs } from '../store/webhooks.js';

/** An event to write. */
export interface NewEvent {
  scope: Scope;
  key: 'charge.create' | 'charge.update' | 'charge.complete' | 'charge.expire' | 'refund.create';
  /** What it is about: a charge (its state now is kept with the event), or a refund (which never changes). */
  about: { charge: { id: string } & ChargeSnapshot } | { refund: { id: string }; chargeId: string };
  /** The charge's own webhook URLs (its `webhook_endpoints`, JSON or null): they get the event too. */
  chargeWebhookEndpoints: string | null;
  /** When it happened, on the account's clock. */
  createdAtMs: number;
}

/**
 * What a single event's change writes with it (store/events.ts), with its charges' status changes in
 * place of their daily totals: a new charge counts in its day's totals from the statement that writes it.
 */
export type WrittenWith = Omit<WrittenWithEvent, 'totals'> & { changes?: ChargeStatusChange[] };

/**
 * Writes events and their deliveries into the outbox. `outboxNowMs`: the account time the
 * deliveries are first due. `written`: the rows a single event's change writes with it, in one
 * statement where the database makes that worth it (PostgreSQL: one round trip, not one a row).
 */
export async function recordEvents(tx: Tx, events: NewEvent[], outboxNowMs: number, written?: WrittenWith): Promise<EventRow[]> {
  const rows = events.map(eventRow);
  let targetsOfScope: (scope: Scope) => Promise<EventTargets>;
  if (written && rows.length === 1) {
    const { changes = [], ...rest } = written;
    const totals = dailyTotalsDeltas(written.charge ? [{ charge: written.charge, from: null, to: written.charge.status }, ...changes] : changes);
    const targets = await insertEventWith(tx, rows[0], { ...rest, totals });
    targetsOfScope = async () => targets;
  } else {
    if (written) throw new Error('rows are written with one event at a time');
    await insertEvents(tx, rows);
    // Each account and mode's endpoints and listeners are read once, however many of its events the batch holds.
    const byScope = new Map<string, Promise<EventTargets>>();
    targetsOfScope = (scope) => {
      const key = `${scope.accountId}/${scope.livemode}`;
      let targets = byScope.get(key);
      if (targets === undefined) byScope.set(key, (targets = eventTargets(tx, scope)));
      return targets;
    };
  }
  const delivered: Array<{ event: EventRow; targets: DeliveryTarget[]; endpoints: EndpointTarget[] }> = [];
  for (const [index, event] of events.entries()) {
    const targets = await targetsOfScope(event.scope);
    delivered.push({
      event: rows[index],
      targets: [...deliveryTargets(targets.endpoints, event.chargeWebhookEndpoints), ...listenerTargets(targets.listeners, event.key)],
      endpoints: targets.endpoints,
    });
  }
  const chaos = await chaosOf(tx, delivered);
  const jobs: WebhookJob[] = [];
  for (const { event, targets } of delivered) {
    for (const target of targets) {
      const decided = target.endpointId === null ? undefined : chaos.get(target.endpointId)?.decide();
      if (decided === undefined) jobs.push(job(event, target, outboxNowMs, null));
      else for (const copy of decided) jobs.push(job(event, target, outboxNowMs, copy));
    }
  }
  await insertJobs(tx, jobs);
  return rows;
}

/**
 * Webhook chaos (domain/webhook-chaos.ts) of the test endpoints these events go to: each endpoint's
 * events are counted in this transaction (one statement an endpoint, endpoints in id order so that
 * writers lock them in the same order), and `decide()` gives the decisions of its next event, in
 * the order the events are written. Endpoints without chaos cost nothing.
 */
async function chaosOf(
  tx: Tx,
  delivered: Array<{ event: EventRow; targets: DeliveryTarget[]; endpoints: EndpointTarget[] }>,
): Promise<Map<string, { decide: () => JobChaos[] }>> {
  const counts = new Map<string, number>();
  for (const { event, targets, endpoints } of delivered) {
    if (event.livemode !== 0 || !endpoints.some((endpoint) => endpoint.chaos !== null)) continue;
    for (const { endpointId } of targets) {
      if (endpointId !== null && endpoints.some((endpoint) => endpoint.id === endpointId && endpoint.chaos !== null)) counts.set(endpointId, (counts.get(endpointId) ?? 0) + 1);
    }
  }
  const chaos = new Map<string, { decide: () => JobChaos[] }>();
  for (const endpointId of [...counts.keys()].sort()) {
    const count = counts.get(endpointId)!;
    const counted = await countChaosEvents(tx, endpointId, count);
    if (!counted) continue;
    const settings = JSON.parse(counted.chaos) as ChaosSettings;
    let next = counted.count - count + 1;
    chaos.set(endpointId, { decide: () => decideJobs(settings, endpointId, next++) });
  }
  return chaos;
}

/** An event about a charge, as it is now: its scope, its own webhook URLs and its state are the charge's. */
export function chargeEvent(key: NewEvent['key'], charge: ChargeRow, createdAtMs: number): NewEvent {
  return {
    scope: { accountId: charge.account_id, livemode: charge.livemode },
    key,
    about: { charge },
    chargeWebhookEndpoints: charge.webhook_endpoints,
    createdAtMs,
  };
}

/** Queues deliveries of an event that exists (a redelivery); returns the new outbox rows. */
export async function enqueueDeliveries(tx: Tx, event: EventRow, targets: DeliveryTarget[], outboxNowMs: number): Promise<WebhookJob[]> {
  const jobs = jobsFor(event, targets, outboxNowMs);
  await insertJobs(tx, jobs);
  return jobs;
}

function eventRow(event: NewEvent): EventRow {
  const about = event.about;
  return {
    id: newId('evnt', event.scope.livemode === 1, event.createdAtMs),
    account_id: event.scope.accountId,
    livemode: event.scope.livemode,
    key: event.key,
    charge_id: 'charge' in about ? about.charge.id : about.chargeId,
    object_type: 'charge' in about ? 'charge' : 'refund',
    object_id: 'charge' in about ? about.charge.id : about.refund.id,
    // A charge event keeps the charge's changing fields as they are now; a refund never changes.
    snapshot: 'charge' in about ? chargeSnapshot(about.charge) : '{}',
    created_at: event.createdAtMs,
  };
}

/** The outbox rows of one event: one per target (redeliveries go without chaos). */
function jobsFor(event: Pick<EventRow, 'id' | 'account_id' | 'livemode'>, targets: DeliveryTarget[], outboxNowMs: number): WebhookJob[] {
  return targets.map((target) => job(event, target, outboxNowMs, null));
}

/** One outbox row; with chaos, first due once its delay and hold have passed. */
function job(event: Pick<EventRow, 'id' | 'account_id' | 'livemode'>, { url, endpointId, listenerId }: DeliveryTarget, outboxNowMs: number, chaos: JobChaos | null): WebhookJob {
  return {
    id: newId('whjb', event.livemode === 1, outboxNowMs),
    event_id: event.id,
    account_id: event.account_id,
    livemode: event.livemode,
    url,
    endpoint_id: endpointId,
    listener_id: listenerId ?? null,
    status: 'pending',
    attempts: 0,
    next_attempt_at: outboxNowMs + (chaos ? postponedMs(chaos) : 0),
    give_up_at: outboxNowMs + webhookRetrySchedule.giveUpAfterMs,
    lease_until: 0,
    payload: null,
    created_at: outboxNowMs,
    chaos: chaos ? JSON.stringify(chaos) : null,
  };
}

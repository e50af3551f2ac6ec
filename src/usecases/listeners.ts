/**
 * Listeners (`satang listen`, test mode): made and removed by the CLI, their deliveries finished by
 * its acknowledgements. What a listener is given is decided with every event (the event writer asks
 * domain/delivery-targets.ts); streaming its deliveries is webhooks/listener-streams.ts's.
 */
import { OmiseError, notFound } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { listenerIdleExpiryMs, listenersPerScopeMax } from '../domain/limits.js';
import { type ListenerAck, listenerUri } from '../domain/listeners.js';
import { requireTestMode } from '../domain/test-mode.js';
import { countListeners, deleteListener, findListener, findListenerJobs, finishListenerJobs, insertListener, type ListenerFinish, lockListenerList } from '../store/listeners.js';
import type { Listener, WebhookJob } from '../store/schema.js';
import type { Tx } from '../store/store.js';
import type { UseCaseContext } from './context.js';

export interface ListenerInput {
  /** The event keys it asks for, or null for every key. */
  events: string[] | null;
  /** Where the CLI forwards (its deliveries are recorded under it), or null. */
  forwardTo: string | null;
}

/**
 * Makes a listener of the caller's account (test mode), within the limit per account and mode. It
 * is given every event written from now on that it asked for, until it is removed or expires: an
 * hour after it was made, or after a stream last held it (`wallNowMs`: expiry runs on the wall clock).
 */
export async function createListener(tx: Tx, ctx: UseCaseContext, input: ListenerInput, wallNowMs: number): Promise<Listener> {
  requireTestMode(ctx.scope.livemode);
  await lockListenerList(tx, ctx.scope);
  const existing = await countListeners(tx, ctx.scope);
  if (existing >= listenersPerScopeMax) {
    throw new OmiseError(
      'bad_request',
      `an account can have at most ${listenersPerScopeMax} listeners (this one has ${existing}); stop one (DELETE /test/listeners/:id) or wait for an idle one to expire`,
    );
  }
  const id = newId('lstn', false, ctx.nowMs);
  const listener: Listener = {
    id,
    account_id: ctx.scope.accountId,
    livemode: ctx.scope.livemode,
    url: input.forwardTo ?? listenerUri(id),
    events: input.events === null ? null : JSON.stringify(input.events),
    created_at: ctx.nowMs,
    expires_at: wallNowMs + listenerIdleExpiryMs,
  };
  await insertListener(tx, listener);
  return listener;
}

/** A listener of the caller's account and mode (test mode), or 404. */
export async function listenerOf(tx: Tx, ctx: Pick<UseCaseContext, 'scope'>, id: string): Promise<Listener> {
  requireTestMode(ctx.scope.livemode);
  const listener = await findListener(tx, ctx.scope, id);
  if (!listener) throw notFound('listener', id);
  return listener;
}

/** Removes a listener: nothing more is given to it, and what it had not sent is cancelled. */
export async function removeListener(tx: Tx, ctx: UseCaseContext, id: string): Promise<Listener> {
  const listener = await listenerOf(tx, ctx, id);
  await deleteListener(tx, ctx.scope, id);
  return listener;
}

/** What an acknowledgement did: the delivery as it stands, and whether this acknowledgement finished it. */
export interface Acknowledged {
  listener: Listener;
  job: WebhookJob;
  /** False: it was finished before (a repeated acknowledgement, or the listener was removed meanwhile); nothing was recorded. */
  finished: boolean;
}

/**
 * The CLI forwarded a delivery and says how its local URL answered: the delivery is finished
 * (delivered on a 2xx, failed otherwise: a listener's deliveries are not retried, the developer
 * saw the answer) and the attempt recorded in the event's delivery log, once, however often the
 * acknowledgement comes.
 */
export async function acknowledgeDelivery(tx: Tx, ctx: UseCaseContext, listenerId: string, jobId: string, ack: ListenerAck, wallNowMs: number): Promise<Acknowledged> {
  const listener = await listenerOf(tx, ctx, listenerId);
  const job = (await findListenerJobs(tx, listenerId, [jobId])).get(jobId);
  if (!job) throw notFound('delivery', jobId);
  // The payload is rendered before the delivery is streamed; an acknowledgement of one never streamed is refused.
  if (job.payload === null) throw new OmiseError('bad_request', `delivery ${jobId} was not sent yet`);
  return (await finish(tx, listener, [{ job, ack }], wallNowMs))[0];
}

/**
 * Several acknowledgements of one listener's deliveries, in one change (the CLI batches them when
 * deliveries come faster than an acknowledgement's round trip); each as acknowledgeDelivery. Ids
 * that are not the listener's deliveries, or of deliveries never sent, are left out of the answer.
 */
export async function acknowledgeDeliveries(
  tx: Tx,
  ctx: UseCaseContext,
  listenerId: string,
  acks: Array<{ delivery: string; ack: ListenerAck }>,
  wallNowMs: number,
): Promise<Acknowledged[]> {
  const listener = await listenerOf(tx, ctx, listenerId);
  const jobs = await findListenerJobs(tx, listenerId, [...new Set(acks.map((item) => item.delivery))]);
  const known = acks.flatMap(({ delivery, ack }) => {
    const job = jobs.get(delivery);
    return job && job.payload !== null ? [{ job, ack }] : [];
  });
  return finish(tx, listener, known, wallNowMs);
}

/** Finishes what is still pending among these deliveries (the first acknowledgement of each) and records their attempts. */
async function finish(tx: Tx, listener: Listener, acks: Array<{ job: WebhookJob; ack: ListenerAck }>, wallNowMs: number): Promise<Acknowledged[]> {
  const finishes: ListenerFinish[] = acks.map(({ job, ack }) => ({
    jobId: job.id,
    status: ack.status !== null && ack.status >= 200 && ack.status < 300 ? 'delivered' : 'failed',
    delivery: {
      id: newId('whdl', false, wallNowMs),
      job_id: job.id,
      event_id: job.event_id,
      account_id: job.account_id,
      livemode: job.livemode,
      uri: job.url,
      status: ack.status,
      error: ack.error,
      payload: job.payload!,
      duration_ms: ack.durationMs,
      response_excerpt: null,
      // Listeners take no webhook chaos (that is an endpoint's setting).
      chaos: null,
      // Wall-clock, as every attempt's time is (the dispatcher's too).
      created_at: wallNowMs,
    },
  }));
  const finished = await finishListenerJobs(tx, finishes);
  // Only the first acknowledgement of a delivery in the batch finishes it; a later one answers what it left.
  const after = new Map<string, WebhookJob>();
  return acks.map(({ job }, index) => {
    const seen = after.get(job.id);
    if (seen) return { listener, job: seen, finished: false };
    const done = finished.has(job.id) ? { ...job, status: finishes[index].status, attempts: job.attempts + 1, lease_until: 0 } : job;
    after.set(job.id, done);
    return { listener, job: done, finished: finished.has(job.id) };
  });
}

/**
 * Delivers the outbox. Each tick claims due jobs in a bounded batch (taking a lease, so
 * one process sends each), renders a job's exact body once, signs it, POSTs it with a
 * timeout and records the attempt in the store. Deliveries run concurrently, with a
 * bound overall and per target origin, so one slow or dead endpoint does not hold up
 * the others. A process that dies mid-delivery leaves a lease that runs out; the job is
 * then claimed again (delivery is at least once).
 */
import type { WallClock } from '../domain/clock.js';
import { accountNowMs } from '../domain/clock.js';
import { renderEvents } from '../render/events.js';
import { findAccount } from '../store/accounts.js';
import { dueFilters, Periodic } from '../jobs/periodic.js';
import { findEvent } from '../store/payments.js';
import type { WebhookJob } from '../store/schema.js';
import type { Store } from '../store/store.js';
import { claimDueJobs, releaseJob, setJobPayload } from '../store/webhooks.js';
import { type AttemptOutcome, ensureWebhookSecret, recordAttempt, signingSecrets } from '../usecases/webhooks.js';
import { signatureHeader } from './signing.js';
import { checkResolvedTarget, type TargetPolicy } from './targets.js';

export const webhookTimeoutMsDefault = 10_000;
export const webhookConcurrencyDefault = 32;
export const webhookConcurrencyPerOriginMax = 4;
export const webhookPollIntervalMs = 250;
export const webhookUserAgent = 'Satang-Webhooks/0.1';
const responseExcerptBytesMax = 1024;
/** A lease outlives the longest attempt, so a live dispatcher never loses its job. */
const leaseMarginMs = 5_000;

export interface DispatcherOptions {
  store: Store;
  wall: WallClock;
  publicUrl: () => string;
  policy: TargetPolicy;
  timeoutMs?: number;
  concurrency?: number;
  onError?: (error: unknown) => void;
}

interface ClaimedJob {
  job: WebhookJob;
  payload: string;
  secrets: string[];
}

export class WebhookDispatcher {
  private readonly loop: Periodic;
  private ticking = false;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly inFlightByOrigin = new Map<string, number>();
  private readonly timeoutMs: number;
  private readonly concurrency: number;

  constructor(private readonly options: DispatcherOptions) {
    this.timeoutMs = options.timeoutMs ?? webhookTimeoutMsDefault;
    this.concurrency = options.concurrency ?? webhookConcurrencyDefault;
    this.loop = new Periodic(webhookPollIntervalMs, () => this.tick(), options.onError);
  }

  start(): void {
    this.loop.start();
  }

  /** Stops claiming; waits for the deliveries in flight to finish and be recorded. */
  async stop(): Promise<void> {
    await this.loop.stop();
    await Promise.allSettled([...this.inFlight]);
  }

  /** There may be new work (an event was just written): look now rather than at the next poll. */
  nudge(): void {
    this.loop.nudge();
  }

  /** Runs ticks until nothing is due and nothing is in flight (for tests and tools). */
  async drain(): Promise<void> {
    for (;;) {
      const claimed = await this.tick();
      if (claimed === 0 && this.inFlight.size === 0) return;
      if (this.inFlight.size > 0) await Promise.race([...this.inFlight]);
    }
  }

  /** Claims what it has room for and starts delivering it; returns how many it claimed. */
  async tick(): Promise<number> {
    if (this.ticking) {
      this.loop.nudge();
      return 0;
    }
    this.ticking = true;
    try {
      const room = this.concurrency - this.inFlight.size;
      if (room <= 0) return 0;
      const claimed = await this.claim(room);
      for (const item of claimed) {
        const origin = new URL(item.job.url).origin;
        const busy = this.inFlightByOrigin.get(origin) ?? 0;
        if (busy >= webhookConcurrencyPerOriginMax) {
          // That endpoint is saturated: hand the job back rather than let it wait in line here.
          await this.options.store.transaction((tx) => releaseJob(tx, item.job.id));
          continue;
        }
        this.inFlightByOrigin.set(origin, busy + 1);
        const delivery = this.deliver(item)
          .catch((error) => this.options.onError?.(error))
          .finally(() => {
            this.inFlight.delete(delivery);
            const left = (this.inFlightByOrigin.get(origin) ?? 1) - 1;
            if (left > 0) this.inFlightByOrigin.set(origin, left);
            else this.inFlightByOrigin.delete(origin);
            this.nudge();
          });
        this.inFlight.add(delivery);
      }
      return claimed.length;
    } finally {
      this.ticking = false;
    }
  }

  private async claim(limit: number): Promise<ClaimedJob[]> {
    const { store, wall } = this.options;
    const wallNowMs = wall.nowMs();
    const claimed: ClaimedJob[] = [];
    for (const due of await dueFilters(store, wallNowMs)) {
      if (claimed.length >= limit) break;
      const batch = await store.transaction(async (tx) => {
        const jobs = await claimDueJobs(tx, store.dialect, due, wallNowMs, wallNowMs + this.timeoutMs + leaseMarginMs, limit - claimed.length);
        const out: ClaimedJob[] = [];
        for (const job of jobs) {
          const scope = { accountId: job.account_id, livemode: job.livemode };
          let payload = job.payload;
          if (payload === null) {
            // The body is rendered once, at the first attempt, and every attempt sends these bytes.
            const event = await findEvent(tx, scope, job.event_id);
            if (!event) throw new Error(`webhook job ${job.id} names event ${job.event_id}, which is gone`);
            payload = JSON.stringify((await renderEvents(tx, [event], this.options.publicUrl()))[0]);
            await setJobPayload(tx, job.id, payload);
          }
          const account = await findAccount(tx, job.account_id);
          const secret = await ensureWebhookSecret(tx, scope, wallNowMs);
          out.push({ job, payload, secrets: signingSecrets(secret, accountNowMs(wallNowMs, job.livemode === 1, account?.test_clock_offset_ms ?? 0)) });
        }
        return out;
      });
      claimed.push(...batch);
    }
    return claimed;
  }

  private async deliver({ job, payload, secrets }: ClaimedJob): Promise<void> {
    const outcome = await this.attempt(job.url, payload, secrets);
    const { store } = this.options;
    await store.transaction(async (tx) => {
      const account = await findAccount(tx, job.account_id);
      const nowMs = accountNowMs(this.options.wall.nowMs(), job.livemode === 1, account?.test_clock_offset_ms ?? 0);
      await recordAttempt(tx, job, outcome, nowMs, Math.random());
    });
  }

  /** One POST: never throws; whatever happens is an outcome. */
  private async attempt(url: string, payload: string, secrets: string[]): Promise<AttemptOutcome> {
    const attemptedAtMs = Date.now();
    const started = performance.now();
    const finish = (status: number | null, error: string | null, responseExcerpt: string | null): AttemptOutcome => ({
      status,
      error,
      responseExcerpt,
      payload,
      attemptedAtMs,
      durationMs: Math.round(performance.now() - started),
    });
    try {
      const refused = await checkResolvedTarget(url, this.options.policy);
      if (refused) return finish(null, refused, null);
      // Wall-clock seconds, never the test clock, so merchants' verifiers accept it.
      const timestamp = String(Math.floor(Date.now() / 1000));
      const response = await fetch(url, {
        method: 'POST',
        body: payload,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
        headers: {
          'Content-Type': 'application/json',
          'Omise-Signature': signatureHeader(secrets, timestamp, payload),
          'Omise-Signature-Timestamp': timestamp,
          'User-Agent': webhookUserAgent,
        },
      });
      const excerpt = await readExcerpt(response);
      return finish(response.status, response.status >= 200 && response.status < 300 ? null : `endpoint answered ${response.status}`, excerpt);
    } catch (error) {
      const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
      const message =
        e.name === 'TimeoutError' ? `no answer within ${this.timeoutMs} ms` : e.cause?.code ? `${e.cause.code}: ${e.cause.message ?? e.message}` : (e.message ?? String(error));
      return finish(null, message, null);
    }
  }
}

async function readExcerpt(response: Response): Promise<string | null> {
  if (!response.body) return null;
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < responseExcerptBytesMax) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  const text = Buffer.concat(chunks).subarray(0, responseExcerptBytesMax).toString('utf8');
  return text.length > 0 ? text : null;
}

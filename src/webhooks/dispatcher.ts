/**
 * Delivers the outbox. Each tick claims due jobs in a bounded batch (taking a lease, so
 * one process sends each), renders a job's exact body once, signs it, POSTs it with a
 * timeout and records the attempt in the store. Deliveries run concurrently, with a
 * bound overall and per target origin; claimed jobs wait in memory for a slot at their
 * origin and start as soon as one frees, and an origin with a full queue is skipped by
 * the claims, so one slow or dead endpoint does not hold up the others. A process that
 * dies mid-delivery leaves a lease that runs out; the job is then claimed again
 * (delivery is at least once).
 */
import http from 'node:http';
import https from 'node:https';
import { connect as netConnect } from 'node:net';
import type { Duplex } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { WallClock } from '../domain/clock.js';
import { webhookResponseBytesMax, webhookResponseExcerptBytesMax } from '../domain/limits.js';
import { accountNowMs } from '../domain/clock.js';
import { isSimulatedFailure, type JobChaos, simulatedFailureMessage } from '../domain/webhook-chaos.js';
import { findAccount } from '../store/accounts.js';
import { dueFilters, Periodic } from '../jobs/periodic.js';
import type { WebhookJob, WebhookJobStatus } from '../store/schema.js';
import type { DueFilter, Scope } from '../store/scope.js';
import type { Store, Tx } from '../store/store.js';
import { claimDueJobs, claimJobsById, extendLease, peekDueJobs, releaseJobs } from '../store/webhooks.js';
import { type AttemptOutcome, recordAttempts } from '../usecases/webhooks.js';
import { deliverySecrets, renderBodies, withPayloads } from './claimed-jobs.js';
import { signatureHeader } from './signing.js';
import { type CheckedTarget, checkTarget, networkFailure, pinnedLookup, type Resolver, systemResolver, targetRefusedMessage, type TargetPolicy } from './targets.js';
import {
  webhookConcurrencyDefault,
  webhookConcurrencyPerOriginMax,
  webhookLeaseMarginMs,
  webhookLeaseRenewMarginMs,
  webhookAttemptsRecordedTogetherMax,
  webhookPollIntervalMs,
  webhookTimeoutMsDefault,
  webhookWaitingPerOriginMax,
} from '../domain/limits.js';

export const webhookUserAgent = 'Satang-Webhooks/0.1';

export interface DispatcherOptions {
  store: Store;
  wall: WallClock;
  publicUrl: string;
  policy: TargetPolicy;
  timeoutMs?: number;
  concurrency?: number;
  onError?: (error: unknown) => void;
  /** Told each recorded attempt's outcome (for metrics). */
  onAttempt?: (outcome: 'delivered' | 'retry' | 'failed') => void;
  /** Resolves target host names (default: the system resolver), once per attempt. */
  resolve?: Resolver;
  /** Opens a new connection to a checked target (default: net.connect pinned to its checked addresses). */
  connect?: Connector;
  /** How often it looks for due jobs unasked (default webhookPollIntervalMs). */
  pollIntervalMs?: number;
}

/**
 * Opens the connection of a delivery to a target whose addresses were checked: to one of
 * `target.addresses`, never to a fresh lookup of the name. TLS, when the URL is https, is
 * layered on top by the agent, on the URL's host name.
 */
export type Connector = (target: CheckedTarget) => Duplex;

/** The default connector: net tries the checked addresses (all of them, with autoSelectFamily) and looks nothing up. */
const pinnedConnector: Connector = (target) => netConnect({ host: target.host, port: target.port, lookup: pinnedLookup(target.addresses) });

interface ClaimedJob {
  job: WebhookJob;
  payload: string;
  secrets: string[];
}

/** An attempt answered and not yet recorded, and who waits for its job's status. */
interface UnrecordedAttempt {
  job: WebhookJob;
  outcome: AttemptOutcome;
  resolve: (status: WebhookJobStatus) => void;
  reject: (error: unknown) => void;
}

export class WebhookDispatcher {
  private readonly loop: Periodic;
  /** The claim running now, if any (the loop's, a nudge's or a caller's): one at a time. */
  private claiming: Promise<number> | undefined;
  /** A nudge came while a claim was running: claim again when it ends. */
  private claimAgain = false;
  /** Claims by id of what this process just committed (adopt), running beside the claim above. */
  private readonly adoptions = new Set<Promise<void>>();
  /** How many jobs those claims may still bring (room they hold). */
  private adopting = 0;
  /** A nudge came while jobs were being adopted: run it when they are in. */
  private nudgedWhileAdopting = false;
  /** Attempts answered, waiting for the recording transaction. */
  private readonly unrecorded: UnrecordedAttempt[] = [];
  private recording = false;
  private stopped = false;
  /** Deliveries from the POST until their attempt is recorded. */
  private readonly inFlight = new Set<Promise<void>>();
  /** POSTs not yet answered, overall and by origin (the concurrency bounds). */
  private sending = 0;
  private readonly sendingByOrigin = new Map<string, number>();
  /** Claimed (leased) jobs waiting for a free slot, by origin, oldest first. */
  private readonly waiting = new Map<string, ClaimedJob[]>();
  private readonly timeoutMs: number;
  private readonly concurrency: number;
  /** The most one claim takes. */
  private readonly claimMax: number;
  private readonly resolve: Resolver;
  private readonly agents: TargetAgents;

  constructor(private readonly options: DispatcherOptions) {
    this.timeoutMs = options.timeoutMs ?? webhookTimeoutMsDefault;
    this.concurrency = options.concurrency ?? webhookConcurrencyDefault;
    this.claimMax = 2 * this.concurrency;
    this.resolve = options.resolve ?? systemResolver;
    this.agents = targetAgents(options.connect ?? pinnedConnector);
    this.loop = new Periodic(options.pollIntervalMs ?? webhookPollIntervalMs, () => this.tick(), options.onError);
  }

  start(): void {
    this.stopped = false;
    this.loop.start();
  }

  /** Stops claiming; waits for the deliveries in flight to finish and be recorded. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop.stop();
    await this.claiming?.catch(() => 0);
    await Promise.all([...this.adoptions]);
    // Hand back what was claimed but not started, in one transaction, so nobody waits for its lease.
    const unstarted = [...this.waiting.values()].flat().map((item) => item.job.id);
    this.waiting.clear();
    if (unstarted.length > 0) await this.options.store.transaction((tx) => releaseJobs(tx, unstarted)).catch((error) => this.options.onError?.(error));
    await Promise.allSettled([...this.inFlight]);
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  /**
   * There may be new work (an event was just written, a slot freed): look now rather than at the
   * next poll, or, while a claim is running, again right after it ends (jobs committed while it
   * runs may have been missed by it).
   */
  nudge(): void {
    // Not started (tests and tools drive it with tick and drain), or stopping.
    if (this.stopped || this.loop.isStopped) return;
    // What was just committed is being claimed by id: a look now would find those very jobs and race
    // for them. Look once they are in (the poll still runs meanwhile).
    if (this.adopting > 0) {
      this.nudgedWhileAdopting = true;
      return;
    }
    void this.tick().catch((error) => this.options.onError?.(error));
  }

  /**
   * Jobs this process's transactions just committed (Store.onOutboxCommitted): claimed by id at once,
   * beside any claim running, with no look first: the commit said what there is. Only jobs due now that
   * are sent from here (an endpoint's, not a listener's; no chaos delay), to an origin whose queue has
   * room, and only as many as there is room for: the others are found by the next look, as any job.
   */
  adopt(jobs: WebhookJob[]): void {
    if (this.stopped || this.loop.isStopped) return;
    const full = new Set<string>();
    let held = this.adopting;
    for (const queue of this.waiting.values()) {
      held += queue.length;
      if (queue.length >= webhookWaitingPerOriginMax) for (const item of queue) full.add(item.job.url);
    }
    const room = this.claimMax - held;
    if (room <= 0) return;
    const fresh = jobs.filter((job) => job.listener_id === null && job.chaos === null && job.status === 'pending' && !full.has(job.url)).slice(0, room);
    if (fresh.length === 0) return;
    this.adopting += fresh.length;
    const wallNowMs = this.options.wall.nowMs();
    const leaseUntilMs = wallNowMs + this.timeoutMs + webhookLeaseMarginMs;
    const ids = fresh.map((job) => job.id);
    const expected = fresh.map((job) => ({ ...job, unrendered: true }));
    const run = this.claimAs(expected, wallNowMs, (tx) => claimJobsById(tx, ids, wallNowMs, leaseUntilMs))
      .then((claimed) => this.startClaimed(claimed))
      .catch((error) => this.options.onError?.(error))
      .finally(() => {
        this.adoptions.delete(run);
        this.adopting -= fresh.length;
        if (this.adopting === 0 && this.nudgedWhileAdopting) {
          this.nudgedWhileAdopting = false;
          this.nudge();
        }
      });
    this.adoptions.add(run);
  }

  /** Runs ticks until nothing is due, waiting or in flight (for tests and tools). */
  async drain(): Promise<void> {
    for (;;) {
      // A claim already running (the loop's, a nudge's) may be claiming right now: wait for it, so
      // that "claimed nothing" below is this drain's own finding, never a tick that stood aside.
      while (this.claiming || this.adoptions.size > 0) await Promise.all([this.claiming?.catch(() => 0), ...this.adoptions]);
      const claimed = await this.tick();
      if (claimed === 0 && this.inFlight.size === 0 && this.waiting.size === 0 && !this.claiming && this.adoptions.size === 0) return;
      if (this.inFlight.size > 0) await Promise.race([...this.inFlight]);
    }
  }

  /**
   * Claims what it has room for and starts delivering it; returns how many it claimed. Jobs
   * whose origin has no free slot wait here, under their lease, and start the moment one
   * frees: never handed back to wait in the outbox, which cost a commit and a delay. An
   * origin with a full queue is skipped by the claim, so the jobs of other endpoints are
   * claimed meanwhile.
   */
  tick(): Promise<number> {
    if (this.stopped) return Promise.resolve(0);
    if (this.claiming) {
      this.claimAgain = true;
      return Promise.resolve(0);
    }
    const run = this.claimAndStart().finally(() => {
      this.claiming = undefined;
      if (this.claimAgain) {
        this.claimAgain = false;
        this.nudge();
      }
    });
    this.claiming = run;
    return run;
  }

  private async claimAndStart(): Promise<number> {
    const skipUrls = new Set<string>();
    let waitingOpen = 0;
    for (const queue of this.waiting.values()) {
      if (queue.length >= webhookWaitingPerOriginMax) for (const item of queue) skipUrls.add(item.job.url);
      else waitingOpen += queue.length;
    }
    // Jobs waiting at a full origin take no room: a saturated origin must not starve the others.
    const limit = this.claimMax - waitingOpen;
    if (limit <= 0) return 0;
    const claimed = await this.claim(limit, [...skipUrls]);
    this.startClaimed(claimed);
    return claimed.length;
  }

  /** Queues claimed jobs at their origins and starts what has a slot. */
  private startClaimed(claimed: ClaimedJob[]): void {
    for (const item of claimed) {
      const origin = new URL(item.job.url).origin;
      const queue = this.waiting.get(origin);
      if (queue) queue.push(item);
      else this.waiting.set(origin, [item]);
    }
    this.startWaiting();
  }

  /** Starts waiting jobs while there are free slots, overall and at their origins; one per origin in turn. */
  private startWaiting(): void {
    for (let started = true; started && this.sending < this.concurrency; ) {
      started = false;
      for (const [origin, queue] of this.waiting) {
        if (this.sending >= this.concurrency) break;
        if ((this.sendingByOrigin.get(origin) ?? 0) >= webhookConcurrencyPerOriginMax) continue;
        const item = queue.shift()!;
        if (queue.length === 0) this.waiting.delete(origin);
        this.startDelivery(item, origin);
        started = true;
      }
    }
  }

  private startDelivery(item: ClaimedJob, origin: string): void {
    this.sending++;
    this.sendingByOrigin.set(origin, (this.sendingByOrigin.get(origin) ?? 0) + 1);
    let slotHeld = true;
    // The slot is free once the origin has answered; recording the attempt needs no slot.
    const freeSlot = () => {
      if (!slotHeld) return;
      slotHeld = false;
      this.sending--;
      const left = (this.sendingByOrigin.get(origin) ?? 1) - 1;
      if (left > 0) this.sendingByOrigin.set(origin, left);
      else this.sendingByOrigin.delete(origin);
      this.startWaiting();
      // Claim more once the origin's jobs at hand are down to a round of its slots, or its full
      // queue (which claims skip) has room again; not at every freed slot: a claim costs the same
      // round trips for one job as for many, and a burst would otherwise be claimed a job at a time.
      const queued = this.waiting.get(origin)?.length ?? 0;
      if (queued <= webhookConcurrencyPerOriginMax || queued === webhookWaitingPerOriginMax - 1) this.nudge();
    };
    const delivery = this.deliver(item, freeSlot)
      .catch((error) => this.options.onError?.(error))
      .finally(() => {
        this.inFlight.delete(delivery);
        freeSlot();
      });
    this.inFlight.add(delivery);
  }

  private async claim(limit: number, skipUrls: string[]): Promise<ClaimedJob[]> {
    const { store, wall } = this.options;
    const wallNowMs = wall.nowMs();
    const claimed: ClaimedJob[] = [];
    // A look first: most nudges (one per API change) find nothing due, and then no write transaction,
    // and no commit, is spent on them. The wall clock's look goes out beside the read of the advanced
    // test clocks: two round trips at once.
    const wallDue: DueFilter = { nowMs: wallNowMs };
    const [clockFilters, wallDueJobs] = await Promise.all([dueFilters(store, wallNowMs), peekDueJobs(store.read, wallDue, wallNowMs, limit, skipUrls)]);
    for (const due of [wallDue, ...clockFilters.filter((filter) => filter.scope !== undefined)]) {
      if (claimed.length >= limit) break;
      const seen = due === wallDue ? wallDueJobs : await peekDueJobs(store.read, due, wallNowMs, limit - claimed.length, skipUrls);
      if (seen.length === 0) continue;
      const leaseUntilMs = wallNowMs + this.timeoutMs + webhookLeaseMarginMs;
      const max = limit - claimed.length;
      claimed.push(...(await this.claimAs(seen, wallNowMs, (tx) => claimDueJobs(tx, due, wallNowMs, leaseUntilMs, max, skipUrls))));
    }
    return claimed;
  }

  /**
   * Takes jobs in a transaction of their own (`take`), with their bodies and signing secrets.
   * `expected` says which jobs the take will most likely get (what a look saw, what a commit
   * wrote): their bodies are rendered, and their secrets read, on the reading connections while the
   * transaction runs, not in it, so the claim holds its rows for one statement, not five. A job
   * taken that was not expected (another process's, released meanwhile) is rendered in it.
   */
  private async claimAs(
    expected: Array<Pick<WebhookJob, 'event_id' | 'account_id' | 'livemode'> & { unrendered: boolean }>,
    wallNowMs: number,
    take: (tx: Tx) => Promise<WebhookJob[]>,
  ): Promise<ClaimedJob[]> {
    const { store, publicUrl } = this.options;
    const bodiesAhead = renderBodies(store.read, [...new Set(expected.filter((job) => job.unrendered).map((job) => job.event_id))], publicUrl);
    const scopes = new Map<string, Scope>();
    for (const job of expected) scopes.set(`${job.account_id}/${job.livemode}`, { accountId: job.account_id, livemode: job.livemode });
    // An account and mode with no secret yet gives undefined: the transaction makes it.
    const secretsAhead = Promise.all([...scopes].map(async ([key, scope]) => [key, await deliverySecrets(store.read, scope, wallNowMs, { create: false })] as const));
    // Awaited below; should either fail, the transaction does that part itself.
    bodiesAhead.catch(() => {});
    secretsAhead.catch(() => {});
    // Its own transaction where the database allows: a claim does not wait for a batch of API units.
    return store.transactionNow(async (tx) => {
      const jobs = await take(tx);
      if (jobs.length === 0) return [];
      const rendered = await bodiesAhead.catch(() => undefined);
      // The body is kept on the job when its first attempt is recorded (recordAttempts).
      const ready = await withPayloads(tx, jobs, publicUrl, { keep: 'with the attempt', rendered });
      const secretsByScope = new Map<string, string[] | undefined>(await secretsAhead.catch(() => []));
      const out: ClaimedJob[] = [];
      for (const { job, payload } of ready) {
        const scopeKey = `${job.account_id}/${job.livemode}`;
        let secrets = secretsByScope.get(scopeKey);
        if (secrets === undefined) {
          secrets = await deliverySecrets(tx, { accountId: job.account_id, livemode: job.livemode }, wallNowMs);
          secretsByScope.set(scopeKey, secrets);
        }
        out.push({ job, payload, secrets });
      }
      return out;
    });
  }

  private async deliver(item: ClaimedJob, answered: () => void): Promise<void> {
    const { store, wall } = this.options;
    let { job } = item;
    if (job.lease_until < wall.nowMs() + this.timeoutMs + webhookLeaseRenewMarginMs) {
      // It waited long for its slot: extend the lease first, unless it ran out and another process took the job.
      const leaseUntil = wall.nowMs() + this.timeoutMs + webhookLeaseMarginMs;
      if (!(await store.transaction((tx) => extendLease(tx, job, job.lease_until, leaseUntil)))) return;
      job = { ...job, lease_until: leaseUntil };
    }
    // Webhook chaos may fail the first attempts on purpose: recorded like any failure, nothing sent.
    const chaos = job.chaos === null ? null : (JSON.parse(job.chaos) as JobChaos);
    const attempt = job.attempts + 1;
    const outcome: AttemptOutcome =
      chaos && isSimulatedFailure(chaos, attempt)
        ? { status: null, error: simulatedFailureMessage(chaos, attempt), responseExcerpt: null, payload: item.payload, attemptedAtMs: Date.now(), durationMs: 0, simulatedFailure: true }
        : await this.attempt(job.url, item.payload, item.secrets);
    answered();
    const status = await new Promise<WebhookJobStatus>((resolve, reject) => {
      this.unrecorded.push({ job, outcome, resolve, reject });
      this.recordSoon();
    });
    // A job cancelled while its attempt was under way counts as what the attempt itself was.
    const succeeded = outcome.status !== null && outcome.status >= 200 && outcome.status < 300;
    this.options.onAttempt?.(status === 'pending' ? 'retry' : status === 'delivered' || (status === 'cancelled' && succeeded) ? 'delivered' : 'failed');
  }

  private recordSoon(): void {
    if (this.recording || this.unrecorded.length === 0) return;
    this.recording = true;
    // Attempts answered in this turn of the event loop join the transaction.
    setImmediate(() => void this.recordUnrecorded());
  }

  /**
   * Records answered attempts, many in one transaction, one transaction at a time: beside the API's
   * batches where the database allows (PostgreSQL), so that recording 500 attempts a second adds
   * no statements to the batches that changes wait on; joining them where one writer commits all.
   * Should the transaction fail, each attempt is recorded again alone, so one failing attempt
   * fails only itself.
   */
  private async recordUnrecorded(): Promise<void> {
    const batch = this.unrecorded.splice(0, webhookAttemptsRecordedTogetherMax);
    const { store } = this.options;
    try {
      const statuses = await store.transactionNow((tx) => this.recordAttempts(tx, batch));
      batch.forEach((item, index) => item.resolve(statuses[index]));
    } catch (error) {
      if (batch.length === 1) batch[0].reject(error);
      else await Promise.all(batch.map((item) => store.transactionNow((tx) => this.recordAttempts(tx, [item])).then(([status]) => item.resolve(status), item.reject)));
    } finally {
      this.recording = false;
      this.recordSoon();
    }
  }

  private async recordAttempts(tx: Tx, batch: UnrecordedAttempt[]): Promise<WebhookJobStatus[]> {
    // Each account's test clock offset, read once per transaction.
    const offsets = new Map<string, number>();
    for (const { job } of batch) {
      if (!offsets.has(job.account_id)) offsets.set(job.account_id, (await findAccount(tx, job.account_id))?.test_clock_offset_ms ?? 0);
    }
    const wallNowMs = this.options.wall.nowMs();
    return recordAttempts(
      tx,
      batch.map(({ job, outcome }) => ({ job, outcome, accountNowMs: accountNowMs(wallNowMs, job.livemode === 1, offsets.get(job.account_id)!), random: Math.random() })),
    );
  }

  /**
   * One POST: never throws; whatever happens is an outcome. The target is resolved once and
   * checked (a refused target is never connected), then connected at a checked address; the
   * timeout covers both.
   */
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
      const target = await withinMs(checkTarget(url, this.options.policy, this.resolve), this.timeoutMs);
      if (!target) return finish(null, targetRefusedMessage, null);
      // Wall-clock seconds, never the test clock, so merchants' verifiers accept it.
      const timestamp = String(Math.floor(Date.now() / 1000));
      // node:http with keep-alive agents, not fetch: fetch + AbortSignal.timeout costs ~0.6 ms
      // more CPU per POST (30 % of a core at 500/s). Redirects are not followed.
      const leftMs = Math.max(1, this.timeoutMs - Math.round(performance.now() - started));
      const { status, excerpt } = await post(url, target, this.agents, payload, leftMs, {
        'Content-Type': 'application/json',
        'Content-Length': String(Buffer.byteLength(payload)),
        'Omise-Signature': signatureHeader(secrets, timestamp, payload),
        'Omise-Signature-Timestamp': timestamp,
        'User-Agent': webhookUserAgent,
      });
      return finish(status, status >= 200 && status < 300 ? null : `endpoint answered ${status}`, excerpt);
    } catch (error) {
      return finish(null, networkFailure(error, this.timeoutMs), null);
    }
  }
}

function timeoutError(ms: number): Error {
  return Object.assign(new Error(`no answer within ${ms} ms`), { name: 'TimeoutError' });
}

/** The promise's outcome, or a TimeoutError after `ms`. */
function withinMs<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timeoutError(ms)), ms);
    timer.unref();
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/** The request option that carries an attempt's checked target to its agent's new connection. */
const checkedTargetOption = 'satangCheckedTarget';

interface TargetAgents {
  http: http.Agent;
  https: https.Agent;
}

/**
 * Keep-alive agents (a dispatcher's own) whose new connections go through the connector to
 * the attempt's checked addresses. A pooled connection is reused as it is: it was opened to
 * an address checked then, and nothing is looked up for it.
 */
function targetAgents(connect: Connector): TargetAgents {
  const targetOf = (options: object): CheckedTarget => (options as Record<string, CheckedTarget>)[checkedTargetOption];
  class PinnedHttpAgent extends http.Agent {
    override createConnection(options: http.ClientRequestArgs): Duplex {
      return connect(targetOf(options));
    }
  }
  class PinnedHttpsAgent extends https.Agent {
    override createConnection(options: http.ClientRequestArgs, callback?: (error: Error | null, stream: Duplex) => void): Duplex {
      // https.Agent's own: TLS session reuse, SNI and the certificate check on the host name; over the pinned socket.
      return https.Agent.prototype.createConnection.call(this, { ...options, socket: connect(targetOf(options)) } as http.ClientRequestArgs, callback) as Duplex;
    }
  }
  return { http: new PinnedHttpAgent({ keepAlive: true }), https: new PinnedHttpsAgent({ keepAlive: true }) };
}

/**
 * A receiver's answer as text that can be stored anywhere: at most
 * `webhookResponseExcerptBytesMax` bytes of UTF-8, bytes that are not UTF-8 (or encode a lone
 * surrogate) and NUL characters (PostgreSQL text refuses them) replaced by U+FFFD, no
 * character cut in half.
 */
export function storableExcerpt(bytes: Buffer): string | null {
  const cut = (buffer: Buffer) => new StringDecoder('utf8').write(buffer.subarray(0, webhookResponseExcerptBytesMax));
  let text = cut(bytes).replaceAll('\0', '\uFFFD');
  // A replacement character takes three bytes where the byte it replaced took one.
  if (Buffer.byteLength(text) > webhookResponseExcerptBytesMax) text = cut(Buffer.from(text, 'utf8'));
  return text.length > 0 ? text : null;
}

/**
 * One POST to a checked target: the status and the start of the body; rejects on a socket
 * error, or after timeoutMs in all. At most `webhookResponseBytesMax` of the body is read:
 * past it (a huge or endless answer) the connection is closed and the status stands.
 */
function post(
  url: string,
  target: CheckedTarget,
  agents: TargetAgents,
  body: string,
  timeoutMs: number,
  headers: Record<string, string>,
): Promise<{ status: number; excerpt: string | null }> {
  return new Promise((resolve, reject) => {
    const secure = new URL(url).protocol === 'https:';
    const options = { method: 'POST', headers, agent: secure ? agents.https : agents.http, [checkedTargetOption]: target };
    const request = (secure ? https : http).request(url, options, (response) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      let read = 0;
      const settle = () => {
        clearTimeout(timer);
        resolve({ status: response.statusCode ?? 0, excerpt: storableExcerpt(Buffer.concat(chunks)) });
      };
      response.on('data', (chunk: Buffer) => {
        if (kept < webhookResponseExcerptBytesMax) {
          chunks.push(chunk);
          kept += chunk.length;
        }
        read += chunk.length;
        if (read > webhookResponseBytesMax) {
          settle();
          response.destroy();
        }
      });
      response.on('end', settle);
      response.on('error', reject);
    });
    const timer = setTimeout(() => request.destroy(timeoutError(timeoutMs)), timeoutMs);
    timer.unref();
    request.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    request.end(body);
  });
}

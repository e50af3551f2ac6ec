/**
 * The composition root: everything a gateway process runs on, built once, in one place, from a
 * store and settings that are fixed before anything uses them (the public URL included). The HTTP
 * app (api/app.ts), the dashboard, the customer's pages, the `satang` command and the tests all
 * take a Gateway; none of them builds a worker, a clock or a provider of its own.
 *
 *   store ─► clocks ─► change runner ◄── API, dashboard, wallet simulator, expiry sweep, scripted outcomes, CLI
 *                          │ after each commit
 *                          ▼
 *                   webhook dispatcher ─► merchants' endpoints
 *                   listener streams   ─► `satang listen` (Server-Sent Events, acknowledged)
 */
import { LiveProvider } from './jobs/live-provider.js';
import { scbSandboxBaseUrl } from './config.js';
import { Authenticator } from './api/auth.js';
import { GatewayMetrics } from './api/ops.js';
import { systemClock, type WallClock } from './domain/clock.js';
import { ExpirySweep } from './jobs/expiry-sweep.js';
import { TextIndexJob } from './jobs/text-index.js';
import { type RequestLogSettings, RequestLogTail, RequestLogWriter } from './jobs/request-log.js';
import { ScriptedOutcomeJob } from './jobs/scripted-outcomes.js';
import { TrueMoneySimulator } from './provider/truemoney-simulator/simulator.js';
import { QrPngCache } from './qr/png.js';
import type { Store } from './store/store.js';
import { ChangeRunner } from './usecases/changes.js';
import { AccountClocks } from './usecases/clock.js';
import { type Connector, WebhookDispatcher } from './webhooks/dispatcher.js';
import { ListenerStreams } from './webhooks/listener-streams.js';
import type { Resolver, TargetPolicy } from './webhooks/targets.js';

/** Where the background workers report what went wrong (pino's signature: details, then the message). */
export interface GatewayLog {
  error(details: object, message: string): void;
  warn(details: object, message: string): void;
  info?(details: object, message: string): void;
}

const silentLog: GatewayLog = { error() {}, warn() {} };

export interface GatewayOptions {
  store: Store;
  /** The base of every absolute URL Satang prints (authorize_uri, QR download_uri); fixed for the gateway's life. */
  publicUrl: string;
  wallClock?: WallClock;
  log?: GatewayLog;
  /** SATANG_WEBHOOK_TIMEOUT_MS, SATANG_WEBHOOK_CONCURRENCY, SATANG_WEBHOOK_ALLOW_PRIVATE (default true: a sandbox). */
  webhookTimeoutMs?: number;
  webhookConcurrency?: number;
  webhookAllowPrivateTargets?: boolean;
  /** How deliveries resolve names and connect (tests inject both, so they never leave loopback). */
  webhookResolve?: Resolver;
  webhookConnect?: Connector;
  /** The request log's bounds (tests make them small; the defaults are domain/limits.ts's). */
  requestLog?: RequestLogSettings;
  /** Live mode through SCB (DECISIONS §11): its base URL (SCB's sandbox unless given) and the key provider secrets are sealed with. */
  scbBaseUrl?: string;
  secretsKey?: Buffer | null;
  /** The live provider's loop and sweep intervals (tests drive it with runOnce instead). */
  liveIntervalMs?: number;
  liveSweepIntervalMs?: number;
}

/** Which background work a process runs (every process may run both: the database shares the work out). */
export interface BackgroundWork {
  /** The expiry sweep, and with it the job that applies scripted outcomes (both due-work loops on the account clocks). */
  sweep: boolean;
  dispatch: boolean;
}

export class Gateway {
  readonly store: Store;
  readonly wall: WallClock;
  readonly publicUrl: string;
  readonly log: GatewayLog;
  readonly clocks: AccountClocks;
  readonly targetPolicy: TargetPolicy;
  readonly metrics: GatewayMetrics;
  readonly changes: ChangeRunner;
  readonly webhooks: WebhookDispatcher;
  /** The listeners' streams this process holds (`satang listen`): the outbox's other consumer. */
  readonly listeners: ListenerStreams;
  readonly sweep: ExpirySweep;
  /** SQLite's full-text index, written in batches after the fact. */
  readonly textIndex: TextIndexJob;
  /** Applies test charges' scripted outcomes when they fall due (DECISIONS §10). */
  readonly outcomes: ScriptedOutcomeJob;
  /** The payment provider a sandbox ships: the TrueMoney wallet simulator. */
  readonly wallet: TrueMoneySimulator;
  /** Live mode's provider: SCB's confirmations, inquiry and reconciliation sweep. */
  readonly live: LiveProvider;
  readonly qrPngs = new QrPngCache();
  /** API keys, found by their digest and cached for two seconds (api/auth.ts). */
  readonly keys: Authenticator;
  /** The test-mode request log (DECISIONS §10): written after the replies, in batches. */
  readonly requestLog: RequestLogWriter;
  /** Every process's new request log entries, for the streams open on this one. */
  readonly requestLogTail: RequestLogTail;
  private started: BackgroundWork = { sweep: false, dispatch: false };

  constructor(options: GatewayOptions) {
    this.store = options.store;
    this.wall = options.wallClock ?? systemClock;
    this.publicUrl = options.publicUrl.replace(/\/+$/, '');
    this.log = options.log ?? silentLog;
    this.clocks = new AccountClocks(this.store, this.wall);
    this.keys = new Authenticator(this.store);
    this.targetPolicy = { allowPrivateTargets: options.webhookAllowPrivateTargets ?? true };
    this.metrics = new GatewayMetrics(this.store, this.wall, (error) => this.log.warn({ err: error }, 'metrics query failed'));
    this.webhooks = new WebhookDispatcher({
      store: this.store,
      wall: this.wall,
      publicUrl: this.publicUrl,
      policy: this.targetPolicy,
      timeoutMs: options.webhookTimeoutMs,
      concurrency: options.webhookConcurrency,
      resolve: options.webhookResolve,
      connect: options.webhookConnect,
      onError: (error) => this.log.error({ err: error }, 'webhook dispatch failed'),
      onAttempt: (outcome) => this.metrics.webhookAttempt(outcome),
    });
    // What a transaction of this process wrote into the outbox is claimed by id as soon as it commits.
    this.store.onOutboxCommitted((jobs) => this.webhooks.adopt(jobs));
    this.listeners = new ListenerStreams({
      store: this.store,
      wall: this.wall,
      publicUrl: this.publicUrl,
      onError: (error) => this.log.error({ err: error }, 'listener stream failed'),
    });
    // A committed change may have written events into the outbox: deliver them now, not at the next poll.
    this.changes = new ChangeRunner({
      store: this.store,
      clocks: this.clocks,
      wall: this.wall,
      publicUrl: this.publicUrl,
      onCommitted: () => {
        this.webhooks.nudge();
        this.listeners.nudge();
      },
    });
    this.sweep = new ExpirySweep({ store: this.store, wall: this.wall, changes: this.changes, onError: (error) => this.log.error({ err: error }, 'expiry sweep failed') });
    this.textIndex = new TextIndexJob(this.store, (error) => this.log.error({ err: error }, 'search index update failed'));
    this.outcomes = new ScriptedOutcomeJob({
      store: this.store,
      wall: this.wall,
      changes: this.changes,
      publicUrl: this.publicUrl,
      onError: (error) => this.log.error({ err: error }, 'scripted outcomes failed'),
    });
    this.wallet = new TrueMoneySimulator({ store: this.store, clocks: this.clocks, changes: this.changes });
    this.live = new LiveProvider({
      store: this.store,
      changes: this.changes,
      wall: this.wall,
      publicUrl: this.publicUrl,
      scbBaseUrl: options.scbBaseUrl ?? scbSandboxBaseUrl,
      secretsKey: options.secretsKey ?? null,
      intervalMs: options.liveIntervalMs,
      sweepIntervalMs: options.liveSweepIntervalMs,
      log: {
        info: (fields, message) => this.log.info?.(fields, message),
        warn: (fields, message) => this.log.warn(fields, message),
        error: (fields, message) => this.log.error(fields, message),
      },
    });
    this.requestLogTail = new RequestLogTail({
      store: this.store,
      wall: this.wall,
      pollMs: options.requestLog?.tailPollMs,
      onError: (error) => this.log.warn({ err: error }, 'request log stream failed to read'),
    });
    this.requestLog = new RequestLogWriter({
      ...options.requestLog,
      store: this.store,
      wall: this.wall,
      onDropped: (count) => this.metrics.requestLogDropped(count),
      onError: (error) => this.log.warn({ err: error }, 'request log entries were not written'),
      onFlushed: () => this.requestLogTail.nudge(),
    });
  }

  /** Starts the background work this process runs. */
  start(work: BackgroundWork = { sweep: true, dispatch: true }): void {
    if (work.sweep) {
      this.sweep.start();
      this.outcomes.start();
      this.textIndex.start();
      this.live.start();
    }
    if (work.dispatch) this.webhooks.start();
    this.started = work;
  }

  /**
   * Stops the background work: the sweep and the outcome job finish their batch, the dispatcher its deliveries in
   * flight; the request log's streams end and the entries still queued are written; the listeners' streams end
   * (their unacknowledged deliveries handed back).
   */
  async stop(): Promise<void> {
    await this.listeners.stop();
    if (this.started.sweep) await Promise.all([this.sweep.stop(), this.outcomes.stop(), this.textIndex.stop(), this.live.stop()]);
    if (this.started.dispatch) await this.webhooks.stop();
    this.started = { sweep: false, dispatch: false };
    await this.requestLogTail.stop();
    await this.requestLog.stop();
  }

  /** An account's test clock moved: forget its cached offset, and look for what fell due at once. */
  clockMoved(accountId: string): void {
    this.clocks.forget(accountId);
    this.sweep.nudge();
    this.outcomes.nudge();
  }
}

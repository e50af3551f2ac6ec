/**
 * Streams listeners' deliveries (`satang listen`, test mode) to the CLIs holding them, as
 * Server-Sent Events: the outbox's other consumer beside the dispatcher. A listener's deliveries
 * are outbox jobs written with their events (usecases/events.ts); the process that holds a stream
 * of the listener claims them under a lease (as the dispatcher claims webhooks, so two processes
 * never send one at once), renders and signs each exactly as a webhook, writes it to the stream,
 * and leaves it pending until the CLI acknowledges it (POST .../ack, usecases/listeners.ts). A
 * delivery not acknowledged within its lease is sent again, to whichever stream holds the
 * listener then; one whose stream closed is handed back at once. So a dropped connection, a
 * restart or another process loses nothing, and the CLI, which remembers what it forwarded,
 * forwards nothing twice.
 *
 * Each frame:  event: delivery / id: <job id> /
 *              data: {"delivery":<job id>,"event":<the webhook body as JSON>,"body":<the exact body string>,
 *                     "headers":{"Omise-Signature":…,"Omise-Signature-Timestamp":…}}
 * An idle stream gets a `: keep-alive` comment every 15 s. Streams are closed when the gateway
 * drains (closeAll), so a shutdown never waits on one; the CLI reconnects.
 */
import type { Writable } from 'node:stream';
import type { WallClock } from '../domain/clock.js';
import {
  listenerAckLeaseMs,
  listenerIdleExpiryMs,
  listenerKeepAliveMs,
  listenerPollIntervalMs,
  listenerRefreshIntervalMs,
  listenerUnackedMax,
} from '../domain/limits.js';
import { Periodic } from '../jobs/periodic.js';
import { claimListenerJobs, hasSendableDelivery, releaseListenerJobs, touchListener } from '../store/listeners.js';
import type { Listener, WebhookJob } from '../store/schema.js';
import type { Store, Tx } from '../store/store.js';
import { deliverySecrets, withPayloads } from './claimed-jobs.js';
import { signatureHeader } from './signing.js';

export interface ListenerStreamsOptions {
  store: Store;
  wall: WallClock;
  publicUrl: string;
  onError?: (error: unknown) => void;
}

/** A stream this process holds: the response body its frames go to, and the deliveries it sent under its leases. */
interface HeldStream {
  listener: Pick<Listener, 'id' | 'account_id' | 'livemode'>;
  sink: Writable;
  /** Deliveries sent and not known to be acknowledged: job id → the lease taken for it. */
  sent: Map<string, number>;
  refreshedAtMs: number;
  wroteAtMs: number;
  /** Set once it closed: what it sent and was not acknowledged being handed back. */
  detached?: Promise<void>;
}

/** A claimed delivery, ready to write: its body and the signing secrets of its account and mode. */
interface Ready {
  job: WebhookJob;
  payload: string;
  secrets: string[];
}

export class ListenerStreams {
  private readonly streams = new Set<HeldStream>();
  private readonly loop: Periodic;
  private started = false;
  private stopped = false;

  constructor(private readonly options: ListenerStreamsOptions) {
    this.loop = new Periodic(listenerPollIntervalMs, () => this.tick(), options.onError);
  }

  /** How many streams this process holds. */
  get size(): number {
    return this.streams.size;
  }

  /**
   * Holds a stream of a listener (found in the caller's scope): its deliveries go to `sink`, a
   * response body, from now until the sink closes (the CLI went) or the gateway drains.
   */
  open(listener: Pick<Listener, 'id' | 'account_id' | 'livemode'>, sink: Writable): void {
    const nowMs = this.options.wall.nowMs();
    const stream: HeldStream = { listener, sink, sent: new Map(), refreshedAtMs: 0, wroteAtMs: nowMs };
    sink.once('close', () => void this.detach(stream));
    if (this.stopped) {
      sink.end();
      return;
    }
    this.streams.add(stream);
    // Something at once: the CLI (and any proxy) sees the stream open before the first delivery.
    this.write(stream, `: listening ${listener.id}\n\n`);
    if (!this.started) {
      this.started = true;
      this.loop.start();
    }
    this.loop.nudge();
  }

  /** There may be deliveries to send (an event was just written here, or one was acknowledged): look now, not at the next poll. */
  nudge(): void {
    if (this.streams.size > 0) this.loop.nudge();
  }

  /** A delivery was acknowledged through this process: it no longer takes room in its stream's window. */
  acknowledged(listenerId: string, jobId: string): void {
    for (const stream of this.streams) if (stream.listener.id === listenerId) stream.sent.delete(jobId);
    this.nudge();
  }

  /** A listener was removed through this process: its streams end now (others notice within the refresh interval). */
  listenerRemoved(listenerId: string): void {
    for (const stream of this.streams) if (stream.listener.id === listenerId) this.end(stream);
  }

  /** Ends every stream (the gateway drains): the CLIs reconnect, to another process or this one restarted; their unacknowledged deliveries are handed back. */
  async closeAll(): Promise<void> {
    const streams = [...this.streams];
    for (const stream of streams) this.end(stream);
    await Promise.all(streams.map((stream) => this.detach(stream)));
  }

  /** Stops: every stream ends, no more claims. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop.stop();
    await this.closeAll();
    this.started = false;
  }

  private end(stream: HeldStream): void {
    if (!stream.sink.writableEnded) stream.sink.end();
  }

  /** The stream is gone: what it sent and was not acknowledged is handed back, so any stream may send it at once. */
  private detach(stream: HeldStream): Promise<void> {
    stream.detached ??= (async () => {
      this.streams.delete(stream);
      const sent = [...stream.sent];
      stream.sent.clear();
      await this.release(sent);
    })();
    return stream.detached;
  }

  private async release(sent: Array<[id: string, leaseUntil: number]>): Promise<void> {
    if (sent.length === 0) return;
    const byLease = new Map<number, string[]>();
    for (const [id, leaseUntil] of sent) byLease.set(leaseUntil, [...(byLease.get(leaseUntil) ?? []), id]);
    try {
      await this.options.store.transaction(async (tx) => {
        for (const [leaseUntil, ids] of byLease) await releaseListenerJobs(tx, ids, leaseUntil);
      });
    } catch (error) {
      // Their leases run out instead: they are sent again then.
      this.options.onError?.(error);
    }
  }

  private write(stream: HeldStream, frame: string): void {
    if (stream.detached || stream.sink.writableEnded) return;
    stream.sink.write(frame);
    stream.wroteAtMs = this.options.wall.nowMs();
  }

  private async tick(): Promise<void> {
    for (const stream of [...this.streams]) {
      if (stream.detached) continue;
      try {
        await this.serve(stream);
      } catch (error) {
        this.options.onError?.(error);
      }
    }
  }

  /** One look at a stream: its listener kept alive (or the stream ended when it is gone), its deliveries claimed and written, a keep-alive when idle. */
  private async serve(stream: HeldStream): Promise<void> {
    const { store, wall } = this.options;
    let nowMs = wall.nowMs();
    if (nowMs - stream.refreshedAtMs >= listenerRefreshIntervalMs) {
      const present = await store.transaction((tx) => touchListener(tx, stream.listener.id, nowMs + listenerIdleExpiryMs));
      if (!present) {
        this.end(stream);
        return;
      }
      stream.refreshedAtMs = nowMs;
    }
    // Sent deliveries whose lease ran out are no longer this stream's: acknowledged, or to be claimed again.
    for (const [id, leaseUntil] of stream.sent) if (leaseUntil < nowMs) stream.sent.delete(id);
    // The window (listenerUnackedMax) is counted in the claim, from the database: acknowledgements may come through another process.
    if (await hasSendableDelivery(store.read, stream.listener.id, nowMs)) {
      nowMs = wall.nowMs();
      const leaseUntil = nowMs + listenerAckLeaseMs;
      const ready = await store.transactionNow((tx) => this.claim(tx, stream.listener.id, nowMs, leaseUntil));
      for (const { job } of ready) stream.sent.set(job.id, leaseUntil);
      if (stream.detached) {
        // It closed while the claim ran: hand these back too.
        await this.release(ready.map(({ job }) => [job.id, leaseUntil]));
        return;
      }
      for (const item of ready) this.write(stream, deliveryFrame(item));
      // More may be waiting than the window took: look again at once.
      if (ready.length > 0) this.loop.nudge();
    }
    if (wall.nowMs() - stream.wroteAtMs >= listenerKeepAliveMs) this.write(stream, ': keep-alive\n\n');
  }

  /**
   * Claims what the listener's window has room for; renders the bodies not yet rendered (once per
   * job: every send of it carries the same bytes, as a webhook's attempts do) and reads the signing
   * secrets. A job whose event is gone (a test-data reset) is cancelled.
   */
  private async claim(tx: Tx, listenerId: string, wallNowMs: number, leaseUntil: number): Promise<Ready[]> {
    const jobs = await claimListenerJobs(tx, listenerId, wallNowMs, leaseUntil, listenerUnackedMax);
    if (jobs.length === 0) return [];
    const ready = await withPayloads(tx, jobs, this.options.publicUrl, { keep: 'now' });
    if (ready.length === 0) return [];
    // One listener: one account and mode, one set of secrets.
    const { account_id: accountId, livemode } = ready[0].job;
    const secrets = await deliverySecrets(tx, { accountId, livemode }, wallNowMs);
    return ready.map((item) => ({ ...item, secrets }));
  }
}

/**
 * A delivery as an SSE frame: the body exactly as a webhook's, and the signature headers a webhook
 * would carry now (wall-clock seconds: merchants' verifiers check its age). The body is compact
 * JSON (no line breaks), so it goes into the data line as it is.
 */
export function deliveryFrame({ job, payload, secrets }: Ready): string {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const headers = { 'Omise-Signature': signatureHeader(secrets, timestamp, payload), 'Omise-Signature-Timestamp': timestamp };
  const data = `{"delivery":${JSON.stringify(job.id)},"event":${payload},"body":${JSON.stringify(payload)},"headers":${JSON.stringify(headers)}}`;
  return `event: delivery\nid: ${job.id}\ndata: ${data}\n\n`;
}

/**
 * Server-Sent Events responses, for any route that streams (the request log's tail, listeners):
 *
 *   const stream = request.server.sse.open(request, reply, { owner: caller.accountId });
 *   stream.send('request_log', JSON.stringify(entry), entry.id);
 *   stream.onClose(() => unsubscribe());
 *
 * A stream answers `content-type: text/event-stream`, `cache-control: no-cache`,
 * `x-accel-buffering: no` (nginx passes each event on at once) and `connection: close` (the
 * connection is the stream's alone), writes a `: keep-alive` comment every sseKeepAliveMs, and is
 * not a request in flight: a gateway draining for shutdown closes every stream at once rather than
 * waiting for it. Streams are bounded per owner (an account) and per process: one more is a 429
 * too_many_requests, answered before the stream starts. A client that stops reading is
 * disconnected once sseBufferedBytesMax wait for it, rather than buffered for without end.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { OmiseError } from '../domain/errors.js';
import { sseBufferedBytesMax, sseKeepAliveMs, sseStreamsMax, sseStreamsPerAccountMax } from '../domain/limits.js';

export interface SseStream {
  /** Whom the stream counts against (an account id). */
  readonly owner: string;
  /** False once closed, by either side. */
  readonly open: boolean;
  /** Writes one event; false when the stream is closed (or was just closed for a client too far behind). */
  send(event: string, data: string, id?: string): boolean;
  /** Writes a comment line (ignored by clients; keeps the connection busy). */
  comment(text: string): void;
  /** Ends the stream. */
  close(): void;
  /** Runs once the stream has closed, whoever closed it (at once if it already has). */
  onClose(listener: () => void): void;
}

export interface SseLimits {
  perOwnerMax: number;
  totalMax: number;
  keepAliveMs: number;
  bufferedBytesMax: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The app's open Server-Sent Events streams. */
    sse: SseStreams;
  }
}

/** One line of an event's field: a field's value may not hold a line break, so each line of data is its own `data:` line. */
function field(name: string, value: string): string {
  return value
    .split(/\r\n|\r|\n/)
    .map((line) => `${name}: ${line}\n`)
    .join('');
}

export class SseStreams {
  private readonly streams = new Set<Stream>();
  private readonly limits: SseLimits;

  constructor(limits: Partial<SseLimits> = {}) {
    this.limits = {
      perOwnerMax: limits.perOwnerMax ?? sseStreamsPerAccountMax,
      totalMax: limits.totalMax ?? sseStreamsMax,
      keepAliveMs: limits.keepAliveMs ?? sseKeepAliveMs,
      bufferedBytesMax: limits.bufferedBytesMax ?? sseBufferedBytesMax,
    };
  }

  /** Streams open now, of one owner or of all. */
  count(owner?: string): number {
    if (owner === undefined) return this.streams.size;
    let count = 0;
    for (const stream of this.streams) if (stream.owner === owner) count++;
    return count;
  }

  /**
   * Starts a stream as the answer to `request`: the checks first (429 too_many_requests past a
   * limit, 503 while the gateway drains), thrown as Omise errors before anything is written; then
   * the status and headers, and the stream is the route's to write to.
   */
  open(request: FastifyRequest, reply: FastifyReply, options: { owner: string }): SseStream {
    const { ops } = request.server;
    if (ops.draining) throw new OmiseError('service_unavailable', 'the gateway is shutting down; connect again in a moment');
    if (this.streams.size >= this.limits.totalMax) throw new OmiseError('too_many_requests', `this gateway has ${this.limits.totalMax} streams open; try again later`);
    if (this.count(options.owner) >= this.limits.perOwnerMax) {
      throw new OmiseError('too_many_requests', `at most ${this.limits.perOwnerMax} streams may be open at once per account; close one first`);
    }
    reply.hijack();
    const raw = reply.raw;
    const headers: Record<string, string | number | string[]> = {};
    for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) headers[name] = value as string | number | string[];
    raw.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
      connection: 'close',
    });
    const stream = new Stream(options.owner, raw, this.limits, () => this.streams.delete(stream));
    this.streams.add(stream);
    // Not in flight: a drain does not wait for it (it is closed instead).
    ops.longLived(request);
    // Tells the client how soon to come back after a close, and puts the headers on the wire now.
    raw.write('retry: 2000\n\n');
    return stream;
  }

  /** The open streams of one owner (to close them when what they show ends). */
  streamsOf(owner: string): SseStream[] {
    return [...this.streams].filter((stream) => stream.owner === owner);
  }

  /** Closes every stream (the gateway drains or the app closes). */
  closeAll(): void {
    for (const stream of [...this.streams]) stream.close();
  }
}

class Stream implements SseStream {
  open = true;
  private readonly listeners: Array<() => void> = [];
  private readonly keepAlive: NodeJS.Timeout;

  constructor(
    readonly owner: string,
    private readonly raw: FastifyReply['raw'],
    private readonly limits: SseLimits,
    forget: () => void,
  ) {
    this.keepAlive = setInterval(() => this.comment('keep-alive'), limits.keepAliveMs);
    this.keepAlive.unref();
    raw.once('close', () => {
      this.open = false;
      clearInterval(this.keepAlive);
      forget();
      for (const listener of this.listeners.splice(0)) listener();
    });
  }

  send(event: string, data: string, id?: string): boolean {
    return this.write(`${field('event', event)}${id === undefined ? '' : field('id', id)}${field('data', data)}\n`);
  }

  comment(text: string): void {
    this.write(`${field('', text)}\n`);
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    clearInterval(this.keepAlive);
    this.raw.end();
  }

  onClose(listener: () => void): void {
    if (this.raw.closed) listener();
    else this.listeners.push(listener);
  }

  private write(text: string): boolean {
    if (!this.open || this.raw.destroyed) return false;
    if (this.raw.writableLength > this.limits.bufferedBytesMax) {
      // The client stopped reading: let it go rather than hold its backlog.
      this.raw.destroy();
      return false;
    }
    this.raw.write(text);
    return true;
  }
}

/** Gives the app its streams: closed when the gateway starts draining, and before the app closes. */
export function installSse(app: FastifyInstance, limits: Partial<SseLimits> = {}): SseStreams {
  const streams = new SseStreams(limits);
  app.decorate('sse', streams);
  app.ops.onDrain(() => streams.closeAll());
  app.addHook('preClose', (done) => {
    streams.closeAll();
    done();
  });
  return streams;
}

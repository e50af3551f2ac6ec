/**
 * The client side of Satang's Server-Sent Events streams (`GET /test/requests/stream`, a listener's stream):
 * a reader of the `text/event-stream` format as the WHATWG HTML standard parses it (lines ended by CRLF, LF
 * or CR; `event`, `data`, `id` and `retry` fields; `:` comments; a blank line dispatches), limited in size
 * so a stream that never ends a line cannot grow without bound. No package in use parses SSE, and the
 * format is small: this follows the standard's algorithm step by step.
 */

export interface ServerSentEvent {
  /** The `event` field, or "message" when the event named none. */
  event: string;
  /** The `data` lines, joined with "\n". */
  data: string;
  /** The last `id` seen on the stream so far (it carries over to later events, as the standard says). */
  id: string | undefined;
}

/** A stream that breaks the reader's limits. */
export class StreamError extends Error {}

/** The most one line, or one event's data, may hold: 1 MiB of text. */
export const sseLineCharsMax = 1024 * 1024;

export class ServerSentEventReader {
  /** The stream's last event id (for `Last-Event-ID` when reconnecting). */
  lastEventId: string | undefined;
  /** The reconnection time the server asked for (`retry:`), in milliseconds. */
  retryMs: number | undefined;

  private readonly decoder = new TextDecoder('utf-8');
  private pending = '';
  /** The previous chunk ended with CR: a LF starting the next one belongs to that line break. */
  private skipLf = false;
  private eventType = '';
  private data = '';
  private hasData = false;

  constructor(private readonly charsMax = sseLineCharsMax) {}

  /** The events of a stream of bytes, in order; an event not ended by a blank line when the stream ends is dropped. */
  async *read(chunks: AsyncIterable<Uint8Array | string>): AsyncGenerator<ServerSentEvent> {
    for await (const chunk of chunks) {
      const text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
      yield* this.feed(text);
    }
    yield* this.feed(this.decoder.decode());
  }

  /** The events completed by one more piece of text. */
  *feed(text: string): Generator<ServerSentEvent> {
    let start = 0;
    if (this.skipLf && text.length > 0) {
      if (text[0] === '\n') start = 1;
      this.skipLf = false;
    }
    for (let i = start; i < text.length; i++) {
      const c = text[i];
      if (c !== '\n' && c !== '\r') continue;
      const line = this.pending + text.slice(start, i);
      this.pending = '';
      if (c === '\r') {
        if (i + 1 < text.length) {
          if (text[i + 1] === '\n') i++;
        } else {
          this.skipLf = true;
        }
      }
      start = i + 1;
      const event = this.line(line);
      if (event) yield event;
    }
    if (start < text.length) {
      this.pending += text.slice(start);
      if (this.pending.length > this.charsMax) throw new StreamError(`a line of the event stream is longer than ${this.charsMax} characters`);
    }
  }

  private line(line: string): ServerSentEvent | undefined {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.eventType = value;
    else if (field === 'data') {
      this.data += value + '\n';
      this.hasData = true;
      if (this.data.length > this.charsMax) throw new StreamError(`an event of the stream holds more than ${this.charsMax} characters of data`);
    } else if (field === 'id') {
      if (!value.includes('\u0000')) this.lastEventId = value;
    } else if (field === 'retry') {
      if (/^\d+$/.test(value)) this.retryMs = Number(value);
    }
    return undefined;
  }

  private dispatch(): ServerSentEvent | undefined {
    const event: ServerSentEvent | undefined = this.hasData ? { event: this.eventType || 'message', data: this.data.slice(0, -1), id: this.lastEventId } : undefined;
    this.eventType = '';
    this.data = '';
    this.hasData = false;
    return event;
  }
}

/** A Server-Sent Events client for tests: opens a stream with a key, collects its events, closes. */
import { type ServerSentEvent as SseEvent, ServerSentEventReader } from '../../src/cli/sse.js';
import { basic } from './harness.js';

export interface OpenStream {
  status: number;
  headers: Headers;
  /** Every event so far (comments are not events). */
  events: SseEvent[];
  /** The raw text so far (comments included). */
  text(): string;
  /** Resolves when the server ended the stream (or it was closed here). */
  ended: Promise<void>;
  waitFor(predicate: (events: SseEvent[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): void;
}

export async function openStream(url: string, key: string): Promise<OpenStream> {
  const abort = new AbortController();
  const response = await fetch(url, { headers: { authorization: basic(key), accept: 'text/event-stream' }, signal: abort.signal });
  const events: SseEvent[] = [];
  let raw = '';
  const reader = new ServerSentEventReader();
  const decoder = new TextDecoder();
  const ended = (async () => {
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        const text = decoder.decode(chunk, { stream: true });
        raw += text;
        events.push(...reader.feed(text));
      }
    } catch {
      // Closed here.
    }
  })();
  return {
    status: response.status,
    headers: response.headers,
    events,
    text: () => raw,
    ended,
    async waitFor(predicate, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(events)) {
        if (Date.now() > deadline) throw new Error(`stream: timed out; got ${events.length} events:\n${raw.slice(-2000)}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    close() {
      abort.abort();
    },
  };
}

/** The deliveries among a stream's events, parsed. */
export function deliveriesOf(events: SseEvent[]): Array<{ id: string | undefined; delivery: string; event: any; body: string; headers: Record<string, string> }> {
  return events.filter((event) => event.event === 'delivery').map((event) => ({ id: event.id, ...JSON.parse(event.data) }));
}

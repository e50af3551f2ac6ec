/**
 * `satang logs tail`: the request log of the account's test mode (DECISIONS §10). Without --follow, the most
 * recent entries (GET /test/requests), oldest first; with --follow, every new entry as it is written (the
 * Server-Sent Events of GET /test/requests/stream), resuming after the last one seen when the stream drops
 * (a gateway restarting, a proxy closing it) until Ctrl-C.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { requestLogLine } from './format.js';
import { ApiError, type Json, noMoreArguments, type Query, type RemoteCall, type RemoteClient, type RemoteCommand, RemoteUsageError, stringOption, wholeNumber, type Output } from './remote.js';
import { ServerSentEventReader } from './sse.js';

/** Entries shown without --follow when --limit does not say. */
const tailDefault = 20;
/** Ids of the entries printed lately, so a resumed stream that repeats some prints none twice. */
const seenIdsMax = 1000;
/** Waits between reconnections: the server's `retry:`, else from 1 s growing to 5 s. */
const reconnectMs = { first: 1000, max: 5000 };

export const logsCommand: RemoteCommand = {
  usage: `  logs tail [--status 4xx|404|2xx...] [--path /charges] [--route /charges/:id] [--request-id ID]
            [--limit N] [--follow]
                                         the test-mode request log: the last N requests (default ${tailDefault}), or
                                         with --follow each new one as it happens (Ctrl-C stops)
`,
  options: {
    status: { type: 'string' },
    path: { type: 'string' },
    route: { type: 'string' },
    'request-id': { type: 'string' },
    limit: { type: 'string' },
    follow: { type: 'boolean', short: 'f' },
  },
  async run(client, call, out) {
    const [sub] = call.args;
    if (sub !== 'tail') throw new RemoteUsageError(sub === undefined ? 'logs needs tail' : `unknown logs command ${sub}`);
    noMoreArguments(call, 1, 'logs tail');
    const status = stringOption(call.values, 'status');
    if (status !== undefined && !/^[1-5](\d\d|xx)$/i.test(status)) throw new RemoteUsageError('--status must be a status like 404 or a class like 4xx');
    const filters: Query = { status: status?.toLowerCase(), path: stringOption(call.values, 'path'), route: stringOption(call.values, 'route'), request_id: stringOption(call.values, 'request-id') };
    if (call.values.follow) return follow(client, call, out, filters);
    const limit = wholeNumber(call.values, 'limit') ?? tailDefault;
    const list = await client.request('GET', '/test/requests', { query: { ...filters, limit, order: 'reverse_chronological' } });
    const entries: Json[] = [...list.data].reverse();
    out.items(entries, requestLogLine, 'no requests recorded (yet) that match');
  },
};

async function follow(client: RemoteClient, call: RemoteCall, out: Output, filters: Query): Promise<void> {
  const { signal } = call;
  const seen = new Set<string>();
  let lastEventId: string | undefined;
  let retryMs: number | undefined;
  let connected = false;
  let waitMs = reconnectMs.first;
  while (!signal.aborted) {
    // A new reader for each connection (nothing half-read carries over); the last id and retry do.
    const reader = new ServerSentEventReader();
    reader.lastEventId = lastEventId;
    try {
      const stream = await client.openStream('/test/requests/stream', filters, { signal, lastEventId });
      call.note(connected ? 'satang: reconnected' : `satang: tailing the request log of ${client.target.apiUrl} (Ctrl-C to stop)`);
      connected = true;
      waitMs = reconnectMs.first;
      for await (const event of reader.read(stream)) {
        lastEventId = reader.lastEventId;
        if (event.event !== 'request_log') continue;
        let entry: Json;
        try {
          entry = JSON.parse(event.data);
        } catch {
          call.note('satang: skipped an entry that is not JSON');
          continue;
        }
        const id = String(entry.id);
        if (seen.has(id)) continue;
        seen.add(id);
        if (seen.size > seenIdsMax) seen.delete(seen.values().next().value as string);
        out.object(entry, () => requestLogLine(entry));
      }
      retryMs = reader.retryMs ?? retryMs;
      if (!signal.aborted) call.note('satang: the stream ended; reconnecting');
    } catch (error) {
      if (signal.aborted) return;
      retryMs = reader.retryMs ?? retryMs;
      // Refused (a live key, no such route): trying again will not help. Never reached at all: say so.
      if (error instanceof ApiError && error.status < 500) throw error;
      if (!connected) throw error;
      call.note(`satang: lost the stream (${error instanceof Error ? error.message : String(error)}); reconnecting`);
    }
    try {
      await sleep(retryMs ?? waitMs, undefined, { signal });
    } catch {
      return;
    }
    waitMs = Math.min(waitMs * 2, reconnectMs.max);
  }
}

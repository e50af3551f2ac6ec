/**
 * `satang listen --forward-to URL [--events key,key] [--json]`: forwards a test-mode account's
 * events to a local URL, exactly as webhooks (the same body bytes, signed with the account's
 * webhook secret: the local handler verifies with the secret it already has).
 *
 * Over the API only (never the database), with the secret key: it makes a listener
 * (POST /test/listeners), holds its stream (GET /test/listeners/:id/stream, Server-Sent Events),
 * forwards each delivery, prints one line per event and acknowledges it with the local status and
 * duration (POST /test/listeners/:id/acks: the acknowledgements that gathered while the last request
 * was under way, so one request each when events are few), which the gateway records in the event's
 * delivery log. A dropped stream (the gateway restarted, drained,
 * or the network failed) is opened again with backoff, and the gateway sends again what was not
 * acknowledged; a delivery this run forwarded is never forwarded again (it is acknowledged again
 * instead). Ctrl-C finishes the forwards under way, acknowledges them, removes the listener and exits.
 */
import http from 'node:http';
import https from 'node:https';
import { parseArgs } from 'node:util';
import { formatTimestamp } from '../domain/time.js';
import { listenerAckErrorCharsMax } from '../domain/limits.js';
import { ServerSentEventReader } from './sse.js';

export const listenUsage = `usage: satang listen --forward-to URL [--events KEY,KEY] [--json] [--api-url URL] [--secret-key KEY]
                     [--listener ID] [--keep]

  Forwards the test-mode events of the secret key's account to URL, signed as webhooks are (Omise-Signature,
  Omise-Signature-Timestamp: verify them with the account's webhook secret), and prints one line per event:
  its time, key and id, and the local URL's status and duration.

  --forward-to URL        where to POST each event (required)
  --events KEY,KEY        only these event keys (charge.create, charge.update, charge.complete, charge.expire,
                          refund.create; default: all)
  --json                  one JSON object per line instead
  --api-url URL           the gateway (SATANG_API_URL, default http://127.0.0.1:4000)
  --secret-key KEY        a test secret key (SATANG_SECRET_KEY, or OMISE_SECRET_KEY)
  --listener ID           resume a listener made before (events that arrived meanwhile come first); it is kept
  --keep                  keep the listener at exit (resume it with --listener within the hour)
`;

/** A failure the gateway answered: its Omise error. */
export class RemoteError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A usage mistake: said with the usage. */
export class ListenUsageError extends Error {}

/** A minimal client of Satang's API with a secret key (the remote CLI's shared client may take its place). */
export class ApiClient {
  readonly authorization: string;
  readonly baseUrl: string;

  constructor(apiUrl: string, secretKey: string) {
    this.baseUrl = apiUrl.replace(/\/+$/, '');
    this.authorization = `Basic ${Buffer.from(`${secretKey}:`).toString('base64')}`;
  }

  /** A JSON request; the answer's JSON, or a RemoteError with the Omise error (a network failure rejects as it is). */
  async request(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<any> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { authorization: this.authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
    const { json, text } = await readAnswer(response);
    if (response.status >= 400 || json === undefined) throw remoteError(response.status, json, text);
    return json;
  }
}

function remoteError(status: number, json: any, text: string): RemoteError {
  if (json && json.object === 'error') return new RemoteError(status, String(json.code), String(json.message));
  return new RemoteError(status, `http_${status}`, `the gateway answered ${status}: ${text.slice(0, 200)}`);
}

// ---------------------------------------------------------------- forwarding

/** A delivery as the stream carries it. */
export interface StreamedDelivery {
  delivery: string;
  event: { id: string; key: string; [key: string]: unknown };
  body: string;
  headers: Record<string, string>;
}

/** What the local URL answered (status null: no answer), and how long it took. */
export interface ForwardOutcome {
  status: number | null;
  durationMs: number;
  error: string | null;
}

export const listenUserAgent = 'Satang-Webhooks/0.1 (satang listen)';

const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

/** POSTs a delivery's exact body with its signature headers, as the dispatcher would; never throws. */
export function forward(url: string, delivery: StreamedDelivery, timeoutMs: number): Promise<ForwardOutcome> {
  const started = performance.now();
  const took = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    let settled = false;
    const settle = (outcome: ForwardOutcome) => {
      if (settled) return;
      settled = true;
      // The gateway takes an acknowledgement's error up to a bound: our own message, shortened to fit.
      if (outcome.error !== null && outcome.error.length > listenerAckErrorCharsMax) outcome.error = `${outcome.error.slice(0, listenerAckErrorCharsMax - 1)}…`;
      clearTimeout(timer);
      resolve(outcome);
    };
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      settle({ status: null, durationMs: 0, error: `not a URL: ${url}` });
      return;
    }
    const secure = target.protocol === 'https:';
    const headers = {
      'Content-Type': 'application/json',
      'Content-Length': String(Buffer.byteLength(delivery.body)),
      'User-Agent': listenUserAgent,
      ...delivery.headers,
    };
    const request = (secure ? https : http).request(target, { method: 'POST', headers, agent: secure ? agents.https : agents.http }, (response) => {
      // The answer's body is read and dropped: only its status is reported.
      response.on('data', () => {});
      response.on('end', () => settle({ status: response.statusCode ?? null, durationMs: took(), error: null }));
      response.on('error', (error) => settle({ status: response.statusCode ?? null, durationMs: took(), error: error.message }));
    });
    const timer = setTimeout(() => request.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    request.on('error', (error) => settle({ status: null, durationMs: took(), error: error.message }));
    request.end(delivery.body);
  });
}

// ---------------------------------------------------------------- the command

export interface ListenOptions {
  forwardTo: string;
  events: string | null;
  json: boolean;
  /** Resume this listener instead of making one. */
  listener?: string;
  /** Keep the listener at exit (a resumed one is always kept). */
  keep?: boolean;
  /** How long the local URL has to answer (default 10 s, as webhooks). */
  forwardTimeoutMs?: number;
  /** A stream silent this long (no keep-alive either) is taken for dead and opened again. */
  silenceMs?: number;
}

/** Where the command writes: event lines (standard output) and what it says about itself (standard error). */
export interface ListenOutput {
  line(text: string): void;
  info(text: string): void;
}

/** What this run did with a delivery: forwarding it now, or forwarded (a resent one is acknowledged again with this outcome). */
type DeliveryState = { state: 'forwarding' } | { state: 'forwarded'; outcome: ForwardOutcome };

const backoffFirstMs = 250;
const backoffMaxMs = 5000;
/** Deliveries this run remembers (so a resent one is never forwarded twice); the oldest are forgotten past it. */
const rememberedMax = 100_000;
/** At exit, how long acknowledgements still owed may take. */
const exitFlushMs = 10_000;
/** Forwards under way at once (the dispatcher's bound per origin); the next wait in arrival order. */
const forwardsAtOnce = 16;

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** An answer's text, and its JSON when it is JSON. */
async function readAnswer(response: Response): Promise<{ json: any; text: string }> {
  const text = await response.text();
  try {
    return { json: JSON.parse(text), text };
  } catch {
    return { json: undefined, text };
  }
}

function describe(error: unknown): string {
  if (error instanceof RemoteError) return `${error.code}: ${error.message}`;
  const cause = (error as { cause?: { message?: string; code?: string } })?.cause;
  const message = error instanceof Error ? error.message : String(error);
  return cause?.message ? `${message} (${cause.message})` : message;
}

/**
 * Runs `satang listen` until `stop` is aborted (Ctrl-C) or the listener is gone; returns the exit
 * code. Everything goes through `client` (the gateway's API).
 */
export async function runListen(client: ApiClient, options: ListenOptions, out: ListenOutput, stop: AbortSignal): Promise<number> {
  const forwardTimeoutMs = options.forwardTimeoutMs ?? 10_000;
  const silenceMs = options.silenceMs ?? 45_000;
  let listener: { id: string; events: string[] | null };
  const made = options.listener === undefined;
  try {
    listener = made
      ? await client.request('POST', '/test/listeners', { ...(options.events ? { events: options.events } : {}), forward_to: options.forwardTo })
      : await client.request('GET', `/test/listeners/${encodeURIComponent(options.listener!)}`);
  } catch (error) {
    out.info(`satang: ${describe(error)}`);
    return 1;
  }
  const keys = listener.events === null ? 'every event' : listener.events.join(', ');
  out.info(`Ready! Forwarding ${keys} to ${options.forwardTo} (listener ${listener.id}; Ctrl-C to stop)`);
  out.info("Deliveries are signed with the account's webhook secret (`satang webhooks secret`, GET /webhook_secret).");

  const deliveries = new Map<string, DeliveryState>();
  const underWay = new Set<Promise<void>>();
  const base = `/test/listeners/${encodeURIComponent(listener.id)}`;
  let gone: string | null = null;
  const streamAbort = new AbortController();
  const onStop = () => streamAbort.abort();
  stop.addEventListener('abort', onStop, { once: true });

  const remember = (id: string, state: DeliveryState) => {
    deliveries.delete(id);
    deliveries.set(id, state);
    if (deliveries.size > rememberedMax) deliveries.delete(deliveries.keys().next().value!);
  };

  // Until Ctrl-C, acknowledgements are retried for as long as it takes; after it, until the flush runs out.
  const ackDeadline = { ms: Number.POSITIVE_INFINITY };
  /** Acknowledgements waiting to be sent; while one request is under way the next ones gather (up to 100 a request). */
  const ackQueue: Array<{ id: string; outcome: ForwardOutcome; done: () => void }> = [];
  let acking: Promise<void> | null = null;

  /** Sends what the queue holds until it is empty: retried while the gateway does not answer (it may be restarting), given up on a refusal or after the exit flush. */
  const sendAcks = async () => {
    for (let wait = backoffFirstMs; ackQueue.length > 0; ) {
      const batch = ackQueue.splice(0, 100);
      try {
        await client.request('POST', `${base}/acks`, {
          acks: batch.map(({ id, outcome }) => ({ delivery: id, status: outcome.status, duration_ms: outcome.durationMs, error: outcome.error })),
        });
        wait = backoffFirstMs;
      } catch (error) {
        const refused = error instanceof RemoteError && error.status >= 400 && error.status < 500;
        if (!refused && Date.now() <= ackDeadline.ms) {
          ackQueue.unshift(...batch);
          await sleep(wait);
          wait = Math.min(wait * 2, backoffMaxMs);
          continue;
        }
        if (error instanceof RemoteError && error.status === 404) gone = error.message;
        out.info(
          refused
            ? `satang: acknowledgements were refused: ${describe(error)}`
            : `satang: ${batch.length} deliveries were not acknowledged (${describe(error)}); the gateway sends them again to the next listen`,
        );
      }
      for (const { done } of batch) done();
    }
  };
  const acknowledge = (id: string, outcome: ForwardOutcome) =>
    new Promise<void>((resolve) => {
      ackQueue.push({ id, outcome, done: resolve });
      acking ??= sendAcks().finally(() => {
        acking = null;
      });
    });

  let forwarding = 0;
  const slotWaiters: Array<() => void> = [];
  /** A forward's turn: at once while fewer than forwardsAtOnce are under way, else when one ends (its slot handed on). */
  const slot = async () => {
    if (forwarding < forwardsAtOnce) forwarding++;
    else await new Promise<void>((resolve) => slotWaiters.push(resolve));
  };
  const freeSlot = () => {
    const next = slotWaiters.shift();
    if (next) next();
    else forwarding--;
  };

  const handle = (delivery: StreamedDelivery) => {
    const known = deliveries.get(delivery.delivery);
    if (known?.state === 'forwarding') return;
    if (known?.state === 'forwarded') {
      // Sent again (its acknowledgement was lost, or late): acknowledged again, never forwarded twice.
      const work = acknowledge(delivery.delivery, known.outcome);
      underWay.add(work);
      void work.finally(() => underWay.delete(work));
      return;
    }
    remember(delivery.delivery, { state: 'forwarding' });
    const work = (async () => {
      await slot();
      let outcome: ForwardOutcome;
      try {
        outcome = await forward(options.forwardTo, delivery, forwardTimeoutMs);
      } finally {
        freeSlot();
      }
      remember(delivery.delivery, { state: 'forwarded', outcome });
      print(out, options.json, delivery, outcome);
      await acknowledge(delivery.delivery, outcome);
    })();
    underWay.add(work);
    void work.finally(() => underWay.delete(work));
  };

  let exitCode = 0;
  let connectedBefore = false;
  /** The last trouble said: the same one again (a gateway restarting) is said once. */
  let lastTrouble = '';
  for (let wait = backoffFirstMs; !stop.aborted && gone === null; ) {
    let connected = false;
    let silence: NodeJS.Timeout | undefined;
    const attempt = new AbortController();
    const abortAttempt = () => attempt.abort();
    streamAbort.signal.addEventListener('abort', abortAttempt, { once: true });
    try {
      const response = await fetch(`${client.baseUrl}${base}/stream`, {
        headers: { authorization: client.authorization, accept: 'text/event-stream' },
        signal: attempt.signal,
      });
      if (response.status !== 200) {
        const { json, text } = await readAnswer(response);
        const error = remoteError(response.status, json, text);
        // The listener is gone, or the key is refused: nothing to wait for.
        if ([401, 403, 404].includes(response.status)) {
          out.info(`satang: ${describe(error)}`);
          exitCode = 1;
          break;
        }
        throw error;
      }
      connected = true;
      lastTrouble = '';
      if (connectedBefore) out.info('Reconnected.');
      connectedBefore = true;
      wait = backoffFirstMs;
      // The shared reader (cli/sse.ts): the standard's parsing, each line bounded.
      const reader = new ServerSentEventReader();
      const decoder = new TextDecoder();
      const arm = () => {
        clearTimeout(silence);
        silence = setTimeout(() => attempt.abort(new Error(`the stream was silent for ${silenceMs / 1000} s`)), silenceMs);
      };
      arm();
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        arm();
        for (const event of reader.feed(decoder.decode(chunk, { stream: true }))) {
          if (event.event !== 'delivery') continue;
          let delivery: StreamedDelivery;
          try {
            delivery = JSON.parse(event.data) as StreamedDelivery;
          } catch {
            out.info('satang: a delivery the stream sent was not JSON; skipped');
            continue;
          }
          handle(delivery);
        }
      }
      if (!stop.aborted) out.info('The stream ended (the gateway may be restarting); connecting again.');
    } catch (error) {
      if (stop.aborted) break;
      const reason = attempt.signal.reason instanceof Error ? attempt.signal.reason.message : describe(error);
      const trouble = `${connected ? 'The stream dropped' : 'Could not open the stream'} (${reason})`;
      if (trouble !== lastTrouble) out.info(`${trouble}; trying again until it opens (Ctrl-C to stop).`);
      lastTrouble = trouble;
    } finally {
      clearTimeout(silence);
      streamAbort.signal.removeEventListener('abort', abortAttempt);
    }
    if (stop.aborted || gone !== null) break;
    if (!connected) {
      await sleep(wait, stop);
      wait = Math.min(wait * 2, backoffMaxMs);
    }
  }
  stop.removeEventListener('abort', onStop);

  // Forwards under way finish and are acknowledged (for a while) before the listener goes.
  ackDeadline.ms = Date.now() + exitFlushMs;
  while (underWay.size > 0) await Promise.allSettled([...underWay]);
  if (gone !== null) {
    out.info(`satang: ${gone}`);
    return 1;
  }
  if (exitCode !== 0) {
    // The listener is gone, or the key was refused: nothing to remove.
  } else if (made && !options.keep) {
    try {
      await client.request('DELETE', base);
      out.info(`Stopped; listener ${listener.id} removed.`);
    } catch (error) {
      out.info(`satang: the listener ${listener.id} was not removed (${describe(error)}); it expires an hour after its stream closed`);
    }
  } else {
    out.info(`Stopped; listener ${listener.id} kept for an hour: \`satang listen --listener ${listener.id} --forward-to ${options.forwardTo}\` resumes it.`);
  }
  agents.http.destroy();
  agents.https.destroy();
  return exitCode;
}

function print(out: ListenOutput, json: boolean, delivery: StreamedDelivery, outcome: ForwardOutcome): void {
  const time = formatTimestamp(Date.now());
  if (json) {
    out.line(
      JSON.stringify({
        time,
        delivery: delivery.delivery,
        event: delivery.event.id,
        key: delivery.event.key,
        status: outcome.status,
        duration_ms: outcome.durationMs,
        error: outcome.error,
      }),
    );
    return;
  }
  const answer = outcome.status === null ? `ERR ${outcome.error ?? 'no answer'}` : String(outcome.status);
  out.line(`${time}  ${delivery.event.key.padEnd(15)}  ${delivery.event.id}  -> ${answer}  ${outcome.durationMs} ms`);
}

/**
 * `satang listen ...` from the command line: options, then the environment (SATANG_API_URL,
 * SATANG_SECRET_KEY, OMISE_SECRET_KEY); Ctrl-C (SIGINT) or SIGTERM stops it cleanly, a second one at once.
 */
export async function listenCommand(argv: string[], env: NodeJS.ProcessEnv, out: ListenOutput): Promise<number> {
  let values;
  try {
    values = parseArgs({
      args: argv,
      allowPositionals: false,
      options: {
        'forward-to': { type: 'string' },
        events: { type: 'string' },
        json: { type: 'boolean' },
        'api-url': { type: 'string' },
        'secret-key': { type: 'string' },
        listener: { type: 'string' },
        keep: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    throw new ListenUsageError((error as Error).message);
  }
  if (values.help) {
    out.line(listenUsage.trimEnd());
    return 0;
  }
  const forwardTo = values['forward-to'];
  if (!forwardTo) throw new ListenUsageError('listen needs --forward-to URL');
  let url: URL;
  try {
    url = new URL(forwardTo);
  } catch {
    throw new ListenUsageError(`--forward-to must be an http or https URL, not ${forwardTo}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ListenUsageError(`--forward-to must be an http or https URL, not ${forwardTo}`);
  const apiUrl = values['api-url'] ?? env.SATANG_API_URL ?? 'http://127.0.0.1:4000';
  const secretKey = values['secret-key'] ?? env.SATANG_SECRET_KEY ?? env.OMISE_SECRET_KEY;
  if (!secretKey) throw new ListenUsageError('listen needs a secret key: --secret-key, SATANG_SECRET_KEY or OMISE_SECRET_KEY');
  const stop = new AbortController();
  let signals = 0;
  const onSignal = () => {
    signals++;
    if (signals > 1) process.exit(130);
    out.info('Stopping: finishing the forwards under way...');
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await runListen(
      new ApiClient(apiUrl, secretKey),
      { forwardTo, events: values.events ?? null, json: values.json === true, listener: values.listener, keep: values.keep === true },
      out,
      stop.signal,
    );
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

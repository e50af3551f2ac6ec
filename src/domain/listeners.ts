/**
 * Listeners (`satang listen`, test mode): a subscription whose deliveries go through the outbox like
 * webhooks, but are streamed to the CLI that holds it instead of POSTed. The rules here are pure:
 * which event keys a listener may ask for, what it is given, and what an acknowledgement says.
 */
import { OmiseError } from './errors.js';
import { listenerAckDurationMsMax, listenerAckErrorCharsMax, listenerAcksPerRequestMax, webhookUrlCharsMax } from './limits.js';

/** Every event key Satang writes (DECISIONS §6). */
export const eventKeys = ['charge.create', 'charge.update', 'charge.complete', 'charge.expire', 'refund.create'] as const;
export type EventKey = (typeof eventKeys)[number];

/**
 * The event keys a listener asks for: a comma-separated string or an array of keys; absent, empty
 * or `*` means every key (null). Unknown keys are refused, never dropped.
 */
export function parseListenerEvents(value: unknown): EventKey[] | null {
  if (value === undefined || value === null || value === '') return null;
  const parts = typeof value === 'string' ? value.split(',') : Array.isArray(value) ? value : null;
  if (parts === null || parts.some((part) => typeof part !== 'string')) throw new OmiseError('bad_request', 'events must be a comma-separated string or an array of event keys');
  const keys = (parts as string[]).map((part) => part.trim()).filter((part) => part.length > 0);
  if (keys.length === 0 || keys.includes('*')) return null;
  const chosen = new Set<EventKey>();
  for (const key of keys) {
    if (!(eventKeys as readonly string[]).includes(key)) throw new OmiseError('bad_request', `events: ${key.slice(0, 100)} is not an event key (one of ${eventKeys.join(', ')})`);
    chosen.add(key as EventKey);
  }
  // In the order Satang lists them, so the same choice always reads the same.
  return eventKeys.filter((key) => chosen.has(key));
}

/** Whether a listener that asked for `events` (stored JSON, or null for all) is given an event of this key. */
export function listenerWants(events: string | null, key: string): boolean {
  return events === null || (JSON.parse(events) as string[]).includes(key);
}

/**
 * Where the CLI forwards to, as the listener's deliveries are recorded (the `uri` of each attempt):
 * an http or https URL, or none. Satang never connects to it.
 */
export function parseForwardTo(value: unknown): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string') throw new OmiseError('bad_request', 'forward_to must be a string');
  if (value.length > webhookUrlCharsMax) throw new OmiseError('bad_request', `forward_to must be at most ${webhookUrlCharsMax} characters`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new OmiseError('bad_request', 'forward_to must be an absolute http or https URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new OmiseError('bad_request', 'forward_to must be an absolute http or https URL');
  return value;
}

/** The URL a listener's deliveries are recorded under when it names no forward_to. */
export function listenerUri(listenerId: string): string {
  return `satang-listen:${listenerId}`;
}

/** What the CLI reports of one forward: the local answer's status (null: none came), how long it took, and what went wrong. */
export interface ListenerAck {
  status: number | null;
  durationMs: number;
  error: string | null;
}

/** An acknowledgement's parameters, checked: `status` (100..599, or null/absent when the local URL gave no answer), `duration_ms`, `error`. */
export function parseListenerAck(params: Record<string, unknown>): ListenerAck {
  const status = wholeNumber(params.status);
  if (status === 'invalid' || (status !== null && (status < 100 || status > 599))) throw new OmiseError('bad_request', 'status must be an HTTP status (100 to 599), or null when the local URL did not answer');
  const duration = wholeNumber(params.duration_ms);
  if (duration === null || duration === 'invalid' || duration > listenerAckDurationMsMax) {
    throw new OmiseError('bad_request', `duration_ms must be a whole number of milliseconds, at most ${listenerAckDurationMsMax}`);
  }
  const error = params.error;
  if (error !== undefined && error !== null && typeof error !== 'string') throw new OmiseError('bad_request', 'error must be a string');
  if (typeof error === 'string' && error.length > listenerAckErrorCharsMax) throw new OmiseError('bad_request', `error must be at most ${listenerAckErrorCharsMax} characters`);
  const text = typeof error === 'string' && error.length > 0 ? error : null;
  return { status, durationMs: duration, error: text ?? (status === null ? 'the local URL gave no answer' : status >= 200 && status < 300 ? null : `the local URL answered ${status}`) };
}

/**
 * Several acknowledgements at once (`acks`: an array of objects with `delivery` and an
 * acknowledgement's parameters), as the CLI sends them when deliveries come faster than one
 * acknowledgement's round trip.
 */
export function parseListenerAcks(params: Record<string, unknown>): Array<{ delivery: string; ack: ListenerAck }> {
  const acks = params.acks;
  if (!Array.isArray(acks) || acks.length === 0 || acks.length > listenerAcksPerRequestMax) {
    throw new OmiseError('bad_request', `acks must be an array of 1 to ${listenerAcksPerRequestMax} acknowledgements`);
  }
  return acks.map((item, index) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw new OmiseError('bad_request', `acks[${index}] must be an object`);
    const { delivery, ...rest } = item as Record<string, unknown>;
    if (typeof delivery !== 'string' || !/^[0-9A-Za-z_]{1,100}$/.test(delivery)) throw new OmiseError('bad_request', `acks[${index}][delivery] must be a delivery id`);
    try {
      return { delivery, ack: parseListenerAck(rest) };
    } catch (error) {
      if (error instanceof OmiseError) throw new OmiseError('bad_request', `acks[${index}]: ${error.message}`);
      throw error;
    }
  });
}

/** A non-negative integer parameter (a number or its digits), null when absent, or 'invalid'. */
function wholeNumber(value: unknown): number | null | 'invalid' {
  if (value === undefined || value === null || value === '') return null;
  const number = typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : value;
  return typeof number === 'number' && Number.isSafeInteger(number) && number >= 0 ? number : 'invalid';
}

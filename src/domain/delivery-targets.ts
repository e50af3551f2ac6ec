/**
 * Where an event is delivered (DECISIONS §6): to each enabled endpoint of its account and mode, and
 * to the URLs its charge named in `webhook_endpoints`, once per URL; and (test mode) to each listener
 * of its account and mode that asked for its key (`satang listen`). Decided here, from rows: the
 * event writer, the expiry batch and redelivery all ask it.
 */
import { listenerWants } from './listeners.js';

/** A delivery's URL, and the account endpoint it is for (null: a URL the charge named, or a redelivery's). */
export interface DeliveryTarget {
  url: string;
  endpointId: string | null;
  /** A listener's delivery (streamed to the CLI holding it, never POSTed by the dispatcher); the URL is what its attempts are recorded under. */
  listenerId?: string;
}

/** A listener as an event's delivery needs it: its id, the URL its attempts are recorded under, the keys it asked for (JSON, or null: all). */
export interface ListenerTarget {
  id: string;
  url: string;
  events: string | null;
}

/**
 * The targets of an event: the account's enabled endpoints and its charge's own URLs (a charge's
 * `webhook_endpoints` as stored: JSON text, or null), one per URL. A URL the charge named stays the
 * charge's even when an endpoint has it too, so removing that endpoint does not cancel it.
 */
export function deliveryTargets(endpoints: ReadonlyArray<{ id: string; url: string }>, chargeWebhookEndpoints: string | null): DeliveryTarget[] {
  const byUrl = new Map<string, DeliveryTarget>();
  for (const endpoint of endpoints) if (!byUrl.has(endpoint.url)) byUrl.set(endpoint.url, { url: endpoint.url, endpointId: endpoint.id });
  for (const url of chargeUrls(chargeWebhookEndpoints)) byUrl.set(url, { url, endpointId: null });
  return [...byUrl.values()];
}

/** A charge's own webhook URLs, from their stored JSON. */
export function chargeUrls(chargeWebhookEndpoints: string | null): string[] {
  return chargeWebhookEndpoints ? (JSON.parse(chargeWebhookEndpoints) as string[]) : [];
}

/** The listeners an event of this key goes to: each that asked for the key, once each (a listener is not a URL: it gets the event even when an endpoint has its URL). */
export function listenerTargets(listeners: ReadonlyArray<ListenerTarget>, eventKey: string): DeliveryTarget[] {
  return listeners.filter((listener) => listenerWants(listener.events, eventKey)).map((listener) => ({ url: listener.url, endpointId: null, listenerId: listener.id }));
}

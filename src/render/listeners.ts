/** Listeners (`satang listen`, test mode) and their acknowledged deliveries, as the API answers them. */
import { listenerUri } from '../domain/listeners.js';
import { formatTimestamp } from '../domain/time.js';
import type { Listener, WebhookJob } from '../store/schema.js';
import type { Json } from './omise-json.js';

export function renderListener(listener: Listener): Json {
  return {
    object: 'listener',
    id: listener.id,
    livemode: listener.livemode === 1,
    location: `/test/listeners/${listener.id}`,
    events: listener.events === null ? null : (JSON.parse(listener.events) as string[]),
    forward_to: listener.url === listenerUri(listener.id) ? null : listener.url,
    stream: `/test/listeners/${listener.id}/stream`,
    created_at: formatTimestamp(listener.created_at),
  };
}

/** A delivery of a listener after an acknowledgement: where it stands, and whether this acknowledgement was the one recorded. */
export function renderListenerDelivery(listener: Listener, job: WebhookJob, recorded: boolean): Json {
  return {
    object: 'listener_delivery',
    id: job.id,
    livemode: job.livemode === 1,
    listener: listener.id,
    event: job.event_id,
    status: job.status,
    recorded,
  };
}

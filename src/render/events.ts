/**
 * Events as Omise JSON. An event row keeps its object's mutable fields as they were; the
 * object's fixed fields come from its row, so `data` renders exactly as it was then.
 */
import { chargeAsOf } from '../domain/charge.js';
import { findChargesByIds, findSourcesByIds } from '../store/payments.js';
import type { EventRow, WebhookDelivery } from '../store/schema.js';
import { listDeliveriesOfEvents } from '../store/webhooks.js';
import type { Tx } from '../store/store.js';
import { type Json, renderCharge, renderEvent, renderWebhookDelivery } from './omise-json.js';

/**
 * Renders events. With `withDeliveries` each carries its webhook delivery attempts; the
 * body a webhook sends carries none (`"webhook_deliveries": []`), as Omise's does.
 */
export async function renderEvents(db: Tx, events: EventRow[], publicUrl: string, withDeliveries = false): Promise<Json[]> {
  const deliveries = withDeliveries ? await listDeliveriesOfEvents(db, events.map((event) => event.id)) : new Map<string, WebhookDelivery[]>();
  const charges = await findChargesByIds(db, [...new Set(events.map((event) => event.object_id))]);
  const sources = await findSourcesByIds(db, [...new Set([...charges.values()].map((charge) => charge.source_id))]);
  return events.map((event) => {
    const charge = charges.get(event.object_id);
    const source = charge && sources.get(charge.source_id);
    if (!charge || !source) throw new Error(`event ${event.id} names charge ${event.object_id}, which is gone`);
    const attempts = (deliveries.get(event.id) ?? []).map((delivery) => renderWebhookDelivery(delivery, event.key));
    return renderEvent(event, renderCharge(chargeAsOf(charge, event.snapshot), source, { publicUrl, nowMs: event.created_at }), attempts);
  });
}

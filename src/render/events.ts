/**
 * Events as Omise JSON, from rows alone (the store loads them: loadEventRelations). An event row
 * keeps its object's mutable fields as they were; the object's fixed fields come from its row,
 * so `data` renders exactly as it was then.
 */
import { chargeAsOf } from '../domain/charge.js';
import type { EventRelations } from '../store/events.js';
import type { EventRow } from '../store/schema.js';
import { type Json, renderCharge, renderEvent, renderRefund, renderWebhookDelivery } from './omise-json.js';

export function renderEvents(events: EventRow[], related: EventRelations, publicUrl: string): Json[] {
  return events.map((event) => {
    const attempts = (related.deliveries.get(event.id) ?? []).map((delivery) => renderWebhookDelivery(delivery, event.key));
    if (event.object_type === 'refund') {
      const refund = related.refunds.get(event.object_id);
      if (!refund) throw new Error(`event ${event.id} names refund ${event.object_id}, which is gone`);
      return renderEvent(event, renderRefund(refund), attempts);
    }
    const charge = related.charges.get(event.object_id);
    const source = charge && related.sources.get(charge.source_id);
    if (!charge || !source) throw new Error(`event ${event.id} names charge ${event.object_id}, which is gone`);
    const asOf = chargeAsOf(charge, event.snapshot);
    // The refunds the charge had then: the first refund_count of them, in order.
    const refunds = (related.refundsByCharge.get(charge.id) ?? []).slice(0, asOf.refund_count);
    return renderEvent(event, renderCharge(asOf, source, { publicUrl, nowMs: event.created_at }, refunds), attempts);
  });
}

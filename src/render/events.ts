/**
 * Events as Omise JSON. An event row keeps its object's mutable fields as they were; the
 * object's fixed fields come from its row, so `data` renders exactly as it was then.
 */
import { chargeAsOf } from '../domain/charge.js';
import { eventListDeliveriesMax } from '../domain/limits.js';
import { findChargesByIds, findSourcesByIds } from '../store/charges.js';
import { findRefundsByIds, refundsOfCharges } from '../store/refunds.js';
import type { EventRow, WebhookDelivery } from '../store/schema.js';
import { listDeliveriesOfEvents } from '../store/webhooks.js';
import type { Tx } from '../store/store.js';
import { type Json, renderCharge, renderEvent, renderRefund, renderWebhookDelivery } from './omise-json.js';

/**
 * Which webhook delivery attempts a rendered event carries: none (the body a webhook sends,
 * `"webhook_deliveries": []`, as Omise's), all of them (one event), or each event's most
 * recent (lists, DECISIONS §10: a list's size stays bounded however many attempts piled up).
 */
export type DeliveriesShown = 'none' | 'all' | 'recent';

export async function renderEvents(db: Tx, events: EventRow[], publicUrl: string, shown: DeliveriesShown = 'none'): Promise<Json[]> {
  const eventIds = events.map((event) => event.id);
  const deliveries =
    shown === 'none' ? new Map<string, WebhookDelivery[]>() : await listDeliveriesOfEvents(db, eventIds, shown === 'recent' ? eventListDeliveriesMax : undefined);
  const refundEvents = events.filter((event) => event.object_type === 'refund');
  const refundRows = await findRefundsByIds(db, refundEvents.map((event) => event.object_id));
  const chargeEvents = events.filter((event) => event.object_type === 'charge');
  const charges = await findChargesByIds(db, [...new Set(chargeEvents.map((event) => event.object_id))]);
  const sources = await findSourcesByIds(db, [...new Set([...charges.values()].map((charge) => charge.source_id))]);
  const refundsByCharge = await refundsOfCharges(db, [...charges.values()].filter((charge) => charge.refund_count > 0).map((charge) => charge.id));
  return events.map((event) => {
    const attempts = (deliveries.get(event.id) ?? []).map((delivery) => renderWebhookDelivery(delivery, event.key));
    if (event.object_type === 'refund') {
      const refund = refundRows.get(event.object_id);
      if (!refund) throw new Error(`event ${event.id} names refund ${event.object_id}, which is gone`);
      return renderEvent(event, renderRefund(refund), attempts);
    }
    const charge = charges.get(event.object_id);
    const source = charge && sources.get(charge.source_id);
    if (!charge || !source) throw new Error(`event ${event.id} names charge ${event.object_id}, which is gone`);
    const asOf = chargeAsOf(charge, event.snapshot);
    // The refunds the charge had then: the first refund_count of them, in order.
    const refunds = (refundsByCharge.get(charge.id) ?? []).slice(0, asOf.refund_count);
    return renderEvent(event, renderCharge(asOf, source, { publicUrl, nowMs: event.created_at }, refunds), attempts);
  });
}

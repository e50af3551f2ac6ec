/**
 * How the remote commands show API objects to a person: one line per object in lists, a few labelled lines
 * for one object. Text that came from the gateway (descriptions, URLs, messages) is printed with control
 * characters escaped, so nothing a merchant stored can drive the terminal.
 */
type Json = Record<string, any>;

/** Text from the gateway, safe to print: control characters (ESC, CR, ...) shown escaped. */
export function clean(value: unknown): string {
  return String(value ?? '').replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** 123456 satang → "THB 1,234.56". */
export function money(amount: unknown, currency: unknown = 'THB'): string {
  if (typeof amount !== 'number' || !Number.isSafeInteger(amount)) return clean(amount);
  const sign = amount < 0 ? '-' : '';
  const abs = Math.abs(amount);
  return `${clean(currency)} ${sign}${Math.floor(abs / 100).toLocaleString('en-US')}.${String(abs % 100).padStart(2, '0')}`;
}

/** Labelled lines, the labels in one column. */
function block(rows: Array<[label: string, value: unknown] | false | undefined | null>): string {
  const shown = rows.filter((row): row is [string, unknown] => Array.isArray(row) && row[1] !== null && row[1] !== undefined && row[1] !== '');
  const width = Math.max(...shown.map(([label]) => label.length));
  return shown.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n');
}

export function chargeLine(charge: Json): string {
  const refunded = charge.refunded_amount > 0 ? `  refunded ${money(charge.refunded_amount, charge.currency)}` : '';
  const description = charge.description ? `  ${clean(charge.description)}` : '';
  return `${clean(charge.id)}  ${clean(charge.status).padEnd(10)}  ${money(charge.amount, charge.currency).padStart(16)}  ${clean(charge.created_at)}${refunded}${description}`;
}

export function chargeBlock(charge: Json): string {
  return block([
    ['charge', clean(charge.id)],
    ['status', clean(charge.status)],
    ['amount', money(charge.amount, charge.currency)],
    charge.refunded_amount > 0 && ['refunded', money(charge.refunded_amount, charge.currency)],
    charge.failure_code && ['failure', `${clean(charge.failure_code)}: ${clean(charge.failure_message)}`],
    ['description', charge.description === null ? null : clean(charge.description)],
    ['created', clean(charge.created_at)],
    ['paid', charge.paid_at ? clean(charge.paid_at) : null],
    charge.status === 'pending' && ['expires', clean(charge.expires_at)],
    ['expired', charge.expired_at ? clean(charge.expired_at) : null],
    charge.status === 'pending' && ['pay page', clean(charge.authorize_uri)],
    ['livemode', charge.livemode ? 'live' : null],
  ]);
}

export function refundLine(refund: Json): string {
  return `${clean(refund.id)}  ${refund.voided ? 'void  ' : 'refund'}  ${money(refund.amount, refund.currency).padStart(16)}  of ${clean(refund.charge)}  ${clean(refund.created_at)}`;
}

function deliveriesOf(event: Json): string {
  const deliveries: Json[] = Array.isArray(event.webhook_deliveries) ? event.webhook_deliveries : [];
  if (deliveries.length === 0) return 'no deliveries yet';
  const statuses = deliveries.slice(0, 5).map((delivery) => (delivery.status === null || delivery.status === undefined ? 'no answer' : clean(delivery.status)));
  return `${deliveries.length} deliver${deliveries.length === 1 ? 'y' : 'ies'} (${statuses.join(', ')}${deliveries.length > 5 ? ', ...' : ''})`;
}

export function eventLine(event: Json): string {
  return `${clean(event.created_at)}  ${clean(event.id)}  ${clean(event.key).padEnd(15)}  ${clean(event.data?.id)}  ${deliveriesOf(event)}`;
}

export function eventBlock(event: Json): string {
  const deliveries: Json[] = Array.isArray(event.webhook_deliveries) ? event.webhook_deliveries : [];
  const lines = [
    block([
      ['event', clean(event.id)],
      ['key', clean(event.key)],
      ['created', clean(event.created_at)],
      ['about', `${clean(event.data?.object)} ${clean(event.data?.id)}${event.data?.status ? ` (${clean(event.data.status)})` : ''}`],
      ['deliveries', deliveries.length === 0 ? 'none yet' : String(deliveries.length)],
    ]),
  ];
  for (const delivery of deliveries) {
    const status = delivery.status === null || delivery.status === undefined ? 'no answer' : clean(delivery.status);
    lines.push(`  ${clean(delivery.created_at)}  ${status.padEnd(9)}  ${clean(delivery.uri)}${delivery.error ? `  ${clean(delivery.error)}` : ''}`);
  }
  return lines.join('\n');
}

export function triggerText(trigger: Json): string {
  const lines = [`triggered ${clean(trigger.event)}`, `charge  ${chargeLine(trigger.charge)}`];
  if (trigger.refund) lines.push(`refund  ${refundLine(trigger.refund)}`);
  const events: unknown[] = Array.isArray(trigger.events) ? trigger.events : [];
  events.forEach((id, index) => lines.push(`${index === 0 ? 'events' : '      '}  ${clean(id)}`));
  return lines.join('\n');
}

/** A request-log entry: when, what, the answer, how long, and the key's kind and last four characters (never more of it). */
export function requestLogLine(entry: Json): string {
  const key = entry.key_kind ? `  ${clean(entry.key_kind)} key ...${clean(entry.key_last4)}` : '  no key';
  const idempotency = entry.idempotency_key ? `  idempotency-key ${clean(entry.idempotency_key)}` : '';
  const requestId = entry.request_id ? `  ${clean(entry.request_id)}` : '';
  return `${clean(entry.created_at)}  ${clean(entry.method).padEnd(6)} ${clean(entry.path)}  ${clean(entry.status)}  ${clean(entry.duration_ms)} ms${requestId}${key}${idempotency}`;
}

export function chaosText(endpoint: Json): string {
  const chaos = endpoint.chaos;
  const head = `${clean(endpoint.id)}  ${clean(endpoint.url)}`;
  if (chaos === null || chaos === undefined) return `${head}\nchaos  off`;
  const delay = Array.isArray(chaos.delay_ms) ? `${clean(chaos.delay_ms[0])}..${clean(chaos.delay_ms[1])} ms` : clean(chaos.delay_ms);
  return `${head}\n${block([
    ['duplicate rate', clean(chaos.duplicate_rate)],
    ['delay', delay],
    ['reorder window', `${clean(chaos.reorder_window_ms)} ms`],
    ['fail first', `${clean(chaos.fail_first_attempts)} attempt(s)`],
    ['seed', clean(chaos.seed)],
  ])}`;
}

/**
 * Omise JSON for every object Satang serves, API version 2019-05-29, with exactly the key
 * sets of DECISIONS §2, in the order the real API sends them. One function per object type.
 */
import { chargeFlags, sourceChargeStatus } from '../domain/charge.js';
import { apiVersionLatest } from '../domain/api-versions.js';
import { omiseAccountId } from '../domain/ids.js';
import { currencyThb, vatRateBps } from '../domain/limits.js';
import { hundredthsToDecimalString } from '../domain/money.js';
import { type SearchPlan, totalPages } from '../domain/search.js';
import { formatNullableTimestamp, formatTimestamp } from '../domain/time.js';
import type { ListWindow } from '../store/lists.js';
import type { Account, ChargeRow, EventRow, RefundRow, SourceRow, TransactionRow, WebhookDelivery, WebhookEndpoint } from '../store/schema.js';

export type Json = Record<string, unknown>;

export interface RenderContext {
  /** Absolute base of every URL Satang prints (SATANG_PUBLIC_URL). */
  publicUrl: string;
  /** The account's clock now, in ms: the default `to` of lists. */
  nowMs: number;
}

export function renderDocument(charge: ChargeRow, ctx: Pick<RenderContext, 'publicUrl'>): Json {
  const location = `/charges/${charge.id}/documents/${charge.document_id}`;
  return {
    object: 'document',
    livemode: charge.livemode === 1,
    id: charge.document_id,
    deleted: false,
    filename: 'qrcode.png',
    location,
    kind: 'qr',
    download_uri: `${ctx.publicUrl}${location}/downloads/${charge.download_token}`,
    created_at: formatTimestamp(charge.created_at),
  };
}

export function renderSource(source: SourceRow, charge: ChargeRow | undefined, ctx: Pick<RenderContext, 'publicUrl'>): Json {
  return {
    object: 'source',
    id: source.id,
    livemode: source.livemode === 1,
    location: `/sources/${source.id}`,
    amount: source.amount,
    barcode: null,
    bank: null,
    created_at: formatTimestamp(source.created_at),
    currency: source.currency,
    email: source.email,
    flow: source.flow,
    installment_term: null,
    ip: source.ip,
    absorption_type: null,
    name: source.name,
    mobile_number: source.mobile_number,
    phone_number: source.phone_number,
    platform_type: source.platform_type,
    scannable_code: charge ? { object: 'barcode', type: 'qr', image: renderDocument(charge, ctx) } : null,
    qr_settings: null,
    billing: null,
    shipping: null,
    items: [],
    references: null,
    provider_references: charge ? { reference_number_1: charge.payment_ref, reference_number_2: null } : null,
    store_id: null,
    store_name: null,
    terminal_id: null,
    type: source.type,
    zero_interest_installments: null,
    charge_status: sourceChargeStatus(charge),
    receipt_amount: null,
    discounts: [],
    promotion_code: null,
  };
}

/** A charge; `refunds` are its refunds (as of the moment rendered), oldest first. */
export function renderCharge(charge: ChargeRow, source: SourceRow, ctx: RenderContext, refunds: RefundRow[] = []): Json {
  const flags = chargeFlags(charge, ctx.nowMs);
  const successful = charge.status === 'successful';
  const location = `/charges/${charge.id}`;
  return {
    object: 'charge',
    id: charge.id,
    location,
    amount: charge.amount,
    authorization_type: null,
    authorized_amount: successful ? charge.amount : 0,
    captured_amount: successful ? charge.amount : 0,
    acquirer_reference_number: null,
    net: successful ? charge.net : 0,
    fee: successful ? charge.fee : 0,
    fee_vat: successful ? charge.fee_vat : 0,
    interest: 0,
    interest_vat: 0,
    funding_amount: charge.amount,
    refunded_amount: charge.refunded_amount,
    transaction_fees: successful
      ? {
          fee_flat: hundredthsToDecimalString(charge.fee_flat_satang),
          fee_rate: hundredthsToDecimalString(charge.fee_rate_bps),
          vat_rate: hundredthsToDecimalString(vatRateBps),
        }
      : { fee_flat: null, fee_rate: null, vat_rate: hundredthsToDecimalString(vatRateBps) },
    platform_fee: { fixed: null, amount: null, percentage: null },
    currency: charge.currency,
    funding_currency: charge.currency,
    ip: charge.ip,
    refunds: renderList(refunds.map(renderRefund), {
      location: `${location}/refunds`,
      window: { fromMs: 0, toMs: ctx.nowMs, offset: 0, limit: 20, order: 'chronological' },
      total: refunds.length,
    }),
    link: null,
    description: charge.description,
    metadata: JSON.parse(charge.metadata),
    card: null,
    source: renderSource(source, charge, ctx),
    schedule: null,
    linked_account: null,
    customer: null,
    dispute: null,
    transaction: charge.transaction_id,
    failure_code: charge.failure_code,
    failure_message: charge.failure_message,
    merchant_advice: null,
    merchant_advice_code: null,
    status: charge.status,
    authorize_uri: `${ctx.publicUrl}/payments/${charge.payment_ref}/authorize?acs=false`,
    return_uri: charge.return_uri,
    created_at: formatTimestamp(charge.created_at),
    paid_at: formatNullableTimestamp(charge.paid_at),
    authorized_at: formatNullableTimestamp(charge.authorized_at),
    expires_at: formatTimestamp(charge.expires_at),
    expired_at: formatNullableTimestamp(charge.expired_at),
    reversed_at: null,
    multi_capture: false,
    zero_interest_installments: false,
    branch: null,
    terminal: null,
    device: null,
    authorized: flags.authorized,
    capturable: false,
    capture: true,
    disputable: false,
    livemode: charge.livemode === 1,
    refundable: flags.refundable,
    partially_refundable: flags.partiallyRefundable,
    reversed: false,
    reversible: false,
    voided: flags.voided,
    paid: flags.paid,
    expired: flags.expired,
    can_perform_void: flags.canPerformVoid,
    approval_code: null,
  };
}

/** An event, with its object as it was when the event happened. */
export function renderEvent(event: EventRow, data: Json, webhookDeliveries: Json[] = []): Json {
  return {
    object: 'event',
    id: event.id,
    livemode: event.livemode === 1,
    location: `/events/${event.id}`,
    webhook_deliveries: webhookDeliveries,
    data,
    key: event.key,
    created_at: formatTimestamp(event.created_at),
  };
}

export function renderList(data: Json[], list: { location: string; window: ListWindow; total: number }): Json & { data: Json[] } {
  return {
    object: 'list',
    data,
    limit: list.window.limit,
    offset: list.window.offset,
    total: list.total,
    location: list.location,
    order: list.window.order,
    from: formatTimestamp(list.window.fromMs),
    to: formatTimestamp(list.window.toMs),
  };
}

/**
 * A list's JSON in pieces, one per item: together exactly the bytes of JSON.stringify(list).
 * A list of events with their deliveries runs to megabytes; sent piece by piece as the client
 * reads, it never sits in memory whole (as a string, then as a buffer of it) meanwhile.
 */
export function* listJsonPieces(list: Json & { data: Json[] }): Generator<string> {
  const frame = JSON.stringify({ ...list, data: [] });
  const at = frame.indexOf('"data":[]') + '"data":['.length;
  yield frame.slice(0, at);
  for (const [index, item] of list.data.entries()) yield (index > 0 ? ',' : '') + JSON.stringify(item);
  yield frame.slice(at);
}

export function renderTransaction(transaction: TransactionRow): Json {
  return {
    object: 'transaction',
    id: transaction.id,
    livemode: transaction.livemode === 1,
    currency: transaction.currency,
    amount: transaction.amount,
    location: `/transactions/${transaction.id}`,
    direction: transaction.direction,
    key: transaction.key,
    origin: transaction.origin,
    transferable_at: formatTimestamp(transaction.transferable_at),
    created_at: formatTimestamp(transaction.created_at),
  };
}

/**
 * One attempt to deliver an event (DECISIONS §6): its URL, the HTTP status or the error, and the exact
 * body. An attempt webhook chaos touched also shows what chaos decided, as `satang_chaos` (Satang's
 * own key, DECISIONS §10: absent everywhere else, so clients that do not use chaos never see it).
 */
export function renderWebhookDelivery(delivery: WebhookDelivery, key: string): Json {
  const rendered: Json = {
    object: 'webhook_delivery',
    id: delivery.id,
    uri: delivery.uri,
    status: delivery.status,
    key,
    error: delivery.error,
    payload: delivery.payload,
    created_at: formatTimestamp(delivery.created_at),
  };
  if (delivery.chaos !== null) rendered.satang_chaos = JSON.parse(delivery.chaos);
  return rendered;
}

/** An endpoint (Satang's own object): `chaos` is its webhook chaos settings, every key present, or null when off. */
export function renderWebhookEndpoint(endpoint: WebhookEndpoint): Json {
  return {
    object: 'webhook_endpoint',
    id: endpoint.id,
    livemode: endpoint.livemode === 1,
    location: `/webhook_endpoints/${endpoint.id}`,
    url: endpoint.url,
    enabled: endpoint.enabled === 1,
    chaos: endpoint.chaos === null ? null : JSON.parse(endpoint.chaos),
    created_at: formatTimestamp(endpoint.created_at),
  };
}

/** A refund or void (omise-api.md §6.1). */
export function renderRefund(refund: RefundRow): Json {
  return {
    object: 'refund',
    id: refund.id,
    location: `/charges/${refund.charge_id}/refunds/${refund.id}`,
    livemode: refund.livemode === 1,
    voided: refund.voided === 1,
    currency: refund.currency,
    amount: refund.amount,
    metadata: JSON.parse(refund.metadata),
    charge: refund.charge_id,
    capture: null,
    terminal: null,
    transaction: refund.transaction_id,
    status: 'closed',
    funding_amount: refund.amount,
    funding_currency: refund.currency,
    created_at: formatTimestamp(refund.created_at),
    acquirer_reference_number: null,
    approval_code: null,
  };
}

/**
 * The account a key belongs to, as Omise shows it (DECISIONS §10; the key set and order of
 * omise-php's account-get.json): `team` is the Satang account, `id` its mode's account, and
 * `webhook_uri` the first enabled endpoint of that mode.
 */
export function renderAccount(account: Account, livemode: boolean, webhookUri: string | null): Json {
  return {
    object: 'account',
    id: omiseAccountId(account.id, livemode),
    team: account.id,
    livemode,
    location: '/account',
    country: 'TH',
    currency: currencyThb,
    email: account.email,
    created_at: formatTimestamp(account.created_at),
    supported_currencies: [currencyThb],
    api_version: apiVersionLatest,
    auto_activate_recipients: false,
    chain_enabled: false,
    zero_interest_installments: false,
    chain_return_uri: null,
    webhook_uri: webhookUri,
    metadata_export_keys: { charge: [], transfer: [], refund: [], dispute: [] },
    chaining_allowed: false,
    last_updated_api_version: apiVersionLatest,
    transfer_config: null,
  };
}

/** A search's answer (DECISIONS §10): what was asked, the page, and its objects rendered as everywhere else. */
export function renderSearch(plan: SearchPlan, total: number, data: Json[]): Json {
  return {
    object: 'search',
    order: plan.order,
    scope: plan.scope,
    query: plan.echo.query,
    filters: plan.echo.filters,
    page: plan.page,
    per_page: plan.perPage,
    total_pages: totalPages(total, plan.perPage),
    total,
    location: '/search',
    data,
  };
}

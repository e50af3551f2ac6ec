/**
 * The OpenAPI document's component schemas (JSON Schema 2020-12, the OpenAPI 3.1 dialect): every
 * object Satang answers, as strict as the contract is. Omise objects have exactly the key sets of
 * DECISIONS §2 (src/render/omise-json.ts), so each lists every key as required and allows no other:
 * an added or dropped key fails the test that validates real answers against these schemas.
 */
import { apiVersions } from '../../domain/api-versions.js';
import { errorCodes } from '../../domain/errors.js';
import { fundingSources } from '../../domain/lifecycle.js';
import { eventKeys } from '../../domain/listeners.js';
import { scriptedOutcomes } from '../../domain/scripted-outcomes.js';
import {
  chargeAmountSatangMax,
  chargeAmountSatangMin,
  chargeWebhookEndpointsMax,
  currencyThb,
  descriptionCharsMax,
  listLimitDefault,
  listenerAckErrorCharsMax,
  listenerAcksPerRequestMax,
  listLimitMax,
  returnUriCharsMax,
  webhookUrlCharsMax,
  scriptedOutcomeAfterSecondsMax,
  webhookChaosDelayMsMax,
  webhookChaosFailFirstAttemptsMax,
  webhookChaosReorderWindowMsMax,
  webhookChaosSeedMax,
} from '../../domain/limits.js';
import { truemoneyQr } from '../../domain/payment-methods.js';
import { triggerAmountSatangDefault, triggerEvents } from '../../domain/trigger.js';

export type Schema = Record<string, unknown>;

/** A reference to a component schema. */
export const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

/** An object with exactly these keys, every one of them present. */
export function strictObject(properties: Record<string, Schema>, description?: string): Schema {
  return { type: 'object', ...(description ? { description } : {}), additionalProperties: false, required: Object.keys(properties), properties };
}

/** A type, or null (the OpenAPI 3.1 way: a type array). */
export const orNull = (type: string, extra: Schema = {}): Schema => ({ type: [type, 'null'], ...extra });
const alwaysNull = (description = 'always null in Satang'): Schema => ({ type: 'null', description });
const constant = (value: unknown): Schema => ({ const: value });
const integer = (extra: Schema = {}): Schema => ({ type: 'integer', ...extra });
const text = (extra: Schema = {}): Schema => ({ type: 'string', ...extra });
const bool = (): Schema => ({ type: 'boolean' });
const emptyArray = (description: string): Schema => ({ type: 'array', maxItems: 0, description });

/** Omise ids: `<prefix>_test_<19 base36>` in test mode, `<prefix>_<19 base36>` in live mode (DECISIONS §2). */
export const idPattern = (prefix: string) => `^${prefix}_(test_)?[0-9a-z]{19}$`;
const id = (prefix: string): Schema => text({ pattern: idPattern(prefix) });
/** Omise timestamps: ISO 8601 UTC to the second, e.g. 2025-03-20T09:24:15Z. */
const timestamp = (): Schema => text({ format: 'date-time', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$' });
const nullableTimestamp = (): Schema => orNull('string', { format: 'date-time', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$' });
/** A path of this server, as Omise's `location` keys give it. */
const location = (pattern: string): Schema => text({ pattern });
const amount = (): Schema => integer({ minimum: 0, description: 'satang (1 THB = 100 satang)' });
const thb = (): Schema => constant(currencyThb);
const chargeStatus = (): Schema => ({ enum: ['pending', 'successful', 'failed', 'expired'] });

const documentSchema = strictObject(
  {
    object: constant('document'),
    livemode: bool(),
    id: id('docu'),
    deleted: constant(false),
    filename: constant('qrcode.png'),
    location: location('^/charges/chrg_(test_)?[0-9a-z]{19}/documents/docu_(test_)?[0-9a-z]{19}$'),
    kind: constant('qr'),
    download_uri: text({ format: 'uri', pattern: '/charges/chrg_(test_)?[0-9a-z]{19}/documents/docu_(test_)?[0-9a-z]{19}/downloads/[0-9A-F]{16}$', description: 'the QR PNG; no key needed (the token is the capability)' }),
    created_at: timestamp(),
  },
  "A charge's QR code as a document (DECISIONS §3).",
);

const sourceSchema = strictObject(
  {
    object: constant('source'),
    id: id('src'),
    livemode: bool(),
    location: location('^/sources/src_(test_)?[0-9a-z]{19}$'),
    amount: integer({ minimum: chargeAmountSatangMin, maximum: chargeAmountSatangMax, description: 'satang' }),
    barcode: alwaysNull(),
    bank: alwaysNull(),
    created_at: timestamp(),
    currency: thb(),
    email: orNull('string'),
    flow: constant('offline'),
    installment_term: alwaysNull(),
    ip: orNull('string'),
    absorption_type: alwaysNull(),
    name: orNull('string'),
    mobile_number: orNull('string'),
    phone_number: orNull('string'),
    platform_type: orNull('string'),
    scannable_code: {
      description: "the QR to show the payer, once the source is charged (null before)",
      oneOf: [{ type: 'null' }, strictObject({ object: constant('barcode'), type: constant('qr'), image: ref('Document') })],
    },
    qr_settings: alwaysNull(),
    billing: alwaysNull(),
    shipping: alwaysNull(),
    items: emptyArray('always empty in Satang'),
    references: alwaysNull(),
    provider_references: {
      description: 'the pay2 reference of the hosted payment page, once the source is charged (null before)',
      oneOf: [{ type: 'null' }, strictObject({ reference_number_1: text({ pattern: idPattern('pay2') }), reference_number_2: alwaysNull() })],
    },
    store_id: alwaysNull(),
    store_name: alwaysNull(),
    terminal_id: alwaysNull(),
    type: constant(truemoneyQr),
    zero_interest_installments: alwaysNull(),
    charge_status: { enum: ['unknown', 'pending', 'successful', 'failed', 'expired'], description: 'mirrors its charge; unknown before one exists' },
    receipt_amount: alwaysNull(),
    discounts: emptyArray('always empty in Satang'),
    promotion_code: alwaysNull(),
  },
  'A TrueMoney QR source (omise-api.md §3).',
);

const refundSchema = strictObject(
  {
    object: constant('refund'),
    id: id('rfnd'),
    location: location('^/charges/chrg_(test_)?[0-9a-z]{19}/refunds/rfnd_(test_)?[0-9a-z]{19}$'),
    livemode: bool(),
    voided: { type: 'boolean', description: 'true for a void (DECISIONS §5)' },
    currency: thb(),
    amount: integer({ minimum: 1 }),
    metadata: { type: 'object' },
    charge: id('chrg'),
    capture: alwaysNull(),
    terminal: alwaysNull(),
    transaction: id('trxn'),
    status: constant('closed'),
    funding_amount: integer({ minimum: 1 }),
    funding_currency: thb(),
    created_at: timestamp(),
    acquirer_reference_number: alwaysNull(),
    approval_code: alwaysNull(),
  },
  'A refund or a void of a charge (omise-api.md §6.1, DECISIONS §5).',
);

/** A list in the Omise shape (omise-api.md §10), of `item`. */
function listOf(item: string, locationPattern: string): Schema {
  return strictObject(
    {
      object: constant('list'),
      data: { type: 'array', items: ref(item) },
      limit: integer({ minimum: 1, maximum: listLimitMax }),
      offset: integer({ minimum: 0 }),
      total: integer({ minimum: 0 }),
      location: location(locationPattern),
      order: { enum: ['chronological', 'reverse_chronological'] },
      from: timestamp(),
      to: timestamp(),
    },
    `A list of ${item.toLowerCase()} objects.`,
  );
}

const chargeSchema = strictObject(
  {
    object: constant('charge'),
    id: id('chrg'),
    location: location('^/charges/chrg_(test_)?[0-9a-z]{19}$'),
    amount: integer({ minimum: chargeAmountSatangMin, maximum: chargeAmountSatangMax, description: 'satang' }),
    authorization_type: alwaysNull(),
    authorized_amount: amount(),
    captured_amount: amount(),
    acquirer_reference_number: alwaysNull(),
    net: integer({ description: 'satang; 0 until successful' }),
    fee: amount(),
    fee_vat: amount(),
    interest: constant(0),
    interest_vat: constant(0),
    funding_amount: amount(),
    refunded_amount: amount(),
    transaction_fees: strictObject({
      fee_flat: orNull('string', { pattern: '^\\d+\\.\\d+$' }),
      fee_rate: orNull('string', { pattern: '^\\d+\\.\\d+$' }),
      vat_rate: text({ pattern: '^\\d+\\.\\d+$' }),
    }),
    platform_fee: strictObject({ fixed: alwaysNull(), amount: alwaysNull(), percentage: alwaysNull() }),
    currency: thb(),
    funding_currency: thb(),
    ip: orNull('string'),
    refunds: ref('RefundList'),
    link: alwaysNull(),
    description: orNull('string', { maxLength: descriptionCharsMax }),
    metadata: { type: 'object' },
    card: alwaysNull('always null: Satang serves no card charges'),
    source: ref('Source'),
    schedule: alwaysNull(),
    linked_account: alwaysNull(),
    customer: alwaysNull(),
    dispute: alwaysNull(),
    transaction: orNull('string', { pattern: idPattern('trxn'), description: 'the credit of a successful charge' }),
    failure_code: orNull('string'),
    failure_message: orNull('string'),
    merchant_advice: alwaysNull(),
    merchant_advice_code: alwaysNull(),
    status: chargeStatus(),
    authorize_uri: text({ format: 'uri', description: 'the hosted payment page' }),
    return_uri: orNull('string', { maxLength: returnUriCharsMax }),
    created_at: timestamp(),
    paid_at: nullableTimestamp(),
    authorized_at: nullableTimestamp(),
    expires_at: timestamp(),
    expired_at: nullableTimestamp(),
    reversed_at: alwaysNull(),
    multi_capture: constant(false),
    zero_interest_installments: constant(false),
    branch: alwaysNull(),
    terminal: alwaysNull(),
    device: alwaysNull(),
    authorized: bool(),
    capturable: constant(false),
    capture: constant(true),
    disputable: constant(false),
    livemode: bool(),
    refundable: bool(),
    partially_refundable: bool(),
    reversed: constant(false),
    reversible: constant(false),
    voided: bool(),
    paid: bool(),
    expired: bool(),
    can_perform_void: bool(),
    approval_code: alwaysNull(),
  },
  'A TrueMoney QR charge (omise-api.md §4, DECISIONS §3).',
);

/** What webhook chaos did to one attempt (domain/webhook-chaos.ts AttemptChaos). */
const attemptChaosSchema = strictObject(
  {
    event_number: integer({ minimum: 1, description: "the endpoint's n-th event since its chaos was set" }),
    attempt: integer({ minimum: 1 }),
    duplicate: { ...bool(), description: 'this delivery is the extra copy of a duplicated event' },
    duplicated: { ...bool(), description: 'the event goes to the endpoint twice (same id, each copy signed)' },
    delay_ms: integer({ minimum: 0, maximum: webhookChaosDelayMsMax, description: "how long the delivery's first attempt was postponed" }),
    hold_ms: integer({ minimum: 0, maximum: webhookChaosReorderWindowMsMax, description: 'then held this long within the reorder window' }),
    simulated_failure: { ...bool(), description: 'the attempt failed on purpose: nothing was sent' },
  },
  "What webhook chaos decided for an attempt (Satang's own, test mode).",
);

const webhookDeliveryBase = strictObject(
  {
    object: constant('webhook_delivery'),
    id: id('whdl'),
    uri: text({ format: 'uri' }),
    status: orNull('integer', { description: "the receiver's HTTP status, or null when there was none" }),
    key: text(),
    error: orNull('string'),
    payload: text({ description: 'the exact bytes sent' }),
    created_at: timestamp(),
    satang_chaos: ref('WebhookAttemptChaos'),
  },
  "One attempt to deliver an event (DECISIONS §6). `satang_chaos` only on an attempt webhook chaos touched (Satang's own key, DECISIONS §10).",
);
const webhookDeliverySchema = { ...webhookDeliveryBase, required: (webhookDeliveryBase.required as string[]).filter((key) => key !== 'satang_chaos') };


const eventSchema = strictObject(
  {
    object: constant('event'),
    id: id('evnt'),
    livemode: bool(),
    location: location('^/events/evnt_(test_)?[0-9a-z]{19}$'),
    webhook_deliveries: { type: 'array', items: ref('WebhookDelivery'), description: 'every attempt (in lists: the 25 most recent)' },
    data: { description: 'the charge or refund as it was when the event happened', oneOf: [ref('Charge'), ref('Refund')] },
    key: { enum: eventKeys },
    created_at: timestamp(),
  },
  'An event (DECISIONS §6).',
);

const transactionSchema = strictObject(
  {
    object: constant('transaction'),
    id: id('trxn'),
    livemode: bool(),
    currency: thb(),
    amount: integer({ minimum: 0 }),
    location: location('^/transactions/trxn_(test_)?[0-9a-z]{19}$'),
    direction: { enum: ['credit', 'debit'] },
    key: { enum: ['charge.captured.net', 'refund.created.debit', 'refund.voided.debit'] },
    origin: text({ description: 'the charge or refund it comes from' }),
    transferable_at: timestamp(),
    created_at: timestamp(),
  },
  'A ledger entry (DECISIONS §5).',
);

const balanceSchema = strictObject(
  {
    object: constant('balance'),
    livemode: bool(),
    location: constant('/balance'),
    currency: thb(),
    total: integer({ description: 'credits minus debits; may be negative' }),
    transferable: integer(),
    reserve: constant(0),
    on_hold: constant(0),
    created_at: timestamp(),
  },
  'The balance of the account and mode (DECISIONS §5).',
);

const accountSchema = strictObject(
  {
    object: constant('account'),
    id: text({ pattern: '^account_(test_)?[0-9a-z]{19}$' }),
    team: id('acct'),
    livemode: bool(),
    location: constant('/account'),
    country: constant('TH'),
    currency: thb(),
    email: orNull('string', { description: 'an account setting (`satang accounts set --email`)' }),
    created_at: timestamp(),
    supported_currencies: { type: 'array', items: thb(), minItems: 1, maxItems: 1 },
    api_version: constant('2019-05-29'),
    auto_activate_recipients: constant(false),
    chain_enabled: constant(false),
    zero_interest_installments: constant(false),
    chain_return_uri: alwaysNull(),
    webhook_uri: orNull('string', { format: 'uri', description: "the mode's first enabled webhook endpoint" }),
    metadata_export_keys: strictObject({
      charge: emptyArray('always empty'),
      transfer: emptyArray('always empty'),
      refund: emptyArray('always empty'),
      dispute: emptyArray('always empty'),
    }),
    chaining_allowed: constant(false),
    last_updated_api_version: constant('2019-05-29'),
    transfer_config: alwaysNull(),
  },
  'The Omise account object (DECISIONS §10).',
);

const searchSchema = strictObject(
  {
    object: constant('search'),
    order: { enum: ['chronological', 'reverse_chronological'] },
    scope: { enum: ['charge', 'refund'] },
    query: text({ description: 'the query as given ("" when none)' }),
    filters: { type: 'object', additionalProperties: { type: 'string' }, description: 'the filters as given, flat (`metadata[order_id]` as one key)' },
    page: integer({ minimum: 1 }),
    per_page: integer({ minimum: 1, maximum: 100 }),
    total_pages: integer({ minimum: 0 }),
    total: integer({ minimum: 0 }),
    location: constant('/search'),
    data: { type: 'array', items: { oneOf: [ref('Charge'), ref('Refund')] } },
  },
  'A page of a search (DECISIONS §10): charges or refunds rendered as everywhere else.',
);

const capabilitySchema = strictObject(
  {
    object: constant('capability'),
    location: constant('/capability'),
    banks: emptyArray('always empty in Satang'),
    limits: strictObject({
      charge_amount: strictObject({ max: constant(chargeAmountSatangMax), min: constant(chargeAmountSatangMin) }),
      transfer_amount: strictObject({ max: constant(0), min: constant(0) }),
      installment_amount: strictObject({ min: constant(0) }),
    }),
    payment_methods: {
      type: 'array',
      maxItems: 1,
      description: 'truemoney_qr where it is enabled for the account and mode',
      items: strictObject({
        object: constant('payment_method'),
        name: constant(truemoneyQr),
        currencies: { type: 'array', items: thb(), minItems: 1, maxItems: 1 },
        card_brands: alwaysNull(),
        installment_terms: alwaysNull(),
        loan_installment_terms: alwaysNull(),
        banks: emptyArray('always empty'),
        provider: alwaysNull(),
      }),
    },
    country: constant('TH'),
    tokenization_methods: emptyArray('always empty: no card tokens'),
    zero_interest_installments: constant(false),
  },
  'What the account may do (DECISIONS §7).',
);

const webhookEndpointSchema = strictObject(
  {
    object: constant('webhook_endpoint'),
    id: id('endp'),
    livemode: bool(),
    location: location('^/webhook_endpoints/endp_(test_)?[0-9a-z]{19}$'),
    url: text({ format: 'uri' }),
    enabled: bool(),
    chaos: { oneOf: [{ type: 'null' }, ref('WebhookChaos')], description: 'webhook chaos settings (test mode), or null when off (always in live mode)' },
    created_at: timestamp(),
  },
  "A webhook endpoint of the account and mode (Satang's own API).",
);

const webhookChaosSchema = strictObject(
  {
    duplicate_rate: { type: 'number', minimum: 0, maximum: 1, description: 'the share of events sent twice' },
    delay_ms: { type: 'array', prefixItems: [integer({ minimum: 0, maximum: webhookChaosDelayMsMax }), integer({ minimum: 0, maximum: webhookChaosDelayMsMax })], items: false, minItems: 2, description: '[min, max]: each delivery is postponed by a decided amount in it' },
    reorder_window_ms: integer({ minimum: 0, maximum: webhookChaosReorderWindowMsMax, description: 'each delivery is then held for a decided time within it, so deliveries may arrive out of order' }),
    fail_first_attempts: integer({ minimum: 0, maximum: webhookChaosFailFirstAttemptsMax, description: 'the first attempts of each delivery fail on purpose, then the retry schedule applies' }),
    seed: integer({ minimum: 0, maximum: webhookChaosSeedMax, description: 'decisions are HMAC-SHA256 of (endpoint id, n-th event, attempt) keyed by it' }),
  },
  "An endpoint's webhook chaos (Satang's own, test mode only): the same seed and the same events give the same decisions.",
);

const errorSchema = strictObject(
  {
    object: constant('error'),
    location: text({ format: 'uri', pattern: '^https://www\\.omise\\.co/api-errors#[a-z-]+$' }),
    code: { enum: [...errorCodes] },
    message: text({ minLength: 1 }),
  },
  'Every API failure (DECISIONS §9).',
);

/** Request parameters as the SDKs send them (DECISIONS §2): an integer may come as its digits; "" or null means not given. */
const integerParam = (extra: Schema = {}): Schema => ({ type: ['integer', 'string', 'null'], pattern: '^\\s*-?\\d{1,16}\\s*$', ...extra });
const stringParam = (extra: Schema = {}): Schema => ({ type: ['string', 'null'], ...extra });
const booleanParam = (): Schema => ({ enum: [true, false, 'true', 'false', '', null] });
const metadataParam = (): Schema => ({ type: ['object', 'null'], description: 'any JSON object, at most 16 KiB' });

const sourceParams = {
  type: 'object',
  required: ['type', 'amount', 'currency'],
  description: 'Other parameters are accepted and ignored.',
  properties: {
    type: constant(truemoneyQr),
    amount: integerParam({ minimum: chargeAmountSatangMin, maximum: chargeAmountSatangMax, description: 'satang' }),
    currency: { enum: [currencyThb, currencyThb.toLowerCase()] },
    email: stringParam({ maxLength: 254 }),
    name: stringParam({ maxLength: 255 }),
    mobile_number: stringParam({ maxLength: 32 }),
    phone_number: stringParam({ maxLength: 32 }),
    platform_type: stringParam({ maxLength: 32 }),
    ip: stringParam({ maxLength: 64, description: "the payer's address (default: the caller's)" }),
  },
};

const chargeParams = {
  type: 'object',
  required: ['amount', 'currency', 'source'],
  description: 'Other parameters are accepted and ignored (an `expires_at` too: a charge expires 24 hours after it is made).',
  properties: {
    amount: integerParam({ minimum: chargeAmountSatangMin, maximum: chargeAmountSatangMax, description: "satang; must equal the source's" }),
    currency: { enum: [currencyThb, currencyThb.toLowerCase()] },
    source: {
      description: 'a source id, or a source to make with the charge',
      oneOf: [text({ pattern: '^src_(test_)?[0-9a-z]{1,40}$' }), { type: 'object', required: ['type'], properties: { type: constant(truemoneyQr) } }],
    },
    description: stringParam({ maxLength: descriptionCharsMax }),
    metadata: metadataParam(),
    return_uri: stringParam({ maxLength: returnUriCharsMax, description: 'where the hosted payment page sends the payer back (http or https)' }),
    ip: stringParam({ maxLength: 64 }),
    webhook_endpoints: {
      type: ['array', 'null'],
      maxItems: chargeWebhookEndpointsMax,
      items: text({ format: 'uri' }),
      description: "URLs that get this charge's events besides the account's endpoints",
    },
  },
};

const chargeUpdateParams = {
  type: 'object',
  properties: { description: stringParam({ maxLength: descriptionCharsMax }), metadata: metadataParam() },
};

const refundParams = {
  type: 'object',
  required: ['amount'],
  properties: {
    amount: integerParam({ minimum: 1, description: 'satang' }),
    void: { ...booleanParam(), description: 'demand a void (400 failed_void when one is not allowed now)' },
    metadata: metadataParam(),
  },
};

const chaosParam = (): Schema => ({
  type: ['object', 'null', 'string'],
  maxLength: 0,
  additionalProperties: false,
  description: 'webhook chaos settings (test mode only; a missing key takes its default, a missing seed is chosen at random), or null to turn chaos off',
  properties: {
    duplicate_rate: { type: ['number', 'string', 'null'], minimum: 0, maximum: 1, pattern: '^\\s*(\\d{1,16}(\\.\\d{0,16})?|\\.\\d{1,16})\\s*$' },
    delay_ms: { type: ['array', 'null'], minItems: 2, maxItems: 2, items: integerParam({ minimum: 0, maximum: webhookChaosDelayMsMax }), description: '[min, max], min not more than max' },
    reorder_window_ms: integerParam({ minimum: 0, maximum: webhookChaosReorderWindowMsMax }),
    fail_first_attempts: integerParam({ minimum: 0, maximum: webhookChaosFailFirstAttemptsMax }),
    seed: integerParam({ minimum: 0, maximum: webhookChaosSeedMax }),
  },
});

const endpointParams = (required: string[]) => ({
  type: 'object',
  required,
  properties: { url: text({ format: 'uri', maxLength: 2000 }), enabled: booleanParam(), chaos: chaosParam() },
});

/** What an acknowledgement of a listener's delivery says. */
const listenerAckProperties = {
  status: { type: ['integer', 'string', 'null'], pattern: '^\\d{3}$', minimum: 100, maximum: 599, description: "the local URL's HTTP status (null: no answer came)" },
  duration_ms: integerParam({ minimum: 0, description: 'how long the local URL took' }),
  error: stringParam({ maxLength: listenerAckErrorCharsMax, description: 'what went wrong, when no 2xx came' }),
};

export const componentSchemas: Record<string, Schema> = {
  Error: errorSchema,
  Source: sourceSchema,
  Document: documentSchema,
  Charge: chargeSchema,
  ChargeList: listOf('Charge', '^/charges$'),
  Refund: refundSchema,
  RefundList: listOf('Refund', '^(/charges/chrg_(test_)?[0-9a-z]{19})?/refunds$'),
  Event: eventSchema,
  EventList: listOf('Event', '^(/charges/chrg_(test_)?[0-9a-z]{19})?/events$'),
  WebhookDelivery: webhookDeliverySchema,
  Transaction: transactionSchema,
  TransactionList: listOf('Transaction', '^/transactions$'),
  Balance: balanceSchema,
  Capability: capabilitySchema,
  Account: accountSchema,
  Search: searchSchema,
  WebhookEndpoint: webhookEndpointSchema,
  WebhookChaos: webhookChaosSchema,
  WebhookAttemptChaos: attemptChaosSchema,
  WebhookEndpointList: strictObject(
    { object: constant('list'), data: { type: 'array', items: ref('WebhookEndpoint') }, total: integer({ minimum: 0 }), location: constant('/webhook_endpoints') },
    'Every webhook endpoint of the account and mode.',
  ),
  DeletedWebhookEndpoint: strictObject({ object: constant('webhook_endpoint'), id: id('endp'), livemode: bool(), deleted: constant(true) }),
  WebhookSecret: strictObject(
    {
      object: constant('webhook_secret'),
      livemode: bool(),
      location: constant('/webhook_secret'),
      secret: text({ contentEncoding: 'base64', description: 'HMAC key: the base64-decoded bytes sign deliveries' }),
      previous_secret_valid_until: { ...nullableTimestamp(), description: 'after a roll: until when the previous secret still signs' },
    },
    'The secret that signs webhook deliveries of the account and mode.',
  ),
  TestClock: strictObject(
    { object: constant('test_clock'), livemode: constant(false), location: constant('/test/clock'), now: timestamp(), offset_seconds: integer({ minimum: 0 }) },
    "The test-mode clock of the account (DECISIONS §8); it never moves backward.",
  ),
  Trigger: strictObject(
    {
      object: constant('trigger'),
      livemode: constant(false),
      location: constant('/test/trigger'),
      event: { enum: [...triggerEvents] },
      charge: ref('Charge'),
      refund: { oneOf: [ref('Refund'), { type: 'null' }] },
      events: { type: 'array', items: id('evnt'), minItems: 1, description: 'the ids of every event the trigger wrote, in order' },
    },
    'A test event made on demand (test mode): the charge made for it, its refund, and the events written.',
  ),
  RequestLog: strictObject(
    {
      object: constant('request_log'),
      id: id('rqlg'),
      livemode: constant(false),
      created_at: timestamp(),
      method: text(),
      route: orNull('string', { description: 'the route pattern that served it (`/charges/:id`); null when it matched no route' }),
      path: text({ description: 'the path, without its query string' }),
      status: integer({ minimum: 100, maximum: 599 }),
      duration_ms: integer({ minimum: 0 }),
      request_id: text({ description: 'the X-Request-Id the request was answered with' }),
      idempotency_key: orNull('string'),
      key_kind: { enum: ['public', 'secret', null] },
      key_last4: orNull('string', { minLength: 4, maxLength: 4 }),
    },
    'A test-mode API request of the account, as the request log keeps it (DECISIONS §10): never a key, a body or a query string.',
  ),
  RequestLogList: strictObject(
    {
      object: constant('list'),
      data: { type: 'array', items: ref('RequestLog') },
      limit: integer({ minimum: 1, maximum: listLimitMax }),
      offset: integer({ minimum: 0 }),
      total: integer({ minimum: 0 }),
      location: constant('/test/requests'),
      order: { enum: ['chronological', 'reverse_chronological'] },
      from: timestamp(),
      to: timestamp(),
    },
    'A page of the request log.',
  ),
  Listener: strictObject(
    {
      object: constant('listener'),
      id: id('lstn'),
      livemode: constant(false),
      location: location('^/test/listeners/lstn_test_[0-9a-z]{19}$'),
      events: { type: ['array', 'null'], items: { enum: [...eventKeys] }, description: 'the event keys it is given (null: every key)' },
      forward_to: orNull('string', { description: "where the CLI forwards (what its deliveries' attempts are recorded under), or null" }),
      stream: location('^/test/listeners/lstn_test_[0-9a-z]{19}/stream$'),
      created_at: timestamp(),
    },
    "A subscription of `satang listen` (test mode): every event written while it lives that it asked for is a delivery in the outbox, streamed to the CLI and acknowledged.",
  ),
  DeletedListener: strictObject({ object: constant('listener'), id: id('lstn'), livemode: constant(false), deleted: constant(true) }),
  ListenerDelivery: strictObject(
    {
      object: constant('listener_delivery'),
      id: id('whjb'),
      livemode: constant(false),
      listener: id('lstn'),
      event: id('evnt'),
      status: { enum: ['delivered', 'failed', 'cancelled'], description: 'delivered: the local URL answered 2xx; failed: anything else (not retried); cancelled: the listener was removed first' },
      recorded: { type: 'boolean', description: "whether this acknowledgement was recorded in the event's delivery log (false: it was acknowledged before)" },
    },
    'A delivery of a listener, after its acknowledgement.',
  ),
  ListenerDeliveryList: strictObject(
    {
      object: constant('list'),
      location: location('^/test/listeners/lstn_test_[0-9a-z]{19}/acks$'),
      data: { type: 'array', items: ref('ListenerDelivery'), description: "the listener's deliveries among those acknowledged, in the order given" },
    },
    'Deliveries of a listener, after their acknowledgements.',
  ),
  ListenerAcksParams: {
    type: 'object',
    required: ['acks'],
    properties: {
      acks: {
        type: 'array',
        minItems: 1,
        maxItems: listenerAcksPerRequestMax,
        items: { type: 'object', required: ['delivery', 'duration_ms'], properties: { delivery: text({ pattern: '^[0-9A-Za-z_]{1,100}$' }), ...listenerAckProperties } },
      },
    },
  },
  ListenerParams: {
    type: 'object',
    properties: {
      events: {
        description: 'the event keys to be given: comma-separated or an array (absent, empty or * : every key)',
        oneOf: [stringParam(), { type: 'array', maxItems: eventKeys.length, items: { enum: [...eventKeys] } }],
      },
      forward_to: stringParam({ format: 'uri', maxLength: webhookUrlCharsMax, description: "where the CLI forwards (recorded as its deliveries' uri; Satang never connects to it)" }),
    },
  },
  ListenerAckParams: { type: 'object', required: ['duration_ms'], properties: listenerAckProperties },
  TestReset: strictObject({ object: constant('test_reset'), livemode: constant(false), location: constant('/test/reset'), deleted_charges: integer({ minimum: 0 }) }),
  PaymentStatus: strictObject(
    {
      object: constant('payment_status'),
      payment_ref: text({ pattern: idPattern('pay2') }),
      status: chargeStatus(),
      amount: integer(),
      currency: thb(),
      expires_at: timestamp(),
      now: timestamp(),
      seconds_left: integer({ minimum: 0 }),
      paid_at: nullableTimestamp(),
      failure_message: orNull('string'),
      return_uri: orNull('string'),
    },
    "The hosted payment page's status, polled by its script.",
  ),
  WalletScan: strictObject(
    {
      object: constant('wallet_scan'),
      livemode: bool(),
      charge: id('chrg'),
      payment_ref: text({ pattern: idPattern('pay2') }),
      merchant_name: text(),
      qr_merchant_name: text({ maxLength: 25 }),
      biller_id: text(),
      reference: text(),
      amount: integer(),
      currency: thb(),
      status: chargeStatus(),
      expires_at: timestamp(),
      funding_sources: { type: 'array', items: { enum: [...fundingSources] } },
    },
    'What the wallet shows after scanning a QR.',
  ),
  WalletPayment: strictObject(
    {
      object: constant('wallet_payment'),
      livemode: bool(),
      charge: id('chrg'),
      payment_ref: text({ pattern: idPattern('pay2') }),
      merchant_name: text(),
      amount: integer(),
      currency: thb(),
      status: { enum: ['successful', 'failed'] },
      funding_source: orNull('string', { enum: [...fundingSources, null] }),
      created_at: timestamp(),
    },
    "The payer's decision, carried out.",
  ),
  Health: strictObject({ status: constant('ok') }),
  Readiness: {
    oneOf: [
      strictObject({ status: { enum: ['ready', 'draining', 'database_unreachable'] } }),
      strictObject({ status: constant('migrations_pending'), pending: { type: 'array', items: text() } }),
    ],
  },
  MetricsUnauthorized: strictObject({ status: constant('unauthorized') }),
  ScbCallbackAnswer: strictObject({ resCode: constant('00'), resDesc: constant('success'), transactionId: text() }),
  SourceParams: sourceParams,
  ChargeParams: chargeParams,
  ChargeUpdateParams: chargeUpdateParams,
  RefundParams: refundParams,
  WebhookEndpointCreateParams: endpointParams(['url']),
  WebhookEndpointUpdateParams: endpointParams([]),
  ClockAdvanceParams: {
    type: 'object',
    description: 'seconds or to, not both',
    properties: { seconds: integerParam({ minimum: 1 }), to: stringParam({ description: 'an ISO 8601 date and time ahead of the clock' }) },
  },
  TestSettings: strictObject(
    {
      object: constant('test_settings'),
      livemode: constant(false),
      location: constant('/test/settings'),
      default_outcome: { enum: [...scriptedOutcomes, null], description: 'the outcome of new test charges whose metadata names none' },
      default_outcome_after_seconds: integer({ minimum: 0, maximum: scriptedOutcomeAfterSecondsMax }),
      default_funding_source: { enum: [...fundingSources, null], description: 'how a scripted success was funded (default wallet_balance)' },
    },
    "The account's test settings that are Satang's own (DECISIONS §10).",
  ),
  TestSettingsParams: {
    type: 'object',
    properties: {
      default_outcome: { enum: [...scriptedOutcomes, 'none', '', null] },
      default_outcome_after_seconds: integerParam({ minimum: 0, maximum: scriptedOutcomeAfterSecondsMax }),
      default_funding_source: { enum: [...fundingSources, 'none', '', null], description: 'only with default_outcome successful' },
    },
  },
  TriggerParams: {
    type: 'object',
    required: ['event'],
    properties: {
      event: { enum: [...triggerEvents] },
      amount: integerParam({ minimum: chargeAmountSatangMin, maximum: chargeAmountSatangMax, description: `satang (default ${triggerAmountSatangDefault})` }),
      funding_source: { enum: [...fundingSources, '', null], description: 'charge.complete and refund.create only (default wallet_balance)' },
    },
  },
  MarkAsPaidParams: { type: 'object', properties: { funding_source: { enum: [...fundingSources, '', null], description: 'default wallet_balance' } } },
  RedeliverParams: { type: 'object', properties: { url: stringParam({ description: 'one URL to deliver to (default: every target of the event)' }) } },
  ScbConfirmation: {
    type: 'object',
    description: "SCB's QR30 confirmation (live-provider-scb.md): read strictly, kept as sent; more fields than these may come",
    required: ['transactionId'],
    properties: {
      transactionId: stringParam({ maxLength: 64 }),
      amount: { type: ['string', 'number'], description: 'baht' },
      transactionDateandTime: stringParam({ description: 'ISO 8601, GMT+7' }),
      payeeProxyId: stringParam({ description: 'the biller id' }),
      billPaymentRef1: stringParam(),
      billPaymentRef2: stringParam(),
      billPaymentRef3: stringParam(),
      sendingBankCode: stringParam(),
      payerName: stringParam(),
      currencyCode: stringParam(),
    },
  },
  WalletScanParams: {
    type: 'object',
    description: 'payload, or image',
    properties: { payload: stringParam({ maxLength: 512, description: 'the text of the scanned QR' }), image: stringParam({ contentEncoding: 'base64', contentMediaType: 'image/png', description: 'a PNG of the QR, base64' }) },
  },
  WalletApproveParams: {
    type: 'object',
    properties: {
      payload: stringParam({ maxLength: 512 }),
      image: stringParam({ contentEncoding: 'base64', contentMediaType: 'image/png' }),
      funding_source: { enum: [...fundingSources, '', null], description: 'default wallet_balance' },
    },
  },
  OmiseVersion: { enum: [...apiVersions] },
  ListLimit: integerParam({ minimum: 1, default: listLimitDefault, description: `at most ${listLimitMax} (more is clamped)` }),
};

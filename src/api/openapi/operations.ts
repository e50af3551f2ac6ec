/**
 * Every operation Satang serves, one entry each: the table the OpenAPI document is built from
 * (document.ts). Adding a route means adding its entry here (and its exercise case in
 * test/api/openapi-exercise.test.ts); the tests fail until both exist.
 *
 * Paths are written as Fastify registers them (`:id`, a trailing `*`), so an entry reads like its
 * route. Errors are listed by Omise error code: document.ts turns them into responses, and adds
 * the ones every operation of a kind can give (see `implicitErrors` there).
 */
import { type OmiseErrorCode } from '../../domain/errors.js';
import { fundingSources } from '../../domain/lifecycle.js';
import { triggerEvents } from '../../domain/trigger.js';
import { unservedMethods, unservedResources, unservedSubresources } from '../routes/unserved.js';
import {
  requestLogAgeMsMax,
  requestLogEntriesPerAccountMax,
  searchFilterValueCharsMax,
  searchMetadataFiltersMax,
  searchPerPageDefault,
  searchPerPageMax,
  searchQueryCharsMax,
  searchQueryTermsMax,
  searchResultWindowMax,
  sseKeepAliveMs,
  sseStreamsPerAccountMax,
  actionReasonCharsMax,
} from '../../domain/limits.js';
import { ref, type Schema } from './schemas.js';

export type Tag = 'api' | 'test-mode' | 'pages' | 'dashboard' | 'simulator' | 'ops';
export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS' | 'HEAD';

/**
 * Who may call: `secret` (secret key), `public` (public or secret key), `none`, `wallet` (no key,
 * or a valid test-mode key), `operator` (a dashboard session), `metrics` (a bearer token when
 * SATANG_METRICS_TOKEN is set).
 */
export type Access = 'secret' | 'public' | 'none' | 'wallet' | 'operator' | 'metrics';

/** A response other than an Omise error: JSON of a component schema, a page, a redirect, bytes. */
export type Reply =
  | { kind: 'json'; schema: string; description: string; headers?: Record<string, HeaderSpec> }
  | { kind: 'page'; description: string }
  | { kind: 'redirect'; description: string }
  | { kind: 'empty'; description: string; headers?: Record<string, HeaderSpec> }
  | { kind: 'bytes'; mediaType: string; description: string; headers?: Record<string, HeaderSpec> };

export interface HeaderSpec {
  description: string;
  required?: boolean;
  schema?: Schema;
}

export interface QueryParam {
  /** Shared by several operations: listed once, under components.parameters, by this name. */
  component?: string;
  name: string;
  description: string;
  schema: Schema;
  required?: boolean;
}

export interface Operation {
  method: Method;
  /** The route's path as Fastify has it: `:name` parameters, a trailing `*` for any path below. */
  path: string;
  operationId: string;
  tag: Tag;
  summary: string;
  description?: string;
  access: Access;
  /** Descriptions of path parameters, where the default for their name does not fit. */
  pathParams?: Record<string, string>;
  query?: QueryParam[];
  /** API parameters: a component schema, sent as JSON or as a form (or in the query string). */
  body?: { schema: string; required?: boolean };
  /** A page's form: its fields (application/x-www-form-urlencoded). */
  form?: { properties: Record<string, Schema>; required?: string[] };
  /** Takes an Idempotency-Key (DECISIONS §8). */
  idempotent?: boolean;
  /** What it answers besides errors, by HTTP status. */
  replies: Record<string, Reply>;
  /** The Omise errors this operation gives besides those every operation of its kind can give. */
  errors?: OmiseErrorCode[];
  /** HTML error pages (pages, simulator page, dashboard), by status. */
  errorPages?: number[];
  deprecated?: boolean;
  /** Answered by the app's not-found handler (an unserved Omise resource), not by a registered route. */
  servedBy?: 'not-found-handler';
}

const json = (schema: string, description: string, headers?: Record<string, HeaderSpec>): Reply => ({ kind: 'json', schema, description, headers });
const page = (description: string): Reply => ({ kind: 'page', description });
const redirect = (description: string): Reply => ({ kind: 'redirect', description });
const script = (description: string): Reply => ({
  kind: 'bytes',
  mediaType: 'application/javascript',
  description,
  headers: { 'Cache-Control': { description: 'public, max-age=300', required: true } },
});

/** Sources and /capability answer browsers on any origin (omise.js). */
const cors: Record<string, HeaderSpec> = { 'Access-Control-Allow-Origin': { description: "the request's Origin, or *", required: true } };

const listQuery: QueryParam[] = [
  { component: 'ListFrom', name: 'from', description: 'only objects created at or after this time (ISO 8601)', schema: { type: ['string', 'null'], format: 'date-time' } },
  { component: 'ListTo', name: 'to', description: 'only objects created at or before this time (ISO 8601; default now on the account clock)', schema: { type: ['string', 'null'], format: 'date-time' } },
  { component: 'ListOffset', name: 'offset', description: 'objects to skip', schema: { type: ['integer', 'null'], minimum: 0, default: 0 } },
  { component: 'ListLimit', name: 'limit', description: 'objects to answer', schema: ref('ListLimit') },
  { component: 'ListOrder', name: 'order', description: 'by creation time', schema: { enum: ['chronological', 'reverse_chronological', '', null], default: 'chronological' } },
];
const listErrors: OmiseErrorCode[] = ['invalid_per_page', 'invalid_page', 'invalid_filter'];

/** The request log's filters, the list's and the stream's alike (domain/request-log.ts). */
function requestLogFilterQuery(): QueryParam[] {
  return [
    { name: 'status', description: 'a status class (`4xx`), a status (`404`), or several separated by commas', schema: { type: ['string', 'null'], pattern: '^([1-5](xx|XX|[0-9]{2}))(,[1-5](xx|XX|[0-9]{2}))*$' } },
    { name: 'method', description: 'an HTTP method', schema: { type: ['string', 'null'] } },
    { name: 'route', description: 'a route pattern, exactly (`/charges/:id`)', schema: { type: ['string', 'null'], pattern: '^/' } },
    { name: 'path', description: 'a path, and the paths below it (`/charges` shows `/charges/chrg_test_...` too)', schema: { type: ['string', 'null'], pattern: '^/' } },
    { name: 'request_id', description: "a request's X-Request-Id", schema: { type: ['string', 'null'] } },
  ];
}

const corsPreflight = (path: string, operationId: string): Operation => ({
  method: 'OPTIONS',
  path,
  operationId,
  tag: 'api',
  summary: `CORS preflight of ${path}`,
  description: 'Browsers (omise.js) ask before sending the public key from another origin.',
  access: 'none',
  replies: {
    '204': {
      kind: 'empty',
      description: 'allowed from any origin',
      headers: {
        'Access-Control-Allow-Methods': { description: 'GET, POST, OPTIONS', required: true },
        'Access-Control-Allow-Headers': { description: 'Authorization, Content-Type, Omise-Version, Idempotency-Key', required: true },
        'Access-Control-Allow-Origin': { description: "the request's Origin, or *", required: true },
        'Access-Control-Max-Age': { description: '600', required: true },
      },
    },
  },
});

// ------------------------------------------------------------------------------------------ the Omise API

const apiOperations: Operation[] = [
  corsPreflight('/sources', 'createSourcePreflight'),
  {
    method: 'POST',
    path: '/sources',
    operationId: 'createSource',
    tag: 'api',
    summary: 'Create a TrueMoney QR source',
    description: 'Needs Omise-Version 2017-11-02 or later (404 service_not_found below it). A source is charged once, by POST /charges.',
    access: 'public',
    body: { schema: 'SourceParams', required: true },
    idempotent: true,
    replies: { '200': json('Source', 'the source (charge_status unknown)', cors) },
    errors: ['service_not_found'],
  },
  corsPreflight('/sources/:id', 'retrieveSourcePreflight'),
  {
    method: 'GET',
    path: '/sources/:id',
    operationId: 'retrieveSource',
    tag: 'api',
    summary: 'Retrieve a source',
    access: 'public',
    replies: { '200': json('Source', 'the source; with its QR once charged', cors) },
  },
  corsPreflight('/capability', 'retrieveCapabilityPreflight'),
  {
    method: 'GET',
    path: '/capability',
    operationId: 'retrieveCapability',
    tag: 'api',
    summary: 'What the account may do',
    access: 'public',
    replies: { '200': json('Capability', 'the capability', cors) },
  },
  {
    method: 'POST',
    path: '/charges',
    operationId: 'createCharge',
    tag: 'api',
    summary: 'Create a charge',
    description: 'From a source id, or with an inline source (`source[type]=truemoney_qr`, which needs Omise-Version 2017-11-02 or later). The charge is pending; its QR is the source\'s `scannable_code`.',
    access: 'secret',
    body: { schema: 'ChargeParams', required: true },
    idempotent: true,
    replies: { '200': json('Charge', 'the pending charge') },
    errors: ['invalid_charge', 'not_found', 'service_not_found'],
  },
  {
    method: 'GET',
    path: '/charges',
    operationId: 'listCharges',
    tag: 'api',
    summary: 'List charges',
    access: 'secret',
    query: listQuery,
    replies: { '200': json('ChargeList', 'a page of charges') },
    errors: listErrors,
  },
  {
    method: 'GET',
    path: '/charges/:id',
    operationId: 'retrieveCharge',
    tag: 'api',
    summary: 'Retrieve a charge',
    access: 'secret',
    replies: { '200': json('Charge', 'the charge') },
  },
  {
    method: 'PATCH',
    path: '/charges/:id',
    operationId: 'updateCharge',
    tag: 'api',
    summary: "Change a charge's description or metadata",
    access: 'secret',
    body: { schema: 'ChargeUpdateParams' },
    idempotent: true,
    replies: { '200': json('Charge', 'the charge (a charge.update event is written)') },
  },
  {
    method: 'POST',
    path: '/charges/:id/capture',
    operationId: 'captureCharge',
    tag: 'api',
    summary: 'Capture a charge (refused)',
    description: 'TrueMoney QR charges are captured when paid: an existing charge answers 400 failed_capture.',
    access: 'secret',
    replies: {},
    errors: ['failed_capture'],
  },
  {
    method: 'POST',
    path: '/charges/:id/reverse',
    operationId: 'reverseCharge',
    tag: 'api',
    summary: 'Reverse a charge (refused)',
    description: 'TrueMoney QR charges cannot be reversed: an existing charge answers 400 failed_reverse. Refund it instead.',
    access: 'secret',
    replies: {},
    errors: ['failed_reverse'],
  },
  {
    method: 'GET',
    path: '/charges/:id/documents/:docu',
    operationId: 'retrieveChargeDocument',
    tag: 'api',
    summary: "Retrieve a charge's QR document",
    access: 'secret',
    replies: { '200': json('Document', 'the document') },
  },
  {
    method: 'GET',
    path: '/charges/:id/documents/:docu/downloads/:token',
    operationId: 'downloadChargeQr',
    tag: 'api',
    summary: "Download a charge's QR code",
    description: "The document's download_uri. No key: the 16 hex digits of the token are the capability.",
    access: 'none',
    replies: {
      '200': {
        kind: 'bytes',
        mediaType: 'image/png',
        description: 'the QR code as a PNG',
        headers: {
          'Content-Disposition': { description: 'inline; filename="qrcode.png"', required: true },
          'Cache-Control': { description: 'private, max-age=86400', required: true },
        },
      },
    },
  },
  {
    method: 'GET',
    path: '/events',
    operationId: 'listEvents',
    tag: 'api',
    summary: 'List events',
    access: 'secret',
    query: listQuery,
    replies: { '200': json('EventList', 'a page of events, each with its 25 most recent deliveries') },
    errors: listErrors,
  },
  {
    method: 'GET',
    path: '/events/:id',
    operationId: 'retrieveEvent',
    tag: 'api',
    summary: 'Retrieve an event',
    access: 'secret',
    replies: { '200': json('Event', 'the event, with every delivery attempt') },
  },
  {
    method: 'GET',
    path: '/charges/:id/events',
    operationId: 'listChargeEvents',
    tag: 'api',
    summary: "List a charge's events",
    access: 'secret',
    query: listQuery,
    replies: { '200': json('EventList', "a page of the charge's events") },
    errors: listErrors,
  },
  {
    method: 'POST',
    path: '/charges/:id/mark_as_paid',
    operationId: 'markChargeAsPaid',
    tag: 'test-mode',
    summary: 'Complete a pending charge as paid (test mode)',
    access: 'secret',
    body: { schema: 'MarkAsPaidParams' },
    idempotent: true,
    replies: { '200': json('Charge', 'the successful charge') },
    errors: ['not_authorized'],
  },
  {
    method: 'POST',
    path: '/charges/:id/mark_as_failed',
    operationId: 'markChargeAsFailed',
    tag: 'test-mode',
    summary: 'Complete a pending charge as failed (test mode)',
    access: 'secret',
    idempotent: true,
    replies: { '200': json('Charge', 'the failed charge (failed_processing)') },
    errors: ['not_authorized'],
  },
  {
    method: 'POST',
    path: '/charges/:id/expire',
    operationId: 'expireCharge',
    tag: 'api',
    summary: 'Expire a pending charge',
    access: 'secret',
    idempotent: true,
    replies: { '200': json('Charge', 'the expired charge') },
    errors: ['failed_expire'],
  },
  {
    method: 'GET',
    path: '/account',
    operationId: 'retrieveAccount',
    tag: 'api',
    summary: 'Retrieve the account',
    description: 'The account the secret key belongs to, as Omise shows it (DECISIONS §10): `id` is `account_test_…` / `account_…` per mode, `team` the Satang account id, `webhook_uri` the mode\'s first enabled endpoint.',
    access: 'secret',
    replies: { '200': json('Account', 'the account') },
  },
  {
    method: 'PATCH',
    path: '/account',
    operationId: 'updateAccount',
    tag: 'api',
    summary: 'Not served: changing the account',
    description: "The account's settings belong to its operators (`satang accounts set`, the dashboard); this answers 400 feature_not_supported, without looking at the key.",
    access: 'none',
    replies: {},
    errors: ['feature_not_supported'],
  },
  {
    method: 'GET',
    path: '/search',
    operationId: 'search',
    tag: 'api',
    summary: 'Search charges or refunds',
    description:
      'DECISIONS §10. `query` is free text matched against ids, description, metadata values, the `pay2` reference and ref1, with `amount:`, `status:` and `id:` terms (amounts in baht, as Omise\'s search takes them: `amount:1000`, `amount:100..200`); every term must match; text in double quotes is one term. Bare dates in `filters[created]` are whole days in Asia/Bangkok. Only the key\'s own account and mode are searched.',
    access: 'secret',
    query: [
      { name: 'scope', description: 'what to search', required: true, schema: { enum: ['charge', 'refund'] } },
      { name: 'query', description: `free text and field:value terms (at most ${searchQueryCharsMax} characters, ${searchQueryTermsMax} terms)`, schema: { type: ['string', 'null'], maxLength: searchQueryCharsMax } },
      { name: 'filters[status]', description: 'a status of the scope', schema: { type: ['string', 'null'] } },
      { name: 'filters[amount]', description: 'baht: `1000`, `1000.50`, or a range `a..b` (either end may be open)', schema: { type: ['string', 'null'] } },
      { name: 'filters[created]', description: 'a date (a Bangkok day), an ISO 8601 time with its zone, or a range `from..to`', schema: { type: ['string', 'null'] } },
      { name: 'filters[metadata][KEY]', description: `a metadata value (at most ${searchMetadataFiltersMax} keys)`, schema: { type: ['string', 'null'], maxLength: searchFilterValueCharsMax } },
      { name: 'order', description: 'by creation time', schema: { enum: ['chronological', 'reverse_chronological', '', null], default: 'chronological' } },
      { name: 'page', description: 'from 1', schema: { type: ['integer', 'null'], minimum: 1, default: 1 } },
      { name: 'per_page', description: `at most ${searchPerPageMax}; page × per_page at most ${searchResultWindowMax}`, schema: { type: ['integer', 'null'], minimum: 1, maximum: searchPerPageMax, default: searchPerPageDefault } },
    ],
    replies: { '200': json('Search', 'a page of charges or refunds, with what was asked') },
  },
  {
    method: 'GET',
    path: '/balance',
    operationId: 'retrieveBalance',
    tag: 'api',
    summary: 'Retrieve the balance',
    access: 'secret',
    replies: { '200': json('Balance', 'the balance') },
  },
  {
    method: 'GET',
    path: '/transactions',
    operationId: 'listTransactions',
    tag: 'api',
    summary: 'List transactions',
    access: 'secret',
    query: listQuery,
    replies: { '200': json('TransactionList', 'a page of transactions') },
    errors: listErrors,
  },
  {
    method: 'GET',
    path: '/transactions/:id',
    operationId: 'retrieveTransaction',
    tag: 'api',
    summary: 'Retrieve a transaction',
    access: 'secret',
    replies: { '200': json('Transaction', 'the transaction') },
  },
  {
    method: 'GET',
    path: '/test/clock',
    operationId: 'retrieveTestClock',
    tag: 'test-mode',
    summary: "Read the account's test clock",
    access: 'secret',
    replies: { '200': json('TestClock', 'the test clock') },
    errors: ['not_authorized'],
  },
  {
    method: 'POST',
    path: '/test/clock/advance',
    operationId: 'advanceTestClock',
    tag: 'test-mode',
    summary: "Move the account's test clock forward",
    access: 'secret',
    body: { schema: 'ClockAdvanceParams', required: true },
    idempotent: true,
    replies: { '200': json('TestClock', 'the test clock, moved') },
    errors: ['not_authorized'],
  },
  {
    method: 'GET',
    path: '/test/settings',
    operationId: 'retrieveTestSettings',
    tag: 'test-mode',
    summary: "Read the account's test settings (the default scripted outcome)",
    access: 'secret',
    replies: { '200': json('TestSettings', 'the test settings') },
    errors: ['not_authorized'],
  },
  {
    method: 'PATCH',
    path: '/test/settings',
    operationId: 'updateTestSettings',
    tag: 'test-mode',
    summary: "Change the account's test settings",
    description:
      'The scripted outcome new test charges get when their metadata names none (DECISIONS §10): `default_outcome` (`none` clears it), after `default_outcome_after_seconds` on the account clock, with `default_funding_source` for a success.',
    access: 'secret',
    body: { schema: 'TestSettingsParams' },
    idempotent: true,
    replies: { '200': json('TestSettings', 'the test settings, changed') },
    errors: ['not_authorized'],
  },
  {
    method: 'POST',
    path: '/test/trigger',
    operationId: 'triggerTestEvent',
    tag: 'test-mode',
    summary: 'Make a test event happen: a new charge driven to it',
    description:
      'A new TrueMoney QR charge of `amount` (default 100000), driven in one change through the same use cases as the API: `charge.create` leaves it pending, `charge.complete` pays it (`funding_source`, default wallet_balance), `charge.failed` fails it, `charge.expire` expires it, `refund.create` pays and refunds it in full (a void on the day it was paid). Answers the objects and the ids of every event written, in order; each is delivered like any other event.',
    access: 'secret',
    body: { schema: 'TriggerParams', required: true },
    idempotent: true,
    replies: { '200': json('Trigger', 'what the trigger made') },
    errors: ['not_authorized', 'invalid_charge'],
  },
  {
    method: 'POST',
    path: '/test/reset',
    operationId: 'resetTestData',
    tag: 'test-mode',
    summary: "Delete the account's test-mode objects",
    access: 'secret',
    idempotent: true,
    replies: { '200': json('TestReset', 'what was deleted') },
    errors: ['not_authorized'],
  },
  {
    method: 'POST',
    path: '/test/listeners',
    operationId: 'createListener',
    tag: 'test-mode',
    summary: 'Make a listener (`satang listen`)',
    description:
      'Every event written from now on whose key it asked for is a delivery in the outbox for it, as for a webhook endpoint; the CLI takes them from its stream and acknowledges each. It expires, with what it was not sent, an hour after a stream last held it.',
    access: 'secret',
    body: { schema: 'ListenerParams' },
    idempotent: true,
    replies: { '200': json('Listener', 'the listener') },
    errors: ['not_authorized'],
  },
  {
    method: 'GET',
    path: '/test/listeners/:id',
    operationId: 'retrieveListener',
    tag: 'test-mode',
    summary: 'Retrieve a listener',
    access: 'secret',
    pathParams: { id: 'the listener id' },
    replies: { '200': json('Listener', 'the listener') },
    errors: ['not_authorized'],
  },
  {
    method: 'GET',
    path: '/test/listeners/:id/stream',
    operationId: 'streamListener',
    tag: 'test-mode',
    summary: "A listener's deliveries, as Server-Sent Events",
    description:
      'Each delivery is `event: delivery`, `id: <delivery id>`, `data: {"delivery", "event" (the webhook body as JSON), "body" (its exact bytes), "headers" (Omise-Signature, Omise-Signature-Timestamp)}`; `: keep-alive` comments every 15 s. A delivery stays pending until it is acknowledged; one not acknowledged within 30 s, or whose stream closed, is sent again. The stream ends when the gateway shuts down or the listener is removed.',
    access: 'secret',
    pathParams: { id: 'the listener id' },
    replies: { '200': { kind: 'bytes', mediaType: 'text/event-stream', description: 'the deliveries, until the stream ends' } },
    errors: ['not_authorized', 'service_unavailable'],
  },
  {
    method: 'POST',
    path: '/test/listeners/:id/deliveries/:delivery/ack',
    operationId: 'acknowledgeListenerDelivery',
    tag: 'test-mode',
    summary: 'Acknowledge a delivery the CLI forwarded',
    description: "Finishes the delivery (delivered on a 2xx, failed otherwise; not retried) and records the attempt in the event's delivery log, once however often it is acknowledged.",
    access: 'secret',
    pathParams: { id: 'the listener id', delivery: 'the delivery id (the stream frame\'s id)' },
    body: { schema: 'ListenerAckParams', required: true },
    idempotent: true,
    replies: { '200': json('ListenerDelivery', 'the delivery') },
    errors: ['not_authorized'],
  },
  {
    method: 'POST',
    path: '/test/listeners/:id/acks',
    operationId: 'acknowledgeListenerDeliveries',
    tag: 'test-mode',
    summary: 'Acknowledge several deliveries at once',
    description: 'As many acknowledgements as the one-by-one route, in one change (at most 100): what `satang listen` sends when deliveries come faster than an acknowledgement\'s round trip. Ids that are not deliveries of the listener are left out of the answer.',
    access: 'secret',
    pathParams: { id: 'the listener id' },
    body: { schema: 'ListenerAcksParams', required: true },
    idempotent: true,
    replies: { '200': json('ListenerDeliveryList', 'the deliveries') },
    errors: ['not_authorized'],
  },
  {
    method: 'DELETE',
    path: '/test/listeners/:id',
    operationId: 'deleteListener',
    tag: 'test-mode',
    summary: 'Remove a listener',
    description: 'Nothing more is given to it; what it was not sent is cancelled, and its streams end.',
    access: 'secret',
    pathParams: { id: 'the listener id' },
    idempotent: true,
    replies: { '200': json('DeletedListener', 'the listener, removed') },
    errors: ['not_authorized'],
  },
  {
    method: 'GET',
    path: '/test/requests',
    operationId: 'listRequestLog',
    tag: 'test-mode',
    summary: "The account's request log (test mode)",
    description: `Every test-mode API request of the account (DECISIONS §10), recorded after its reply and written in batches within about a second: the newest ${requestLogEntriesPerAccountMax.toLocaleString('en-US')}, for ${requestLogAgeMsMax / 86_400_000} days at most. Never a key, a body or a query string. Newest first unless \`order\` says otherwise. The log's own requests are not recorded.`,
    access: 'secret',
    query: [...listQuery.filter((param) => param.name !== 'order'), { name: 'order', description: 'by time (default: newest first)', schema: { enum: ['chronological', 'reverse_chronological', '', null], default: 'reverse_chronological' } }, ...requestLogFilterQuery()],
    replies: { '200': json('RequestLogList', 'a page of the log') },
    errors: ['not_authorized', ...listErrors],
  },
  {
    method: 'GET',
    path: '/test/requests/stream',
    operationId: 'streamRequestLog',
    tag: 'test-mode',
    summary: "The account's request log as Server-Sent Events (test mode)",
    description: `New entries as they are written, by any gateway process on the database, filtered like the list: \`event: request_log\`, \`id:\` the entry's id, \`data:\` the entry (a RequestLog object) as JSON. A \`: keep-alive\` comment every ${sseKeepAliveMs / 1000} s. At most ${sseStreamsPerAccountMax} streams per account (429 too_many_requests beyond). The gateway ends every stream when it shuts down (503 service_unavailable while it does).`,
    access: 'secret',
    query: requestLogFilterQuery(),
    replies: {
      '200': {
        kind: 'bytes',
        mediaType: 'text/event-stream',
        description: 'the stream (never ends by itself)',
        headers: { 'Cache-Control': { description: 'no-cache', required: true }, 'X-Accel-Buffering': { description: 'no (nginx passes each event on at once)', required: true } },
      },
    },
    errors: ['not_authorized', 'invalid_filter', 'too_many_requests', 'service_unavailable'],
  },
  {
    method: 'GET',
    path: '/webhook_endpoints',
    operationId: 'listWebhookEndpoints',
    tag: 'api',
    summary: 'List webhook endpoints',
    access: 'secret',
    replies: { '200': json('WebhookEndpointList', 'every endpoint of the account and mode') },
  },
  {
    method: 'POST',
    path: '/webhook_endpoints',
    operationId: 'createWebhookEndpoint',
    tag: 'api',
    summary: 'Add a webhook endpoint',
    description: 'At most 20 per account and mode.',
    access: 'secret',
    body: { schema: 'WebhookEndpointCreateParams', required: true },
    idempotent: true,
    replies: { '200': json('WebhookEndpoint', 'the endpoint') },
  },
  {
    method: 'GET',
    path: '/webhook_endpoints/:id',
    operationId: 'retrieveWebhookEndpoint',
    tag: 'api',
    summary: 'Retrieve a webhook endpoint',
    access: 'secret',
    replies: { '200': json('WebhookEndpoint', 'the endpoint') },
  },
  {
    method: 'PATCH',
    path: '/webhook_endpoints/:id',
    operationId: 'updateWebhookEndpoint',
    tag: 'api',
    summary: 'Change or disable a webhook endpoint, or set its webhook chaos',
    description:
      'chaos (test mode only; refused in live mode with 400): settings that replace the old ones whole and start the endpoint\'s event count again, or null to turn chaos off. Decisions are a function of (seed, endpoint, its n-th event, attempt) and are shown on each delivery as satang_chaos.',
    access: 'secret',
    body: { schema: 'WebhookEndpointUpdateParams' },
    idempotent: true,
    replies: { '200': json('WebhookEndpoint', 'the endpoint') },
  },
  {
    method: 'DELETE',
    path: '/webhook_endpoints/:id',
    operationId: 'deleteWebhookEndpoint',
    tag: 'api',
    summary: 'Delete a webhook endpoint',
    access: 'secret',
    idempotent: true,
    replies: { '200': json('DeletedWebhookEndpoint', 'the endpoint is gone') },
  },
  {
    method: 'GET',
    path: '/webhook_secret',
    operationId: 'retrieveWebhookSecret',
    tag: 'api',
    summary: 'Read the webhook signing secret',
    access: 'secret',
    replies: { '200': json('WebhookSecret', 'the secret (made on first read)') },
  },
  {
    method: 'POST',
    path: '/webhook_secret/roll',
    operationId: 'rollWebhookSecret',
    tag: 'api',
    summary: 'Roll the webhook signing secret',
    description: 'For 24 hours deliveries carry both signatures, comma-separated.',
    access: 'secret',
    idempotent: true,
    replies: { '200': json('WebhookSecret', 'the new secret') },
  },
  {
    method: 'POST',
    path: '/events/:id/redeliver',
    operationId: 'redeliverEvent',
    tag: 'api',
    summary: 'Deliver an event again',
    access: 'secret',
    body: { schema: 'RedeliverParams' },
    idempotent: true,
    replies: { '200': json('Event', 'the event, its new deliveries queued') },
  },
  {
    method: 'POST',
    path: '/charges/:id/refunds',
    operationId: 'createRefund',
    tag: 'api',
    summary: 'Refund or void a successful charge',
    description: 'Inside the void window it is a void where the funding source allows it; otherwise a refund (DECISIONS §5).',
    access: 'secret',
    body: { schema: 'RefundParams', required: true },
    idempotent: true,
    replies: { '200': json('Refund', 'the refund or void') },
    errors: ['invalid_amount', 'failed_refund', 'failed_void'],
  },
  {
    method: 'GET',
    path: '/charges/:id/refunds',
    operationId: 'listChargeRefunds',
    tag: 'api',
    summary: "List a charge's refunds",
    access: 'secret',
    query: listQuery,
    replies: { '200': json('RefundList', "a page of the charge's refunds") },
    errors: listErrors,
  },
  {
    method: 'GET',
    path: '/charges/:id/refunds/:refund',
    operationId: 'retrieveChargeRefund',
    tag: 'api',
    summary: 'Retrieve a refund',
    access: 'secret',
    replies: { '200': json('Refund', 'the refund') },
  },
  {
    method: 'GET',
    path: '/refunds',
    operationId: 'listRefunds',
    tag: 'api',
    summary: 'List refunds',
    access: 'secret',
    query: listQuery,
    replies: { '200': json('RefundList', 'a page of refunds') },
    errors: listErrors,
  },
];

/**
 * The Omise resources Satang does not serve (src/api/routes/unserved.ts): each answers 400
 * feature_not_supported to every method, at its path and any path below. Made from the same lists
 * the routes are; an operation listed above for the same method and path takes precedence.
 */
function unservedOperations(): Operation[] {
  const operations: Operation[] = [];
  const paths: Array<{ path: string; message: string; servedBy?: 'not-found-handler' }> = [
    ...[...unservedSubresources].map(([path, message]) => ({ path, message })),
    ...[...unservedResources].map(([name, message]) => ({ path: `/${name}`, message, servedBy: 'not-found-handler' as const })),
  ];
  for (const { path, message, servedBy } of paths) {
    const name = path.slice(1).replaceAll('/', '_');
    for (const below of [false, true]) {
      for (const method of unservedMethods) {
        operations.push({
          method,
          path: below ? `${path}/*` : path,
          operationId: `unserved_${name}${below ? '_below' : ''}_${method.toLowerCase()}`,
          tag: 'api',
          summary: `Not served: ${path}${below ? '/...' : ''}`,
          description: `Satang does not serve this Omise resource: ${message}. Every method, here and at any path below, answers 400 feature_not_supported.`,
          access: 'none',
          replies: {},
          errors: ['feature_not_supported'],
          deprecated: false,
          ...(servedBy ? { servedBy } : {}),
        });
      }
    }
  }
  return operations;
}

// ------------------------------------------------------------------------------------------ operations

const opsOperations: Operation[] = [
  {
    method: 'POST',
    path: '/providers/scb/callbacks/:secret',
    operationId: 'scbCallback',
    tag: 'ops',
    summary: "SCB's payment confirmation (live mode)",
    description:
      'Where SCB posts a Thai QR payment confirmation, at the URL `satang accounts scb` printed. A hint, never proof: recorded (once per transactionId) and answered at once; the charge completes only after SCB\'s inquiry confirms the same transaction, biller, ref1 and amount (DECISIONS §11). An unknown secret: 404, nothing recorded.',
    access: 'none',
    pathParams: { secret: 'the callback secret printed when SCB was configured' },
    body: { schema: 'ScbConfirmation', required: true },
    replies: { '200': json('ScbCallbackAnswer', "recorded (or recorded before): SCB's success answer") },
    errors: ['bad_request', 'not_found'],
  },
  {
    method: 'GET',
    path: '/healthz',
    operationId: 'health',
    tag: 'ops',
    summary: 'Liveness',
    access: 'none',
    replies: { '200': json('Health', 'the process runs') },
  },
  {
    method: 'GET',
    path: '/readyz',
    operationId: 'readiness',
    tag: 'ops',
    summary: 'Readiness',
    description: 'Ready when the database answers and every migration the code knows is applied.',
    access: 'none',
    replies: {
      '200': json('Readiness', 'ready'),
      '503': json('Readiness', 'not ready: draining (after SIGTERM), database_unreachable or migrations_pending'),
    },
  },
  {
    method: 'GET',
    path: '/metrics',
    operationId: 'metrics',
    tag: 'ops',
    summary: 'Prometheus metrics',
    description: 'Open unless SATANG_METRICS_TOKEN is set; then `Authorization: Bearer <token>`.',
    access: 'metrics',
    replies: {
      '200': { kind: 'bytes', mediaType: 'text/plain', description: 'the Prometheus text format (version 0.0.4)' },
      '401': json('MetricsUnauthorized', 'a token is required and was missing or wrong', {
        'WWW-Authenticate': { description: 'Bearer realm="metrics"', required: true },
      }),
    },
  },
  {
    method: 'GET',
    path: '/openapi.json',
    operationId: 'openApiDocument',
    tag: 'ops',
    summary: 'This document',
    description: 'The OpenAPI 3.1 document of every route Satang serves (also committed as docs/openapi.json).',
    access: 'none',
    replies: {
      '200': json('OpenApiDocument', 'the document', {
        ETag: { description: 'the validator of this document', required: true },
        'Cache-Control': { description: 'public, max-age=300', required: true },
      }),
      '304': { kind: 'empty', description: 'not modified (If-None-Match held the ETag)' },
    },
  },
];

// ------------------------------------------------------------------------------------------ the customer's side

const pageErrors = [400, 404, 500];

const customerOperations: Operation[] = [
  {
    method: 'GET',
    path: '/omise.js',
    operationId: 'omiseJs',
    tag: 'pages',
    summary: 'The omise.js-compatible browser script',
    description: 'Omise.setPublicKey and Omise.createSource against this gateway; createToken answers feature_not_supported.',
    access: 'none',
    replies: { '200': script('the script, its API base URL this gateway') },
  },
  {
    method: 'GET',
    path: '/payments/:ref/status',
    operationId: 'paymentStatus',
    tag: 'pages',
    summary: "The hosted payment page's status",
    access: 'none',
    pathParams: { ref: 'the pay2 reference (the charge\'s provider_references.reference_number_1)' },
    replies: { '200': json('PaymentStatus', 'the payment now', { 'Cache-Control': { description: 'no-store', required: true } }) },
  },
  {
    method: 'GET',
    path: '/payments/assets/pay.js',
    operationId: 'paymentPageScript',
    tag: 'pages',
    summary: "The hosted payment page's script",
    access: 'none',
    replies: { '200': script('the script') },
  },
  {
    method: 'GET',
    path: '/payments/:ref/authorize',
    operationId: 'paymentPage',
    tag: 'pages',
    summary: 'The hosted payment page',
    description: "A charge's authorize_uri: merchant, amount, QR, countdown and live status. No key: the pay2 reference is the capability.",
    access: 'none',
    pathParams: { ref: 'the pay2 reference' },
    query: [{ name: 'acs', description: 'ignored (Omise sends acs=false)', schema: { type: 'string' } }],
    replies: { '200': page('the page') },
    errorPages: pageErrors,
  },
];

// ------------------------------------------------------------------------------------------ the wallet simulator

const walletErrors: OmiseErrorCode[] = ['not_authorized'];
const simulatorPageErrors = [400, 401, 403, 404, 500];

const simulatorOperations: Operation[] = [
  {
    method: 'POST',
    path: '/simulator/scan',
    operationId: 'walletScan',
    tag: 'simulator',
    summary: 'Scan a QR (test mode)',
    description: 'What the wallet shows for a QR: its text, or a PNG of it. Changes nothing.',
    access: 'wallet',
    body: { schema: 'WalletScanParams', required: true },
    replies: { '200': json('WalletScan', 'the payment the QR names') },
    errors: walletErrors,
  },
  {
    method: 'POST',
    path: '/simulator/approve',
    operationId: 'walletApprove',
    tag: 'simulator',
    summary: 'Pay a QR (test mode)',
    access: 'wallet',
    body: { schema: 'WalletApproveParams', required: true },
    replies: { '200': json('WalletPayment', 'the charge is successful') },
    errors: walletErrors,
  },
  {
    method: 'POST',
    path: '/simulator/decline',
    operationId: 'walletDecline',
    tag: 'simulator',
    summary: 'Decline a QR (test mode)',
    access: 'wallet',
    body: { schema: 'WalletScanParams', required: true },
    replies: { '200': json('WalletPayment', 'the charge failed (failed_processing)') },
    errors: walletErrors,
  },
  {
    method: 'GET',
    path: '/simulator/assets/simulator.js',
    operationId: 'simulatorScript',
    tag: 'simulator',
    summary: "The simulator page's script",
    access: 'none',
    replies: { '200': script('the script') },
  },
  {
    method: 'GET',
    path: '/simulator/assets/jsqr.js',
    operationId: 'simulatorQrDecoder',
    tag: 'simulator',
    summary: 'The QR decoder the simulator page uses (jsQR)',
    access: 'none',
    replies: { '200': script('the script') },
  },
  {
    method: 'GET',
    path: '/simulator',
    operationId: 'simulatorPage',
    tag: 'simulator',
    summary: 'The wallet simulator page',
    description: 'Without a payload: the scan form. With one: the payment it names, to approve or decline.',
    access: 'wallet',
    query: [{ name: 'payload', description: 'the text of a scanned QR', schema: { type: 'string', maxLength: 512 } }],
    replies: { '200': page('the page') },
    errorPages: simulatorPageErrors,
  },
  {
    method: 'POST',
    path: '/simulator',
    operationId: 'simulatorDecision',
    tag: 'simulator',
    summary: "The payer's decision, from the simulator page",
    access: 'wallet',
    form: {
      properties: {
        payload: { type: 'string', maxLength: 512 },
        decision: { enum: ['approve', 'decline'] },
        funding_source: { enum: [...fundingSources] },
      },
      required: ['payload', 'decision'],
    },
    replies: { '200': page('the outcome') },
    errorPages: simulatorPageErrors,
  },
];

// ------------------------------------------------------------------------------------------ the dashboard

const csrfField = { _csrf: { type: 'string', description: "the session's CSRF token (or the X-CSRF-Token header)" } };
const pageReplies = { '200': page('the page'), '303': redirect('no session: to the sign-in page') };
const dashboardPageErrors = [400, 500];
const actionErrors = [400, 401, 403, 500];

function dashboardPage(path: string, operationId: string, summary: string, extra: Partial<Operation> = {}): Operation {
  return { method: 'GET', path, operationId, tag: 'dashboard', summary, access: 'operator', replies: pageReplies, errorPages: dashboardPageErrors, ...extra };
}

/** A dashboard action: a form POST with the session's CSRF token, answered with a redirect (Post/Redirect/Get). */
function dashboardAction(path: string, operationId: string, summary: string, fields: Record<string, Schema> = {}, required: string[] = [], extra: Partial<Operation> = {}): Operation {
  return {
    method: 'POST',
    path,
    operationId,
    tag: 'dashboard',
    summary,
    access: 'operator',
    form: { properties: { ...csrfField, ...fields }, required: ['_csrf', ...required] },
    replies: { '303': redirect('done: to the page that shows it') },
    errorPages: actionErrors,
    ...extra,
  };
}

/** A CSV export of one kind of object for a range of Bangkok days (web/dashboard/money.ts). */
function dashboardExport(kind: 'charges' | 'refunds' | 'transactions'): Operation {
  return {
    method: 'GET',
    path: `/dashboard/exports/${kind}.csv`,
    operationId: `dashboardExport${kind[0].toUpperCase()}${kind.slice(1)}`,
    tag: 'dashboard',
    summary: `The ${kind} of a range of Bangkok days as CSV`,
    description: 'UTF-8 with a byte-order mark, oldest first, amounts in baht and satang, times in Bangkok (+07:00), cells a spreadsheet would run as formulas prefixed with an apostrophe. At most 366 days per file.',
    access: 'operator',
    query: [
      { name: 'from', description: 'first day (YYYY-MM-DD, Bangkok), included', schema: { type: 'string', format: 'date' } },
      { name: 'to', description: 'last day (YYYY-MM-DD, Bangkok), included', schema: { type: 'string', format: 'date' } },
    ],
    replies: {
      '200': {
        kind: 'bytes',
        mediaType: 'text/csv',
        description: 'the CSV file',
        headers: { 'Content-Disposition': { description: `attachment; filename="satang-test-${kind}-FROM-to-TO.csv"`, required: true } },
      },
      '303': redirect('no session: to the sign-in page'),
    },
    errorPages: dashboardPageErrors,
  };
}

const formToken = { _form: { type: 'string', description: 'the satang_form cookie, again (double submit)' } };
const withNotFound = { errorPages: [...actionErrors, 404] };
/** What a money action's confirmation page posts: its confirmation, and an optional reason kept by the audit log. */
const confirmFields: Record<string, Schema> = {
  confirm: { const: 'yes', description: 'sent by the confirmation page only: without it nothing is done (400)' },
  reason: { type: 'string', maxLength: actionReasonCharsMax, description: 'why, kept in the audit line (a longer one is refused, 400)' },
};

const dashboardOperations: Operation[] = [
  {
    method: 'GET',
    path: '/dashboard/signin',
    operationId: 'dashboardSignInPage',
    tag: 'dashboard',
    summary: 'The sign-in page',
    description: 'Before any operator exists: how to make the first one.',
    access: 'none',
    query: [{ name: 'next', description: 'the dashboard page to go to after signing in', schema: { type: 'string' } }],
    replies: { '200': page('the page (sets the satang_form cookie)'), '303': redirect('already signed in: to the overview') },
    errorPages: dashboardPageErrors,
  },
  {
    method: 'POST',
    path: '/dashboard/signin',
    operationId: 'dashboardSignIn',
    tag: 'dashboard',
    summary: 'Sign in',
    description:
      "Five failures for an email from one address, or twenty from one address, in 15 minutes refuse that address (429). Failures for an email never refuse it elsewhere: at an address its operator never signed in from, they delay the answer (at most 2 s, said in X-Satang-Signin-Delay-Ms). With two-factor sign-in on, the right password leads to the code page (the satang_2fa cookie).",
    access: 'none',
    form: { properties: { ...formToken, email: { type: 'string' }, password: { type: 'string' }, next: { type: 'string' } }, required: ['_form', 'email', 'password'] },
    replies: { '303': redirect('signed in (sets the satang_session cookie): to `next`; or, with two-factor sign-in on, to the code page (sets satang_2fa)') },
    errorPages: [400, 401, 403, 429, 500],
  },
  {
    method: 'GET',
    path: '/dashboard/signin/code',
    operationId: 'dashboardSignInCodePage',
    tag: 'dashboard',
    summary: 'Two-factor sign-in: the code page',
    description: 'After the right password of an operator with two-factor sign-in on (the satang_2fa cookie; 5 minutes).',
    access: 'none',
    replies: { '200': page('the form (sets the satang_form cookie)') },
    errorPages: [401, 500],
  },
  {
    method: 'POST',
    path: '/dashboard/signin/code',
    operationId: 'dashboardSignInCode',
    tag: 'dashboard',
    summary: 'Two-factor sign-in: a TOTP code or a recovery code',
    description: 'A code of the current 30-second step or one either side, each step once; or an unused recovery code (used up). Five wrong codes end the sign-in; wrong codes count against the address like wrong passwords.',
    access: 'none',
    form: { properties: { ...formToken, code: { type: 'string', maxLength: 100 } }, required: ['_form', 'code'] },
    replies: { '303': redirect('signed in (sets the satang_session cookie): to the page asked for') },
    errorPages: [400, 401, 403, 500],
  },
  {
    method: 'GET',
    path: '/dashboard/password',
    operationId: 'dashboardPasswordLinkPage',
    tag: 'dashboard',
    summary: 'A one-time link: choose a password (an invite, or a reset)',
    description: 'Links are made by an owner on the Operators page (or `satang operators reset-link`); each works once, for 24 hours.',
    access: 'none',
    query: [{ name: 'token', description: 'the link token', schema: { type: 'string' }, required: true }],
    replies: { '200': page('the form') },
    errorPages: [400, 403, 500],
  },
  {
    method: 'POST',
    path: '/dashboard/password',
    operationId: 'dashboardPasswordLink',
    tag: 'dashboard',
    summary: 'Set the password of a one-time link',
    description: "The operator's sessions all end; the link is used up.",
    access: 'none',
    form: {
      properties: { ...formToken, token: { type: 'string' }, password: { type: 'string', minLength: 12 }, password_again: { type: 'string' } },
      required: ['_form', 'token', 'password', 'password_again'],
    },
    replies: { '303': redirect('the password is set: to the sign-in page') },
    errorPages: [400, 403, 500],
  },
  {
    method: 'GET',
    path: '/dashboard/language',
    operationId: 'dashboardLanguage',
    tag: 'dashboard',
    summary: 'Choose the dashboard language',
    description: 'Remembered for a year in the satang_lang cookie; without it the browser\'s Accept-Language chooses, else English.',
    access: 'none',
    query: [
      { name: 'to', description: 'the language', required: true, schema: { type: 'string', enum: ['en', 'th'] } },
      { name: 'back', description: 'the dashboard page to return to', schema: { type: 'string' } },
    ],
    replies: { '303': redirect('to `back` (a dashboard page) with the satang_lang cookie set') },
    errorPages: [400, 500],
  },
  {
    method: 'GET',
    path: '/dashboard/favicon.svg',
    operationId: 'dashboardFavicon',
    tag: 'dashboard',
    summary: "The dashboard's icon",
    access: 'none',
    replies: { '200': { kind: 'bytes', mediaType: 'image/svg+xml', description: 'the icon' } },
  },
  dashboardAction('/dashboard/signout', 'dashboardSignOut', 'Sign out', {}),
  {
    method: 'GET',
    path: '/dashboard/setup',
    operationId: 'dashboardSetupPage',
    tag: 'dashboard',
    summary: 'The first operator\'s setup page',
    description: 'The link the server prints on its first start; it works for an hour, until an operator exists.',
    access: 'none',
    query: [{ name: 'token', description: 'the setup token', schema: { type: 'string' }, required: true }],
    replies: { '200': page('the form'), '303': redirect('an operator exists: to sign-in') },
    errorPages: [400, 403, 500],
  },
  {
    method: 'POST',
    path: '/dashboard/setup',
    operationId: 'dashboardSetup',
    tag: 'dashboard',
    summary: 'Make the first operator',
    access: 'none',
    form: {
      properties: { ...formToken, token: { type: 'string' }, email: { type: 'string' }, password: { type: 'string', minLength: 12 }, password_again: { type: 'string' } },
      required: ['_form', 'token', 'email', 'password', 'password_again'],
    },
    replies: { '303': redirect('the operator exists and is signed in: to the overview') },
    errorPages: [400, 403, 500],
  },
  dashboardAction('/dashboard/session/account', 'dashboardSwitchAccount', 'Look at another account', { account: { type: 'string' }, back: { type: 'string' } }, ['account'], withNotFound),
  dashboardAction('/dashboard/session/mode', 'dashboardSwitchMode', 'Look at test or live mode', { mode: { enum: ['test', 'live'] }, back: { type: 'string' } }, ['mode']),
  dashboardPage('/dashboard', 'dashboardOverview', "Overview: today's and the last 30 days' volume"),
  dashboardPage('/dashboard/charges', 'dashboardCharges', 'Charges: search and filter with the rules of GET /search, newest first, in pages', {
    description: 'A search the rules refuse (amount:abc, an unknown field:, a bad date) is a 400 page that says why and lists no charges.',
    query: [
      { name: 'q', description: "GET /search's query: words found in ids, references, ref1, description or metadata values; amount:, status:, id:", schema: { type: 'string', maxLength: 500 } },
      { name: 'status', description: 'only charges in this state', schema: { enum: ['pending', 'successful', 'failed', 'expired', 'reversed'] } },
      { name: 'amount', description: 'an amount in baht (120.50) or a range (100..500)', schema: { type: 'string', maxLength: 200 } },
      { name: 'from', description: 'first day (YYYY-MM-DD, Bangkok)', schema: { type: 'string', format: 'date' } },
      { name: 'to', description: 'last day (YYYY-MM-DD, Bangkok)', schema: { type: 'string', format: 'date' } },
      { name: 'before', description: 'the next page', schema: { type: 'string' } },
    ],
  }),
  dashboardPage('/dashboard/balance', 'dashboardBalance', 'The balance, as GET /balance answers it'),
  dashboardPage('/dashboard/transactions', 'dashboardTransactions', "The ledger's transactions, newest first, in pages, each linked to its charge", {
    query: [{ name: 'before', description: 'the next page', schema: { type: 'string' } }],
  }),
  ...(['charges', 'refunds', 'transactions'] as const).map((kind) => dashboardExport(kind)),
  dashboardPage('/dashboard/charges/:id', 'dashboardCharge', "A charge: its timeline, deliveries and actions", { errorPages: [...dashboardPageErrors, 404] }),
  dashboardPage('/dashboard/charges/:id/complete', 'dashboardConfirmCompleteCharge', 'Before marking a pending charge paid or failed (test mode): what it will do, and the form that does it', {
    description: 'Shows the new status, what the ledger records, what the customer sees and the webhook event with its targets; or why it cannot be done now. Changes nothing.',
    query: [
      { name: 'outcome', description: 'paid (successful) or failed', required: true, schema: { enum: ['successful', 'failed'] } },
      { name: 'funding_source', description: 'how the customer paid (with successful)', schema: { enum: [...fundingSources] } },
    ],
    errorPages: [...dashboardPageErrors, 404],
  }),
  dashboardAction(
    '/dashboard/charges/:id/complete',
    'dashboardCompleteCharge',
    'Mark a pending charge successful or failed (test mode), as confirmed',
    { ...confirmFields, outcome: { enum: ['successful', 'failed'] }, funding_source: { enum: [...fundingSources] } },
    ['confirm', 'outcome'],
    withNotFound,
  ),
  dashboardPage('/dashboard/charges/:id/expire', 'dashboardConfirmExpireCharge', 'Before expiring a pending charge: what it will do, and the form that does it', {
    description: 'Changes nothing.',
    errorPages: [...dashboardPageErrors, 404],
  }),
  dashboardAction('/dashboard/charges/:id/expire', 'dashboardExpireCharge', 'Expire a pending charge, as confirmed', { ...confirmFields }, ['confirm'], withNotFound),
  dashboardPage('/dashboard/charges/:id/refund', 'dashboardConfirmRefundCharge', 'Before refunding or voiding a charge: void or refund, the amount, what the ledger records, and the form that does it', {
    description: 'The same rules the refund applies, asked now: a void before the cut-off, a refund after, or why neither is allowed. Changes nothing.',
    query: [
      { name: 'amount', description: 'baht, like 120 or 120.50', required: true, schema: { type: 'string' } },
      { name: 'void', description: 'only as a void', schema: { const: 'on' } },
    ],
    errorPages: [...dashboardPageErrors, 404],
  }),
  dashboardAction(
    '/dashboard/charges/:id/refund',
    'dashboardRefundCharge',
    'Refund or void a charge, as confirmed',
    {
      ...confirmFields,
      amount: { type: 'string', description: 'baht, like 120 or 120.50' },
      kind: { enum: ['void', 'refund'], description: 'what the confirmation said it would be: anything else is refused' },
      seen: { type: 'string', pattern: '^[0-9]{1,4}$', description: 'how many refunds and voids the charge had when the confirmation was shown: if it has another since, 409 and nothing is done' },
    },
    ['confirm', 'amount', 'kind', 'seen'],
    { errorPages: [...actionErrors, 404, 409] },
  ),
  dashboardPage('/dashboard/charges/:id/manual-refund', 'dashboardConfirmManualRefund', 'Before recording a manual refund of a live charge (made by bank transfer): the amount, the reference, what the ledger records, and the form that does it', {
    description: 'The rules of a manual refund, asked now: live charges only, successful, within what is left to give back. Changes nothing.',
    query: [
      { name: 'amount', description: 'baht, like 120 or 120.50', required: true, schema: { type: 'string' } },
      { name: 'reference', description: "the transfer's reference: 1 to 100 printable ASCII characters", required: true, schema: { type: 'string', maxLength: 100 } },
    ],
    errorPages: [...dashboardPageErrors, 404],
  }),
  dashboardAction(
    '/dashboard/charges/:id/manual-refund',
    'dashboardManualRefund',
    "Record a refund made by bank transfer (live mode), as confirmed: the refund (its reference in the metadata as satang_manual_reference), its ledger debit and the refund.create event",
    {
      ...confirmFields,
      amount: { type: 'string', description: 'baht, like 120 or 120.50' },
      reference: { type: 'string', maxLength: 100, description: "the transfer's reference: 1 to 100 printable ASCII characters" },
      seen: { type: 'string', pattern: '^[0-9]{1,4}$', description: 'how many refunds the charge had when the confirmation was shown: if it has another since, 409 and nothing is done' },
    },
    ['confirm', 'amount', 'reference', 'seen'],
    { errorPages: [...actionErrors, 404, 409] },
  ),
  dashboardAction('/dashboard/charges/:id/events/:event/redeliver', 'dashboardRedeliverEvent', "Deliver a charge's event again", {}, [], {
    ...withNotFound,
    pathParams: { id: 'the charge', event: 'the event' },
  }),
  dashboardPage('/dashboard/reconciliation', 'dashboardReconciliation', "Reconciliation with SCB (live mode): payments the bank holds that no charge took, successful live charges without the bank's evidence, and rejected confirmations; the newest 100 of each", {
    description: 'In test mode, a page that says the report is about live mode.',
  }),
  dashboardPage('/dashboard/webhooks', 'dashboardWebhooks', 'Webhook endpoints, the signing secret and recent deliveries'),
  dashboardAction('/dashboard/webhooks/endpoints', 'dashboardAddEndpoint', 'Add a webhook endpoint', { url: { type: 'string' } }, ['url']),
  dashboardAction('/dashboard/webhooks/endpoints/:id', 'dashboardChangeEndpoint', 'Change or disable a webhook endpoint', { url: { type: 'string' }, enabled: { enum: ['true', 'false'] } }, [], withNotFound),
  dashboardAction(
    '/dashboard/webhooks/endpoints/:id/chaos',
    'dashboardEndpointChaos',
    "Set or turn off an endpoint's webhook chaos (test mode)",
    {
      duplicate_rate: { type: 'string' },
      delay_min_ms: { type: 'string' },
      delay_max_ms: { type: 'string' },
      reorder_window_ms: { type: 'string' },
      fail_first_attempts: { type: 'string' },
      seed: { type: 'string' },
      off: { const: 'yes', description: 'turn chaos off (the other fields are ignored)' },
    },
    [],
    withNotFound,
  ),
  dashboardAction('/dashboard/webhooks/endpoints/:id/delete', 'dashboardDeleteEndpoint', 'Delete a webhook endpoint', {}, [], withNotFound),
  dashboardAction(
    '/dashboard/webhooks/test-event',
    'dashboardSendTestEvent',
    'Send a test event: a new test charge driven to it (test mode; the same use case as POST /test/trigger)',
    { event: { enum: [...triggerEvents] }, amount: { type: 'string', description: 'baht, like 1000 or 120.50 (default 1,000.00)' }, funding_source: { enum: [...fundingSources, ''] } },
    ['event'],
  ),
  dashboardAction('/dashboard/webhooks/secret/reveal', 'dashboardRevealSecret', 'Show the signing secret once'),
  dashboardAction('/dashboard/webhooks/secret/roll', 'dashboardRollSecret', 'Roll the signing secret', { confirm: { const: 'yes' } }, ['confirm']),
  dashboardPage('/dashboard/developers', 'dashboardDevelopers', 'Developers: the request log (test mode), filtered, newest first, in pages', {
    query: [
      { name: 'status', description: 'a status class (4xx), a status (404), or several separated by commas', schema: { type: 'string' } },
      { name: 'method', description: 'an HTTP method', schema: { type: 'string' } },
      { name: 'route', description: 'a route pattern (/charges/:id)', schema: { type: 'string' } },
      { name: 'path', description: 'a path, and the paths below it', schema: { type: 'string' } },
      { name: 'request_id', description: "a request's X-Request-Id", schema: { type: 'string' } },
      { name: 'before', description: 'the next page', schema: { type: 'string' } },
    ],
  }),
  dashboardPage('/dashboard/developers/events', 'dashboardDeveloperEvents', 'Developers: events with their webhook deliveries, and the webhook endpoints', {
    query: [
      { name: 'key', description: 'only events of this kind', schema: { enum: ['charge.create', 'charge.update', 'charge.complete', 'charge.expire', 'refund.create'] } },
      { name: 'before', description: 'the next page', schema: { type: 'string' } },
    ],
  }),
  dashboardPage('/dashboard/keys', 'dashboardKeys', 'API keys of the mode in view'),
  dashboardAction('/dashboard/keys/roll', 'dashboardRollKey', 'Roll a key (the old one stops working)', { kind: { enum: ['public', 'secret'] }, confirm: { const: 'yes' } }, ['kind', 'confirm']),
  dashboardPage('/dashboard/settings', 'dashboardSettings', 'Account settings, the test clock and test-data reset'),
  dashboardAction('/dashboard/settings', 'dashboardSaveSettings', 'Save account settings', {
    name: { type: 'string' },
    merchant_name: { type: 'string' },
    biller_id: { type: 'string' },
    fee_rate_bps: { type: 'string', pattern: '^\\s*\\d{1,9}\\s*$' },
    fee_flat_satang: { type: 'string', pattern: '^\\s*\\d{1,9}\\s*$' },
    qr_form: { const: '1', description: 'sent by the form, so an unticked box means off' },
    truemoney_qr_test: { const: 'on' },
    truemoney_qr_live: { const: 'on' },
  }),
  dashboardAction('/dashboard/test-settings', 'dashboardSaveTestSettings', 'Save the default scripted outcome of new test charges', {
    default_outcome: { enum: ['successful', 'failed', 'expired', 'none', ''] },
    default_outcome_after_seconds: { type: 'string', pattern: '^\\s*\\d{0,5}\\s*$' },
    default_funding_source: { type: 'string', description: 'counts with default_outcome successful only' },
  }),
  dashboardAction('/dashboard/clock/advance', 'dashboardAdvanceClock', 'Move the test clock forward', { seconds: { enum: ['60', '900', '3600', '86400', '604800', '2592000'] } }, ['seconds']),
  dashboardAction('/dashboard/reset', 'dashboardResetTestData', "Delete the account's test-mode objects", { confirm: { const: 'yes' } }, ['confirm']),
  dashboardPage('/dashboard/audit', 'dashboardAudit', "The audit log: operators' and the satang command's changes"),
  dashboardPage('/dashboard/operators', 'dashboardOperators', 'Operators (owners): roles, states, invites and resets', { errorPages: [...dashboardPageErrors, 403] }),
  dashboardAction('/dashboard/operators/invite', 'dashboardInviteOperator', 'Invite an operator: a one-time link (24 hours), shown once', { email: { type: 'string', maxLength: 255 }, role: { enum: ['owner', 'operator', 'viewer'] } }, ['email', 'role']),
  dashboardAction('/dashboard/operators/:id/reset-link', 'dashboardOperatorResetLink', 'Make a one-time password-reset (or new invite) link, shown once', {}, [], withNotFound),
  dashboardAction('/dashboard/operators/:id/role', 'dashboardOperatorRole', "Change an operator's role (the last owner keeps theirs)", { role: { enum: ['owner', 'operator', 'viewer'] } }, ['role'], withNotFound),
  dashboardAction('/dashboard/operators/:id/disable', 'dashboardDisableOperator', 'Disable an operator: their sessions end at once (not yourself, not the last owner)', {}, [], withNotFound),
  dashboardAction('/dashboard/operators/:id/enable', 'dashboardEnableOperator', 'Let a disabled operator sign in again', {}, [], withNotFound),
  dashboardPage('/dashboard/security', 'dashboardSecurity', 'Security: two-factor sign-in of the signed-in operator'),
  dashboardAction('/dashboard/security/totp/start', 'dashboardStartTotp', 'Start turning on two-factor sign-in: a new secret to scan'),
  dashboardAction('/dashboard/security/totp/confirm', 'dashboardConfirmTotp', 'Confirm the secret with a code: two-factor sign-in is on; the recovery codes are shown once', { code: { type: 'string', maxLength: 40 } }, ['code']),
  dashboardAction('/dashboard/security/totp/disable', 'dashboardDisableTotp', 'Turn off two-factor sign-in (with a code or a recovery code)', { code: { type: 'string', maxLength: 40 } }, ['code']),
];

/** Every operation the document lists, in the order it lists them. */
export function allOperations(): Operation[] {
  const listed = [...opsOperations, ...apiOperations, ...customerOperations, ...simulatorOperations, ...dashboardOperations];
  const taken = new Set(listed.map((operation) => `${operation.method} ${operation.path}`));
  return [...listed, ...unservedOperations().filter((operation) => !taken.has(`${operation.method} ${operation.path}`))];
}

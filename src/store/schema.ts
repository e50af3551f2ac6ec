/**
 * The database as Kysely sees it. One interface for both dialects: times are integer
 * milliseconds since the epoch, booleans are 0/1 integers, JSON is text. The store
 * normalises PostgreSQL's int8 strings to numbers, so rows read the same on both.
 */
import type { Generated, Selectable } from 'kysely';
import type { ChargeStatus } from '../domain/lifecycle.js';

export interface AccountTable {
  id: string;
  name: string;
  merchant_name: string;
  biller_id: string;
  fee_rate_bps: number;
  fee_flat_satang: number;
  truemoney_qr_test: number;
  truemoney_qr_live: number;
  is_default: number;
  /** How far the test-mode clock is ahead of the wall clock (DECISIONS §8); never decreases. */
  test_clock_offset_ms: number;
  created_at: number;
  /** The account's email as GET /account shows it (DECISIONS §10); null until set. */
  email: string | null;
  /**
   * Test settings that are Satang's own (DECISIONS §10): the scripted outcome new test charges get when
   * their metadata names none (null: none), how long after creation, and the funding source of a success.
   */
  default_outcome: string | null;
  default_outcome_after_seconds: number;
  default_funding_source: string | null;
}

export interface ApiKeyTable {
  id: string;
  account_id: string;
  livemode: number;
  kind: 'public' | 'secret';
  /** The public key itself, or the SHA-256 hex digest of a secret key. */
  lookup: string;
  /** The key's last four characters, for people to tell keys apart. */
  hint: string;
  created_at: number;
  revoked_at: number | null;
}

export interface SourceTable {
  id: string;
  account_id: string;
  livemode: number;
  type: string;
  amount: number;
  currency: string;
  flow: string;
  ip: string | null;
  email: string | null;
  name: string | null;
  mobile_number: string | null;
  phone_number: string | null;
  platform_type: string | null;
  created_at: number;
}


export interface ChargeTable {
  id: string;
  account_id: string;
  livemode: number;
  source_id: string;
  amount: number;
  currency: string;
  status: ChargeStatus;
  description: string | null;
  metadata: string;
  return_uri: string | null;
  ip: string | null;
  /** The pay2 id: reference_number_1 and the hosted page's path. */
  payment_ref: string;
  /** The QR's ref1: unique, A-Z0-9, at most 20 characters. */
  qr_ref1: string;
  document_id: string;
  download_token: string;
  fee_rate_bps: number;
  fee_flat_satang: number;
  /**
   * What the QR needs beyond the charge's own fields, as the account had it when the charge was
   * created (DECISIONS §3), so the payload is a function of this row alone: a later change of the
   * account changes new charges only. The biller id (tag 30, sub-tag 01), and the merchant name the
   * QR carries (tag 59; its ASCII form, see qrMerchantName; charges from before migration 0009 hold
   * their account's full name, which comes out as the same tag 59).
   */
  qr_biller_id: string;
  qr_merchant_name: string;
  /** SCB's ref3 (the account's prefix, then ref1 as far as 20 characters go) on a live charge's QR; '' in test mode. */
  qr_ref3: string;
  fee: number;
  fee_vat: number;
  net: number;
  funding_source: string | null;
  failure_code: string | null;
  failure_message: string | null;
  transaction_id: string | null;
  webhook_endpoints: string | null;
  created_at: number;
  paid_at: number | null;
  authorized_at: number | null;
  expires_at: number;
  expired_at: number | null;
  updated_at: number;
  /** Sum of all refunds and voids. */
  refunded_amount: number;
  /** The part of refunded_amount that was voided. */
  voided_amount: number;
  refund_count: number;
  /**
   * A scripted outcome not yet applied (test mode, DECISIONS §10): successful, failed or expired, when it
   * is due on the account's clock, and the funding source of a success (null: the default). All three are
   * null once it was applied or dropped, and on every other charge (a partial index holds only due rows).
   */
  scripted_outcome: string | null;
  scripted_outcome_due_at: number | null;
  scripted_funding_source: string | null;
}

/** An account's live provider (DECISIONS §11): SCB's application, biller and ref3 prefix. */
export interface ProviderSettingsTable {
  account_id: string;
  provider: 'scb';
  application_key: string;
  /** The application secret, sealed with the key in SATANG_SECRETS_KEY (provider/secrets.ts); never shown again. */
  application_secret_sealed: string;
  biller_id: string;
  ref3_prefix: string;
  /** SHA-256 of the callback path's secret: the path finds the account, the secret itself is not kept. */
  callback_digest: string;
  /** When a token request with these credentials last succeeded. */
  verified_at: number | null;
  created_at: number;
  updated_at: number;
}

/** What the bank said arrived (a callback, or the sweep's inquiry): a hint until the inquiry confirms it. */
export interface ProviderConfirmationTable {
  id: string;
  account_id: string;
  provider: 'scb';
  transaction_id: string;
  origin: 'callback' | 'sweep';
  /** The body as received (JSON), for the operator. */
  body: string;
  ref1: string;
  /** In satang, when the body's amount was a valid one. */
  amount: number | null;
  paid_at: number | null;
  /**
   * received → confirmed (the charge completed) | rejected (the inquiry does not hold it as sent: forged or mismatched)
   * | unapplied (paid at the bank, but the charge could not take it: expired, or paid already) | unmatched (no live
   * charge has the ref1) | unverified (the bank's inquiry never answered).
   */
  status: 'received' | 'confirmed' | 'rejected' | 'unapplied' | 'unmatched' | 'unverified';
  detail: string | null;
  charge_id: string | null;
  attempts: number;
  next_attempt_at: number;
  received_at: number;
  decided_at: number | null;
}

/** The bank's evidence of a live charge's payment, as its inquiry answered. */
export interface ProviderPaymentTable {
  charge_id: string;
  account_id: string;
  provider: 'scb';
  transaction_id: string;
  amount: number;
  payer_bank: string | null;
  payer_name: string | null;
  paid_at: number | null;
  /** The inquiry's matching row (JSON). */
  inquiry: string;
  confirmed_at: number;
}

export interface RefundTable {
  id: string;
  account_id: string;
  livemode: number;
  charge_id: string;
  amount: number;
  currency: string;
  voided: number;
  metadata: string;
  transaction_id: string;
  created_at: number;
}

export interface EventTable {
  id: string;
  account_id: string;
  livemode: number;
  key: string;
  /** The charge the event is about (for a refund event, the refunded charge). */
  charge_id: string | null;
  object_type: 'charge' | 'refund';
  object_id: string;
  /**
   * The object's mutable fields as they were when the event happened (JSON). With the
   * object's immutable fields this renders the event's `data` exactly as it was, so an
   * event costs a small row, not a copy of the whole object.
   */
  snapshot: string;
  created_at: number;
}

export interface TransactionTable {
  id: string;
  account_id: string;
  livemode: number;
  direction: 'credit' | 'debit';
  key: string;
  amount: number;
  currency: string;
  /** The charge or refund id the money moved for. */
  origin: string;
  created_at: number;
  transferable_at: number;
}

export interface BalanceTable {
  account_id: string;
  livemode: number;
  /** Sum of credits minus sum of debits, kept in the same transaction as each ledger row. */
  total: number;
  created_at: number;
}

export interface IdempotencyKeyTable {
  account_id: string;
  livemode: number;
  key: string;
  /** SHA-256 of method, route and canonical parameters. */
  request_hash: string;
  response_status: number;
  response_body: string;
  created_at: number;
}

export interface WebhookEndpointTable {
  id: string;
  account_id: string;
  livemode: number;
  url: string;
  enabled: number;
  created_at: number;
  updated_at: number;
  /** Webhook chaos settings (JSON of domain/webhook-chaos.ts ChaosSettings), null when off; test mode only. */
  chaos: string | null;
  /** Events given to the endpoint since its chaos was set (the n of each decision); 0 when off. */
  chaos_event_count: Generated<number>;
}

export interface WebhookSecretTable {
  account_id: string;
  livemode: number;
  /** Base64 of 32 random bytes; HMAC keys are its decoded bytes. */
  secret: string;
  /** After a roll, the old secret keeps signing too until `previous_valid_until` (account clock). */
  previous_secret: string | null;
  previous_valid_until: number | null;
  created_at: number;
}

/** `cancelled`: its endpoint was removed, disabled or changed, or its event is gone; nothing more is sent. */
export type WebhookJobStatus = 'pending' | 'delivered' | 'failed' | 'cancelled';

/** The outbox: one row per event and target URL, written with the event. */
export interface WebhookJobTable {
  id: string;
  event_id: string;
  account_id: string;
  livemode: number;
  url: string;
  /** The account endpoint the job delivers for; null for a charge's own webhook_endpoints and a redelivery to a given URL. */
  endpoint_id: string | null;
  /** The listener (`satang listen`) the job is for: streamed to the CLI holding it and acknowledged, never POSTed by the dispatcher; null for every webhook. */
  listener_id: string | null;
  status: WebhookJobStatus;
  attempts: number;
  /** Account-clock ms of the next try, so the test clock can fire retries. */
  next_attempt_at: number;
  /** Account-clock ms after which the job stops retrying and fails. */
  give_up_at: number;
  /** Wall-clock ms until which a dispatcher holds the job. */
  lease_until: number;
  /** The exact body, rendered once at the first attempt. */
  payload: string | null;
  created_at: number;
  /** The webhook chaos decided for this job (JSON of JobChaos), null without chaos. */
  chaos: string | null;
}

/** One row per attempt: the event's `webhook_deliveries`. */
export interface WebhookDeliveryTable {
  id: string;
  job_id: string;
  event_id: string;
  account_id: string;
  livemode: number;
  uri: string;
  status: number | null;
  error: string | null;
  payload: string;
  duration_ms: number;
  response_excerpt: string | null;
  created_at: number;
  /** What webhook chaos did to this attempt (JSON of AttemptChaos), null without chaos. */
  chaos: string | null;
}

/**
 * The request log (DECISIONS §10): one row per test-mode API request, written after its reply. Never
 * a secret, a body or a query string: the route, the path without its query, and the key's last four
 * characters. Ordered by seq (store/sequence.ts), kept per account up to a count and an age.
 */
export interface RequestLogTable {
  id: string;
  account_id: string;
  /** When the request arrived (wall clock, ms). */
  created_at: number;
  method: string;
  /** The route pattern that served it (`/charges/:id`), or null when it matched no route. */
  route: string | null;
  path: string;
  status: number;
  duration_ms: number;
  request_id: string;
  idempotency_key: string | null;
  key_kind: 'public' | 'secret' | null;
  key_last4: string | null;
}

/**
 * A listener (`satang listen`, test mode): a subscription of an account and mode whose deliveries
 * are outbox jobs (webhook_jobs.listener_id) streamed to the CLI holding it.
 */
export interface ListenerTable {
  id: string;
  account_id: string;
  livemode: number;
  /** What its deliveries are recorded under: the CLI's forward-to URL, or satang-listen:<id>. */
  url: string;
  /** The event keys it asked for (a JSON array), or null for every key. */
  events: string | null;
  /** Account-clock ms. */
  created_at: number;
  /** Wall-clock ms after which it expires (removed with what it had not sent); a held stream keeps moving it on. */
  expires_at: number;
}

export interface OperatorTable {
  id: string;
  email: string;
  /** Empty until an invited operator chooses a password (it never verifies). */
  password_hash: string;
  created_at: number;
  /** owner | operator | viewer, across all accounts (web/dashboard/context.ts DashboardRole). */
  role: string;
  /** Wall-clock ms; a disabled operator cannot sign in and has no sessions. */
  disabled_at: number | null;
  last_sign_in_at: number | null;
  /** TOTP (RFC 6238) secret, base32, stored in clear (the database is the trust boundary); null when off. */
  totp_secret: string | null;
  totp_enabled_at: number | null;
  /** The last 30-second step a code was accepted for: a code is used once. */
  totp_last_step: number | null;
  /** A secret shown on the security page, waiting for a code to confirm it. */
  totp_pending_secret: string | null;
}

/** A one-time link (invite or password reset): only the SHA-256 of its token is stored. Wall-clock ms. */
export interface OperatorLinkTable {
  token_hash: string;
  purpose: string;
  operator_id: string;
  created_by: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface OperatorRecoveryCodeTable {
  operator_id: string;
  code_hash: string;
  used_at: number | null;
}

/** An address an operator signed in from (the sign-in throttle never refuses them there because of others' failures). */
export interface OperatorAddressTable {
  operator_id: string;
  address: string;
  last_seen_at: number;
}

/** A sign-in whose password was right, waiting for its second factor (the cookie holds the token). */
export interface SignInChallengeTable {
  token_hash: string;
  operator_id: string;
  address: string;
  failures: number;
  next: string;
  created_at: number;
  expires_at: number;
}

/** A signed-in operator: only the SHA-256 of the cookie's token is stored. Times are wall-clock ms. */
export interface OperatorSessionTable {
  token_hash: string;
  operator_id: string;
  csrf_token: string;
  /** The account and mode the operator is looking at. */
  account_id: string;
  livemode: number;
  created_at: number;
  expires_at: number;
  /** A one-time secret to show on the next page load (Post/Redirect/Get), deleted when shown. */
  flash: string | null;
}

/** The first operator's one-time setup token (SHA-256 of it), consumed with that operator's creation. */
export interface SetupTokenTable {
  token_hash: string;
  created_at: number;
  consumed_at: number | null;
}

/** Failed sign-ins of one key (`email:...` or `address:...`) since window_start. */
export interface SignInThrottleTable {
  key: string;
  failures: number;
  window_start: number;
}

export interface AuditLogTable {
  id: string;
  operator_id: string;
  operator_email: string;
  account_id: string | null;
  livemode: number | null;
  action: string;
  target: string | null;
  /** JSON. */
  details: string;
  created_at: number;
}

/**
 * The overview's figures per account, mode and Asia/Bangkok day a charge was created on (domain/daily-totals.ts):
 * moved by each change to a charge in its transaction, so the overview reads at most 30 rows.
 */
export interface DailyChargeTotalsTable {
  account_id: string;
  livemode: number;
  /** Days since the epoch in Asia/Bangkok (bangkokDayOf of the charges' created_at). */
  day: number;
  created_count: number;
  successful_count: number;
  /** Satang. */
  successful_amount: number;
}

export interface DB {
  daily_charge_totals: DailyChargeTotalsTable;
  operators: OperatorTable;
  operator_links: OperatorLinkTable;
  operator_recovery_codes: OperatorRecoveryCodeTable;
  operator_addresses: OperatorAddressTable;
  signin_challenges: SignInChallengeTable;
  operator_sessions: OperatorSessionTable;
  setup_tokens: SetupTokenTable;
  signin_throttle: SignInThrottleTable;
  audit_log: AuditLogTable;
  accounts: AccountTable;
  api_keys: ApiKeyTable;
  sources: SourceTable;
  charges: ChargeTable;
  events: EventTable;
  transactions: TransactionTable;
  balances: BalanceTable;
  idempotency_keys: IdempotencyKeyTable;
  webhook_endpoints: WebhookEndpointTable;
  webhook_secrets: WebhookSecretTable;
  webhook_jobs: WebhookJobTable;
  webhook_deliveries: WebhookDeliveryTable;
  listeners: ListenerTable;
  refunds: RefundTable;
  request_log: RequestLogTable;
  provider_settings: ProviderSettingsTable;
  provider_confirmations: ProviderConfirmationTable;
  provider_payments: ProviderPaymentTable;
}

export type Account = Selectable<AccountTable>;
export type ApiKey = Selectable<ApiKeyTable>;
export type SourceRow = Selectable<SourceTable>;
export type ChargeRow = Selectable<ChargeTable>;
export type EventRow = Selectable<EventTable>;
export type TransactionRow = Selectable<TransactionTable>;
export type BalanceRow = Selectable<BalanceTable>;
export type IdempotencyRecord = Selectable<IdempotencyKeyTable>;
export type WebhookEndpoint = Selectable<WebhookEndpointTable>;
export type WebhookSecret = Selectable<WebhookSecretTable>;
export type WebhookJob = Selectable<WebhookJobTable>;
export type WebhookDelivery = Selectable<WebhookDeliveryTable>;
export type Listener = Selectable<ListenerTable>;
export type ProviderSettings = Selectable<ProviderSettingsTable>;
export type ProviderConfirmation = Selectable<ProviderConfirmationTable>;
export type ProviderPayment = Selectable<ProviderPaymentTable>;
export type RefundRow = Selectable<RefundTable>;
export type RequestLogRow = Selectable<RequestLogTable>;
export type Operator = Selectable<OperatorTable>;
export type OperatorLink = Selectable<OperatorLinkTable>;
export type SignInChallenge = Selectable<SignInChallengeTable>;
export type OperatorSession = Selectable<OperatorSessionTable>;
export type AuditEntry = Selectable<AuditLogTable>;

import { type Kysely, type Migration, type MigrationProvider, sql } from 'kysely';
import { dialectOf } from './dialect.js';
import { sequencedTables } from './sequence.js';
import { bangkokOffsetMs, dayMs } from '../domain/time.js';

/**
 * Migrations, written once for both dialects with Kysely's schema builder. Times are
 * bigint milliseconds; booleans are integers; JSON is text.
 */
const migrations: Record<string, Migration> = {
  '0001_foundation': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('accounts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('merchant_name', 'text', (c) => c.notNull())
        .addColumn('biller_id', 'text', (c) => c.notNull())
        .addColumn('fee_rate_bps', 'integer', (c) => c.notNull())
        .addColumn('fee_flat_satang', 'integer', (c) => c.notNull())
        .addColumn('truemoney_qr_test', 'integer', (c) => c.notNull())
        .addColumn('truemoney_qr_live', 'integer', (c) => c.notNull())
        .addColumn('is_default', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('api_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('livemode', 'integer', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('lookup', 'text', (c) => c.notNull().unique())
        .addColumn('hint', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .execute();
      await db.schema.createIndex('api_keys_account').on('api_keys').columns(['account_id', 'livemode', 'kind']).execute();

      await db.schema
        .createTable('sources')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('livemode', 'integer', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('amount', 'bigint', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('flow', 'text', (c) => c.notNull())
        .addColumn('ip', 'text')
        .addColumn('email', 'text')
        .addColumn('name', 'text')
        .addColumn('mobile_number', 'text')
        .addColumn('phone_number', 'text')
        .addColumn('platform_type', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('charges')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('livemode', 'integer', (c) => c.notNull())
        .addColumn('source_id', 'text', (c) => c.notNull().unique())
        .addColumn('amount', 'bigint', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('metadata', 'text', (c) => c.notNull())
        .addColumn('return_uri', 'text')
        .addColumn('ip', 'text')
        .addColumn('payment_ref', 'text', (c) => c.notNull().unique())
        .addColumn('qr_ref1', 'text', (c) => c.notNull().unique())
        .addColumn('document_id', 'text', (c) => c.notNull())
        .addColumn('download_token', 'text', (c) => c.notNull())
        .addColumn('fee_rate_bps', 'integer', (c) => c.notNull())
        .addColumn('fee_flat_satang', 'integer', (c) => c.notNull())
        .addColumn('fee', 'bigint', (c) => c.notNull())
        .addColumn('fee_vat', 'bigint', (c) => c.notNull())
        .addColumn('net', 'bigint', (c) => c.notNull())
        .addColumn('funding_source', 'text')
        .addColumn('failure_code', 'text')
        .addColumn('failure_message', 'text')
        .addColumn('transaction_id', 'text')
        .addColumn('webhook_endpoints', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('paid_at', 'bigint')
        .addColumn('authorized_at', 'bigint')
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('expired_at', 'bigint')
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('charges_list').on('charges').columns(['account_id', 'livemode', 'created_at', 'id']).execute();
      // The expiry sweep reads only pending charges, in deadline order.
      await db.schema
        .createIndex('charges_pending_due')
        .on('charges')
        .columns(['expires_at'])
        .where(sql.ref('status'), '=', 'pending')
        .execute();

      await db.schema
        .createTable('events')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('livemode', 'integer', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('charge_id', 'text')
        .addColumn('object_type', 'text', (c) => c.notNull())
        .addColumn('object_id', 'text', (c) => c.notNull())
        .addColumn('snapshot', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('events_list').on('events').columns(['account_id', 'livemode', 'created_at', 'id']).execute();
      await db.schema.createIndex('events_charge').on('events').columns(['charge_id', 'created_at', 'id']).execute();
    },
    async down(db: Kysely<any>) {
      for (const table of ['events', 'charges', 'sources', 'api_keys', 'accounts']) await db.schema.dropTable(table).execute();
    },
  },
  '0002_lifecycle': {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('accounts').addColumn('test_clock_offset_ms', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
      // Due charges of one account and mode, for accounts whose test clock runs ahead.
      await db.schema
        .createIndex('charges_pending_account_due')
        .on('charges')
        .columns(['account_id', 'livemode', 'expires_at'])
        .where(sql.ref('status'), '=', 'pending')
        .execute();

      await db.schema
        .createTable('transactions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('livemode', 'integer', (c) => c.notNull())
        .addColumn('direction', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('amount', 'bigint', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('origin', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('transferable_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('transactions_list').on('transactions').columns(['account_id', 'livemode', 'created_at', 'id']).execute();

      await db.schema
        .createTable('balances')
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('livemode', 'integer', (c) => c.notNull())
        .addColumn('total', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('balances_pk', ['account_id', 'livemode'])
        .execute();

      await db.schema
        .createTable('idempotency_keys')
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('livemode', 'integer', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('request_hash', 'text', (c) => c.notNull())
        .addColumn('response_status', 'integer', (c) => c.notNull())
        .addColumn('response_body', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('idempotency_keys_pk', ['account_id', 'livemode', 'key'])
        .execute();
      await db.schema.createIndex('idempotency_keys_age').on('idempotency_keys').column('created_at').execute();
    },
    async down(db: Kysely<any>) {
      for (const table of ['idempotency_keys', 'balances', 'transactions']) await db.schema.dropTable(table).execute();
      await db.schema.dropIndex('charges_pending_account_due').execute();
      await db.schema.alterTable('accounts').dropColumn('test_clock_offset_ms').execute();
    },
  },
  '0003_webhooks': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('webhook_endpoints')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('livemode', 'integer', (c) => c.notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('webhook_endpoints_account').on('webhook_endpoints').columns(['account_id', 'livemode']).execute();

      await db.schema
        .createTable('webhook_secrets')
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('livemode', 'integer', (c) => c.notNull())
        .addColumn('secret', 'text', (c) => c.notNull())
        .addColumn('previous_secret', 'text')
        .addColumn('previous_valid_until', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('webhook_secrets_pk', ['account_id', 'livemode'])
        .execute();

      await db.schema
        .createTable('webhook_jobs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('event_id', 'text', (c) => c.notNull())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('livemode', 'integer', (c) => c.notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
        .addColumn('give_up_at', 'bigint', (c) => c.notNull())
        .addColumn('lease_until', 'bigint', (c) => c.notNull())
        .addColumn('payload', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      // The dispatcher reads pending jobs only, in due order.
      await db.schema.createIndex('webhook_jobs_due').on('webhook_jobs').columns(['next_attempt_at']).where(sql.ref('status'), '=', 'pending').execute();
      await db.schema
        .createIndex('webhook_jobs_account_due')
        .on('webhook_jobs')
        .columns(['account_id', 'livemode', 'next_attempt_at'])
        .where(sql.ref('status'), '=', 'pending')
        .execute();
      await db.schema.createIndex('webhook_jobs_event').on('webhook_jobs').columns(['event_id']).execute();

      await db.schema
        .createTable('webhook_deliveries')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('job_id', 'text', (c) => c.notNull())
        .addColumn('event_id', 'text', (c) => c.notNull())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('livemode', 'integer', (c) => c.notNull())
        .addColumn('uri', 'text', (c) => c.notNull())
        .addColumn('status', 'integer')
        .addColumn('error', 'text')
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('duration_ms', 'integer', (c) => c.notNull())
        .addColumn('response_excerpt', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('webhook_deliveries_event').on('webhook_deliveries').columns(['event_id', 'created_at']).execute();
    },
    async down(db: Kysely<any>) {
      for (const table of ['webhook_deliveries', 'webhook_jobs', 'webhook_secrets', 'webhook_endpoints']) await db.schema.dropTable(table).execute();
    },
  },
  '0004_refunds': {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('charges').addColumn('refunded_amount', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('charges').addColumn('voided_amount', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('charges').addColumn('refund_count', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema
        .createTable('refunds')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('livemode', 'integer', (c) => c.notNull())
        .addColumn('charge_id', 'text', (c) => c.notNull())
        .addColumn('amount', 'bigint', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('voided', 'integer', (c) => c.notNull())
        .addColumn('metadata', 'text', (c) => c.notNull())
        .addColumn('transaction_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('refunds_list').on('refunds').columns(['account_id', 'livemode', 'created_at', 'id']).execute();
      await db.schema.createIndex('refunds_charge').on('refunds').columns(['charge_id', 'created_at', 'id']).execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('refunds').execute();
      for (const column of ['refund_count', 'voided_amount', 'refunded_amount']) await db.schema.alterTable('charges').dropColumn(column).execute();
    },
  },
  '0006_dashboard': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('operators')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('email', 'text', (c) => c.notNull().unique())
        /** scrypt$N$r$p$salt$hash (base64url): parameters and a per-operator salt travel with the hash. */
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('operator_sessions')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('operator_id', 'text', (c) => c.notNull())
        .addColumn('csrf_token', 'text', (c) => c.notNull())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('livemode', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        /** A one-time secret (a rolled key, a webhook secret) waiting to be shown by the next page load, then deleted. */
        .addColumn('flash', 'text')
        .execute();
      await db.schema.createIndex('operator_sessions_expiry').on('operator_sessions').column('expires_at').execute();
      await db.schema
        .createTable('setup_tokens')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('consumed_at', 'bigint')
        .execute();
      // Failed sign-ins per email and per client address in a fixed 15-minute window, shared by every process.
      await db.schema
        .createTable('signin_throttle')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('failures', 'integer', (c) => c.notNull())
        .addColumn('window_start', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('signin_throttle_window').on('signin_throttle').column('window_start').execute();
      await db.schema
        .createTable('audit_log')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('operator_id', 'text', (c) => c.notNull())
        .addColumn('operator_email', 'text', (c) => c.notNull())
        .addColumn('account_id', 'text')
        .addColumn('livemode', 'integer')
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target', 'text')
        .addColumn('details', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_log_recent').on('audit_log').columns(['created_at', 'id']).execute();
      // The dashboard's charge list filtered by status, newest first, and its daily aggregates (index-only).
      await db.schema.createIndex('charges_status_list').on('charges').columns(['account_id', 'livemode', 'status', 'created_at', 'id']).execute();
      await db.schema.createIndex('charges_daily').on('charges').columns(['account_id', 'livemode', 'created_at', 'status', 'amount']).execute();
      await db.schema.createIndex('webhook_deliveries_recent').on('webhook_deliveries').columns(['account_id', 'livemode', 'created_at']).execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropIndex('webhook_deliveries_recent').execute();
      await db.schema.dropIndex('charges_daily').execute();
      await db.schema.dropIndex('charges_status_list').execute();
      for (const table of ['audit_log', 'signin_throttle', 'setup_tokens', 'operator_sessions', 'operators']) await db.schema.dropTable(table).execute();
    },
  },
  '0007_sequences': {
    // Insertion order finer than a second (store/sequence.ts): ids stopped counting up within a
    // millisecond, so lists order by (created_at, seq).
    async up(db: Kysely<any>) {
      // Rows written before: numbered in the order lists showed them, (created_at, id).
      for (const table of sequencedTables) await dialectOf(db).addSeqColumn(db, table, sql`created_at, id`);
      for (const [name, table, columns] of sequencedIndexes) {
        await db.schema.dropIndex(name).execute();
        await db.schema.createIndex(name).on(table).columns([...columns, 'seq']).execute();
      }
    },
    async down(db: Kysely<any>) {
      for (const [name, table, , before] of sequencedIndexes) {
        await db.schema.dropIndex(name).execute();
        await db.schema.createIndex(name).on(table).columns(before).execute();
      }
      for (const table of sequencedTables) await dialectOf(db).dropSeqColumn(db, table);
    },
  },
  '0008_webhook_job_origin': {
    async up(db: Kysely<any>) {
      // The endpoint a job came from (null: a charge's own webhook_endpoints, a redelivery to a given URL),
      // so removing, disabling or changing the endpoint cancels what is still queued for it.
      await db.schema.alterTable('webhook_jobs').addColumn('endpoint_id', 'text').execute();
      await db.schema.createIndex('webhook_jobs_endpoint').on('webhook_jobs').columns(['endpoint_id']).where(sql.ref('status'), '=', 'pending').execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropIndex('webhook_jobs_endpoint').execute();
      await db.schema.alterTable('webhook_jobs').dropColumn('endpoint_id').execute();
    },
  },
  '0009_charge_qr': {
    // A charge's QR is fixed when it is created (DECISIONS §3): it keeps the biller id and merchant
    // name of that moment. Charges from before are given their account's, which is what their QR
    // showed until now; tag 59 is the ASCII form of the name either way (qrMerchantName).
    async up(db: Kysely<any>) {
      await db.schema.alterTable('charges').addColumn('qr_biller_id', 'text', (c) => c.notNull().defaultTo('')).execute();
      await db.schema.alterTable('charges').addColumn('qr_merchant_name', 'text', (c) => c.notNull().defaultTo('')).execute();
      const ofAccount = (column: 'biller_id' | 'merchant_name') =>
        db.selectFrom('accounts').select(`accounts.${column}`).whereRef('accounts.id', '=', 'charges.account_id');
      await db
        .updateTable('charges')
        .set({ qr_biller_id: ofAccount('biller_id'), qr_merchant_name: ofAccount('merchant_name') })
        .where((eb) => eb.exists(ofAccount('biller_id')))
        .execute();
    },
    async down(db: Kysely<any>) {
      for (const column of ['qr_merchant_name', 'qr_biller_id']) await db.schema.alterTable('charges').dropColumn(column).execute();
    },
  },
  '0010_scripted_outcomes': {
    // Scripted outcomes (DECISIONS §10): the charge carries its outcome until the job applies it, and the
    // account its default for new test charges. Only charges with an outcome waiting are in the indexes,
    // so charges without one cost the job nothing.
    async up(db: Kysely<any>) {
      await db.schema.alterTable('charges').addColumn('scripted_outcome', 'text').execute();
      await db.schema.alterTable('charges').addColumn('scripted_outcome_due_at', 'bigint').execute();
      await db.schema.alterTable('charges').addColumn('scripted_funding_source', 'text').execute();
      await db.schema
        .createIndex('charges_outcome_due')
        .on('charges')
        .columns(['scripted_outcome_due_at'])
        .where(sql.ref('scripted_outcome_due_at'), 'is not', null)
        .execute();
      // Due outcomes of one account and mode, for accounts whose test clock runs ahead.
      await db.schema
        .createIndex('charges_outcome_account_due')
        .on('charges')
        .columns(['account_id', 'livemode', 'scripted_outcome_due_at'])
        .where(sql.ref('scripted_outcome_due_at'), 'is not', null)
        .execute();
      await db.schema.alterTable('accounts').addColumn('default_outcome', 'text').execute();
      await db.schema.alterTable('accounts').addColumn('default_outcome_after_seconds', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('accounts').addColumn('default_funding_source', 'text').execute();
    },
    async down(db: Kysely<any>) {
      for (const column of ['default_funding_source', 'default_outcome_after_seconds', 'default_outcome']) await db.schema.alterTable('accounts').dropColumn(column).execute();
      await db.schema.dropIndex('charges_outcome_account_due').execute();
      await db.schema.dropIndex('charges_outcome_due').execute();
      for (const column of ['scripted_funding_source', 'scripted_outcome_due_at', 'scripted_outcome']) await db.schema.alterTable('charges').dropColumn(column).execute();
    },
  },
  '0011_account_email': {
    // GET /account shows the account's email (DECISIONS §10): a setting, null until set.
    async up(db: Kysely<any>) {
      await db.schema.alterTable('accounts').addColumn('email', 'text').execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable('accounts').dropColumn('email').execute();
    },
  },
  '0012_request_log': {
    // The test-mode request log (DECISIONS §10). Lists and the per-account cap read (account_id, seq);
    // streams and the age limit read every account's rows by seq (rows go in about the order they arrived).
    // Written for every test-mode request, so no index it does not need: nothing looks an entry up by its
    // id (unique by construction: 66 random bits within its second).
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('request_log')
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('method', 'text', (c) => c.notNull())
        .addColumn('route', 'text')
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('status', 'integer', (c) => c.notNull())
        .addColumn('duration_ms', 'integer', (c) => c.notNull())
        .addColumn('request_id', 'text', (c) => c.notNull())
        .addColumn('idempotency_key', 'text')
        .addColumn('key_kind', 'text')
        .addColumn('key_last4', 'text')
        .execute();
      const dialect = dialectOf(db);
      await dialect.addSeqColumn(db, 'request_log', sql`created_at, id`);
      if (!dialect.seqColumnIndexed) await db.schema.createIndex('request_log_order').on('request_log').column('seq').execute();
      await db.schema.createIndex('request_log_account').on('request_log').columns(['account_id', 'seq']).execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('request_log').execute();
    },
  },
  '0013_listeners': {
    // Listeners (`satang listen`, test mode): their deliveries are outbox jobs that name them, streamed to
    // the CLI and acknowledged, never claimed by the dispatcher. The dispatcher's partial indexes leave
    // them out, so a listener's backlog (while no stream holds it) costs the dispatcher's scans nothing.
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('listeners')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('livemode', 'integer', (c) => c.notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('events', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('listeners_account').on('listeners').columns(['account_id', 'livemode']).execute();
      await db.schema.createIndex('listeners_expiry').on('listeners').columns(['expires_at']).execute();
      await db.schema.alterTable('webhook_jobs').addColumn('listener_id', 'text').execute();
      for (const [name, columns] of webhookDueIndexes) {
        await db.schema.dropIndex(name).execute();
        await db.schema.createIndex(name).on('webhook_jobs').columns(columns).where(sql.ref('status'), '=', 'pending').where(sql.ref('listener_id'), 'is', null).execute();
      }
      await db.schema
        .createIndex('webhook_jobs_listener')
        .on('webhook_jobs')
        .columns(['listener_id', 'created_at'])
        .where(sql.ref('status'), '=', 'pending')
        .where(sql.ref('listener_id'), 'is not', null)
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropIndex('webhook_jobs_listener').execute();
      for (const [name, columns] of webhookDueIndexes) {
        await db.schema.dropIndex(name).execute();
        await db.schema.createIndex(name).on('webhook_jobs').columns(columns).where(sql.ref('status'), '=', 'pending').execute();
      }
      await db.deleteFrom('webhook_jobs').where('listener_id', 'is not', null).execute();
      await db.schema.alterTable('webhook_jobs').dropColumn('listener_id').execute();
      await db.schema.dropTable('listeners').execute();
    },
  },
  '0014_webhook_chaos': {
    // Webhook chaos (test mode, domain/webhook-chaos.ts): an endpoint's settings (JSON, null when off) and
    // how many events it was given since they were set (the n of each decision, counted in the writing
    // transaction); a job's decisions (JSON, null without chaos), and each attempt's (shown on the delivery).
    async up(db: Kysely<any>) {
      await db.schema.alterTable('webhook_endpoints').addColumn('chaos', 'text').execute();
      await db.schema.alterTable('webhook_endpoints').addColumn('chaos_event_count', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('webhook_jobs').addColumn('chaos', 'text').execute();
      await db.schema.alterTable('webhook_deliveries').addColumn('chaos', 'text').execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable('webhook_deliveries').dropColumn('chaos').execute();
      await db.schema.alterTable('webhook_jobs').dropColumn('chaos').execute();
      for (const column of ['chaos_event_count', 'chaos']) await db.schema.alterTable('webhook_endpoints').dropColumn(column).execute();
    },
  },
  '0015_search_indexes': {
    // Search at a million charges: a full-text index of each charge's searchable text
    // (store/text-index.ts), which narrows a search before its LIKE conditions decide, and amounts.
    async up(db: Kysely<any>) {
      await dialectOf(db).textIndex.create(db);
      // A search by amount (exact, or a narrow range) reads those charges newest first, not the account's whole list.
      await db.schema.createIndex('charges_amount_list').on('charges').columns(['account_id', 'livemode', 'amount', 'created_at', 'seq']).execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropIndex('charges_amount_list').execute();
      await dialectOf(db).textIndex.drop(db);
    },
  },
  '0016_operator_roles': {
    // Operators (issue 16): a role across all accounts (existing operators become owners), disabling,
    // the last sign-in, TOTP two-factor (secret, the last step used: no replay), one-time links (invite,
    // password reset; only a digest stored), recovery codes (digests, each used once), the addresses an
    // operator signed in from (bounded), and sign-ins waiting for their second factor.
    async up(db: Kysely<any>) {
      await db.schema.alterTable('operators').addColumn('role', 'text', (c) => c.notNull().defaultTo('owner')).execute();
      for (const column of ['disabled_at', 'last_sign_in_at', 'totp_enabled_at', 'totp_last_step']) await db.schema.alterTable('operators').addColumn(column, 'bigint').execute();
      for (const column of ['totp_secret', 'totp_pending_secret']) await db.schema.alterTable('operators').addColumn(column, 'text').execute();
      await db.schema
        .createTable('operator_links')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('operator_id', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .execute();
      await db.schema.createIndex('operator_links_operator').on('operator_links').columns(['operator_id', 'purpose']).execute();
      await db.schema
        .createTable('operator_recovery_codes')
        .addColumn('operator_id', 'text', (c) => c.notNull())
        .addColumn('code_hash', 'text', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .addPrimaryKeyConstraint('operator_recovery_codes_pk', ['operator_id', 'code_hash'])
        .execute();
      await db.schema
        .createTable('operator_addresses')
        .addColumn('operator_id', 'text', (c) => c.notNull())
        .addColumn('address', 'text', (c) => c.notNull())
        .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('operator_addresses_pk', ['operator_id', 'address'])
        .execute();
      await db.schema
        .createTable('signin_challenges')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('operator_id', 'text', (c) => c.notNull())
        .addColumn('address', 'text', (c) => c.notNull())
        .addColumn('failures', 'integer', (c) => c.notNull())
        .addColumn('next', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('signin_challenges_expiry').on('signin_challenges').column('expires_at').execute();
      await db.schema.createIndex('operator_sessions_operator').on('operator_sessions').column('operator_id').execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropIndex('operator_sessions_operator').execute();
      for (const table of ['signin_challenges', 'operator_addresses', 'operator_recovery_codes', 'operator_links']) await db.schema.dropTable(table).execute();
      for (const column of ['totp_pending_secret', 'totp_secret', 'totp_last_step', 'totp_enabled_at', 'last_sign_in_at', 'disabled_at', 'role']) await db.schema.alterTable('operators').dropColumn(column).execute();
    },
  },
  '0017_daily_totals': {
    // The overview's figures per account, mode and Asia/Bangkok day of creation (domain/daily-totals.ts), moved by
    // each change to a charge in its transaction: the overview reads 30 rows, never the charges. Backfilled from
    // the charges there are; the index 0006 made for aggregating them per request goes (one write less a charge).
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('daily_charge_totals')
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('livemode', 'integer', (c) => c.notNull())
        .addColumn('day', 'integer', (c) => c.notNull())
        .addColumn('created_count', 'bigint', (c) => c.notNull())
        .addColumn('successful_count', 'bigint', (c) => c.notNull())
        .addColumn('successful_amount', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('daily_charge_totals_pk', ['account_id', 'livemode', 'day'])
        .execute();
      const day = sql`(created_at + ${sql.lit(bangkokOffsetMs)}) / ${sql.lit(dayMs)}`;
      await db
        .insertInto('daily_charge_totals')
        .columns(['account_id', 'livemode', 'day', 'created_count', 'successful_count', 'successful_amount'])
        .expression(
          db
            .selectFrom('charges')
            .select([
              'account_id',
              'livemode',
              day.as('day'),
              sql`count(*)`.as('created_count'),
              sql`sum(case when status = 'successful' then 1 else 0 end)`.as('successful_count'),
              sql`sum(case when status = 'successful' then amount else 0 end)`.as('successful_amount'),
            ])
            .groupBy(['account_id', 'livemode', day]),
        )
        .execute();
      await db.schema.dropIndex('charges_daily').execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.createIndex('charges_daily').on('charges').columns(['account_id', 'livemode', 'created_at', 'status', 'amount']).execute();
      await db.schema.dropTable('daily_charge_totals').execute();
    },
  },
  '0018_text_index_queue': {
    // SQLite's full-text index is written in batches after the fact (store/text-index.ts deferWrites,
    // jobs/text-index.ts), not by every write of a charge: a queue of charges to index instead.
    async up(db: Kysely<any>) {
      await dialectOf(db).textIndex.deferWrites(db);
    },
    async down(db: Kysely<any>) {
      await dialectOf(db).textIndex.keepInStep(db);
    },
  },
  '0019_text_index_table': {
    // PostgreSQL's full-text index moves off the charges table into a table of its own, written only
    // when a charge's searchable text changes (store/text-index.ts offCharges): a status change no
    // longer rewrites the charge's trigrams.
    async up(db: Kysely<any>) {
      await dialectOf(db).textIndex.offCharges(db);
    },
    async down(db: Kysely<any>) {
      await dialectOf(db).textIndex.ontoCharges(db);
    },
  },
  '0020_live_provider': {
    // Live mode through a real provider (DECISIONS §11, SCB first): an account's provider settings (the
    // application secret encrypted), the bank's confirmations as they arrive (a hint, deduped on the bank's
    // transaction id, checked by inquiry in a job), what the bank said about each live charge (evidence), and
    // the ref3 a live charge's QR carries (SCB routes its confirmation by it).
    async up(db: Kysely<any>) {
      await db.schema.alterTable('charges').addColumn('qr_ref3', 'text', (c) => c.notNull().defaultTo('')).execute();
      await db.schema
        .createTable('provider_settings')
        .addColumn('account_id', 'text', (c) => c.primaryKey())
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('application_key', 'text', (c) => c.notNull())
        .addColumn('application_secret_sealed', 'text', (c) => c.notNull())
        .addColumn('biller_id', 'text', (c) => c.notNull())
        .addColumn('ref3_prefix', 'text', (c) => c.notNull())
        .addColumn('callback_digest', 'text', (c) => c.notNull().unique())
        .addColumn('verified_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('provider_confirmations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('transaction_id', 'text', (c) => c.notNull())
        .addColumn('origin', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('ref1', 'text', (c) => c.notNull())
        .addColumn('amount', 'bigint')
        .addColumn('paid_at', 'bigint')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('detail', 'text')
        .addColumn('charge_id', 'text')
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
        .addColumn('received_at', 'bigint', (c) => c.notNull())
        .addColumn('decided_at', 'bigint')
        .execute();
      await db.schema.createIndex('provider_confirmations_transaction').unique().on('provider_confirmations').columns(['provider', 'transaction_id']).execute();
      await db.schema.createIndex('provider_confirmations_due').on('provider_confirmations').column('next_attempt_at').where(sql.ref('status'), '=', 'received').execute();
      await db.schema.createIndex('provider_confirmations_account').on('provider_confirmations').columns(['account_id', 'received_at']).execute();
      // A charge's confirmations (the dashboard's evidence): those decided for it, and those naming its ref1.
      await db.schema.createIndex('provider_confirmations_charge').on('provider_confirmations').columns(['charge_id', 'received_at']).execute();
      await db.schema.createIndex('provider_confirmations_ref1').on('provider_confirmations').columns(['account_id', 'ref1', 'received_at']).execute();
      await db.schema
        .createTable('provider_payments')
        .addColumn('charge_id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('transaction_id', 'text', (c) => c.notNull())
        .addColumn('amount', 'bigint', (c) => c.notNull())
        .addColumn('payer_bank', 'text')
        .addColumn('payer_name', 'text')
        .addColumn('paid_at', 'bigint')
        .addColumn('inquiry', 'text', (c) => c.notNull())
        .addColumn('confirmed_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('provider_payments_transaction').unique().on('provider_payments').columns(['provider', 'transaction_id']).execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('provider_payments').execute();
      await db.schema.dropTable('provider_confirmations').execute();
      await db.schema.dropTable('provider_settings').execute();
      await db.schema.alterTable('charges').dropColumn('qr_ref3').execute();
    },
  },
  '0021_text_queue_by_writer': {
    // SQLite: a new charge is queued for the full-text index by insertCharge's own statement, not by a trigger
    // (store/text-index.ts queueByWriter: a trigger on an INSERT costs SQLite a statement journal per charge).
    async up(db: Kysely<any>) {
      await dialectOf(db).textIndex.queueByWriter(db);
    },
    async down(db: Kysely<any>) {
      await dialectOf(db).textIndex.queueByTrigger(db);
    },
  },
};

/** The dispatcher's partial indexes of pending jobs (0003), which 0013 narrowed to webhooks (no listener's jobs). */
const webhookDueIndexes: Array<[name: string, columns: string[]]> = [
  ['webhook_jobs_due', ['next_attempt_at']],
  ['webhook_jobs_account_due', ['account_id', 'livemode', 'next_attempt_at']],
];

/** The list indexes 0007 rebuilt to end in seq: name, table, the columns before seq, the columns before 0007. */
const sequencedIndexes: Array<[name: string, table: string, columns: string[], before: string[]]> = [
  ['charges_list', 'charges', ['account_id', 'livemode', 'created_at'], ['account_id', 'livemode', 'created_at', 'id']],
  ['charges_status_list', 'charges', ['account_id', 'livemode', 'status', 'created_at'], ['account_id', 'livemode', 'status', 'created_at', 'id']],
  ['events_list', 'events', ['account_id', 'livemode', 'created_at'], ['account_id', 'livemode', 'created_at', 'id']],
  ['events_charge', 'events', ['charge_id', 'created_at'], ['charge_id', 'created_at', 'id']],
  ['transactions_list', 'transactions', ['account_id', 'livemode', 'created_at'], ['account_id', 'livemode', 'created_at', 'id']],
  ['refunds_list', 'refunds', ['account_id', 'livemode', 'created_at'], ['account_id', 'livemode', 'created_at', 'id']],
  ['refunds_charge', 'refunds', ['charge_id', 'created_at'], ['charge_id', 'created_at', 'id']],
  ['webhook_deliveries_event', 'webhook_deliveries', ['event_id', 'created_at'], ['event_id', 'created_at']],
  ['webhook_deliveries_recent', 'webhook_deliveries', ['account_id', 'livemode', 'created_at'], ['account_id', 'livemode', 'created_at']],
  ['audit_log_recent', 'audit_log', ['created_at'], ['created_at', 'id']],
];

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return migrations;
  },
};

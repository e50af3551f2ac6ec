/**
 * Use cases for sources and charges. Each runs inside the store's transaction helper
 * (load, decide, save, and the event in the same transaction) and returns rows to render.
 */
import { findProviderSettings } from '../store/providers.js';
import { bankQrRef3 } from '../domain/bank-payments.js';
import { OmiseError, notFound } from '../domain/errors.js';
import { newCapabilityId, newDownloadToken, newId, newQrRef1 } from '../domain/ids.js';
import { chargeExpiryMs } from '../domain/limits.js';
import { isTruemoneyQrEnabled } from '../domain/payment-methods.js';
import { computeFees } from '../domain/money.js';
import { type ScriptedOutcomeRequest, scriptedOutcomeOf, testSettingsOf } from '../domain/scripted-outcomes.js';
import { qrMerchantName } from '../qr/payload.js';
import { findAccount } from '../store/accounts.js';
import { type ChargeWithSource, findChargeBySource, findChargeWithSource, findSource, insertSource, updateChargeFields } from '../store/charges.js';
import type { Account, ChargeRow, SourceRow } from '../store/schema.js';
import { chargeEvent, recordEvents } from './events.js';
import { isUniqueViolation, type Tx } from '../store/store.js';
import type { UseCaseContext } from './context.js';

/** A new source's parameters, checked (api/payment-params.ts). */
export interface SourceInput {
  type: string;
  amount: number;
  currency: string;
  ip: string | null;
  email: string | null;
  name: string | null;
  mobileNumber: string | null;
  phoneNumber: string | null;
  platformType: string | null;
}

export interface ChargeInput {
  amount: number;
  currency: string;
  /** A source id, or an inline source's type. */
  source: { id: string } | { type: string };
  description: string | null;
  metadata: Record<string, unknown>;
  returnUri: string | null;
  ip: string | null;
  webhookEndpoints: string[] | null;
  /** What the metadata's satang_ keys asked for (DECISIONS §10); null: nothing, the account's default applies. */
  scriptedOutcome?: ScriptedOutcomeRequest | null;
}

/** The account a source or charge is made for: as the change runner read it, or read now. */
async function accountOf(tx: Tx, ctx: UseCaseContext): Promise<Account> {
  const account = ctx.account ?? (await findAccount(tx, ctx.scope.accountId));
  if (!account) throw new Error(`account ${ctx.scope.accountId} vanished`);
  return account;
}

function sourceRow(ctx: UseCaseContext, input: Pick<SourceInput, 'type' | 'amount' | 'currency'> & Partial<SourceInput>): SourceRow {
  return {
    id: newId('src', ctx.scope.livemode === 1, ctx.nowMs),
    account_id: ctx.scope.accountId,
    livemode: ctx.scope.livemode,
    type: input.type,
    amount: input.amount,
    currency: input.currency,
    flow: 'offline',
    ip: input.ip ?? null,
    email: input.email ?? null,
    name: input.name ?? null,
    mobile_number: input.mobileNumber ?? null,
    phone_number: input.phoneNumber ?? null,
    platform_type: input.platformType ?? null,
    created_at: ctx.nowMs,
  };
}

export async function createSource(tx: Tx, ctx: UseCaseContext, input: SourceInput): Promise<SourceRow> {
  const account = await accountOf(tx, ctx);
  if (!isTruemoneyQrEnabled(account, ctx.scope.livemode)) throw new OmiseError('bad_request', 'type is currently not supported');
  const source = sourceRow(ctx, input);
  await insertSource(tx, source);
  return source;
}

export async function createCharge(tx: Tx, ctx: UseCaseContext, input: ChargeInput): Promise<ChargeWithSource> {
  const account = await accountOf(tx, ctx);
  // Refused in live mode before anything else is looked at; in test mode, the account's default fills in.
  const scripted = scriptedOutcomeOf(ctx.scope.livemode, input.scriptedOutcome ?? null, testSettingsOf(account), ctx.nowMs);
  let source: SourceRow;
  if ('id' in input.source) {
    const found = await findSource(tx, ctx.scope, input.source.id);
    if (!found) throw notFound('source', input.source.id);
    if (await findChargeBySource(tx, found.id)) throw new OmiseError('invalid_charge', 'source has already been used');
    const mismatches: string[] = [];
    if (found.amount !== input.amount) mismatches.push('amount must match source amount');
    if (found.currency !== input.currency) mismatches.push('currency must match source currency');
    if (mismatches.length > 0) throw new OmiseError('invalid_charge', mismatches.join(' and '));
    source = found;
  } else {
    if (!isTruemoneyQrEnabled(account, ctx.scope.livemode)) throw new OmiseError('invalid_charge', 'type is currently not supported');
    source = sourceRow(ctx, { type: input.source.type, amount: input.amount, currency: input.currency });
  }

  const livemode = ctx.scope.livemode === 1;
  // A live charge is paid at the account's provider (DECISIONS §11): its QR carries SCB's ref3, which routes the bank's confirmation.
  const provider = livemode ? await findProviderSettings(tx, ctx.scope.accountId) : undefined;
  if (livemode && (provider === undefined || provider.verified_at === null)) throw new OmiseError('invalid_charge', 'type is currently not supported');
  const id = newId('chrg', livemode, ctx.nowMs);
  const ref1 = newQrRef1();
  const fees = computeFees(input.amount, account.fee_rate_bps, account.fee_flat_satang);
  const charge: ChargeRow = {
    id,
    account_id: ctx.scope.accountId,
    livemode: ctx.scope.livemode,
    source_id: source.id,
    amount: input.amount,
    currency: input.currency,
    status: 'pending',
    description: input.description,
    metadata: JSON.stringify(input.metadata),
    return_uri: input.returnUri,
    ip: input.ip,
    // Capabilities: random, derived from nothing (DECISIONS §2, §3). ref1 is unique by a constraint.
    payment_ref: newCapabilityId('pay2', livemode),
    qr_ref1: ref1,
    qr_ref3: provider ? bankQrRef3(provider.provider, provider.ref3_prefix, ref1) : '',
    document_id: newCapabilityId('docu', livemode),
    download_token: newDownloadToken(),
    fee_rate_bps: account.fee_rate_bps,
    fee_flat_satang: account.fee_flat_satang,
    qr_biller_id: provider ? provider.biller_id : account.biller_id,
    qr_merchant_name: qrMerchantName(account.merchant_name),
    fee: fees.feeSatang,
    fee_vat: fees.feeVatSatang,
    net: fees.netSatang,
    funding_source: null,
    failure_code: null,
    failure_message: null,
    transaction_id: null,
    webhook_endpoints: input.webhookEndpoints ? JSON.stringify(input.webhookEndpoints) : null,
    created_at: ctx.nowMs,
    paid_at: null,
    authorized_at: null,
    expires_at: ctx.nowMs + chargeExpiryMs,
    expired_at: null,
    updated_at: ctx.nowMs,
    refunded_amount: 0,
    voided_amount: 0,
    refund_count: 0,
    scripted_outcome: scripted?.outcome ?? null,
    scripted_outcome_due_at: scripted?.dueAtMs ?? null,
    scripted_funding_source: scripted?.fundingSource ?? null,
  };
  try {
    // The new source (when inline), the charge and its event: written together.
    await recordEvents(tx, [chargeEvent('charge.create', charge, ctx.nowMs)], ctx.nowMs, { source: 'id' in input.source ? undefined : source, charge });
  } catch (error) {
    // Another process charged the same source between our read and our write.
    if (isUniqueViolation(error)) throw new OmiseError('invalid_charge', 'source has already been used');
    throw error;
  }
  return { charge, source };
}

export async function updateCharge(
  tx: Tx,
  ctx: UseCaseContext,
  id: string,
  update: { description?: string | null; metadata?: Record<string, unknown> },
): Promise<ChargeWithSource> {
  const loaded = await findChargeWithSource(tx, ctx.scope, id);
  if (!loaded) throw notFound('charge', id);
  const found = loaded.charge;
  const fields = {
    ...(update.description !== undefined ? { description: update.description } : {}),
    ...(update.metadata !== undefined ? { metadata: JSON.stringify(update.metadata) } : {}),
    updated_at: ctx.nowMs,
  };
  await updateChargeFields(tx, ctx.scope, id, fields);
  const result = { charge: { ...found, ...fields }, source: loaded.source, refunds: loaded.refunds };
  await recordEvents(tx, [chargeEvent('charge.update', result.charge, ctx.nowMs)], ctx.nowMs);
  return result;
}

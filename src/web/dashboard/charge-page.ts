/**
 * A charge's page and its money actions; a live charge's page also shows the bank's evidence (provider_payments,
 * provider_confirmations). Every money action (mark paid, mark failed, expire, refund or void, and in live mode a
 * manual refund: one made by bank transfer, recorded with its reference) is two requests: a GET that shows exactly
 * what it would do (the same rules the use case applies, asked now) and takes an optional reason, and the POST of
 * that page (`confirm=yes`, the CSRF token, the same amount and kind) that does it through the use case, with the
 * reason in the audit line. A POST without the confirmation changes nothing.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type ActionableCharge, type CompletionWhy, type RefundPreview, chargeActions, chargeBadge, completionEffect, refundEffect } from '../../domain/charge-actions.js';
import { deliveryTargets, listenerTargets } from '../../domain/delivery-targets.js';
import { OmiseError, notFound } from '../../domain/errors.js';
import { type FundingSource, failedProcessing, fundingSources, isFundingSource } from '../../domain/lifecycle.js';
import { actionReasonCharsMax } from '../../domain/limits.js';
import { type RefundRefusal, decideManualRefund, manualReference } from '../../domain/refunds.js';
import { refundableCharge } from '../../domain/charge.js';
import { eventsOfCharge, jobsOfEvents } from '../../store/dashboard.js';
import { type ChargeWithSource, findCharge, findChargeWithSource } from '../../store/charges.js';
import { confirmationsOfCharge, providerPaymentOfCharge } from '../../store/providers.js';
import type { ProviderConfirmation } from '../../store/schema.js';
import { eventTargets, listDeliveriesOfEvents } from '../../store/webhooks.js';
import type { UseCaseContext } from '../../usecases/context.js';
import { completeCharge, expireCharge } from '../../usecases/lifecycle.js';
import { createRefund } from '../../usecases/refunds.js';
import { manualReferenceCharsMax } from '../../domain/limits.js';
import { redeliverEvent } from '../../usecases/webhooks.js';
import { contextOf, field, page, redirect, runChange } from './context.js';
import { parseBaht } from './format.js';
import { type Words, hasMessage, wordsOf } from './i18n.js';
import { refusalInWords } from './refusals.js';

type IdParams = { Params: { id: string } };
const viewer = { config: { dashboardRole: 'viewer' as const } };
const operator = { config: { dashboardRole: 'operator' as const } };

function chargeUrl(id: string, notice?: string): string {
  return `/dashboard/charges/${encodeURIComponent(id)}${notice ? `?notice=${notice}` : ''}`;
}

/** A refusal said in the page's language (a catalog key and its values), with the use case's own words beneath when there are some. */
class Refused extends Error {
  constructor(
    readonly statusCode: number,
    readonly key: string,
    readonly params: Record<string, string | number> = {},
    readonly detail?: string,
  ) {
    super(key);
  }
}

/** A refusal from a use case (an OmiseError, English): its code in the language, the English message beneath. */
function refusalOf(error: OmiseError): Refused {
  const key = hasMessage(`charge.error.${error.code}`) ? `charge.error.${error.code}` : 'error.title';
  return new Refused(error.statusCode, key, {}, error.message);
}

/** Runs a handler of this page; a refusal becomes the error page in the language, with a way back to the charge. */
async function explained(request: FastifyRequest, reply: FastifyReply, back: string, handler: () => Promise<unknown>): Promise<unknown> {
  try {
    return await handler();
  } catch (error) {
    const refused = error instanceof Refused ? error : error instanceof OmiseError ? refusalOf(error) : null;
    if (!refused) throw error;
    const { t } = wordsOf(request);
    const detail = refused.detail ? t('error.detail', { detail: refused.detail }) : undefined;
    return page(request, reply, 'action-error', { page: 'charges', title: t('error.title') }, { statusCode: refused.statusCode, message: t(refused.key, refused.params), detail, back }, refused.statusCode);
  }
}

/** The optional reason of a confirmed action: trimmed, at most actionReasonCharsMax characters (a longer one is refused, never cut). */
function reasonOf(request: FastifyRequest): string | undefined {
  const text = field(request, 'reason');
  if (text === undefined) return undefined;
  const reason = text.trim();
  const length = [...reason].length;
  if (length > actionReasonCharsMax) throw new Refused(400, 'charge.error.reason_too_long', { length, max: actionReasonCharsMax });
  return reason === '' ? undefined : reason;
}

function requireConfirmed(request: FastifyRequest): void {
  if (field(request, 'confirm') !== 'yes') throw new Refused(400, 'charge.error.unconfirmed');
}

function withReason(details: Record<string, unknown>, reason: string | undefined): Record<string, unknown> {
  return reason === undefined ? details : { ...details, reason };
}

/** The word for a status inside a sentence (lower case in English). */
function statusWord(w: Words, status: string): string {
  const word = w.fmt.code('status', status);
  return w.lang === 'en' ? word.toLowerCase() : word;
}

export function completionWords(w: Words, why: CompletionWhy): string {
  switch (why.rule) {
    case 'pending':
      return w.t('charge.why.pending_until', { when: w.fmt.when(why.untilMs) });
    case 'live':
      return w.t('charge.why.live');
    case 'funding_source':
      return w.t('charge.why.funding_source');
    case 'not_pending':
      return w.t('charge.why.not_pending', { status: statusWord(w, why.status) });
    case 'deadline_passed':
      return w.t('charge.why.deadline_passed', { when: w.fmt.when(why.expiredAtMs) });
  }
}

export function refusalWords(w: Words, why: RefundRefusal): string {
  switch (why.rule) {
    case 'not_successful':
      return w.t('charge.rule.not_successful', { status: statusWord(w, why.status) });
    case 'too_many':
      return w.t('charge.rule.too_many', { max: w.fmt.number(why.max) });
    case 'refunded_in_full':
      return w.t('charge.rule.refunded_in_full');
    case 'exceeds_remaining':
      return w.t('charge.rule.exceeds_remaining', { remaining: w.fmt.money(why.remaining) });
    case 'partial_void_not_allowed':
      return w.t('charge.rule.partial_void_not_allowed', { source: w.fmt.code('funding', why.fundingSource) });
    case 'void_window_closed':
      return w.t('charge.rule.void_window_closed', { when: w.fmt.when(why.atMs) });
    case 'refund_window_closed':
      return w.t('charge.rule.refund_window_closed', { when: w.fmt.when(why.atMs) });
    case 'partial_refund_not_allowed':
      return w.t('charge.rule.partial_refund_not_allowed', { source: w.fmt.code('funding', why.fundingSource) });
    case 'refund_by_transfer':
      return w.t('charge.rule.refund_by_transfer');
    case 'manual_live_only':
      return w.t('charge.rule.manual_live_only');
  }
}

function previewWords(w: Words, preview: RefundPreview | null, nothingLeftKey: string): string {
  if (preview === null) return w.t(nothingLeftKey);
  if (preview.kind !== 'refused') return w.t(preview.kind === 'void' ? 'charge.why.as_void' : 'charge.why.as_refund');
  return w.t('charge.why.refused', { why: refusalWords(w, preview.why) });
}

/** Where an event of this charge would be delivered now: the same targets the event writer picks. */
async function targetsOf(request: FastifyRequest, ctx: UseCaseContext, charge: ActionableCharge & { webhook_endpoints: string | null }, eventKey: string): Promise<string[]> {
  const w = wordsOf(request);
  const now = await eventTargets(request.server.gateway.store.read, ctx.scope);
  const urls = deliveryTargets(now.endpoints, charge.webhook_endpoints).map((target) => target.url);
  const listeners = listenerTargets(now.listeners, eventKey).length;
  return listeners > 0 ? [...urls, w.t('confirm.targets.listeners', { n: listeners })] : urls;
}

async function loadCharge(request: FastifyRequest<IdParams>, ctx: UseCaseContext): Promise<ChargeWithSource> {
  const found = await findChargeWithSource(request.server.gateway.store.read, ctx.scope, request.params.id);
  if (!found) throw notFound('charge', request.params.id);
  return found;
}

/**
 * What a refund's confirmation carries of the charge it was worked out on: how many refunds and
 * voids it had then. A successful charge changes only by gaining one, so a different count means
 * the effect shown may no longer hold.
 */
function seenOf(request: FastifyRequest): number {
  const seen = field(request, 'seen');
  if (seen === undefined || !/^\d{1,4}$/.test(seen)) throw new Refused(400, 'charge.error.unconfirmed');
  return Number(seen);
}

function amountOf(text: unknown): number {
  const amount = parseBaht(text);
  if (amount === null || amount <= 0) throw new Refused(400, 'charge.error.amount');
  return amount;
}

function completionOf(outcome: unknown, source: unknown): { outcome: 'successful'; fundingSource: FundingSource } | { outcome: 'failed' } {
  if (outcome === 'failed') return { outcome: 'failed' };
  if (outcome !== 'successful') throw new Refused(400, 'charge.error.outcome');
  if (!isFundingSource(source)) throw new Refused(400, 'charge.error.funding_source');
  return { outcome: 'successful', fundingSource: source };
}

/**
 * The transfer's reference of a manual refund, trimmed: 1 to manualReferenceCharsMax printable ASCII characters (the rule
 * createRefund enforces, asked here first so the confirmation says it in the page's language).
 */
function manualReferenceOf(text: unknown): string {
  const reference = manualReference(text);
  if (reference === null) throw new Refused(400, 'charge.error.manual_reference', { max: manualReferenceCharsMax });
  return reference;
}

/** The transfer's reference a manual refund keeps in its metadata (satang_manual_reference), or null. */
function manualReferenceIn(metadata: string): string | null {
  try {
    const parsed = JSON.parse(metadata) as Record<string, unknown> | null;
    const reference = parsed?.satang_manual_reference;
    return typeof reference === 'string' ? reference : null;
  } catch {
    return null;
  }
}

/** How many of a charge's confirmations its page shows (newest first). */
const confirmationsShownMax = 20;

/** A confirmation from the bank as the dashboard shows it: the row, its status and origin in words. */
export interface ShownConfirmation extends ProviderConfirmation {
  statusWords: string;
  originWords: string;
}

export function shownConfirmation(w: Words, row: ProviderConfirmation): ShownConfirmation {
  return { ...row, statusWords: w.fmt.code('confirmation', row.status), originWords: w.fmt.code('origin', row.origin) };
}

/** A JSON text as one compact line (the text itself when it is not JSON). */
function compactJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text));
  } catch {
    return text;
  }
}

/**
 * A live charge's provider evidence (DECISIONS §11): what SCB's inquiry answered when it confirmed the payment, the
 * confirmations about the charge, and whether a refund made by transfer can be recorded now (and how much).
 */
async function liveEvidence(request: FastifyRequest, ctx: UseCaseContext, charge: ChargeWithSource['charge']) {
  const db = request.server.gateway.store.read;
  const w = wordsOf(request);
  const [payment, confirmations] = await Promise.all([
    providerPaymentOfCharge(db, ctx.scope.accountId, charge.id),
    confirmationsOfCharge(db, ctx.scope.accountId, charge.id, charge.qr_ref1, confirmationsShownMax + 1),
  ]);
  const remaining = charge.amount - charge.refunded_amount;
  const decision = remaining > 0 ? decideManualRefund(refundableCharge(charge), remaining) : null;
  return {
    payment: payment ? { ...payment, inquiry: compactJson(payment.inquiry) } : null,
    confirmations: confirmations.slice(0, confirmationsShownMax).map((row) => shownConfirmation(w, row)),
    moreConfirmations: confirmations.length > confirmationsShownMax,
    confirmationsShownMax,
    manual: {
      allowed: decision !== null && decision.kind !== 'refused',
      why:
        decision === null
          ? refusalWords(w, { rule: 'refunded_in_full' })
          : decision.kind === 'refused'
            ? refusalWords(w, decision.why)
            : w.t('live.manual.allowed', { remaining: w.fmt.money(remaining) }),
      remaining,
      referenceMax: manualReferenceCharsMax,
    },
  };
}

export async function chargePageRoutes(app: FastifyInstance): Promise<void> {
  const { gateway } = app;

  app.get<IdParams>('/charges/:id', viewer, async (request, reply) =>
    explained(request, reply, '/dashboard/charges', async () => {
      const ctx = await contextOf(request);
      const db = gateway.store.read;
      const found = await findChargeWithSource(db, ctx.scope, request.params.id);
      if (!found) throw notFound('charge', request.params.id);
      const events = await eventsOfCharge(db, ctx.scope, found.charge.id);
      const eventIds = events.map((e) => e.id);
      const [deliveries, jobs] = await Promise.all([listDeliveriesOfEvents(db, eventIds), jobsOfEvents(db, eventIds)]);
      const { charge } = found;
      const w = wordsOf(request);
      const actions = chargeActions(charge, ctx.nowMs);
      // Event times follow the account's clock, delivery attempts the wall clock: say how far apart they are.
      const clockAheadMs = ctx.nowMs - gateway.wall.nowMs();
      const live = charge.livemode === 1 ? await liveEvidence(request, ctx, charge) : null;
      return page(request, reply, 'charge', { page: 'charges', title: w.t('charge.title', { id: charge.id }) }, {
        charge,
        live,
        badge: chargeBadge(charge),
        source: found.source,
        refunds: (found.refunds ?? []).map((refund) => ({ ...refund, manualReference: manualReferenceIn(refund.metadata) })),
        timeline: events.map((event) => ({ event, deliveries: deliveries.get(event.id) ?? [], jobs: jobs.filter((j) => j.event_id === event.id) })),
        actions,
        why: {
          complete: completionWords(w, actions.complete.why),
          expire: actions.expire.allowed ? w.t('charge.why.expire_pending') : w.t('charge.why.expire_not_pending', { status: statusWord(w, actions.expire.status) }),
          full: previewWords(w, actions.refund.full, 'charge.why.nothing_left'),
          partial: previewWords(w, actions.refund.partial, 'charge.why.nothing_left_part'),
        },
        fundingSources,
        qrUrl: `/charges/${charge.id}/documents/${charge.document_id}/downloads/${charge.download_token}`,
        nowMs: ctx.nowMs,
        clockAheadMs,
        accountClock: clockAheadMs >= 1000 ? w.t('clock.test') : w.t('clock.account'),
      });
    }),
  );

  // ------------------------------------------------------------------ mark paid or failed

  app.get<IdParams>('/charges/:id/complete', operator, async (request, reply) =>
    explained(request, reply, chargeUrl(request.params.id), async () => {
      const ctx = await contextOf(request);
      const { charge } = await loadCharge(request, ctx);
      const query = request.query as Record<string, unknown>;
      const completion = completionOf(query.outcome, query.funding_source);
      const effect = completionEffect(charge, completion.outcome, completion.outcome === 'successful' ? completion.fundingSource : undefined, ctx.nowMs);
      const w = wordsOf(request);
      const action = completion.outcome === 'successful' ? 'mark_successful' : 'mark_failed';
      const lines = !effect.allowed
        ? []
        : effect.outcome === 'successful'
          ? [
              w.t('confirm.paid.status', { source: w.fmt.code('funding', effect.fundingSource) }),
              w.t('confirm.paid.ledger', { net: w.fmt.money(effect.credit), amount: w.fmt.money(charge.amount), fee: w.fmt.money(charge.fee), vat: w.fmt.money(charge.fee_vat) }),
              w.t('confirm.paid.customer'),
            ]
          : [w.t('confirm.failed.status', { failure: w.fmt.code('failure', failedProcessing.code) }), w.t('confirm.failed.ledger'), w.t('confirm.failed.customer')];
      return confirmPage(request, reply, ctx, charge, {
        action,
        title: w.t(`confirm.title.${action}`, { id: charge.id }),
        refused: effect.allowed ? null : completionWords(w, effect.why),
        lines,
        event: 'charge.complete',
        post: `/dashboard/charges/${charge.id}/complete`,
        fields: { outcome: completion.outcome, ...(completion.outcome === 'successful' ? { funding_source: completion.fundingSource } : {}) },
        yes: w.t(`confirm.yes.${action}`),
      });
    }),
  );

  app.post<IdParams>('/charges/:id/complete', operator, async (request, reply) =>
    explained(request, reply, chargeUrl(request.params.id), async () => {
      const id = request.params.id;
      const completion = completionOf(field(request, 'outcome'), field(request, 'funding_source'));
      requireConfirmed(request);
      const reason = reasonOf(request);
      const details = withReason(completion.outcome === 'successful' ? { funding_source: completion.fundingSource } : {}, reason);
      await runChange(request, `charge.mark_${completion.outcome}`, id, details, (tx, ctx) => completeCharge(tx, ctx, id, completion, 'test tools'));
      return redirect(reply, chargeUrl(id, completion.outcome === 'successful' ? 'marked_successful' : 'marked_failed'));
    }),
  );

  // ------------------------------------------------------------------ expire

  app.get<IdParams>('/charges/:id/expire', operator, async (request, reply) =>
    explained(request, reply, chargeUrl(request.params.id), async () => {
      const ctx = await contextOf(request);
      const { charge } = await loadCharge(request, ctx);
      const w = wordsOf(request);
      const actions = chargeActions(charge, ctx.nowMs);
      return confirmPage(request, reply, ctx, charge, {
        action: 'expire',
        title: w.t('confirm.title.expire', { id: charge.id }),
        refused: actions.expire.allowed ? null : w.t('charge.why.expire_not_pending', { status: statusWord(w, charge.status) }),
        lines: [w.t('confirm.expire.status'), w.t('confirm.expire.ledger'), w.t('confirm.expire.customer')],
        event: 'charge.expire',
        post: `/dashboard/charges/${charge.id}/expire`,
        fields: {},
        yes: w.t('confirm.yes.expire'),
      });
    }),
  );

  app.post<IdParams>('/charges/:id/expire', operator, async (request, reply) =>
    explained(request, reply, chargeUrl(request.params.id), async () => {
      const id = request.params.id;
      requireConfirmed(request);
      const reason = reasonOf(request);
      await runChange(request, 'charge.expire', id, withReason({}, reason), (tx, ctx) => expireCharge(tx, ctx, id));
      return redirect(reply, chargeUrl(id, 'expired'));
    }),
  );

  // ------------------------------------------------------------------ refund or void

  app.get<IdParams>('/charges/:id/refund', operator, async (request, reply) =>
    explained(request, reply, chargeUrl(request.params.id), async () => {
      const ctx = await contextOf(request);
      const { charge } = await loadCharge(request, ctx);
      const query = request.query as Record<string, unknown>;
      const amount = amountOf(query.amount);
      const voidRequested = query.void === 'on';
      const effect = refundEffect(charge, amount, voidRequested, ctx.nowMs);
      const w = wordsOf(request);
      const money = w.fmt.money(amount);
      let lines: string[] = [];
      if (effect.kind !== 'refused') {
        const kind = effect.kind;
        lines = [
          // A refund happens only once the void window has closed (every source that cannot be voided in part cannot be refunded in part either).
          w.t(`confirm.${kind}.kind`, { when: w.fmt.when(chargeActions(charge, ctx.nowMs).refund.voidWindowEndsAt) }),
          kind === 'void'
            ? w.t('confirm.void.ledger', { debit: w.fmt.money(effect.debit), net: w.fmt.money(charge.net) })
            : w.t('confirm.refund.ledger', { debit: w.fmt.money(effect.debit), fee: w.fmt.money(charge.fee + charge.fee_vat) }),
          w.t(`confirm.${kind}.customer`, { amount: money }),
          w.t('confirm.after', { badge: w.fmt.code('status', effect.badgeAfter), remaining: w.fmt.money(effect.remainingAfter) }),
        ];
      }
      return confirmPage(request, reply, ctx, charge, {
        action: effect.kind === 'refused' ? 'refund' : effect.kind,
        title: w.t('confirm.title.refund', { amount: money, id: charge.id }),
        refused: effect.kind === 'refused' ? refusalWords(w, effect.why) : null,
        lines,
        event: 'refund.create',
        post: `/dashboard/charges/${charge.id}/refund`,
        // The amount as typed back in baht, the kind shown, and the charge as it was shown.
        fields: { amount: (amount / 100).toFixed(2), kind: effect.kind === 'refused' ? '' : effect.kind, seen: String(charge.refund_count) },
        yes: effect.kind === 'refused' ? '' : w.t(`confirm.yes.${effect.kind}`, { amount: money }),
      });
    }),
  );

  app.post<IdParams>('/charges/:id/refund', operator, async (request, reply) =>
    explained(request, reply, chargeUrl(request.params.id), async () => {
      const id = request.params.id;
      const amount = amountOf(field(request, 'amount'));
      requireConfirmed(request);
      const kind = field(request, 'kind');
      if (kind !== 'void' && kind !== 'refund') throw new Refused(400, 'charge.error.unconfirmed');
      const seen = seenOf(request);
      const reason = reasonOf(request);
      const refund = await runChange(request, 'charge.refund', id, withReason({ amount, kind }, reason), async (tx, ctx) => {
        // What was confirmed was worked out on the charge as it was then: if it changed since, the effect shown may not hold.
        const now = await findCharge(tx, ctx.scope, id);
        if (!now) throw notFound('charge', id);
        if (now.refund_count !== seen) throw new Refused(409, 'charge.error.changed');
        // A confirmed void must be a void (the use case refuses otherwise); a confirmed refund must not turn into a void.
        const made = await createRefund(tx, ctx, id, { amount, voidRequested: kind === 'void', metadata: {} });
        if ((made.voided ? 'void' : 'refund') !== kind) throw new Refused(409, 'charge.error.changed');
        return made;
      });
      return redirect(reply, chargeUrl(id, refund.voided ? 'voided' : 'refunded'));
    }),
  );

  // ------------------------------------------------------------------ manual refund (live mode: a refund made by bank transfer, recorded)

  app.get<IdParams>('/charges/:id/manual-refund', operator, async (request, reply) =>
    explained(request, reply, chargeUrl(request.params.id), async () => {
      const ctx = await contextOf(request);
      const { charge } = await loadCharge(request, ctx);
      const query = request.query as Record<string, unknown>;
      const amount = amountOf(query.amount);
      const reference = manualReferenceOf(query.reference);
      const decision = decideManualRefund(refundableCharge(charge), amount);
      const w = wordsOf(request);
      const money = w.fmt.money(amount);
      const after = { ...charge, refunded_amount: charge.refunded_amount + amount };
      const lines =
        decision.kind === 'refused'
          ? []
          : [
              w.t('confirm.manual.kind', { reference }),
              // A manual refund is a refund: it gives back its amount, and the merchant keeps paying the fee (DECISIONS §11).
              w.t('confirm.refund.ledger', { debit: money, fee: w.fmt.money(charge.fee + charge.fee_vat) }),
              w.t('confirm.manual.customer', { amount: money }),
              w.t('confirm.after', { badge: w.fmt.code('status', chargeBadge(after)), remaining: w.fmt.money(charge.amount - after.refunded_amount) }),
            ];
      return confirmPage(request, reply, ctx, charge, {
        action: 'manual_refund',
        title: w.t('confirm.title.manual_refund', { amount: money, id: charge.id }),
        refused: decision.kind === 'refused' ? refusalWords(w, decision.why) : null,
        lines,
        event: 'refund.create',
        post: `/dashboard/charges/${charge.id}/manual-refund`,
        fields: { amount: (amount / 100).toFixed(2), reference, seen: String(charge.refund_count) },
        yes: decision.kind === 'refused' ? '' : w.t('confirm.yes.manual_refund', { amount: money }),
      });
    }),
  );

  app.post<IdParams>('/charges/:id/manual-refund', operator, async (request, reply) =>
    explained(request, reply, chargeUrl(request.params.id), async () => {
      const id = request.params.id;
      const amount = amountOf(field(request, 'amount'));
      requireConfirmed(request);
      const reference = manualReferenceOf(field(request, 'reference'));
      const seen = seenOf(request);
      const reason = reasonOf(request);
      const w = wordsOf(request);
      await runChange(request, 'charge.manual_refund', id, withReason({ amount, reference }, reason), async (tx, ctx) => {
        const now = await findCharge(tx, ctx.scope, id);
        if (!now) throw notFound('charge', id);
        // The use case's own decision, asked first so that a refusal is said by its rule in the page's language.
        const decision = decideManualRefund(refundableCharge(now), amount);
        if (decision.kind === 'refused') throw new Refused(400, 'charge.error.manual_refused', { why: refusalWords(w, decision.why) }, decision.message);
        if (now.refund_count !== seen) throw new Refused(409, 'charge.error.changed');
        try {
          return await createRefund(tx, ctx, id, { amount, voidRequested: false, metadata: {}, manualReference: reference });
        } catch (error) {
          const said = error instanceof OmiseError ? refusalInWords(error.message, w) : null;
          if (error instanceof OmiseError && said !== null) throw new Refused(error.statusCode, 'charge.error.manual_refused', { why: said }, error.message);
          throw error;
        }
      });
      return redirect(reply, chargeUrl(id, 'refunded_manually'));
    }),
  );

  // ------------------------------------------------------------------ webhooks of the charge

  app.post<{ Params: { id: string; event: string } }>('/charges/:id/events/:event/redeliver', operator, async (request, reply) =>
    explained(request, reply, chargeUrl(request.params.id), async () => {
      const { id, event } = request.params;
      await runChange(request, 'event.redeliver', event, { charge: id }, (tx, ctx) => redeliverEvent(tx, ctx, event, undefined, gateway.targetPolicy));
      return redirect(reply, chargeUrl(id, 'redelivered'));
    }),
  );
}

interface Confirmation {
  action: 'mark_successful' | 'mark_failed' | 'expire' | 'refund' | 'void' | 'manual_refund';
  title: string;
  /** Why it cannot be done now, in words; null when it can. */
  refused: string | null;
  /** The effect, line by line, in words. */
  lines: string[];
  event: string;
  post: string;
  fields: Record<string, string>;
  yes: string;
}

async function confirmPage(request: FastifyRequest, reply: FastifyReply, ctx: UseCaseContext, charge: ChargeWithSource['charge'], confirmation: Confirmation) {
  const w = wordsOf(request);
  const targets = confirmation.refused === null ? await targetsOf(request, ctx, charge, confirmation.event) : [];
  return page(request, reply, 'charge-confirm', { page: 'charges', title: confirmation.title }, {
    ...confirmation,
    charge,
    badge: chargeBadge(charge),
    eventWords: w.fmt.code('event', confirmation.event),
    targets,
    reasonMax: actionReasonCharsMax,
    back: chargeUrl(charge.id),
  });
}

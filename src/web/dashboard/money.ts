/**
 * The merchant's money on the dashboard: the balance (as GET /balance answers it), the ledger's
 * transactions (keyset pages, newest first), and CSV exports of charges, refunds and transactions
 * for a range of Bangkok days, streamed batch by batch (csv-stringify's stream; never the whole
 * range in memory). Every route here is read-only: role viewer.
 */
import { Readable, pipeline } from 'node:stream';
import { stringify } from 'csv-stringify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { chargeBadge } from '../../domain/charge-actions.js';
import { SearchProblem, planSearch } from '../../domain/search.js';
import { bangkokOffsetMs, dayMs } from '../../domain/time.js';
import { findAccount } from '../../store/accounts.js';
import { type ChargeExportRow, type Cursor, chargesForExport, listTransactionsForDashboard, type RefundExportRow, refundsForExport, type TransactionExportRow, transactionsForExport } from '../../store/exports.js';
import { findBalance } from '../../store/ledger.js';
import { problemWords } from './charge-list.js';
import { contextOf, page } from './context.js';
import { hasMessage, type Words, wordsOf } from './i18n.js';

export const transactionsPerPage = 50;
/** The longest range one export file covers (a year, leap day included). */
export const exportDaysMax = 366;

const viewer = { config: { dashboardRole: 'viewer' as const } };
const cursorPattern = /^(\d{1,15})_(\d{1,15})$/;
const datePattern = /^\d{4}-\d{2}-\d{2}$/;

/** A refused request, in the page's words, inside the layout; nothing is read or written. */
function refused(request: FastifyRequest, reply: FastifyReply, nav: string, message: string) {
  const { t } = wordsOf(request);
  return page(request, reply, 'action-error', { page: nav, title: t('error.title') }, { statusCode: 400, message, back: `/dashboard/${nav}` }, 400);
}

/** A transaction's key in words; one no catalog knows is named as money in or out. */
export function transactionKeyWords(words: Words, key: string, direction: string): string {
  const known = `transactions.key.${key}`;
  return hasMessage(known) ? words.t(known) : words.t(direction === 'credit' ? 'transactions.key.other_credit' : 'transactions.key.other_debit');
}

// ---------------------------------------------------------------- CSV cells

/** 123456 → "1234.56": baht with two decimals, no grouping (a spreadsheet reads it as a number). */
export function csvBaht(satang: number): string {
  const sign = satang < 0 ? '-' : '';
  const abs = Math.abs(satang);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** A time in Bangkok, ISO 8601 with its offset: 2026-03-20T09:24:15+07:00. */
export function csvTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '';
  return `${new Date(ms + bangkokOffsetMs).toISOString().slice(0, 19)}+07:00`;
}

/**
 * Text a person or a client wrote (descriptions, metadata): a cell a spreadsheet would run as a
 * formula (starting with =, +, -, @, a tab or a carriage return) gets a leading ' (OWASP, CSV injection).
 */
export function csvText(text: string | null | undefined): string {
  if (text === null || text === undefined) return '';
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

type Kind = 'charges' | 'refunds' | 'transactions';

function columns(words: Words, kind: Kind): string[] {
  const names: Record<Kind, string[]> = {
    charges: [
      'id', 'created_at', 'status', 'status_words', 'amount_baht', 'amount_satang', 'refunded_baht', 'refunded_satang', 'voided_baht', 'voided_satang',
      'fee_baht', 'fee_vat_baht', 'net_baht', 'net_satang', 'funding_source', 'funding_source_words', 'paid_at', 'failure_code', 'failure_words',
      'payment_ref', 'qr_ref1', 'transaction_id', 'description', 'metadata',
    ],
    refunds: ['id', 'created_at', 'charge_id', 'kind', 'kind_words', 'amount_baht', 'amount_satang', 'transaction_id', 'metadata'],
    transactions: ['id', 'created_at', 'direction', 'direction_words', 'key', 'key_words', 'amount_baht', 'amount_satang', 'origin', 'transferable_at'],
  };
  return names[kind].map((name) => words.t(`export.col.${name}`));
}

function chargeRecord(words: Words, c: ChargeExportRow): string[] {
  const badge = chargeBadge(c);
  // Fees and net as GET /charges/:id shows them: only a successful charge has any.
  const paid = c.status === 'successful';
  const [fee, feeVat, net] = paid ? [c.fee, c.fee_vat, c.net] : [0, 0, 0];
  return [
    c.id, csvTime(c.created_at), c.status, words.fmt.code('status', badge), csvBaht(c.amount), String(c.amount), csvBaht(c.refunded_amount), String(c.refunded_amount),
    csvBaht(c.voided_amount), String(c.voided_amount), csvBaht(fee), csvBaht(feeVat), csvBaht(net), String(net), c.funding_source ?? '',
    c.funding_source ? words.fmt.code('funding', c.funding_source) : '', csvTime(c.paid_at), c.failure_code ?? '', c.failure_code ? words.fmt.code('failure', c.failure_code) : '',
    c.payment_ref, c.qr_ref1, c.transaction_id ?? '', csvText(c.description), csvText(c.metadata),
  ];
}

function refundRecord(words: Words, r: RefundExportRow): string[] {
  const kind = r.voided ? 'void' : 'refund';
  return [r.id, csvTime(r.created_at), r.charge_id, kind, words.t(`export.kind.${kind}`), csvBaht(r.amount), String(r.amount), r.transaction_id, csvText(r.metadata)];
}

function transactionRecord(words: Words, x: TransactionExportRow): string[] {
  return [
    x.id, csvTime(x.created_at), x.direction, words.t(`transactions.direction.${x.direction}`), x.key, transactionKeyWords(words, x.key, x.direction),
    csvBaht(x.amount), String(x.amount), x.origin, csvTime(x.transferable_at),
  ];
}

/** The range of an export: two Bangkok days, both given, read by the search's own date rule, at most a year. */
function exportRange(query: Record<string, unknown>): { fromMs: number; toMs: number; from: string; to: string } {
  const from = typeof query.from === 'string' ? query.from.trim() : '';
  const to = typeof query.to === 'string' ? query.to.trim() : '';
  if (!datePattern.test(from) || !datePattern.test(to)) throw new SearchProblem('an export needs from and to, two dates (2026-03-01)', 'export_range');
  const [created] = planSearch({ scope: 'charge', filters: { created: `${from}..${to}` } }).created;
  const fromMs = created.fromMs!;
  const toMs = created.toMs!;
  if (toMs - fromMs > exportDaysMax * dayMs) throw new SearchProblem(`an export covers at most ${exportDaysMax} days`, 'export_days', { max: exportDaysMax });
  return { fromMs, toMs, from, to };
}

export async function moneyRoutes(app: FastifyInstance): Promise<void> {
  const { gateway } = app;

  app.get('/balance', viewer, async (request, reply) => {
    const ctx = await contextOf(request);
    const { t } = wordsOf(request);
    const db = gateway.store.read;
    const balance = await findBalance(db, ctx.scope);
    const since = balance?.created_at ?? (await findAccount(db, ctx.scope.accountId))?.created_at ?? ctx.nowMs;
    const total = balance?.total ?? 0;
    // What GET /balance answers: everything is transferable at once (no reserve, nothing on hold).
    return page(request, reply, 'balance', { page: 'balance', title: t('balance.title') }, { balance: { total, transferable: total, reserve: 0, onHold: 0, since }, nowMs: ctx.nowMs });
  });

  app.get('/transactions', viewer, async (request, reply) => {
    const ctx = await contextOf(request);
    const words = wordsOf(request);
    const query = request.query as Record<string, unknown>;
    let before: Cursor | undefined;
    if (query.before !== undefined) {
      const match = typeof query.before === 'string' ? cursorPattern.exec(query.before) : null;
      if (!match) return refused(request, reply, 'transactions', words.t('charges.problem.cursor'));
      before = { createdAt: Number(match[1]), seq: Number(match[2]) };
    }
    const rows = await listTransactionsForDashboard(gateway.store.read, ctx.scope, before, transactionsPerPage);
    const more = rows.length > transactionsPerPage;
    const shown = rows.slice(0, transactionsPerPage);
    const last = shown.at(-1);
    return page(request, reply, 'transactions', { page: 'transactions', title: words.t('transactions.title') }, {
      transactions: shown.map((x) => ({ ...x, words: transactionKeyWords(words, x.key, x.direction) })),
      next: more && last ? `/dashboard/transactions?before=${last.created_at}_${last.seq}` : null,
      first: before ? '/dashboard/transactions' : null,
      exportDaysMax,
    });
  });

  for (const kind of ['charges', 'refunds', 'transactions'] as const) {
    app.get(`/exports/${kind}.csv`, viewer, async (request, reply) => {
      const ctx = await contextOf(request);
      const words = wordsOf(request);
      let range: ReturnType<typeof exportRange>;
      try {
        range = exportRange(request.query as Record<string, unknown>);
      } catch (error) {
        if (!(error instanceof SearchProblem)) throw error;
        return refused(request, reply, kind === 'charges' ? 'charges' : 'transactions', problemWords(words.t, error));
      }
      const db = gateway.store.read;
      const { fromMs, toMs } = range;
      async function* records(): AsyncGenerator<string[]> {
        yield columns(words, kind);
        if (kind === 'charges') for await (const row of chargesForExport(db, ctx.scope, fromMs, toMs)) yield chargeRecord(words, row);
        else if (kind === 'refunds') for await (const row of refundsForExport(db, ctx.scope, fromMs, toMs)) yield refundRecord(words, row);
        else for await (const row of transactionsForExport(db, ctx.scope, fromMs, toMs)) yield transactionRecord(words, row);
      }
      // UTF-8 with a byte-order mark, so Excel shows Thai; CRLF between records (RFC 4180).
      const csv = stringify({ bom: true, record_delimiter: 'windows' });
      pipeline(Readable.from(records()), csv, (error) => {
        if (error) request.log.error({ err: error }, 'dashboard export failed');
      });
      const mode = ctx.scope.livemode === 1 ? 'live' : 'test';
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="satang-${mode}-${kind}-${range.from}-to-${range.to}.csv"`)
        .header('cache-control', 'no-store')
        .send(csv);
    });
  }
}

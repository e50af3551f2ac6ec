/**
 * The charge list (GET /dashboard/charges): its search box and filters are a search request under
 * GET /search's rules (domain/search.ts's plan, run by store/search.ts with the full-text index),
 * paged by keyset, newest first. A search the plan refuses says why, in the page's language, and
 * lists nothing.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { chargeBadge } from '../../domain/charge-actions.js';
import { type SearchPlan, SearchProblem, planSearch } from '../../domain/search.js';
import { searchQueryCharsMax } from '../../domain/limits.js';
import { type ListCursor, listChargesForDashboard } from '../../store/dashboard.js';
import { contextOf, page } from './context.js';
import { hasMessage, type Translate, wordsOf } from './i18n.js';

export const chargesPerPage = 50;
/** The statuses the list's filter offers (those Satang sets). */
export const listStatuses = ['pending', 'successful', 'failed', 'expired'] as const;

/** The list's form, as typed (bounded, for showing back in the form). */
export interface ChargeListForm {
  q: string;
  status: string;
  amount: string;
  from: string;
  to: string;
}

/** A query parameter as one line of text: a repeated parameter is refused rather than guessed at. */
function single(value: unknown, name: string): string {
  if (value === undefined) return '';
  if (typeof value !== 'string') throw new SearchProblem(`${name} was given more than once`, 'repeated', { name });
  return value;
}

/** The search request the form makes: the same parameters GET /search takes. */
export function chargeSearchRequest(form: ChargeListForm) {
  const filters: Record<string, string> = {};
  if (form.status.trim() !== '') filters.status = form.status;
  if (form.amount.trim() !== '') filters.amount = form.amount.replace(/,/g, '');
  const from = form.from.trim();
  const to = form.to.trim();
  if (from !== '' || to !== '') filters.created = `${from}..${to}`;
  return { scope: 'charge', query: form.q, filters, order: 'reverse_chronological', per_page: chargesPerPage };
}

/** A refused search in the page's words: the plan's reason with its values, where it was. */
export function problemWords(t: Translate, problem: SearchProblem): string {
  const key = `charges.problem.${problem.reason}`;
  if (!hasMessage(key)) return t('charges.problem.other', { detail: problem.message });
  const { term, filter } = problem.params;
  const where = term !== undefined ? t('charges.problem.in_query', { term }) : filter !== undefined && hasMessage(`charges.field.${filter}`) ? t(`charges.field.${filter}`) : t('charges.field.q');
  return t(key, { ...problem.params, where });
}

const cursorPattern = /^(\d{1,15})_(\d{1,15})$/;

export async function chargeListPage(request: FastifyRequest, reply: FastifyReply) {
  const ctx = await contextOf(request);
  const { t } = wordsOf(request);
  const query = request.query as Record<string, unknown>;
  const form: ChargeListForm = { q: '', status: '', amount: '', from: '', to: '' };
  let plan: SearchPlan | null = null;
  let before: ListCursor | undefined;
  let problem: string | null = null;
  try {
    for (const name of ['q', 'status', 'amount', 'from', 'to'] as const) form[name] = single(query[name], name).slice(0, searchQueryCharsMax + 1);
    const cursor = single(query.before, 'before');
    if (cursor !== '') {
      const match = cursorPattern.exec(cursor);
      if (!match) throw new SearchProblem('before is not a page of this list', 'cursor');
      before = { createdAt: Number(match[1]), seq: Number(match[2]) };
    }
    plan = planSearch(chargeSearchRequest(form));
  } catch (error) {
    if (!(error instanceof SearchProblem)) throw error;
    problem = problemWords(t, error);
  }
  const rows = plan ? await listChargesForDashboard(request.server.gateway.store.read, ctx.scope, plan, before, chargesPerPage) : [];
  const more = rows.length > chargesPerPage;
  const shown = rows.slice(0, chargesPerPage);
  const keep = new URLSearchParams();
  for (const name of ['q', 'status', 'amount', 'from', 'to'] as const) if (form[name] !== '') keep.set(name, form[name]);
  const last = shown.at(-1);
  const nextQuery = new URLSearchParams(keep);
  if (last) nextQuery.set('before', `${last.created_at}_${last.seq}`);
  const exportQuery = new URLSearchParams();
  if (form.from !== '') exportQuery.set('from', form.from);
  if (form.to !== '') exportQuery.set('to', form.to);
  return page(
    request,
    reply,
    'charges',
    { page: 'charges', title: t('charges.title') },
    {
      charges: shown.map((charge) => ({ ...charge, badge: chargeBadge(charge) })),
      statuses: listStatuses,
      filter: form,
      problem,
      filtered: keep.size > 0,
      next: plan && more ? `/dashboard/charges?${nextQuery}` : null,
      first: plan && before ? `/dashboard/charges${keep.size > 0 ? `?${keep}` : ''}` : null,
      exportQuery: exportQuery.toString(),
    },
    problem ? 400 : 200,
  );
}

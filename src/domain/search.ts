/**
 * The rules of GET /search (DECISIONS §10), pure: a request's scope, query, filters, order and
 * page checked and turned into a plan that the store runs (store/search.ts) and the answer
 * echoes. The dashboard's search is to use the same plan.
 *
 * Decisions this module carries (omise-api.md says nothing of them):
 * - Amounts are in baht, as Omise's search takes them ("use the conventional currency unit, not
 *   the smallest": docs.omise.co/search-query-and-filters; omise-go's search-get.json answers
 *   `amount:1000` with charges of 100000 satang): `1000`, `1000.5`, `1000.50`, at most two
 *   decimals, or a range `1000..2000` with either end open. They become integer satang here.
 * - A date (`2025-03-20`) is that Asia/Bangkok day, 00:00 to 24:00 +07:00, the merchant's
 *   business day (the void cut-off of DECISIONS §5 and the dashboard's day use the same clock). A
 *   date and time must name its zone (`2025-03-20T09:24:15Z`, `+07:00`) and means that second.
 *   A range `from..to` takes in the whole of its end (the end's day, or the end's second); either
 *   end may be open.
 * - Query terms are separated by spaces; `field:value` terms are `amount:`, `status:` and `id:`;
 *   any other `word:` is refused (quote it, `"10:30"`, to search for the text). Every term must
 *   hold (AND), and so must every filter; free text is found in any of the scope's text fields,
 *   case-insensitively.
 * - `filters` echo back flat (`{"metadata[order_id]": "42"}`), so every SDK can read them
 *   (omise-go reads filters as map[string]string); a flat `metadata[key]` filter is taken too.
 */
import { OmiseError } from './errors.js';
import {
  searchFilterValueCharsMax,
  searchMetadataFiltersMax,
  searchPerPageDefault,
  searchPerPageMax,
  searchQueryCharsMax,
  searchQueryTermsMax,
  searchResultWindowMax,
} from './limits.js';
import { bangkokOffsetMs, dayMs, secondMs } from './time.js';

export const searchScopes = ['charge', 'refund'] as const;
export type SearchScope = (typeof searchScopes)[number];
export type SearchOrder = 'chronological' | 'reverse_chronological';

/** The statuses Omise defines for each scope's object; those Satang never sets match nothing. */
export const searchStatuses: Record<SearchScope, readonly string[]> = {
  charge: ['pending', 'successful', 'failed', 'expired', 'reversed'],
  refund: ['pending', 'closed', 'failed'],
};

/** Inclusive bounds in satang; null is open. */
export interface AmountRange {
  minSatang: number | null;
  maxSatang: number | null;
}

/** Creation times in [fromMs, toMs); null is open. */
export interface TimeRange {
  fromMs: number | null;
  toMs: number | null;
}

/** What a search asks for: every condition must hold. */
export interface SearchPlan {
  scope: SearchScope;
  order: SearchOrder;
  page: number;
  perPage: number;
  /** Rows before the page: (page - 1) × perPage. */
  offset: number;
  /** Free-text terms, lower-cased; each is found in one of the scope's text fields. */
  texts: string[];
  /** Exact object ids (`id:`). */
  ids: string[];
  statuses: string[];
  amounts: AmountRange[];
  created: TimeRange[];
  /** A top-level metadata value, compared as text (numbers and booleans as JSON writes them). */
  metadata: Array<{ key: string; value: string }>;
  /** The answer's `query` and `filters`: what was asked, as it was asked. */
  echo: { query: string; filters: Record<string, string> };
}

/** The parameters of a search, as a request carries them (strings, numbers, nested objects). */
export interface SearchRequest {
  scope?: unknown;
  query?: unknown;
  filters?: unknown;
  order?: unknown;
  page?: unknown;
  per_page?: unknown;
}

/**
 * A search that cannot be run: a 400 bad_request whose message the API answers with, and the same
 * problem as a code and its values (`reason`, `params`), so the dashboard can say it in its own
 * language. `where` says what held the problem: a query term (`amount:`) or a filter (`amount`).
 */
export class SearchProblem extends OmiseError {
  constructor(
    message: string,
    readonly reason: string,
    readonly params: Record<string, string | number> = {},
  ) {
    super('bad_request', message);
  }
}

/** Which part of a search a value came from: a query term's field, or a filter's name. */
interface Where {
  name: string;
  term?: string;
  filter?: string;
}

const badRequest = (message: string, reason = 'other', params: Record<string, string | number> = {}) => new SearchProblem(message, reason, params);
const whereParams = (where: Where): Record<string, string> => (where.term ? { term: where.term } : where.filter ? { filter: where.filter } : {});

/** "Not given" the way every parameter reads it (DECISIONS §2): absent, null or the empty string. */
function given(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A parameter as text (numbers and booleans as their JSON text), or a 400 naming it. */
function textOf(value: unknown, name: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return String(value);
  throw badRequest(`${name} must be text, not ${Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'an object' : typeof value}`, 'not_text', { name });
}

function positiveInteger(value: unknown, name: string, fallback: number): number {
  if (!given(value)) return fallback;
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  if (!/^\d{1,15}$/.test(text) || Number(text) < 1) throw badRequest(`${name} must be a whole number of 1 or more`, 'not_whole', { name });
  return Number(text);
}

// ---------------------------------------------------------------- values

const bahtPattern = /^(\d{1,9})(?:\.(\d{1,2}))?$/;

function satangOf(text: string): number | null {
  const match = bahtPattern.exec(text);
  if (!match) return null;
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
}

/** Splits `from..to` (either end may be empty); a single value is both ends. */
function rangeParts(text: string): { from: string; to: string; range: boolean } {
  const parts = text.split('..');
  if (parts.length === 1) return { from: text, to: text, range: false };
  if (parts.length === 2) return { from: parts[0].trim(), to: parts[1].trim(), range: true };
  return { from: '', to: '', range: true };
}

function parseAmount(raw: string, where: Where): AmountRange {
  const name = where.name;
  const problem = () => badRequest(`${name} must be an amount in baht (1000 or 1000.50) or a range (1000..2000, 1000.., ..2000), not "${shown(raw)}"`, 'amount', { ...whereParams(where), value: shown(raw) });
  const { from, to, range } = rangeParts(raw.trim());
  if (range && from === '' && to === '') throw problem();
  const minSatang = from === '' ? null : satangOf(from);
  const maxSatang = to === '' ? null : satangOf(to);
  if ((from !== '' && minSatang === null) || (to !== '' && maxSatang === null)) throw problem();
  if (minSatang !== null && maxSatang !== null && minSatang > maxSatang) throw badRequest(`${name} is a range whose start is above its end: "${shown(raw)}"`, 'amount_reversed', { ...whereParams(where), value: shown(raw) });
  return { minSatang, maxSatang };
}

const datePattern = /^(\d{4})-(\d{2})-(\d{2})$/;
const dateTimePattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})$/;

/** A point of time as the range it names: a Bangkok day, or one second. */
function timeSpan(text: string, where: Where, raw: string): { startMs: number; endMs: number } {
  const name = where.name;
  const date = datePattern.exec(text);
  if (date) {
    const [year, month, day] = [Number(date[1]), Number(date[2]), Number(date[3])];
    const utcMidnight = Date.UTC(year, month - 1, day);
    const check = new Date(utcMidnight);
    if (check.getUTCFullYear() === year && check.getUTCMonth() === month - 1 && check.getUTCDate() === day) {
      const startMs = utcMidnight - bangkokOffsetMs;
      return { startMs, endMs: startMs + dayMs };
    }
  } else if (dateTimePattern.test(text)) {
    const ms = Date.parse(text);
    if (Number.isFinite(ms)) {
      const startMs = Math.floor(ms / secondMs) * secondMs;
      return { startMs, endMs: startMs + secondMs };
    }
  }
  throw badRequest(
    `${name} must be a date (2025-03-20, a day in Asia/Bangkok), a date and time with its zone (2025-03-20T09:24:15Z) or a range of them (2025-03-01..2025-03-31), not "${shown(raw)}"`,
    'date',
    { ...whereParams(where), value: shown(raw) },
  );
}

function parseCreated(raw: string, where: Where): TimeRange {
  const name = where.name;
  const { from, to, range } = rangeParts(raw.trim());
  if (range && from === '' && to === '') throw badRequest(`${name} must name a date or a range of dates, not "${shown(raw)}"`, 'date', { ...whereParams(where), value: shown(raw) });
  const fromMs = from === '' ? null : timeSpan(from, where, raw).startMs;
  const toMs = to === '' ? null : timeSpan(to, where, raw).endMs;
  if (fromMs !== null && toMs !== null && fromMs >= toMs) throw badRequest(`${name} is a range whose start is after its end: "${shown(raw)}"`, 'date_reversed', { ...whereParams(where), value: shown(raw) });
  return { fromMs, toMs };
}

function parseStatus(raw: string, where: Where, scope: SearchScope): string {
  const status = raw.trim().toLowerCase();
  if (!searchStatuses[scope].includes(status)) {
    throw badRequest(`${where.name} must be one of ${searchStatuses[scope].join(', ')} for ${scope}s, not "${shown(raw)}"`, 'status', { ...whereParams(where), value: shown(raw), statuses: searchStatuses[scope].join(', ') });
  }
  return status;
}

function parseId(raw: string, where: Where): string {
  const id = raw.trim();
  if (!/^[0-9A-Za-z_]{1,100}$/.test(id)) throw badRequest(`${where.name} must be an object id (letters, digits and underscores), not "${shown(raw)}"`, 'id', { ...whereParams(where), value: shown(raw) });
  return id;
}

/** A value as a message may quote it: short, and control characters escaped. */
function shown(text: string): string {
  const escaped = JSON.stringify(text).slice(1, -1);
  return escaped.length > 60 ? `${escaped.slice(0, 60)}...` : escaped;
}

// ---------------------------------------------------------------- the query

export const searchQueryFields = ['amount', 'status', 'id'] as const;

interface Token {
  text: string;
  quoted: boolean;
}

function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < query.length) {
    if (/\s/.test(query[at])) {
      at++;
      continue;
    }
    if (query[at] === '"') {
      const end = query.indexOf('"', at + 1);
      if (end === -1) throw badRequest('query has a quote that is not closed', 'quote');
      tokens.push({ text: query.slice(at + 1, end), quoted: true });
      at = end + 1;
    } else {
      let end = at;
      while (end < query.length && !/\s/.test(query[end])) end++;
      tokens.push({ text: query.slice(at, end), quoted: false });
      at = end;
    }
    if (tokens.length > searchQueryTermsMax) throw badRequest(`query has more than ${searchQueryTermsMax} terms`, 'terms', { max: searchQueryTermsMax });
  }
  return tokens;
}

const fieldTermPattern = /^([A-Za-z_][A-Za-z0-9_.]*):(.*)$/s;

function applyQuery(query: string, plan: SearchPlan): void {
  if (query.length > searchQueryCharsMax) throw badRequest(`query must be at most ${searchQueryCharsMax} characters`, 'query_length', { max: searchQueryCharsMax });
  for (const token of tokenize(query)) {
    const field = token.quoted ? null : fieldTermPattern.exec(token.text);
    if (!field) {
      if (token.text.trim() !== '') plan.texts.push(token.text.toLowerCase());
      continue;
    }
    const name = field[1].toLowerCase();
    const value = field[2];
    if (!(searchQueryFields as readonly string[]).includes(name)) {
      throw badRequest(
        `query has an unknown field "${shown(field[1])}:"; the fields are ${searchQueryFields.map((f) => `${f}:`).join(', ')} (put text in quotes, "${shown(token.text)}", to search for it)`,
        'field',
        { term: `${shown(field[1])}:`, fields: searchQueryFields.map((f) => `${f}:`).join(', '), value: shown(token.text) },
      );
    }
    if (value === '') throw badRequest(`query term ${name}: needs a value`, 'field_empty', { term: `${name}:` });
    const where: Where = { name: `query term ${name}:`, term: `${name}:` };
    if (name === 'amount') plan.amounts.push(parseAmount(value, where));
    else if (name === 'status') plan.statuses.push(parseStatus(value, where, plan.scope));
    else plan.ids.push(parseId(value, where));
  }
}

// ---------------------------------------------------------------- filters

export const searchFilterNames = ['status', 'amount', 'created', 'metadata'] as const;

function addMetadataFilter(plan: SearchPlan, key: string, value: unknown): void {
  if (!given(value)) return;
  const name = `filters[metadata][${shown(key)}]`;
  if (key === '' || key.length > 100) throw badRequest('a metadata filter needs a key of 1 to 100 characters', 'metadata_key');
  const text = textOf(value, name);
  if (text.length > searchFilterValueCharsMax) throw badRequest(`${name} must be at most ${searchFilterValueCharsMax} characters`, 'value_length', { filter: 'metadata', max: searchFilterValueCharsMax });
  plan.metadata.push({ key, value: text });
  if (plan.metadata.length > searchMetadataFiltersMax) throw badRequest(`at most ${searchMetadataFiltersMax} metadata filters are accepted`, 'metadata_count', { max: searchMetadataFiltersMax });
  plan.echo.filters[`metadata[${key}]`] = text;
}

function applyFilters(filters: unknown, plan: SearchPlan): void {
  if (!given(filters)) return;
  if (!isObject(filters)) throw badRequest('filters must be an object of filters, such as filters[status]=successful', 'filters');
  for (const [key, value] of Object.entries(filters)) {
    const flatMetadata = /^metadata\[(.*)\]$/s.exec(key);
    if (flatMetadata) {
      addMetadataFilter(plan, flatMetadata[1], value);
      continue;
    }
    if (!(searchFilterNames as readonly string[]).includes(key)) {
      throw badRequest(`filters[${shown(key)}] is not a filter Satang knows; the filters are status, amount, created and metadata[key]`, 'filter', { value: shown(key) });
    }
    if (!given(value)) continue;
    const name = `filters[${key}]`;
    if (key === 'metadata') {
      if (!isObject(value)) throw badRequest('filters[metadata] must be an object of keys and values, such as filters[metadata][order_id]=42', 'filters');
      for (const [metadataKey, metadataValue] of Object.entries(value)) addMetadataFilter(plan, metadataKey, metadataValue);
      continue;
    }
    const text = textOf(value, name);
    if (text.length > searchFilterValueCharsMax) throw badRequest(`${name} must be at most ${searchFilterValueCharsMax} characters`, 'value_length', { filter: key, max: searchFilterValueCharsMax });
    const where: Where = { name, filter: key };
    if (key === 'status') plan.statuses.push(parseStatus(text, where, plan.scope));
    else if (key === 'amount') plan.amounts.push(parseAmount(text, where));
    else plan.created.push(parseCreated(text, where));
    plan.echo.filters[key] = text;
  }
}

// ---------------------------------------------------------------- the plan

/** Checks a search request and makes its plan; anything malformed is a 400 bad_request saying what. */
export function planSearch(request: SearchRequest): SearchPlan {
  if (!given(request.scope)) throw badRequest(`scope is required: ${searchScopes.join(' or ')}`, 'scope');
  const scope = textOf(request.scope, 'scope');
  if (!(searchScopes as readonly string[]).includes(scope)) throw badRequest(`scope must be ${searchScopes.join(' or ')}, not "${shown(scope)}"`, 'scope');

  const order = given(request.order) ? textOf(request.order, 'order') : 'chronological';
  if (order !== 'chronological' && order !== 'reverse_chronological') throw badRequest('order must be chronological or reverse_chronological', 'order');

  const page = positiveInteger(request.page, 'page', 1);
  const perPage = positiveInteger(request.per_page, 'per_page', searchPerPageDefault);
  if (perPage > searchPerPageMax) throw badRequest(`per_page must be at most ${searchPerPageMax}`, 'per_page', { max: searchPerPageMax });
  if (page * perPage > searchResultWindowMax) {
    throw badRequest(`a search shows its first ${searchResultWindowMax} results (page × per_page at most ${searchResultWindowMax}); narrow it with filters to see further`, 'window', { max: searchResultWindowMax });
  }

  const query = given(request.query) ? textOf(request.query, 'query') : '';
  const plan: SearchPlan = {
    scope: scope as SearchScope,
    order,
    page,
    perPage,
    offset: (page - 1) * perPage,
    texts: [],
    ids: [],
    statuses: [],
    amounts: [],
    created: [],
    metadata: [],
    echo: { query, filters: {} },
  };
  applyQuery(query, plan);
  applyFilters(request.filters, plan);
  return plan;
}

/** Pages a search's total fills. */
export function totalPages(total: number, perPage: number): number {
  return Math.ceil(total / perPage);
}

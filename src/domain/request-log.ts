/**
 * The request log (DECISIONS §10), Satang's own and test mode only: what is recorded of a request
 * (never a secret, a body or a query string), and what its filters mean. Pure.
 */
import { OmiseError } from './errors.js';
import { requestLogPathCharsMax } from './limits.js';

/** One request as recorded, before it has an id. */
export interface RequestLogCapture {
  accountId: string;
  /** When the request arrived (wall clock, ms). */
  createdAtMs: number;
  method: string;
  route: string | null;
  path: string;
  status: number;
  durationMs: number;
  requestId: string;
  idempotencyKey: string | null;
  keyKind: 'public' | 'secret' | null;
  keyLast4: string | null;
}

/** An inclusive range of HTTP statuses: `4xx` is 400..499, `404` is 404..404. */
export interface StatusRange {
  min: number;
  max: number;
}

/** Which entries a list or a stream shows: every condition given must hold. */
export interface RequestLogFilter {
  /** Any of these (none: every status). */
  statuses: StatusRange[];
  method?: string;
  /** The route pattern exactly (`/charges/:id`). */
  route?: string;
  /** The path, or any path below it (`/charges` also shows `/charges/chrg_test_...`). */
  path?: string;
  requestId?: string;
}

export const noFilter: RequestLogFilter = { statuses: [] };

const textMax = 200;

/**
 * The filter of `GET /test/requests` and its stream: `status` (`4xx`, `404`, or several with
 * commas: `4xx,5xx`), `method`, `route`, `path` and `request_id`. A value that cannot filter
 * anything is a 422 invalid_filter that says what is wrong.
 */
export function parseRequestLogFilter(params: Record<string, unknown>): RequestLogFilter {
  const filter: RequestLogFilter = { statuses: [] };
  const status = text(params.status, 'status');
  if (status !== undefined) {
    for (const part of status.split(',')) {
      const match = /^\s*([1-5])(xx|\d\d)\s*$/i.exec(part);
      if (!match) throw new OmiseError('invalid_filter', 'status must be a status class like 4xx or a status like 404 (several separated by commas)');
      const hundreds = Number(match[1]) * 100;
      filter.statuses.push(match[2].toLowerCase() === 'xx' ? { min: hundreds, max: hundreds + 99 } : { min: hundreds + Number(match[2]), max: hundreds + Number(match[2]) });
    }
  }
  const method = text(params.method, 'method');
  if (method !== undefined) {
    if (!/^[A-Za-z]{1,10}$/.test(method)) throw new OmiseError('invalid_filter', 'method must be an HTTP method like GET or POST');
    filter.method = method.toUpperCase();
  }
  const route = text(params.route, 'route');
  if (route !== undefined) {
    if (!route.startsWith('/')) throw new OmiseError('invalid_filter', 'route must be a route pattern starting with /, like /charges/:id');
    filter.route = route;
  }
  const path = text(params.path, 'path');
  if (path !== undefined) {
    if (!path.startsWith('/')) throw new OmiseError('invalid_filter', 'path must start with /, like /charges');
    filter.path = path;
  }
  const requestId = text(params.request_id, 'request_id');
  if (requestId !== undefined) filter.requestId = requestId;
  return filter;
}

/** A filter's text parameter: undefined when not given; a 422 when it is not text or too long. */
function text(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'number' && Number.isFinite(value)) value = String(value);
  if (typeof value !== 'string') throw new OmiseError('invalid_filter', `${name} must be text`);
  if (value.length > textMax) throw new OmiseError('invalid_filter', `${name} must be at most ${textMax} characters`);
  return value;
}

/** The filter as query parameters again (for the dashboard's links). */
export function filterParams(filter: RequestLogFilter): Record<string, string> {
  const params: Record<string, string> = {};
  if (filter.statuses.length > 0) params.status = filter.statuses.map((range) => (range.min === range.max ? String(range.min) : `${range.min / 100}xx`)).join(',');
  if (filter.method) params.method = filter.method;
  if (filter.route) params.route = filter.route;
  if (filter.path) params.path = filter.path;
  if (filter.requestId) params.request_id = filter.requestId;
  return params;
}

/** Whether an entry passes a filter: what the store's SQL does for lists, for entries streamed. */
export function matchesRequestLogFilter(entry: { status: number; method: string; route: string | null; path: string; request_id: string }, filter: RequestLogFilter): boolean {
  if (filter.statuses.length > 0 && !filter.statuses.some((range) => entry.status >= range.min && entry.status <= range.max)) return false;
  if (filter.method !== undefined && entry.method !== filter.method) return false;
  if (filter.route !== undefined && entry.route !== filter.route) return false;
  if (filter.requestId !== undefined && entry.request_id !== filter.requestId) return false;
  if (filter.path !== undefined && entry.path !== filter.path && !entry.path.startsWith(`${filter.path.replace(/\/+$/, '')}/`)) return false;
  return true;
}

/**
 * The path of a request as the log keeps it: the request target without its query string, path
 * parameters that are capabilities (`:token`) replaced by their name, anything outside printable
 * ASCII percent-encoded, and at most requestLogPathCharsMax characters.
 */
export function loggedPath(url: string, route: string | null, params: Record<string, unknown> | undefined): string {
  const query = url.indexOf('?');
  let path = query === -1 ? url : url.slice(0, query);
  const token = params?.token;
  if (route !== null && route.includes('/:token') && typeof token === 'string' && token !== '') {
    path = path
      .split('/')
      .map((segment) => (segment === token ? ':token' : segment))
      .join('/');
  }
  path = path.replace(/[^\x21-\x7e]/g, (c) => {
    const code = c.charCodeAt(0);
    return code < 0x100 ? `%${code.toString(16).toUpperCase().padStart(2, '0')}` : '%3F';
  });
  return path.length > requestLogPathCharsMax ? path.slice(0, requestLogPathCharsMax) : path;
}

/** An Idempotency-Key header as the log keeps it: only a well-formed one (1 to 255 printable ASCII characters). */
export function loggedIdempotencyKey(header: string | string[] | undefined): string | null {
  const key = Array.isArray(header) ? header[0] : header;
  return typeof key === 'string' && /^[\x21-\x7e]{1,255}$/.test(key) ? key : null;
}

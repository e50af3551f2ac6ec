/** Driving the dashboard through fastify inject: an operator, a signed-in session, forms with their CSRF token. */
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import type { Store } from '../../src/store/store.js';
import type { OperatorRole } from '../../src/domain/operator-roles.js';
import { createOperator, hashPassword } from '../../src/usecases/operators.js';

export const operatorPassword = 'correct horse battery staple';

/** Adds an operator (an owner unless `role` says otherwise) with a password. */
export async function addOperator(store: Store, email: string, password = operatorPassword, role: OperatorRole = 'owner'): Promise<void> {
  const passwordHash = await hashPassword(password);
  await store.transaction((tx) => createOperator(tx, { email, passwordHash, role }, Date.now()));
}

export interface PageResponse {
  status: number;
  location: string | undefined;
  body: string;
  setCookies: string[];
}

export interface DashboardClient {
  cookie: string;
  csrf: string;
  get(url: string, headers?: Record<string, string>): Promise<PageResponse>;
  post(url: string, form: Record<string, string>, headers?: Record<string, string>): Promise<PageResponse>;
}

function toPage(response: { statusCode: number; headers: Record<string, unknown>; body: string }): PageResponse {
  const raw = response.headers['set-cookie'];
  const setCookies = raw === undefined ? [] : Array.isArray(raw) ? (raw as string[]) : [String(raw)];
  return { status: response.statusCode, location: response.headers.location as string | undefined, body: response.body, setCookies };
}

export async function getPage(app: FastifyInstance, url: string, headers: Record<string, string> = {}): Promise<PageResponse> {
  return toPage(await app.inject({ method: 'GET', url, headers }));
}

export async function postForm(app: FastifyInstance, url: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<PageResponse> {
  return toPage(
    await app.inject({ method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, payload: new URLSearchParams(form).toString() }),
  );
}

export function cookieValue(setCookies: string[], name: string): string | undefined {
  for (const line of setCookies) {
    const match = new RegExp(`^${name}=([^;]*)`).exec(line);
    if (match) return match[1];
  }
  return undefined;
}

export function csrfOf(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  assert.ok(match, 'page has no CSRF field');
  return match[1];
}

/** Signs in through the real form (pre-session token, password) and returns a client with the session. */
export async function signIn(app: FastifyInstance, email: string, password = operatorPassword): Promise<DashboardClient> {
  const form = await getPage(app, '/dashboard/signin');
  assert.equal(form.status, 200, form.body);
  const formToken = cookieValue(form.setCookies, 'satang_form')!;
  const result = await postForm(app, '/dashboard/signin', { _form: formToken, email, password, next: '/dashboard' }, { cookie: `satang_form=${formToken}` });
  assert.equal(result.status, 303, result.body);
  const session = cookieValue(result.setCookies, 'satang_session');
  assert.ok(session, 'no session cookie');
  const cookie = `satang_session=${session}`;
  const home = await getPage(app, '/dashboard', { cookie });
  assert.equal(home.status, 200, home.body);
  const client: DashboardClient = {
    cookie,
    csrf: csrfOf(home.body),
    get: (url, headers = {}) => getPage(app, url, { cookie, ...headers }),
    post: (url, form, headers = {}) => postForm(app, url, { _csrf: client.csrf, ...form }, { cookie, ...headers }),
  };
  return client;
}

/** A hidden field's value in a page's form. */
export function hiddenField(html: string, name: string): string | undefined {
  return new RegExp(`<input type="hidden" name="${name}" value="([^"]*)"`).exec(html)?.[1];
}

/**
 * A money action as an operator does it: open its confirmation page (`/dashboard/charges/:id/<action>?<query>`)
 * and post that page's form (its hidden fields, and the reason typed). Returns both answers.
 */
export async function confirmAction(
  client: DashboardClient,
  chargeId: string,
  action: 'complete' | 'expire' | 'refund',
  query: Record<string, string> = {},
  reason?: string,
): Promise<{ confirmation: PageResponse; result: PageResponse | null }> {
  const search = new URLSearchParams(query).toString();
  const confirmation = await client.get(`/dashboard/charges/${chargeId}/${action}${search ? `?${search}` : ''}`);
  if (confirmation.status !== 200 || !/data-test="confirm"/.test(confirmation.body)) return { confirmation, result: null };
  const form: Record<string, string> = {};
  for (const match of confirmation.body.matchAll(/<input type="hidden" name="([a-z_]+)" value="([^"]*)"/g)) if (match[1] !== '_csrf') form[match[1]] = match[2];
  if (reason !== undefined) form.reason = reason;
  const result = await client.post(`/dashboard/charges/${chargeId}/${action}`, form);
  return { confirmation, result };
}

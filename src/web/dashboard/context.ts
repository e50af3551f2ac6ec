/** What every dashboard route uses: the signed-in session, the page renderer and the action runner. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { listAccounts } from '../../store/accounts.js';
import { type SessionWithOperator, setSessionFlash, takeSessionFlash } from '../../store/operators.js';
import type { Account } from '../../store/schema.js';
import type { Tx } from '../../store/store.js';
import type { UseCaseContext } from '../../usecases/context.js';
import { valueOf } from '../../usecases/changes.js';
import type { Actor } from '../../usecases/operators.js';
import { sendPage } from '../views.js';
import { hasMessage, wordsOf } from './i18n.js';
import { isOperatorRole, roleAllows } from '../../domain/operator-roles.js';
import type { FastifyInstance } from 'fastify';

/**
 * An operator's role, across all accounts: owner (everything), operator (charges and refunds:
 * the money actions), viewer (read only). Each ranks above the next.
 */
export type DashboardRole = 'owner' | 'operator' | 'viewer';

export interface DashboardState {
  /** Per-response nonce for the page's script. */
  nonce: string;
  session: SessionWithOperator | null;
  tokenHash: string | null;
  /** When the request reached the dashboard (performance.now()), for its Server-Timing header. */
  startedMs: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    dashboard: DashboardState;
  }
  interface FastifyContextConfig {
    /** A dashboard route anyone may reach (sign-in, setup). */
    dashboardPublic?: boolean;
    /** The least role that may use a signed-in dashboard route (every such route says). */
    dashboardRole?: DashboardRole;
  }
}

export function sessionOf(request: FastifyRequest): SessionWithOperator {
  const session = request.dashboard.session;
  if (!session) throw new Error('dashboard route reached without a session');
  return session;
}

/** The use-case context of the account and mode the operator is looking at. */
export async function contextOf(request: FastifyRequest): Promise<UseCaseContext> {
  const session = sessionOf(request);
  const { gateway } = request.server;
  return {
    scope: { accountId: session.account_id, livemode: session.livemode },
    nowMs: await gateway.clocks.nowMs(session.account_id, session.livemode === 1),
    publicUrl: gateway.publicUrl,
  };
}

/**
 * A CSS selector of every form posting to a dashboard action the role may not use, from the app's
 * route table (each route's declared role): the layout hides them, so no page shows a button its
 * reader cannot use. The server refuses such a post anyway (index.ts).
 */
const hiddenByRole = new WeakMap<FastifyInstance, Map<string, string>>();
export function formsHiddenFor(app: FastifyInstance, role: string): string {
  let byRole = hiddenByRole.get(app);
  if (!byRole) hiddenByRole.set(app, (byRole = new Map()));
  let selector = byRole.get(role);
  if (selector === undefined) {
    const selectors: string[] = [];
    for (const route of app.routes) {
      if (route.method !== 'POST' || route.dashboardPublic || !route.url.startsWith('/dashboard/')) continue;
      if (isOperatorRole(route.dashboardRole) && roleAllows(role, route.dashboardRole)) continue;
      // `/dashboard/charges/:id/refund` → forms whose action starts before the first parameter and ends after the last.
      const parts = route.url.split(/:[A-Za-z_]+/);
      const attr = (op: string, value: string) => (value !== '' && /^[A-Za-z0-9_\-/.]+$/.test(value) ? `[action${op}"${value}"]` : '');
      const match = parts.length === 1 ? attr('=', route.url) : attr('^=', parts[0]) + attr('$=', parts.at(-1)!);
      if (match) selectors.push(`form[method="post"]${match}`);
    }
    selector = selectors.join(',');
    byRole.set(role, selector);
  }
  return selector;
}

export interface Nav {
  page: string;
  title: string;
}

/** Renders a signed-in page inside the layout (header with account switcher and mode switch). */
export async function page(request: FastifyRequest, reply: FastifyReply, template: string, nav: Nav, data: Record<string, unknown> = {}, statusCode = 200) {
  const session = sessionOf(request);
  const accounts: Account[] = await listAccounts(request.server.gateway.store.read);
  const account = accounts.find((a) => a.id === session.account_id);
  const query = request.query as Record<string, unknown>;
  const words = wordsOf(request);
  // Fixed messages shown after an action: the URL carries a code (notice.<code> in the catalogs), never text.
  const notice = typeof query.notice === 'string' && /^[a-z_]{1,40}$/.test(query.notice) && hasMessage(`notice.${query.notice}`) ? words.t(`notice.${query.notice}`) : undefined;
  return sendPage(
    reply,
    `dashboard/${template}`,
    {
      ...data,
      nav,
      nonce: request.dashboard.nonce,
      csrf: session.csrf_token,
      operator: session.email,
      role: session.role,
      // Whether the signed-in operator's role allows what needs `least` (pages hide what it does not; the server refuses it).
      can: (least: DashboardRole) => roleAllows(session.role, least),
      hiddenForms: formsHiddenFor(request.server, session.role),
      accounts,
      account,
      livemode: session.livemode === 1,
      notice,
      path: request.url.split('?')[0],
      here: request.url,
      ...words,
    },
    statusCode,
  );
}

/** The signed-in operator, as an audit line names them. */
export function operatorOf(request: FastifyRequest): Actor {
  const session = sessionOf(request);
  return { operatorId: session.operator_id, email: session.email };
}

/**
 * Runs an operator's action on the account and mode in view: a change like any other (the change
 * runner: one transaction, the test clock checked, the audit line written with it, the webhook
 * dispatcher woken after).
 */
export async function runChange<T>(
  request: FastifyRequest,
  action: string,
  target: string | null,
  details: Record<string, unknown>,
  unit: (tx: Tx, ctx: UseCaseContext) => Promise<T>,
): Promise<T> {
  const session = sessionOf(request);
  const scope = { accountId: session.account_id, livemode: session.livemode };
  return valueOf(await request.server.gateway.changes.forAccount({ scope, audit: { actor: operatorOf(request), action, target, details } }, unit));
}

/**
 * A one-time secret (a rolled key, the webhook secret) for the page the action redirects to:
 * kept on the session row in the action's transaction, never in the URL or a log line.
 */
export async function leaveFlash(tx: Tx, request: FastifyRequest, page: string, value: Record<string, unknown>): Promise<void> {
  await setSessionFlash(tx, request.dashboard.tokenHash!, JSON.stringify({ page, value }));
}

/** The flash left for this page, deleted as it is taken: a reload (or a racing second load) finds nothing. */
export async function takeFlash<T>(request: FastifyRequest, page: string): Promise<T | null> {
  const flash = sessionOf(request).flash;
  if (!flash) return null;
  let parsed: { page?: unknown; value?: unknown };
  try {
    parsed = JSON.parse(flash);
  } catch {
    parsed = {};
  }
  if (parsed.page !== page) return null;
  const taken = await request.server.gateway.changes.system((tx) => takeSessionFlash(tx, request.dashboard.tokenHash!, flash));
  return taken ? (parsed.value as T) : null;
}

export function redirect(reply: FastifyReply, location: string): FastifyReply {
  return reply.code(303).header('location', location).send();
}

export function field(request: FastifyRequest, name: string): string | undefined {
  const body = request.body as Record<string, unknown> | undefined;
  const value = body?.[name];
  return typeof value === 'string' ? value : undefined;
}

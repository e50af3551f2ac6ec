/**
 * The operator dashboard under /dashboard: server-rendered pages, every one behind a
 * database session, every POST behind a per-session CSRF token (and an Origin check).
 */
import { constantTimeEqual } from '../../domain/constant-time.js';
import { randomBytes } from 'node:crypto';
import cookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { OmiseError } from '../../domain/errors.js';
import { findSession } from '../../store/operators.js';
import { OperatorError, sha256Hex } from '../../usecases/operators.js';
import { isOperatorRole, roleAllows } from '../../domain/operator-roles.js';
import { sendPage } from '../views.js';
import { accountRoutes } from './accounts.js';
import { authRoutes } from './auth.js';
import { operatorRoutes } from './operators.js';
import { chargeRoutes } from './charges.js';
import { moneyRoutes } from './money.js';
import { developerRoutes } from './developers.js';
import { type DashboardState, page } from './context.js';
import { overviewRoutes } from './overview.js';
import { reconciliationRoutes } from './reconciliation.js';
import { cookiePath, originAllowed, securityHeaders, sessionCookie, submittedCsrf } from './security.js';
import { webhookRoutes } from './webhooks.js';
import { isLang, rememberLang, wordsOf } from './i18n.js';
import { safeNext } from './auth.js';

export const dashboardPrefix = '/dashboard';

/**
 * Whether a signed-in operator with `role` may use a route that declared `least`: null (yes),
 * 'refused' (the role is below it, or unknown), 'undeclared' (the route said nothing: fail closed).
 */
export function roleRefusal(least: unknown, role: unknown): null | 'refused' | 'undeclared' {
  if (!isOperatorRole(least)) return 'undeclared';
  return roleAllows(role, least) ? null : 'refused';
}

/** The tab's icon: a baht sign on the brand's green. */
const favicon = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#0b7a53"/><text x="16" y="23" font-family="sans-serif" font-size="20" font-weight="700" text-anchor="middle" fill="#fff">฿</text></svg>';

/** A page outside the signed-in layout; `message` is a catalog key, `detail` text to show under it. */
function errorPage(request: FastifyRequest, reply: FastifyReply, statusCode: number, message: string, detail?: string) {
  const words = wordsOf(request);
  return sendPage(reply, 'dashboard/error', { statusCode, message: words.t(message), detail, nonce: request.dashboard?.nonce ?? '', ...words }, statusCode);
}

/** Where "Back" goes from an error: the dashboard page the request came from, or the overview. */
function backFrom(request: FastifyRequest): string {
  const referer = request.headers.referer;
  if (typeof referer !== 'string') return '/dashboard';
  try {
    const url = new URL(referer);
    return url.host === request.host && /^\/dashboard(\/|$)/.test(url.pathname) ? url.pathname + url.search : '/dashboard';
  } catch {
    return '/dashboard';
  }
}

/**
 * A refused action, shown inside the signed-in layout when there is a session: `message` is a
 * catalog key, `detail` the refusal's own text (an Omise error's message) when there is one.
 */
async function actionErrorPage(request: FastifyRequest, reply: FastifyReply, statusCode: number, message: string, detail?: string, params?: Record<string, string | number>) {
  if (request.dashboard?.session) {
    try {
      const { t } = wordsOf(request);
      return await page(request, reply, 'action-error', { page: '', title: t('error.title') }, { statusCode, message: t(message, params), detail, back: backFrom(request) }, statusCode);
    } catch (error) {
      request.log.error({ err: error }, 'dashboard error page failed');
    }
  }
  return errorPage(request, reply, statusCode, message, detail);
}

async function dashboard(app: FastifyInstance): Promise<void> {
  await app.register(cookie);
  app.decorateRequest('dashboard', null as unknown as DashboardState);

  app.addHook('onRequest', async (request, reply) => {
    const nonce = randomBytes(16).toString('base64');
    request.dashboard = { nonce, session: null, tokenHash: null, startedMs: performance.now() };
    securityHeaders(reply, nonce);
  });

  // How long the server took (session, SQL, rendering), for the browser's dev tools and bench/dashboard.ts.
  app.addHook('onSend', async (request, reply, payload) => {
    const started = request.dashboard?.startedMs;
    if (started !== undefined) reply.header('server-timing', `app;dur=${(performance.now() - started).toFixed(1)}`);
    return payload;
  });

  // Sessions and CSRF: after the body is parsed, before any handler.
  app.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    const { gateway } = app;
    if (request.method === 'POST' && !originAllowed(request, gateway.publicUrl)) {
      return errorPage(request, reply, 403, 'error.cross_site');
    }
    const token = request.cookies[sessionCookie];
    if (token && /^[A-Za-z0-9_-]{20,100}$/.test(token)) {
      const tokenHash = sha256Hex(token);
      const session = await findSession(gateway.store.read, tokenHash, gateway.wall.nowMs());
      if (session) request.dashboard.session = session;
      if (session) request.dashboard.tokenHash = tokenHash;
    }
    if (request.routeOptions.config.dashboardPublic) return;
    const session = request.dashboard.session;
    if (!session) {
      if (request.method === 'GET') {
        const next = encodeURIComponent(request.url);
        return reply.code(303).header('location', `${dashboardPrefix}/signin?next=${next}`).send();
      }
      return errorPage(request, reply, 401, 'error.sign_in_first');
    }
    if (request.method === 'POST' && !constantTimeEqual(submittedCsrf(request), session.csrf_token)) {
      return errorPage(request, reply, 403, 'error.csrf');
    }
    // Roles: every signed-in route says the least role that may use it; one that does not is refused to everyone.
    if (request.is404) return;
    const refusal = roleRefusal(request.routeOptions.config.dashboardRole, session.role);
    if (refusal === 'undeclared') {
      request.log.error({ route: request.routeOptions.url }, 'dashboard route without a declared role');
      return actionErrorPage(request, reply, 403, 'operators.undeclared');
    }
    if (refusal === 'refused') {
      const { t } = wordsOf(request);
      const role = isOperatorRole(session.role) ? t(`operators.role.${session.role}`) : session.role;
      return actionErrorPage(request, reply, 403, 'operators.refused', undefined, { role });
    }
  });

  app.setErrorHandler(async (error: any, request, reply) => {
    if (error instanceof OperatorError) return actionErrorPage(request, reply, error.statusCode, error.key, undefined, error.params);
    if (error instanceof OmiseError) return actionErrorPage(request, reply, error.statusCode, 'error.title', error.message);
    const status = Number(error?.statusCode);
    if (status >= 400 && status < 500) return actionErrorPage(request, reply, 400, 'error.title', String(error?.message ?? ''));
    request.log.error({ err: error }, 'dashboard error');
    return errorPage(request, reply, 500, 'error.server');
  });

  app.setNotFoundHandler((request, reply) => actionErrorPage(request, reply, 404, 'error.not_found_page'));

  app.get('/favicon.svg', { config: { dashboardPublic: true } }, async (_request, reply) =>
    reply.header('content-type', 'image/svg+xml').header('cache-control', 'public, max-age=86400').send(favicon),
  );

  // The language switch: remembered in a cookie, then back to the page it was pressed on.
  app.get('/language', { config: { dashboardPublic: true } }, async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    if (!isLang(query.to)) return actionErrorPage(request, reply, 400, 'error.title', 'to must be en or th');
    rememberLang(reply, query.to, app.gateway.publicUrl.startsWith('https:'));
    return reply.code(303).header('location', safeNext(query.back)).send();
  });

  await app.register(authRoutes);
  await app.register(overviewRoutes);
  await app.register(chargeRoutes);
  await app.register(moneyRoutes);
  await app.register(reconciliationRoutes);
  await app.register(webhookRoutes);
  await app.register(developerRoutes);
  await app.register(accountRoutes);
  await app.register(operatorRoutes);
}

/** Registers the dashboard under /dashboard. */
export async function dashboardPlugin(app: FastifyInstance): Promise<void> {
  await app.register(dashboard, { prefix: dashboardPrefix });
}

export { cookiePath };

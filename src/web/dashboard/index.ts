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
import { sha256Hex } from '../../usecases/operators.js';
import { sendPage } from '../views.js';
import { accountRoutes } from './accounts.js';
import { authRoutes } from './auth.js';
import { chargeRoutes } from './charges.js';
import { developerRoutes } from './developers.js';
import { type DashboardState, page } from './context.js';
import { overviewRoutes } from './overview.js';
import { cookiePath, originAllowed, securityHeaders, sessionCookie, submittedCsrf } from './security.js';
import { webhookRoutes } from './webhooks.js';

export const dashboardPrefix = '/dashboard';

function errorPage(reply: FastifyReply, statusCode: number, message: string, nonce: string) {
  return sendPage(reply, 'dashboard/error', { statusCode, message, nonce }, statusCode);
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

/** A refused action, shown inside the signed-in layout when there is a session. */
async function actionErrorPage(request: FastifyRequest, reply: FastifyReply, statusCode: number, message: string) {
  if (request.dashboard?.session) {
    try {
      return await page(request, reply, 'action-error', { page: '', title: 'Nothing was done' }, { statusCode, message, back: backFrom(request) }, statusCode);
    } catch (error) {
      request.log.error({ err: error }, 'dashboard error page failed');
    }
  }
  return errorPage(reply, statusCode, message, request.dashboard?.nonce ?? '');
}

async function dashboard(app: FastifyInstance): Promise<void> {
  await app.register(cookie);
  app.decorateRequest('dashboard', null as unknown as DashboardState);

  app.addHook('onRequest', async (request, reply) => {
    const nonce = randomBytes(16).toString('base64');
    request.dashboard = { nonce, session: null, tokenHash: null };
    securityHeaders(reply, nonce);
  });

  // Sessions and CSRF: after the body is parsed, before any handler.
  app.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    const { gateway } = app;
    if (request.method === 'POST' && !originAllowed(request, gateway.publicUrl)) {
      return errorPage(reply, 403, 'This request came from another site and was refused.', request.dashboard.nonce);
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
      return errorPage(reply, 401, 'Sign in first.', request.dashboard.nonce);
    }
    if (request.method === 'POST' && !constantTimeEqual(submittedCsrf(request), session.csrf_token)) {
      return errorPage(reply, 403, 'The form was out of date or did not come from this dashboard (CSRF token missing or wrong). Go back, reload and try again.', request.dashboard.nonce);
    }
  });

  app.setErrorHandler(async (error: any, request, reply) => {
    if (error instanceof OmiseError) return actionErrorPage(request, reply, error.statusCode, error.message);
    const status = Number(error?.statusCode);
    if (status >= 400 && status < 500) return actionErrorPage(request, reply, 400, `Bad request: ${String(error?.message ?? '')}`);
    request.log.error({ err: error }, 'dashboard error');
    return errorPage(reply, 500, 'Something went wrong on our side; nothing was changed by this page.', request.dashboard?.nonce ?? '');
  });

  app.setNotFoundHandler((request, reply) => actionErrorPage(request, reply, 404, 'There is no such page.'));

  await app.register(authRoutes);
  await app.register(overviewRoutes);
  await app.register(chargeRoutes);
  await app.register(webhookRoutes);
  await app.register(developerRoutes);
  await app.register(accountRoutes);
}

/** Registers the dashboard under /dashboard. */
export async function dashboardPlugin(app: FastifyInstance): Promise<void> {
  await app.register(dashboard, { prefix: dashboardPrefix });
}

export { cookiePath };

/** Signing in and out, the first-start setup page, and the account and mode switches. */
import { constantTimeEqual } from '../../domain/constant-time.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { OmiseError } from '../../domain/errors.js';
import { findAccount } from '../../store/accounts.js';
import { countOperators, findOperatorByEmail, updateSessionView } from '../../store/operators.js';
import {
  checkOperatorInput,
  createFirstOperator,
  endSession,
  hashPassword,
  normalizeEmail,
  randomToken,
  reserveSignInAttempt,
  setupTokenUsable,
  startSession,
  unknownOperatorHash,
  verifyPassword,
} from '../../usecases/operators.js';
import { sendPage } from '../views.js';
import { wordsOf } from './i18n.js';
import { field, operatorOf, redirect, sessionOf } from './context.js';
import { cookieOptions, formCookie, sessionCookie } from './security.js';
import { operatorSessionLifetimeMs } from '../../domain/limits.js';

const publicRoute = { config: { dashboardPublic: true } };

/** Only a path inside the dashboard may be the place to go after signing in. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/dashboard(\/[A-Za-z0-9_\-/?=&%.]*)?$/.test(next) && !next.startsWith('//') ? next : '/dashboard';
}

export async function authRoutes(app: FastifyInstance): Promise<void> {
  const { gateway } = app;

  /** A fresh pre-session form token, set as a cookie and put in the form (double submit). */
  function formToken(reply: FastifyReply): string {
    const token = randomToken(16);
    reply.setCookie(formCookie, token, cookieOptions(gateway.publicUrl, 3600));
    return token;
  }
  function formTokenValid(request: FastifyRequest): boolean {
    const cookieValue = request.cookies[formCookie] ?? '';
    const sent = field(request, '_form') ?? '';
    return cookieValue !== '' && constantTimeEqual(cookieValue, sent);
  }

  const signInPage = (request: FastifyRequest, reply: FastifyReply, data: { error?: string; email?: string; next?: string }, status = 200) =>
    sendPage(reply, 'dashboard/signin', { ...wordsOf(request), here: request.url, nonce: request.dashboard.nonce, form: formToken(reply), error: data.error, email: data.email ?? '', next: safeNext(data.next) }, status);

  app.get('/signin', publicRoute, async (request, reply) => {
    if (request.dashboard.session) return redirect(reply, '/dashboard');
    if ((await countOperators(gateway.store.read)) === 0) {
      return sendPage(reply, 'dashboard/setup', { ...wordsOf(request), here: request.url, nonce: request.dashboard.nonce, form: formToken(reply), token: '', error: 'No operator exists yet. Open the setup link printed in the server log, or run `satang operators create --email you@example.com`.', email: '' });
    }
    return signInPage(request, reply, { next: (request.query as Record<string, unknown>).next as string });
  });

  app.post('/signin', publicRoute, async (request, reply) => {
    const email = normalizeEmail(field(request, 'email') ?? '');
    const password = field(request, 'password') ?? '';
    const next = field(request, 'next');
    if (!formTokenValid(request)) return signInPage(request, reply, { error: 'The form expired; please sign in again.', email, next }, 403);
    const address = request.ip;
    const nowMs = gateway.wall.nowMs();
    if (!(await gateway.changes.system((tx) => reserveSignInAttempt(tx, email, address, nowMs)))) {
      return signInPage(request, reply, { error: 'Too many failed sign-ins. Wait 15 minutes and try again.', email, next }, 429);
    }
    const operator = email === '' ? undefined : await findOperatorByEmail(gateway.store.read, email);
    // An unknown email costs the same scrypt as a wrong password.
    const ok = await verifyPassword(password, operator?.password_hash ?? (await unknownOperatorHash()));
    if (!operator || !ok) {
      // The attempt was counted when it was reserved.
      return signInPage(request, reply, { error: 'Invalid email or password.', email, next }, 401);
    }
    const session = await gateway.changes.system((tx) => startSession(tx, operator, nowMs, { email, address }));
    reply.setCookie(sessionCookie, session.token, cookieOptions(gateway.publicUrl, operatorSessionLifetimeMs / 1000));
    reply.clearCookie(formCookie, cookieOptions(gateway.publicUrl));
    return redirect(reply, safeNext(next));
  });

  app.post('/signout', async (request, reply) => {
    const session = sessionOf(request);
    await gateway.changes.system(
      async (tx) => {
        await endSession(tx, request.dashboard.tokenHash!);
      },
      { actor: operatorOf(request), action: 'operator.sign_out', target: session.operator_id, details: {} },
    );
    reply.clearCookie(sessionCookie, cookieOptions(gateway.publicUrl));
    return redirect(reply, '/dashboard/signin');
  });

  const setupPage = (request: FastifyRequest, reply: FastifyReply, data: { token: string; error?: string; email?: string }, status = 200) =>
    sendPage(reply, 'dashboard/setup', { ...wordsOf(request), here: request.url, nonce: request.dashboard.nonce, form: formToken(reply), token: data.token, error: data.error, email: data.email ?? '' }, status);

  app.get('/setup', publicRoute, async (request, reply) => {
    const token = String((request.query as Record<string, unknown>).token ?? '');
    if ((await countOperators(gateway.store.read)) > 0) return redirect(reply, '/dashboard/signin');
    if (!/^[A-Za-z0-9_-]{10,100}$/.test(token) || !(await setupTokenUsable(gateway.store.read, token, gateway.wall.nowMs()))) {
      return setupPage(request, reply, { token: '', error: 'This setup link is not valid: it was used, replaced by a newer one (each server start prints a new link), or is more than an hour old. Use the latest link in the server log, or run `satang operators create`.' }, 403);
    }
    return setupPage(request, reply, { token });
  });

  app.post('/setup', publicRoute, async (request, reply) => {
    const token = field(request, 'token') ?? '';
    const email = normalizeEmail(field(request, 'email') ?? '');
    const password = field(request, 'password') ?? '';
    if (!formTokenValid(request)) return setupPage(request, reply, { token, email, error: 'The form expired; reload the setup link.' }, 403);
    try {
      checkOperatorInput(email, password);
      if (password !== (field(request, 'password_again') ?? '')) throw new OmiseError('bad_request', 'the two passwords differ');
    } catch (error) {
      if (error instanceof OmiseError) return setupPage(request, reply, { token, email, error: error.message }, 400);
      throw error;
    }
    const passwordHash = await hashPassword(password);
    const nowMs = gateway.wall.nowMs();
    try {
      const session = await gateway.changes.system(async (tx) => startSession(tx, await createFirstOperator(tx, token, { email, passwordHash }, nowMs), nowMs));
      reply.setCookie(sessionCookie, session.token, cookieOptions(gateway.publicUrl, operatorSessionLifetimeMs / 1000));
      reply.clearCookie(formCookie, cookieOptions(gateway.publicUrl));
      return redirect(reply, '/dashboard');
    } catch (error) {
      if (error instanceof OmiseError) return setupPage(request, reply, { token: '', email, error: error.message }, 403);
      throw error;
    }
  });

  app.post('/session/account', async (request, reply) => {
    const accountId = field(request, 'account') ?? '';
    if (!(await findAccount(gateway.store.read, accountId))) throw new OmiseError('not_found', `account ${accountId} was not found`);
    await gateway.changes.system(
      async (tx) => {
        await updateSessionView(tx, request.dashboard.tokenHash!, { account_id: accountId });
      },
      { actor: operatorOf(request), action: 'session.switch_account', target: accountId, details: {} },
    );
    return redirect(reply, safeNext(field(request, 'back')));
  });

  app.post('/session/mode', async (request, reply) => {
    const mode = field(request, 'mode');
    if (mode !== 'test' && mode !== 'live') throw new OmiseError('bad_request', 'mode must be test or live');
    await gateway.changes.system(
      async (tx) => {
        await updateSessionView(tx, request.dashboard.tokenHash!, { livemode: mode === 'live' ? 1 : 0 });
      },
      { actor: operatorOf(request), action: 'session.switch_mode', target: mode, details: {} },
    );
    return redirect(reply, safeNext(field(request, 'back')));
  });
}

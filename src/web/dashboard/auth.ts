/**
 * Signing in (password, then a TOTP or recovery code when two-factor is on) and out, the first-start
 * setup page, one-time invite and password-reset links, and the account and mode switches.
 */
import { constantTimeEqual } from '../../domain/constant-time.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { OmiseError } from '../../domain/errors.js';
import { findAccount } from '../../store/accounts.js';
import { countOperators, findOperatorByEmail, updateSessionView } from '../../store/operators.js';
import {
  answerChallenge,
  checkOperatorInput,
  checkPassword,
  createFirstOperator,
  endSession,
  findLiveChallenge,
  hashPassword,
  normalizeEmail,
  OperatorError,
  randomToken,
  reserveSignInAttempt,
  setupTokenUsable,
  startChallenge,
  startSession,
  unknownOperatorHash,
  usableLink,
  usePasswordLink,
  verifyPassword,
} from '../../usecases/operators.js';
import { findOperatorById } from '../../store/operators.js';
import { sendPage } from '../views.js';
import { wordsOf } from './i18n.js';
import { field, operatorOf, redirect, sessionOf } from './context.js';
import { cookieOptions, formCookie, sessionCookie } from './security.js';
import { operatorPasswordCharsMin, operatorSessionLifetimeMs, signInChallengeLifetimeMs } from '../../domain/limits.js';
import { isOperatorRole } from '../../domain/operator-roles.js';

const publicRoute = { config: { dashboardPublic: true } };
const anyRole = { config: { dashboardRole: 'viewer' as const } };
/** The cookie of a sign-in waiting for its second factor. */
export const challengeCookie = 'satang_2fa';
/** The header that tells how long the server held a sign-in back (the throttle's delay), for people and tests. */
export const signInDelayHeader = 'x-satang-signin-delay-ms';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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

  type SignInData = { error?: string; errorParams?: Record<string, string | number>; email?: string; next?: string; done?: string };
  const signInPage = (request: FastifyRequest, reply: FastifyReply, data: SignInData, status = 200) => {
    const words = wordsOf(request);
    return sendPage(
      reply,
      'dashboard/signin',
      {
        ...words,
        here: request.url,
        nonce: request.dashboard.nonce,
        form: formToken(reply),
        error: data.error ? words.t(data.error, data.errorParams) : undefined,
        done: data.done ? words.t(data.done) : undefined,
        email: data.email ?? '',
        next: safeNext(data.next),
      },
      status,
    );
  };

  app.get('/signin', publicRoute, async (request, reply) => {
    if (request.dashboard.session) return redirect(reply, '/dashboard');
    if ((await countOperators(gateway.store.read)) === 0) {
      return sendPage(reply, 'dashboard/setup', { ...wordsOf(request), here: request.url, nonce: request.dashboard.nonce, form: formToken(reply), token: '', error: wordsOf(request).t('signin.error.no_operator'), email: '', passwordMin: operatorPasswordCharsMin });
    }
    const query = request.query as Record<string, unknown>;
    const done = query.done === 'password_set' || query.done === 'invite_accepted' ? `signin.done.${query.done}` : undefined;
    return signInPage(request, reply, { next: query.next as string, done });
  });

  app.post('/signin', publicRoute, async (request, reply) => {
    const email = normalizeEmail(field(request, 'email') ?? '').slice(0, 260);
    const password = field(request, 'password') ?? '';
    const next = field(request, 'next');
    if (!formTokenValid(request)) return signInPage(request, reply, { error: 'signin.error.form_expired', email, next }, 403);
    const address = request.ip;
    const nowMs = gateway.wall.nowMs();
    const decision = await gateway.changes.system((tx) => reserveSignInAttempt(tx, email, address, nowMs));
    if (!decision.allowed) return signInPage(request, reply, { error: 'signin.error.throttled', email, next }, 429);
    // Failures for this email from elsewhere slow an address its operator never signed in from; they never refuse it.
    reply.header(signInDelayHeader, String(decision.delayMs));
    if (decision.delayMs > 0) await sleep(decision.delayMs);
    const operator = email === '' ? undefined : await findOperatorByEmail(gateway.store.read, email);
    // An unknown email (or an invited operator without a password) costs the same scrypt as a wrong password.
    const usable = operator && operator.password_hash !== '' && operator.disabled_at === null ? operator : undefined;
    const ok = await verifyPassword(password.slice(0, 1000), usable?.password_hash ?? (await unknownOperatorHash()));
    if (!usable || !ok) {
      // The attempt was counted when it was reserved.
      return signInPage(request, reply, { error: 'signin.error.invalid', email, next }, 401);
    }
    if (usable.totp_secret) {
      const token = await gateway.changes.system((tx) => startChallenge(tx, usable, address, safeNext(next), nowMs));
      reply.setCookie(challengeCookie, token, cookieOptions(gateway.publicUrl, signInChallengeLifetimeMs / 1000));
      reply.clearCookie(formCookie, cookieOptions(gateway.publicUrl));
      return redirect(reply, '/dashboard/signin/code');
    }
    const session = await gateway.changes.system((tx) => startSession(tx, usable, nowMs, { email, address }));
    reply.setCookie(sessionCookie, session.token, cookieOptions(gateway.publicUrl, operatorSessionLifetimeMs / 1000));
    reply.clearCookie(formCookie, cookieOptions(gateway.publicUrl));
    return redirect(reply, safeNext(next));
  });

  // The second step: a TOTP code or a recovery code.
  const codePage = async (request: FastifyRequest, reply: FastifyReply, data: { error?: string; errorParams?: Record<string, string | number>; gone?: boolean }, status = 200) => {
    const words = wordsOf(request);
    const challenge = data.gone ? undefined : await findLiveChallenge(gateway.store.read, request.cookies[challengeCookie] ?? '', gateway.wall.nowMs());
    const operator = challenge ? await findOperatorById(gateway.store.read, challenge.operator_id) : undefined;
    return sendPage(
      reply,
      'dashboard/signin-code',
      {
        ...words,
        here: request.url,
        nonce: request.dashboard.nonce,
        form: formToken(reply),
        email: operator?.email ?? '',
        gone: !operator,
        error: data.error ? words.t(data.error, data.errorParams) : undefined,
      },
      operator ? status : data.gone ? status : 401,
    );
  };

  app.get('/signin/code', publicRoute, async (request, reply) => codePage(request, reply, {}));

  app.post('/signin/code', publicRoute, async (request, reply) => {
    if (!formTokenValid(request)) return codePage(request, reply, { error: 'signin.error.form_expired' }, 403);
    const token = request.cookies[challengeCookie] ?? '';
    const code = (field(request, 'code') ?? '').slice(0, 100);
    const nowMs = gateway.wall.nowMs();
    const outcome = await gateway.changes.system((tx) => answerChallenge(tx, token, code, request.ip, nowMs));
    if (outcome.kind === 'gone') {
      reply.clearCookie(challengeCookie, cookieOptions(gateway.publicUrl));
      return codePage(request, reply, { error: 'signin.code.gone', gone: true }, 401);
    }
    if (outcome.kind === 'wrong') return codePage(request, reply, { error: 'signin.code.wrong', errorParams: { n: outcome.left } }, 401);
    reply.setCookie(sessionCookie, outcome.session.token, cookieOptions(gateway.publicUrl, operatorSessionLifetimeMs / 1000));
    reply.clearCookie(challengeCookie, cookieOptions(gateway.publicUrl));
    reply.clearCookie(formCookie, cookieOptions(gateway.publicUrl));
    return redirect(reply, safeNext(outcome.next));
  });

  // One-time links: an invite (the first password) or a password reset, made by an owner.
  const linkPage = async (request: FastifyRequest, reply: FastifyReply, token: string, error?: { key: string; params?: Record<string, string | number> }, status = 200) => {
    const words = wordsOf(request);
    const found = await usableLink(gateway.store.read, token, gateway.wall.nowMs());
    const role = found && isOperatorRole(found.operator.role) ? words.t(`operators.role.${found.operator.role}`) : '';
    return sendPage(
      reply,
      'dashboard/password-link',
      {
        ...words,
        // The language switch comes back to this link (same origin; the token is already in this page's URL).
        here: found ? `/dashboard/password?token=${token}` : '/dashboard/password',
        nonce: request.dashboard.nonce,
        form: formToken(reply),
        token: found ? token : '',
        purpose: found?.link.purpose ?? 'reset',
        email: found?.operator.email ?? '',
        role,
        passwordMin: operatorPasswordCharsMin,
        error: found ? (error ? words.t(error.key, error.params) : undefined) : words.t('signin.link.invalid'),
      },
      found ? status : 403,
    );
  };

  app.get('/password', publicRoute, async (request, reply) => {
    const token = String((request.query as Record<string, unknown>).token ?? '').slice(0, 200);
    return linkPage(request, reply, token);
  });

  app.post('/password', publicRoute, async (request, reply) => {
    const token = (field(request, 'token') ?? '').slice(0, 200);
    const password = field(request, 'password') ?? '';
    if (!formTokenValid(request)) return linkPage(request, reply, token, { key: 'signin.error.form_expired' }, 403);
    try {
      checkPassword(password);
      if (password !== (field(request, 'password_again') ?? '')) throw new OperatorError('bad_request', 'setup.error.passwords_differ', 'the two passwords differ');
    } catch (error) {
      if (error instanceof OperatorError) return linkPage(request, reply, token, { key: error.key, params: error.params }, 400);
      throw error;
    }
    const passwordHash = await hashPassword(password);
    const nowMs = gateway.wall.nowMs();
    try {
      const used = await gateway.changes.system((tx) => usePasswordLink(tx, token, passwordHash, nowMs));
      reply.clearCookie(formCookie, cookieOptions(gateway.publicUrl));
      return redirect(reply, `/dashboard/signin?done=${used.purpose === 'invite' ? 'invite_accepted' : 'password_set'}`);
    } catch (error) {
      if (error instanceof OperatorError) return linkPage(request, reply, '', { key: error.key }, 403);
      throw error;
    }
  });

  app.post('/signout', anyRole, async (request, reply) => {
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

  const setupPage = (request: FastifyRequest, reply: FastifyReply, data: { token: string; error?: string; errorParams?: Record<string, string | number>; email?: string }, status = 200) => {
    const words = wordsOf(request);
    return sendPage(
      reply,
      'dashboard/setup',
      {
        ...words,
        here: request.url.split('?')[0],
        nonce: request.dashboard.nonce,
        form: formToken(reply),
        token: data.token,
        error: data.error ? words.t(data.error, data.errorParams) : undefined,
        email: data.email ?? '',
        passwordMin: operatorPasswordCharsMin,
      },
      status,
    );
  };

  app.get('/setup', publicRoute, async (request, reply) => {
    const token = String((request.query as Record<string, unknown>).token ?? '');
    if ((await countOperators(gateway.store.read)) > 0) return redirect(reply, '/dashboard/signin');
    if (!/^[A-Za-z0-9_-]{10,100}$/.test(token) || !(await setupTokenUsable(gateway.store.read, token, gateway.wall.nowMs()))) {
      return setupPage(request, reply, { token: '', error: 'setup.error.link' }, 403);
    }
    return setupPage(request, reply, { token });
  });

  app.post('/setup', publicRoute, async (request, reply) => {
    const token = field(request, 'token') ?? '';
    const email = normalizeEmail(field(request, 'email') ?? '');
    const password = field(request, 'password') ?? '';
    if (!formTokenValid(request)) return setupPage(request, reply, { token, email, error: 'setup.error.form_expired' }, 403);
    try {
      checkOperatorInput(email, password);
      if (password !== (field(request, 'password_again') ?? '')) throw new OperatorError('bad_request', 'setup.error.passwords_differ', 'the two passwords differ');
    } catch (error) {
      if (error instanceof OperatorError) return setupPage(request, reply, { token, email, error: error.key, errorParams: error.params }, 400);
      throw error;
    }
    const passwordHash = await hashPassword(password);
    const nowMs = gateway.wall.nowMs();
    try {
      const session = await gateway.changes.system(async (tx) => startSession(tx, await createFirstOperator(tx, token, { email, passwordHash }, nowMs), nowMs, { email, address: request.ip }));
      reply.setCookie(sessionCookie, session.token, cookieOptions(gateway.publicUrl, operatorSessionLifetimeMs / 1000));
      reply.clearCookie(formCookie, cookieOptions(gateway.publicUrl));
      return redirect(reply, '/dashboard');
    } catch (error) {
      if (error instanceof OmiseError) return setupPage(request, reply, { token: '', email, error: 'setup.error.link' }, 403);
      throw error;
    }
  });

  app.post('/session/account', anyRole, async (request, reply) => {
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

  app.post('/session/mode', anyRole, async (request, reply) => {
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

/**
 * The operators page (owners): who can sign in and with which role, invites and password resets by
 * one-time link, disabling and enabling, role changes. And the security page (everyone, for
 * themselves): two-factor sign-in with an authenticator app, and its recovery codes.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Tx } from '../../store/store.js';
import { operatorRoles } from '../../domain/operator-roles.js';
import { renderQrPng } from '../../qr/png.js';
import { countUnusedRecoveryCodes, findOperatorById, listOperators } from '../../store/operators.js';
import {
  changeRole,
  confirmTotp,
  disableOperator,
  disableTotp,
  enableOperator,
  inviteOperator,
  makeResetLink,
  startTotp,
  totpUri,
} from '../../usecases/operators.js';
import { field, leaveFlash, operatorOf, page, redirect, sessionOf, takeFlash } from './context.js';

type IdParams = { Params: { id: string } };
const owner = { config: { dashboardRole: 'owner' as const } };
const anyone = { config: { dashboardRole: 'viewer' as const } };

interface LinkFlash {
  purpose: string;
  email: string;
  url: string;
  expiresAt: number;
}

export async function operatorRoutes(app: FastifyInstance): Promise<void> {
  const { gateway } = app;
  const linkUrl = (token: string) => `${gateway.publicUrl.replace(/\/$/, '')}/dashboard/password?token=${token}`;
  /** An operator's change that belongs to no account: one transaction with its audit line. */
  const change = <T>(request: FastifyRequest, action: string, target: string | null, details: Record<string, unknown>, unit: (tx: Tx) => Promise<T>) =>
    gateway.changes.system(unit, { actor: operatorOf(request), action, target, details });

  app.get('/operators', owner, async (request, reply) => {
    const session = sessionOf(request);
    const link = await takeFlash<LinkFlash>(request, 'operators');
    const operators = (await listOperators(gateway.store.read)).map((o) => ({
      id: o.id,
      email: o.email,
      role: o.role,
      status: o.disabled_at !== null ? 'disabled' : o.password_hash === '' ? 'invited' : 'active',
      totp: o.totp_secret !== null,
      lastSignInAt: o.last_sign_in_at,
      self: o.id === session.operator_id,
    }));
    return page(request, reply, 'operators', { page: 'operators', title: 'Operators' }, { operators, roles: operatorRoles, link });
  });

  app.post('/operators/invite', owner, async (request, reply) => {
    const email = (field(request, 'email') ?? '').trim().toLowerCase().slice(0, 260);
    const role = field(request, 'role') ?? '';
    const nowMs = gateway.wall.nowMs();
    await change(request, 'operator.invite', email, { role }, async (tx) => {
      const issued = await inviteOperator(tx, operatorOf(request), { email, role }, nowMs);
      await leaveFlash(tx, request, 'operators', { purpose: 'invite', email: issued.operator.email, url: linkUrl(issued.token), expiresAt: issued.expiresAt } satisfies LinkFlash);
    });
    return redirect(reply, '/dashboard/operators');
  });

  app.post<IdParams>('/operators/:id/reset-link', owner, async (request, reply) => {
    const id = request.params.id;
    const nowMs = gateway.wall.nowMs();
    await change(request, 'operator.reset_link', id, {}, async (tx) => {
      const issued = await makeResetLink(tx, operatorOf(request), id, nowMs);
      const purpose = issued.operator.password_hash === '' ? 'invite' : 'reset';
      await leaveFlash(tx, request, 'operators', { purpose, email: issued.operator.email, url: linkUrl(issued.token), expiresAt: issued.expiresAt } satisfies LinkFlash);
    });
    return redirect(reply, '/dashboard/operators');
  });

  app.post<IdParams>('/operators/:id/role', owner, async (request, reply) => {
    const id = request.params.id;
    const role = field(request, 'role') ?? '';
    await change(request, 'operator.change_role', id, { role }, (tx) => changeRole(tx, id, role));
    return redirect(reply, '/dashboard/operators?notice=operator_role_changed');
  });

  app.post<IdParams>('/operators/:id/disable', owner, async (request, reply) => {
    const id = request.params.id;
    const nowMs = gateway.wall.nowMs();
    await change(request, 'operator.disable', id, {}, (tx) => disableOperator(tx, operatorOf(request), id, nowMs));
    return redirect(reply, '/dashboard/operators?notice=operator_disabled');
  });

  app.post<IdParams>('/operators/:id/enable', owner, async (request, reply) => {
    const id = request.params.id;
    await change(request, 'operator.enable', id, {}, (tx) => enableOperator(tx, id));
    return redirect(reply, '/dashboard/operators?notice=operator_enabled');
  });

  // ------------------------------------------------------------------ security: two-factor sign-in

  app.get('/security', anyone, async (request, reply) => {
    const session = sessionOf(request);
    const operator = await findOperatorById(gateway.store.read, session.operator_id);
    if (!operator) throw new Error('signed in as an operator that does not exist');
    const codes = (await takeFlash<{ codes: string[] }>(request, 'security'))?.codes ?? null;
    let pending: { secret: string; uri: string; qr: string } | null = null;
    if (!operator.totp_secret && operator.totp_pending_secret) {
      const uri = totpUri(operator.totp_pending_secret, operator.email);
      pending = { secret: operator.totp_pending_secret, uri, qr: `data:image/png;base64,${renderQrPng(uri).toString('base64')}` };
    }
    return page(request, reply, 'security', { page: 'security', title: 'Security' }, {
      totpOn: operator.totp_secret !== null,
      totpSince: operator.totp_enabled_at,
      recoveryLeft: operator.totp_secret ? await countUnusedRecoveryCodes(gateway.store.read, operator.id) : 0,
      pending,
      codes,
    });
  });

  app.post('/security/totp/start', anyone, async (request, reply) => {
    const session = sessionOf(request);
    // The secret is never logged nor put in the audit line.
    await gateway.changes.system((tx) => startTotp(tx, session.operator_id));
    return redirect(reply, '/dashboard/security');
  });

  app.post('/security/totp/confirm', anyone, async (request, reply) => {
    const session = sessionOf(request);
    const code = (field(request, 'code') ?? '').slice(0, 40);
    const nowMs = gateway.wall.nowMs();
    await change(request, 'operator.totp_on', session.operator_id, {}, async (tx) => {
      const codes = await confirmTotp(tx, session.operator_id, code, nowMs);
      await leaveFlash(tx, request, 'security', { codes });
    });
    return redirect(reply, '/dashboard/security?notice=totp_on');
  });

  app.post('/security/totp/disable', anyone, async (request, reply) => {
    const session = sessionOf(request);
    const code = (field(request, 'code') ?? '').slice(0, 40);
    const nowMs = gateway.wall.nowMs();
    await change(request, 'operator.totp_off', session.operator_id, {}, (tx) => disableTotp(tx, session.operator_id, code, nowMs));
    return redirect(reply, '/dashboard/security?notice=totp_off');
  });
}

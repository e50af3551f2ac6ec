/** Refunds and voids of a charge (omise-api.md §6, DECISIONS §5). */
import type { FastifyInstance } from 'fastify';
import { OmiseError, notFound } from '../../domain/errors.js';
import { metadataBytesMax } from '../../domain/limits.js';
import { renderList, renderRefund } from '../../render/omise-json.js';
import { findCharge } from '../../store/charges.js';
import { findRefund, listRefunds } from '../../store/refunds.js';
import { createRefund, type RefundInput } from '../../usecases/refunds.js';
import { integerParam, isGiven, isPlainObject, type Params, parseListWindow } from '../params.js';
import { callerOf, readContext, runChange } from '../requests.js';

type IdParams = { Params: { id: string } };

function parseRefundParams(params: Params): RefundInput {
  const amount = integerParam(params.amount);
  if (amount.kind === 'missing') throw new OmiseError('invalid_amount', 'amount is required');
  if (amount.kind === 'invalid') throw new OmiseError('invalid_amount', 'amount must be an integer');
  if (amount.value <= 0) throw new OmiseError('invalid_amount', 'amount must be greater than 0');
  let voidRequested = false;
  if (isGiven(params.void)) {
    if (params.void === true || params.void === 'true') voidRequested = true;
    else if (params.void !== false && params.void !== 'false') throw new OmiseError('bad_request', 'void must be true or false');
  }
  let metadata: Record<string, unknown> = {};
  if (isGiven(params.metadata)) {
    if (!isPlainObject(params.metadata)) throw new OmiseError('bad_request', 'metadata must be an object');
    if (Buffer.byteLength(JSON.stringify(params.metadata)) > metadataBytesMax) throw new OmiseError('bad_request', `metadata must be at most ${metadataBytesMax} bytes`);
    metadata = params.metadata;
  }
  return { amount: amount.value, voidRequested, metadata };
}

export async function refundRoutes(app: FastifyInstance): Promise<void> {
  const { gateway } = app;

  app.post<IdParams>('/charges/:id/refunds', async (request, reply) => {
    const caller = await callerOf(request, 'secret');
    // An unknown charge is 404 before any rule about the amount (DECISIONS §9).
    if (!(await findCharge(gateway.store.read, { accountId: caller.accountId, livemode: caller.livemode }, request.params.id))) throw notFound('charge', request.params.id);
    const input = parseRefundParams(request.omiseParams);
    return runChange(request, reply, caller, async (tx, ctx) => renderRefund(await createRefund(tx, ctx, request.params.id, input)));
  });

  app.get<IdParams>('/charges/:id/refunds', async (request) => {
    const { ctx } = await readContext(request, 'secret');
    if (!(await findCharge(gateway.store.read, ctx.scope, request.params.id))) throw notFound('charge', request.params.id);
    const window = parseListWindow(request.omiseParams, ctx.nowMs);
    const page = await listRefunds(gateway.store.read, ctx.scope, window, request.params.id);
    return renderList(page.rows.map(renderRefund), { location: `/charges/${request.params.id}/refunds`, window, total: page.total });
  });

  app.get<{ Params: { id: string; refund: string } }>('/charges/:id/refunds/:refund', async (request) => {
    const { ctx } = await readContext(request, 'secret');
    const refund = await findRefund(gateway.store.read, ctx.scope, request.params.refund);
    if (!refund || refund.charge_id !== request.params.id) throw notFound('refund', request.params.refund);
    return renderRefund(refund);
  });

  app.get('/refunds', async (request) => {
    const { ctx } = await readContext(request, 'secret');
    const window = parseListWindow(request.omiseParams, ctx.nowMs);
    const page = await listRefunds(gateway.store.read, ctx.scope, window);
    return renderList(page.rows.map(renderRefund), { location: '/refunds', window, total: page.total });
  });
}

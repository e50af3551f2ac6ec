/** Ending a charge by hand: mark_as_paid / mark_as_failed (test mode) and expire (any mode). */
import type { FastifyInstance } from 'fastify';
import type { CompletionRequest } from '../../domain/lifecycle.js';
import { completeCharge, expireCharge } from '../../usecases/lifecycle.js';
import { isGiven } from '../params.js';
import { render } from './charges.js';

type IdParams = { Params: { id: string } };

export async function lifecycleRoutes(app: FastifyInstance): Promise<void> {
  const { satang } = app;

  app.post<IdParams>('/charges/:id/mark_as_paid', async (request, reply) => {
    const { ctx } = await satang.authenticate(request, 'secret');
    const given = request.omiseParams.funding_source;
    const completion: CompletionRequest = { outcome: 'successful', fundingSource: isGiven(given) ? given : undefined };
    return satang.mutate(request, reply, ctx, async (tx) => render(await completeCharge(tx, ctx, request.params.id, completion, 'test tools'), ctx));
  });

  app.post<IdParams>('/charges/:id/mark_as_failed', async (request, reply) => {
    const { ctx } = await satang.authenticate(request, 'secret');
    return satang.mutate(request, reply, ctx, async (tx) => render(await completeCharge(tx, ctx, request.params.id, { outcome: 'failed' }, 'test tools'), ctx));
  });

  app.post<IdParams>('/charges/:id/expire', async (request, reply) => {
    const { ctx } = await satang.authenticate(request, 'secret');
    return satang.mutate(request, reply, ctx, async (tx) => render(await expireCharge(tx, ctx, request.params.id), ctx));
  });
}

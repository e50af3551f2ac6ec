/** Ending a charge by hand: mark_as_paid / mark_as_failed (test mode) and expire (any mode). */
import type { FastifyInstance } from 'fastify';
import type { CompletionRequest } from '../../domain/lifecycle.js';
import { completeCharge, expireCharge } from '../../usecases/lifecycle.js';
import { isGiven } from '../params.js';
import { render } from './charges.js';
import { callerOf, runChange } from '../requests.js';

type IdParams = { Params: { id: string } };

export async function lifecycleRoutes(app: FastifyInstance): Promise<void> {
  app.post<IdParams>('/charges/:id/mark_as_paid', async (request, reply) => {
    const caller = await callerOf(request, 'secret');
    const given = request.omiseParams.funding_source;
    const completion: CompletionRequest = { outcome: 'successful', fundingSource: isGiven(given) ? given : undefined };
    return runChange(request, reply, caller, async (tx, ctx) => render(await completeCharge(tx, ctx, request.params.id, completion, 'test tools'), ctx));
  });

  app.post<IdParams>('/charges/:id/mark_as_failed', async (request, reply) => {
    const caller = await callerOf(request, 'secret');
    return runChange(request, reply, caller, async (tx, ctx) => render(await completeCharge(tx, ctx, request.params.id, { outcome: 'failed' }, 'test tools'), ctx));
  });

  app.post<IdParams>('/charges/:id/expire', async (request, reply) => {
    const caller = await callerOf(request, 'secret');
    return runChange(request, reply, caller, async (tx, ctx) => render(await expireCharge(tx, ctx, request.params.id), ctx));
  });
}

/** Ending a charge by hand: mark_as_paid / mark_as_failed (test mode) and expire (any mode). */
import type { FastifyInstance } from 'fastify';
import { OmiseError } from '../../domain/errors.js';
import { type Completion, fundingSourceDefault, fundingSources, isFundingSource } from '../../domain/lifecycle.js';
import { completeCharge, expireCharge } from '../../usecases/lifecycle.js';
import { isGiven } from '../params.js';
import { loadChargeWithSource, render } from './charges.js';

type IdParams = { Params: { id: string } };

export function testModeOnly(livemode: number): void {
  if (livemode === 1) throw new OmiseError('not_authorized', 'only available in test mode');
}

export async function lifecycleRoutes(app: FastifyInstance): Promise<void> {
  const { satang } = app;

  app.post<IdParams>('/charges/:id/mark_as_paid', async (request, reply) => {
    const { ctx } = await satang.authenticate(request, 'secret');
    await loadChargeWithSource(satang.store.read, ctx, request.params.id);
    testModeOnly(ctx.scope.livemode);
    const given = request.params_.funding_source;
    if (isGiven(given) && !isFundingSource(given)) {
      throw new OmiseError('bad_request', `funding_source must be one of ${fundingSources.join(', ')}`);
    }
    const completion: Completion = { outcome: 'successful', fundingSource: isFundingSource(given) ? given : fundingSourceDefault };
    return satang.mutate(request, reply, ctx, async (tx) => render(await completeCharge(tx, ctx, request.params.id, completion), ctx));
  });

  app.post<IdParams>('/charges/:id/mark_as_failed', async (request, reply) => {
    const { ctx } = await satang.authenticate(request, 'secret');
    await loadChargeWithSource(satang.store.read, ctx, request.params.id);
    testModeOnly(ctx.scope.livemode);
    return satang.mutate(request, reply, ctx, async (tx) => render(await completeCharge(tx, ctx, request.params.id, { outcome: 'failed' }), ctx));
  });

  app.post<IdParams>('/charges/:id/expire', async (request, reply) => {
    const { ctx } = await satang.authenticate(request, 'secret');
    return satang.mutate(request, reply, ctx, async (tx) => render(await expireCharge(tx, ctx, request.params.id), ctx));
  });
}

/** GET /search: charges or refunds by query and filters (DECISIONS §10; rules in domain/search.ts). */
import type { FastifyInstance } from 'fastify';
import { planSearch } from '../../domain/search.js';
import { renderRefund, renderSearch } from '../../render/omise-json.js';
import { searchCharges, searchRefunds } from '../../store/search.js';
import { readContext } from '../requests.js';
import { renderChargeRows } from './charges.js';

export async function searchRoutes(app: FastifyInstance): Promise<void> {
  const { gateway } = app;

  app.get('/search', async (request) => {
    const { ctx } = await readContext(request, 'secret');
    const plan = planSearch(request.omiseParams);
    const db = gateway.store.read;
    if (plan.scope === 'charge') {
      const page = await searchCharges(db, ctx.scope, plan);
      return renderSearch(plan, page.total, await renderChargeRows(db, page.rows, ctx));
    }
    const page = await searchRefunds(db, ctx.scope, plan);
    return renderSearch(plan, page.total, page.rows.map(renderRefund));
  });
}

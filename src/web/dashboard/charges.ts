/** Charges: the list with its search and filters (charge-list.ts), and a charge's page with its money actions (charge-page.ts). */
import type { FastifyInstance } from 'fastify';
import { chargeListPage } from './charge-list.js';
import { chargePageRoutes } from './charge-page.js';

export async function chargeRoutes(app: FastifyInstance): Promise<void> {
  app.get('/charges', { config: { dashboardRole: 'viewer' } }, chargeListPage);
  await chargePageRoutes(app);
}

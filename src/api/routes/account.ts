/** GET /account: the account a secret key belongs to, as Omise shows it (DECISIONS §10). */
import type { FastifyInstance } from 'fastify';
import { OmiseError, notFound } from '../../domain/errors.js';
import { renderAccount } from '../../render/omise-json.js';
import { findAccount } from '../../store/accounts.js';
import { listEndpoints } from '../../store/webhooks.js';
import { readContext } from '../requests.js';

export async function accountRoutes(app: FastifyInstance): Promise<void> {
  const { gateway } = app;

  app.get('/account', async (request) => {
    const { ctx } = await readContext(request, 'secret');
    const db = gateway.store.read;
    const account = await findAccount(db, ctx.scope.accountId);
    if (!account) throw notFound('account', ctx.scope.accountId);
    const webhook = (await listEndpoints(db, ctx.scope)).find((endpoint) => endpoint.enabled === 1);
    return renderAccount(account, ctx.scope.livemode === 1, webhook?.url ?? null);
  });

  // The account's settings belong to its operators (the satang command, the dashboard), not to its keys.
  app.patch('/account', async () => {
    throw new OmiseError('feature_not_supported', 'changing the account through the API is not supported by this gateway; use `satang accounts set` or the dashboard');
  });
}

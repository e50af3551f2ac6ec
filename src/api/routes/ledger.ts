/** The merchant's money: GET /balance and the transactions behind it (omise-api.md §11, DECISIONS §5). */
import type { FastifyInstance } from 'fastify';
import { notFound } from '../../domain/errors.js';
import { currencyThb } from '../../domain/limits.js';
import { renderList, renderTransaction } from '../../render/omise-json.js';
import { findAccount } from '../../store/accounts.js';
import { findBalance, findTransaction, listTransactions } from '../../store/ledger.js';
import { formatTimestamp } from '../../domain/time.js';
import { parseListWindow } from '../params.js';
import { readContext } from '../requests.js';

export async function ledgerRoutes(app: FastifyInstance): Promise<void> {
  const { gateway } = app;

  app.get('/balance', async (request) => {
    const { ctx } = await readContext(request, 'secret');
    const balance = await findBalance(gateway.store.read, ctx.scope);
    const createdAtMs = balance?.created_at ?? (await findAccount(gateway.store.read, ctx.scope.accountId))?.created_at ?? ctx.nowMs;
    const total = balance?.total ?? 0;
    return {
      object: 'balance',
      livemode: ctx.scope.livemode === 1,
      location: '/balance',
      currency: currencyThb,
      total,
      transferable: total,
      reserve: 0,
      on_hold: 0,
      created_at: formatTimestamp(createdAtMs),
    };
  });

  app.get('/transactions', async (request) => {
    const { ctx } = await readContext(request, 'secret');
    const window = parseListWindow(request.omiseParams, ctx.nowMs);
    const page = await listTransactions(gateway.store.read, ctx.scope, window);
    return renderList(page.rows.map(renderTransaction), { location: '/transactions', window, total: page.total });
  });

  app.get<{ Params: { id: string } }>('/transactions/:id', async (request) => {
    const { ctx } = await readContext(request, 'secret');
    const transaction = await findTransaction(gateway.store.read, ctx.scope, request.params.id);
    if (!transaction) throw notFound('transaction', request.params.id);
    return renderTransaction(transaction);
  });
}

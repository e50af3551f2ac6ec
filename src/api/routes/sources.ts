/**
 * Routes a browser may call with the public key (omise.js): sources and /capability.
 * They answer CORS preflights and carry Access-Control-Allow-Origin on every reply.
 */
import type { FastifyInstance } from 'fastify';
import { notFound } from '../../domain/errors.js';
import { canCreateSourcesAt } from '../../domain/api-versions.js';
import { enforce } from '../../domain/lifecycle.js';
import { chargeAmountSatangMax, chargeAmountSatangMin, currencyThb } from '../../domain/limits.js';
import { isTruemoneyQrEnabled, truemoneyQr } from '../../domain/payment-methods.js';
import { renderSource } from '../../render/omise-json.js';
import { findAccount } from '../../store/accounts.js';
import { findChargeBySource, findSource } from '../../store/charges.js';
import { parseSourceParams } from '../payment-params.js';
import { createSource } from '../../usecases/payments.js';
import { callerOf, readContext, runChange } from '../requests.js';

const corsPaths = ['/sources', '/sources/:id', '/capability'];

export async function sourceRoutes(app: FastifyInstance): Promise<void> {
  const { gateway } = app;

  app.addHook('onSend', async (request, reply) => {
    reply.header('Access-Control-Allow-Origin', request.headers.origin ?? '*');
    reply.header('Vary', 'Origin');
  });
  for (const path of corsPaths) {
    app.options(path, async (_request, reply) => {
      reply
        .code(204)
        .header('Access-Control-Allow-Methods', 'GET, POST, OPTIONS')
        .header('Access-Control-Allow-Headers', 'Authorization, Content-Type, Omise-Version, Idempotency-Key')
        .header('Access-Control-Max-Age', '600')
        .send();
    });
  }

  app.post('/sources', async (request, reply) => {
    // createSource checks the test clock against the account row it reads (checkClock).
    const caller = await callerOf(request, 'public');
    enforce(canCreateSourcesAt(request.omiseVersion));
    const input = parseSourceParams(request.omiseParams, request.ip ?? null);
    return runChange(request, reply, caller, async (tx, ctx) => renderSource(await createSource(tx, ctx, input), undefined, ctx));
  });

  app.get<{ Params: { id: string } }>('/sources/:id', async (request) => {
    const { ctx } = await readContext(request, 'public');
    const db = gateway.store.read;
    const source = await findSource(db, ctx.scope, request.params.id);
    if (!source) throw notFound('source', request.params.id);
    return renderSource(source, await findChargeBySource(db, source.id), ctx);
  });

  app.get('/capability', async (request) => {
    const { ctx } = await readContext(request, 'public');
    const account = await findAccount(gateway.store.read, ctx.scope.accountId);
    const enabled = account ? isTruemoneyQrEnabled(account, ctx.scope.livemode) : false;
    return {
      object: 'capability',
      location: '/capability',
      banks: [],
      limits: {
        charge_amount: { max: chargeAmountSatangMax, min: chargeAmountSatangMin },
        transfer_amount: { max: 0, min: 0 },
        installment_amount: { min: 0 },
      },
      payment_methods: enabled
        ? [
            {
              object: 'payment_method',
              name: truemoneyQr,
              currencies: [currencyThb],
              card_brands: null,
              installment_terms: null,
              loan_installment_terms: null,
              banks: [],
              provider: null,
            },
          ]
        : [],
      country: 'TH',
      tokenization_methods: [],
      zero_interest_installments: false,
    };
  });
}

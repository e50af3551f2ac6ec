/**
 * The hosted payment page at a charge's authorize_uri (DECISIONS §3):
 *   GET /payments/:ref/authorize  the page: merchant, amount, QR, countdown, live status
 *   GET /payments/:ref/status     its JSON, polled by the page's script (any process can answer it)
 * No key is needed: the pay2 reference in the URL names the payment, as the QR download token does.
 */
import type { FastifyInstance } from 'fastify';
import { notFound } from '../../domain/errors.js';
import { chargeQrPayload } from '../../qr/payload.js';
import { findChargeByPaymentRef, type ChargeOfAccount } from '../../store/payment-refs.js';
import { sendScript } from '../client-scripts.js';
import { renderErrorsAsPages } from '../page-errors.js';
import { sendPage } from '../views.js';
import { paymentView, renderPaymentStatus } from './payment-view.js';
import { paymentReturnDelayMs, paymentStatusPollMs } from '../../domain/limits.js';

type RefParams = { Params: { ref: string } };


export async function paymentPageRoutes(app: FastifyInstance): Promise<void> {
  const { gateway } = app;

  async function load(ref: string): Promise<{ found: ChargeOfAccount; nowMs: number }> {
    const found = await findChargeByPaymentRef(gateway.store.read, ref);
    if (!found) throw notFound('payment', ref);
    return { found, nowMs: await gateway.clocks.nowMs(found.account.id, found.charge.livemode === 1) };
  }

  app.get<RefParams>('/payments/:ref/status', async (request, reply) => {
    const { found, nowMs } = await load(request.params.ref);
    return reply.header('cache-control', 'no-store').send(renderPaymentStatus(paymentView(found, nowMs)));
  });

  app.get('/payments/assets/pay.js', async (_request, reply) => sendScript(reply, 'pay/pay.js'));

  await app.register(async (pages) => {
    renderErrorsAsPages(pages);
    pages.get<RefParams>('/payments/:ref/authorize', async (request, reply) => {
      const { found, nowMs } = await load(request.params.ref);
      const { charge } = found;
      const view = paymentView(found, nowMs);
      // The charge's own payload, the one its PNG shows (not the account's settings of today).
      const payload = chargeQrPayload(charge);
      return sendPage(reply, 'pay/authorize', {
        view,
        qrUrl: `/charges/${charge.id}/documents/${charge.document_id}/downloads/${charge.download_token}`,
        simulatorUrl: charge.livemode === 1 ? null : `/simulator?payload=${encodeURIComponent(payload)}`,
        statusUrl: `/payments/${charge.payment_ref}/status`,
        statusPollMs: paymentStatusPollMs,
        returnDelayMs: paymentReturnDelayMs,
      });
    });
  });
}

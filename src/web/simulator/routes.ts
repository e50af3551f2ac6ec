/**
 * The TrueMoney wallet simulator (DECISIONS §4), test mode only: the payer's app, as a page for people
 * and a JSON API for tests. Both read the scanned QR text (the page can also decode an uploaded image,
 * in the browser) and go through the same provider.
 *   GET  /simulator?payload=...   page: scan form, or the payment the QR names with approve / decline
 *   POST /simulator               page: the payer's decision (form: payload, decision, funding_source)
 *   POST /simulator/scan          JSON {payload} or {image: base64 PNG} -> wallet_scan (so do approve and decline)
 *   POST /simulator/approve       JSON {payload, funding_source?} -> wallet_payment (successful)
 *   POST /simulator/decline       JSON {payload} -> wallet_payment (failed, failed_processing)
 * No key is needed: holding the QR is what lets a payer pay, as with a real wallet. A request that does carry
 * a key must carry a valid one, and a live key is refused (403 not_authorized): the simulator is test mode only.
 */
import { createRequire } from 'node:module';
import type { FastifyInstance } from 'fastify';
import { OmiseError } from '../../domain/errors.js';
import { requireTestMode } from '../../domain/test-mode.js';
import { fundingSourceDefault, type FundingSource, fundingSources, isFundingSource } from '../../domain/lifecycle.js';
import { formatTimestamp } from '../../domain/time.js';
import type { AuthorizedPayment, PayerDecision, PaymentProvider, ScannedPayment } from '../../provider/provider.js';
import { isGiven, type Params } from '../../api/params.js';
import { callerOf } from '../../api/requests.js';
import { decodeQrImage } from '../../provider/truemoney-simulator/qr-image.js';
import { assetBytes, sendScript } from '../client-scripts.js';
import { renderErrorsAsPages } from '../page-errors.js';
import { formatBaht } from '../pay/payment-view.js';
import { sendPage } from '../views.js';

const jsQrPath = createRequire(import.meta.url).resolve('jsqr');

/** How each funding source is named to the payer. */
export const fundingSourceLabels: Record<FundingSource, { th: string; en: string }> = {
  wallet_balance: { th: 'ยอดเงินในวอลเล็ท', en: 'Wallet balance' },
  bank_account: { th: 'บัญชีธนาคาร', en: 'Bank account' },
  credit_card: { th: 'บัตรเครดิต', en: 'Credit card' },
  pay_next: { th: 'เพย์ เน็กซ์', en: 'Pay Next' },
  pay_next_extra: { th: 'เพย์ เน็กซ์ เอ็กซ์ตร้า', en: 'Pay Next Extra' },
};

/** The QR text: `payload`, or for the JSON API an `image` (base64 PNG) it is read from. */
function payloadParam(params: Params, acceptImage = false): string {
  if (acceptImage && !isGiven(params.payload) && isGiven(params.image)) return decodeQrImage(params.image);
  const payload = params.payload;
  if (typeof payload !== 'string' || payload.trim() === '') throw new OmiseError('bad_request', 'payload is required: the text of the scanned QR code');
  return payload;
}

function fundingSourceParam(params: Params): FundingSource {
  const given = params.funding_source;
  if (!isGiven(given)) return fundingSourceDefault;
  if (!isFundingSource(given)) throw new OmiseError('bad_request', `funding_source must be one of ${fundingSources.join(', ')}`);
  return given;
}

function renderScan(payment: ScannedPayment) {
  return {
    object: 'wallet_scan',
    livemode: payment.livemode,
    charge: payment.chargeId,
    payment_ref: payment.paymentRef,
    merchant_name: payment.merchantName,
    qr_merchant_name: payment.qrMerchantName,
    biller_id: payment.billerId,
    reference: payment.ref1,
    amount: payment.amountSatang,
    currency: payment.currency,
    status: payment.status,
    expires_at: formatTimestamp(payment.expiresAtMs),
    funding_sources: [...fundingSources],
  };
}

function renderPayment(result: AuthorizedPayment) {
  return {
    object: 'wallet_payment',
    livemode: result.payment.livemode,
    charge: result.payment.chargeId,
    payment_ref: result.payment.paymentRef,
    merchant_name: result.payment.merchantName,
    amount: result.payment.amountSatang,
    currency: result.payment.currency,
    status: result.status,
    funding_source: result.fundingSource,
    created_at: formatTimestamp(result.completedAtMs),
  };
}

function scanView(payment: ScannedPayment, payload: string) {
  return { ...renderScan(payment), payload, amountText: formatBaht(payment.amountSatang) };
}

export async function simulatorRoutes(app: FastifyInstance, options: { provider: PaymentProvider }): Promise<void> {
  const { provider } = options;

  app.addHook('preHandler', async (request) => {
    if (request.headers.authorization === undefined) return;
    const caller = await callerOf(request, 'public');
    requireTestMode(caller.livemode);
  });

  app.post('/simulator/scan', async (request) => renderScan(await provider.scan(payloadParam(request.omiseParams, true))));
  app.post('/simulator/approve', async (request) => {
    const params = request.omiseParams;
    const decision: PayerDecision = { decision: 'approve', fundingSource: fundingSourceParam(params) };
    return renderPayment(await provider.authorize(payloadParam(params, true), decision));
  });
  app.post('/simulator/decline', async (request) => renderPayment(await provider.authorize(payloadParam(request.omiseParams, true), { decision: 'decline' })));

  app.get('/simulator/assets/simulator.js', async (_request, reply) => sendScript(reply, 'simulator/simulator.js'));
  app.get('/simulator/assets/jsqr.js', async (_request, reply) => sendScript(reply, jsQrPath));
  // Read now, so a missing file shows at start, not at the first scan.
  assetBytes(jsQrPath);

  await app.register(async (pages) => {
    renderErrorsAsPages(pages);
    const page = { fundingSources, fundingSourceLabels };

    pages.get('/simulator', async (request, reply) => {
      const payload = request.omiseParams.payload;
      if (!isGiven(payload)) return sendPage(reply, 'simulator/index', { ...page, payload: '', scan: null, error: null, result: null });
      try {
        const scan = scanView(await provider.scan(payloadParam(request.omiseParams)), String(payload));
        return sendPage(reply, 'simulator/index', { ...page, payload: String(payload), scan, error: null, result: null });
      } catch (error) {
        if (!(error instanceof OmiseError) || error.statusCode >= 500) throw error;
        return sendPage(reply, 'simulator/index', { ...page, payload: String(payload), scan: null, error: error.message, result: null }, error.statusCode);
      }
    });

    pages.post('/simulator', async (request, reply) => {
      const params = request.omiseParams;
      const payload = typeof params.payload === 'string' ? params.payload : '';
      try {
        const decision: PayerDecision =
          params.decision === 'decline' ? { decision: 'decline' } : params.decision === 'approve' ? { decision: 'approve', fundingSource: fundingSourceParam(params) } : invalidDecision();
        const result = await provider.authorize(payloadParam(params), decision);
        const view = { ...renderPayment(result), amountText: formatBaht(result.payment.amountSatang), fundingSourceLabel: result.fundingSource ? fundingSourceLabels[result.fundingSource] : null };
        return sendPage(reply, 'simulator/index', { ...page, payload: '', scan: null, error: null, result: view });
      } catch (error) {
        if (!(error instanceof OmiseError) || error.statusCode >= 500) throw error;
        return sendPage(reply, 'simulator/index', { ...page, payload, scan: null, error: error.message, result: null }, error.statusCode);
      }
    });
  });
}

function invalidDecision(): never {
  throw new OmiseError('bad_request', 'decision must be approve or decline');
}

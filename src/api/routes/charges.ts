import type { FastifyInstance } from 'fastify';
import { OmiseError, notFound } from '../../domain/errors.js';
import { canCreateSourcesAt } from '../../domain/api-versions.js';
import { enforce } from '../../domain/lifecycle.js';
import { chargeQrPayload } from '../../qr/payload.js';
import { type Json, renderCharge, renderDocument, renderList, type RenderContext } from '../../render/omise-json.js';
import { type ChargeWithSource, findChargeForDownload, findChargeWithSource, findSourcesByIds, listCharges } from '../../store/charges.js';
import { refundsOfCharges } from '../../store/refunds.js';
import type { ChargeRow } from '../../store/schema.js';
import type { Tx } from '../../store/store.js';
import { parseChargeParams, parseChargeUpdateParams } from '../payment-params.js';
import { createCharge, updateCharge } from '../../usecases/payments.js';
import type { UseCaseContext } from '../../usecases/context.js';
import { isPlainObject, parseListWindow } from '../params.js';
import { callerOf, readContext, runChange } from '../requests.js';

type IdParams = { Params: { id: string } };

export async function loadChargeWithSource(db: Tx, ctx: UseCaseContext, id: string): Promise<ChargeWithSource> {
  const found = await findChargeWithSource(db, ctx.scope, id);
  if (!found) throw notFound('charge', id);
  return found;
}

export const render = ({ charge, source, refunds }: ChargeWithSource, ctx: RenderContext) => renderCharge(charge, source, ctx, refunds);

/** Charges of a list or a search, each with its source and refunds (two batched reads). */
export async function renderChargeRows(db: Tx, rows: ChargeRow[], ctx: RenderContext): Promise<Json[]> {
  const sources = await findSourcesByIds(db, rows.map((charge) => charge.source_id));
  const refunds = await refundsOfCharges(db, rows.filter((charge) => charge.refund_count > 0).map((charge) => charge.id));
  return rows.map((charge) => renderCharge(charge, sources.get(charge.source_id)!, ctx, refunds.get(charge.id)));
}

export async function chargeRoutes(app: FastifyInstance): Promise<void> {
  const { gateway } = app;

  // A NUL or lone surrogate in a charge's parameters is invalid_charge, like its other bad parameters (DECISIONS §9).
  app.post('/charges', { config: { paramErrorCode: 'invalid_charge' } }, async (request, reply) => {
    // createCharge checks the test clock against the account row it reads (checkClock).
    const caller = await callerOf(request, 'secret');
    // An inline source is a source made at this version.
    if (isPlainObject(request.omiseParams.source)) enforce(canCreateSourcesAt(request.omiseVersion));
    const input = parseChargeParams(request.omiseParams, gateway.targetPolicy);
    let outcomeDueNow = false;
    const body = await runChange(request, reply, caller, async (tx, ctx) => {
      const created = await createCharge(tx, ctx, input);
      const dueAtMs = created.charge.scripted_outcome_due_at;
      outcomeDueNow = dueAtMs !== null && dueAtMs <= ctx.nowMs;
      return render(created, ctx);
    });
    // A scripted outcome due at once (after_seconds 0) is applied right after the commit, not at the next tick.
    if (outcomeDueNow) gateway.outcomes.nudge();
    return body;
  });

  app.get('/charges', async (request) => {
    const { ctx } = await readContext(request, 'secret');
    const window = parseListWindow(request.omiseParams, ctx.nowMs);
    const db = gateway.store.read;
    const page = await listCharges(db, ctx.scope, window);
    return renderList(await renderChargeRows(db, page.rows, ctx), { location: '/charges', window, total: page.total });
  });

  app.get<IdParams>('/charges/:id', async (request) => {
    const { ctx } = await readContext(request, 'secret');
    return render(await loadChargeWithSource(gateway.store.read, ctx, request.params.id), ctx);
  });

  app.patch<IdParams>('/charges/:id', async (request, reply) => {
    const caller = await callerOf(request, 'secret');
    const update = parseChargeUpdateParams(request.omiseParams);
    return runChange(request, reply, caller, async (tx, ctx) => render(await updateCharge(tx, ctx, request.params.id, update), ctx));
  });

  // Card-only operations: the charge must exist, then they are refused for TrueMoney QR.
  for (const [action, code] of [
    ['capture', 'failed_capture'],
    ['reverse', 'failed_reverse'],
  ] as const) {
    app.post<IdParams>(`/charges/:id/${action}`, async (request) => {
      const { ctx } = await readContext(request, 'secret');
      await loadChargeWithSource(gateway.store.read, ctx, request.params.id);
      throw new OmiseError(code, `${action} failed: TrueMoney QR charges are captured when paid and cannot be ${action}d`);
    });
  }

  app.get<{ Params: { id: string; docu: string } }>('/charges/:id/documents/:docu', async (request) => {
    const { ctx } = await readContext(request, 'secret');
    const { charge } = await loadChargeWithSource(gateway.store.read, ctx, request.params.id);
    if (charge.document_id !== request.params.docu) throw notFound('document', request.params.docu);
    return renderDocument(charge, ctx);
  });

  // The QR image: no authentication, the 16-hex token in the path is the capability. The charge row
  // alone makes the payload (no account read), and the image is cached by that payload.
  app.get<{ Params: { id: string; docu: string; token: string } }>('/charges/:id/documents/:docu/downloads/:token', async (request, reply) => {
    const { id, docu, token } = request.params;
    const charge = await findChargeForDownload(gateway.store.read, id, docu, token);
    if (!charge) throw notFound('document', docu);
    const png = await gateway.qrPngs.get(chargeQrPayload(charge));
    return reply
      .header('Content-Type', 'image/png')
      .header('Content-Disposition', 'inline; filename="qrcode.png"')
      .header('Cache-Control', 'private, max-age=86400')
      .send(png);
  });
}

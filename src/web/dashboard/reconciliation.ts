/**
 * The reconciliation report of live mode (DECISIONS §11): where SCB and Satang disagree. Paid at the bank but not in
 * Satang: confirmations the bank holds that no charge took (unapplied, unmatched, unverified). In Satang but not
 * confirmed by the bank: successful live charges without the bank's evidence, and rejected confirmations (forged or
 * mismatched). Each list is the newest `reconciliationRowsMax`, and says when there are more. Read only.
 */
import type { FastifyInstance } from 'fastify';
import { confirmationsWithStatus, liveChargeIdsByRef1, successfulLiveChargesWithoutPayment } from '../../store/providers.js';
import type { ProviderConfirmation } from '../../store/schema.js';
import { shownConfirmation } from './charge-page.js';
import { contextOf, page } from './context.js';
import { wordsOf } from './i18n.js';

/** Rows per list of the report. */
export const reconciliationRowsMax = 100;

/** Confirmations paid at the bank that no charge took. */
const paidNotApplied = ['unapplied', 'unmatched', 'unverified'] as const satisfies readonly ProviderConfirmation['status'][];

export async function reconciliationRoutes(app: FastifyInstance): Promise<void> {
  const { gateway } = app;

  app.get('/reconciliation', { config: { dashboardRole: 'viewer' } }, async (request, reply) => {
    const ctx = await contextOf(request);
    const w = wordsOf(request);
    const nav = { page: 'reconciliation', title: w.t('reconciliation.title') };
    if (ctx.scope.livemode !== 1) return page(request, reply, 'reconciliation', nav, { live: false, rowsMax: reconciliationRowsMax });
    const db = gateway.store.read;
    const accountId = ctx.scope.accountId;
    const [bankOnly, rejected, charges] = await Promise.all([
      confirmationsWithStatus(db, accountId, paidNotApplied, reconciliationRowsMax + 1),
      confirmationsWithStatus(db, accountId, ['rejected'], reconciliationRowsMax + 1),
      successfulLiveChargesWithoutPayment(db, accountId, reconciliationRowsMax + 1),
    ]);
    // A confirmation decided without a charge may still carry the ref1 of one (unverified; rejected before a row was found).
    const unnamed = [...bankOnly, ...rejected].filter((row) => row.charge_id === null).map((row) => row.ref1);
    const byRef1 = await liveChargeIdsByRef1(db, accountId, unnamed);
    const shown = (rows: ProviderConfirmation[]) =>
      rows.slice(0, reconciliationRowsMax).map((row) => ({ ...shownConfirmation(w, row), chargeLink: row.charge_id ?? byRef1.get(row.ref1) ?? null }));
    return page(request, reply, 'reconciliation', nav, {
      live: true,
      rowsMax: reconciliationRowsMax,
      bankOnly: { rows: shown(bankOnly), more: bankOnly.length > reconciliationRowsMax },
      rejected: { rows: shown(rejected), more: rejected.length > reconciliationRowsMax },
      charges: { rows: charges.slice(0, reconciliationRowsMax), more: charges.length > reconciliationRowsMax },
    });
  });
}

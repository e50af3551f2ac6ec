/**
 * Live mode's work with SCB (DECISIONS §11):
 *
 * - configure: an account's SCB settings are checked, a token request must succeed with them, the secret is
 *   sealed (provider/secrets.ts), and a new unguessable callback URL is made (only its digest is kept);
 * - accept a callback: a hint, never proof (SCB signs nothing). It is recorded durably (deduped on SCB's
 *   transaction id) and answered in SCB's format at once; nothing about a charge changes in that request;
 * - confirmations due: each is leased, SCB's inquiry is asked (the payment's Bangkok date, and the other side
 *   of midnight near one), and the charge completes only when the same transaction id, biller, ref1 and amount
 *   come back (usecases/live-provider.ts). The bank unreachable: asked again later, backing off;
 * - the reconciliation sweep: pending live charges (and those expired within the hour), most recent and nearest their
 *   deadline first, asked about within SCB's rate limit, so a lost callback still completes its charge, and a late
 *   payment is reported.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { WallClock } from '../domain/clock.js';
import { OmiseError } from '../domain/errors.js';
import {
  confirmationAttemptsMax,
  confirmationLeaseMs,
  confirmationRetryBaseMs,
  confirmationRetryMaxMs,
  confirmationsPerRunMax,
  reconcileChargesPerPassMax,
  reconcileExpiredWithinMs,
  reconcileIntervalMs,
} from '../domain/limits.js';
import type { BankPayment } from '../domain/bank-payments.js';
import { BankRefusal, type BankCredentials, type BankProvider, type BankSettings } from '../provider/provider.js';
import { scbBankProvider } from '../provider/scb/provider.js';
import { SecretBox } from '../provider/secrets.js';
import type { AuditLine, ChangeRunner } from '../usecases/changes.js';
import { applyConfirmation, recordConfirmation, saveScbSettings } from '../usecases/live-provider.js';
import { dueConfirmations, findConfirmationByTransaction, findProviderSettings, findProviderSettingsByCallback, leaseConfirmation, liveChargesToReconcile, retryConfirmationAt, decideConfirmation } from '../store/providers.js';
import type { ProviderConfirmation, ProviderSettings } from '../store/schema.js';
import type { Store } from '../store/store.js';
import { Periodic } from './periodic.js';

export interface LiveProviderOptions {
  store: Store;
  changes: ChangeRunner;
  wall: WallClock;
  publicUrl: string;
  /** SCB's base URL (SATANG_SCB_BASE_URL); the emulator's in tests and on a laptop. */
  scbBaseUrl: string;
  /** The key provider secrets are sealed with (SATANG_SECRETS_KEY); without it live mode cannot be configured. */
  secretsKey: Buffer | null;
  log: { info(fields: object, message: string): void; warn(fields: object, message: string): void; error(fields: object, message: string): void };
  intervalMs?: number;
  sweepIntervalMs?: number;
}

export const scbCallbackPath = '/providers/scb/callbacks';

export class LiveProvider {
  /** The banks live mode can take payments through, by the name their settings are kept under. */
  readonly banks: Record<ProviderSettings['provider'], BankProvider>;
  private readonly box: SecretBox | null;
  private readonly loop: Periodic;
  private nextSweepAtMs = 0;

  constructor(private readonly options: LiveProviderOptions) {
    this.banks = { scb: scbBankProvider({ baseUrl: options.scbBaseUrl }) };
    this.box = options.secretsKey ? new SecretBox(options.secretsKey) : null;
    this.loop = new Periodic(options.intervalMs ?? 1000, () => this.runOnce(), (error) => options.log.error({ err: error }, 'live provider work failed'));
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  nudge(): void {
    this.loop.nudge();
  }

  /**
   * Configures SCB for an account: checked, verified by a token request, the secret sealed. Returns the
   * callback URL to register with SCB; it is shown this once (only its digest is kept).
   */
  async configureScb(accountId: string, input: BankSettings, audit?: AuditLine): Promise<{ callbackUrl: string }> {
    if (!this.box) throw new OmiseError('bad_request', 'live mode needs SATANG_SECRETS_KEY (32 random bytes, base64: openssl rand -base64 32) to keep provider secrets');
    const bank = this.banks.scb;
    bank.checkSettings(input);
    try {
      await bank.verify({ applicationKey: input.applicationKey, applicationSecret: input.applicationSecret });
    } catch (error) {
      if (error instanceof BankRefusal) throw new OmiseError('bad_request', `SCB refused a token request with these credentials: ${error.message}`);
      throw error;
    }
    // Hex: a '-' in a path parameter would end it for the router.
    const secret = randomBytes(32).toString('hex');
    const nowMs = this.options.wall.nowMs();
    const box = this.box;
    await this.options.changes.system(
      (tx) =>
        saveScbSettings(
          tx,
          {
            accountId,
            applicationKey: input.applicationKey,
            applicationSecretSealed: box.seal(input.applicationSecret, accountId),
            billerId: input.billerId,
            ref3Prefix: input.ref3Prefix,
            callbackDigest: callbackDigest(secret),
            verifiedAtMs: nowMs,
          },
          nowMs,
        ),
      audit,
    );
    return { callbackUrl: `${this.options.publicUrl}${scbCallbackPath}/${secret}` };
  }

  /**
   * A callback as SCB sends it: recorded (once per transaction id) and answered at once. `null`: the path's
   * secret names no account (answered 404, nothing recorded).
   */
  async acceptCallback(secret: string, body: unknown): Promise<{ status: number; answer: object } | null> {
    if (!/^[0-9a-f]{64}$/.test(secret)) return null;
    const settings = await findProviderSettingsByCallback(this.options.store.read, callbackDigest(secret));
    if (!settings) return null;
    const bank = this.banks[settings.provider];
    const read = bank.readConfirmation(body);
    if (read === null) {
      this.options.log.warn({ accountId: settings.account_id }, 'SCB callback without a usable transaction id: not recorded');
      return { status: 400, answer: new OmiseError('bad_request', 'transactionId is missing or malformed: nothing was recorded').toJSON() };
    }
    const recorded = await this.options.changes.system((tx) => recordConfirmation(tx, settings, read, 'callback', JSON.stringify(body), this.options.wall.nowMs()));
    if (!recorded) this.options.log.info({ accountId: settings.account_id, transactionId: read.transactionId }, 'SCB callback repeated: recorded before');
    this.loop.nudge();
    return { status: 200, answer: bank.confirmationAnswer(read) };
  }

  /** One run: the confirmations due now, then (when its interval has passed) a sweep pass. Returns how many were decided. */
  async runOnce(): Promise<number> {
    const nowMs = this.options.wall.nowMs();
    let decided = 0;
    const due = await dueConfirmations(this.options.store.read, nowMs, confirmationsPerRunMax);
    for (const confirmation of due) if (await this.work(confirmation)) decided++;
    if (nowMs >= this.nextSweepAtMs) {
      this.nextSweepAtMs = nowMs + (this.options.sweepIntervalMs ?? reconcileIntervalMs);
      decided += await this.sweep(nowMs);
    }
    return decided;
  }

  /** Makes the next run sweep, whenever the last one was (tests). */
  sweepNow(): void {
    this.nextSweepAtMs = 0;
  }

  private credentials(settings: ProviderSettings): BankCredentials {
    if (!this.box) throw new BankRefusal('SATANG_SECRETS_KEY is not set: the application secret cannot be opened', true);
    return { applicationKey: settings.application_key, applicationSecret: this.box.open(settings.application_secret_sealed, settings.account_id) };
  }

  /**
   * Works one confirmation; true when it was decided (not left for later). `known`: what the bank's look-up just
   * answered for its reference (the sweep's), so it is not asked again.
   */
  private async work(confirmation: ProviderConfirmation, known?: { settings: ProviderSettings; rows: BankPayment[] }): Promise<boolean> {
    const { changes, store, wall, log } = this.options;
    const startedMs = wall.nowMs();
    if (!(await changes.system((tx) => leaseConfirmation(tx, confirmation, startedMs + confirmationLeaseMs)))) return false;
    const attempts = confirmation.attempts + 1;
    const settings = known?.settings ?? (await findProviderSettings(store.read, confirmation.account_id));
    if (!settings) {
      await changes.system((tx) => decideConfirmation(tx, confirmation.id, { status: 'unverified', detail: 'the account has no live provider any more', chargeId: null, atMs: wall.nowMs() }));
      return true;
    }
    if (confirmation.ref1 === '') {
      await changes.system((tx) => decideConfirmation(tx, confirmation.id, { status: 'rejected', detail: `the confirmation names no reference: ${confirmation.detail ?? ''}`, chargeId: null, atMs: wall.nowMs() }));
      log.warn({ accountId: settings.account_id, transactionId: confirmation.transaction_id }, 'SCB confirmation rejected: no reference');
      return true;
    }
    let rows = known?.rows ?? [];
    try {
      if (!known) rows = await this.lookUpConfirmation(settings, confirmation);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      if (attempts >= confirmationAttemptsMax) {
        await changes.system((tx) => decideConfirmation(tx, confirmation.id, { status: 'unverified', detail: `SCB's inquiry did not answer after ${attempts} attempts: ${detail}`, chargeId: null, atMs: wall.nowMs() }));
        log.error({ accountId: settings.account_id, transactionId: confirmation.transaction_id }, 'SCB confirmation left unverified');
        return true;
      }
      const retryAt = wall.nowMs() + Math.min(confirmationRetryMaxMs, confirmationRetryBaseMs * 2 ** (attempts - 1));
      await changes.system((tx) => retryConfirmationAt(tx, confirmation.id, retryAt, detail));
      log.warn({ accountId: settings.account_id, transactionId: confirmation.transaction_id, attempts, err: error }, "the bank's look-up failed; asking again later");
      return false;
    }
    const outcome = await changes.forAccount({ scope: { accountId: settings.account_id, livemode: 1 } }, (tx, ctx) => applyConfirmation(tx, ctx, settings, confirmation, rows));
    if (outcome.replayed) return true;
    const fields = { accountId: settings.account_id, transactionId: confirmation.transaction_id, chargeId: outcome.value.chargeId, origin: confirmation.origin, detail: outcome.value.detail };
    if (outcome.value.status === 'confirmed') log.info(fields, 'SCB payment confirmed by inquiry');
    else log.warn(fields, `SCB confirmation ${outcome.value.status}: the charge did not change`);
    return true;
  }

  /** What the bank holds for a confirmation's reference: its payment's dates, until the transaction is among them. */
  private async lookUpConfirmation(settings: ProviderSettings, confirmation: ProviderConfirmation): Promise<BankPayment[]> {
    const bank = this.banks[settings.provider];
    const credentials = this.credentials(settings);
    let rows: BankPayment[] = [];
    for (const date of bank.datesAround(confirmation.paid_at ?? confirmation.received_at)) {
      rows = rows.concat(await bank.lookUp(credentials, { billerId: settings.biller_id, ref1: confirmation.ref1, date }));
      if (rows.some((row) => row.transactionId === confirmation.transaction_id)) break;
    }
    return rows;
  }

  /**
   * A sweep pass: pending live charges (and those expired within the hour) asked about; a payment found is recorded
   * as a confirmation and worked at once (a pending charge completes; an expired one's payment is reported, unapplied).
   */
  private async sweep(nowMs: number): Promise<number> {
    const { store, changes, log } = this.options;
    const charges = await liveChargesToReconcile(store.read, nowMs, reconcileChargesPerPassMax, reconcileExpiredWithinMs);
    const settingsOf = new Map<string, ProviderSettings | undefined>();
    let decided = 0;
    for (const charge of charges) {
      if (!settingsOf.has(charge.account_id)) settingsOf.set(charge.account_id, await findProviderSettings(store.read, charge.account_id));
      const settings = settingsOf.get(charge.account_id);
      if (!settings) continue;
      const bank = this.banks[settings.provider];
      let found: BankPayment | undefined;
      let rows: BankPayment[] = [];
      try {
        const credentials = this.credentials(settings);
        for (const date of bank.datesBetween(charge.created_at, nowMs)) {
          rows = await bank.lookUp(credentials, { billerId: settings.biller_id, ref1: charge.qr_ref1, date });
          found = rows.find((row) => row.ref1 === charge.qr_ref1 && !row.reversed);
          if (found) break;
        }
      } catch (error) {
        log.warn({ accountId: settings.account_id, chargeId: charge.id, err: error }, "the reconciliation sweep could not ask SCB's inquiry");
        continue;
      }
      if (!found) continue;
      const row = found;
      await changes.system((tx) => recordConfirmation(tx, settings, row, 'sweep', JSON.stringify(row.raw), this.options.wall.nowMs()));
      const recorded = await findConfirmationByTransaction(store.read, settings.provider, row.transactionId);
      // Decided with the rows just read: the bank is not asked the same question twice.
      if (recorded?.status === 'received' && (await this.work(recorded, { settings, rows }))) decided++;
    }
    return decided;
  }
}

/** The digest a callback path's secret is kept as. */
export function callbackDigest(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}


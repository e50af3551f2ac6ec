/**
 * Webhook chaos (Satang's own, test mode only, DECISIONS §10): per endpoint, settings that make its
 * deliveries behave as real delivery does: some events sent twice, deliveries postponed, each held
 * for a while so that neighbours may arrive out of order, and first attempts failed on purpose.
 *
 * Every decision is a pure function of (seed, endpoint id, the endpoint's n-th event since its chaos
 * was set, attempt): HMAC-SHA256 of those fields keyed by the seed. The same seed and the same
 * sequence of events give the same decisions, run after run; nothing here draws a random number but
 * the seed of settings that name none.
 */
import { createHmac, randomInt } from 'node:crypto';
import { OmiseError } from './errors.js';
import { webhookChaosDelayMsMax, webhookChaosFailFirstAttemptsMax, webhookChaosReorderWindowMsMax, webhookChaosSeedMax } from './limits.js';

/** An endpoint's chaos settings, every key present (the endpoint's `chaos`). */
export interface ChaosSettings {
  /** The share of events sent twice, 0..1. */
  duplicate_rate: number;
  /** Each delivery is postponed by a decided amount in [min, max] ms. */
  delay_ms: [number, number];
  /** Each delivery is then held for a decided time in [0, window] ms, so deliveries within the window may arrive out of order. */
  reorder_window_ms: number;
  /** The first attempts of each delivery fail on purpose (no request is sent); the retry schedule then applies. */
  fail_first_attempts: number;
  seed: number;
}

export const chaosSettingNames = ['duplicate_rate', 'delay_ms', 'reorder_window_ms', 'fail_first_attempts', 'seed'] as const;

/** What was decided for one delivery job (one copy of an event for one endpoint); kept with the job. */
export interface JobChaos {
  /** The endpoint's n-th event since its chaos was set (from 1). */
  event_number: number;
  /** This job is the extra copy of a duplicated event. */
  duplicate: boolean;
  /** The event goes to the endpoint twice. */
  duplicated: boolean;
  delay_ms: number;
  hold_ms: number;
  fail_first_attempts: number;
}

/** What chaos did to one attempt: kept with the attempt and shown as the delivery's `satang_chaos`. */
export interface AttemptChaos {
  event_number: number;
  attempt: number;
  duplicate: boolean;
  duplicated: boolean;
  /** How the job's first attempt was postponed: delay_ms, then hold_ms. */
  delay_ms: number;
  hold_ms: number;
  /** This attempt failed on purpose: nothing was sent. */
  simulated_failure: boolean;
}

const given = (value: unknown) => value !== undefined && value !== null && value !== '';

function wholeNumber(value: unknown, name: string, max: number): number | undefined {
  if (!given(value)) return undefined;
  const number = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d{1,16}\s*$/.test(value) ? Number(value.trim()) : Number.NaN;
  if (!Number.isSafeInteger(number) || number < 0 || number > max) throw new OmiseError('bad_request', `chaos.${name} must be a whole number from 0 to ${max}`);
  return number;
}

function rate(value: unknown): number | undefined {
  if (!given(value)) return undefined;
  const number = typeof value === 'number' ? value : typeof value === 'string' && /^\s*(\d{1,16}(\.\d{0,16})?|\.\d{1,16})\s*$/.test(value) ? Number(value.trim()) : Number.NaN;
  if (!Number.isFinite(number) || number < 0 || number > 1) throw new OmiseError('bad_request', 'chaos.duplicate_rate must be a number from 0 to 1');
  return number;
}

function delayRange(value: unknown): [number, number] | undefined {
  if (!given(value)) return undefined;
  const problem = `chaos.delay_ms must be [min, max]: two whole numbers of milliseconds from 0 to ${webhookChaosDelayMsMax}`;
  if (!Array.isArray(value) || value.length !== 2 || !value.every(given)) throw new OmiseError('bad_request', problem);
  const [min, max] = value.map((bound) => {
    try {
      return wholeNumber(bound, 'delay_ms', webhookChaosDelayMsMax)!;
    } catch {
      throw new OmiseError('bad_request', problem);
    }
  });
  if (min > max) throw new OmiseError('bad_request', `chaos.delay_ms is [min, max]: min (${min}) must not be more than max (${max})`);
  return [min, max];
}

/** A seed for settings that name none: shown on the endpoint, so the run can be repeated. */
export function newChaosSeed(): number {
  return randomInt(1, 2 ** 31);
}

/**
 * An endpoint's `chaos` parameter: undefined when not given ("" too), null to turn chaos off, or the
 * settings, every key given or its default (nothing, no delay, no hold, no failure, a new seed).
 * Settings replace the old ones whole. Anything else is a 400 that says what is wrong.
 */
export function parseChaosSettings(value: unknown, seed: () => number = newChaosSeed): ChaosSettings | null | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) throw new OmiseError('bad_request', 'chaos must be an object of settings, or null to turn chaos off');
  const settings = value as Record<string, unknown>;
  for (const name of Object.keys(settings)) {
    if (!(chaosSettingNames as readonly string[]).includes(name)) {
      const shown = JSON.stringify(name.length > 40 ? `${name.slice(0, 40)}...` : name);
      throw new OmiseError('bad_request', `chaos has no setting ${shown}: the settings are ${chaosSettingNames.join(', ')}`);
    }
  }
  return {
    duplicate_rate: rate(settings.duplicate_rate) ?? 0,
    delay_ms: delayRange(settings.delay_ms) ?? [0, 0],
    reorder_window_ms: wholeNumber(settings.reorder_window_ms, 'reorder_window_ms', webhookChaosReorderWindowMsMax) ?? 0,
    fail_first_attempts: wholeNumber(settings.fail_first_attempts, 'fail_first_attempts', webhookChaosFailFirstAttemptsMax) ?? 0,
    seed: wholeNumber(settings.seed, 'seed', webhookChaosSeedMax) ?? seed(),
  };
}

/** Chaos is a test tool: a live endpoint cannot have it (400, the PATCH is a live route too). */
export function requireChaosTestMode(livemode: number): void {
  if (livemode === 1) throw new OmiseError('bad_request', 'webhook chaos is only available in test mode: a live endpoint cannot have chaos settings');
}

/** A number in [0, 1) decided by the seed and the fields: HMAC-SHA256 keyed by the seed, its first 48 bits. */
function decided(seed: number, endpointId: string, eventNumber: number, attempt: number, decision: string): number {
  const digest = createHmac('sha256', String(seed)).update(`${endpointId}\n${eventNumber}\n${attempt}\n${decision}`).digest();
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

/**
 * The delivery jobs of the endpoint's n-th event: one, or two when the event is duplicated; each
 * copy postponed by its own delay and hold (decisions about the first attempt).
 */
export function decideJobs(settings: ChaosSettings, endpointId: string, eventNumber: number): JobChaos[] {
  const { seed, duplicate_rate, delay_ms, reorder_window_ms, fail_first_attempts } = settings;
  const duplicated = decided(seed, endpointId, eventNumber, 1, 'duplicate') < duplicate_rate;
  const [delayMin, delayMax] = delay_ms;
  const jobs: JobChaos[] = [];
  for (let copy = 0; copy < (duplicated ? 2 : 1); copy++) {
    jobs.push({
      event_number: eventNumber,
      duplicate: copy === 1,
      duplicated,
      delay_ms: delayMin + Math.floor(decided(seed, endpointId, eventNumber, 1, `delay ${copy}`) * (delayMax - delayMin + 1)),
      hold_ms: Math.floor(decided(seed, endpointId, eventNumber, 1, `hold ${copy}`) * (reorder_window_ms + 1)),
      fail_first_attempts,
    });
  }
  return jobs;
}

/** How long after its event a chaos job's first attempt is due. */
export function postponedMs(job: JobChaos): number {
  return job.delay_ms + job.hold_ms;
}

/** Whether an attempt (from 1) of a job fails on purpose: the first `fail_first_attempts` do. */
export function isSimulatedFailure(job: JobChaos, attempt: number): boolean {
  return attempt <= job.fail_first_attempts;
}

/** The error an attempt that failed on purpose records. */
export function simulatedFailureMessage(job: JobChaos, attempt: number): string {
  return `webhook chaos: simulated failure (attempt ${attempt} of the first ${job.fail_first_attempts} that fail); nothing was sent`;
}

export function attemptChaos(job: JobChaos, attempt: number, simulatedFailure: boolean): AttemptChaos {
  return {
    event_number: job.event_number,
    attempt,
    duplicate: job.duplicate,
    duplicated: job.duplicated,
    delay_ms: job.delay_ms,
    hold_ms: job.hold_ms,
    simulated_failure: simulatedFailure,
  };
}

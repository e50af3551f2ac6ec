/**
 * Scripted outcomes (DECISIONS §10): a test-mode charge whose metadata says how it ends is driven there by
 * Satang itself, `satang_outcome_after_seconds` after it was created on the account's clock, through the
 * same use cases as mark_as_paid, mark_as_failed and expire. An account's test settings give a default for
 * new test charges that name no outcome of their own. The rules are decided here; the API parses what the
 * SDKs send, the charge use case stores what applies, and a background job applies it when due.
 */
import { OmiseError } from './errors.js';
import { canComplete, canExpire, type ChargeEnding, type FundingSource, fundingSources, isFundingSource } from './lifecycle.js';
import { scriptedOutcomeAfterSecondsMax } from './limits.js';
import { secondMs } from './time.js';

export const scriptedOutcomes = ['successful', 'failed', 'expired'] as const;
export type ScriptedOutcomeKind = (typeof scriptedOutcomes)[number];

/** The metadata keys, Satang's own (the `satang_` prefix): they stay in the charge's metadata as given. */
export const outcomeKey = 'satang_outcome';
export const outcomeAfterSecondsKey = 'satang_outcome_after_seconds';
export const outcomeFundingSourceKey = 'satang_funding_source';
const outcomeKeys = [outcomeKey, outcomeAfterSecondsKey, outcomeFundingSourceKey] as const;

/** `satang_outcome=none`: this charge stays pending whatever the account's default outcome says. */
export const noOutcome = 'none';

/** What a charge's metadata asked for. */
export type ScriptedOutcomeRequest = { outcome: typeof noOutcome } | { outcome: ScriptedOutcomeKind; afterSeconds: number; fundingSource: FundingSource | null };

/** What a charge carries until it is applied: the outcome, when it is due (account time), the funding source of a success. */
export interface ScriptedOutcome {
  outcome: ScriptedOutcomeKind;
  dueAtMs: number;
  fundingSource: FundingSource | null;
}

/** An account's test settings that are Satang's own (GET|PATCH /test/settings). */
export interface TestSettings {
  default_outcome: ScriptedOutcomeKind | null;
  default_outcome_after_seconds: number;
  default_funding_source: FundingSource | null;
}

export function isScriptedOutcome(value: unknown): value is ScriptedOutcomeKind {
  return typeof value === 'string' && (scriptedOutcomes as readonly string[]).includes(value);
}

/** A metadata value or parameter counts when it is there and not empty (an empty string or null means "not given"). */
function given(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}

/** 0..86399 as a JSON number or a string of digits (form SDKs send every metadata value as a string). */
function afterSecondsOf(value: unknown): number | undefined {
  let seconds: number | undefined;
  if (typeof value === 'number') seconds = value;
  else if (typeof value === 'string' && /^\d{1,5}$/.test(value)) seconds = Number(value);
  return seconds !== undefined && Number.isSafeInteger(seconds) && seconds >= 0 && seconds <= scriptedOutcomeAfterSecondsMax ? seconds : undefined;
}

const outcomeChoices = `${scriptedOutcomes.join(', ')} or ${noOutcome}`;
const afterSecondsRule = `an integer from 0 to ${scriptedOutcomeAfterSecondsMax}`;
const fundingSourceChoices = fundingSources.join(', ');

/**
 * Reads the scripted-outcome keys of a charge's metadata: null when it has none; otherwise the request, or
 * the problems found (each says what is wrong, as the other invalid_charge messages do).
 */
export function readOutcomeMetadata(metadata: Record<string, unknown>): { request: ScriptedOutcomeRequest | null; problems: string[] } {
  if (!outcomeKeys.some((key) => given(metadata[key]))) return { request: null, problems: [] };
  const problems: string[] = [];
  const outcome = metadata[outcomeKey];
  const afterGiven = given(metadata[outcomeAfterSecondsKey]);
  const fundingGiven = given(metadata[outcomeFundingSourceKey]);
  if (!given(outcome)) {
    problems.push(`metadata[${afterGiven ? outcomeAfterSecondsKey : outcomeFundingSourceKey}] needs metadata[${outcomeKey}]`);
    return { request: null, problems };
  }
  if (outcome !== noOutcome && !isScriptedOutcome(outcome)) {
    problems.push(`metadata[${outcomeKey}] must be one of ${outcomeChoices}`);
    return { request: null, problems };
  }
  if (outcome === noOutcome) {
    if (afterGiven || fundingGiven) problems.push(`metadata[${outcomeKey}] ${noOutcome} takes neither ${outcomeAfterSecondsKey} nor ${outcomeFundingSourceKey}`);
    return { request: problems.length ? null : { outcome: noOutcome }, problems };
  }
  let afterSeconds = 0;
  if (afterGiven) {
    const parsed = afterSecondsOf(metadata[outcomeAfterSecondsKey]);
    if (parsed === undefined) problems.push(`metadata[${outcomeAfterSecondsKey}] must be ${afterSecondsRule}`);
    else afterSeconds = parsed;
  }
  let fundingSource: FundingSource | null = null;
  if (fundingGiven) {
    const source = metadata[outcomeFundingSourceKey];
    if (outcome !== 'successful') problems.push(`metadata[${outcomeFundingSourceKey}] is only used with ${outcomeKey} successful`);
    else if (!isFundingSource(source)) problems.push(`metadata[${outcomeFundingSourceKey}] must be one of ${fundingSourceChoices}`);
    else fundingSource = source;
  }
  return { request: problems.length ? null : { outcome, afterSeconds, fundingSource }, problems };
}

/**
 * The scripted outcome a new charge carries: the one its metadata asked for, or else the account's default
 * (test mode only; `none` opts out of the default). A live charge that asks for one is refused: scripted
 * outcomes are a test tool (400 invalid_charge, as every other problem with a charge's parameters).
 */
export function scriptedOutcomeOf(livemode: number, requested: ScriptedOutcomeRequest | null, defaults: TestSettings, createdAtMs: number): ScriptedOutcome | null {
  if (livemode === 1) {
    if (requested) throw new OmiseError('invalid_charge', `metadata[${outcomeKey}] is only available in test mode`);
    return null;
  }
  if (requested) {
    if (requested.outcome === noOutcome) return null;
    return { outcome: requested.outcome, dueAtMs: createdAtMs + requested.afterSeconds * secondMs, fundingSource: requested.fundingSource };
  }
  if (defaults.default_outcome === null) return null;
  return {
    outcome: defaults.default_outcome,
    dueAtMs: createdAtMs + defaults.default_outcome_after_seconds * secondMs,
    fundingSource: defaults.default_outcome === 'successful' ? defaults.default_funding_source : null,
  };
}

/**
 * Whether a due scripted outcome is applied now, through the use case of the manual action: only while the
 * charge is pending and before its deadline (a test clock moved past it leaves the charge to the expiry
 * sweep, which expires it at its deadline). Otherwise it is left alone, and its outcome is dropped.
 */
export function appliesNow(charge: ChargeEnding, outcome: ScriptedOutcomeKind, fundingSource: FundingSource | null, nowMs: number): boolean {
  if (outcome === 'expired') return charge.livemode === 0 && canExpire(charge).allowed && charge.expires_at > nowMs;
  const request = outcome === 'successful' ? { outcome, fundingSource: fundingSource ?? undefined } : { outcome };
  return canComplete(charge, request, nowMs, 'test tools').allowed;
}

/** A change of the test settings, as given (API parameters, the command's options, the dashboard's form). */
export interface TestSettingsChange {
  defaultOutcome?: unknown;
  defaultOutcomeAfterSeconds?: unknown;
  defaultFundingSource?: unknown;
}

/**
 * The test settings after a change, or 400 bad_request naming what is wrong. `none` clears the default
 * outcome or funding source; the funding source belongs to `successful` only, so a default outcome that
 * becomes anything else drops it.
 */
export function changedTestSettings(current: TestSettings, change: TestSettingsChange): TestSettings {
  const next = { ...current };
  if (given(change.defaultOutcome)) {
    if (change.defaultOutcome === noOutcome) next.default_outcome = null;
    else if (isScriptedOutcome(change.defaultOutcome)) next.default_outcome = change.defaultOutcome;
    else throw new OmiseError('bad_request', `default_outcome must be one of ${outcomeChoices}`);
  }
  if (given(change.defaultOutcomeAfterSeconds)) {
    const seconds = afterSecondsOf(change.defaultOutcomeAfterSeconds);
    if (seconds === undefined) throw new OmiseError('bad_request', `default_outcome_after_seconds must be ${afterSecondsRule}`);
    next.default_outcome_after_seconds = seconds;
  }
  if (given(change.defaultFundingSource)) {
    if (change.defaultFundingSource === noOutcome) next.default_funding_source = null;
    else if (!isFundingSource(change.defaultFundingSource)) throw new OmiseError('bad_request', `default_funding_source must be one of ${fundingSourceChoices} or ${noOutcome}`);
    else if (next.default_outcome !== 'successful') throw new OmiseError('bad_request', 'default_funding_source is only used with default_outcome successful');
    else next.default_funding_source = change.defaultFundingSource;
  }
  if (next.default_outcome !== 'successful') next.default_funding_source = null;
  return next;
}

/** An account row's test settings (stored as text: anything unknown reads as unset). */
export function testSettingsOf(account: { default_outcome: string | null; default_outcome_after_seconds: number; default_funding_source: string | null }): TestSettings {
  return {
    default_outcome: isScriptedOutcome(account.default_outcome) ? account.default_outcome : null,
    default_outcome_after_seconds: account.default_outcome_after_seconds,
    default_funding_source: isFundingSource(account.default_funding_source) ? account.default_funding_source : null,
  };
}

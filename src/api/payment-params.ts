/**
 * Validation of source and charge parameters: pure functions that turn what the SDKs send
 * into typed inputs, or throw the Omise error a merchant would get (DECISIONS §9).
 * Every problem found is reported, joined with " and " as Omise does.
 */
import { OmiseError, type OmiseErrorCode } from '../domain/errors.js';
import { truemoneyQr } from '../domain/payment-methods.js';
import { readOutcomeMetadata } from '../domain/scripted-outcomes.js';
import {
  chargeAmountSatangMax,
  chargeAmountSatangMin,
  chargeWebhookEndpointsMax,
  currencyThb,
  descriptionCharsMax,
  metadataBytesMax,
  returnUriCharsMax,
} from '../domain/limits.js';
import type { ChargeInput, SourceInput } from '../usecases/payments.js';
import { integerParam, isGiven, isPlainObject, type Params, stringParam } from './params.js';
import { type TargetPolicy, urlProblem } from '../webhooks/targets.js';


class Problems {
  private readonly messages: string[] = [];
  add(message: string) {
    this.messages.push(message);
  }
  throwIfAny(code: OmiseErrorCode) {
    if (this.messages.length > 0) throw new OmiseError(code, this.messages.join(' and '));
  }
}

function checkAmount(value: unknown, problems: Problems): number {
  const amount = integerParam(value);
  if (amount.kind === 'missing') problems.add('amount is required');
  else if (amount.kind === 'invalid') problems.add('amount must be an integer');
  else if (amount.value < chargeAmountSatangMin) problems.add(`amount must be greater than or equal to ${chargeAmountSatangMin}`);
  else if (amount.value > chargeAmountSatangMax) problems.add(`amount must be less than or equal to ${chargeAmountSatangMax}`);
  return amount.kind === 'ok' ? amount.value : 0;
}

function checkCurrency(value: unknown, problems: Problems): string {
  const currency = stringParam(value);
  if (currency === undefined) problems.add('currency is required');
  else if (currency === null || currency.toUpperCase() !== currencyThb) problems.add('currency is currently not supported');
  return currencyThb;
}

function optionalString(params: Params, name: string, charsMax: number, problems: Problems): string | null {
  const value = stringParam(params[name]);
  if (value === undefined) return null;
  if (value === null) {
    problems.add(`${name} must be a string of text`);
    return null;
  }
  if (value.length > charsMax) problems.add(`${name} must be at most ${charsMax} characters`);
  return value;
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** POST /sources; failures are 400 bad_request. */
export function parseSourceParams(params: Params, requestIp: string | null): SourceInput {
  const problems = new Problems();
  const type = stringParam(params.type);
  if (type === undefined) problems.add('type is required');
  else if (type !== truemoneyQr) problems.add('type is currently not supported');
  const amount = checkAmount(params.amount, problems);
  const currency = checkCurrency(params.currency, problems);
  const input: SourceInput = {
    type: truemoneyQr,
    amount,
    currency,
    ip: optionalString(params, 'ip', 64, problems) ?? requestIp,
    email: optionalString(params, 'email', 254, problems),
    name: optionalString(params, 'name', 255, problems),
    mobileNumber: optionalString(params, 'mobile_number', 32, problems),
    phoneNumber: optionalString(params, 'phone_number', 32, problems),
    platformType: optionalString(params, 'platform_type', 32, problems),
  };
  problems.throwIfAny('bad_request');
  return input;
}

/** POST /charges; failures are 400 invalid_charge. `policy`: which webhook targets are acceptable. */
export function parseChargeParams(params: Params, policy: TargetPolicy): ChargeInput {
  const problems = new Problems();
  const amount = checkAmount(params.amount, problems);
  const currency = checkCurrency(params.currency, problems);

  let source: ChargeInput['source'] = { type: truemoneyQr };
  if (isPlainObject(params.source)) {
    const type = stringParam(params.source.type);
    if (type === undefined) problems.add('source type is required');
    else if (type !== truemoneyQr) problems.add('source type is currently not supported');
  } else {
    const id = stringParam(params.source);
    if (id === undefined) {
      problems.add(isGiven(params.card) || isGiven(params.customer) ? 'card charges are not supported by this gateway; use a truemoney_qr source' : 'source is required');
    } else if (id === null || !/^src_(test_)?[0-9a-z]{1,40}$/.test(id)) {
      problems.add('source must be a source id or a source with a type');
    } else {
      source = { id };
    }
  }

  const description = optionalString(params, 'description', descriptionCharsMax, problems);
  const returnUri = optionalString(params, 'return_uri', returnUriCharsMax, problems);
  if (returnUri !== null && !isHttpUrl(returnUri)) problems.add('return_uri must be an http or https URL');
  const ip = optionalString(params, 'ip', 64, problems);
  const metadata = parseMetadata(params.metadata, problems);
  // Satang's scripted outcome (test mode, DECISIONS §10): read from the metadata at creation only.
  const outcome = readOutcomeMetadata(metadata);
  for (const problem of outcome.problems) problems.add(problem);
  const webhookEndpoints = parseWebhookEndpoints(params.webhook_endpoints, policy, problems);
  problems.throwIfAny('invalid_charge');
  return { amount, currency, source, description, metadata, returnUri, ip, webhookEndpoints, scriptedOutcome: outcome.request };
}

/** PATCH /charges/:id: only description and metadata change. */
export function parseChargeUpdateParams(params: Params): { description?: string | null; metadata?: Record<string, unknown> } {
  const problems = new Problems();
  const update: { description?: string | null; metadata?: Record<string, unknown> } = {};
  if ('description' in params) update.description = optionalString(params, 'description', descriptionCharsMax, problems);
  if (isGiven(params.metadata)) update.metadata = parseMetadata(params.metadata, problems);
  problems.throwIfAny('bad_request');
  return update;
}

function parseMetadata(value: unknown, problems: Problems): Record<string, unknown> {
  if (!isGiven(value)) return {};
  if (!isPlainObject(value)) {
    problems.add('metadata must be an object');
    return {};
  }
  if (Buffer.byteLength(JSON.stringify(value)) > metadataBytesMax) problems.add(`metadata must be at most ${metadataBytesMax} bytes`);
  return value;
}

/** A charge's own webhook URLs: checked as an endpoint's are (the same policy), at most 10. */
function parseWebhookEndpoints(value: unknown, policy: TargetPolicy, problems: Problems): string[] | null {
  if (!isGiven(value)) return null;
  // Form encodings send arrays as webhook_endpoints[]=... or webhook_endpoints[0]=...: both arrive as arrays or objects.
  const list = Array.isArray(value) ? value : isPlainObject(value) ? Object.values(value) : [value];
  const urls: string[] = [];
  for (const item of list) {
    if (typeof item !== 'string' || !isHttpUrl(item)) {
      problems.add('webhook_endpoints must be http or https URLs');
      return null;
    }
    const problem = urlProblem(item, policy);
    if (problem) {
      // "url must ..." becomes "webhook_endpoints[2] must ...".
      problems.add(`webhook_endpoints[${urls.length}]${problem.replace(/^url/, '')}`);
      return null;
    }
    urls.push(item);
  }
  if (urls.length > chargeWebhookEndpointsMax) problems.add(`webhook_endpoints must list at most ${chargeWebhookEndpointsMax} URLs`);
  return urls.length > 0 ? urls : null;
}

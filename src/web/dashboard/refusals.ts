/**
 * The refusals a person meets on the Webhooks, Developers and Settings pages, in the page's language.
 *
 * The rules (and their English wording) live where they are enforced: the use cases and the domain.
 * The dashboard does not check them again; it recognizes the refusals it knows by their wording and
 * says them with its catalogs' words (the numbers in them kept). A refusal it does not know is shown
 * as the rule wrote it, under the page's own "Nothing was done".
 */
import { OmiseError } from '../../domain/errors.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Words, wordsOf } from './i18n.js';

type Say = (match: RegExpExecArray, words: Words) => string;

/** The chaos settings as the forms name them. */
const chaosFields: Record<string, string> = {
  delay_ms: 'webhooks.chaos.delay_min',
  reorder_window_ms: 'webhooks.chaos.reorder_window',
  fail_first_attempts: 'webhooks.chaos.fail_first',
  seed: 'webhooks.chaos.seed',
};

const known: Array<[RegExp, Say]> = [
  [/^name must be 1 to 100 characters$/, (_, w) => w.t('settings.refusal.name')],
  [/^merchant name must be 1 to 100 characters$/, (_, w) => w.t('settings.refusal.merchant_name')],
  [/^biller id must be 15 digits/, (_, w) => w.t('settings.refusal.biller_id')],
  [/^fee rate must be an integer number of basis points from 0 to (\d+)$/, (m, w) => w.t('settings.refusal.fee_rate', { max: w.fmt.number(Number(m[1])) })],
  [/^flat fee must be an integer number of satang from 0 to (\d+)$/, (m, w) => w.t('settings.refusal.fee_flat', { max: w.fmt.number(Number(m[1])) })],
  [/^live TrueMoney QR needs a live provider/, (_, w) => w.t('settings.refusal.live_provider')],
  [/^url is required$|^url must be (an absolute http or https URL|an http or https URL)$/, (_, w) => w.t('webhooks.refusal.url')],
  [/^url must not carry credentials$/, (_, w) => w.t('webhooks.refusal.url_credentials')],
  [/^url must be at most (\d+) characters$/, (m, w) => w.t('webhooks.refusal.url_length', { max: w.fmt.number(Number(m[1])) })],
  [/^url must point at a public address/, (_, w) => w.t('webhooks.refusal.url_public')],
  [/^url host must not end in a dot$/, (_, w) => w.t('webhooks.refusal.url')],
  [/^an account can have at most (\d+) webhook endpoints per mode/, (m, w) => w.t('webhooks.refusal.endpoints_max', { max: w.fmt.number(Number(m[1])) })],
  [/^chaos\.duplicate_rate must be a number from 0 to 1$/, (_, w) => w.t('webhooks.refusal.chaos_rate')],
  [
    /^chaos\.(delay_ms|reorder_window_ms|fail_first_attempts|seed) must be a whole number from 0 to (\d+)$/,
    (m, w) => w.t('webhooks.refusal.chaos_number', { setting: w.t(chaosFields[m[1]]), max: w.fmt.number(Number(m[2])) }),
  ],
  [/^chaos\.delay_ms (must be|is \[min, max\]: min)/, (_, w) => w.t('webhooks.refusal.chaos_delay')],
  [/^webhook chaos is only available in test mode/, (_, w) => w.t('webhooks.refusal.test_mode')],
  [/^only available in test mode$/, (_, w) => w.t('webhooks.refusal.test_mode')],
  [/^amount must be greater than or equal to (\d+)$/, (m, w) => w.t('webhooks.refusal.amount_min', { amount: w.fmt.money(Number(m[1])) })],
  [/^amount must be less than or equal to (\d+)$/, (m, w) => w.t('webhooks.refusal.amount_max', { amount: w.fmt.money(Number(m[1])) })],
  [/^default_outcome_after_seconds must be an integer from 0 to (\d+)$/, (m, w) => w.t('settings.refusal.outcome_after', { max: w.fmt.number(Number(m[1])) })],
  [/^status must be a status class like 4xx/, (_, w) => w.t('developers.refusal.status')],
  [/^method must be an HTTP method/, (_, w) => w.t('developers.refusal.method')],
  [/^route must be a route pattern starting with \//, (_, w) => w.t('developers.refusal.route')],
  [/^path must start with \//, (_, w) => w.t('developers.refusal.path')],
  [/^(status|method|route|path|request_id) must be at most (\d+) characters$/, (m, w) => w.t('developers.refusal.length', { field: w.t(`developers.log.${m[1]}`), max: w.fmt.number(Number(m[2])) })],
  [/^the test clock can move at most 100 years ahead$/, (_, w) => w.t('settings.refusal.clock_far')],
];

/** A refusal's message in the page's language, or null when the dashboard does not know it. */
export function refusalInWords(message: string, words: Words): string | null {
  for (const [pattern, say] of known) {
    const match = pattern.exec(message);
    if (match) return say(match, words);
  }
  return null;
}

/** Runs an action; a refusal the dashboard knows comes out in the page's language (the same code and status). */
export async function inWords<T>(words: Words, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof OmiseError) {
      const said = refusalInWords(error.message, words);
      if (said !== null) throw new OmiseError(error.code, said);
    }
    throw error;
  }
}

/** A route handler whose known refusals come out in the page's language. */
export function spoken<R extends FastifyRequest, T>(handler: (request: R, reply: FastifyReply) => Promise<T>): (request: R, reply: FastifyReply) => Promise<T> {
  return (request, reply) => inWords(wordsOf(request), () => handler(request, reply));
}

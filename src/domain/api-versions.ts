/** The Omise API versions Satang accepts (DECISIONS §2): every one is rendered as the latest. */
import { OmiseError } from './errors.js';
import type { Allowance } from './lifecycle.js';

/** The versions Omise has published, oldest first. */
export const apiVersions = ['2014-07-27', '2015-11-17', '2017-11-02', '2019-05-29'] as const;
export type ApiVersion = (typeof apiVersions)[number];
export const apiVersionLatest: ApiVersion = '2019-05-29';
/** Sources (and inline sources on a charge) need this version or later. */
export const apiVersionSourcesMin: ApiVersion = '2017-11-02';

/** The version an `Omise-Version` header asks for: none means the latest; one Omise never published is a 400. */
export function requestedApiVersion(header: string | string[] | undefined): ApiVersion {
  if (header === undefined || header === '') return apiVersionLatest;
  const version = typeof header === 'string' ? header.trim() : '';
  if ((apiVersions as readonly string[]).includes(version)) return version as ApiVersion;
  throw new OmiseError('bad_request', `Omise-Version ${String(header).slice(0, 40)} is not supported; use one of ${apiVersions.join(', ')}`);
}

/** Whether a source can be created at this API version (404 service_not_found below 2017-11-02, as Omise answers). */
export function canCreateSourcesAt(version: ApiVersion): Allowance {
  if (version >= apiVersionSourcesMin) return { allowed: true, reason: `sources exist from ${apiVersionSourcesMin}` };
  const message = 'you are using api version which does not support this operation';
  return { allowed: false, reason: message, error: new OmiseError('service_not_found', message) };
}

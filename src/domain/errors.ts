/**
 * An Omise error: thrown where the rule lives, rendered in one place (api/errors.ts) as
 * {object:"error", location, code, message}.
 */
export type OmiseErrorCode =
  | 'authentication_failure'
  | 'not_found'
  | 'feature_not_supported'
  | 'bad_request'
  | 'service_not_found'
  | 'invalid_charge'
  | 'not_authorized'
  | 'failed_expire'
  | 'failed_capture'
  | 'failed_reverse'
  | 'invalid_amount'
  | 'failed_refund'
  | 'failed_void'
  | 'invalid_per_page'
  | 'invalid_page'
  | 'invalid_filter'
  | 'request_timeout'
  | 'too_many_requests'
  | 'service_unavailable'
  | 'internal_error';

const statusByCode: Record<OmiseErrorCode, number> = {
  authentication_failure: 401,
  not_found: 404,
  feature_not_supported: 400,
  bad_request: 400,
  service_not_found: 404,
  invalid_charge: 400,
  not_authorized: 403,
  failed_expire: 400,
  failed_capture: 400,
  failed_reverse: 400,
  invalid_amount: 400,
  failed_refund: 400,
  failed_void: 400,
  invalid_per_page: 422,
  invalid_page: 422,
  invalid_filter: 422,
  request_timeout: 408,
  too_many_requests: 429,
  service_unavailable: 503,
  internal_error: 500,
};

/** Every error code Satang answers with. */
export const errorCodes = Object.keys(statusByCode) as OmiseErrorCode[];

/** The HTTP status an error code is answered with. */
export const errorStatus = (code: OmiseErrorCode): number => statusByCode[code];

export class OmiseError extends Error {
  readonly code: OmiseErrorCode;
  readonly statusCode: number;
  constructor(code: OmiseErrorCode, message: string) {
    super(message);
    this.code = code;
    this.statusCode = statusByCode[code];
  }

  get location(): string {
    return `https://www.omise.co/api-errors#${this.code.replaceAll('_', '-')}`;
  }

  toJSON() {
    return { object: 'error', location: this.location, code: this.code, message: this.message };
  }
}

export const notFound = (kind: string, id: string) => new OmiseError('not_found', `${kind} ${id} was not found`);
export const authenticationFailure = () => new OmiseError('authentication_failure', 'authentication failed');

/**
 * Pages for people answer HTML, never an Omise error object (DECISIONS §2): an unknown payment is a
 * 404 page, a refused request a page that says why, and anything unexpected a logged 500 page.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { OmiseError } from '../domain/errors.js';
import { sendPage } from './views.js';

/** Installs, in this plugin's context, an error handler that renders `pay/error` pages. */
export function renderErrorsAsPages(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof OmiseError && error.statusCode < 500) {
      return sendPage(reply, 'pay/error', { statusCode: error.statusCode, code: error.code, message: error.message }, error.statusCode);
    }
    if (!(error instanceof OmiseError) && typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
      return sendPage(reply, 'pay/error', { statusCode: 400, code: 'bad_request', message: 'the request could not be read' }, 400);
    }
    request.log.error({ err: error }, 'unexpected error on a page');
    return sendPage(reply, 'pay/error', { statusCode: 500, code: 'internal_error', message: 'internal error' }, 500);
  });
}

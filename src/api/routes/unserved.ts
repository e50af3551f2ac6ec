/**
 * Omise resources that Satang does not serve (DECISIONS §2): they answer 400
 * feature_not_supported, never a bare 404, so an SDK call fails with a clear reason.
 */
import type { FastifyInstance } from 'fastify';
import { OmiseError } from '../../domain/errors.js';

const cardOnly = 'are not supported by this gateway, which serves TrueMoney QR sources and charges';

export const unservedResources = new Map<string, string>([
  ['tokens', `tokens ${cardOnly}`],
  ['customers', `customers ${cardOnly}`],
  ['cards', `cards ${cardOnly}`],
  ['disputes', 'disputes are not supported by this gateway'],
  ['links', 'links are not supported by this gateway'],
  ['recipients', 'recipients are not supported by this gateway'],
  ['schedules', 'schedules are not supported by this gateway'],
  ['transfers', 'transfers are not supported by this gateway'],
  ['receipts', 'receipts are not supported by this gateway'],
  ['occurrences', 'occurrences are not supported by this gateway'],
  ['chains', 'chains are not supported by this gateway'],
  ['forex', 'forex is not supported by this gateway'],
  ['bank_accounts', 'bank accounts are not supported by this gateway'],
  ['payment_methods', 'payment methods are not supported by this gateway; see /capability'],
]);

/**
 * Unserved Omise resources that live under a resource Satang does serve, where an `:id` route
 * would read their name as an id (GET /charges/schedules: "charge schedules was not found").
 * Each is registered as a static path, which the router prefers to the `:id` beside it.
 */
export const unservedSubresources = new Map<string, string>([['/charges/schedules', 'charge schedules are not supported by this gateway']]);

/** The methods the Omise API uses (HEAD answers as GET does: Fastify adds a HEAD route to each GET route). */
export const unservedMethods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

export async function unservedSubresourceRoutes(app: FastifyInstance): Promise<void> {
  for (const [path, message] of unservedSubresources) {
    const handler = async () => {
      throw new OmiseError('feature_not_supported', message);
    };
    app.route({ method: [...unservedMethods], url: path, handler });
    app.route({ method: [...unservedMethods], url: `${path}/*`, handler });
  }
}

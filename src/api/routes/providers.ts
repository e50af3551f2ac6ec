/**
 * Live providers' callbacks (DECISIONS §11). SCB posts a payment confirmation to the URL the merchant
 * registered: `/providers/scb/callbacks/<secret>`, the secret printed once by `satang accounts scb`. It is
 * a hint, never proof (SCB signs nothing): recorded, answered in SCB's format at once, and decided later
 * by SCB's inquiry (jobs/live-provider.ts). An unknown secret is a 404 and records nothing.
 */
import type { FastifyInstance } from 'fastify';
import { OmiseError } from '../../domain/errors.js';
import { scbCallbackPath } from '../../jobs/live-provider.js';
import { bankCallbackBytesMax } from '../../domain/limits.js';

export async function providerRoutes(app: FastifyInstance): Promise<void> {
  const { gateway } = app;
  // SCB's body is well under 2 KiB: more is refused (400) before it is read whole.
  app.post(`${scbCallbackPath}/:secret`, { bodyLimit: bankCallbackBytesMax }, async (request, reply) => {
    const { secret } = request.params as { secret: string };
    const accepted = await gateway.live.acceptCallback(secret, request.body);
    if (accepted === null) return reply.code(404).send(new OmiseError('not_found', 'the requested resource was not found').toJSON());
    return reply.code(accepted.status).send(accepted.answer);
  });
}

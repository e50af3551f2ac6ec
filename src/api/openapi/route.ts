/** GET /openapi.json: the OpenAPI document (document.ts), no key needed, cacheable and revalidated by its ETag. */
import type { FastifyInstance } from 'fastify';
import { openApiDocumentText } from './document.js';

export const openApiPath = '/openapi.json';

export async function openApiRoutes(app: FastifyInstance): Promise<void> {
  app.get(openApiPath, async (request, reply) => {
    const { text, etag } = openApiDocumentText();
    reply.header('etag', etag).header('cache-control', 'public, max-age=300');
    const known = (request.headers['if-none-match'] ?? '').split(',').map((tag) => tag.trim().replace(/^W\//, ''));
    if (known.includes(etag) || known.includes('*')) return reply.code(304).send();
    return reply.type('application/json; charset=utf-8').send(text);
  });
}

/**
 * Server-rendered HTML: one Eta instance for every page Satang serves (hosted payment page, wallet simulator,
 * dashboard). Eta escapes every `<%= %>` output by default; `<%~ %>` is raw and reserved for markup we built.
 *
 * Templates live in `src/web/templates/` and are read from beside this module: src/web/templates under tsx, and
 * dist/web/templates in the compiled build (scripts/build.mjs copies them there; the package ships dist/ only).
 */
import { fileURLToPath } from 'node:url';
import { Eta } from 'eta';
import type { FastifyReply } from 'fastify';

export const templatesDir = fileURLToPath(new URL('./templates', import.meta.url));

export const views = new Eta({
  views: templatesDir,
  autoEscape: true,
  cache: process.env.NODE_ENV !== 'development',
  defaultExtension: '.eta',
});

/** Renders `template` (a path under src/web/templates, without extension) with `data`. */
export function renderView(template: string, data: object): string {
  return views.render(template, data);
}

/** Sends a rendered page as UTF-8 HTML that may not be framed by other sites nor cached. */
export function sendPage(reply: FastifyReply, template: string, data: object, statusCode = 200): FastifyReply {
  return reply
    .code(statusCode)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('x-frame-options', 'DENY')
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'same-origin')
    .send(renderView(template, data));
}

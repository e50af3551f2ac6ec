/** Small static files (client scripts) read once from the templates directory (src/web/templates/, or dist/web/templates/ compiled) and served as they are. */
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { FastifyReply } from 'fastify';
import { templatesDir } from './views.js';

const cache = new Map<string, Buffer>();

/** A file's bytes, read on first use; `path` is absolute or relative to the templates directory. */
export function assetBytes(path: string): Buffer {
  let bytes = cache.get(path);
  if (bytes === undefined) {
    bytes = readFileSync(isAbsolute(path) ? path : join(templatesDir, path));
    cache.set(path, bytes);
  }
  return bytes;
}

export function sendScript(reply: FastifyReply, path: string): FastifyReply {
  return reply
    .header('content-type', 'application/javascript; charset=utf-8')
    .header('cache-control', 'public, max-age=300')
    .header('x-content-type-options', 'nosniff')
    .send(assetBytes(path));
}

/**
 * Writes docs/openapi.json: the OpenAPI document GET /openapi.json serves, built from the code
 * (src/api/openapi/). Run `npm run openapi` after changing a route; a test fails while the
 * committed file differs from what the code builds.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openApiDocumentText } from '../src/api/openapi/document.js';

export const committedOpenApiPath = fileURLToPath(new URL('../docs/openapi.json', import.meta.url));

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(committedOpenApiPath, openApiDocumentText().text);
  process.stdout.write(`wrote ${committedOpenApiPath}\n`);
}

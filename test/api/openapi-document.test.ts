/**
 * The OpenAPI document (src/api/openapi/): valid OpenAPI 3.1 by a maintained validator, every schema
 * valid JSON Schema 2020-12, committed as docs/openapi.json exactly as the code builds it, served at
 * GET /openapi.json, and listing exactly the routes the app registers (both ways). That every
 * listed operation answers as documented is test/api/openapi-exercise.test.ts.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { buildOpenApiDocument, openApiDocumentText, openApiPath } from '../../src/api/openapi/document.js';
import { unservedMethods, unservedResources } from '../../src/api/routes/unserved.js';
import { committedOpenApiPath } from '../../scripts/write-openapi.js';
import { injectRequest, openTestStore, startTestGateway, type TestGateway, type TestStore } from '../support/harness.js';
import { documentedOperations, resolve, SchemaChecker } from '../support/openapi.js';

const document = buildOpenApiDocument() as Record<string, any>;
const operations = documentedOperations(document);

describe('the OpenAPI document', () => {
  test('is a valid OpenAPI 3.1 document (@seriousme/openapi-schema-validator)', async () => {
    const validator = new Validator();
    const result = await validator.validate(JSON.parse(openApiDocumentText().text));
    assert.equal(validator.version, '3.1');
    assert.ok(result.valid, JSON.stringify(result.errors, null, 2)?.slice(0, 4000));
  });

  test('docs/openapi.json is what the code builds', () => {
    const committed = readFileSync(committedOpenApiPath, 'utf8');
    assert.ok(committed === openApiDocumentText().text, 'docs/openapi.json differs from the document the code builds: run `npm run openapi` and commit docs/openapi.json');
  });

  test('every schema is valid JSON Schema 2020-12 (ajv, strict) and every $ref resolves', () => {
    const checker = new SchemaChecker(document);
    for (const name of Object.keys(document.components.schemas)) checker.compile({ $ref: `#/components/schemas/${name}` });
    const refs = JSON.stringify(document).match(/"\$ref":"[^"]+"/g) ?? [];
    for (const found of new Set(refs)) resolve(document, { $ref: JSON.parse(`{${found}}`).$ref });
    for (const { operationId, operation, parameters } of operations) {
      for (const parameter of parameters) checker.compile(parameter.schema);
      for (const content of Object.values<any>(resolve(document, operation.requestBody ?? {}).content ?? {})) if (content.schema) checker.compile(content.schema);
      for (const response of Object.values<any>(operation.responses)) {
        for (const content of Object.values<any>(resolve(document, response).content ?? {})) if (content.schema) checker.compile(content.schema);
      }
      assert.ok(Object.keys(operation.responses).length > 0, `${operationId} lists its responses`);
    }
  });

  test('operation ids are unique; every operation has one declared tag and says who may call it', () => {
    const ids = operations.map((operation) => operation.operationId);
    assert.deepEqual(
      ids.filter((id, index) => ids.indexOf(id) !== index),
      [],
    );
    const tags = new Set(document.tags.map((tag: { name: string }) => tag.name));
    assert.deepEqual([...tags].sort(), ['api', 'dashboard', 'ops', 'pages', 'simulator', 'test-mode']);
    for (const { operationId, operation } of operations) {
      assert.equal(operation.tags.length, 1, operationId);
      assert.ok(tags.has(operation.tags[0]), `${operationId}: tag ${operation.tags[0]}`);
      assert.ok(Array.isArray(operation.security), `${operationId}: security`);
    }
  });

  test('Omise objects are strict: every key required (but Satang\'s own satang_ keys, shown only where used), no other key allowed', () => {
    for (const name of ['Charge', 'Source', 'Document', 'Refund', 'Event', 'Transaction', 'Balance', 'Capability', 'WebhookEndpoint', 'WebhookDelivery', 'Error', 'ChargeList']) {
      const schema = document.components.schemas[name];
      assert.equal(schema.additionalProperties, false, name);
      // DECISIONS §10: Satang's own additions to Omise objects carry a satang_ prefix and are invisible to clients that do not use them.
      assert.deepEqual([...schema.required].sort(), Object.keys(schema.properties).filter((key) => !key.startsWith('satang_')).sort(), name);
    }
  });

  test('path conversion: :name is {name}, a trailing * is {path}', () => {
    assert.equal(openApiPath('/charges/:id/refunds/:refund'), '/charges/{id}/refunds/{refund}');
    assert.equal(openApiPath('/charges/schedules/*'), '/charges/schedules/{path}');
    assert.equal(openApiPath('/dashboard'), '/dashboard');
  });
});

describe('the documented operations are the routes the app serves', () => {
  let testStore: TestStore;
  let running: TestGateway;
  before(async () => {
    testStore = await openTestStore('sqlite', 'openapi routes');
    running = await startTestGateway(testStore.store);
  });
  after(async () => {
    await running?.close();
    await testStore?.drop();
  });

  const key = (method: string, path: string) => `${method} ${path}`;

  test('every registered route is documented, and every documented route is registered', () => {
    const registered = new Set(running.app.routes.map((route) => key(route.method, openApiPath(route.url.replace(/(.)\/$/, '$1')))));
    const documented = new Set(operations.filter((o) => o.operation['x-satang-served-by'] === undefined).map((o) => key(o.method, o.path)));
    const undocumented = [...registered].filter((route) => !documented.has(route));
    const unregistered = [...documented].filter((route) => !registered.has(route));
    assert.deepEqual(undocumented, [], 'routes the app registers that the document does not list: add them to src/api/openapi/operations.ts');
    assert.deepEqual(unregistered, [], 'operations the document lists that the app does not register');
  });

  test("the operations the not-found handler answers are the unserved Omise resources, at their path and below, for each of the API's methods", () => {
    const byHandler = operations.filter((o) => o.operation['x-satang-served-by'] === 'not-found-handler');
    const registered = new Set(running.app.routes.map((route) => key(route.method, openApiPath(route.url))));
    const expected = [...unservedResources.keys()].flatMap((name) => [`/${name}`, `/${name}/{path}`].flatMap((path) => unservedMethods.map((method) => key(method, path))));
    assert.deepEqual(byHandler.map((o) => key(o.method, o.path)).sort(), expected.filter((route) => !registered.has(route)).sort());
  });

  test('HEAD is not listed: every GET route answers it, as GET without a body', async () => {
    assert.equal(operations.filter((o) => o.method === 'HEAD').length, 0);
    for (const url of ['/healthz', '/openapi.json', '/charges/schedules']) {
      const get = await running.app.inject({ method: 'GET', url });
      const head = await running.app.inject({ method: 'HEAD', url });
      assert.equal(head.statusCode, get.statusCode, url);
      assert.equal(head.body, '', url);
    }
  });

  test('GET /openapi.json serves the document without a key, cacheable, revalidated by its ETag', async () => {
    const served = await injectRequest(running.app, { url: '/openapi.json' });
    assert.equal(served.status, 200);
    assert.match(String(served.headers['content-type']), /^application\/json/);
    assert.equal(served.body, readFileSync(committedOpenApiPath, 'utf8'));
    assert.equal(served.headers['cache-control'], 'public, max-age=300');
    const etag = String(served.headers.etag);
    const again = await injectRequest(running.app, { url: '/openapi.json', headers: { 'if-none-match': `W/"other", ${etag}` } });
    assert.equal(again.status, 304);
    assert.equal(again.body, '');
    const changed = await injectRequest(running.app, { url: '/openapi.json', headers: { 'if-none-match': '"not-this-one"' } });
    assert.equal(changed.status, 200);
  });
});

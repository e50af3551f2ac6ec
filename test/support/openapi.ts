/**
 * Reading the OpenAPI document in tests: its operations, and checks that a request is one the
 * document describes and that an answer is one it lists (status, media type, required headers,
 * and a JSON body valid against its schema, with ajv's JSON Schema 2020-12, OpenAPI 3.1's dialect).
 */
import assert from 'node:assert/strict';
import Ajv2020Module from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { TestResponse } from './harness.js';

type Json = Record<string, any>;

// ajv and ajv-formats are CommonJS modules whose default export is their `default` property.
const Ajv2020 = ((Ajv2020Module as any).default ?? Ajv2020Module) as typeof Ajv2020Module.default;
const addFormats = ((addFormatsModule as any).default ?? addFormatsModule) as typeof addFormatsModule.default;

export interface DocumentedOperation {
  operationId: string;
  method: string;
  /** The OpenAPI path, e.g. /charges/{id}. */
  path: string;
  operation: Json;
  /** The path item's parameters and the operation's, $refs resolved. */
  parameters: Json[];
}

const methods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const schemaBase = 'urn:satang:openapi';

/** Resolves a local $ref (#/components/...) of the document. */
export function resolve(document: Json, value: Json): Json {
  if (typeof value?.$ref !== 'string') return value;
  const found = value.$ref
    .replace(/^#\//, '')
    .split('/')
    .reduce((node: Json | undefined, key: string) => node?.[key], document);
  assert.ok(found, `$ref ${value.$ref} resolves`);
  return resolve(document, found);
}

export function documentedOperations(document: Json): DocumentedOperation[] {
  const found: DocumentedOperation[] = [];
  for (const [path, item] of Object.entries<Json>(document.paths)) {
    for (const method of methods) {
      const operation = item[method];
      if (!operation) continue;
      const parameters = [...(item.parameters ?? []), ...(operation.parameters ?? [])].map((parameter: Json) => resolve(document, parameter));
      found.push({ operationId: operation.operationId, method: method.toUpperCase(), path, operation, parameters });
    }
  }
  return found;
}

/** Whether a concrete path (no query) is an instance of an OpenAPI path template. */
export function matchesTemplate(template: string, path: string): boolean {
  const pattern = template
    .split(/(\{[^}]+\})/)
    .map((part) => (part === '{path}' ? '.+' : part.startsWith('{') ? '[^/]+' : part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${pattern}/?$`).test(path);
}

/** Refs to component schemas, pointed at the one schema ajv holds them in. */
function retarget(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(retarget);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, child]) => [key, key === '$ref' && typeof child === 'string' ? child.replace('#/components/schemas/', `${schemaBase}#/$defs/`) : retarget(child)]),
    );
  }
  return value;
}

export class SchemaChecker {
  readonly ajv;
  private readonly compiled = new Map<string, ReturnType<InstanceType<typeof Ajv2020>['compile']>>();

  constructor(readonly document: Json) {
    this.ajv = new Ajv2020({ strict: true, allErrors: true, allowUnionTypes: true });
    addFormats(this.ajv);
    this.ajv.addSchema({ $id: schemaBase, $defs: retarget(document.components.schemas) as Json });
  }

  /** Compiles a schema of the document (strict: an unknown keyword or format throws). */
  compile(schema: Json) {
    const key = JSON.stringify(schema);
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile(retarget(schema) as Json);
      this.compiled.set(key, validate);
    }
    return validate;
  }

  assertValid(schema: Json, value: unknown, label: string): void {
    const validate = this.compile(schema);
    if (!validate(value)) {
      const problems = (validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message} ${JSON.stringify(error.params)}`);
      assert.fail(`${label}: ${problems.join('\n  ')}\n  value: ${JSON.stringify(value).slice(0, 600)}`);
    }
  }
}

/** How a request was sent: what checkRequest reads. */
export interface SentRequest {
  method: string;
  url: string;
  json?: unknown;
  form?: string;
}

/**
 * Checks that a request is one the document describes: its path an instance of the operation's,
 * its query parameters and form fields declared (the required ones present), its JSON body valid.
 */
export function checkRequest(checker: SchemaChecker, documented: DocumentedOperation, request: SentRequest): void {
  const label = `${documented.operationId} request`;
  const url = new URL(request.url, 'http://satang.test');
  assert.equal(request.method.toUpperCase(), documented.method, label);
  assert.ok(matchesTemplate(documented.path, url.pathname), `${label}: ${url.pathname} is an instance of ${documented.path}`);
  const query = documented.parameters.filter((parameter) => parameter.in === 'query');
  for (const name of new Set(url.searchParams.keys())) {
    assert.ok(
      query.some((parameter) => parameter.name === name),
      `${label}: query parameter ${name} is documented`,
    );
  }
  for (const parameter of query.filter((p) => p.required)) assert.ok(url.searchParams.has(parameter.name), `${label}: required query parameter ${parameter.name} is sent`);
  const body = documented.operation.requestBody ? resolve(checker.document, documented.operation.requestBody) : undefined;
  if (request.json !== undefined) {
    const schema = body?.content?.['application/json']?.schema;
    assert.ok(schema, `${label}: a JSON body is documented`);
    checker.assertValid(schema, request.json, label);
  }
  if (request.form !== undefined) {
    const schema = resolve(checker.document, body?.content?.['application/x-www-form-urlencoded']?.schema ?? {});
    assert.ok(body, `${label}: a form body is documented`);
    const fields = new URLSearchParams(request.form);
    if (schema.properties) {
      for (const name of new Set(fields.keys())) assert.ok(name.replace(/\[.*$/, '') in schema.properties, `${label}: form field ${name} is documented`);
    }
    for (const name of schema.required ?? []) assert.ok(fields.has(name), `${label}: required form field ${name} is sent`);
  }
  if (body?.required && request.json === undefined && request.form === undefined) {
    // A required body may come in the query string instead (the API's parameters).
    assert.ok(url.search !== '', `${label}: the required parameters are sent`);
  }
}

const header = (response: TestResponse, name: string) => response.headers[name.toLowerCase()];

/**
 * Checks an answer against the document: its status listed for the operation, its media type one
 * of that response's, its required headers present, and a JSON body valid against the schema.
 * Returns the parsed JSON body, if any.
 */
export function checkResponse(checker: SchemaChecker, documented: DocumentedOperation, response: TestResponse, label = documented.operationId): unknown {
  const responses = documented.operation.responses as Json;
  const listed = responses[String(response.status)];
  assert.ok(
    listed,
    `${label}: ${documented.method} ${documented.path} answered ${response.status}, which the document does not list (it lists ${Object.keys(responses).join(', ')}): ${response.body.slice(0, 300)}`,
  );
  const documentedResponse = resolve(checker.document, listed);
  for (const [name, spec] of Object.entries<Json>(documentedResponse.headers ?? {})) {
    if (resolve(checker.document, spec).required) assert.notEqual(header(response, name), undefined, `${label}: ${response.status} carries ${name}`);
  }
  const content = documentedResponse.content as Json | undefined;
  if (!content) {
    assert.equal(response.raw.length, 0, `${label}: ${response.status} has no body`);
    return undefined;
  }
  const mediaType = String(header(response, 'content-type') ?? '')
    .split(';')[0]
    .trim()
    .toLowerCase();
  assert.ok(mediaType in content, `${label}: ${response.status} answered ${mediaType || 'no content type'}; the document lists ${Object.keys(content).join(', ')}`);
  if (mediaType === 'application/json') {
    assert.notEqual(response.json, undefined, `${label}: the body is JSON`);
    checker.assertValid(content[mediaType].schema, response.json, `${label} (${response.status})`);
    return response.json;
  }
  if (mediaType === 'text/html') assert.match(response.body.trimStart(), /^<!doctype html>/i, `${label}: an HTML page`);
  else if (mediaType === 'image/png') assert.ok(response.raw.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), `${label}: a PNG`);
  else assert.ok(response.raw.length > 0, `${label}: ${mediaType} is not empty`);
  return undefined;
}

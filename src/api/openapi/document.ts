/**
 * The OpenAPI 3.1 document of every route Satang serves, built from the operation table
 * (operations.ts) and the component schemas (schemas.ts). It depends on nothing configured, so the
 * document GET /openapi.json serves and docs/openapi.json (written by `npm run openapi`) are the
 * same bytes; a test fails when the committed file falls behind the code.
 *
 * Conventions, also stated in the document's description:
 * - Paths: Fastify's `:name` is OpenAPI's `{name}`; a trailing `*` (any path below) is `{path}`.
 * - HEAD: Fastify answers HEAD on every GET route, as GET without a body; HEAD is not listed.
 * - The unserved Omise resources are listed path by path although most are answered by the app's
 *   not-found handler (`x-satang-served-by: not-found-handler`); any other unknown path is a 404
 *   not_found (a 404 page under /dashboard), which no operation lists.
 */
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { apiVersionLatest } from '../../domain/api-versions.js';
import { errorStatus, type OmiseErrorCode } from '../../domain/errors.js';
import { allOperations, type Access, type HeaderSpec, type Operation, type Reply, type Tag } from './operations.js';
import { componentSchemas, ref, type Schema } from './schemas.js';

type Json = Record<string, unknown>;

/** A Fastify route path as an OpenAPI path: `:id` → `{id}`, a trailing `*` → `{path}`. */
export function openApiPath(fastifyPath: string): string {
  return fastifyPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\/\*$/, '/{path}');
}

/** Path parameters are ids and tokens (src/api/request-parsing.ts); anything else is a 404 before any handler. */
const pathParamSchema = { type: 'string', pattern: '^[0-9A-Za-z_]{1,100}$' };

const tags: Array<{ name: Tag; description: string }> = [
  { name: 'api', description: 'The Omise REST API for TrueMoney QR, and Satang\'s own webhook endpoints API. JSON answers; every failure an Omise error object.' },
  { name: 'test-mode', description: 'Satang\'s test-mode tools (DECISIONS §8): secret key, test mode only (403 not_authorized with a live key).' },
  { name: 'pages', description: 'What a customer\'s browser gets: the hosted payment page, its status, omise.js.' },
  { name: 'simulator', description: 'The TrueMoney wallet simulator, test mode only: a page for people and a JSON API for tests.' },
  { name: 'dashboard', description: 'The operator dashboard: HTML pages behind a session; every action a form POST with the session\'s CSRF token.' },
  { name: 'ops', description: 'Liveness, readiness, metrics, and this document.' },
];

const description = `Every route Satang serves: the Omise API for TrueMoney QR (rendered as API version ${apiVersionLatest}), its test-mode tools, the customer's pages, the wallet simulator, the dashboard and the operations routes.

Requests (DECISIONS §2): parameters as JSON or form bodies (nested brackets), or in the query string, on any method; integers may be sent as their digits, and "" or null means "not given". Parameters not listed are accepted and ignored.

Errors: every failure of a JSON route is an Omise error object {object, location, code, message} (DECISIONS §9). Besides those each operation lists, any route answers 400 bad_request to a request it cannot read (bad JSON, a NUL in a parameter, too many parameters), 408 request_timeout, 414 or 431 to a URL or headers too large, and 500 internal_error; pages answer such failures with an HTML page.

Paths: Fastify's ":name" is "{name}" here, and a trailing "*" (any path below) is "{path}". HEAD is answered on every GET route, as GET without a body, and is not listed. The Omise resources Satang does not serve are listed one by one (400 feature_not_supported); any other unknown path is 404 not_found (a 404 page under /dashboard).`;

const securitySchemes = {
  secretKey: { type: 'http', scheme: 'basic', description: 'The secret key (skey_test_... or skey_...) as the user name; the password, and even the colon, may be absent.' },
  publicKey: { type: 'http', scheme: 'basic', description: 'The public key (pkey_test_... or pkey_...) as the user name, as omise.js sends it.' },
  operatorSession: { type: 'apiKey', in: 'cookie', name: 'satang_session', description: 'A dashboard session, from signing in.' },
  metricsToken: { type: 'http', scheme: 'bearer', description: 'SATANG_METRICS_TOKEN, when it is set.' },
};

const security: Record<Access, Json[]> = {
  secret: [{ secretKey: [] }],
  public: [{ publicKey: [] }, { secretKey: [] }],
  none: [],
  wallet: [{}, { publicKey: [] }, { secretKey: [] }],
  operator: [{ operatorSession: [] }],
  metrics: [{}, { metricsToken: [] }],
};

const parameters = {
  OmiseVersion: {
    name: 'Omise-Version',
    in: 'header',
    description: `Any published Omise API version (default ${apiVersionLatest}); all are rendered as ${apiVersionLatest}. Another value is 400 bad_request.`,
    schema: ref('OmiseVersion'),
  },
  IdempotencyKey: {
    name: 'Idempotency-Key',
    in: 'header',
    description: 'The same key with the same parameters within 24 hours answers the first answer again (Idempotent-Replayed: true); with other parameters, 400 bad_request.',
    schema: { type: 'string', minLength: 1 },
  },
};

/** Default descriptions of path parameters, by name (`id`: by the resource before it). */
const paramDescriptions: Record<string, string> = {
  docu: 'the document id',
  token: 'the download token: 16 upper-case hex digits',
  refund: 'the refund id',
  ref: 'the pay2 reference',
  event: 'the event id',
  path: 'any path below (it may contain slashes)',
};
const resourceNames: Record<string, string> = {
  charges: 'charge',
  sources: 'source',
  events: 'event',
  transactions: 'transaction',
  webhook_endpoints: 'webhook endpoint',
  endpoints: 'webhook endpoint',
};

function pathParameters(operation: Operation): Json[] {
  const segments = operation.path.split('/');
  const found: Json[] = [];
  for (const [index, segment] of segments.entries()) {
    if (segment === '*') {
      found.push({ name: 'path', in: 'path', required: true, description: paramDescriptions.path, schema: { type: 'string' } });
    } else if (segment.startsWith(':')) {
      const name = segment.slice(1);
      const resource = resourceNames[segments[index - 1]];
      const fallback = name === 'id' && resource ? `the ${resource} id` : (paramDescriptions[name] ?? name);
      found.push({ name, in: 'path', required: true, description: operation.pathParams?.[name] ?? fallback, schema: pathParamSchema });
    }
  }
  return found;
}

/** Whether an operation's failures are Omise error objects (JSON), and which every one of its kind can give. */
function implicitErrors(operation: Operation): OmiseErrorCode[] {
  if (operation.errorPages !== undefined || operation.tag === 'ops') return [];
  const codes: OmiseErrorCode[] = ['bad_request', 'internal_error'];
  if (operation.access === 'secret' || operation.access === 'public' || operation.access === 'wallet') codes.push('authentication_failure');
  if (/\/:/.test(operation.path)) codes.push('not_found');
  return codes;
}

const headerObjects = (headers: Record<string, HeaderSpec> | undefined): Json | undefined =>
  headers &&
  Object.fromEntries(
    Object.entries(headers).map(([name, spec]) => [name, { description: spec.description, ...(spec.required ? { required: true } : {}), schema: spec.schema ?? { type: 'string' } }]),
  );

function replyObject(reply: Reply, idempotent: boolean): Json {
  switch (reply.kind) {
    case 'json': {
      const headers = { ...(headerObjects(reply.headers) ?? {}) };
      if (idempotent) headers['Idempotent-Replayed'] = { description: 'true when this answers a repeated Idempotency-Key', schema: { const: 'true' } };
      return { description: reply.description, ...(Object.keys(headers).length > 0 ? { headers } : {}), content: { 'application/json': { schema: ref(reply.schema) } } };
    }
    case 'page':
      return { description: reply.description, content: { 'text/html': { schema: { type: 'string' } } } };
    case 'redirect':
      return { description: `303 See Other: ${reply.description}`, headers: { Location: { description: 'where to go', required: true, schema: { type: 'string' } } } };
    case 'empty':
      return { description: reply.description, ...(reply.headers ? { headers: headerObjects(reply.headers) } : {}) };
    case 'bytes': {
      const binary = reply.mediaType.startsWith('image/');
      return { description: reply.description, ...(reply.headers ? { headers: headerObjects(reply.headers) } : {}), content: { [reply.mediaType]: binary ? {} : { schema: { type: 'string' } } } };
    }
  }
}

/** The component response of an Omise error with these codes (all of one status), made once. */
function errorResponse(responses: Json, status: number, codes: OmiseErrorCode[]): Json {
  const name = `Error${status}_${codes.join('_')}`;
  if (!(name in responses)) {
    responses[name] = {
      description: `an Omise error: ${codes.join(' or ')}`,
      content: {
        'application/json': {
          schema: { allOf: [ref('Error'), { type: 'object', properties: { code: codes.length === 1 ? { const: codes[0] } : { enum: codes } } }] },
        },
      },
    };
  }
  return { $ref: `#/components/responses/${name}` };
}

function operationObject(operation: Operation, components: { responses: Json; parameters: Json }): Json {
  const { responses } = components;
  const result: Json = {};
  const byStatus = new Map<number, Json>();
  const put = (status: number, response: Json) => {
    if (byStatus.has(status)) throw new Error(`${operation.operationId}: two responses for status ${status}`);
    byStatus.set(status, response);
  };
  for (const [status, reply] of Object.entries(operation.replies)) put(Number(status), replyObject(reply, operation.idempotent === true));
  const codes = [...new Set([...(operation.errors ?? []), ...implicitErrors(operation)])];
  const statuses = [...new Set(codes.map(errorStatus))];
  for (const status of statuses) put(status, errorResponse(responses, status, codes.filter((code) => errorStatus(code) === status).sort()));
  for (const status of operation.errorPages ?? []) put(status, { $ref: `#/components/responses/Page${status}` });

  // Path parameters are the path item's (pathItem below).
  const params: Json[] = [];
  for (const { component, ...query } of operation.query ?? []) {
    const parameter = { name: query.name, in: 'query', description: query.description, ...(query.required ? { required: true } : {}), schema: query.schema };
    if (component === undefined) params.push(parameter);
    else {
      components.parameters[component] ??= parameter;
      params.push({ $ref: `#/components/parameters/${component}` });
    }
  }
  const inOmiseApi = (operation.tag === 'api' || operation.tag === 'test-mode') && operation.servedBy === undefined;
  if (inOmiseApi) params.push({ $ref: '#/components/parameters/OmiseVersion' });
  if (operation.idempotent) params.push({ $ref: '#/components/parameters/IdempotencyKey' });

  result.tags = [operation.tag];
  result.summary = operation.summary;
  if (operation.description) result.description = operation.description;
  result.operationId = operation.operationId;
  if (params.length > 0) result.parameters = params;
  if (operation.body) result.requestBody = apiBody(operation.body);
  if (operation.form) {
    result.requestBody = {
      required: true,
      content: { 'application/x-www-form-urlencoded': { schema: { type: 'object', properties: operation.form.properties, ...(operation.form.required?.length ? { required: operation.form.required } : {}) } } },
    };
  }
  result.responses = Object.fromEntries([...byStatus].sort(([a], [b]) => a - b).map(([status, response]) => [String(status), response]));
  result.security = security[operation.access];
  if (operation.deprecated !== undefined) result.deprecated = operation.deprecated;
  if (operation.servedBy) result['x-satang-served-by'] = operation.servedBy;
  return result;
}

/**
 * A path's operations, with what they share said once: the path parameters, and the summary and
 * description when every operation has the same ones (the unserved resources).
 */
function pathItem(operations: Operation[], components: { responses: Json; parameters: Json }): Json {
  const item: Json = {};
  const shared = (key: 'summary' | 'description') => operations.length > 1 && operations.every((operation) => operation[key] === operations[0][key]);
  const hoisted = { summary: shared('summary'), description: shared('description') };
  if (hoisted.summary) item.summary = operations[0].summary;
  if (hoisted.description && operations[0].description) item.description = operations[0].description;
  const params = pathParameters(operations[0]);
  if (params.length > 0) item.parameters = params;
  for (const operation of operations) {
    const object = operationObject(operation, components);
    if (hoisted.summary) delete object.summary;
    if (hoisted.description) delete object.description;
    item[operation.method.toLowerCase()] = object;
  }
  return item;
}

/** API parameters: JSON, or a form whose nested objects use brackets (`metadata[order]=42`). */
function apiBody(body: NonNullable<Operation['body']>): Json {
  const schema = componentSchemas[body.schema] as { properties?: Record<string, Schema> };
  const nested = Object.entries(schema.properties ?? {})
    .filter(([, property]) => JSON.stringify(property).includes('"object"'))
    .map(([name]) => name);
  const encoding = nested.length > 0 ? { encoding: Object.fromEntries(nested.map((name) => [name, { style: 'deepObject', explode: true }])) } : {};
  return {
    ...(body.required ? { required: true } : {}),
    description: 'JSON or a form; the parameters may also be sent in the query string.',
    content: {
      'application/json': { schema: ref(body.schema) },
      'application/x-www-form-urlencoded': { schema: ref(body.schema), ...encoding },
    },
  };
}

const packageVersion = (): string => {
  const packageJson = fileURLToPath(new URL('../../../package.json', import.meta.url));
  return (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version;
};

/** Builds the document from the operation table. */
export function buildOpenApiDocument(): Json {
  const responses: Json = {};
  for (const [status, what] of [
    [400, 'the request was refused: the page says why'],
    [401, 'not signed in, a bad key, or the sign-in failed: the page says why'],
    [403, 'refused: a live key, a missing or wrong form or CSRF token, or another site'],
    [404, 'no such payment, charge or page'],
    [409, 'the object changed after the confirmation was shown: nothing was done, the page says so'],
    [429, 'too many failed sign-ins: wait 15 minutes'],
    [500, 'something went wrong on the server (details in its log)'],
  ] as const) {
    responses[`Page${status}`] = { description: `an HTML page: ${what}`, content: { 'text/html': { schema: { type: 'string' } } } };
  }
  const componentParameters: Json = { ...parameters };
  const byPath = new Map<string, Operation[]>();
  for (const operation of allOperations()) {
    const path = openApiPath(operation.path);
    const listed = byPath.get(path) ?? [];
    if (listed.some((other) => other.method === operation.method)) throw new Error(`${operation.method} ${operation.path} is listed twice`);
    byPath.set(path, [...listed, operation]);
  }
  const paths: Json = {};
  for (const [path, operations] of byPath) paths[path] = pathItem(operations, { responses, parameters: componentParameters });
  const usedPages = new Set(JSON.stringify(paths).match(/#\/components\/responses\/Page\d+/g)?.map((found) => found.split('/').pop()));
  for (const name of Object.keys(responses)) if (name.startsWith('Page') && !usedPages.has(name)) delete responses[name];
  return {
    openapi: '3.1.0',
    info: { title: 'Satang', version: packageVersion(), summary: 'A self-hosted payment gateway speaking the Omise API for TrueMoney QR', description, license: { name: 'MIT', identifier: 'MIT' } },
    servers: [{ url: '/', description: 'the gateway serving this document (its SATANG_PUBLIC_URL)' }],
    tags,
    paths,
    components: {
      schemas: { ...componentSchemas, OpenApiDocument: openApiDocumentSchema },
      responses: sortKeys(responses),
      parameters: componentParameters,
      securitySchemes,
    },
  };
}

const openApiDocumentSchema = {
  type: 'object',
  description: 'An OpenAPI 3.1 document (this one).',
  required: ['openapi', 'info', 'paths', 'components'],
  properties: { openapi: { const: '3.1.0' }, info: { type: 'object' }, paths: { type: 'object' }, components: { type: 'object' } },
};

const sortKeys = (object: Json): Json => Object.fromEntries(Object.entries(object).sort(([a], [b]) => a.localeCompare(b)));

let built: { text: string; etag: string } | undefined;

/** The document as served and committed: indented JSON with a final newline, and its ETag. */
export function openApiDocumentText(): { text: string; etag: string } {
  if (!built) {
    const text = `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`;
    built = { text, etag: `"${createHash('sha256').update(text).digest('base64url').slice(0, 27)}"` };
  }
  return built;
}

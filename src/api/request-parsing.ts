/**
 * Reading a request the way the Omise SDKs send it (omise-api.md §2.1, DECISIONS §2, §9): JSON or
 * form bodies (nested brackets through qs), bodies on GET and DELETE, query strings, every limit a
 * clear 400 and never a silent cut, and no NUL or lone surrogate past the edge. Every route, the
 * API's and the pages', gets its parameters this way, as request.omiseParams.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import qs from 'qs';
import { OmiseError, type OmiseErrorCode } from '../domain/errors.js';
import {
  formNestingDepthMax,
  requestArrayElementsMax,
  requestBodyBytesMax,
  requestNestingDepthMax,
  requestParametersMax,
} from '../domain/limits.js';
import { findUnstorableText, isPlainObject, nestingDepth, type Params, printableParamName } from './params.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The code of a parameter refused at the edge (a NUL or a lone surrogate): bad_request unless a route says otherwise. */
    paramErrorCode?: OmiseErrorCode;
  }
  interface FastifyRequest {
    /** Query string and body merged, the body winning (omise-api.md §2.1). */
    omiseParams: Params;
  }
}

const qsOptions = {
  depth: formNestingDepthMax,
  strictDepth: true,
  parameterLimit: requestParametersMax,
  arrayLimit: requestArrayElementsMax,
  // Past a limit qs would otherwise cut the form short or turn an array into an object, silently.
  throwOnLimitExceeded: true,
  allowPrototypes: false,
} as const;

/** qs reports each limit as a RangeError; its message says which one. */
function limitError(error: RangeError): OmiseError {
  if (/parameter limit/i.test(error.message)) return new OmiseError('bad_request', `too many parameters: at most ${requestParametersMax} are accepted`);
  if (/array limit/i.test(error.message)) return new OmiseError('bad_request', `an array has more than ${requestArrayElementsMax} elements (or an index past ${requestArrayElementsMax - 1})`);
  if (/depth/i.test(error.message)) return new OmiseError('bad_request', 'parameters are nested too deeply');
  return new OmiseError('bad_request', 'parameters could not be read');
}

/** Form and query strings through qs; past any of its limits the request is a 400, never silently cut or flattened. */
function parseQueryString(text: string): Record<string, unknown> {
  try {
    return qs.parse(text, qsOptions);
  } catch (error) {
    if (error instanceof RangeError) throw limitError(error);
    throw error;
  }
}

/** Path parameters are ids and tokens: letters, digits and underscores. Anything else names nothing. */
const pathParamPattern = /^[0-9A-Za-z_]{1,100}$/;

function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new OmiseError('bad_request', 'request body is not valid JSON');
  }
  if (parsed === null) return {};
  if (!isPlainObject(parsed)) throw new OmiseError('bad_request', 'request body must be a JSON object');
  if (nestingDepth(parsed, requestNestingDepthMax) > requestNestingDepthMax) {
    throw new OmiseError('bad_request', `request body is nested more than ${requestNestingDepthMax} levels deep`);
  }
  return parsed;
}

function parseFormBody(text: string): unknown {
  return parseQueryString(text);
}

/** A body whose type was not declared (or an unusual one): JSON if it looks like JSON, else form. */
function parseUndeclaredBody(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed === '') return {};
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) return parseJsonBody(trimmed);
  return parseFormBody(trimmed);
}

const badQueryMarker = Symbol('bad query string');

/** Fastify's query-string parser: a failure is reported in preValidation, where an Omise error can be sent. */
export function querystringParser(text: string): Record<string | symbol, unknown> {
  try {
    return parseQueryString(text);
  } catch (error) {
    return { [badQueryMarker]: error instanceof OmiseError ? error : new OmiseError('bad_request', 'the query string could not be read') };
  }
}

/** Installs the body parsers and the hook that gives every route its request.omiseParams. */
export function installRequestParsing(app: FastifyInstance): void {
  app.decorateRequest('omiseParams', null as unknown as Params);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseFormBody(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  app.addContentTypeParser('*', { parseAs: 'string' }, (request, body, done) => {
    const type = request.headers['content-type'];
    if (type !== undefined && !/^(text\/plain|application\/octet-stream)\b/i.test(type)) {
      done(new OmiseError('bad_request', `content type ${type.split(';')[0]} is not supported; send JSON or form data`), undefined);
      return;
    }
    try {
      done(null, parseUndeclaredBody(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  // GET and DELETE bodies (omise-python and omise-go send JSON there) are read by hand.
  app.addHook('preValidation', async (request) => {
    let body = request.body;
    if (body === undefined && (request.method === 'GET' || request.method === 'DELETE')) body = await readUnparsedBody(request);
    if (body !== undefined && body !== null && !isPlainObject(body)) throw new OmiseError('bad_request', 'request body must be an object');
    const query = isPlainObject(request.query) ? request.query : {};
    const queryError = (query as { [badQueryMarker]?: OmiseError })[badQueryMarker];
    if (queryError) throw queryError;
    // ('*' is the unmatched path of the not-found handler.)
    const pathParams = isPlainObject(request.params) ? Object.entries(request.params).filter(([name]) => name !== '*').map(([, value]) => value) : [];
    if (pathParams.some((value) => typeof value !== 'string' || !pathParamPattern.test(value))) {
      throw new OmiseError('not_found', 'the requested resource was not found');
    }
    // One check for every route, before authentication and before any write (DECISIONS §9).
    const unstorable = findUnstorableText(query) ?? findUnstorableText(body);
    if (unstorable) {
      const code = request.routeOptions.config?.paramErrorCode ?? 'bad_request';
      throw new OmiseError(code, `${printableParamName(unstorable.name)} must not contain ${unstorable.problem}`);
    }
    request.omiseParams = { ...query, ...((body as Params | undefined) ?? {}) };
  });
}

async function readUnparsedBody(request: FastifyRequest): Promise<unknown> {
  const raw = request.raw;
  if (raw.readableEnded) return undefined;
  const length = Number(request.headers['content-length'] ?? 0);
  if (!(length > 0) && request.headers['transfer-encoding'] === undefined) return undefined;
  if (length > requestBodyBytesMax) throw new OmiseError('bad_request', `request body is larger than ${requestBodyBytesMax} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of raw) {
      size += (chunk as Buffer).length;
      if (size > requestBodyBytesMax) throw new OmiseError('bad_request', `request body is larger than ${requestBodyBytesMax} bytes`);
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    if (error instanceof OmiseError) throw error;
    // The client went away, or its body stopped and the edge answered 408: nothing unexpected here.
    throw new OmiseError('bad_request', 'the request body did not arrive whole');
  }
  const text = Buffer.concat(chunks).toString('utf8');
  const type = request.headers['content-type'] ?? '';
  if (/json/i.test(type)) return parseJsonBody(text);
  if (/x-www-form-urlencoded/i.test(type)) return parseFormBody(text);
  return parseUndeclaredBody(text);
}

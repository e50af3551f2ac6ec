/**
 * The HTTP server under the Fastify app: what happens to a connection before any route sees it.
 *  - Slow and silent clients: a request (headers and body) must arrive within the request timeout or
 *    it is answered 408 and closed; a connection that sends nothing is closed after the same time;
 *    connections beyond the cap are refused at accept (counted in /metrics by the caller).
 *  - Every error the HTTP parser raises is an Omise error object (DECISIONS §9) on a connection that
 *    is then closed, and is never written into an answer already under way: when the bytes after a
 *    whole request are bad, that request is answered first and the error follows it.
 *  - Proxy-style requests (CONNECT, absolute-form targets) are served only for Omise's own hosts
 *    (DECISIONS §8: an unmodified omise-node app tunnels to api.omise.co:443); any other is 403.
 */
import http, { type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { OmiseError } from '../domain/errors.js';
import {
  keepAliveIdleMs,
  requestHeadersBytesMax,
  requestTimeoutCheckMsMax,
  requestTimeoutChecksPerTimeout,
  requestUrlCharsMax,
} from '../domain/limits.js';

/** The hosts the CONNECT proxy and absolute-form requests answer for: Omise's API and its vault. */
export const proxiedHosts: readonly string[] = ['api.omise.co', 'vault.omise.co'];
/** CONNECT is for TLS to those hosts (what the SDKs' proxy agents ask for), so port 443 only. */
const proxiedConnectPort = '443';

export interface HttpEdgeOptions {
  requestTimeoutMs: number;
  maxConnections: number;
}

/** A refusal written at the edge: the status (414 and 431 carry bad_request, DECISIONS §9) and the Omise error. */
interface Refusal {
  status: number;
  error: OmiseError;
}

/** The latest request on a connection and its answer. */
interface Exchange {
  request: IncomingMessage;
  response: ServerResponse;
}

function refusal(status: number, error: OmiseError): Refusal {
  return { status, error };
}

const proxyRefusal = (target: string) =>
  refusal(403, new OmiseError('not_authorized', `this gateway answers proxy requests only for ${proxiedHosts.join(' and ')} (CONNECT to port ${proxiedConnectPort}), not ${target.slice(0, 100)}`));

/** CONNECT's target: exactly `host:443` for one of the proxied hosts (no user info, no path). */
export function isProxiedAuthority(authority: string): boolean {
  let url: URL;
  try {
    url = new URL(`http://${authority}`);
  } catch {
    return false;
  }
  return proxiedHosts.includes(url.hostname) && url.port === proxiedConnectPort && `${url.hostname}:${url.port}` === authority.toLowerCase();
}

/**
 * An absolute-form target (`GET http://api.omise.co/charges`): the path and query to serve when it
 * names a proxied host, null when it names another (or is not an http(s) URL at all).
 */
export function proxiedPath(target: string): string | null {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.username !== '' || url.password !== '' || !proxiedHosts.includes(url.hostname)) return null;
  return url.pathname + url.search;
}

/** What a request line and headers that did arrive whole still cannot be served as. */
function refusalOf(request: IncomingMessage): Refusal | undefined {
  const target = request.url ?? '';
  if (target.length > requestUrlCharsMax) {
    return refusal(414, new OmiseError('bad_request', `the request URL is longer than ${requestUrlCharsMax} characters`));
  }
  // Node's own check answers a bare 400; here it is an Omise error like every other parser refusal.
  if (request.httpVersion === '1.1' && request.headers.host === undefined) {
    return refusal(400, new OmiseError('bad_request', 'malformed HTTP request: the Host header is missing'));
  }
  if (target.startsWith('/') || (target === '*' && request.method === 'OPTIONS')) return undefined;
  if (!/^[a-z][a-z0-9+.-]*:/i.test(target)) return refusal(400, new OmiseError('bad_request', 'malformed HTTP request: the request target must be a path'));
  const path = proxiedPath(target);
  if (path === null) return proxyRefusal(target);
  // Served as if the path had been given alone, so routing and the not-found handler see a path.
  request.url = path;
  return undefined;
}

/** The answer to an error Node's HTTP parser (or its request timeout) reports on a connection. */
function clientErrorRefusal(error: NodeJS.ErrnoException & { reason?: unknown }, requestTimeoutMs: number): Refusal {
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return refusal(408, new OmiseError('request_timeout', `the request took too long to arrive (it must arrive within ${requestTimeoutMs} ms)`));
  }
  if (error.code === 'HPE_HEADER_OVERFLOW') {
    return refusal(431, new OmiseError('bad_request', `the request headers are too large (at most ${requestHeadersBytesMax} bytes with the request line)`));
  }
  const reason = typeof error.reason === 'string' && error.reason !== '' ? `: ${error.reason.slice(0, 100)}` : '';
  return refusal(400, new OmiseError('bad_request', `malformed HTTP request${reason}`));
}

/** How often Node looks for requests past their timeout: it looks every 30 s unless told otherwise. */
export function timeoutCheckIntervalMs(requestTimeoutMs: number): number {
  return Math.max(1, Math.min(requestTimeoutCheckMsMax, Math.floor(requestTimeoutMs / requestTimeoutChecksPerTimeout)));
}

export class HttpEdge {
  private readonly exchanges = new WeakMap<Duplex, Exchange>();
  /** Connections already refused: the parser reports an error again for every later chunk. */
  private readonly refused = new WeakSet<Duplex>();

  constructor(private readonly options: HttpEdgeOptions) {}

  /** Fastify's serverFactory: Node's HTTP server with Satang's timeouts, cap and proxy rules. */
  readonly createServer = (handler: RequestListener): Server => {
    const { requestTimeoutMs } = this.options;
    const server = http.createServer(
      {
        requestTimeout: requestTimeoutMs,
        // Headers and body share one budget (Node refuses a headers timeout above the request timeout).
        headersTimeout: requestTimeoutMs,
        connectionsCheckingInterval: timeoutCheckIntervalMs(requestTimeoutMs),
        maxHeaderSize: requestHeadersBytesMax,
        requireHostHeader: false,
      },
      (request, response) => this.admit(request, response, handler),
    );
    server.keepAliveTimeout = keepAliveIdleMs;
    // Node times out only requests it has begun to parse; a connection that sends nothing is idle.
    server.timeout = requestTimeoutMs;
    server.on('timeout', (socket: Duplex) => this.idle(socket));
    server.maxConnections = this.options.maxConnections;
    server.on('connect', (request: IncomingMessage, socket: Duplex, head: Buffer) => this.tunnel(server, request, socket, head));
    return server;
  };

  /** Fastify's clientErrorHandler: every parser error and request timeout, as an Omise error. */
  readonly clientError = (error: NodeJS.ErrnoException, socket: Duplex): void => {
    if (error.code === 'ECONNRESET' || socket.destroyed) {
      socket.destroy();
      return;
    }
    this.refuse(socket, clientErrorRefusal(error, this.options.requestTimeoutMs));
  };

  private admit(request: IncomingMessage, response: ServerResponse, handler: RequestListener): void {
    this.exchanges.set(request.socket, { request, response });
    const refused = refusalOf(request);
    if (refused === undefined) {
      handler(request, response);
      return;
    }
    const body = JSON.stringify(refused.error.toJSON());
    response.writeHead(refused.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), connection: 'close' });
    response.end(body);
  }

  /**
   * A connection quiet for the request timeout: one that never sent a whole request (or whose
   * request body stopped) is answered 408 and closed; an idle keep-alive connection just closes;
   * one whose request arrived whole and is being answered is left to its answer.
   */
  private idle(socket: Duplex): void {
    const exchange = this.exchanges.get(socket);
    if (exchange && exchange.response.writableFinished) {
      socket.destroy();
      return;
    }
    if (exchange && exchange.request.complete) return;
    this.refuse(socket, clientErrorRefusal(Object.assign(new Error('request timeout'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' }), this.options.requestTimeoutMs));
  }

  /** Answers a refused connection once and closes it, after (never inside) an answer already under way. */
  private refuse(socket: Duplex, refused: Refusal): void {
    if (this.refused.has(socket)) return;
    this.refused.add(socket);
    const exchange = this.exchanges.get(socket);
    if (exchange && !exchange.response.writableFinished) {
      if (exchange.request.complete) {
        // The request before the bad bytes arrived whole: its answer goes first, then the error.
        exchange.response.once('finish', () => writeAndClose(socket, refused));
        exchange.response.once('close', () => setImmediate(() => socket.destroy()));
        return;
      }
      if (exchange.response.headersSent) {
        // The failed request's own answer has begun: nothing can be added to it.
        socket.destroy();
        return;
      }
    }
    writeAndClose(socket, refused);
  }

  /** CONNECT-proxy mode (DECISIONS §8): tunnels for Omise's hosts end here, answered by this server in plain HTTP. */
  private tunnel(server: Server, request: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const authority = request.url ?? '';
    if (!isProxiedAuthority(authority)) {
      writeAndClose(socket, proxyRefusal(`CONNECT ${authority}`));
      return;
    }
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length > 0) socket.unshift(head);
    server.emit('connection', socket);
  }
}

/** Writes a whole response by hand (the parser has given up on the connection) and closes it. */
function writeAndClose(socket: Duplex, { status, error }: Refusal): void {
  if (socket.destroyed) return;
  const body = JSON.stringify(error.toJSON());
  const head = `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`;
  if (socket.writable) socket.write(head + body);
  socket.destroy();
}

/**
 * An example shop that takes TrueMoney QR payments through Satang, as the seed guide describes:
 *  1. the checkout page creates a source in the browser with Omise.js (Satang's /omise.js) and the public key;
 *  2. the server charges that source with the secret key (official `omise` npm package) and sends the
 *     customer to the charge's authorize_uri, Satang's hosted page with the QR;
 *  3. Satang's webhook (charge.complete / charge.expire) is verified with Satang's `verifyWebhook`, and the
 *     order is settled only from the charge retrieved again afterwards, never from the webhook body alone.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhook } from '../../src/index.js'; // in your own app: import { verifyWebhook } from 'satang'
import { type Charge, gatewayClient } from './omise-client.js';
import { type Order, OrderBook } from './orders.js';
import { checkoutPage, messagePage, orderPage, product, productPage } from './pages.js';

export interface StoreOptions {
  /** Satang's base URL, e.g. http://127.0.0.1:4000 (it must be reachable by the shopper's browser too). */
  satangUrl: string;
  publicKey: string;
  secretKey: string;
  port?: number;
  host?: string;
  /** The shop's own base URL for return_uri and the webhook endpoint (default http://HOST:PORT). */
  storeUrl?: string;
  /** The webhook secret; fetched from Satang's /webhook_secret with the secret key when not given. */
  webhookSecret?: string;
  /** Register the shop's webhook endpoint with Satang at start (default true). */
  registerWebhook?: boolean;
  log?: (line: string) => void;
}

export interface RunningStore {
  url: string;
  webhookUrl: string;
  orders: OrderBook;
  /** Webhook requests refused because their signature did not verify. */
  rejectedWebhooks: number;
  close(): Promise<void>;
}

const bodyBytesMax = 1024 * 1024;

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > bodyBytesMax) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

async function satangApi(options: StoreOptions, path: string, init: { method?: string; json?: unknown } = {}): Promise<any> {
  const response = await fetch(`${options.satangUrl.replace(/\/+$/, '')}${path}`, {
    method: init.method ?? 'GET',
    headers: { Authorization: `Basic ${Buffer.from(`${options.secretKey}:`).toString('base64')}`, 'Content-Type': 'application/json' },
    body: init.json === undefined ? undefined : JSON.stringify(init.json),
  });
  const body = await response.json();
  if (!response.ok) throw new Error(`Satang ${path}: ${body?.message ?? response.status}`);
  return body;
}

const settledBy: Partial<Record<Charge['status'], Order['status']>> = { successful: 'paid', failed: 'failed', expired: 'expired' };

export async function startStore(options: StoreOptions): Promise<RunningStore> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const gateway = gatewayClient(options);
  const orders = new OrderBook();
  let secret = options.webhookSecret;
  let baseUrl = '';

  function send(response: ServerResponse, status: number, html: string, headers: Record<string, string> = {}): void {
    response.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...headers }).end(html);
  }

  async function createOrder(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const form = new URLSearchParams((await readBody(request)).toString('utf8'));
    const source = form.get('source') ?? '';
    if (!/^src_(test_)?[0-9a-z]{19}$/.test(source)) return send(response, 400, checkoutPage({ ...options, error: 'No payment source: please try again.' }));
    const order = orders.create(product.amountSatang);
    try {
      const charge = await gateway.createCharge({
        amount: order.amountSatang,
        currency: 'THB',
        source,
        return_uri: `${baseUrl}/orders/${order.id}`,
        description: `${product.nameEn} (order ${order.id})`,
        metadata: { order_id: order.id },
      });
      orders.attachCharge(order, charge.id, charge.authorize_uri!);
      log(`order ${order.id}: charge ${charge.id} pending`);
      response.writeHead(303, { location: charge.authorize_uri! }).end();
    } catch (error: any) {
      order.status = 'failed';
      send(response, 502, messagePage(502, `The payment could not be created: ${error?.message ?? error}`));
    }
  }

  async function receiveWebhook(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const rawBody = await readBody(request);
    secret ??= (await satangApi(options, '/webhook_secret')).secret as string;
    const verified = verifyWebhook({ secret: secret!, headers: request.headers, rawBody });
    if (!verified.ok) {
      running.rejectedWebhooks++;
      log(`webhook refused: ${verified.reason}`);
      response.writeHead(401, { 'content-type': 'text/plain' }).end('signature does not verify');
      return;
    }
    const event = JSON.parse(rawBody.toString('utf8'));
    const chargeId = event?.data?.object === 'charge' ? String(event.data.id) : null;
    const order = chargeId ? orders.byChargeId(chargeId) : undefined;
    if (order && order.status === 'pending') {
      // The webhook says something happened; the charge retrieved now says what.
      const charge = await gateway.retrieveCharge(chargeId!);
      const status = settledBy[charge.status];
      if (status) {
        order.status = status;
        order.confirmedBy = String(event.id);
        log(`order ${order.id}: ${status} (charge ${charge.id}, event ${event.key} ${event.id})`);
      }
    }
    response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  }

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://store.invalid');
    const method = request.method ?? 'GET';
    if (method === 'GET' && url.pathname === '/') return send(response, 200, productPage());
    if (method === 'GET' && url.pathname === '/checkout') return send(response, 200, checkoutPage(options));
    if (method === 'POST' && url.pathname === '/orders') return createOrder(request, response);
    if (method === 'POST' && url.pathname === '/webhooks/omise') return receiveWebhook(request, response);
    const match = /^\/orders\/(ord_\d+)$/.exec(url.pathname);
    const order = match ? orders.get(match[1]) : undefined;
    if (method === 'GET' && order) return send(response, 200, orderPage(order));
    send(response, 404, messagePage(404, 'Not found'));
  }

  const server = createServer((request, response) => {
    route(request, response).catch((error) => {
      log(`error: ${error?.stack ?? error}`);
      if (!response.headersSent) send(response, 500, messagePage(500, 'Something went wrong'));
      else response.end();
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 3000, host, resolve);
  });
  baseUrl = (options.storeUrl ?? `http://${host}:${(server.address() as AddressInfo).port}`).replace(/\/+$/, '');
  const webhookUrl = `${baseUrl}/webhooks/omise`;
  const running: RunningStore = {
    url: baseUrl,
    webhookUrl,
    orders,
    rejectedWebhooks: 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  try {
    if (options.registerWebhook !== false) {
      const endpoints = await satangApi(options, '/webhook_endpoints');
      if (!endpoints.data.some((endpoint: { url: string }) => endpoint.url === webhookUrl)) {
        await satangApi(options, '/webhook_endpoints', { method: 'POST', json: { url: webhookUrl } });
      }
    }
    secret ??= (await satangApi(options, '/webhook_secret')).secret as string;
  } catch (error) {
    await running.close();
    throw error;
  }
  return running;
}

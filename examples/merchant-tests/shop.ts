/**
 * A small merchant app, as a merchant would write it: orders paid with TrueMoney QR through the
 * official `omise` package, unchanged. Nothing here knows about Satang: against the real Omise it
 * runs as is. Its tests (`shop-cases.ts`) point it at a Satang sandbox.
 *
 *   POST /orders {amount}      → creates a charge, answers the order with its QR image and pay page
 *   GET  /orders/:id           → the order
 *   POST /orders/:id/refund    → refunds the whole order
 *   POST /webhooks/omise       → Omise's signed webhook: the order follows its charge
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import type OmiseModule from 'omise';

type OmiseFactory = typeof OmiseModule.default;
// CommonJS: module.exports is the factory itself.
const omiseFactory = createRequire(import.meta.url)('omise') as OmiseFactory;

export type OrderStatus = 'awaiting_payment' | 'paid' | 'payment_failed' | 'expired' | 'refunded';

export interface Order {
  id: string;
  amount: number;
  status: OrderStatus;
  chargeId: string;
  qrImageUrl: string | null;
  payPageUrl: string | null;
}

export interface ShopOptions {
  publicKey: string;
  secretKey: string;
  /** The webhook secret shown by the dashboard (base64). */
  webhookSecret: string;
}

export interface Shop {
  url: string;
  orders: Map<string, Order>;
  stop(): Promise<void>;
}

/** Omise signs `${timestamp}.${body}` with HMAC-SHA256 keyed by the base64-decoded secret; hex, comma-separated. */
export function isSignedByOmise(secretBase64: string, headers: IncomingMessage['headers'], rawBody: string, nowSeconds = Date.now() / 1000): boolean {
  const timestamp = String(headers['omise-signature-timestamp'] ?? '');
  const signatures = String(headers['omise-signature'] ?? '').split(',');
  if (!/^\d+$/.test(timestamp) || Math.abs(nowSeconds - Number(timestamp)) > 300) return false;
  const expected = createHmac('sha256', Buffer.from(secretBase64, 'base64')).update(`${timestamp}.${rawBody}`).digest();
  return signatures.some((signature) => /^[0-9a-f]{64}$/.test(signature) && timingSafeEqual(expected, Buffer.from(signature, 'hex')));
}

function readBody(request: IncomingMessage, limit = 64 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) reject(new Error('body too large'));
      else chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

export async function startShop(options: ShopOptions, port = 0): Promise<Shop> {
  const omise = omiseFactory({ publicKey: options.publicKey, secretKey: options.secretKey, omiseVersion: '2019-05-29' });
  const orders = new Map<string, Order>();
  let nextOrder = 1;

  const follow = (charge: { id: string; status: string; refunded_amount: number; metadata?: Record<string, unknown> }) => {
    const order = orders.get(String(charge.metadata?.order_id ?? ''));
    if (!order || order.chargeId !== charge.id) return;
    if (charge.status === 'successful' && order.status === 'awaiting_payment') {
      order.status = 'paid';
    } else if (charge.status === 'failed') order.status = 'payment_failed';
    else if (charge.status === 'expired') order.status = 'expired';
    if (charge.refunded_amount === order.amount) order.status = 'refunded';
  };

  const routes = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://shop');
    const orderPath = /^\/orders\/([^/]+)(\/refund)?$/.exec(url.pathname);
    if (request.method === 'POST' && url.pathname === '/orders') {
      const { amount } = JSON.parse((await readBody(request)) || '{}');
      if (!Number.isInteger(amount) || amount < 10_000) return send(response, 400, { error: 'amount must be whole satang, at least THB 100.00' });
      const id = `order-${nextOrder++}`;
      const charge: any = await omise.charges.create({
        amount,
        currency: 'THB',
        source: { type: 'truemoney_qr' } as any,
        metadata: { order_id: id },
        return_uri: `http://shop.example/orders/${id}`,
      } as any);
      const order: Order = {
        id,
        amount,
        status: 'awaiting_payment',
        chargeId: charge.id,
        qrImageUrl: charge.source?.scannable_code?.image?.download_uri ?? null,
        payPageUrl: charge.authorize_uri ?? null,
      };
      orders.set(id, order);
      return send(response, 200, order);
    }
    if (orderPath && request.method === 'GET' && !orderPath[2]) {
      const order = orders.get(orderPath[1]);
      return order ? send(response, 200, order) : send(response, 404, { error: 'no such order' });
    }
    if (orderPath && request.method === 'POST' && orderPath[2]) {
      const order = orders.get(orderPath[1]);
      if (!order) return send(response, 404, { error: 'no such order' });
      try {
        await omise.charges.createRefund(order.chargeId, { amount: order.amount } as any);
      } catch (error: any) {
        return send(response, 409, { error: error.message, code: error.code });
      }
      follow((await omise.charges.retrieve(order.chargeId)) as any);
      return send(response, 200, order);
    }
    if (request.method === 'POST' && url.pathname === '/webhooks/omise') {
      const rawBody = await readBody(request);
      if (!isSignedByOmise(options.webhookSecret, request.headers, rawBody)) return send(response, 401, { error: 'bad signature' });
      const event = JSON.parse(rawBody);
      // Never trust the payload's state: read the charge back (as Omise advises).
      if (event.data?.object === 'charge') follow((await omise.charges.retrieve(event.data.id)) as any);
      return send(response, 200, { received: event.id });
    }
    send(response, 404, { error: 'not found' });
  };

  const server: Server = createServer((request, response) => {
    routes(request, response).catch((error) => send(response, 502, { error: String(error?.message ?? error) }));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    orders,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

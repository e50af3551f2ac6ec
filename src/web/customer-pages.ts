/**
 * Everything a customer (or a person testing as one) sees in a browser: the hosted payment page,
 * the TrueMoney wallet simulator and the omise.js-compatible script. One registration in app.ts.
 */
import type { FastifyInstance } from 'fastify';
import { omiseJsRoutes } from './omise-js.js';
import { paymentPageRoutes } from './pay/routes.js';
import { simulatorRoutes } from './simulator/routes.js';

export async function customerRoutes(app: FastifyInstance): Promise<void> {
  await app.register(omiseJsRoutes);
  await app.register(paymentPageRoutes);
  await app.register(simulatorRoutes, { provider: app.gateway.wallet });
}

/**
 * The shop's server talks to its payment gateway with the official `omise` npm package, unchanged.
 * omise-node has no port option (it always dials port 443, or 80 with OMISE_SCHEME=http), so to reach a
 * Satang on any port it uses Satang's CONNECT-proxy mode: the package's own switches OMISE_SCHEME=http
 * and http_proxy=<Satang URL>. It reads both synchronously at each call, so they are set for exactly
 * the duration of that call and restored before any other code runs; nothing else in the process sees them.
 * Against the real Omise you would call `omise.charges.create(...)` directly.
 */
import { createRequire } from 'node:module';
import type OmiseModule from 'omise';

type OmiseFactory = typeof OmiseModule.default;
type OmiseClient = ReturnType<OmiseFactory>;
export type Charge = Awaited<ReturnType<OmiseClient['charges']['retrieve']>>;
export type ChargeRequest = Parameters<OmiseClient['charges']['create']>[0];

// CommonJS: module.exports is the factory itself.
const omiseFactory = createRequire(import.meta.url)('omise') as OmiseFactory;

export interface GatewayClient {
  createCharge(request: ChargeRequest): Promise<Charge>;
  retrieveCharge(id: string): Promise<Charge>;
}

export function gatewayClient(options: { satangUrl: string; publicKey: string; secretKey: string }): GatewayClient {
  const satang = new URL(options.satangUrl);
  if (satang.protocol !== 'http:') throw new Error('SATANG_URL must be an http:// URL (the CONNECT-proxy mode speaks plain HTTP)');
  const omise = omiseFactory({ publicKey: options.publicKey, secretKey: options.secretKey, omiseVersion: '2019-05-29' });
  const switches = { OMISE_SCHEME: 'http', http_proxy: satang.origin };

  function viaSatang<T>(call: () => Promise<T>): Promise<T> {
    const saved = Object.fromEntries(Object.keys(switches).map((name) => [name, process.env[name]]));
    Object.assign(process.env, switches);
    try {
      return call();
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  }

  return {
    createCharge: (request) => viaSatang(() => omise.charges.create(request)),
    retrieveCharge: (id) => viaSatang(() => omise.charges.retrieve(id)),
  };
}

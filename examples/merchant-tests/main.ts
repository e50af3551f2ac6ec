/**
 * The shop as its own process, configured from the environment as a deployed app would be:
 * OMISE_PUBLIC_KEY, OMISE_SECRET_KEY, OMISE_WEBHOOK_SECRET, PORT. Prints its URL on one line.
 * (Pointed at a sandbox by the environment `sandbox.omiseEnv()` returns: OMISE_SCHEME and http_proxy.)
 */
import { startShop } from './shop.js';

const required = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};
const shop = await startShop(
  { publicKey: required('OMISE_PUBLIC_KEY'), secretKey: required('OMISE_SECRET_KEY'), webhookSecret: required('OMISE_WEBHOOK_SECRET') },
  Number(process.env.PORT ?? 0),
);
process.stdout.write(`shop listening on ${shop.url}\n`);
process.once('SIGTERM', () => void shop.stop().then(() => process.exit(0)));

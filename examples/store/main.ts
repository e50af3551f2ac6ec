/**
 * npm run example:store: the example shop against a running Satang.
 *   SATANG_URL        Satang's URL (default http://127.0.0.1:4000)
 *   OMISE_PUBLIC_KEY  a test public key (pkey_test_...), as Satang printed it on first start
 *   OMISE_SECRET_KEY  the matching secret key (skey_test_...)
 *   PORT              the shop's port (default 3000); STORE_URL its public URL if not http://127.0.0.1:PORT
 *   OMISE_WEBHOOK_SECRET  optional; fetched from Satang when unset
 */
import { startStore } from './store.js';

const publicKey = process.env.OMISE_PUBLIC_KEY;
const secretKey = process.env.OMISE_SECRET_KEY;
if (!publicKey || !secretKey) {
  process.stderr.write('Set OMISE_PUBLIC_KEY and OMISE_SECRET_KEY to the test keys Satang printed on first start.\n');
  process.exit(2);
}
const store = await startStore({
  satangUrl: process.env.SATANG_URL || 'http://127.0.0.1:4000',
  publicKey,
  secretKey,
  port: process.env.PORT === undefined ? 3000 : Number(process.env.PORT),
  storeUrl: process.env.STORE_URL || undefined,
  webhookSecret: process.env.OMISE_WEBHOOK_SECRET || undefined,
});
process.stdout.write(`Satang Coffee is open at ${store.url} (webhooks at ${store.webhookUrl})\n`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void store.close().then(() => process.exit(0)));
}

/**
 * Omise webhook signatures (DECISIONS §6): hex HMAC-SHA256 of "{timestamp}.{raw body}",
 * keyed with the base64-decoded webhook secret. While a rolled secret overlaps, the
 * header carries both signatures, comma-separated, the current one first.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export function newWebhookSecret(): string {
  return randomBytes(32).toString('base64');
}

export function signPayload(secretBase64: string, timestamp: string, rawBody: string | Buffer): string {
  return createHmac('sha256', Buffer.from(secretBase64, 'base64')).update(`${timestamp}.`).update(rawBody).digest('hex');
}

export function signatureHeader(secretsBase64: string[], timestamp: string, rawBody: string | Buffer): string {
  return secretsBase64.map((secret) => signPayload(secret, timestamp, rawBody)).join(',');
}

export interface VerifyWebhookInput {
  /** The webhook secret(s), base64, as Satang shows them; during a roll either may be given. */
  secret: string | string[];
  /** The request's headers (a Node IncomingHttpHeaders, a fetch Headers, or a plain object). */
  headers: Record<string, string | string[] | undefined> | { get(name: string): string | null };
  /** The raw request body, exactly as received: do not parse and re-serialize it. */
  rawBody: string | Buffer;
  /** How old a timestamp may be; 5 minutes by default. */
  toleranceSeconds?: number;
  /** Now, in Unix seconds (for tests). */
  nowSeconds?: number;
}

export type VerifyWebhookResult = { ok: true; timestamp: number } | { ok: false; reason: string };

function header(headers: VerifyWebhookInput['headers'], name: string): string | undefined {
  if (typeof (headers as { get?: unknown }).get === 'function') return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  const record = headers as Record<string, string | string[] | undefined>;
  const value = record[name] ?? record[name.toLowerCase()] ?? Object.entries(record).find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Verifies a webhook from Satang (or Omise): one of the signatures in Omise-Signature must
 * match one of the secrets, and Omise-Signature-Timestamp must be at most
 * `toleranceSeconds` old (and not from the future by more than that).
 */
export function verifyWebhook(input: VerifyWebhookInput): VerifyWebhookResult {
  const signatures = header(input.headers, 'Omise-Signature');
  const timestampText = header(input.headers, 'Omise-Signature-Timestamp');
  if (!signatures) return { ok: false, reason: 'Omise-Signature header is missing' };
  if (!timestampText || !/^\d{1,12}$/.test(timestampText)) return { ok: false, reason: 'Omise-Signature-Timestamp header is missing or not Unix seconds' };
  const timestamp = Number(timestampText);
  const nowSeconds = input.nowSeconds ?? Math.floor(Date.now() / 1000);
  const toleranceSeconds = input.toleranceSeconds ?? 300;
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) return { ok: false, reason: `timestamp is more than ${toleranceSeconds} s away from now` };
  const secrets = Array.isArray(input.secret) ? input.secret : [input.secret];
  const given = signatures.split(',').map((part) => part.trim()).filter((part) => /^[0-9a-f]{64}$/i.test(part));
  for (const secret of secrets) {
    const expected = Buffer.from(signPayload(secret, timestampText, input.rawBody), 'hex');
    for (const signature of given) {
      if (timingSafeEqual(expected, Buffer.from(signature, 'hex'))) return { ok: true, timestamp };
    }
  }
  return { ok: false, reason: 'no signature matches the secret' };
}

/**
 * Provider credentials at rest (DECISIONS §11): sealed with AES-256-GCM (node:crypto) under a key from the
 * environment, `SATANG_SECRETS_KEY` (32 random bytes, base64 or hex: `openssl rand -base64 32`), and bound
 * to the account they belong to (its id is the additional authenticated data, so a sealed secret copied to
 * another account's row does not open). Without the key, live mode cannot be configured or used; the key
 * never reaches the database or a log.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const algorithm = 'aes-256-gcm';
const version = 'v1';

export class SecretsKeyError extends Error {}

/** Reads the key: 32 bytes as base64 (44 characters) or hex (64); anything else is refused, never guessed at. */
export function secretsKeyFrom(text: string | undefined): Buffer | null {
  if (text === undefined || text.trim() === '') return null;
  const value = text.trim();
  const key = /^[0-9a-f]{64}$/i.test(value) ? Buffer.from(value, 'hex') : /^[A-Za-z0-9+/]{43}=$/.test(value) ? Buffer.from(value, 'base64') : null;
  if (key === null || key.length !== 32) throw new SecretsKeyError('SATANG_SECRETS_KEY must be 32 bytes in base64 (openssl rand -base64 32) or hex');
  return key;
}

export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new SecretsKeyError('a secrets key is 32 bytes');
  }

  seal(plaintext: string, boundTo: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv(algorithm, this.key, iv);
    cipher.setAAD(Buffer.from(boundTo, 'utf8'));
    const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [version, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), sealed.toString('base64url')].join('.');
  }

  /** The plaintext; throws when the text was not sealed by this key for `boundTo`. */
  open(text: string, boundTo: string): string {
    const parts = text.split('.');
    if (parts.length !== 4 || parts[0] !== version) throw new SecretsKeyError('not a sealed secret');
    const decipher = createDecipheriv(algorithm, this.key, Buffer.from(parts[1], 'base64url'));
    decipher.setAAD(Buffer.from(boundTo, 'utf8'));
    decipher.setAuthTag(Buffer.from(parts[2], 'base64url'));
    try {
      return Buffer.concat([decipher.update(Buffer.from(parts[3], 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretsKeyError('the secret does not open with SATANG_SECRETS_KEY (another key, or another account)');
    }
  }
}

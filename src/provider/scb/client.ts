/**
 * SCB's partner API as Satang uses it (live-provider-scb.md): OAuth tokens (30 minutes, asked for anew),
 * the bill-payment inquiry, slip lookup. Every request carries `resourceOwnerId` (the application key) and a
 * fresh `requestUId` (32 random alphanumerics); every call is bounded in time; requests of one application
 * are spaced to SCB's 5 per second. A token SCB calls invalid or expired (401/9300) is dropped and asked for
 * once more. Nothing here is logged with a secret or a token.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BankPayment } from '../../domain/bank-payments.js';
import { readScbPayment, scbBillPaymentEventCode } from '../../domain/scb.js';
import { BankRefusal } from '../provider.js';

export interface ScbApplication {
  applicationKey: string;
  applicationSecret: string;
}

export interface ScbClientOptions {
  baseUrl: string;
  /** Longest wait for one answer. */
  timeoutMs?: number;
  /** SCB's limit per API and application. */
  requestsPerSecond?: number;
  /** Longest a request waits for its turn under the limit before it is refused (a busy client, not a slow one). */
  queueWaitMsMax?: number;
}

/** An answer SCB gave that is not the one asked for; `retryable` when asking again later may help. */
export class ScbError extends BankRefusal {
  constructor(
    message: string,
    readonly httpStatus: number | null,
    readonly code: number | null,
    retryable: boolean,
  ) {
    super(message, retryable);
  }
}

const answerBytesMax = 1024 * 1024;
/** Times a request refused by the rate limit (429) is sent again, a second apart. */
const rateLimitedRetriesMax = 2;

function requestUId(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(32);
  let id = '';
  // 62 does not divide 256; 248 = 4 × 62, so bytes ≥ 248 are drawn again for a uniform id.
  for (let i = 0; id.length < 32; i++) {
    if (i >= bytes.length) return id + requestUId().slice(0, 32 - id.length);
    if (bytes[i] < 248) id += alphabet[bytes[i] % 62];
  }
  return id;
}

export class ScbClient {
  readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly spacingMs: number;
  private readonly queueWaitMsMax: number;
  private readonly tokens = new Map<string, { token: string; expiresAtMs: number }>();
  /** Per application key and API: when its next request may go. */
  private readonly nextSlotMs = new Map<string, number>();

  constructor(options: ScbClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 10_000;
    // A little over 1/rate apart: the bank counts in its own window, and a request exactly on its edge is a 429.
    this.spacingMs = Math.ceil(1000 / (options.requestsPerSecond ?? 5)) + 10;
    this.queueWaitMsMax = options.queueWaitMsMax ?? 30_000;
  }

  /** Asks for a token now (a configuration's check that the credentials work); throws ScbError when refused. */
  async verify(app: ScbApplication): Promise<void> {
    this.tokens.delete(app.applicationKey);
    await this.token(app);
  }

  /**
   * The inquiry for one biller and ref1 on one Bangkok date: the rows SCB holds (none: an empty list,
   * which SCB answers 404/1104).
   */
  async inquire(app: ScbApplication, query: { billerId: string; ref1: string; date: string }): Promise<BankPayment[]> {
    const params = new URLSearchParams({ eventCode: scbBillPaymentEventCode, transactionDate: query.date, billerId: query.billerId, reference1: query.ref1 });
    const answer = await this.authorized(app, 'GET', `/v1/payment/billpayment/inquiry?${params}`);
    if (answer.httpStatus === 404 && (answer.code === 1104 || answer.code === null)) return [];
    if (answer.httpStatus !== 200 || answer.code !== 1000) throw unexpected('inquiry', answer);
    const data = answer.body?.data;
    if (!Array.isArray(data)) throw new ScbError('SCB inquiry answered without a list of payments', answer.httpStatus, answer.code, true);
    return data.map(readScbPayment).filter((row): row is BankPayment => row !== null);
  }

  private async token(app: ScbApplication): Promise<string> {
    const kept = this.tokens.get(app.applicationKey);
    if (kept && kept.expiresAtMs - 60_000 > Date.now()) return kept.token;
    const answer = await this.call(app, 'POST', '/v1/oauth/token', undefined, { applicationKey: app.applicationKey, applicationSecret: app.applicationSecret });
    const data = answer.body?.data as { accessToken?: unknown; expiresIn?: unknown } | undefined;
    if (answer.httpStatus !== 200 || answer.code !== 1000 || typeof data?.accessToken !== 'string') throw unexpected('token request', answer);
    const expiresInS = typeof data.expiresIn === 'number' && data.expiresIn > 0 ? Math.min(data.expiresIn, 86_400) : 1800;
    this.tokens.set(app.applicationKey, { token: data.accessToken, expiresAtMs: Date.now() + expiresInS * 1000 });
    return data.accessToken;
  }

  private async authorized(app: ScbApplication, method: 'GET' | 'POST', path: string, body?: unknown): Promise<Answer> {
    let renewed = false;
    for (let attempt = 0; ; attempt++) {
      const token = await this.token(app);
      const answer = await this.call(app, method, path, token, body);
      if (answer.httpStatus === 401 && answer.code === 9300 && !renewed) {
        // Expired or revoked before its time: one new token, one more try.
        renewed = true;
        this.tokens.delete(app.applicationKey);
        continue;
      }
      if (answer.httpStatus === 429 && attempt < rateLimitedRetriesMax) {
        // Over the bank's 5 a second (another process of ours, or one just restarted): its window passes in a second.
        await sleep(1000);
        continue;
      }
      return answer;
    }
  }

  private async call(app: ScbApplication, method: 'GET' | 'POST', path: string, token: string | undefined, body?: unknown): Promise<Answer> {
    await this.turn(`${app.applicationKey} ${path.split('?')[0]}`);
    const headers: Record<string, string> = { resourceOwnerId: app.applicationKey, requestUId: requestUId(), 'accept-language': 'EN' };
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(this.timeoutMs), redirect: 'error' });
    } catch (error) {
      throw new ScbError(`SCB could not be reached: ${error instanceof Error ? error.message : String(error)}`, null, null, true);
    }
    const text = await readBounded(response);
    let parsed: { status?: { code?: unknown; description?: unknown }; data?: unknown } | undefined;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const code = typeof parsed?.status?.code === 'number' ? parsed.status.code : null;
    const description = typeof parsed?.status?.description === 'string' ? parsed.status.description.slice(0, 200) : null;
    return { httpStatus: response.status, code, description, body: parsed };
  }

  /** Waits for this application's next slot under SCB's limit (real time: the bank's limit runs on it). */
  private async turn(key: string): Promise<void> {
    const now = Date.now();
    const slot = Math.max(now, this.nextSlotMs.get(key) ?? 0);
    if (slot - now > this.queueWaitMsMax) throw new ScbError("too many requests are waiting for SCB's rate limit", null, null, true);
    this.nextSlotMs.set(key, slot + this.spacingMs);
    if (this.nextSlotMs.size > 10_000) for (const [name, at] of this.nextSlotMs) if (at < now) this.nextSlotMs.delete(name);
    if (slot > now) await sleep(slot - now);
  }
}

interface Answer {
  httpStatus: number;
  code: number | null;
  description: string | null;
  body: { status?: unknown; data?: unknown } | undefined;
}

function unexpected(what: string, answer: Answer): ScbError {
  const retryable = answer.httpStatus >= 500 || answer.httpStatus === 429 || answer.code === 9300 || answer.code === 9700 || answer.code === 9900;
  return new ScbError(`SCB refused the ${what}: HTTP ${answer.httpStatus}${answer.code === null ? '' : `, code ${answer.code}`}${answer.description ? ` (${answer.description})` : ''}`, answer.httpStatus, answer.code, retryable);
}

async function readBounded(response: Response): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > answerBytesMax) {
      await reader.cancel();
      throw new ScbError('SCB answered with more than 1 MiB', response.status, null, true);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

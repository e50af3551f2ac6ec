/**
 * The payment-confirmation callback, SCB → merchant: a JSON POST to the URL registered for the biller.
 *
 * SCB documents: success is the merchant's `{"resCode":"00", ...}`; otherwise it re-sends up to 3 times,
 * 12 s apart, then e-mails the merchant. Here an attempt succeeds only on HTTP 200 with JSON resCode "00"
 * within the timeout (real time); re-sends are due on the injected clock, `retryIntervalMs` after the
 * previous attempt began; the "e-mail" is a record.
 */
import http from 'node:http';
import https from 'node:https';
import { BoundedLog, isObject, limits } from './values.js';
import type { InjectedClock } from './time.js';

export interface CallbackAttempt {
  transactionId: string;
  /** 1 for the first delivery, 2..4 for the re-sends. */
  attempt: number;
  atMs: number;
  url: string;
  httpStatus: number | null;
  answer: unknown;
  ok: boolean;
  error: string | null;
  /** Sent by POST /emulator/forged-callbacks: a transaction the bank does not hold. */
  forged?: true;
}

export interface EmailRecord {
  transactionId: string;
  atMs: number;
  to: string;
}

interface Job {
  transactionId: string;
  url: string;
  body: Record<string, unknown>;
  attempt: number;
  dueAtMs: number;
  /** The "failing" mode: every answer counts as a failure. */
  failing: boolean;
}

export interface Answer {
  httpStatus: number | null;
  answer: unknown;
  error: string | null;
}

/** SCB's documented number of re-sends after the first delivery. */
const resendsMax = 3;

export class CallbackDelivery {
  readonly attempts = new BoundedLog<CallbackAttempt>(limits.callbackLog);
  readonly emails = new BoundedLog<EmailRecord>(limits.emailLog);
  private pending: Job[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly abort = new AbortController();

  constructor(
    private readonly clock: InjectedClock,
    private readonly timeoutMs: number,
    private readonly retryIntervalMs: number,
  ) {}

  /** Queues a delivery (attempt 1) due at `dueAtMs` on the injected clock. */
  schedule(transactionId: string, url: string, body: Record<string, unknown>, dueAtMs: number, failing: boolean): void {
    this.pending.push({ transactionId, url, body, attempt: 1, dueAtMs, failing });
  }

  /** Starts every attempt that is due (without waiting for them). */
  fireDue(): void {
    if (this.abort.signal.aborted || this.pending.length === 0) return;
    const now = this.clock.nowMs();
    const due = this.pending.filter((job) => job.dueAtMs <= now).sort((a, b) => a.dueAtMs - b.dueAtMs);
    if (due.length === 0) return;
    this.pending = this.pending.filter((job) => job.dueAtMs > now);
    for (const job of due) this.track(this.attempt(job));
  }

  /** Waits until no attempt is under way. */
  async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /**
   * Moves the injected clock forward by `ms`, stopping at each attempt that falls due on the way (so re-sends
   * keep their spacing on the clock), and waits for those attempts.
   */
  async advance(ms: number): Promise<void> {
    const target = this.clock.nowMs() + ms;
    this.fireDue();
    await this.settle();
    for (;;) {
      let next = Infinity;
      for (const job of this.pending) next = Math.min(next, job.dueAtMs);
      if (next > target || this.abort.signal.aborted) break;
      this.clock.jumpTo(next);
      this.fireDue();
      await this.settle();
    }
    this.clock.jumpTo(target);
    this.fireDue();
    await this.settle();
  }

  /** Sends one callback now, outside the retry schedule (forged callbacks). */
  async sendOnce(transactionId: string, url: string, body: Record<string, unknown>): Promise<CallbackAttempt> {
    const atMs = this.clock.nowMs();
    const answer = await postJson(url, body, this.timeoutMs, this.abort.signal);
    const ok = succeeded(answer);
    const entry: CallbackAttempt = { transactionId, attempt: 1, atMs, url, ...answer, ok, error: ok ? null : (answer.error ?? failureOf(answer)), forged: true };
    this.attempts.push(entry);
    return entry;
  }

  /** Stops the schedule and aborts the attempts under way. */
  async close(): Promise<void> {
    this.pending = [];
    this.abort.abort();
    await this.settle();
  }

  private track(promise: Promise<void>): void {
    const tracked: Promise<void> = promise.catch(() => undefined).finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  private async attempt(job: Job): Promise<void> {
    const atMs = this.clock.nowMs();
    const answer = await postJson(job.url, job.body, this.timeoutMs, this.abort.signal);
    let ok = succeeded(answer);
    let error = ok ? null : (answer.error ?? failureOf(answer));
    if (ok && job.failing) {
      ok = false;
      error = 'emulator: the payment\'s callback mode is "failing", so every answer counts as a failure';
    }
    this.attempts.push({ transactionId: job.transactionId, attempt: job.attempt, atMs, url: job.url, ...answer, ok, error });
    if (ok || this.abort.signal.aborted) return;
    if (job.attempt <= resendsMax) {
      this.pending.push({ ...job, attempt: job.attempt + 1, dueAtMs: atMs + this.retryIntervalMs });
    } else {
      this.emails.push({ transactionId: job.transactionId, atMs: this.clock.nowMs(), to: job.url });
    }
  }
}

function succeeded(answer: Answer): boolean {
  return answer.httpStatus === 200 && isObject(answer.answer) && answer.answer.resCode === '00';
}

function failureOf(answer: Answer): string {
  if (answer.httpStatus !== 200) return `the merchant answered HTTP ${answer.httpStatus}`;
  return 'the merchant\'s answer is not JSON with resCode "00"';
}

/** POSTs JSON and reads the answer (at most 64 KiB; JSON when it parses, else its text, cut short). */
export function postJson(url: string, body: unknown, timeoutMs: number, signal: AbortSignal): Promise<Answer> {
  return new Promise((resolve) => {
    let settled = false;
    let status: number | null = null;
    const finish = (answer: Answer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(answer);
    };
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      resolve({ httpStatus: null, answer: null, error: `the callback URL is not a URL: ${url}` });
      return;
    }
    const payload = Buffer.from(JSON.stringify(body));
    const client = target.protocol === 'https:' ? https : http;
    const request = client.request(target, {
      method: 'POST',
      agent: false,
      signal,
      headers: { 'content-type': 'application/json', 'content-length': payload.length, 'user-agent': 'satang-scb-emulator' },
    });
    const timer = setTimeout(() => {
      finish({ httpStatus: status, answer: null, error: `no answer within ${timeoutMs} ms` });
      request.destroy();
    }, timeoutMs);
    request.on('error', (error) => finish({ httpStatus: status, answer: null, error: error.message }));
    request.on('response', (response) => {
      status = response.statusCode ?? null;
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > limits.bodyBytes) {
          finish({ httpStatus: status, answer: null, error: 'the answer is larger than 64 KiB' });
          request.destroy();
          return;
        }
        chunks.push(chunk);
      });
      response.on('error', (error) => finish({ httpStatus: status, answer: null, error: error.message }));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let answer: unknown = null;
        if (text !== '') {
          try {
            answer = JSON.parse(text);
          } catch {
            answer = text.slice(0, limits.answerChars);
          }
        }
        finish({ httpStatus: status, answer, error: null });
      });
    });
    request.end(payload);
  });
}

/**
 * An emulator of SCB's Thai QR (tag 30) payment API: OAuth tokens, QR creation, the payment-confirmation
 * callback with SCB's documented re-sends, bill-payment inquiry, slip lookup and the 5-per-second limit, on an
 * injected clock; plus a control API (/emulator/*, no auth, for tests and laptops only) that plays the payer
 * and the bank's moods. It lets Satang's live mode run end to end without a bank (DECISIONS §11;
 * live-provider-scb.md says what SCB documents, and where it says nothing the choices are marked here).
 *
 * `satang emulate scb` (src/cli/emulate.ts) runs it as its own process.
 */
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyError } from 'fastify';
import { CallbackDelivery } from './callbacks.js';
import { controlRoutes } from './control.js';
import { isControlUrl, scbRoutes, sendScb } from './scb-api.js';
import { BankState, FullError } from './state.js';
import { InjectedClock } from './time.js';
import { InputError, limits } from './values.js';

export interface ScbEmulatorOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Where the injected clock starts (epoch ms); default now. */
  startAtMs?: number;
  /** How long the merchant has to answer a callback, in real time; default 5000. */
  callbackTimeoutMs?: number;
  /** The time between callback attempts on the injected clock; default 12000 (SCB: 12 s). */
  retryIntervalMs?: number;
}

export interface ScbEmulator {
  /** e.g. http://127.0.0.1:4100 */
  url: string;
  /** The injected clock (epoch ms). */
  nowMs(): number;
  /** Moves the injected clock forward and waits for the callback attempts that fell due. */
  advance(ms: number): Promise<void>;
  close(): Promise<void>;
}

const firingIntervalMs = 100;

function checkOption(name: string, value: number | undefined, min: number, max: number): void {
  if (value !== undefined && (!Number.isFinite(value) || value < min || value > max)) {
    throw new RangeError(`${name} must be a number from ${min} to ${max}`);
  }
}

export async function startScbEmulator(options: ScbEmulatorOptions = {}): Promise<ScbEmulator> {
  checkOption('port', options.port, 0, 65535);
  checkOption('callbackTimeoutMs', options.callbackTimeoutMs, 1, 600_000);
  checkOption('retryIntervalMs', options.retryIntervalMs, 0, 86_400_000);
  checkOption('startAtMs', options.startAtMs, 0, 8.64e15);
  const host = options.host ?? '127.0.0.1';
  const clock = new InjectedClock(options.startAtMs);
  const delivery = new CallbackDelivery(clock, options.callbackTimeoutMs ?? 5000, options.retryIntervalMs ?? 12_000);
  const bank = new BankState(clock, delivery);

  const app = Fastify({ logger: false, bodyLimit: limits.bodyBytes });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, text, done) => {
    if (typeof text !== 'string' || text.trim() === '') {
      done(null, undefined);
      return;
    }
    try {
      done(null, JSON.parse(text));
    } catch (error) {
      done(new InputError('body', `the body is not JSON: ${error instanceof Error ? error.message : String(error)}`), undefined);
    }
  });

  app.setErrorHandler((error: FastifyError | Error, request, reply) => {
    const control = isControlUrl(request.url);
    let status: number;
    let message: string;
    let missing = false;
    if (error instanceof InputError) {
      status = 400;
      message = error.message;
      missing = error.missing;
    } else if (error instanceof FullError) {
      status = 507;
      message = error.message;
    } else {
      const code = (error as FastifyError).code;
      const statusCode = (error as FastifyError).statusCode;
      status = typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500 ? statusCode : 500;
      if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') message = `the body is larger than ${limits.bodyBytes / 1024} KiB`;
      else if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') message = 'the body must be application/json';
      else if (status === 500) message = 'emulator error';
      else message = error.message;
      if (status === 500) process.stderr.write(`scb emulator: ${error.stack ?? error.message}\n`);
    }
    if (control) return reply.code(status).send({ error: message });
    if (status === 400) return sendScb(reply, 400, missing ? 1101 : 1102, message);
    return sendScb(reply, status, status >= 500 ? 9700 : 1102, message);
  });

  app.setNotFoundHandler((request, reply) => {
    const path = (request.url.split('?')[0] ?? '').slice(0, 200);
    if (isControlUrl(request.url)) return reply.code(404).send({ error: `no control endpoint ${request.method} ${path}` });
    return sendScb(reply, 404, 1104, `Record not found (emulator: no API ${request.method} ${path})`);
  });

  scbRoutes(app, bank);
  controlRoutes(app, bank);

  await app.listen({ port: options.port ?? 0, host });
  const address = app.server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const timer = setInterval(() => delivery.fireDue(), firingIntervalMs);
  timer.unref();

  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${address.port}`,
    nowMs: () => clock.nowMs(),
    advance: async (ms: number) => {
      if (!Number.isFinite(ms) || ms < 0) throw new RangeError('advance(ms): ms must be a finite number ≥ 0');
      await delivery.advance(ms);
    },
    close: () => {
      closing ??= (async () => {
        clearInterval(timer);
        await delivery.close();
        await app.close();
      })();
      return closing;
    },
  };
}

/**
 * `satang emulate scb [--port N] [--host H] [--start-at ISO-8601]`: runs the SCB Thai QR (tag 30) payment
 * emulator (src/scb-emulator) as its own process, prints one line `SCB emulator listening on URL` and runs
 * until SIGINT or SIGTERM. Its control API (/emulator/*) has no authentication: for tests and laptops only.
 */
import { parseArgs } from 'node:util';

export const emulateUsage = `usage: satang emulate scb [--port N] [--host H] [--start-at ISO-8601]

  Runs an emulator of SCB's Thai QR (tag 30) payment API (OAuth token, QR create, payment-confirmation
  callbacks, bill-payment inquiry, slip lookup) and its control API under /emulator (no authentication:
  for tests and laptops only). Prints one line with its URL and runs until Ctrl-C.

  --port N              the port (default 4100; 0 picks a free one)
  --host H              the address to listen on (default 127.0.0.1)
  --start-at ISO-8601   where the emulator's clock starts (default now); it then runs with real time
`;

/** A usage mistake: said with the usage. */
export class EmulateUsageError extends Error {}

export interface EmulateIo {
  line(text: string): void;
  info(text: string): void;
}

/** Starts the emulator; resolves with the exit code once a signal closed it. */
export async function emulateCommand(args: string[], io: EmulateIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: { port: { type: 'string' }, host: { type: 'string' }, 'start-at': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    throw new EmulateUsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.line(emulateUsage.trimEnd());
    return 0;
  }
  if (positionals.length !== 1 || positionals[0] !== 'scb') throw new EmulateUsageError('say which bank to emulate: `satang emulate scb` (the only one)');
  const portText = values.port ?? '4100';
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) throw new EmulateUsageError(`--port must be a port number from 0 to 65535: ${portText}`);
  const host = values.host ?? '127.0.0.1';
  if (host === '' || host.length > 255) throw new EmulateUsageError('--host must be an address or host name');
  let startAtMs: number | undefined;
  if (values['start-at'] !== undefined) {
    const text = values['start-at'];
    startAtMs = /^\d{4}-\d{2}-\d{2}T/.test(text) ? Date.parse(text) : Number.NaN;
    if (Number.isNaN(startAtMs)) throw new EmulateUsageError(`--start-at must be an ISO 8601 date and time, e.g. 2025-01-31T23:59:50+07:00: ${text}`);
  }

  const { startScbEmulator } = await import('../scb-emulator/index.js');
  const emulator = await startScbEmulator({ port: Number(portText), host, startAtMs });
  io.line(`SCB emulator listening on ${emulator.url}`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await emulator.close();
  io.info('SCB emulator closed');
  return 0;
}

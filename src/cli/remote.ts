/**
 * The remote half of the `satang` command: commands that talk to a running gateway over its HTTP API (never
 * its database), pointed at it by `--api-url` and `--secret-key`, or SATANG_API_URL and SATANG_SECRET_KEY
 * (OMISE_SECRET_KEY too). This module holds what every remote command shares: where to send requests, the
 * client, the output (readable by default, JSON lines with --json) and the exit codes:
 *
 *   0  done;  1  the gateway answered an error (printed: code and message), or could not be reached;
 *   2  the command was used wrongly (an unknown flag, a missing argument or key).
 *
 * Each command group is a RemoteCommand in its own module; src/cli.ts lists them.
 */
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { clean } from './format.js';

export type OptionSpecs = NonNullable<ParseArgsConfig['options']>;
export type OptionValues = Record<string, string | boolean | (string | boolean)[] | undefined>;
export type Json = Record<string, any>;

/** Where a remote command goes when neither --api-url nor SATANG_API_URL says: `satang serve`'s default address. */
export const apiUrlDefault = 'http://127.0.0.1:4000';
/** How long one request may take (a stream is not one request). */
const requestTimeoutMs = 30_000;

/** The command was used wrongly: exit 2. */
export class RemoteUsageError extends Error {}

/** The gateway answered an error: an Omise error object (or, from something else on the way, its HTTP status). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The error object as answered, when it was one. */
    readonly body: Json | null,
  ) {
    super(message);
  }
}

/** No answer from the gateway (refused, timed out, reset). */
export class ConnectionError extends Error {}

/** The options every remote command takes. */
export const commonOptions: OptionSpecs = {
  'api-url': { type: 'string' },
  'secret-key': { type: 'string' },
  'idempotency-key': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

export const commonUsage = `options of the remote commands:
  --api-url URL                          the gateway (SATANG_API_URL, default ${apiUrlDefault})
  --secret-key KEY                       a secret key of the account (SATANG_SECRET_KEY, else OMISE_SECRET_KEY)
  --json                                 JSON lines: one object per line (list items one by one)
  --idempotency-key KEY                  sent with a POST or PATCH (a repeat within 24 hours replays the answer)
  exit codes: 0 done, 1 the gateway answered an error (its code and message on standard error) or could not
  be reached, 2 the command was used wrongly
`;

export interface RemoteTarget {
  apiUrl: string;
  secretKey: string;
}

/** The gateway and key a remote command uses: flags first, then the environment; a missing key is a usage error. */
export function remoteTarget(values: OptionValues, env: NodeJS.ProcessEnv): RemoteTarget {
  const flag = (name: string): string | undefined => {
    const value = values[name];
    if (value === '') throw new RemoteUsageError(`--${name} needs a value`);
    return typeof value === 'string' ? value : undefined;
  };
  const variable = (name: string) => (env[name] === '' ? undefined : env[name]);
  const apiUrl = flag('api-url') ?? variable('SATANG_API_URL') ?? apiUrlDefault;
  let parsed: URL;
  try {
    parsed = new URL(apiUrl);
  } catch {
    throw new RemoteUsageError(`the API URL must be an http:// or https:// URL, not ${apiUrl}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new RemoteUsageError(`the API URL must be an http:// or https:// URL, not ${apiUrl}`);
  if (parsed.username || parsed.password) throw new RemoteUsageError('the API URL must not carry a user or password: give the key with --secret-key or SATANG_SECRET_KEY');
  const secretKey = flag('secret-key') ?? variable('SATANG_SECRET_KEY') ?? variable('OMISE_SECRET_KEY');
  if (secretKey === undefined) throw new RemoteUsageError('a secret key is needed: --secret-key KEY, or SATANG_SECRET_KEY (or OMISE_SECRET_KEY) in the environment');
  if (!/^skey_/.test(secretKey)) throw new RemoteUsageError('the key must be a secret key (skey_...)');
  return { apiUrl: apiUrl.replace(/\/+$/, ''), secretKey };
}

export type Query = Record<string, string | number | undefined>;

/** A client of the gateway's API with one secret key. */
export class RemoteClient {
  private readonly authorization: string;

  constructor(
    readonly target: RemoteTarget,
    private readonly options: { idempotencyKey?: string; userAgent: string; signal?: AbortSignal },
  ) {
    this.authorization = `Basic ${Buffer.from(`${target.secretKey}:`).toString('base64')}`;
  }

  url(path: string, query: Query = {}): string {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) if (value !== undefined) params.append(name, String(value));
    const search = params.toString();
    return `${this.target.apiUrl}${path}${search ? `?${search}` : ''}`;
  }

  /** A request; its JSON answer, or ApiError / ConnectionError. */
  async request(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, init: { query?: Query; body?: Json; signal?: AbortSignal } = {}): Promise<Json> {
    const headers: Record<string, string> = { authorization: this.authorization, accept: 'application/json', 'user-agent': this.options.userAgent };
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    if ((method === 'POST' || method === 'PATCH') && this.options.idempotencyKey) headers['idempotency-key'] = this.options.idempotencyKey;
    const signals = [init.signal, this.options.signal].filter((signal): signal is AbortSignal => signal !== undefined);
    const signal = AbortSignal.any([...signals, AbortSignal.timeout(requestTimeoutMs)]);
    const response = await this.fetch(this.url(path, init.query), { method, headers, body: init.body === undefined ? undefined : JSON.stringify(init.body), signal });
    const text = await response.text();
    return answerOf(response.status, text);
  }

  /**
   * Opens a Server-Sent Events stream: the response once it is a stream (its body still to be read), or the
   * error the gateway answered instead. `lastEventId` resumes after the last event seen, where the stream can.
   */
  async openStream(path: string, query: Query, init: { signal: AbortSignal; lastEventId?: string }): Promise<AsyncIterable<Uint8Array>> {
    const headers: Record<string, string> = { authorization: this.authorization, accept: 'text/event-stream', 'user-agent': this.options.userAgent };
    if (init.lastEventId !== undefined) headers['last-event-id'] = init.lastEventId;
    const response = await this.fetch(this.url(path, query), { method: 'GET', headers, signal: init.signal });
    const type = response.headers.get('content-type') ?? '';
    if (response.status !== 200 || !type.startsWith('text/event-stream') || !response.body) {
      const text = await response.text();
      answerOf(response.status, text);
      throw new ApiError(response.status, 'unexpected_answer', `expected an event stream, got HTTP ${response.status} ${type || 'without a content type'}`, null);
    }
    return Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
  }

  private async fetch(url: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(url, init);
    } catch (error) {
      // Stopped by the person (Ctrl-C): not a failure to reach the gateway.
      if (this.options.signal?.aborted) throw error;
      throw new ConnectionError(`could not reach ${this.target.apiUrl}: ${reasonOf(error)}`);
    }
  }
}

function reasonOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if ((error as Error).name === 'TimeoutError') return `no answer within ${requestTimeoutMs / 1000} s`;
  return cause?.code ?? cause?.message ?? (error as Error).message ?? String(error);
}

/** The JSON of an answer: an object for a success; ApiError for an Omise error or anything that is not the API's answer. */
function answerOf(status: number, text: string): Json {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const isObject = typeof json === 'object' && json !== null && !Array.isArray(json);
  if (isObject && (json as Json).object === 'error') {
    const error = json as Json;
    throw new ApiError(status, String(error.code ?? 'error'), String(error.message ?? `HTTP ${status}`), error);
  }
  if (status < 200 || status >= 300 || !isObject) {
    throw new ApiError(status, 'unexpected_answer', `HTTP ${status}: ${text.slice(0, 200).trim() || '(no body)'}`, null);
  }
  return json as Json;
}

/** What a command prints: readable text by default; with --json one JSON object per line. */
export class Output {
  constructor(
    private readonly write: (text: string) => void,
    readonly json: boolean,
  ) {}

  /** One object: as a JSON line, or as `readable` renders it. */
  object(value: unknown, readable: () => string): void {
    if (this.json) this.write(`${JSON.stringify(value)}\n`);
    else this.text(readable());
  }

  /** Objects of a list: one JSON line each, or one readable line each (`empty` when there are none). */
  items(values: Json[], line: (value: Json) => string, empty?: string): void {
    if (this.json) {
      for (const value of values) this.write(`${JSON.stringify(value)}\n`);
      return;
    }
    if (values.length === 0 && empty) this.text(empty);
    for (const value of values) this.text(line(value));
  }

  /** Readable text only (nothing with --json). */
  text(text: string): void {
    if (this.json) return;
    this.write(text.endsWith('\n') ? text : `${text}\n`);
  }
}

/** One invocation of a remote command: the words after the command's name, its options, and a signal for Ctrl-C. */
export interface RemoteCall {
  args: string[];
  values: OptionValues;
  signal: AbortSignal;
  /** Progress for a person (connected, reconnecting): standard error, never mixed with the output. */
  note(text: string): void;
}

export interface RemoteCommand {
  /** Its lines in `satang --help`. */
  usage: string;
  /** Its own options (the common ones come with every command). */
  options: OptionSpecs;
  run(client: RemoteClient, call: RemoteCall, out: Output): Promise<void>;
}

/** The name of the command an argument list runs: its first word, read with every option the command knows. */
export function commandNameOf(argv: string[], options: OptionSpecs): string | undefined {
  const { positionals } = parseArgs({ args: argv, options, strict: false, allowPositionals: true });
  return positionals[0];
}

/** Every option of the remote commands, for commandNameOf. */
export function remoteOptionsOf(commands: Record<string, RemoteCommand>): OptionSpecs {
  return Object.assign({}, commonOptions, ...Object.values(commands).map((command) => command.options));
}

export function remoteUsage(commands: Record<string, RemoteCommand>): string {
  return `remote commands (over the API of a running gateway, never its database):\n${Object.values(commands)
    .map((command) => command.usage)
    .join('')}\n${commonUsage}`;
}

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export interface RemoteIo {
  env: NodeJS.ProcessEnv;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** Runs a remote command to its end and answers its exit code; errors are printed here. */
export async function runRemote(name: string, command: RemoteCommand, argv: string[], io: RemoteIo): Promise<number> {
  let json = argv.includes('--json');
  const fail = (error: unknown): number => {
    if (error instanceof RemoteUsageError) {
      io.stderr(`satang: ${error.message}\n(satang ${name} --help shows how it is used)\n`);
      return 2;
    }
    if (error instanceof ApiError) {
      if (json && error.body) io.stderr(`${JSON.stringify(error.body)}\n`);
      else io.stderr(`satang: ${clean(error.code)}: ${clean(error.message)}${error.body ? '' : ` (HTTP ${error.status})`}\n`);
      return 1;
    }
    if (error instanceof ConnectionError) {
      io.stderr(`satang: ${clean(error.message)}\n`);
      return 1;
    }
    throw error;
  };
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...commonOptions, ...command.options }, strict: true, allowPositionals: true });
  } catch (error) {
    if (String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS')) return fail(new RemoteUsageError((error as Error).message));
    throw error;
  }
  const { values, positionals } = parsed;
  json = values.json === true;
  if (values.help) {
    io.stdout(`usage:\n${command.usage}\n${commonUsage}`);
    return 0;
  }
  const stop = new AbortController();
  const interrupt = () => stop.abort();
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  try {
    const target = remoteTarget(values, io.env);
    const client = new RemoteClient(target, { idempotencyKey: values['idempotency-key'] as string | undefined, userAgent: `satang-cli/${packageVersion()}`, signal: stop.signal });
    const out = new Output(io.stdout, json);
    await command.run(client, { args: positionals.slice(1), values, signal: stop.signal, note: (text) => io.stderr(`${text}\n`) }, out);
    return 0;
  } catch (error) {
    // Ctrl-C during a request: stopped, not failed.
    if (stop.signal.aborted) return 130;
    return fail(error);
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
  }
}

/** Options' values, read: a whole number (usage error otherwise). */
export function wholeNumber(values: OptionValues, name: string): number | undefined {
  const value = values[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^\d{1,15}$/.test(value)) throw new RemoteUsageError(`--${name} must be a whole number`);
  return Number(value);
}

export function stringOption(values: OptionValues, name: string): string | undefined {
  const value = values[name];
  if (value === '') throw new RemoteUsageError(`--${name} needs a value`);
  return typeof value === 'string' ? value : undefined;
}

/** The one argument a subcommand needs (an id), or a usage error naming it. */
export function argument(call: RemoteCall, index: number, what: string, command: string): string {
  const value = call.args[index];
  if (value === undefined || value === '') throw new RemoteUsageError(`${command} needs ${what}`);
  return value;
}

/** No more words than a subcommand takes. */
export function noMoreArguments(call: RemoteCall, count: number, command: string): void {
  if (call.args.length > count) throw new RemoteUsageError(`${command}: unexpected ${call.args.slice(count).join(' ')}`);
}

/** A path segment from an id given on the command line. */
export const segment = (id: string) => encodeURIComponent(id);

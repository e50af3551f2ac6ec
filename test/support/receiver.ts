/** A webhook receiver on loopback for tests: records every request; its answers are programmable. */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  json: any;
  atMs: number;
  /** When the client closed the connection of a request never answered (a hang, or a slow answer not yet given). */
  abandonedAtMs?: number;
}

/**
 * A status with a body of the receiver's choosing: any bytes, or 'endless' to stream bytes
 * after the status until the connection is closed.
 */
export interface AnswerWithBody {
  status: number;
  body: Buffer | 'endless';
}

export type Answer = number | 'hang' | Promise<number> | AnswerWithBody;

export interface Receiver {
  url: string;
  port: number;
  received: Received[];
  /**
   * Decides each answer: a status code, 'hang' to never answer, a promise of a status code (a slow
   * answer), or a status with a body of its own.
   */
  respond: (request: Received) => Answer;
  waitFor(predicate: (all: Received[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const hanging = new Set<ServerResponse>();
  let closing = false;
  /** Waits for an answer: a close before it is the client giving up (its timeout), unless the receiver is closing. */
  const hang = (response: ServerResponse, entry: Received) => {
    hanging.add(response);
    response.on('close', () => {
      hanging.delete(response);
      if (!response.writableEnded && !closing) entry.abandonedAtMs = Date.now();
    });
  };
  const receiver = {
    received: [] as Received[],
    respond: (_request: Received): Answer => 200,
  } as Receiver;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const entry: Received = { path: request.url ?? '/', headers: request.headers, body, json, atMs: Date.now() };
      receiver.received.push(entry);
      const answer = receiver.respond(entry);
      if (answer === 'hang') {
        hang(response, entry);
        return;
      }
      if (typeof answer === 'object' && 'status' in answer) {
        answerWithBody(response, answer, hanging);
        return;
      }
      if (typeof answer !== 'number') {
        hang(response, entry);
        void answer.then((status) => {
          hanging.delete(response);
          if (!response.destroyed) response.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'not today');
        });
        return;
      }
      response.writeHead(answer, { 'content-type': 'text/plain' }).end(answer < 300 ? 'ok' : 'not today');
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.port = (server.address() as AddressInfo).port;
  receiver.url = `http://127.0.0.1:${receiver.port}`;
  receiver.waitFor = async (predicate, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(receiver.received)) {
      if (Date.now() > deadline) throw new Error(`receiver: timed out; got ${receiver.received.map((r) => r.json?.key).join(', ')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  receiver.close = async () => {
    closing = true;
    for (const response of hanging) response.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return receiver;
}

/** Writes the status and the body; an endless body goes on, chunk after chunk, until the client closes. */
function answerWithBody(response: ServerResponse, answer: AnswerWithBody, open: Set<ServerResponse>): void {
  if (answer.body !== 'endless') {
    response.writeHead(answer.status, { 'content-type': 'text/plain', 'content-length': String(answer.body.length) }).end(answer.body);
    return;
  }
  open.add(response);
  response.writeHead(answer.status, { 'content-type': 'text/plain' });
  const chunk = Buffer.alloc(16 * 1024, 'x');
  const more = () => {
    while (!response.destroyed && response.write(chunk));
  };
  response.on('drain', more);
  response.on('close', () => open.delete(response));
  more();
}

/**
 * HTTP as a misbehaving client speaks it: bytes written to a TCP socket by hand, and exactly the
 * bytes that come back, so a test sees what an HTTP library would hide (a second response on the
 * same connection, a connection left open, a reply that is not JSON).
 */
import net from 'node:net';

export interface RawExchange {
  /** Everything the server sent, as text. */
  text: string;
  /** Whether the server closed the connection before the wait ended. */
  closed: boolean;
  /** The responses in `text`, in order. */
  responses: RawResponse[];
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  json: any;
}

/** Splits the server's bytes into responses (Content-Length framed, as every reply here is). */
export function splitResponses(text: string): RawResponse[] {
  const responses: RawResponse[] = [];
  let rest = text;
  while (rest.startsWith('HTTP/1.1 ')) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) break;
    const [statusLine, ...lines] = rest.slice(0, end).split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers['content-length'] ?? 0);
    const body = rest.slice(end + 4, end + 4 + length);
    let json: any;
    try {
      json = JSON.parse(body);
    } catch {
      json = undefined;
    }
    responses.push({ status: Number(statusLine.split(' ')[1]), headers, body, json });
    rest = rest.slice(end + 4 + length);
  }
  return responses;
}

/**
 * Opens a connection, writes `parts` one after the other (`pauseMs` apart), and collects what
 * comes back until the server closes the connection or `waitMs` has passed. The socket is
 * destroyed either way.
 */
export function rawExchange(port: number, parts: Array<string | Buffer>, options: { waitMs?: number; pauseMs?: number } = {}): Promise<RawExchange> {
  const waitMs = options.waitMs ?? 3000;
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    let closed = false;
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('utf8');
      resolve({ text, closed, responses: splitResponses(text) });
    };
    const timer = setTimeout(finish, waitMs);
    socket.on('data', (chunk) => chunks.push(chunk));
    // A reset after the server's answer still counts as a closed connection; what arrived is kept.
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') {
        closed = true;
        finish();
      } else if (!settled) {
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        reject(error);
      }
    });
    socket.on('close', () => {
      closed = true;
      finish();
    });
    socket.on('connect', async () => {
      for (const [index, part] of parts.entries()) {
        if (settled || socket.destroyed) return;
        if (index > 0 && options.pauseMs) await new Promise((done) => setTimeout(done, options.pauseMs));
        if (settled || socket.destroyed) return;
        socket.write(part);
      }
    });
  });
}

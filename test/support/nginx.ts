/**
 * nginx as a load balancer in front of gateway processes, for tests and benchmarks: the
 * Debian package's binary, started as a child process with a generated config whose pid,
 * logs and temp paths all live in a temp dir. The config has the shape the README shows.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const nginxBinary = process.env.SATANG_NGINX || '/usr/sbin/nginx';
export const nginxAvailable = existsSync(nginxBinary);

/** A port free right now (nginx cannot listen on port 0): listen on 0, note the port, close. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The http block: an upstream of the gateways (keep-alive), and a proxy that retries a dead one. */
export function nginxHttpBlock(options: { port: number; upstreams: string[]; dir?: string }): string {
  const dir = options.dir;
  const paths = dir
    ? `  access_log ${join(dir, 'access.log')} upstreamlog;
  client_body_temp_path ${join(dir, 'client_body')};
  proxy_temp_path ${join(dir, 'proxy')};
  fastcgi_temp_path ${join(dir, 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'uwsgi')};
  scgi_temp_path ${join(dir, 'scgi')};
`
    : '';
  return `http {
  log_format upstreamlog '$remote_addr "$request" $status upstream=$upstream_addr request_id=$request_id';
${paths}  upstream satang {
${options.upstreams.map((address) => `    server ${address} max_fails=1 fail_timeout=2s;`).join('\n')}
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${options.port};
    location / {
      proxy_pass http://satang;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Request-Id $request_id;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      # A refused connection or a 502/503 goes to the next process. POSTs already sent
      # are not retried by nginx (non_idempotent is off): clients retry them with their
      # Idempotency-Key, which replays the first answer.
      proxy_next_upstream error timeout http_502 http_503;
      proxy_connect_timeout 2s;
      proxy_read_timeout 60s;
    }
    # satang listen's event streams (Server-Sent Events): each frame passed on as it comes, the
    # stream held open (a keep-alive comment comes every 15 s).
    location ~ ^/test/listeners/[^/]+/stream$ {
      proxy_pass http://satang;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Request-Id $request_id;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_buffering off;
      proxy_cache off;
      proxy_read_timeout 1h;
      proxy_next_upstream error timeout http_502 http_503;
      proxy_connect_timeout 2s;
    }
  }
}
`;
}

export interface Nginx {
  url: string;
  port: number;
  /** The access log: one line per request, naming the upstream that answered. */
  accessLog(): string;
  stop(): Promise<void>;
}

export async function startNginx(upstreams: string[], port?: number): Promise<Nginx> {
  const dir = mkdtempSync(join(tmpdir(), 'satang-nginx-'));
  const listenPort = port ?? (await freePort());
  const config = `daemon off;
master_process off;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 4096; }
${nginxHttpBlock({ port: listenPort, upstreams, dir })}`;
  writeFileSync(join(dir, 'nginx.conf'), config);
  const child: ChildProcess = spawn(nginxBinary, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', () => child.kill('SIGKILL'));
  const url = `http://127.0.0.1:${listenPort}`;
  // Ready once it answers (with whatever the upstream says).
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) {
      const log = existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : '';
      await stop();
      throw new Error(`nginx exited with ${child.exitCode}: ${output}${log}`);
    }
    try {
      await fetch(`${url}/healthz`);
      break;
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`nginx did not answer on ${url}: ${output}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    url,
    port: listenPort,
    accessLog: () => (existsSync(join(dir, 'access.log')) ? readFileSync(join(dir, 'access.log'), 'utf8') : ''),
    stop,
  };
}

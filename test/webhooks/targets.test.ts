/**
 * Webhook targets (DECISIONS §10): with SATANG_WEBHOOK_ALLOW_PRIVATE=false only global
 * unicast addresses are targets, checked when a URL is registered (the URL and any IP
 * literal, never resolving) and again at delivery (every address the name resolves to,
 * connected at exactly the address checked). What a failed attempt records says what went
 * wrong without naming addresses or ports.
 */
import assert from 'node:assert/strict';
import { createServer as createTcpServer, type Server as TcpServer, type Socket, connect as tcpConnect } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { systemClock } from '../../src/domain/clock.js';
import { WebhookDispatcher } from '../../src/webhooks/dispatcher.js';
import { urlProblem } from '../../src/webhooks/targets.js';
import * as targets from '../../src/webhooks/targets.js';
import { describeEachStore, type Harness } from '../support/harness.js';
import { type Receiver, startReceiver } from '../support/receiver.js';
import { releaseAll } from '../support/release.js';

/** What the merchant reads in a refused attempt, whatever the address or port. */
const refusedText = 'target refused: not a public address';

/** Forms that must be refused with private targets off: [URL, why]. */
const refusedForms: Array<[string, string]> = [
  ['http://127.0.0.1/hook', 'loopback'],
  ['http://2130706433/hook', 'loopback, decimal'],
  ['http://0x7f000001/hook', 'loopback, hex'],
  ['http://0x7f.1/hook', 'loopback, short hex'],
  ['http://0177.0.0.1/hook', 'loopback, octal'],
  ['http://127.1/hook', 'loopback, short'],
  ['http://127.0.0.1./hook', 'loopback, trailing dot'],
  ['http://0/hook', 'unspecified, one number'],
  ['http://0.0.0.0/hook', 'unspecified'],
  ['http://10.0.0.5/hook', 'private'],
  ['http://172.16.0.1/hook', 'private'],
  ['http://192.168.1.1/hook', 'private'],
  ['http://169.254.169.254/latest/meta-data', 'link-local (cloud metadata)'],
  ['http://100.64.0.1/hook', 'carrier-grade NAT'],
  ['http://198.18.0.1/hook', 'benchmarking'],
  ['http://192.0.2.1/hook', 'documentation'],
  ['http://224.0.0.1/hook', 'multicast'],
  ['http://255.255.255.255/hook', 'broadcast'],
  ['http://240.0.0.1/hook', 'reserved'],
  ['http://[::1]/hook', 'IPv6 loopback'],
  ['http://[::]/hook', 'IPv6 unspecified'],
  ['http://[::ffff:127.0.0.1]/hook', 'IPv4-mapped loopback'],
  ['http://[::ffff:7f00:1]/hook', 'IPv4-mapped loopback, hex'],
  ['http://[::ffff:a9fe:a9fe]/hook', 'IPv4-mapped 169.254.169.254'],
  ['http://[::ffff:8.8.8.8]/hook', 'IPv4-mapped, even of a public address'],
  ['http://[::7f00:1]/hook', 'IPv4-compatible (::/96)'],
  ['http://[::127.0.0.1]/hook', 'IPv4-compatible, dotted'],
  ['http://[::ffff:0:7f00:1]/hook', 'IPv4-translated (rfc6145)'],
  ['http://[64:ff9b::7f00:1]/hook', 'NAT64 of loopback'],
  ['http://[64:ff9b::808:808]/hook', 'NAT64, even of a public address'],
  ['http://[64:ff9b:1::a00:1]/hook', 'local-use NAT64 (64:ff9b:1::/48)'],
  ['http://[2002:7f00:1::1]/hook', '6to4'],
  ['http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/hook', 'Teredo'],
  ['http://[fc00::1]/hook', 'unique local'],
  ['http://[fd12:3456::1]/hook', 'unique local'],
  ['http://[fe80::1]/hook', 'IPv6 link-local'],
  ['http://[ff02::1]/hook', 'IPv6 multicast'],
  ['http://[2001:db8::1]/hook', 'IPv6 documentation'],
  ['http://[100::1]/hook', 'IPv6 discard'],
  ['http://localhost/hook', 'localhost'],
  ['http://LOCALHOST:8080/hook', 'localhost, upper case'],
  ['http://localhost./hook', 'localhost, trailing dot'],
  ['http://%6c%6fcalhost/hook', 'localhost, percent-encoded'],
  ['http://sub.localhost/hook', '*.localhost'],
  ['http://a.b.localhost./hook', '*.localhost, trailing dot'],
  ['https://merchant.example./hooks', 'a name ending in a dot'],
];

/** Global unicast targets, accepted with private targets off (never sent to: no dispatcher runs here). */
const acceptedForms = [
  'http://93.184.216.34/hook',
  'https://1.1.1.1/hook',
  'http://8.8.8.8:8080/x',
  'https://[2606:4700:4700::1111]/hook',
  'https://[2001:4860:4860::8888]/hook',
  'https://merchant.example/hooks/omise',
  'https://hooks.merchant.example:8443/omise',
];

const off = { allowPrivateTargets: false };

test('classification: every private, special or embedded form is refused with private targets off; global ones pass', () => {
  assert.ok(refusedForms.length + acceptedForms.length >= 30);
  for (const [url, why] of refusedForms) assert.notEqual(urlProblem(url, off), null, `${url} (${why}) must be refused`);
  for (const url of acceptedForms) assert.equal(urlProblem(url, off), null, `${url} must be accepted`);
  // The default (a sandbox): a laptop's receiver is on localhost.
  for (const url of ['http://127.0.0.1:9/hook', 'http://localhost:3000/hook', 'http://[::1]:9/hook']) assert.equal(urlProblem(url, { allowPrivateTargets: true }), null, url);
});

test('classification of resolved addresses: only global unicast (IPv6 inside 2000::/3) is public', () => {
  const isPublicAddress = (targets as Record<string, unknown>).isPublicAddress as (address: string) => boolean;
  assert.equal(typeof isPublicAddress, 'function');
  const refused = [
    '127.0.0.1', '127.255.255.254', '0.0.0.0', '10.1.2.3', '172.31.255.255', '192.168.0.1', '169.254.169.254', '100.64.0.1', '100.127.255.255',
    '198.18.0.1', '198.19.255.255', '192.0.2.1', '198.51.100.7', '203.0.113.9', '224.0.0.1', '239.255.255.250', '255.255.255.255', '240.0.0.1',
    '::1', '::', '::ffff:127.0.0.1', '::ffff:8.8.8.8', '::7f00:1', '::ffff:0:7f00:1', '64:ff9b::7f00:1', '64:ff9b::808:808', '64:ff9b:1::1',
    '2002:7f00:1::1', '2001:0:4136:e378:8000:63bf:3fff:fdd2', '2001:db8::1', 'fc00::1', 'fd00::1', 'fe80::1', 'ff02::1', '100::1', 'not an address',
  ];
  for (const address of refused) assert.equal(isPublicAddress(address), false, address);
  for (const address of ['93.184.216.34', '8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '2001:4860:4860::8888', '2a00:1450:4001:81c::200e']) {
    assert.equal(isPublicAddress(address), true, address);
  }
});

async function count(h: Harness, table: 'webhook_endpoints' | 'charges'): Promise<number> {
  const row = await h.store.read.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

function chargeWith(h: Harness, urls: string[]) {
  return h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: { amount: 10000, currency: 'THB', source: { type: 'truemoney_qr' }, webhook_endpoints: urls } });
}

describeEachStore(
  'private webhook targets off: registration',
  (h) => {
    test('POST /webhook_endpoints and POST /charges webhook_endpoints refuse every form (400, nothing stored); global targets are accepted', async () => {
      const endpointsBefore = await count(h, 'webhook_endpoints');
      const chargesBefore = await count(h, 'charges');
      for (const [url, why] of refusedForms) {
        const endpoint = await h.request({ method: 'POST', url: '/webhook_endpoints', key: h.keys.secretKey, json: { url } });
        assert.equal(endpoint.status, 400, `${url} (${why}): ${endpoint.body}`);
        assert.equal(endpoint.json.object, 'error');
        assert.equal(endpoint.json.code, 'bad_request');
        assert.match(endpoint.json.message, /^url /);
        const charge = await chargeWith(h, ['https://merchant.example/ok', url]);
        assert.equal(charge.status, 400, `${url} (${why}) in webhook_endpoints: ${charge.body.slice(0, 80)}`);
        assert.equal(charge.json.code, 'invalid_charge');
        assert.match(charge.json.message, /webhook_endpoints/);
      }
      assert.equal(await count(h, 'webhook_endpoints'), endpointsBefore, 'no endpoint stored');
      assert.equal(await count(h, 'charges'), chargesBefore, 'no charge stored');

      for (const url of acceptedForms) {
        const endpoint = await h.request({ method: 'POST', url: '/webhook_endpoints', key: h.keys.secretKey, json: { url } });
        assert.equal(endpoint.status, 200, `${url}: ${endpoint.body}`);
        assert.equal(endpoint.json.url, url);
        assert.equal((await h.request({ method: 'DELETE', url: `/webhook_endpoints/${endpoint.json.id}`, key: h.keys.secretKey })).status, 200);
      }
      const charge = await chargeWith(h, acceptedForms.slice(0, 7));
      assert.equal(charge.status, 200, charge.body);
    });

    test('PATCH to a refused URL and a redelivery to one are refused too', async () => {
      const endpoint = await h.request({ method: 'POST', url: '/webhook_endpoints', key: h.keys.secretKey, json: { url: 'https://merchant.example/hooks' } });
      for (const url of ['http://[::ffff:7f00:1]/x', 'http://localhost./x', 'http://[64:ff9b::a9fe:a9fe]/']) {
        const patched = await h.request({ method: 'PATCH', url: `/webhook_endpoints/${endpoint.json.id}`, key: h.keys.secretKey, json: { url } });
        assert.equal(patched.status, 400, url);
        assert.equal(patched.json.code, 'bad_request');
      }
      assert.equal((await h.request({ url: `/webhook_endpoints/${endpoint.json.id}`, key: h.keys.secretKey })).json.url, 'https://merchant.example/hooks');
      const charge = await chargeWith(h, ['https://merchant.example/per-charge']);
      const event = (await h.request({ url: `/charges/${charge.json.id}/events`, key: h.keys.secretKey })).json.data[0];
      const jobsBefore = await h.store.read.selectFrom('webhook_jobs').select('id').where('event_id', '=', event.id).execute();
      for (const url of ['http://[::ffff:a9fe:a9fe]/latest', 'http://198.18.0.1/', 'http://sub.localhost/']) {
        const redeliver = await h.request({ method: 'POST', url: `/events/${event.id}/redeliver`, key: h.keys.secretKey, json: { url } });
        assert.equal(redeliver.status, 400, url);
        assert.equal(redeliver.json.code, 'bad_request');
      }
      const jobsAfter = await h.store.read.selectFrom('webhook_jobs').select('id').where('event_id', '=', event.id).execute();
      assert.equal(jobsAfter.length, jobsBefore.length, 'no job queued');
    });
  },
  { webhookAllowPrivateTargets: false },
);

describeEachStore('private webhook targets on (the default): registration', (h) => {
  test('a loopback receiver is accepted as an endpoint and as a charge webhook_endpoint', async () => {
    for (const url of ['http://127.0.0.1:9/hook', 'http://localhost:3000/hook', 'http://[::1]:9/hook']) {
      const endpoint = await h.request({ method: 'POST', url: '/webhook_endpoints', key: h.keys.secretKey, json: { url } });
      assert.equal(endpoint.status, 200, `${url}: ${endpoint.body}`);
    }
    const charge = await chargeWith(h, ['http://127.0.0.1:9/hook', 'http://localhost:3000/hook']);
    assert.equal(charge.status, 200, charge.body);
  });
});

/** A TCP server that does something other than answer HTTP properly with each connection. */
async function rawServer(onConnection: (socket: Socket) => void): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: TcpServer = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port nobody listens on (it was just closed). */
async function closedPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function chargeEventDeliveries(h: Harness, chargeId: string): Promise<Array<{ uri: string; status: number | null; error: string | null }>> {
  const events = await h.request({ url: `/charges/${chargeId}/events`, key: h.keys.secretKey });
  return events.json.data.find((e: { key: string }) => e.key === 'charge.create').webhook_deliveries;
}

describeEachStore(
  'webhook delivery: refused targets and network failures',
  (h) => {
    let receiver: Receiver;
    before(async () => {
      receiver = await startReceiver();
    });
    after(() => releaseAll([['the receiver', () => receiver?.close()]]));

    test('endpoints registered while private targets were allowed are refused at delivery once they are not; the text names no address or port', async () => {
      // A receiver on loopback, reached through IPv4-mapped IPv6 literals, registered under the default policy.
      const mapped = [`http://[::ffff:127.0.0.1]:${receiver.port}/mapped`, `http://[::ffff:7f00:1]:${receiver.port}/mapped-hex`, `http://[::ffff:7f00:1]:1/closed`];
      const charge = await chargeWith(h, mapped);
      assert.equal(charge.status, 200, charge.body);
      // The operator restarts with SATANG_WEBHOOK_ALLOW_PRIVATE=false.
      const strict = new WebhookDispatcher({ store: h.store, wall: systemClock, publicUrl: h.publicUrl, policy: off, timeoutMs: 2000 });
      try {
        await strict.drain();
      } finally {
        await strict.stop();
      }
      assert.equal(receiver.received.filter((r) => r.json?.data?.id === charge.json.id).length, 0, 'nothing reaches the loopback receiver');
      const deliveries = await chargeEventDeliveries(h, charge.json.id);
      assert.equal(deliveries.length, 3);
      for (const delivery of deliveries) {
        assert.equal(delivery.status, null);
        assert.equal(delivery.error, refusedText, `${delivery.uri}: ${delivery.error}`);
      }
    });

    test('network failures are recorded as a few fixed texts, without addresses or ports', async () => {
      const reset = await rawServer((socket) => socket.once('data', () => socket.resetAndDestroy()));
      const garbage = await rawServer((socket) => socket.once('data', () => socket.end('this is not HTTP\r\n\r\n')));
      try {
        const port = await closedPort();
        const charge = await chargeWith(h, [`http://127.0.0.1:${port}/closed`, `${reset.url}/reset`, `${garbage.url}/garbage`]);
        await h.gateway.webhooks.drain();
        const byPath = new Map((await chargeEventDeliveries(h, charge.json.id)).map((d) => [new URL(d.uri).pathname, d.error]));
        assert.equal(byPath.get('/closed'), 'connection refused');
        assert.equal(byPath.get('/reset'), 'connection reset');
        assert.equal(byPath.get('/garbage'), 'invalid HTTP response');
      } finally {
        await reset.close();
        await garbage.close();
      }
    });
  },
  { webhookTimeoutMs: 2000 },
);

// ---------------------------------------------------------------- an injected resolver and connector

interface ConnectTarget {
  host: string;
  port: number;
  addresses: Array<{ address: string; family: number }>;
}

describeEachStore('webhook delivery with an injected resolver and connector (private targets off)', (h) => {
  let receiver: Receiver;
  before(async () => {
    receiver = await startReceiver();
  });
  after(() => releaseAll([['the receiver', () => receiver?.close()]]));

  /** A dispatcher whose names resolve through `answers` and whose connections all go to the local receiver. */
  function dispatcherWith(answers: (host: string, call: number) => Array<{ address: string; family: 4 | 6 }>, allowPrivateTargets = false) {
    const resolved: string[] = [];
    const connected: ConnectTarget[] = [];
    const dispatcher = new WebhookDispatcher({
      store: h.store,
      wall: systemClock,
      publicUrl: h.publicUrl,
      policy: { allowPrivateTargets },
      timeoutMs: 2000,
      resolve: async (host: string) => {
        resolved.push(host);
        return answers(host, resolved.length);
      },
      connect: (target: ConnectTarget) => {
        connected.push(target);
        return tcpConnect(receiver.port, '127.0.0.1');
      },
    } as ConstructorParameters<typeof WebhookDispatcher>[0]);
    return { dispatcher, resolved, connected };
  }

  test('a name resolving to a global address is connected at exactly that address, and the receiver gets the signed POST', async () => {
    const { dispatcher, resolved, connected } = dispatcherWith(() => [{ address: '93.184.216.34', family: 4 }]);
    const charge = await chargeWith(h, ['http://hooks.merchant.example/omise']);
    try {
      await dispatcher.drain();
    } finally {
      await dispatcher.stop();
    }
    assert.deepEqual(resolved, ['hooks.merchant.example']);
    assert.equal(connected.length, 1);
    assert.deepEqual(connected[0], { host: 'hooks.merchant.example', port: 80, addresses: [{ address: '93.184.216.34', family: 4 }] });
    const got = receiver.received.find((r) => r.json?.data?.id === charge.json.id);
    assert.ok(got, 'the receiver got the event');
    assert.equal(got.path, '/omise');
    assert.equal(got.headers.host, 'hooks.merchant.example');
    assert.match(String(got.headers['omise-signature']), /^[0-9a-f]{64}$/);
    assert.deepEqual((await chargeEventDeliveries(h, charge.json.id)).map((d) => [d.status, d.error]), [[200, null]]);
  });

  test('a name resolving to a global and a private address is refused, and nothing is connected', async () => {
    for (const privateAddress of [{ address: '10.0.0.7', family: 4 as const }, { address: '::ffff:169.254.169.254', family: 6 as const }, { address: '64:ff9b::7f00:1', family: 6 as const }]) {
      const { dispatcher, connected } = dispatcherWith(() => [{ address: '93.184.216.34', family: 4 }, privateAddress]);
      const charge = await chargeWith(h, ['https://mixed.merchant.example/omise']);
      try {
        await dispatcher.drain();
      } finally {
        await dispatcher.stop();
      }
      assert.equal(connected.length, 0, `connector called for ${privateAddress.address}`);
      assert.deepEqual((await chargeEventDeliveries(h, charge.json.id)).map((d) => [d.status, d.error]), [[null, refusedText]]);
    }
  });

  test('the name is resolved once per attempt: a rebinding answer (global, then 127.0.0.1) is never connected', async () => {
    const { dispatcher, resolved, connected } = dispatcherWith((_host, call) => (call === 1 ? [{ address: '93.184.216.34', family: 4 }] : [{ address: '127.0.0.1', family: 4 }]));
    const charge = await chargeWith(h, ['http://rebind.merchant.example:8080/omise']);
    try {
      await dispatcher.drain();
    } finally {
      await dispatcher.stop();
    }
    assert.equal(resolved.length, 1, 'one resolution for one attempt');
    assert.deepEqual(connected.map((c) => c.addresses), [[{ address: '93.184.216.34', family: 4 }]]);
    assert.equal(connected[0].port, 8080);
    assert.ok(receiver.received.some((r) => r.json?.data?.id === charge.json.id));
  });

  test('https: TLS goes over the pinned connection with SNI on the host name, and an unverified peer fails the handshake', async () => {
    const serverNames: string[] = [];
    // A TLS server with no certificate: it notes the name the client asked for, then hangs up.
    const tlsServer = createTlsServer({ SNICallback: (name, done) => (serverNames.push(name), done(new Error('no certificate here'))) });
    tlsServer.on('tlsClientError', () => {});
    await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
    const connected: ConnectTarget[] = [];
    const dispatcher = new WebhookDispatcher({
      store: h.store,
      wall: systemClock,
      publicUrl: h.publicUrl,
      policy: off,
      timeoutMs: 2000,
      resolve: async () => [{ address: '93.184.216.34', family: 4 as const }],
      connect: (target: ConnectTarget) => {
        connected.push(target);
        return tcpConnect((tlsServer.address() as AddressInfo).port, '127.0.0.1');
      },
    } as ConstructorParameters<typeof WebhookDispatcher>[0]);
    try {
      // However the URL spells its scheme.
      const charge = await chargeWith(h, ['https://secure.merchant.example/omise', 'HTTPS://Upper.Merchant.Example/omise']);
      await dispatcher.drain();
      const address = [{ address: '93.184.216.34', family: 4 }];
      assert.deepEqual(connected.map((c) => c.host).sort(), ['secure.merchant.example', 'upper.merchant.example']);
      for (const target of connected) assert.deepEqual([target.port, target.addresses], [443, address]);
      assert.deepEqual(serverNames.sort(), ['secure.merchant.example', 'upper.merchant.example']);
      assert.deepEqual((await chargeEventDeliveries(h, charge.json.id)).map((d) => [d.status, d.error]), [
        [null, 'TLS handshake failed'],
        [null, 'TLS handshake failed'],
      ]);
    } finally {
      await dispatcher.stop();
      await new Promise<void>((resolve) => tlsServer.close(() => resolve()));
    }
  });

  test('the default connector connects to the resolved address only (net asks the pinned lookup, with or without all)', async () => {
    // Private targets allowed here, so the name may resolve to the loopback receiver; the default connector
    // (net.connect with the pinned lookup) must use that answer rather than look the made-up name up again.
    const resolved: string[] = [];
    const dispatcher = new WebhookDispatcher({
      store: h.store,
      wall: systemClock,
      publicUrl: h.publicUrl,
      policy: { allowPrivateTargets: true },
      timeoutMs: 2000,
      resolve: async (host: string) => {
        resolved.push(host);
        return [{ address: '127.0.0.1', family: 4 as const }];
      },
    } as ConstructorParameters<typeof WebhookDispatcher>[0]);
    const charge = await chargeWith(h, [`http://pinned.merchant.example:${receiver.port}/pinned`]);
    try {
      await dispatcher.drain();
    } finally {
      await dispatcher.stop();
    }
    assert.deepEqual(resolved, ['pinned.merchant.example']);
    const got = receiver.received.find((r) => r.json?.data?.id === charge.json.id);
    assert.ok(got);
    assert.equal(got.headers.host, `pinned.merchant.example:${receiver.port}`);

    const pinnedLookup = (targets as Record<string, unknown>).pinnedLookup as (addresses: Array<{ address: string; family: number }>) => (...args: any[]) => void;
    const lookup = pinnedLookup([{ address: '93.184.216.34', family: 4 }, { address: '2606:4700:4700::1111', family: 6 }]);
    const all = await new Promise((resolve) => lookup('anything', { all: true }, (_error: unknown, addresses: unknown) => resolve(addresses)));
    assert.deepEqual(all, [{ address: '93.184.216.34', family: 4 }, { address: '2606:4700:4700::1111', family: 6 }]);
    const one = await new Promise((resolve) => lookup('anything', {}, (_error: unknown, address: unknown, family: unknown) => resolve([address, family])));
    assert.deepEqual(one, ['93.184.216.34', 4]);
    const six = await new Promise((resolve) => lookup('anything', { family: 6 }, (_error: unknown, address: unknown, family: unknown) => resolve([address, family])));
    assert.deepEqual(six, ['2606:4700:4700::1111', 6]);
  });
});

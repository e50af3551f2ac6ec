import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { startGatewayProcess } from '../support/process.js';

const publicKey = 'pkey_test_trustproxy0000000000';
const secretKey = 'skey_test_trustproxy0000000000';

/** The client address a source records by default, with a forwarded header set by "a proxy". */
async function sourceIpThrough(url: string, forwardedFor: string): Promise<string> {
  const res = await fetch(`${url}/sources`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${publicKey}:`).toString('base64')}`,
      'content-type': 'application/json',
      'x-forwarded-for': forwardedFor,
    },
    body: JSON.stringify({ amount: 10000, currency: 'THB', type: 'truemoney_qr' }),
  });
  assert.equal(res.status, 200);
  return ((await res.json()) as { ip: string }).ip;
}

describe('SATANG_TRUST_PROXY: the client address behind a load balancer', () => {
  const dirs: string[] = [];
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  function dataDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'satang-trust-proxy-'));
    dirs.push(dir);
    return dir;
  }

  test('parses true, hop counts and address lists, and refuses anything else', () => {
    assert.equal(loadConfig({}).trustProxy, false);
    assert.equal(loadConfig({ SATANG_TRUST_PROXY: 'false' }).trustProxy, false);
    assert.equal(loadConfig({ SATANG_TRUST_PROXY: 'true' }).trustProxy, true);
    assert.equal(loadConfig({ SATANG_TRUST_PROXY: '2' }).trustProxy, 2);
    assert.equal(loadConfig({ SATANG_TRUST_PROXY: '127.0.0.1, 10.0.0.0/8' }).trustProxy, '127.0.0.1,10.0.0.0/8');
    assert.throws(() => loadConfig({ SATANG_TRUST_PROXY: 'nginx please' }), /SATANG_TRUST_PROXY must be/);
  });

  test('without it a forged X-Forwarded-For is ignored; with the proxy trusted the forwarded client address is used', async () => {
    const env = { SATANG_TEST_PUBLIC_KEY: publicKey, SATANG_TEST_SECRET_KEY: secretKey };
    const plain = await startGatewayProcess({ ...env, SATANG_DATA_DIR: dataDir() });
    try {
      assert.equal(await sourceIpThrough(plain.url, '203.0.113.9'), '127.0.0.1');
    } finally {
      await plain.kill();
    }
    const proxied = await startGatewayProcess({ ...env, SATANG_DATA_DIR: dataDir(), SATANG_TRUST_PROXY: '127.0.0.1' });
    try {
      assert.equal(await sourceIpThrough(proxied.url, '203.0.113.9'), '203.0.113.9');
      // Only the hop the trusted proxy added counts: an address the client put in front is not believed.
      assert.equal(await sourceIpThrough(proxied.url, '198.51.100.1, 203.0.113.9'), '203.0.113.9');
    } finally {
      await proxied.kill();
    }
  });
});

/**
 * Sign-in that cannot be used against an operator, on a real listening server reached from several
 * client addresses (127.0.0.2, .3, … all reach a server on 127.0.0.1): an attacker's failures for the
 * victim's email refuse the attacker's address, slow an address the victim never used, and never
 * refuse the victim's right password from an address they signed in from before.
 *
 * The delay is asserted by the server's own record of it (the x-satang-signin-delay-ms header), never
 * by wall time.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { before, test } from 'node:test';
import { addOperator, operatorPassword } from '../support/dashboard.js';
import { describeEachStore } from '../support/harness.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

describeEachStore(
  'dashboard sign-in from several addresses: throttled per address, never locking the operator out',
  (h) => {
    before(async () => {
      await addOperator(h.store, 'victim@example.com');
    });

    function send(from: string, method: 'GET' | 'POST', path: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
      return new Promise((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port: h.port, localAddress: from, method, path, headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end(body);
      });
    }

    /** One sign-in through the real form, from `from`: the status and the delay the server says it applied. */
    async function signInFrom(from: string, password: string, email = 'victim@example.com'): Promise<{ status: number; delayMs: number | undefined }> {
      const form = await send(from, 'GET', '/dashboard/signin');
      assert.equal(form.status, 200);
      const cookie = ([] as string[]).concat(form.headers['set-cookie'] ?? []).find((c) => c.startsWith('satang_form='))!.split(';')[0];
      const token = cookie.split('=')[1];
      const body = new URLSearchParams({ _form: token, email, password, next: '/dashboard' }).toString();
      const res = await send(from, 'POST', '/dashboard/signin', { cookie, 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(body)) }, body);
      if (res.status === 303) assert.ok(([] as string[]).concat(res.headers['set-cookie'] ?? []).some((c) => c.startsWith('satang_session=')), 'a session cookie');
      const delay = res.headers['x-satang-signin-delay-ms'];
      return { status: res.status, delayMs: delay === undefined ? undefined : Number(delay) };
    }

    const victimHome = '127.0.0.2';
    const attacker = '127.0.0.3';
    const newPlace = '127.0.0.4';

    test('the server sees each client address', async () => {
      const res = await send(attacker, 'GET', '/dashboard/signin');
      assert.equal(res.status, 200);
    });

    test('an attacker failing many times for the victim is refused at their own address; the victim at a known address still signs in', async () => {
      assert.equal((await signInFrom(victimHome, operatorPassword)).status, 303, 'the victim signs in from home once');
      for (let i = 0; i < 5; i++) assert.equal((await signInFrom(attacker, `guess number ${i}`)).status, 401, `guess ${i}`);
      for (let i = 0; i < 5; i++) assert.equal((await signInFrom(attacker, `more guesses ${i}`)).status, 429, 'the attacker’s address is throttled for this email');
      assert.equal((await signInFrom(attacker, operatorPassword)).status, 429, 'even the right password from the attacker’s address');
      const home = await signInFrom(victimHome, operatorPassword);
      assert.deepEqual(home, { status: 303, delayMs: 0 }, 'the victim’s known address: signed in, not slowed');
    });

    test('a new address of the victim, while the email is under attack, is slowed but not refused', async () => {
      for (let i = 0; i < 5; i++) assert.equal((await signInFrom('127.0.0.5', `guess again ${i}`)).status, 401);
      const elsewhere = await signInFrom(newPlace, operatorPassword);
      assert.equal(elsewhere.status, 303, 'signed in from a new address');
      assert.ok(elsewhere.delayMs !== undefined && elsewhere.delayMs > 0 && elsewhere.delayMs <= 2000, `slowed (bounded): ${elsewhere.delayMs} ms`);
      // Signed in there once, the new address is known: the next attack does not slow it.
      for (let i = 0; i < 5; i++) assert.equal((await signInFrom('127.0.0.6', `and again ${i}`)).status, 401);
      assert.deepEqual(await signInFrom(newPlace, operatorPassword), { status: 303, delayMs: 0 });
    });

    test('an address that used up its own tries for the email is refused, whoever uses it', async () => {
      for (let i = 0; i < 5; i++) assert.equal((await signInFrom('127.0.0.7', `typo ${i} here`)).status, 401);
      assert.equal((await signInFrom('127.0.0.7', operatorPassword)).status, 429);
      // Other addresses are not affected by it: home still signs in.
      assert.equal((await signInFrom(victimHome, operatorPassword)).status, 303);
    });

    test('an address that fails for many emails is refused for every email', async () => {
      for (let i = 0; i < 20; i++) assert.equal((await signInFrom('127.0.0.8', 'wrong password', `someone${i}@example.com`)).status, 401);
      assert.equal((await signInFrom('127.0.0.8', operatorPassword)).status, 429);
      assert.equal((await signInFrom(victimHome, operatorPassword)).status, 303);
    });
  },
  { listen: true },
);

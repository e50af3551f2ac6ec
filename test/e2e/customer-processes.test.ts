/**
 * The customer's side across gateway processes sharing one store: the hosted page's status comes from
 * the store, so any process answers it; a wallet decision taken on one process shows on another, and
 * an approval and a decline sent to two processes at once cannot both win.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { api, describeEachStoreProcess, type GatewayProcess, startGatewayProcess } from '../support/process.js';
import { releaseAll } from '../support/release.js';

const publicKey = 'pkey_test_' + 'c'.repeat(19);
const secretKey = 'skey_test_' + 'd'.repeat(19);

async function post(url: string, json: unknown): Promise<{ status: number; json: any }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) });
  return { status: response.status, json: await response.json() };
}

/** A new charge and the QR text its hosted page (served by `page`) links the simulator with. */
async function chargeWithPayload(first: GatewayProcess, page: GatewayProcess) {
  const charge = (await api(`${first.url}/charges`, secretKey, { method: 'POST', json: { amount: 25000, currency: 'THB', source: { type: 'truemoney_qr' } } })).json;
  assert.ok(charge.authorize_uri, JSON.stringify(charge));
  const ref = charge.authorize_uri.split('/')[4];
  const html = await (await fetch(`${page.url}/payments/${ref}/authorize?acs=false`)).text();
  const match = /href="\/simulator\?payload=([^"]+)"/.exec(html);
  assert.ok(match, 'the page names the QR');
  return { charge, ref, payload: decodeURIComponent(match[1]) };
}

describeEachStoreProcess(
  'hosted page and wallet simulator across two gateway processes',
  (env) => {
    let first: GatewayProcess;
    let second: GatewayProcess;
    before(async () => {
      first = await startGatewayProcess(env);
      second = await startGatewayProcess(env);
    });
    after(() =>
      releaseAll([
        ['the first gateway', () => first?.kill()],
        ['the second gateway', () => second?.kill()],
      ]),
    );

    test('paid on one process, shown as paid by the other', async () => {
      const { charge, ref, payload } = await chargeWithPayload(first, second);
      assert.equal((await (await fetch(`${second.url}/payments/${ref}/status`)).json()).status, 'pending');
      const approved = await post(`${first.url}/simulator/approve`, { payload, funding_source: 'pay_next' });
      assert.equal(approved.status, 200, JSON.stringify(approved.json));
      const status = await (await fetch(`${second.url}/payments/${ref}/status`)).json();
      assert.equal(status.status, 'successful');
      assert.match(await (await fetch(`${second.url}/payments/${ref}/authorize?acs=false`)).text(), /data-state="successful"/);
      const again = await post(`${second.url}/simulator/decline`, { payload });
      assert.equal(again.status, 400);
      assert.match(again.json.message, /already used/);
      assert.equal((await api(`${second.url}/charges/${charge.id}`, secretKey)).json.status, 'successful');
    });

    test('charges created and paid on both processes at once: every request is answered, none fails, none is lost', async () => {
      // Each process's writes begin while the other's commit: SQLite must queue them (one
      // writer at a time across processes), never refuse one as an internal error.
      const created = await Promise.all(
        Array.from({ length: 80 }, (_, index) =>
          api(`${(index % 2 ? first : second).url}/charges`, secretKey, { method: 'POST', json: { amount: 10000 + index, currency: 'THB', source: { type: 'truemoney_qr' } } }),
        ),
      );
      for (const answer of created) assert.equal(answer.status, 200, JSON.stringify(answer.json));
      const paid = await Promise.all(
        created.map(async (answer, index) => {
          const ref = answer.json.authorize_uri.split('/')[4];
          const html = await (await fetch(`${(index % 2 ? second : first).url}/payments/${ref}/authorize?acs=false`)).text();
          const payload = decodeURIComponent(/href="\/simulator\?payload=([^"]+)"/.exec(html)![1]);
          return post(`${(index % 2 ? first : second).url}/simulator/approve`, { payload });
        }),
      );
      for (const answer of paid) assert.equal(answer.status, 200, JSON.stringify(answer.json));
      for (const answer of created) {
        const charge = (await api(`${first.url}/charges/${answer.json.id}`, secretKey)).json;
        assert.equal(charge.status, 'successful');
        assert.equal(charge.amount, answer.json.amount);
      }
    });

    test('an approval on one process and a decline on the other, at once: exactly one wins', async () => {
      for (let round = 0; round < 5; round++) {
        const { charge, payload } = await chargeWithPayload(first, first);
        const answers = await Promise.all([post(`${first.url}/simulator/approve`, { payload }), post(`${second.url}/simulator/decline`, { payload })]);
        const winners = answers.filter((answer) => answer.status === 200);
        assert.equal(winners.length, 1, JSON.stringify(answers));
        const final = (await api(`${first.url}/charges/${charge.id}`, secretKey)).json;
        assert.equal(final.status, winners[0].json.status);
        const events = (await api(`${second.url}/charges/${charge.id}/events`, secretKey)).json.data;
        assert.equal(events.filter((event: any) => event.key === 'charge.complete').length, 1);
      }
    });
  },
  { SATANG_TEST_PUBLIC_KEY: publicKey, SATANG_TEST_SECRET_KEY: secretKey },
);

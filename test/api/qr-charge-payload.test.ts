/**
 * A charge's QR payload is fixed when the charge is created (DECISIONS §3): a later change of the
 * account's biller id or merchant name changes new charges only. The PNG (decoded with jsQR), the
 * hosted page (its simulator link carries the payload) and the wallet simulator (paying with the PNG
 * itself) all agree on the charge's own payload, whether the PNG was downloaded before the change or not.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'promptparse';
import { findAccount } from '../../src/store/accounts.js';
import { changeSettings, type SettingsInput } from '../../src/usecases/accounts.js';
import { describeEachStore, type Harness, type Keys } from '../support/harness.js';
import { decodePng } from '../support/qr-decoders.js';

/** What the QR says about the merchant: biller id (tag 30, sub-tag 01) and name (tag 59); its CRC is checked. */
function merchantOf(payload: string): { billerId: string; name: string } {
  const qr = parse(payload, true, true);
  assert.ok(qr, `promptparse reads ${payload}`);
  assert.ok(qr.validate('63'), `the CRC of ${payload} is right`);
  return { billerId: qr.getTagValue('30', '01')!, name: qr.getTagValue('59')! };
}

interface Seen {
  png: Buffer;
  pngPayload: string;
  pagePayload: string;
}

async function newCharge(h: Harness, keys: Keys, amount: number): Promise<any> {
  const res = await h.request({ method: 'POST', url: '/charges', key: keys.secretKey, json: { amount, currency: 'THB', source: { type: 'truemoney_qr' } } });
  assert.equal(res.status, 200, res.body);
  return res.json;
}

/** The charge's PNG from its download_uri and the payload of its hosted page's simulator link. */
async function look(h: Harness, charge: any): Promise<Seen> {
  const download = await h.request({ url: new URL(charge.source.scannable_code.image.download_uri).pathname });
  assert.equal(download.status, 200, download.body.slice(0, 200));
  const page = await h.request({ url: new URL(charge.authorize_uri).pathname });
  assert.equal(page.status, 200, page.body.slice(0, 200));
  const link = /href="\/simulator\?payload=([^"]+)"/.exec(page.body);
  assert.ok(link, 'the hosted page links to the simulator with its QR');
  return { png: download.raw, pngPayload: decodePng(download.raw), pagePayload: decodeURIComponent(link[1]) };
}

/** The payer scans the PNG itself and approves; the charge is then successful. */
async function payWithPng(h: Harness, keys: Keys, charge: any, png: Buffer): Promise<void> {
  const paid = await h.request({ method: 'POST', url: '/simulator/approve', json: { image: png.toString('base64'), funding_source: 'wallet_balance' } });
  assert.equal(paid.status, 200, `approving ${charge.id} with its PNG: ${paid.body}`);
  assert.equal(paid.json.status, 'successful');
  assert.equal(paid.json.charge, charge.id);
  const now = await h.request({ url: `/charges/${charge.id}`, key: keys.secretKey });
  assert.equal(now.json.status, 'successful');
}

/**
 * Two pending charges before the change (one whose PNG was already downloaded, one never downloaded),
 * the account setting changed, then one charge after it; `field` picks what to compare.
 */
async function settingChange(
  h: Harness,
  keys: Keys,
  change: SettingsInput,
  field: 'billerId' | 'name',
): Promise<void> {
  const downloadedBefore = await newCharge(h, keys, 40000);
  const seenBefore = await look(h, downloadedBefore);
  const old = merchantOf(seenBefore.pngPayload)[field];
  const neverDownloaded = await newCharge(h, keys, 12345);

  await h.store.transaction((tx) => changeSettings(tx, keys.accountId, change));
  const account = (await findAccount(h.store.read, keys.accountId))!;
  const changedTo = field === 'billerId' ? account.biller_id : change.merchantName!;
  assert.notEqual(changedTo, old, 'the setting did change');

  for (const [label, charge] of [['downloaded before the change', downloadedBefore], ['never downloaded before the change', neverDownloaded]] as const) {
    const seen = await look(h, charge);
    assert.equal(merchantOf(seen.pngPayload)[field], old, `${label}: the PNG keeps the charge's own ${field}`);
    assert.equal(seen.pagePayload, seen.pngPayload, `${label}: the hosted page's simulator link carries the PNG's payload`);
    await payWithPng(h, keys, charge, seen.png);
  }
  assert.ok((await look(h, downloadedBefore)).png.equals(seenBefore.png), 'the first charge\'s PNG did not change');

  const after = await newCharge(h, keys, 20000);
  const seenAfter = await look(h, after);
  assert.equal(merchantOf(seenAfter.pngPayload)[field], changedTo, `a charge created after the change carries the new ${field}`);
  assert.equal(seenAfter.pagePayload, seenAfter.pngPayload);
  await payWithPng(h, keys, after, seenAfter.png);
}

describeEachStore('a charge keeps the QR it was created with', (h) => {
  test('after the account\'s biller id changes (satang accounts set --biller-id), older pending charges keep theirs in PNG, hosted page and simulator; new charges carry the new one', async () => {
    await settingChange(h, h.keys, { billerId: '099887766554401' }, 'billerId');
  });

  test('after the account\'s merchant name changes, older pending charges keep their tag 59 in PNG, hosted page and simulator; new charges carry the new name', async () => {
    await settingChange(h, h.other, { merchantName: 'Chiang Mai Noodle House' }, 'name');
  });
});

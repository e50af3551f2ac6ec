/**
 * The charge page's money actions ask first: each confirmation shows the exact effect (void or
 * refund, the amount, what the ledger does, checked against what the ledger then did), only its
 * POST moves money, a reason goes into the audit log and onto the audit page, and what is
 * refused is said in the operator's language.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { listAudit } from '../../src/store/operators.js';
import { addOperator, confirmAction, type DashboardClient, hiddenField, signIn } from '../support/dashboard.js';
import { describeEachStore, type Harness } from '../support/harness.js';

async function newCharge(h: Harness, amount: number, extra: Record<string, unknown> = {}) {
  const res = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: { amount, currency: 'THB', source: { type: 'truemoney_qr' }, ...extra } });
  assert.equal(res.status, 200, res.body);
  return res.json;
}

async function paidCharge(h: Harness, amount: number, fundingSource = 'wallet_balance') {
  const charge = await newCharge(h, amount);
  const paid = await h.request({ method: 'POST', url: `/charges/${charge.id}/mark_as_paid`, key: h.keys.secretKey, json: { funding_source: fundingSource } });
  assert.equal(paid.status, 200, paid.body);
  return paid.json;
}

async function balance(h: Harness): Promise<number> {
  const res = await h.request({ url: '/balance', key: h.keys.secretKey });
  assert.equal(res.status, 200, res.body);
  return res.json.total;
}

async function chargeOf(h: Harness, id: string) {
  return (await h.request({ url: `/charges/${id}`, key: h.keys.secretKey })).json;
}

/** "฿1,234.56" → 123456. */
function satang(text: string): number {
  const match = /^฿(-?[\d,]+)\.(\d\d)$/.exec(text);
  assert.ok(match, `not an amount in baht: ${text}`);
  return Number(match[1].replace(/,/g, '')) * 100 + Number(match[2]);
}

/** What the confirmation says the balance does: +credit or -debit, in satang. */
function balanceChangeShown(html: string): number {
  const match = /account(?:&#39;|')s balance goes (up|down) by (฿[\d,]+\.\d\d)/.exec(html);
  assert.ok(match, 'the confirmation says what the balance does');
  return (match[1] === 'up' ? 1 : -1) * satang(match[2]);
}

const thai = (client: DashboardClient) => ({ cookie: `${client.cookie}; satang_lang=th` });

describeEachStore('dashboard money actions ask first: before the void cut-off', (h) => {
  let client: DashboardClient;
  before(async () => {
    await addOperator(h.store, 'cashier@example.com');
    client = await signIn(h.app, 'cashier@example.com');
  });

  test('mark paid: the confirmation shows the status, the credit, the customer and the webhook targets; nothing happens until its POST, which credits exactly that', async () => {
    const endpoint = await h.request({ method: 'POST', url: '/webhook_endpoints', key: h.keys.secretKey, json: { url: 'https://shop.example/hooks/confirm' } });
    assert.equal(endpoint.status, 200, endpoint.body);
    const charge = await newCharge(h, 45000, { webhook_endpoints: ['https://shop.example/hooks/own'] });
    const confirmation = await client.get(`/dashboard/charges/${charge.id}/complete?outcome=successful&funding_source=bank_account`);
    assert.equal(confirmation.status, 200, confirmation.body);
    assert.match(confirmation.body, /Mark charge chrg_test_[0-9a-z]+ paid\?/);
    assert.match(confirmation.body, /The charge becomes Successful, paid with Bank account linked to the wallet\./);
    assert.match(confirmation.body, /\(฿450\.00 less the fee ฿[\d.]+ and VAT ฿[\d.]+\)/);
    assert.match(confirmation.body, /Webhook event sent: <code>charge\.complete<\/code> \(Charge completed\)\.\s+To: https:\/\/shop\.example\/hooks\/confirm, https:\/\/shop\.example\/hooks\/own\./);
    assert.equal(hiddenField(confirmation.body, 'confirm'), 'yes');
    await h.request({ method: 'DELETE', url: `/webhook_endpoints/${endpoint.json.id}`, key: h.keys.secretKey });
    const shown = balanceChangeShown(confirmation.body);
    const before = await balance(h);
    assert.equal((await chargeOf(h, charge.id)).status, 'pending', 'looking at the confirmation changes nothing');
    assert.equal(await balance(h), before);

    const { result } = await confirmAction(client, charge.id, 'complete', { outcome: 'successful', funding_source: 'bank_account' }, 'paid in cash at the counter');
    assert.equal(result?.status, 303, result?.body);
    const after = await chargeOf(h, charge.id);
    assert.equal(after.status, 'successful');
    assert.match((await client.get(`/dashboard/charges/${charge.id}`)).body, /data-test="funding-source" data-code="bank_account">Bank account linked to the wallet</);
    assert.equal(shown, after.net, 'the credit shown is the net');
    assert.equal((await balance(h)) - before, shown, 'the balance went up by what the confirmation said');
    const line = (await listAudit(h.store.read, 5)).find((e) => e.action === 'charge.mark_successful' && e.target === charge.id);
    assert.deepEqual(JSON.parse(line!.details), { funding_source: 'bank_account', reason: 'paid in cash at the counter' });
  });

  test('mark failed and expire: the confirmation says nothing reaches the ledger; a charge that is no longer pending is refused in words, with no form', async () => {
    const charge = await newCharge(h, 30000);
    const failed = await client.get(`/dashboard/charges/${charge.id}/complete?outcome=failed`);
    assert.match(failed.body, /The charge becomes Failed \(The payment could not be processed\)\./);
    assert.match(failed.body, /Nothing is recorded in the ledger; the balance does not change\./);
    assert.match(failed.body, /Webhook event sent: <code>charge\.complete<\/code>/);
    const expire = await client.get(`/dashboard/charges/${charge.id}/expire`);
    assert.match(expire.body, /The charge becomes Expired now; its QR code can no longer be paid\./);
    assert.match(expire.body, /Webhook event sent: <code>charge\.expire<\/code> \(Charge expired\)\.\s+No webhook endpoint is set, so no delivery is made\./);
    const { result } = await confirmAction(client, charge.id, 'expire', {}, 'customer left the shop');
    assert.equal(result?.status, 303);
    assert.equal((await chargeOf(h, charge.id)).status, 'expired');
    const again = await client.get(`/dashboard/charges/${charge.id}/complete?outcome=failed`);
    assert.equal(again.status, 200);
    assert.match(again.body, /data-test="refused">Not allowed: the charge is expired; only a pending charge can be completed/);
    assert.doesNotMatch(again.body, /data-test="confirm"/);
    const expiredAgain = await client.get(`/dashboard/charges/${charge.id}/expire`);
    assert.match(expiredAgain.body, /data-test="refused">Not allowed: the charge is expired; only a pending charge can be expired/);
  });

  test('refund before the cut-off: a whole void debits exactly the net, no fee; a partial one its share; the badge says voided', async () => {
    const charge = await paidCharge(h, 40000, 'wallet_balance');
    const partial = await client.get(`/dashboard/charges/${charge.id}/refund?amount=100`);
    assert.equal(partial.status, 200, partial.body);
    assert.match(partial.body, /Give back ฿100\.00 of charge/);
    assert.match(partial.body, /This will be a void: the payment is cancelled before the cut-off at \d{4}-\d\d-\d\d 00:00:00\./);
    assert.match(partial.body, /The charge(?:&#39;|')s credit is reversed today, with no fee/);
    assert.match(partial.body, /The customer gets ฿100\.00 back in their TrueMoney wallet\./);
    assert.match(partial.body, /Afterwards the charge shows Partly refunded, with ฿300\.00 left to give back\./);
    assert.match(partial.body, /Webhook event sent: <code>refund\.create<\/code> \(Refund created\)/);
    assert.equal(hiddenField(partial.body, 'kind'), 'void');
    assert.equal(hiddenField(partial.body, 'amount'), '100.00');
    const partShown = -balanceChangeShown(partial.body);
    const before = await balance(h);
    const { result } = await confirmAction(client, charge.id, 'refund', { amount: '100' }, 'one item was out of stock');
    assert.equal(result?.status, 303, result?.body);
    assert.match(result!.location!, /notice=voided/);
    assert.equal(before - (await balance(h)), partShown, 'the balance went down by what the confirmation said');
    assert.equal(partShown, Math.round((charge.net * 10000) / 40000), 'a quarter of the net');

    const rest = await client.get(`/dashboard/charges/${charge.id}/refund?amount=300`);
    assert.match(rest.body, /Afterwards the charge shows Voided, with ฿0\.00 left to give back\./);
    const restShown = -balanceChangeShown(rest.body);
    const middle = await balance(h);
    assert.equal((await confirmAction(client, charge.id, 'refund', { amount: '300' })).result?.status, 303);
    assert.equal(middle - (await balance(h)), restShown);
    assert.equal(partShown + restShown, charge.net, 'voiding it all gives back exactly the net: no fee on voided money');
    const page = await client.get(`/dashboard/charges/${charge.id}`);
    assert.match(page.body, /data-test="charge-status" data-status="voided">Voided</);
    assert.match(page.body, /data-test="refund-full">not allowed: nothing is left to give back/);
  });

  test('a partial void is refused for a card; "only as a void" keeps a refund from happening', async () => {
    const charge = await paidCharge(h, 20000, 'credit_card');
    const part = await client.get(`/dashboard/charges/${charge.id}/refund?amount=50&void=on`);
    assert.match(part.body, /data-test="refused">Not allowed: partial voids are not allowed when paid with Card linked to the wallet/);
    assert.doesNotMatch(part.body, /data-test="confirm"/);
    const whole = await client.get(`/dashboard/charges/${charge.id}/refund?amount=200`);
    assert.match(whole.body, /This will be a void/);
  });

  test('a POST without the confirmation changes nothing, for every money action', async () => {
    const pending = await newCharge(h, 25000);
    const paid = await paidCharge(h, 25000);
    const state = (c: any) => ({ status: c.status, paid: c.paid, expires_at: c.expires_at, refunded_amount: c.refunded_amount, refunds: c.refunds.data.map((r: any) => r.id) });
    const rows = async () => ({ pending: state(await chargeOf(h, pending.id)), paid: state(await chargeOf(h, paid.id)), audit: (await listAudit(h.store.read, 100)).length, balance: await balance(h) });
    const before = await rows();
    const attempts: Array<[string, Record<string, string>]> = [
      [`/dashboard/charges/${pending.id}/complete`, { outcome: 'successful', funding_source: 'wallet_balance' }],
      [`/dashboard/charges/${pending.id}/complete`, { outcome: 'failed', confirm: 'no' }],
      [`/dashboard/charges/${pending.id}/expire`, {}],
      [`/dashboard/charges/${paid.id}/refund`, { amount: '250' }],
      [`/dashboard/charges/${paid.id}/refund`, { amount: '250', kind: 'void' }],
      [`/dashboard/charges/${paid.id}/refund`, { amount: '250', confirm: 'yes', kind: 'void' }],
      [`/dashboard/charges/${paid.id}/refund`, { amount: '250', confirm: 'yes', seen: '0' }],
    ];
    for (const [url, form] of attempts) {
      const res = await client.post(url, form);
      assert.equal(res.status, 400, `${url} ${JSON.stringify(form)}: ${res.status}`);
      assert.match(res.body, /Money actions are confirmed on their confirmation page first: nothing was done\./);
    }
    assert.deepEqual(await rows(), before);
  });

  test('an over-long reason is refused, never cut, and nothing is done; 500 characters (Thai ones too) are kept whole', async () => {
    const charge = await paidCharge(h, 30000);
    const confirmation = await client.get(`/dashboard/charges/${charge.id}/refund?amount=300`);
    const form = { confirm: 'yes', amount: hiddenField(confirmation.body, 'amount')!, kind: hiddenField(confirmation.body, 'kind')!, seen: hiddenField(confirmation.body, 'seen')! };
    const tooLong = await client.post(`/dashboard/charges/${charge.id}/refund`, { ...form, reason: 'ก'.repeat(501) });
    assert.equal(tooLong.status, 400);
    assert.match(tooLong.body, /The reason is 501 characters long; at most 500 are kept\. Shorten it and confirm again: nothing was done\./);
    assert.equal((await chargeOf(h, charge.id)).refunded_amount, 0);
    const kept = 'ลูกค้าขอยกเลิก '.repeat(40).slice(0, 500);
    assert.equal([...kept].length, 500);
    const done = await client.post(`/dashboard/charges/${charge.id}/refund`, { ...form, reason: kept });
    assert.equal(done.status, 303, done.body);
    const line = (await listAudit(h.store.read, 5)).find((e) => e.action === 'charge.refund' && e.target === charge.id);
    assert.equal(JSON.parse(line!.details).reason, kept.trim());
  });

  test('a charge that changed after the confirmation was shown is refused in words and nothing more is done', async () => {
    const charge = await paidCharge(h, 50000);
    const confirmation = await client.get(`/dashboard/charges/${charge.id}/refund?amount=100`);
    const form = { confirm: 'yes', amount: hiddenField(confirmation.body, 'amount')!, kind: hiddenField(confirmation.body, 'kind')!, seen: hiddenField(confirmation.body, 'seen')! };
    // Someone else refunds meanwhile (through the API).
    const meanwhile = await h.request({ method: 'POST', url: `/charges/${charge.id}/refunds`, key: h.keys.secretKey, json: { amount: 20000 } });
    assert.equal(meanwhile.status, 200, meanwhile.body);
    const before = await balance(h);
    const late = await client.post(`/dashboard/charges/${charge.id}/refund`, form);
    assert.equal(late.status, 409, late.body);
    assert.match(late.body, /The charge changed after you looked at the confirmation \(for example someone refunded it meanwhile\): nothing was done\./);
    assert.match(late.body, new RegExp(`href="/dashboard/charges/${charge.id}"`), 'back to the charge');
    assert.equal((await chargeOf(h, charge.id)).refunded_amount, 20000);
    assert.equal(await balance(h), before);
    const thaiLate = await client.post(`/dashboard/charges/${charge.id}/refund`, form, thai(client));
    assert.equal(thaiLate.status, 409);
    assert.match(thaiLate.body, /รายการนี้เปลี่ยนไปหลังจากที่คุณเปิดหน้ายืนยัน/);
  });

  test('the reason, the amount in baht and the action in words are on the audit page, the target linked; in Thai too', async () => {
    const charge = await paidCharge(h, 60000);
    const reason = 'Customer returned it <b>broken</b>';
    assert.equal((await confirmAction(client, charge.id, 'refund', { amount: '120' }, reason)).result?.status, 303);
    const line = (await listAudit(h.store.read, 5)).find((e) => e.action === 'charge.refund' && e.target === charge.id)!;
    assert.deepEqual(JSON.parse(line.details), { amount: 12000, kind: 'void', reason });
    const page = await client.get('/dashboard/audit');
    assert.equal(page.status, 200);
    const row = new RegExp(`<tr data-action="charge\\.refund">(?:(?!</tr>).)*?${charge.id}(?:(?!</tr>).)*</tr>`, 's').exec(page.body)?.[0];
    assert.ok(row, 'the refund has a row');
    assert.match(row, /data-test="what">Refunded or voided a charge</);
    assert.match(row, new RegExp(`<a href="/dashboard/charges/${charge.id}">${charge.id}</a>`));
    assert.match(row, /data-test="reason"><strong>Reason:<\/strong> Customer returned it &lt;b&gt;broken&lt;\/b&gt;</);
    assert.match(row, /Amount:<\/span> <span class="">฿120\.00</);
    assert.match(row, /Kind:<\/span> <span class="">void</);
    assert.match(row, /\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);
    assert.doesNotMatch(page.body, /charge\.refund</, 'no raw action code shown');
    const inThai = await client.get('/dashboard/audit', thai(client));
    assert.match(inThai.body, /<h1>บันทึกการใช้งาน<\/h1>/);
    assert.match(inThai.body, /คืนเงินหรือยกเลิกรายการ/);
    assert.match(inThai.body, /เหตุผล:<\/strong> Customer returned it/);
    assert.match(inThai.body, /จำนวนเงิน:<\/span> <span class="">฿120\.00/);
    assert.match(inThai.body, /\d{1,2} [ก-๙.]+ 25\d\d \d\d:\d\d:\d\d/, 'Thai dates');
  });

  test('the charge page and a confirmation in Thai: statuses, funding sources, baht, Bangkok dates; a use case’s refusal in Thai with the English detail beneath', async () => {
    const charge = await paidCharge(h, 123456, 'bank_account');
    const page = await client.get(`/dashboard/charges/${charge.id}`, thai(client));
    assert.equal(page.status, 200);
    assert.match(page.body, /<html lang="th">/);
    assert.match(page.body, /data-status="successful">สำเร็จ</);
    assert.match(page.body, /data-test="funding-source" data-code="bank_account">บัญชีธนาคารที่ผูกกับวอลเล็ท</);
    assert.match(page.body, /data-test="amount">฿1,234\.56 THB</);
    assert.match(page.body, /ทำได้ เป็นการยกเลิกรายการ \(void\)/);
    assert.match(page.body, /ช่วงเวลายกเลิกรายการ/);
    assert.match(page.body, /\d{1,2} [ก-๙.]+ 25\d\d \d\d:\d\d:\d\d/);
    assert.match(page.body, /สร้างรายการชำระเงิน/, 'event keys in words');
    assert.doesNotMatch(page.body, />(successful|bank_account|charge\.create)</, 'no raw code shown');
    const confirmation = await client.get(`/dashboard/charges/${charge.id}/refund?amount=100`, thai(client));
    assert.match(confirmation.body, /คืนเงิน ฿100\.00 ของรายการ/);
    assert.match(confirmation.body, /จะเป็นการยกเลิกรายการ \(void\) ก่อนเวลาตัดยอด/);
    assert.match(confirmation.body, /ยอดเงินของบัญชีจะลดลง ฿[\d,]+\.\d\d/);
    assert.match(confirmation.body, /ยืนยัน ยกเลิกรายการ ฿100\.00/);
    const refused = await client.post(`/dashboard/charges/${charge.id}/complete`, { confirm: 'yes', outcome: 'failed' }, thai(client));
    assert.equal(refused.status, 400);
    assert.match(refused.body, /คำขอถูกปฏิเสธ ยังไม่ได้ดำเนินการใด ๆ/);
    assert.match(refused.body, /รายละเอียด: charge is not pending \(status: successful\)/);
    for (const url of ['/dashboard/charges/chrg_test_0000000000000000000', '/dashboard/charges/chrg_test_0000000000000000000/refund?amount=10']) {
      const missing = await client.get(url, thai(client));
      assert.equal(missing.status, 404, url);
      assert.match(missing.body, /ไม่พบรายการชำระเงินหรือเหตุการณ์นี้ในบัญชีและโหมดที่เลือก/);
      assert.match(missing.body, /รายละเอียด: charge chrg_test_0000000000000000000 was not found/);
    }
    const tooLong = await client.post(`/dashboard/charges/${charge.id}/expire`, { confirm: 'yes', reason: 'x'.repeat(600) }, thai(client));
    assert.equal(tooLong.status, 400);
    assert.match(tooLong.body, /เหตุผลยาว 600 ตัวอักษร เก็บได้ไม่เกิน 500 ตัวอักษร/);
  });
});

describeEachStore('dashboard money actions ask first: after the void cut-off', (h) => {
  let client: DashboardClient;
  let charge: any;
  before(async () => {
    await addOperator(h.store, 'late@example.com');
    client = await signIn(h.app, 'late@example.com');
    charge = await paidCharge(h, 80000, 'wallet_balance');
    const advanced = await h.request({ method: 'POST', url: '/test/clock/advance', key: h.keys.secretKey, json: { seconds: 86_400 } });
    assert.equal(advanced.status, 200, advanced.body);
  });

  test('a day later the same request is a refund: the whole amount leaves the balance and the fee stays paid; a partial refund is refused for the wallet', async () => {
    const page = await client.get(`/dashboard/charges/${charge.id}`);
    assert.match(page.body, /data-test="refund-full">allowed, as a refund/);
    assert.match(page.body, /data-test="refund-partial">not allowed: partial refunds are not allowed when paid with TrueMoney wallet balance/);
    assert.match(page.body, /data-test="void-window">closed at /);
    const partial = await client.get(`/dashboard/charges/${charge.id}/refund?amount=100`);
    assert.match(partial.body, /data-test="refused">Not allowed: partial refunds are not allowed when paid with TrueMoney wallet balance/);
    const asVoid = await client.get(`/dashboard/charges/${charge.id}/refund?amount=800&void=on`);
    assert.match(asVoid.body, /data-test="refused">Not allowed: the void window closed at \d{4}-\d\d-\d\d 00:00:00/);
    const whole = await client.get(`/dashboard/charges/${charge.id}/refund?amount=800`);
    assert.match(whole.body, /This will be a refund: the cut-off for a void passed at \d{4}-\d\d-\d\d 00:00:00\./);
    assert.match(whole.body, /the fee ฿[\d.]+ stays paid; a refund transaction is recorded\./);
    assert.match(whole.body, /Afterwards the charge shows Refunded, with ฿0\.00 left to give back\./);
    assert.equal(hiddenField(whole.body, 'kind'), 'refund');
    const shown = -balanceChangeShown(whole.body);
    assert.equal(shown, 80000, 'a refund gives back the whole amount');
    const before = await balance(h);
    const { result } = await confirmAction(client, charge.id, 'refund', { amount: '800' }, 'returned after a week');
    assert.equal(result?.status, 303, result?.body);
    assert.match(result!.location!, /notice=refunded/);
    assert.equal(before - (await balance(h)), shown);
    const after = await client.get(`/dashboard/charges/${charge.id}`);
    assert.match(after.body, /data-status="refunded">Refunded</);
    assert.match(after.body, /data-kind="refund">refund</);
    assert.match(after.body, /Test clock now: /, 'the account clock runs ahead: marked as the test clock');
    assert.match(after.body, /\(test clock\)<\/span>/);
  });
});

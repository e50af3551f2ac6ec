/** The example shop's pages: plain HTML with every value escaped. */
import type { Order } from './orders.js';

export const product = {
  sku: 'doi-chang-250',
  nameTh: 'กาแฟคั่วดอยช้าง 250 กรัม',
  nameEn: 'Doi Chang roasted coffee, 250 g',
  amountSatang: 45_000,
};

export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function baht(satang: number): string {
  return `฿${Math.floor(satang / 100).toLocaleString('en-US')}.${String(satang % 100).padStart(2, '0')}`;
}

function page(title: string, body: string, head = ''): string {
  return `<!doctype html>
<html lang="th"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>${head}
<style>
  body { margin: 0; font-family: "Noto Sans Thai", "Loma", "Garuda", system-ui, sans-serif; background: #faf7f2; color: #2b2118; }
  header { background: #4b2e1e; color: #fff; padding: 12px 16px; font-weight: 700; }
  main { max-width: 480px; margin: 0 auto; padding: 16px; }
  .card { background: #fff; border-radius: 12px; padding: 16px; margin-bottom: 16px; border: 1px solid #eadfd3; }
  .price { font-size: 1.6rem; font-weight: 700; }
  .en { display: block; color: #7a6a5c; font-size: .9em; }
  .button, button { display: block; width: 100%; box-sizing: border-box; padding: 12px; border: 0; border-radius: 10px; background: #c8692c; color: #fff; font: inherit; font-weight: 700; text-align: center; text-decoration: none; cursor: pointer; margin-top: 12px; }
  .status { padding: 12px; border-radius: 10px; font-weight: 700; }
  .pending { background: #fff4e5; color: #a15c00; } .paid { background: #e6f6ef; color: #12805c; }
  .failed, .expired, .error { background: #fdecec; color: #c62828; }
  label { display: flex; gap: 8px; align-items: center; padding: 10px; border: 1px solid #eadfd3; border-radius: 10px; }
  small { color: #7a6a5c; overflow-wrap: anywhere; }
</style></head>
<body><header>ร้านกาแฟสตางค์ · Satang Coffee</header><main>${body}</main></body></html>`;
}

export function productPage(): string {
  return page(
    product.nameEn,
    `<div class="card"><h1>${escapeHtml(product.nameTh)}<span class="en">${escapeHtml(product.nameEn)}</span></h1>
<p class="price">${baht(product.amountSatang)}</p>
<a class="button" id="buy" href="/checkout">ซื้อเลย · Buy now</a></div>`,
  );
}

export function checkoutPage(options: { satangUrl: string; publicKey: string; error?: string }): string {
  const config = JSON.stringify({ publicKey: options.publicKey, amount: product.amountSatang }).replace(/</g, '\\u003c');
  return page(
    'Checkout',
    `<form class="card" id="checkout" method="post" action="/orders">
<h1>ชำระเงิน<span class="en">Checkout</span></h1>
<p>${escapeHtml(product.nameTh)} <span class="en">${escapeHtml(product.nameEn)}</span></p>
<p class="price">${baht(product.amountSatang)}</p>
<label><input type="radio" name="method" value="truemoney_qr" checked> TrueMoney QR</label>
<input type="hidden" name="source" id="source">
<p class="status error" id="checkout-error"${options.error ? '' : ' hidden'}>${escapeHtml(options.error ?? '')}</p>
<button type="submit" id="pay">ชำระเงิน · Pay ${baht(product.amountSatang)}</button>
</form>
<script>
  // Create the source in the browser with the public key (Omise.js), then let the server charge it.
  var shop = ${config};
  document.getElementById('checkout').addEventListener('submit', function (event) {
    var form = event.target;
    if (form.source.value) return;
    event.preventDefault();
    document.getElementById('pay').disabled = true;
    Omise.setPublicKey(shop.publicKey);
    Omise.createSource('truemoney_qr', { amount: shop.amount, currency: 'THB' }, function (statusCode, response) {
      if (statusCode !== 200) {
        var error = document.getElementById('checkout-error');
        error.textContent = 'Payment could not start: ' + (response.message || response.error || statusCode);
        error.hidden = false;
        document.getElementById('pay').disabled = false;
        return;
      }
      form.source.value = response.id;
      form.submit();
    });
  });
</script>`,
    `<script src="${escapeHtml(options.satangUrl)}/omise.js"></script>`,
  );
}

const statusText: Record<Order['status'], [string, string]> = {
  pending: ['รอการชำระเงิน', 'Waiting for your payment to be confirmed'],
  paid: ['ชำระเงินแล้ว ขอบคุณค่ะ', 'Paid: thank you for your order'],
  failed: ['การชำระเงินไม่สำเร็จ', 'Payment failed'],
  expired: ['หมดเวลาชำระเงิน', 'Payment expired: the QR code was not paid in time'],
};

export function orderPage(order: Order): string {
  const [th, en] = statusText[order.status];
  // While pending, look again every two seconds: the webhook decides, not this page.
  const head = order.status === 'pending' ? '<meta http-equiv="refresh" content="2">' : '';
  return page(
    `Order ${order.id}`,
    `<div class="card" id="order" data-status="${order.status}">
<h1>คำสั่งซื้อ ${escapeHtml(order.id)}<span class="en">Order ${escapeHtml(order.id)}</span></h1>
<p>${escapeHtml(product.nameTh)} · ${baht(order.amountSatang)}</p>
<p class="status ${order.status}" id="order-status">${th}<span class="en">${en}</span></p>
${order.status === 'pending' && order.authorizeUri ? `<a class="button" href="${escapeHtml(order.authorizeUri)}">เปิดหน้าชำระเงิน · Open the payment page</a>` : ''}
<p><small>charge ${escapeHtml(order.chargeId ?? '-')}${order.confirmedBy ? ` · confirmed by webhook ${escapeHtml(order.confirmedBy)}` : ''}</small></p>
${order.status === 'pending' ? '' : '<a class="button" href="/">กลับไปที่ร้าน · Back to the shop</a>'}
</div>`,
    head,
  );
}

export function messagePage(status: number, message: string): string {
  return page(`Error ${status}`, `<div class="card"><p class="status error">${escapeHtml(message)}</p><a class="button" href="/">Back to the shop</a></div>`);
}

/* Satang hosted payment page: live status without a reload, countdown on the account's clock. */
(function () {
  'use strict';
  var root = document.getElementById('payment');
  if (!root) return;
  var statusUrl = root.dataset.statusUrl;
  var pollMs = Number(root.dataset.pollMs) || 1500;
  var returnUri = root.dataset.returnUri;
  var returnDelayMs = Number(root.dataset.returnDelayMs) || 3000;
  var state = root.dataset.state;
  var countdown = document.getElementById('countdown');
  // Time left comes from the server, on the account's clock (the test clock may run ahead of this
  // device's), and is counted down here between polls.
  var deadlineMs = Date.now() + Number(countdown ? countdown.dataset.secondsLeft : 0) * 1000;
  var returning = false;

  function pad(n) { return (n < 10 ? '0' : '') + n; }

  function tick() {
    if (!countdown || state !== 'pending') return;
    var left = Math.max(0, Math.ceil((deadlineMs - Date.now()) / 1000));
    countdown.textContent = pad(Math.floor(left / 3600)) + ':' + pad(Math.floor((left % 3600) / 60)) + ':' + pad(left % 60);
    countdown.dataset.secondsLeft = String(left);
  }

  function show(next) {
    state = next;
    root.dataset.state = next;
    var panels = root.querySelectorAll('[data-panel]');
    for (var i = 0; i < panels.length; i++) panels[i].hidden = panels[i].dataset.panel !== next;
    var qr = document.getElementById('pay-with-qr');
    if (qr) qr.hidden = next !== 'pending';
    var back = document.getElementById('return');
    var message = document.getElementById('returning');
    if (back) back.hidden = !returnUri || next === 'pending';
    if (message) message.hidden = next === 'expired';
    if (returnUri && (next === 'successful' || next === 'failed') && !returning) {
      returning = true;
      setTimeout(function () { window.location.assign(returnUri); }, returnDelayMs);
    }
  }

  function poll() {
    fetch(statusUrl, { headers: { Accept: 'application/json' }, cache: 'no-store' })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (status) {
        if (status) {
          deadlineMs = Date.now() + status.seconds_left * 1000;
          if (status.status !== state) show(status.status);
          tick();
        }
      })
      .catch(function () { /* offline for a moment: try again at the next poll */ })
      .then(function () { if (state === 'pending') setTimeout(poll, pollMs); });
  }

  show(state);
  tick();
  setInterval(tick, 250);
  if (state === 'pending') setTimeout(poll, pollMs);
})();

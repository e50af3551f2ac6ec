/* Satang wallet simulator: decodes an uploaded QR image in the browser (jsQR) and scans its text. */
(function () {
  'use strict';
  var input = document.getElementById('qr-image');
  var form = document.getElementById('scan');
  var payload = document.getElementById('payload');
  var imageError = document.getElementById('image-error');
  if (!input || !form || !payload) return;

  function decode(file) {
    return new Promise(function (resolve, reject) {
      var url = URL.createObjectURL(file);
      var image = new Image();
      image.onload = function () {
        var canvas = document.createElement('canvas');
        canvas.width = image.naturalWidth;
        canvas.height = image.naturalHeight;
        var context = canvas.getContext('2d');
        context.drawImage(image, 0, 0);
        var pixels = context.getImageData(0, 0, canvas.width, canvas.height);
        URL.revokeObjectURL(url);
        var code = window.jsQR(pixels.data, pixels.width, pixels.height);
        if (code && code.data) resolve(code.data);
        else reject(new Error('no QR code in the image'));
      };
      image.onerror = function () { URL.revokeObjectURL(url); reject(new Error('not an image')); };
      image.src = url;
    });
  }

  input.addEventListener('change', function () {
    var file = input.files && input.files[0];
    if (!file) return;
    if (imageError) imageError.hidden = true;
    decode(file).then(
      function (text) { payload.value = text; form.submit(); },
      function () { if (imageError) imageError.hidden = false; }
    );
  });
})();

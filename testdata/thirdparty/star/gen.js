// gen.js writes StarPRNT, Star Line Mode and Star Graphic streams made by
// other people's libraries, so the Star decoder (escpos/star) is tested
// against software this project did not write. The .bin files are
// committed: tests need no npm. Regenerate with
//   npm ci && node gen.js
// (versions pinned in package.json and package-lock.json).
'use strict';

const fs = require('fs');
const path = require('path');
const ReceiptPrinterEncoder = require('@point-of-sale/receipt-printer-encoder');
const receiptline = require('receiptline');

const out = (name, bytes) => {
  fs.writeFileSync(path.join(__dirname, name), Buffer.from(bytes));
  console.log(name, bytes.length, 'bytes');
};

// A 64×32 test image: a black frame with a diagonal, RGBA.
function picture(w, h) {
  const data = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const ink = x < 2 || y < 2 || x >= w - 2 || y >= h - 2 || Math.abs(x - 2 * y) < 2;
      const i = (y * w + x) * 4;
      data[i] = data[i + 1] = data[i + 2] = ink ? 0 : 255;
      data[i + 3] = 255;
    }
  }
  return { data, width: w, height: h };
}

// --- @point-of-sale/receipt-printer-encoder: StarPRNT and Star Line ------
for (const [name, model] of [['rpe-star-prnt.bin', 'star-mc-print2'], ['rpe-star-line.bin', 'star-tsp650ii']]) {
  const enc = new ReceiptPrinterEncoder({ printerModel: model });
  const cols = enc.columns;
  const bytes = enc
    .initialize()
    .align('center').bold(true).size(2, 2).line('Bäckerei').size(1, 1).bold(false)
    .line('Hauptstraße 1')
    .align('left')
    .rule()
    .table([{ width: cols - 12, align: 'left' }, { width: 11, align: 'right' }], [
      ['Brötchen x4', '2,40 €'],
      ['Kaffee', '3,10 €'],
    ])
    .rule({ style: 'double' })
    .underline(true).line('Vielen Dank!').underline(false)
    .image(picture(64, 32), 64, 32, 'threshold')
    .qrcode('https://example.com/r/1234', 2, 6, 'm')
    .barcode('4006381333931', 'ean13', 60)
    .pulse()
    .cut()
    .encode();
  out(name, bytes);
}

// --- receiptline: StarPRNT, Star Line Mode, Star Graphic -----------------
const doc = [
  '^^^Café Zentral',
  'Marktplatz 3',
  '',
  '-',
  'Brötchen x4 | 2,40 €',
  'Kaffee | 3,10 €',
  '-',
  '^TOTAL | ^5,50 €',
  '',
  '{code:https://example.com/r/42; option:qrcode,6,m}',
  '{code:4006381333931; option:ean,hri}',
  '{code:No.123456; option:code128,2,72,hri}',
  '',
  '"Vielen Dank!"',
].join('\n');
for (const [name, command] of [['receiptline-starsbcs.bin', 'starsbcs'], ['receiptline-starlinesbcs.bin', 'starlinesbcs'], ['receiptline-stargraphic.bin', 'stargraphic']]) {
  const printer = { cpl: 48, encoding: 'multilingual', command, spacing: false, cutting: true };
  out(name, Buffer.from(receiptline.transform(doc, printer), 'binary'));
}
fs.writeFileSync(path.join(__dirname, 'receiptline.txt'), receiptline.transform(doc, { cpl: 48, encoding: 'multilingual', command: 'text' }));

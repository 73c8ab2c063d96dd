// gen.js writes ESC/POS streams made by other people's libraries, so the
// virtual printer is tested against software this project did not write.
// The .bin files are committed: tests need no npm. Regenerate with
//   npm ci && node gen.js
// (versions pinned in package-lock.json).
'use strict';

const fs = require('fs');
const path = require('path');
const ReceiptPrinterEncoder = require('@point-of-sale/receipt-printer-encoder');
const { ThermalPrinter, PrinterTypes, CharacterSet } = require('node-thermal-printer');
const receiptline = require('receiptline');
const { PNG } = require('pngjs');

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

// --- @point-of-sale/receipt-printer-encoder, Epson TM-T88V ---------------
{
  const enc = new ReceiptPrinterEncoder({ printerModel: 'epson-tm-t88v' });
  const bytes = enc
    .initialize()
    .align('center').bold(true).size(2, 2).line('Bäckerei').size(1, 1).bold(false)
    .line('Hauptstraße 1')
    .align('left')
    .rule()
    .table([{ width: 30, align: 'left' }, { width: 11, align: 'right' }], [
      ['Brötchen x4', '2,40 €'],
      ['Kaffee', '3,10 €'],
    ])
    .rule({ style: 'double' })
    .italic(true).line('Vielen Dank!').italic(false)
    .image(picture(64, 32), 64, 32, 'threshold')
    .qrcode('https://example.com/r/1234', 2, 6, 'm')
    .barcode('4006381333931', 'ean13', 60)
    .pulse()
    .cut()
    .encode();
  out('receipt-printer-encoder.bin', bytes);

  const raster = new ReceiptPrinterEncoder({ printerModel: 'epson-tm-t88v', imageMode: 'raster' });
  out('receipt-printer-encoder-raster.bin', raster.initialize().image(picture(64, 32), 64, 32, 'threshold').cut().encode());
}

// --- node-thermal-printer, Epson ------------------------------------------
(async () => {
  const p = new ThermalPrinter({
    type: PrinterTypes.EPSON,
    interface: 'tcp://127.0.0.1:9', // never connected: only the buffer is used
    characterSet: CharacterSet.PC858_EURO,
    width: 42,
  });
  p.alignCenter();
  p.setTextDoubleHeight();
  p.bold(true);
  p.println('Kiosk am Markt');
  p.bold(false);
  p.setTextNormal();
  p.alignLeft();
  p.drawLine();
  p.leftRight('Zeitung', '2,50 EUR');
  p.leftRight('Wasser', '1,20 EUR');
  p.drawLine();
  p.tableCustom([
    { text: 'Summe', align: 'LEFT', width: 0.5 },
    { text: '3,70 EUR', align: 'RIGHT', width: 0.5, bold: true },
  ]);
  p.underline(true);
  p.println('Umsatzsteuer 7 %');
  p.underline(false);
  p.invert(true);
  p.println(' Danke ');
  p.invert(false);
  p.alignCenter();
  p.printQR('TX-2026-000123', { cellSize: 6, correction: 'M', model: 2 });
  p.code128('No.123456', { width: 2, height: 60, hriPos: 2 });
  const png = new PNG({ width: 64, height: 32 });
  const pic = picture(64, 32);
  Buffer.from(pic.data).copy(png.data);
  await p.printImageBuffer(PNG.sync.write(png));
  p.beep();
  p.cut();
  out('node-thermal-printer.bin', p.getBuffer());

  // openCashDrawer() sends ESC p 0 and ESC p 1 without their timings: a
  // printer reads ESC p 0 27 112 and a stray 0x01. Kept to show it.
  p.clear();
  p.openCashDrawer();
  out('node-thermal-printer-drawer.bin', p.getBuffer());

  // --- node-thermal-printer, Star (Star Line Mode) -------------------------
  // cut() sends two VT before ESC d: Star's "feed to vertical tab".
  {
    const s = new ThermalPrinter({
      type: PrinterTypes.STAR,
      interface: 'tcp://127.0.0.1:9', // never connected
      characterSet: CharacterSet.PC858_EURO,
      width: 48,
    });
    s.alignCenter();
    s.bold(true);
    s.println('Bäckerei am Markt');
    s.bold(false);
    s.alignLeft();
    s.println('Brötchen x4 2,40 €');
    s.println('Grüße aus der Hauptstraße');
    s.alignCenter();
    // printQR sends the data without ESC GS y D 1 0 (node-thermal-printer
    // 4.6.1 star.js): a printer reads 0x0E 0x00 and the data as text and
    // prints no symbol. Kept to show it.
    s.printQR('TX-2026-000124', { cellSize: 6, correctionLevel: 'M', model: 2 });
    // code128 leaves out n3 (the mode) unless settings name a width, and
    // sends the data as given: here with Star's %0 for "%" (50%OFF{x}).
    s.code128('50%0OFF{x}', { text: 2, width: 'SMALL', height: 80 });
    s.cut();
    out('star/node-thermal-printer-star.bin', s.getBuffer());
  }

  // --- receiptline -------------------------------------------------------
  const doc = [
    '^^^Café Zentral',
    'Marktplatz 3',
    '',
    '-',
    'Brötchen x4 | 2,40 €',
    'Kaffee | 3,10 €',
    'Kuchen mit Sahne | 4,50 €',
    '-',
    '^TOTAL | ^10,00 €',
    '',
    '{border:line; width:20,*}',
    'Steuer | Betrag',
    '-',
    '7 % | 0,65 €',
    '{border:space; width:auto}',
    '',
    '{code:https://example.com/r/42; option:qrcode,6,m}',
    '{code:4006381333931; option:ean,hri}',
    '{code:No.123456; option:code128,2,72,hri}',
    '',
    '"Vielen Dank!"',
  ].join('\n');
  const printer = { cpl: 42, encoding: 'multilingual', command: 'escpos', spacing: false, cutting: true };
  out('receiptline.bin', Buffer.from(receiptline.transform(doc, printer), 'binary'));
  fs.writeFileSync(path.join(__dirname, 'receiptline.svg'), receiptline.transform(doc, { cpl: 42, encoding: 'multilingual' }));
  fs.writeFileSync(path.join(__dirname, 'receiptline.txt'), receiptline.transform(doc, { cpl: 42, encoding: 'multilingual', command: 'text' }));
})().catch((e) => {
  console.error(e);
  process.exit(1);
});

// Encodes ../logo576x200.png with receipt-printer-encoder's image() the way
// escpos.Encoder.AppendImage does (576x200, Floyd-Steinberg, GS v 0) and
// prints ns/op, to set against BenchmarkAppendImage576x200:
//
//	npm install && node compare.mjs
//	go test ./escpos -run XXX -bench AppendImage576x200 -benchtime=200ms
import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import ReceiptPrinterEncoder from '@point-of-sale/receipt-printer-encoder';

const png = PNG.sync.read(readFileSync(new URL('../logo576x200.png', import.meta.url)));
const picture = { data: png.data, width: png.width, height: png.height };

function encode() {
  const enc = new ReceiptPrinterEncoder({ language: 'esc-pos', imageMode: 'raster' });
  return enc.initialize().align('center').image(picture, 576, 200, 'floydsteinberg').encode();
}

let out;
for (let i = 0; i < 20; i++) out = encode(); // warm up the JIT
const n = Number(process.argv[2] || 200);
const t0 = process.hrtime.bigint();
for (let i = 0; i < n; i++) out = encode();
const ns = Number(process.hrtime.bigint() - t0) / n;

// Black dots in the GS v 0 payload, to compare tone with escpos's raster.
let black = 0;
const start = out.indexOf(0x76) + 6; // GS v 0 m xL xH yL yH, after ESC @ and ESC a
for (let i = start; i < start + 72 * 200; i++) for (let b = out[i]; b; b &= b - 1) black++;
console.log(JSON.stringify({ nsPerOp: Math.round(ns), bytes: out.length, blackDots: black, iterations: n }));

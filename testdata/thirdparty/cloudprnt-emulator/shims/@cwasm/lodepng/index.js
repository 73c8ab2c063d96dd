// Stand-in for @cwasm/lodepng: encode RGBA image data as an 8-bit
// grey PNG (the emulator draws black and white), with Node's zlib.
import zlib from 'zlib'

function chunk (type, data) {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(data.length)
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(zlib.crc32(td) >>> 0)
  return Buffer.concat([len, td, crc])
}

export default {
  encode ({ data, width, height }) {
    const raw = Buffer.alloc((width + 1) * height)
    for (let y = 0; y < height; y++) {
      raw[y * (width + 1)] = 0
      for (let x = 0; x < width; x++) raw[y * (width + 1) + 1 + x] = data[(y * width + x) * 4]
    }
    const ihdr = Buffer.alloc(13)
    ihdr.writeUInt32BE(width, 0)
    ihdr.writeUInt32BE(height, 4)
    ihdr[8] = 8 // bit depth
    ihdr[9] = 0 // greyscale
    return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))])
  },
  decode () { throw new Error('lodepng.decode: not available in this test') }
}

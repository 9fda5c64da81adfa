import { crc32, deflateSync } from 'node:zlib'

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

/** Encodes 8-bit RGBA pixels (row-major, 4 bytes per pixel) as a PNG. */
export function encodePng (width: number, height: number, rgba: Uint8Array): Buffer {
  if (rgba.length !== width * height * 4) throw new Error(`Expected ${width * height * 4} bytes of RGBA, got ${rgba.length}`)
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0)
  header.writeUInt32BE(height, 4)
  header[8] = 8 // bit depth
  header[9] = 6 // colour type: truecolour with alpha
  // Bytes 10-12 stay 0: deflate compression, adaptive filtering, no interlace.
  const stride = width * 4
  const raw = Buffer.alloc((stride + 1) * height)
  for (let y = 0; y < height; y++) {
    // Each scanline starts with its filter type; 0 (None) keeps the encoder trivial.
    raw[y * (stride + 1)] = 0
    Buffer.from(rgba.buffer, rgba.byteOffset + y * stride, stride).copy(raw, y * (stride + 1) + 1)
  }
  return Buffer.concat([SIGNATURE, chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))])
}

type Rgba = readonly [number, number, number, number]

const BACKGROUND: Rgba = [0x07, 0x5e, 0x54, 0xff]
const BUBBLE: Rgba = [0xff, 0xff, 0xff, 0xff]
const DOT: Rgba = [0x25, 0xd3, 0x66, 0xff]
const CLEAR: Rgba = [0, 0, 0, 0]

/**
 * The Switchboard icon at `size` pixels: a rounded dark-green square holding a white disc
 * with a green centre. Drawn at build time so no binary files live in the repository.
 */
export function switchboardIcon (size: number): Buffer {
  const pixels = new Uint8Array(size * size * 4)
  const radius = size * 0.2
  const centre = (size - 1) / 2
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const distance = Math.hypot(x - centre, y - centre)
      let colour: Rgba
      if (!insideRoundedSquare(x, y, size, radius)) colour = CLEAR
      else if (distance <= size * 0.16) colour = DOT
      else if (distance <= size * 0.32) colour = BUBBLE
      else colour = BACKGROUND
      pixels.set(colour, (y * size + x) * 4)
    }
  }
  return encodePng(size, size, pixels)
}

function insideRoundedSquare (x: number, y: number, size: number, radius: number): boolean {
  const cx = Math.min(Math.max(x + 0.5, radius), size - radius)
  const cy = Math.min(Math.max(y + 0.5, radius), size - radius)
  return Math.hypot(x + 0.5 - cx, y + 0.5 - cy) <= radius
}

function chunk (type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const typeAndData = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const checksum = Buffer.alloc(4)
  checksum.writeUInt32BE(crc32(typeAndData))
  return Buffer.concat([length, typeAndData, checksum])
}

/**
 * Test images generated in memory: rasters from typed arrays, files through sharp, and a tiny hand-written PNG
 * encoder for the variants sharp does not write on request (gray+alpha, palette with tRNS, 16-bit) and for
 * forged headers. Reuse these instead of committing binaries.
 */
import sharp from 'sharp';
import { deflateSync } from 'node:zlib';
import { undoOrientation } from '../../src/core/maskops.js';
import { createRaster, type Box, type Raster } from '../../src/core/raster.js';
import { crc32, pngChunk } from '../../src/core/png-chunks.js';

export type Rgba = Raster & { channels: 4 };
export type Colour = readonly [number, number, number, number];

/** One colour everywhere. */
export function solid(width: number, height: number, colour: Colour = [255, 255, 255, 255]): Rgba {
  const r = createRaster(width, height, 4);
  for (let i = 0; i < r.data.length; i += 4) r.data.set(colour, i);
  return r;
}

/** Red ramps left→right, green top→bottom, blue constant: every pixel differs from its mirror images. */
export function gradient(width: number, height: number): Rgba {
  const r = createRaster(width, height, 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      r.data[i] = Math.round((x * 255) / Math.max(1, width - 1));
      r.data[i + 1] = Math.round((y * 255) / Math.max(1, height - 1));
      r.data[i + 2] = 96;
      r.data[i + 3] = 255;
    }
  }
  return r;
}

/** Seeded pseudo-random bytes (a 32-bit LCG), so failures reproduce. */
export function randomBytes(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let s = seed >>> 0;
  for (let i = 0; i < length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

/** Random opaque RGB noise (incompressible: handy for big files). */
export function noise(width: number, height: number, seed = 1): Rgba {
  const r = createRaster(width, height, 4);
  r.data.set(randomBytes(r.data.length, seed));
  for (let i = 3; i < r.data.length; i += 4) r.data[i] = 255;
  return r;
}

export interface MaskSpec {
  width: number;
  height: number;
  /** The editable region(s). */
  boxes?: Box[];
  /**
   * 'alpha' (default): OpenAI's RGBA mask, alpha 0 inside the boxes, black RGB;
   * 'white' / 'black': opaque, no alpha needed, the boxes painted white on black / black on white.
   */
  style?: 'alpha' | 'white' | 'black';
}

/** A mask raster: editable inside `boxes`. */
export function maskRaster({ width, height, boxes = [], style = 'alpha' }: MaskSpec): Rgba {
  const bg: Colour = style === 'black' ? [255, 255, 255, 255] : [0, 0, 0, 255];
  const fg: Colour = style === 'alpha' ? [0, 0, 0, 0] : style === 'white' ? [255, 255, 255, 255] : [0, 0, 0, 255];
  const r = solid(width, height, bg);
  for (const b of boxes) fillBox(r, b, fg);
  return r;
}

export function fillBox(r: Rgba, b: Box, colour: Colour): Rgba {
  for (let y = b.y; y < b.y + b.height; y++) for (let x = b.x; x < b.x + b.width; x++) r.data.set(colour, (y * r.width + x) * 4);
  return r;
}

/** PNG through sharp; `alpha: false` drops the alpha channel (an RGB PNG), `gray` writes one channel. */
export async function png(r: Raster, opts: { alpha?: boolean; gray?: boolean; compressionLevel?: number } = {}): Promise<Buffer> {
  let s = sharp(r.data, { raw: { width: r.width, height: r.height, channels: r.channels } });
  if (opts.alpha === false || opts.gray) s = s.removeAlpha();
  if (opts.gray) s = s.toColourspace('b-w');
  return s.png({ compressionLevel: opts.compressionLevel ?? 6 }).toBuffer();
}

export async function jpeg(r: Raster, opts: { quality?: number; orientation?: number } = {}): Promise<Buffer> {
  let s = sharp(r.data, { raw: { width: r.width, height: r.height, channels: r.channels } }).removeAlpha().jpeg({ quality: opts.quality ?? 90 });
  if (opts.orientation) s = s.withMetadata({ orientation: opts.orientation });
  return s.toBuffer();
}

export async function webp(r: Raster, opts: { lossless?: boolean } = {}): Promise<Buffer> {
  return sharp(r.data, { raw: { width: r.width, height: r.height, channels: r.channels } }).webp({ lossless: opts.lossless ?? true }).toBuffer();
}

/** An animated WebP of the rasters (same size), one frame each, 100 ms apart. */
export async function animatedWebp(frames: Raster[]): Promise<Buffer> {
  const stills = await Promise.all(frames.map((r) => png(r)));
  return sharp(stills, { join: { animated: true } }).webp({ lossless: true }).toBuffer();
}

/**
 * An animated PNG (APNG) made from a still PNG: `acTL` (frame count) and a full-size `fcTL` before its `IDAT`, then
 * each further frame as `fcTL` + `fdAT` carrying the same compressed pixels. Viewers that know APNG play it; libvips
 * shows the default image (the first frame).
 */
export function animatedPng(still: Buffer, frames: number): Buffer {
  const chunks: { type: string; data: Buffer }[] = [];
  for (let at = 8; at < still.length;) {
    const length = still.readUInt32BE(at);
    chunks.push({ type: still.toString('latin1', at + 4, at + 8), data: still.subarray(at + 8, at + 8 + length) });
    at += 12 + length;
  }
  const head = chunks[0]!.data;
  const fctl = (seq: number) => {
    const d = Buffer.alloc(26);
    d.writeUInt32BE(seq, 0);
    head.copy(d, 4, 0, 8); // width, height
    d.writeUInt16BE(1, 20); // delay 1/10 s
    d.writeUInt16BE(10, 22);
    return chunk('fcTL', d);
  };
  const actl = Buffer.alloc(8);
  actl.writeUInt32BE(frames, 0);
  const idat = Buffer.concat(chunks.filter((c) => c.type === 'IDAT').map((c) => c.data));
  const out = [PNG_SIGNATURE, chunk('IHDR', head), chunk('acTL', actl), fctl(0), chunk('IDAT', idat)];
  let seq = 1;
  for (let f = 1; f < frames; f++) {
    out.push(fctl(seq++));
    const seqBytes = Buffer.alloc(4);
    seqBytes.writeUInt32BE(seq++, 0);
    out.push(chunk('fdAT', Buffer.concat([seqBytes, idat])));
  }
  out.push(chunk('IEND'));
  return Buffer.concat(out);
}

/**
 * A file whose *displayed* picture is `displayed`: the pixels are stored un-rotated and tagged with EXIF
 * `orientation`, the way a phone camera writes a photo. PNG keeps it lossless for exact comparisons.
 */
export async function withOrientation(displayed: Rgba, orientation: number, format: 'png' | 'jpeg' = 'png'): Promise<Buffer> {
  const stored = undoOrientation(displayed, orientation);
  const s = sharp(stored.data, { raw: { width: stored.width, height: stored.height, channels: 4 } });
  const enc = format === 'png' ? s.png() : s.removeAlpha().jpeg({ quality: 95 });
  return enc.withMetadata({ orientation }).toBuffer();
}

// ---- hand-written PNG ----------------------------------------------------------------------------------

export { crc32 };

/** One PNG chunk with a valid CRC. */
export function chunk(type: string, data: Uint8Array = new Uint8Array(0)): Buffer {
  return Buffer.from(pngChunk(type, data));
}

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function ihdr(width: number, height: number, bitDepth = 8, colorType = 6): Buffer {
  const d = Buffer.alloc(13);
  d.writeUInt32BE(width, 0);
  d.writeUInt32BE(height, 4);
  d[8] = bitDepth;
  d[9] = colorType;
  return chunk('IHDR', d);
}

export interface RawPng {
  width: number;
  height: number;
  /** 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA. */
  colorType: 0 | 2 | 3 | 4 | 6;
  bitDepth: 8 | 16;
  /** Samples row by row (16-bit samples big-endian, two bytes each), without filter bytes. */
  samples: Uint8Array;
  /** Palette images: RGB triples. */
  palette?: Uint8Array;
  /** Palette images: alpha per palette entry (the tRNS chunk). */
  trns?: Uint8Array;
}

/** Encodes exactly the PNG described (filter 0 on every row), for the variants sharp will not write on request. */
export function encodePng(p: RawPng): Buffer {
  const channels = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[p.colorType];
  const rowBytes = p.width * channels * (p.bitDepth / 8);
  const filtered = Buffer.alloc((rowBytes + 1) * p.height);
  for (let y = 0; y < p.height; y++) Buffer.from(p.samples.subarray(y * rowBytes, (y + 1) * rowBytes)).copy(filtered, y * (rowBytes + 1) + 1);
  return Buffer.concat([
    PNG_SIGNATURE,
    ihdr(p.width, p.height, p.bitDepth, p.colorType),
    ...(p.palette ? [chunk('PLTE', p.palette)] : []),
    ...(p.trns ? [chunk('tRNS', p.trns)] : []),
    chunk('IDAT', deflateSync(filtered)),
    chunk('IEND'),
  ]);
}

/** A palette PNG (colour type 3) with a tRNS chunk: index 1 is fully transparent, inside `box`. */
export function palettePngWithTrns(width: number, height: number, box: Box): Buffer {
  const samples = new Uint8Array(width * height);
  for (let y = box.y; y < box.y + box.height; y++) samples.fill(1, y * width + box.x, y * width + box.x + box.width);
  return encodePng({ width, height, colorType: 3, bitDepth: 8, samples, palette: Uint8Array.from([0, 0, 0, 255, 255, 255]), trns: Uint8Array.from([255, 0]) });
}

/** A gray+alpha PNG (colour type 4): alpha 0 inside `box`, 255 elsewhere. */
export function grayAlphaPng(width: number, height: number, box: Box, bitDepth: 8 | 16 = 8): Buffer {
  const bps = bitDepth / 8;
  const samples = new Uint8Array(width * height * 2 * bps).fill(0);
  for (let i = 0; i < width * height; i++) {
    const x = i % width, y = (i - x) / width;
    const inside = x >= box.x && x < box.x + box.width && y >= box.y && y < box.y + box.height;
    samples.fill(inside ? 0 : 255, (i * 2 + 1) * bps, (i * 2 + 2) * bps);
  }
  return encodePng({ width, height, colorType: 4, bitDepth, samples });
}

/** A 16-bit RGBA PNG: alpha 0 inside `box`, 65535 elsewhere. */
export function rgba16Png(width: number, height: number, box: Box): Buffer {
  const samples = new Uint8Array(width * height * 8);
  for (let i = 0; i < width * height; i++) {
    const x = i % width, y = (i - x) / width;
    const inside = x >= box.x && x < box.x + box.width && y >= box.y && y < box.y + box.height;
    samples.fill(inside ? 0 : 255, i * 8 + 6, i * 8 + 8);
  }
  return encodePng({ width, height, colorType: 6, bitDepth: 16, samples });
}

/** A PNG header claiming `width`×`height` with valid CRCs and a few bytes of IDAT: a decompression bomb's shape. */
export function forgedPng(width: number, height: number): Buffer {
  return Buffer.concat([PNG_SIGNATURE, ihdr(width, height, 8, 6), chunk('IDAT', deflateSync(Buffer.alloc(64))), chunk('IEND')]);
}

/** A baseline JPEG header (SOI, SOF0, SOS) claiming `width`×`height`, with no real scan data. */
export function forgedJpeg(width: number, height: number): Buffer {
  const sof = Buffer.from([0xff, 0xc0, 0x00, 0x11, 0x08, height >> 8, height & 255, width >> 8, width & 255, 0x03,
    0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01]);
  const sos = Buffer.from([0xff, 0xda, 0x00, 0x0c, 0x03, 0x01, 0x00, 0x02, 0x11, 0x03, 0x11, 0x00, 0x3f, 0x00]);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), sof, sos, Buffer.alloc(32), Buffer.from([0xff, 0xd9])]);
}

/**
 * A real lossless WebP whose VP8L header is rewritten to claim `width`×`height` (each at most 16384 in the
 * format): valid container, impossible pixel data.
 */
export async function forgedWebp(width: number, height: number): Promise<Buffer> {
  const real = Buffer.from(await sharp({ create: { width: 16, height: 16, channels: 3, background: '#808080' } }).webp({ lossless: true }).toBuffer());
  const at = real.indexOf('VP8L', 12, 'latin1');
  if (at < 0) throw new Error('sharp did not write a VP8L chunk');
  const p = at + 9; // chunk tag (4) + size (4) + signature byte 0x2f (1)
  const old = real.readUInt32LE(p);
  real.writeUInt32LE(((old & ~0x0fffffff) | ((width - 1) & 0x3fff) | (((height - 1) & 0x3fff) << 14)) >>> 0, p);
  return real;
}

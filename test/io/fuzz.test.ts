/**
 * Hostile input: random bytes, truncated files and forged headers must end in a coded error (or, for a file
 * that happens to stay decodable, a picture of the size its header claims) — never a crash, an uncoded
 * error or a hang.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { isMaskeditError } from '../../src/core/errors.js';
import { decodeImage } from '../../src/io/image.js';
import { checkPair } from '../../src/pipeline/check.js';
import { forgedJpeg, forgedPng, forgedWebp, gradient, jpeg, maskRaster, noise, png, randomBytes, webp } from '../_helpers/images.js';

const IMAGE_CODES = ['IMAGE_UNREADABLE', 'IMAGE_FORMAT_UNSUPPORTED', 'IMAGE_TOO_MANY_PIXELS'];

/** Decodes and classifies: 'ok WxH' or the error code; anything not coded fails the test with its message. */
async function outcome(bytes: Uint8Array): Promise<string> {
  try {
    const { raster } = await decodeImage(bytes, { maxPixels: 10_000_000 });
    return `ok ${raster.width}x${raster.height}`;
  } catch (e) {
    if (!isMaskeditError(e)) throw new Error(`uncoded error for ${bytes.length} bytes: ${String(e)}`);
    if (!e.fix) throw new Error(`${e.code} without a fix`);
    return e.code;
  }
}

describe('random bytes', () => {
  const MAGIC: Record<string, number[]> = {
    none: [],
    png: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
    jpeg: [0xff, 0xd8, 0xff],
    webp: [...'RIFF\0\0\0\0WEBP'].map((c) => c.charCodeAt(0)),
  };
  it.each(Object.keys(MAGIC))('prefix %s: 60 random files each end in a coded error', async (kind) => {
    for (let seed = 1; seed <= 60; seed++) {
      const body = randomBytes((seed * 37) % 1500, seed * 7919 + kind.length);
      const bytes = Uint8Array.from([...MAGIC[kind]!, ...body]);
      expect(IMAGE_CODES).toContain(await outcome(bytes));
    }
  });
});

describe('truncated files', () => {
  const files: Record<string, Uint8Array> = {};
  beforeAll(async () => {
    const pic = noise(48, 32, 5);
    files.png = await png(pic);
    files.jpeg = await jpeg(gradient(48, 32));
    files.webp = await webp(pic, { lossless: true });
    files.webpLossy = await webp(gradient(48, 32), { lossless: false });
  });
  it.each(['png', 'jpeg', 'webp', 'webpLossy'])('%s cut at 24 lengths: a coded error, or the full-size picture', async (kind) => {
    const whole = files[kind]!;
    expect(await outcome(whole)).toBe('ok 48x32');
    for (let k = 0; k < 24; k++) {
      const cut = whole.subarray(0, Math.floor((whole.length * k) / 24));
      const result = await outcome(cut);
      expect([...IMAGE_CODES, 'ok 48x32']).toContain(result);
    }
  });
  it('a PNG missing its last IDAT bytes is unreadable, not silently partial', async () => {
    expect(await outcome(files.png!.subarray(0, files.png!.length - 40))).toBe('IMAGE_UNREADABLE');
  });
});

describe('decompression bombs', () => {
  it.each<[string, () => Promise<Uint8Array> | Uint8Array, string]>([
    ['PNG 60000x60000', () => forgedPng(60000, 60000), '60000x60000 (3600 MP)'],
    ['JPEG 60000x60000', () => forgedJpeg(60000, 60000), '60000x60000 (3600 MP)'],
    ['WebP 16383x16383', () => forgedWebp(16383, 16383), '16383x16383 (268 MP)'],
  ])('%s fails from the header, before any pixel is decoded', async (_, make, size) => {
    const bytes = await make();
    for (const role of ['image', 'mask'] as const) {
      // The forged files carry no pixel data worth 268-3600 MP: the size can only have come from the header.
      const err = await decodeImage(bytes, { role, label: 'bomb' }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: role === 'image' ? 'IMAGE_TOO_MANY_PIXELS' : 'MASK_TOO_MANY_PIXELS', message: `bomb is ${size}; the limit is 100 MP` });
    }
  });

  it('checkPair turns bombs and junk into a report, never a throw', async () => {
    const mask = await png(maskRaster({ width: 8, height: 8, boxes: [{ x: 0, y: 0, width: 2, height: 2 }] }));
    const report = await checkPair({ image: forgedPng(60000, 60000), mask: new TextEncoder().encode('no pixels here') });
    expect(report.problems.map((p) => p.code)).toEqual(['IMAGE_TOO_MANY_PIXELS', 'MASK_UNREADABLE']);
    expect((await checkPair({ image: randomBytes(10, 1), mask })).ok).toBe(false);
  });
});

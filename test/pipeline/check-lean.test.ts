/**
 * `checkPair` decodes less than `checkPairDecoded` (the image is only verified to decode, of the mask only its
 * alpha is decoded unless the doctor needs its RGB): the reports must be the same, for every kind of pair the
 * doctor judges differently. `decodeAlpha` must give the alpha bytes of `decodeImage`'s RGBA
 * (`scanAlphaPlane` against `scanAlpha` is in test/core/doctor.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { createEditMask, extractChannel, type Raster } from '../../src/core/raster.js';
import { decodeAlpha, decodeImage, probeImage, verifyDecodes } from '../../src/io/image.js';
import { checkPair, checkPairDecoded } from '../../src/pipeline/check.js';
import { edit } from '../../src/pipeline/edit.js';
import type { Provider } from '../../src/providers/provider.js';
import {
  fillBox, gradient, grayAlphaPng, jpeg, maskRaster, noise, palettePngWithTrns, png, rgba16Png, solid, webp, withOrientation,
} from '../_helpers/images.js';

const W = 64, H = 48;
const BOX = { x: 8, y: 8, width: 16, height: 12 };

/** An RGBA mask with every alpha value somewhere (soft edges, all of 0–255). */
function softMask(w: number, h: number): Raster & { channels: 4 } {
  const m = solid(w, h, [255, 255, 255, 255]);
  for (let i = 0; i < w * h; i++) m.data[i * 4 + 3] = i < 256 ? i : (i * 37) % 7 === 0 ? 0 : 255;
  return m;
}

const MASKS: [string, () => Promise<Buffer> | Buffer][] = [
  ['an RGBA PNG (boxes)', () => png(maskRaster({ width: W, height: H, boxes: [BOX] }))],
  ['an RGBA PNG with every alpha value', () => png(softMask(W, H))],
  ['a gray+alpha PNG', () => grayAlphaPng(W, H, BOX)],
  ['a 16-bit gray+alpha PNG', () => grayAlphaPng(W, H, BOX, 16)],
  ['a palette PNG with tRNS', () => palettePngWithTrns(W, H, BOX)],
  ['a 16-bit RGBA PNG', () => rgba16Png(W, H, BOX)],
  ['an RGB PNG (no alpha)', () => png(fillBox(solid(W, H, [255, 255, 255, 255]), BOX, [0, 0, 0, 255]), { alpha: false })],
  ['a gray PNG (no alpha)', () => png(fillBox(solid(W, H, [255, 255, 255, 255]), BOX, [0, 0, 0, 255]), { gray: true })],
  ['a fully opaque RGBA PNG painted black', () => png(fillBox(solid(W, H, [255, 255, 255, 255]), BOX, [0, 0, 0, 255]))],
  ['a fully opaque picture', () => png(noise(W, H, 3))],
  ['a fully transparent RGBA PNG', () => png(solid(W, H, [0, 0, 0, 0]))],
  ['an RGBA PNG of another size', () => png(maskRaster({ width: W / 2, height: H / 2, boxes: [{ x: 2, y: 2, width: 4, height: 4 }] }))],
  ['an RGBA PNG with EXIF orientation 6', () => withOrientation(maskRaster({ width: W, height: H, boxes: [BOX] }), 6)],
  ['a lossless WebP with alpha', () => webp(maskRaster({ width: W, height: H, boxes: [BOX] }), { lossless: true })],
  ['a JPEG', () => jpeg(gradient(W, H))],
  ['a truncated PNG', async () => (await png(maskRaster({ width: W, height: H, boxes: [BOX] }))).subarray(0, 100)],
];

const IMAGES: [string, () => Promise<Buffer> | Buffer][] = [
  ['a PNG', () => png(gradient(W, H))],
  ['a JPEG', () => jpeg(gradient(W, H))],
  ['a JPEG with EXIF orientation 6', () => withOrientation(gradient(H, W), 6, 'jpeg')],
  ['a PNG with EXIF orientation 3', () => withOrientation(gradient(W, H), 3)],
  ['a truncated JPEG', async () => (await jpeg(noise(W, H, 5))).subarray(0, 400)],
];

/**
 * libvips keeps its last error text per process, so when two files fail to decode at once one of them may read
 * "Unknown error" (with either path): the decoder's own words after "cannot be decoded:" are left out.
 */
function withoutDecoderText<R extends { problems: { message: string }[] }>(r: R): R {
  return { ...r, problems: r.problems.map((p) => ({ ...p, message: p.message.replace(/cannot be decoded: .*$/, 'cannot be decoded: …') })) };
}

describe('checkPair reports what checkPairDecoded reports', () => {
  const pairs = IMAGES.flatMap(([i, image]) => MASKS.map(([m, mask]) => [`${i} + ${m}`, image, mask] as const));
  it.each(pairs)('%s', async (_, image, mask) => {
    const input = { image: await image(), mask: await mask(), imageLabel: 'photo', maskLabel: 'mask.png' };
    const lean = await checkPair(input);
    const full = (await checkPairDecoded(input)).report;
    expect(withoutDecoderText(lean)).toEqual(withoutDecoderText(full));
    // Also the edit pipeline's reading: the same report, and the same edit mask.
    const forEdit = await checkPairDecoded({ ...input, keepMask: false });
    expect(withoutDecoderText(forEdit.report)).toEqual(withoutDecoderText(full));
    const fullMask = (await checkPairDecoded(input)).decoded.editMask;
    expect(forEdit.decoded.editMask === null ? null : Buffer.from(forEdit.decoded.editMask.data)).toEqual(fullMask === null ? null : Buffer.from(fullMask.data));
  });

  it('the pairs cover clean, warned and refused reports', async () => {
    const seen = new Set<string>();
    for (const [, image, mask] of pairs) {
      const r = await checkPair({ image: await image(), mask: await mask() });
      for (const p of r.problems) seen.add(p.code);
    }
    expect([...seen].filter((c) => c.startsWith('MASK_') || c.startsWith('IMAGE_')).sort()).toEqual([
      'IMAGE_UNREADABLE', 'MASK_ALL_EDITABLE', 'MASK_FORMAT_DIFFERS', 'MASK_NOTHING_EDITABLE', 'MASK_NOT_PNG', 'MASK_NO_ALPHA',
      'MASK_ORIENTATION_MISMATCH', 'MASK_PARTIAL_ALPHA', 'MASK_SIZE_MISMATCH', 'MASK_UNREADABLE',
    ]);
  });
});

describe('decodeAlpha and verifyDecodes', () => {
  it.each(MASKS.filter(([name]) => !name.startsWith('a truncated')))('decodeAlpha of %s is the alpha of decodeImage', async (_, make) => {
    const bytes = await make();
    const info = await probeImage(bytes);
    const alpha = await decodeAlpha(bytes, info);
    const want = extractChannel((await decodeImage(bytes)).raster, 3);
    expect([alpha.width, alpha.height, alpha.channels]).toEqual([want.width, want.height, 1]);
    expect(Buffer.from(alpha.data).equals(Buffer.from(want.data))).toBe(true);
  });

  it('a truncated file fails decodeAlpha and verifyDecodes with the code and message of decodeImage', async () => {
    const bytes = (await jpeg(noise(W, H, 5))).subarray(0, 400);
    const info = await probeImage(bytes, { role: 'mask', label: 'm.jpg' });
    const want = await decodeImage(bytes, { role: 'mask', label: 'm.jpg' }).then(() => ['decoded'], (e: Error & { code: string }) => [e.code, e.message]);
    expect(want[0]).toBe('MASK_UNREADABLE');
    for (const lean of [() => decodeAlpha(bytes, info, { role: 'mask', label: 'm.jpg' }), () => verifyDecodes(bytes, info, { role: 'mask', label: 'm.jpg' })]) {
      expect(await lean().then(() => 'decoded', (e: Error & { code: string }) => [e.code, e.message])).toEqual(want);
    }
  });
});


describe('edit() with a mask whose RGBA it did not keep', () => {
  it('still repairs it with fix: a mask without alpha is read from its RGB', async () => {
    const provider: Provider = { name: 'openai', surface: 'images', async edit(req) { return { images: [req.image] }; } };
    const mask = await png(fillBox(solid(W * 4, H * 4, [255, 255, 255, 255]), { x: 40, y: 40, width: 60, height: 40 }, [0, 0, 0, 255]), { alpha: false });
    const r = await edit({ image: await png(gradient(W * 4, H * 4)), mask, prompt: 'A gradient. Keep it.', provider, fix: true, today: '2026-11-30' });
    expect(r.report.repairs).toEqual(['no alpha channel: made black editable, the smaller region (4.9 %; white would be 95.1 %); pass --edit white for the other']);
    expect(r.report.finalOutsideChangedPixels).toBe(0);
  });
});

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countNonZero } from '../../src/core/raster.js';
import { undoOrientation } from '../../src/core/maskops.js';
import { decodeImage } from '../../src/io/image.js';
import { checkFiles, checkPair, checkPairDecoded, repairMask } from '../../src/pipeline/check.js';
import {
  fillBox, gradient, grayAlphaPng, jpeg, maskRaster, noise, palettePngWithTrns, png, rgba16Png, solid, webp, withOrientation,
} from '../_helpers/images.js';

const W = 64, H = 48;
const BOX = { x: 8, y: 8, width: 16, height: 12 }; // 192 px = 6.25 %
let image: Buffer;
let goodMask: Buffer;

beforeAll(async () => {
  image = await png(gradient(W, H));
  goodMask = await png(maskRaster({ width: W, height: H, boxes: [BOX] }));
});

const codes = (r: { problems: { code: string; severity: string }[] }) => r.problems.map((p) => `${p.severity}:${p.code}`);

describe('checkPair', () => {
  it('reports a good pair in exactly the CheckReport shape', async () => {
    const report = await checkPair({ image, mask: goodMask, imageLabel: 'photo.png', maskLabel: 'mask.png' });
    expect(report).toEqual({
      ok: true,
      image: { width: W, height: H, format: 'png', bytes: image.length, orientation: 1 },
      mask: { width: W, height: H, format: 'png', bytes: goodMask.length, hasAlpha: true, editableFraction: 0.0625, repairedFraction: 0.0625 },
      problems: [],
      fix: null,
    });
    expect(Object.keys(report)).toEqual(['ok', 'image', 'mask', 'problems', 'fix']);
  });

  it('hands back the decoded pixels and OpenAI\'s reading of the mask', async () => {
    const { decoded } = await checkPairDecoded({ image, mask: goodMask });
    expect(decoded.image?.raster.width).toBe(W);
    expect(decoded.mask?.info.hasAlpha).toBe(true);
    expect(countNonZero(decoded.editMask!)).toBe(192);
    expect(decoded.editMask!.data[8 * W + 8]).toBe(255);
    expect(decoded.editMask!.data[0]).toBe(0);
  });

  it.each<[string, () => Promise<Uint8Array> | Uint8Array, number]>([
    ['palette PNG with tRNS', () => palettePngWithTrns(W, H, BOX), 0.0625],
    ['gray+alpha PNG', () => grayAlphaPng(W, H, BOX), 0.0625],
    ['16-bit gray+alpha PNG', () => grayAlphaPng(W, H, BOX, 16), 0.0625],
    ['16-bit RGBA PNG', () => rgba16Png(W, H, BOX), 0.0625],
  ])('accepts a %s as a valid mask', async (_, make, fraction) => {
    const report = await checkPair({ image, mask: await make() });
    expect(codes(report)).toEqual([]);
    expect(report.mask?.editableFraction).toBe(fraction);
  });

  it.each<[string, () => Promise<Partial<{ image: Uint8Array; mask: Uint8Array }>>, string[]]>([
    ['garbage image', async () => ({ image: new TextEncoder().encode('hello, not an image at all') }), ['error:IMAGE_UNREADABLE']],
    ['GIF image', async () => ({ image: new TextEncoder().encode('GIF89a\x01\x00\x01\x00') }), ['error:IMAGE_FORMAT_UNSUPPORTED']],
    ['SVG image', async () => ({ image: new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg" width="64" height="48"/>') }), ['error:IMAGE_FORMAT_UNSUPPORTED']],
    ['truncated image', async () => ({ image: image.subarray(0, 100) }), ['error:IMAGE_UNREADABLE']],
    ['empty mask', async () => ({ mask: new Uint8Array(0) }), ['error:MASK_UNREADABLE']],
    ['BMP mask', async () => ({ mask: new TextEncoder().encode('BM\x00\x00\x00\x00') }), ['error:MASK_NOT_PNG']],
    ['WebP mask', async () => ({ mask: await webp(maskRaster({ width: W, height: H, boxes: [BOX] })) }), ['error:MASK_NOT_PNG']],
    ['JPEG mask', async () => ({ mask: await jpeg(maskRaster({ width: W, height: H, boxes: [BOX], style: 'white' })) }), ['error:MASK_NOT_PNG', 'error:MASK_NO_ALPHA']],
    ['JPEG image', async () => ({ image: await jpeg(gradient(W, H)) }), ['warning:MASK_FORMAT_DIFFERS']],
    ['RGB mask', async () => ({ mask: await png(maskRaster({ width: W, height: H, boxes: [BOX], style: 'white' }), { alpha: false }) }), ['error:MASK_NO_ALPHA']],
    ['grayscale mask', async () => ({ mask: await png(maskRaster({ width: W, height: H, boxes: [BOX], style: 'black' }), { gray: true }) }), ['error:MASK_NO_ALPHA']],
    ['half-size mask', async () => ({ mask: await png(maskRaster({ width: W / 2, height: H / 2, boxes: [BOX] })) }), ['error:MASK_SIZE_MISMATCH']],
    ['opaque painted mask', async () => ({ mask: await png(maskRaster({ width: W, height: H, boxes: [BOX], style: 'white' })) }), ['error:MASK_NOTHING_EDITABLE']],
    ['all-transparent mask', async () => ({ mask: await png(solid(W, H, [0, 0, 0, 0])) }), ['warning:MASK_ALL_EDITABLE']],
    ['inverted mask', async () => ({ mask: await png(maskRaster({ width: W, height: H, boxes: [{ x: 0, y: 0, width: W, height: 40 }] })) }), ['warning:MASK_LIKELY_INVERTED']],
    ['soft-edged mask', async () => ({ mask: await png(fillBox(maskRaster({ width: W, height: H, boxes: [BOX] }), { x: 7, y: 8, width: 1, height: 12 }, [0, 0, 0, 128])) }), ['warning:MASK_PARTIAL_ALPHA']],
  ])('%s', async (_, make, expected) => {
    const report = await checkPair({ image, mask: goodMask, ...(await make()) });
    expect(codes(report)).toEqual(expected);
    expect(report.ok).toBe(!expected.some((c) => c.startsWith('error:')));
  });

  it('refuses an image over the pixel limit from its header', async () => {
    const report = await checkPair({ image, mask: goodMask, maxPixels: 1000, imageLabel: 'photo.png', maskLabel: 'mask.png' });
    expect(report.problems.map((p) => p.code)).toEqual(['IMAGE_TOO_MANY_PIXELS', 'MASK_TOO_MANY_PIXELS']);
    expect(report.problems[0]!.message).toBe('photo.png is 64x48 (3072 pixels); the limit is 1000 pixels');
    expect(report.image).toBeNull();
  });

  it('flags a mask drawn on the stored pixels of an EXIF-rotated JPEG', async () => {
    const photo = await withOrientation(gradient(W, H), 6, 'jpeg'); // stored 48x64, displayed 64x48
    const storedMask = await png(maskRaster({ width: H, height: W, boxes: [BOX] }));
    const report = await checkPair({ image: photo, mask: storedMask, imageLabel: 'photo.jpg', maskLabel: 'mask.png' });
    expect(report.image).toEqual({ width: W, height: H, format: 'jpeg', bytes: photo.length, orientation: 6 });
    expect(codes(report)).toEqual(['error:MASK_ORIENTATION_MISMATCH', 'warning:MASK_FORMAT_DIFFERS']);
  });

  it('flags a large mask file against the spec\'s 4 MB', async () => {
    const big = noise(1100, 1000);
    fillBox(big, { x: 0, y: 0, width: 100, height: 100 }, [0, 0, 0, 0]);
    const mask = await png(big, { compressionLevel: 0 });
    const report = await checkPair({ image: await png(gradient(1100, 1000)), mask });
    expect(codes(report)).toEqual(['warning:MASK_TOO_LARGE']);
  });
});

describe('checkFiles', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'maskedit-check-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('turns a missing file into a problem, so --json always prints a CheckReport', async () => {
    await writeFile(join(dir, 'mask.png'), goodMask);
    const { report } = await checkFiles(join(dir, 'nope.png'), join(dir, 'mask.png'));
    expect(report.ok).toBe(false);
    expect(report.image).toBeNull();
    expect(report.problems[0]).toMatchObject({ code: 'IMAGE_NOT_FOUND', message: `${join(dir, 'nope.png')} does not exist` });
    expect(report.mask?.editableFraction).toBe(0.0625);
  });

  it('reads by content: a PNG named .jpg is a PNG', async () => {
    await writeFile(join(dir, 'photo.jpg'), image);
    const { report } = await checkFiles(join(dir, 'photo.jpg'), join(dir, 'mask.png'));
    expect(report.image?.format).toBe('png');
    expect(report.ok).toBe(true);
  });
});

describe('repairMask', () => {
  const decode = (b: Uint8Array, role: 'image' | 'mask' = 'mask') => decodeImage(b, { role });

  it('leaves a good mask alone', async () => {
    const r = repairMask(await decode(image, 'image'), await decode(goodMask));
    expect(r.applied).toEqual([]);
    expect(countNonZero(r.editMask)).toBe(192);
  });

  it.each<[string, () => Promise<Uint8Array>, string[], number]>([
    ['no alpha → the smaller polarity', () => png(maskRaster({ width: W, height: H, boxes: [BOX], style: 'white' }), { alpha: false }),
      ['no alpha channel: made white editable, the smaller region (6.3 %; black would be 93.8 %); pass --edit black for the other'], 192],
    ['painted on an opaque layer', () => png(maskRaster({ width: W, height: H, boxes: [BOX], style: 'white' })),
      ['no pixel is transparent, so its luminance was read instead: made white editable, the smaller region (6.3 %; black would be 93.8 %); pass --edit black for the other'], 192],
    ['semi-transparent edge, alpha 127 → editable', () => png(fillBox(maskRaster({ width: W, height: H, boxes: [BOX] }), { x: 7, y: 8, width: 1, height: 12 }, [0, 0, 0, 127])),
      ['read 12 semi-transparent pixels (alpha 1–254) at the one threshold: 12 with alpha below 128 are editable, 0 are kept'], 204],
    ['semi-transparent edge, alpha 128 → kept', () => png(fillBox(maskRaster({ width: W, height: H, boxes: [BOX] }), { x: 7, y: 8, width: 1, height: 12 }, [0, 0, 0, 128])),
      ['read 12 semi-transparent pixels (alpha 1–254) at the one threshold: 0 with alpha below 128 are editable, 12 are kept'], 192],
    ['half size → nearest resize', () => png(maskRaster({ width: W / 2, height: H / 2, boxes: [{ x: 4, y: 4, width: 8, height: 6 }] })),
      ['resized 32x24 → 64x48 (nearest neighbour)'], 192],
  ])('%s', async (_, make, applied, editable) => {
    const r = repairMask(await decode(image, 'image'), await decode(await make()));
    expect(r.applied).toEqual(applied);
    expect(countNonZero(r.editMask)).toBe(editable);
    expect([r.editMask.width, r.editMask.height]).toEqual([W, H]);
    expect(r.editMask.data.every((v) => v === 0 || v === 255)).toBe(true);
  });

  it('orients a mask drawn on the stored pixels of a rotated photo', async () => {
    const displayedMask = maskRaster({ width: W, height: H, boxes: [BOX] });
    const photo = await decode(await withOrientation(gradient(W, H), 6), 'image');
    const r = repairMask(photo, await decode(await png(undoOrientation(displayedMask, 6))));
    expect(r.applied).toEqual(['oriented like the image (EXIF orientation 6: rotated 90° clockwise): 48x64 → 64x48']);
    expect(r.editMask.data[8 * W + 8]).toBe(255);
    expect(countNonZero(r.editMask)).toBe(192);
  });

  it.each<[string, () => Promise<Uint8Array>, string]>([
    ['another aspect ratio', () => png(maskRaster({ width: W, height: W, boxes: [BOX] })), 'MASK_SIZE_MISMATCH'],
    ['nothing to read', () => png(solid(W, H, [0, 0, 0, 255])), 'MASK_NOTHING_EDITABLE'],
  ])('refuses to guess: %s', async (_, make, code) => {
    const img = await decode(image, 'image');
    const msk = await decode(await make());
    expect(() => repairMask(img, msk)).toThrow(expect.objectContaining({ code }));
  });
});

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { undoOrientation } from '../../src/core/maskops.js';
import { configureSettings, settingsFromEnv } from '../../src/io/settings.js';
import {
  decodeImage, decodeStored, encodeImage, formatFromPath, probeImage, readImageFile, readInputFile, sniffFormat,
} from '../../src/io/image.js';
import { animatedPng, animatedWebp, gradient, grayAlphaPng, jpeg, palettePngWithTrns, png, rgba16Png, solid, webp, withOrientation } from '../_helpers/images.js';

const text = (s: string) => new TextEncoder().encode(s);
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'maskedit-io-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('sniffFormat', () => {
  it.each<[string, () => Promise<Uint8Array> | Uint8Array, object | null]>([
    ['PNG', () => png(solid(2, 2)), { format: 'png' }],
    ['JPEG', () => jpeg(solid(2, 2)), { format: 'jpeg' }],
    ['WebP', () => webp(solid(2, 2)), { format: 'webp' }],
    ['GIF', () => text('GIF89a....'), { other: 'GIF' }],
    ['BMP', () => text('BM......'), { other: 'BMP' }],
    ['TIFF (little-endian)', () => text('II*\0....'), { other: 'TIFF' }],
    ['TIFF (big-endian)', () => text('MM\0*....'), { other: 'TIFF' }],
    ['PDF', () => text('%PDF-1.7'), { other: 'PDF' }],
    ['HEIC', () => text('\0\0\0\x18ftypheic'), { other: 'HEIC' }],
    ['AVIF', () => text('\0\0\0\x18ftypavif'), { other: 'AVIF' }],
    ['SVG', () => text('  <svg xmlns="http://www.w3.org/2000/svg"/>'), { other: 'SVG' }],
    ['SVG with an XML prolog', () => text('<?xml version="1.0"?>\n<svg/>'), { other: 'SVG' }],
    ['HTML', () => text('<!doctype html><html>'), { other: 'XML/HTML' }],
    ['text', () => text('just words'), null],
    ['nothing', () => new Uint8Array(0), null],
  ])('%s', async (_, make, expected) => {
    expect(sniffFormat(await make())).toEqual(expected);
  });
});

describe('decodeImage: formats by content, never SVG', () => {
  it.each([
    ['GIF', 'GIF89a\x01\x00\x01\x00', 'IMAGE_FORMAT_UNSUPPORTED', 'MASK_NOT_PNG', 'x.png is GIF; expected PNG, JPEG or WebP'],
    ['SVG', '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>', 'IMAGE_FORMAT_UNSUPPORTED', 'MASK_NOT_PNG', 'x.png is SVG; expected PNG, JPEG or WebP'],
    ['garbage', 'definitely not pixels', 'IMAGE_UNREADABLE', 'MASK_UNREADABLE', 'x.png is not an image maskedit can read (expected PNG, JPEG or WebP bytes; received 21 bytes starting 64 65 66 69 6e 69 74 65)'],
  ])('%s → %s (image) / %s (mask)', async (_, body, imageCode, maskCode, message) => {
    await expect(decodeImage(text(body), { label: 'x.png' })).rejects.toMatchObject({ code: imageCode, message });
    await expect(decodeImage(text(body), { label: 'x.png', role: 'mask' })).rejects.toMatchObject({ code: maskCode });
  });

  it('a GIF image\'s fix converts the image (maskedit cannot); a GIF mask\'s fix converts it, then makes the API mask', async () => {
    await expect(decodeImage(text('GIF89a\x01\x00\x01\x00'), { label: 'photos/cat.gif' })).rejects.toMatchObject({
      code: 'IMAGE_FORMAT_UNSUPPORTED',
      fix: 'convert it to PNG first (its first frame), e.g. `convert photos/cat.gif[0] photos/cat.png` (ImageMagick) or "Export as PNG" in any editor, then use photos/cat.png as the image',
    });
    await expect(decodeImage(text('GIF89a\x01\x00\x01\x00'), { label: 'my mask.gif', role: 'mask' })).rejects.toMatchObject({
      code: 'MASK_NOT_PNG',
      fix: 'convert it to PNG first (its first frame), e.g. `convert \'my mask.gif\'[0] \'my mask.png\'` (ImageMagick) or "Export as PNG" in any editor, then make it an API mask: maskedit mask \'my mask.png\' -o \'my mask.fixed.png\'',
    });
  });

  it('an SVG never reaches the renderer, even one that would load a file', async () => {
    const svg = text('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><image xlink:href="file:///etc/passwd"/></svg>');
    await expect(probeImage(svg)).rejects.toMatchObject({ code: 'IMAGE_FORMAT_UNSUPPORTED' });
  });

  it('reads a PNG named .webp as PNG', async () => {
    const path = join(dir, 'really-a-png.webp');
    await writeFile(path, await png(gradient(5, 3)));
    const { info, raster } = await readImageFile(path);
    expect([info.format, raster.width, raster.height]).toEqual(['png', 5, 3]);
  });

  it.each<[string, () => Promise<Uint8Array> | Uint8Array, number[]]>([
    ['gray', () => png(solid(3, 2, [77, 77, 77, 255]), { gray: true }), [77, 77, 77, 255]],
    ['RGB', () => png(solid(3, 2, [10, 20, 30, 255]), { alpha: false }), [10, 20, 30, 255]],
    ['palette + tRNS', () => palettePngWithTrns(3, 2, { x: 0, y: 0, width: 1, height: 1 }), [255, 255, 255, 0]],
    ['gray + alpha', () => grayAlphaPng(3, 2, { x: 0, y: 0, width: 1, height: 1 }), [0, 0, 0, 0]],
    ['16-bit RGBA', () => rgba16Png(3, 2, { x: 1, y: 0, width: 1, height: 1 }), [0, 0, 0, 255]],
  ])('decodes %s to 8-bit RGBA (first pixel %j)', async (_, make, first) => {
    const { raster } = await decodeImage(await make());
    expect(raster.channels).toBe(4);
    expect(raster.data.length).toBe(3 * 2 * 4);
    expect([...raster.data.subarray(0, 4)]).toEqual(first);
  });
});

describe('animated images: frames counted, the first decoded', () => {
  it.each([
    ['still PNG', async () => png(gradient(8, 6)), 1],
    ['still WebP', async () => webp(gradient(8, 6)), 1],
    ['APNG, 3 frames', async () => animatedPng(await png(gradient(8, 6)), 3), 3],
    ['animated WebP, 2 frames', async () => animatedWebp([gradient(8, 6), solid(8, 6, [0, 0, 255, 255])]), 2],
  ])('%s → frames %i', async (_, make, frames) => {
    const bytes = await make();
    expect((await probeImage(bytes)).frames).toBe(frames);
    const { raster } = await decodeImage(bytes);
    expect([raster.width, raster.height]).toEqual([8, 6]);
    expect(Buffer.from(raster.data)).toEqual(Buffer.from(gradient(8, 6).data));
  });
});

describe('EXIF orientation', () => {
  const displayed = gradient(6, 4);
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('orientation %i: pixels come out as displayed, the stored layout is reported', async (o) => {
    const bytes = await withOrientation(displayed, o);
    const d = await decodeImage(bytes);
    expect(d.info.orientation).toBe(o);
    expect([d.info.width, d.info.height]).toEqual([6, 4]);
    expect([d.info.storedWidth, d.info.storedHeight]).toEqual(o >= 5 ? [4, 6] : [6, 4]);
    expect(Buffer.from(d.raster.data).equals(Buffer.from(displayed.data))).toBe(true);
    const s = await decodeStored(bytes);
    expect(Buffer.from(s.raster.data).equals(Buffer.from(undoOrientation(displayed, o).data))).toBe(true);
  });

  it('reads the orientation of a camera-style JPEG from its header', async () => {
    const info = await probeImage(await withOrientation(gradient(40, 30), 6, 'jpeg'));
    expect(info).toMatchObject({ format: 'jpeg', orientation: 6, width: 40, height: 30, storedWidth: 30, storedHeight: 40 });
  });
});

describe('pixel limit', () => {
  it('is checked from the header, configurable per call and through MASKEDIT_MAX_PIXELS', async () => {
    const bytes = await png(solid(100, 100));
    await expect(probeImage(bytes, { maxPixels: 9999, label: 'big.png' })).rejects.toMatchObject({ code: 'IMAGE_TOO_MANY_PIXELS', message: 'big.png is 100x100 (10000 pixels); the limit is 9999 pixels' });
    await expect(probeImage(bytes, { maxPixels: 10000 })).resolves.toMatchObject({ width: 100 });
    // MASKEDIT_MAX_PIXELS as the CLI reads it once (src/cli/main.ts) into the process's settings.
    configureSettings(settingsFromEnv({ MASKEDIT_MAX_PIXELS: '5000' }));
    try {
      await expect(decodeImage(bytes, { role: 'mask' })).rejects.toMatchObject({ code: 'MASK_TOO_MANY_PIXELS' });
    } finally {
      configureSettings();
    }
    await expect(decodeImage(bytes, { role: 'mask' })).resolves.toMatchObject({ info: { width: 100 } });
  });
});

describe('encodeImage', () => {
  it.each([['png', true], ['jpeg', false], ['webp', false]] as const)('writes %s that reads back at the same size (lossless: %s)', async (format, lossless) => {
    const src = gradient(16, 8);
    const bytes = await encodeImage(src, { format });
    const back = await decodeImage(bytes);
    expect([back.info.format, back.raster.width, back.raster.height]).toEqual([format, 16, 8]);
    expect(Buffer.from(back.raster.data).equals(Buffer.from(src.data))).toBe(lossless);
  });
  it.each([[1, false], [2, true]] as const)('keeps %i-channel rasters gray', async (channels, alpha) => {
    const info = await probeImage(await encodeImage({ width: 2, height: 2, channels, data: new Uint8Array(4 * channels).fill(200) }));
    expect([info.channels, info.hasAlpha]).toEqual([channels, alpha]);
  });
});

describe('readInputFile', () => {
  it.each([
    ['image', 'IMAGE_NOT_FOUND'],
    ['mask', 'MASK_NOT_FOUND'],
  ] as const)('a missing %s is %s', async (role, code) => {
    const path = join(dir, 'missing.png');
    await expect(readInputFile(path, role)).rejects.toMatchObject({ code, message: `${path} does not exist` });
  });
  it('a folder is not a file', async () => {
    await expect(readInputFile(dir)).rejects.toMatchObject({ code: 'IMAGE_NOT_A_FILE', message: `${dir} is a folder; expected an image file` });
  });
});

describe('formatFromPath', () => {
  it.each([['a.PNG', 'png'], ['a.jpg', 'jpeg'], ['a.jpeg', 'jpeg'], ['a.webp', 'webp'], ['a.gif', undefined], ['noext', undefined]])('%s → %s', (p, f) => {
    expect(formatFromPath(p)).toBe(f);
  });
});

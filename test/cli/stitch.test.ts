import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { runCli } from '../_helpers/cli.js';
import { decodeImage } from '../../src/io/image.js';
import { createEditMask, createRaster, editMaskToApiRgba, type EditMask, type Raster } from '../../src/core/raster.js';

/** The CLI in-process, with the names these tests use. */
async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = await runCli(args);
  return { code: r.code, out: r.stdout, err: r.stderr };
}
const raw = (r: Raster) => sharp(r.data, { raw: { width: r.width, height: r.height, channels: r.channels } });
function noise(w: number, h: number, seed: number, alpha?: number): Raster & { channels: 4 } {
  const r = createRaster(w, h, 4);
  let s = seed;
  for (let i = 0; i < r.data.length; i++) r.data[i] = alpha !== undefined && i % 4 === 3 ? alpha : (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) >>> 24;
  return r;
}
/** Every pixel where `keep` is 0 must be byte-identical in a and b (all four channels). */
function assertKeptIdentical(a: Raster, b: Raster, keep: EditMask): number {
  let n = 0;
  for (let i = 0; i < keep.data.length; i++) {
    if (keep.data[i]) continue;
    n++;
    for (let c = 0; c < 4; c++) if (a.data[i * 4 + c] !== b.data[i * 4 + c]) throw new Error(`pixel ${i} channel ${c}: ${a.data[i * 4 + c]} != ${b.data[i * 4 + c]}`);
  }
  return n;
}

// Stored 30x50, EXIF orientation 6 → displayed 50x30. The mask and the result are drawn on the displayed image.
const W = 50, H = 30;
const mask = createEditMask(W, H);
for (let y = 0; y < 12; y++) for (let x = 35; x < W; x++) mask.data[y * W + x] = 255; // touches the top and right borders
let dir = '';
const p = (name: string) => join(dir, name);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'maskedit-stitch-'));
  await writeFile(p('rotated.jpg'), await raw(noise(30, 50, 1, 255)).jpeg({ quality: 90 }).withMetadata({ orientation: 6 }).toBuffer());
  await writeFile(p('alpha.png'), await raw(noise(W, H, 2)).png().toBuffer()); // random alpha too
  await writeFile(p('mask.png'), await raw(editMaskToApiRgba(mask)).png().toBuffer());
  await writeFile(p('result.png'), await raw(noise(W, H, 3, 255)).png().toBuffer());
  await writeFile(p('result-1024.png'), await raw(noise(1024, 1024, 4, 255)).png().toBuffer());
  await writeFile(p('result-100x60.png'), await raw(noise(100, 60, 4, 255)).png().toBuffer());
  await writeFile(p('patch.png'), await raw(noise(10, 8, 5, 255)).png().toBuffer());
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('maskedit stitch', () => {
  it.each(['none', 'match', 'poisson'])('keeps every pixel outside the mask of an EXIF-rotated JPEG, bit for bit (seam %s)', async (seam) => {
    const out = p(`rotated-${seam}.png`);
    const { code, out: stdout } = await cli(['stitch', p('rotated.jpg'), p('result.png'), '--mask', p('mask.png'), '-o', out, '--seam', seam, '--json']);
    expect(code).toBe(0);
    const j = JSON.parse(stdout);
    expect(j).toMatchObject({ ok: true, output: out, width: W, height: H, seam, feather: 4, direction: 'inward', outwardBand: 0, resized: false, crop: null, maskOutsideCrop: 0 });
    expect(j.restoredPixels).toBeGreaterThan(1000);
    const original = (await decodeImage(await readFile(p('rotated.jpg')))).raster;
    const stitched = (await decodeImage(await readFile(out))).raster;
    expect([stitched.width, stitched.height]).toEqual([W, H]);
    expect(assertKeptIdentical(original, stitched, mask)).toBe(W * H - 180);
  });

  it('refuses a result of another aspect without --crop (STITCH_ASPECT_MISMATCH, the fix names --crop); nothing written', async () => {
    const { code, out } = await cli(['stitch', p('alpha.png'), p('result-1024.png'), '--mask', p('mask.png'), '-o', p('stretched.png'), '--json']);
    expect(code).toBe(1);
    const e = JSON.parse(out).error;
    expect([e.code, e.message]).toEqual(['STITCH_ASPECT_MISMATCH', `${p('result-1024.png')} is 1024x1024 but ${p('alpha.png')} is 50x30, a different aspect ratio; stitching it over the whole picture would stretch it`]);
    expect(e.fix).toMatch(/--crop x,y,w,h/);
    expect(existsSync(p('stretched.png'))).toBe(false);
  });

  it('keeps alpha outside the mask and maps a larger result of the same aspect back', async () => {
    const { code, out } = await cli(['stitch', p('alpha.png'), p('result-100x60.png'), '--mask', p('mask.png'), '-o', p('alpha-out.png'), '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(out).resized).toEqual({ from: { width: 100, height: 60 }, to: { width: W, height: H } });
    const original = (await decodeImage(await readFile(p('alpha.png')))).raster;
    assertKeptIdentical(original, (await decodeImage(await readFile(p('alpha-out.png')))).raster, mask);
  });

  it('--crop places the result in its box; mask pixels outside the box stay original and are counted', async () => {
    const { code, out } = await cli(['stitch', p('alpha.png'), p('patch.png'), '--mask', p('mask.png'), '--crop', '30,0,20,16', '-o', p('crop-out.png'), '--seam', 'none', '--feather', '0', '--json']);
    expect(code).toBe(0);
    const j = JSON.parse(out);
    expect(j.crop).toEqual({ x: 30, y: 0, width: 20, height: 16 });
    expect(j.resized).toEqual({ from: { width: 10, height: 8 }, to: { width: 20, height: 16 } });
    expect(j.maskOutsideCrop).toBe(0);
    const original = (await decodeImage(await readFile(p('alpha.png')))).raster;
    const stitched = (await decodeImage(await readFile(p('crop-out.png')))).raster;
    assertKeptIdentical(original, stitched, mask);
    // Inside the mask: the patch doubled in size (nearest pixels of a 2x area/bilinear upscale are close).
    const patch = (await decodeImage(await readFile(p('patch.png')))).raster;
    const at = (r: Raster, x: number, y: number) => r.data[(y * r.width + x) * 4]!;
    expect(Math.abs(at(stitched, 30 + 2 * 5, 2 * 3) - at(patch, 5, 3))).toBeLessThan(64);
    const partial = await cli(['stitch', p('alpha.png'), p('patch.png'), '--mask', p('mask.png'), '--crop', '40,0,10,8', '-o', p('crop2.png'), '--json']);
    expect(JSON.parse(partial.out).maskOutsideCrop).toBe(180 - 80);
  });

  it('--feather-outward reports its band', async () => {
    const { out } = await cli(['stitch', p('alpha.png'), p('result.png'), '--mask', p('mask.png'), '-o', p('outward.png'), '--feather-outward', '2', '--json']);
    const j = JSON.parse(out);
    expect(j.direction).toBe('outward');
    expect(j.feather).toBe(2);
    expect(j.outwardBand).toBeGreaterThan(0);
  });

  it('a human report names what it did and warns about lossy output', async () => {
    const { code, out } = await cli(['stitch', p('alpha.png'), p('result.png'), '--mask', p('mask.png'), '-o', p('out.jpg')]);
    expect(code).toBe(0);
    expect(out).toContain(`wrote ${p('out.jpg')} 50x30 · seam match · feather 4 px inward`);
    expect(out).toContain('JPEG re-encodes every pixel: write .png for a bit-exact original outside the mask');
  });

  it.each([
    [['--feather', '2', '--feather-outward', '2'], '--feather (inward) and --feather-outward are two directions of one ramp; pass one of them'],
    [['--crop', '1,2,3'], '--crop expects x,y,w,h as four whole numbers with a positive size, received "1,2,3"'],
    [['--crop', '40,20,20,20'], '--crop 40,20,20,20 is not inside ORIG (50x30)'],
    [['--seam', 'blur'], '--seam expects one of none, match, poisson, received "blur"'],
    [['--feather=-1'], '--feather expects a whole number from 0 to 1024, received "-1"'],
  ])('usage error for %j', async (extra, message) => {
    const r = await cli(['stitch', p('alpha.png'), p('result.png'), '--mask', p('mask.png'), '-o', p('x.png'), ...extra, '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.out).error).toMatchObject({ code: 'USAGE', message: message.replace('ORIG', p('alpha.png')) });
  });

  it.each([
    [['-o', 'out.gif'], 2, 'USAGE'],
    [[], 2, 'USAGE'],
  ])('output path %j → exit %i %s', async (extra, exit, code) => {
    const r = await cli(['stitch', p('alpha.png'), p('result.png'), '--mask', p('mask.png'), ...extra, '--json']);
    expect(r.code).toBe(exit);
    expect(JSON.parse(r.out).error.code).toBe(code);
  });

  it('never overwrites an input', async () => {
    const before = await readFile(p('result.png'));
    const r = await cli(['stitch', p('alpha.png'), p('result.png'), '--mask', p('mask.png'), '-o', p('result.png'), '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).error.code).toBe('OUTPUT_IS_INPUT');
    expect(await readFile(p('result.png'))).toEqual(before);
  });
});

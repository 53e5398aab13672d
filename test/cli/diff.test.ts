import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { runCli } from '../_helpers/cli.js';
import { png } from '../_helpers/images.js';
import { createEditMask, createRaster, editMaskToApiRgba } from '../../src/core/raster.js';

/** The CLI in-process, with the names these tests use. */
async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = await runCli(args);
  return { code: r.code, out: r.stdout, err: r.stderr };
}

const W = 40, H = 30;
let dir = '';
const p = (name: string) => join(dir, name);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'maskedit-diff-'));
  const original = createRaster(W, H, 4);
  for (let i = 0; i < original.data.length; i++) original.data[i] = i % 4 === 3 ? 255 : (i * 7) % 200;
  const mask = createEditMask(W, H);
  for (let y = 10; y < 20; y++) for (let x = 10; x < 20; x++) mask.data[y * W + x] = 255; // 100 editable
  // The result: everything inside changed, and exactly 12 kept pixels changed by 30.
  const result = { ...original, data: new Uint8Array(original.data) };
  for (let i = 0; i < W * H; i++) if (mask.data[i]) result.data[i * 4] = 255 - result.data[i * 4]!;
  for (let k = 0; k < 12; k++) result.data[(k * W + 2) * 4 + 1]! += 30;
  await writeFile(p('original.png'), await png(original));
  await writeFile(p('result.png'), await png(result));
  await writeFile(p('mask.png'), await png(editMaskToApiRgba(mask)));
  await writeFile(p('small-mask.png'), await png(editMaskToApiRgba(createEditMask(20, 15))));
  await writeFile(p('result-big.png'), await sharp(await png(result)).resize(80, 60, { kernel: 'nearest' }).png().toBuffer());
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('maskedit diff', () => {
  it('prints the issue\'s JSON shape with the known truth', async () => {
    const { code, out } = await cli(['diff', p('original.png'), p('result.png'), '--mask', p('mask.png'), '--json']);
    expect(code).toBe(0);
    const j = JSON.parse(out);
    expect(Object.keys(j)).toEqual(['outside', 'inside', 'verdict', 'threshold', 'resized']);
    expect(j.outside).toMatchObject({ pixels: 1100, changedPixels: 12, changedFraction: 12 / 1100, meanAbsDiff: (12 * 30) / 3300 });
    expect(j.inside).toMatchObject({ pixels: 100, changedPixels: expect.any(Number) });
    expect(j.verdict).toBe('spilled');
    expect(j.threshold).toBe(8);
    expect(j.resized).toBe(false);
    expect(Object.keys(j.outside)).toEqual(['pixels', 'changedPixels', 'changedFraction', 'meanAbsDiff', 'psnr', 'ssim']);
  });

  it('reports an identical result as local with psnr null in JSON', async () => {
    const { out } = await cli(['diff', p('original.png'), p('original.png'), '--mask', p('mask.png'), '--json']);
    const j = JSON.parse(out);
    expect(j.verdict).toBe('local');
    expect(j.outside.psnr).toBeNull();
    expect(j.outside.ssim).toBe(1);
  });

  it('an identical result reads "identical" in both the PSNR and the SSIM column', async () => {
    const { out } = await cli(['diff', p('original.png'), p('original.png'), '--mask', p('mask.png')]);
    const rows = out.split('\n').filter((l) => /^\s*(outside|inside) /.test(l));
    expect(rows.map((l) => l.trim().split(/\s{2,}/).slice(-2))).toEqual([['identical', 'identical'], ['identical', 'identical']]);
  });

  it('maps a result of another size back and says so', async () => {
    const { out } = await cli(['diff', p('original.png'), p('result-big.png'), '--mask', p('mask.png'), '--json']);
    const j = JSON.parse(out);
    expect(j.resized).toEqual({ from: { width: 80, height: 60 }, to: { width: 40, height: 30 } });
    expect(j.outside.changedPixels).toBe(12);
  });

  it('honours --threshold', async () => {
    const { out } = await cli(['diff', p('original.png'), p('result.png'), '--mask', p('mask.png'), '--threshold', '30', '--json']);
    expect(JSON.parse(out).outside.changedPixels).toBe(0);
  });

  it('writes a heatmap (the original\'s size plus the legend panel) and a human report with the restoring command', async () => {
    const { code, out } = await cli(['diff', p('original.png'), p('result.png'), '--mask', p('mask.png'), '--heatmap', p('heat.png')]);
    expect(code).toBe(0);
    expect(out).toContain('verdict: spilled — 1.1 % of the pixels outside the mask changed by more than 8');
    expect(out).toContain(`fix: restore them: maskedit stitch ${p('original.png')} ${p('result.png')} --mask ${p('mask.png')} -o stitched.png`);
    const meta = await sharp(p('heat.png')).metadata();
    // A 40x30 map: the legend widens it to fit its title (261 px) and adds a 62 px panel (legendLayout).
    expect([meta.width, meta.height, meta.format, W, H]).toEqual([261, 92, 'png', 40, 30]);
  });

  it.each([
    [['diff', 'a.png', 'b.png'], 2, 'USAGE', 'missing --mask MASK (the mask the edit was made with)'],
    [['diff', 'a.png', '--mask', 'm.png'], 2, 'USAGE', 'missing RESULT'],
    [['diff', 'a.png', 'b.png', '--mask', 'm.png', '--threshold', 'x'], 2, 'USAGE', '--threshold expects a whole number from 0 to 254, received "x"'],
  ])('usage errors: %j → exit %i %s', async (args, exit, code, message) => {
    const r = await cli([...args, '--json']);
    expect(r.code).toBe(exit);
    expect(JSON.parse(r.out).error).toMatchObject({ code, message });
  });

  it('refuses a mask of another size with the command that fixes it', async () => {
    const r = await cli(['diff', p('original.png'), p('result.png'), '--mask', p('small-mask.png'), '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).error).toEqual({
      code: 'MASK_SIZE_MISMATCH',
      message: `mask ${p('small-mask.png')} is 20x15 but ${p('original.png')} is 40x30 (displayed orientation)`,
      fix: `resize the mask to the original: maskedit mask ${p('small-mask.png')} --match ${p('original.png')} -o mask.png`,
    });
  });

  it('never writes the heatmap over an input', async () => {
    const r = await cli(['diff', p('original.png'), p('result.png'), '--mask', p('mask.png'), '--heatmap', p('result.png'), '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).error.code).toBe('OUTPUT_IS_INPUT');
  });

  it('a missing input is IMAGE_NOT_FOUND', async () => {
    const r = await cli(['diff', p('nope.png'), p('result.png'), '--mask', p('mask.png'), '--json']);
    expect(JSON.parse(r.out).error.code).toBe('IMAGE_NOT_FOUND');
  });
});

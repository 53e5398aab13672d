import { closestModels } from '../../src/core/lifecycle.js';
import { getModel, sizeProblem } from '../../src/core/models.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { runCli } from '../_helpers/cli.js';
import { png } from '../_helpers/images.js';
import { createEditMask, createRaster, editMaskToApiRgba } from '../../src/core/raster.js';

/** The CLI in-process, with the names these tests use. */
// Judged on 2026-01-01, when the registry's default was gpt-image-1.5 (fixed sizes): these tests are about that
// geometry. Today's default (the 2.x grid) is covered below and by test/core/size-rule.test.ts.
async function cli(args: string[], today = '2026-01-01'): Promise<{ code: number; out: string; err: string }> {
  const r = await runCli(args, { env: { MASKEDIT_TODAY: today } });
  return { code: r.code, out: r.stdout, err: r.stderr };
}

const W = 2000, H = 1500;
let dir = '';
const p = (name: string) => join(dir, name);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'maskedit-plan-'));
  const image = createRaster(W, H, 4);
  image.data.fill(128);
  const mask = createEditMask(W, H);
  const box = (x0: number, y0: number, w: number, h: number) => { for (let y = y0; y < y0 + h; y++) mask.data.fill(255, y * W + x0, y * W + x0 + w); };
  box(100, 100, 150, 150);
  box(1700, 1200, 200, 200);
  await writeFile(p('image.png'), await png(image));
  await writeFile(p('mask.png'), await png(editMaskToApiRgba(mask)));
  await writeFile(p('small-mask.png'), await png(editMaskToApiRgba(createEditMask(100, 100))));
  const whole = await sharp(image.data, { raw: { width: W, height: H, channels: 4 } }).jpeg().toBuffer();
  await writeFile(p('truncated.jpg'), whole.subarray(0, Math.floor(whole.length / 2)));
  const noisy = await png(image, { compressionLevel: 0 });
  await writeFile(p('truncated.png'), noisy.subarray(0, Math.floor(noisy.length / 2)));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('maskedit plan', () => {
  it.each(['truncated.jpg', 'truncated.png'])('refuses %s as edit would: IMAGE_UNREADABLE, exit 1, no plan', async (name) => {
    const { code, out } = await cli(['plan', p(name), '--mask', p('mask.png'), '--json']);
    expect(code).toBe(1);
    const { ok, error } = JSON.parse(out) as { ok: boolean; error: { code: string; message: string; fix: string } };
    expect(ok).toBe(false);
    expect(error.code).toBe('IMAGE_UNREADABLE');
    expect(error.message.startsWith(`${p(name)} (${name.endsWith('jpg') ? 'JPEG' : 'PNG'} 2000x1500) cannot be decoded: `)).toBe(true);
    expect(error.fix).toBe(`re-export ${p(name)}; the file is damaged or truncated`);
  });

  it('prints the issue\'s JSON shape: two far-apart regions get two crops by default', async () => {
    const { code, out } = await cli(['plan', p('image.png'), '--mask', p('mask.png'), '--json']);
    expect(code).toBe(0);
    const j = JSON.parse(out);
    expect(Object.keys(j)).toEqual(['mode', 'crops', 'detail']);
    expect(j.mode).toBe('crop');
    expect(j.crops).toHaveLength(2);
    for (const c of j.crops) expect(Object.keys(c)).toEqual(['x', 'y', 'width', 'height', 'sendWidth', 'sendHeight']);
    // 150 px region + 64 px context on each side (25 % would be less than the 64 px floor).
    expect(j.crops[0]).toEqual({ x: 36, y: 36, width: 278, height: 278, sendWidth: 1024, sendHeight: 1024 });
    expect(j.detail.whole).toBeCloseTo((1536 * 1024) / (W * H), 12);
    expect(j.detail.crop).toBeGreaterThan(j.detail.whole);
  });

  it.each([
    [['--regions', 'merge'], 'whole', 1], // the merged crop spans the image: no gain over whole
    [['--mode', 'whole'], 'whole', 1],
    [['--model', 'gpt-image-2', '--regions', 'separate'], 'crop', 2],
  ])('%j → %s with %i crop(s)', async (extra, mode, n) => {
    const { out } = await cli(['plan', p('image.png'), '--mask', p('mask.png'), ...extra, '--json']);
    const j = JSON.parse(out);
    expect(j.mode).toBe(mode);
    expect(j.crops).toHaveLength(n);
  });

  it('writes a preview and prints a readable plan', async () => {
    const { code, out } = await cli(['plan', p('image.png'), '--mask', p('mask.png'), '--preview', p('preview.png')]);
    expect(code).toBe(0);
    expect(out).toContain('gpt-image-1.5: 2 crops');
    expect(out).toContain('1. 278x278 at 36,36 → sent as 1024x1024 (edited region 150x150 at 100,100)');
    expect(out).toContain(`preview: ${p('preview.png')}`);
    const meta = await sharp(p('preview.png')).metadata();
    expect([meta.width, meta.height]).toEqual([W, H]);
  });

  it('refuses an unknown model with the list of known ones', async () => {
    const r = await cli(['plan', p('image.png'), '--mask', p('mask.png'), '--model', 'dall-e-9', '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.out).error).toEqual({ code: 'MODEL_UNKNOWN', message: `unknown model "dall-e-9"; closest known: ${closestModels('dall-e-9').join(', ')}`, fix: 'pass --model gpt-image-1.5 (`maskedit models` lists them)' });
    expect(closestModels('dall-e-9')[0]).toBe('dall-e-2');
  });

  it('on 2026-11-30 plans for gpt-image-2.6-sunburst on its 16-px grid', async () => {
    const { code, out, err } = await cli(['plan', p('image.png'), '--mask', p('mask.png')], '2026-11-30');
    expect(code).toBe(0);
    expect(err).toBe('');
    expect(out).toMatch(/^gpt-image-2\.6-sunburst: 2 crops/);
    const sizes = [...out.matchAll(/sent as (\d+)x(\d+)/g)].map((m) => `${m[1]}x${m[2]}`);
    expect(sizes).toHaveLength(2);
    for (const s of sizes) expect(sizeProblem(getModel('gpt-image-2.6-sunburst'), s)).toBeNull();
  });

  it('warns on stderr when the model is deprecated on the date', async () => {
    const { code, err } = await cli(['plan', p('image.png'), '--mask', p('mask.png'), '--model', 'gpt-image-1.5'], '2026-11-20');
    expect(code).toBe(0);
    expect(err).toContain('warning MODEL_DEPRECATED: gpt-image-1.5 is deprecated: OpenAI shuts it down on 2026-12-01 (in 11 days, judged on 2026-11-20)');
  });

  it.each([
    [['--regions', 'all'], 2, 'USAGE'],
    [['--mode', 'tile'], 2, 'USAGE'],
    [['--preview', 'x.bmp'], 2, 'USAGE'],
  ])('%j → exit %i %s', async (extra, exit, code) => {
    const r = await cli(['plan', p('image.png'), '--mask', p('mask.png'), ...extra, '--json']);
    expect(r.code).toBe(exit);
    expect(JSON.parse(r.out).error.code).toBe(code);
  });

  it('refuses a mask of another size', async () => {
    const r = await cli(['plan', p('image.png'), '--mask', p('small-mask.png'), '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).error.code).toBe('MASK_SIZE_MISMATCH');
  });

  it('refuses an empty mask', async () => {
    const empty = createEditMask(W, H);
    await writeFile(p('empty.png'), await png(editMaskToApiRgba(empty)));
    const r = await cli(['plan', p('image.png'), '--mask', p('empty.png'), '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).error.code).toBe('MASK_EMPTY');
  });
});

/**
 * One fix, one threshold: several repairable problems get one command (check's `fix`), and a blurred mask is read
 * alike by check (after repair), `maskedit mask`, `edit --fix`, repairMask and the studio's repair — exactly.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countNonZero } from '../../src/core/raster.js';
import { decodeImage } from '../../src/io/image.js';
import { checkPair, repairMask } from '../../src/pipeline/check.js';
import { studioPlugin, type StudioCheck } from '../../src/studio/plugin.js';
import { runCli } from '../_helpers/cli.js';
import { gradient, maskRaster, png } from '../_helpers/images.js';
import { postMultipart, testServer } from '../server/_fixtures.js';

const W = 128, H = 96;
const PROMPT = 'A smooth gradient card with nothing on it. Keep everything else unchanged.';
let dir: string;
const p = (n: string) => join(dir, n);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'maskedit-one-fix-'));
  await writeFile(p('photo.png'), await png(gradient(W, H)));
  // A box mask (alpha 0 inside) with its alpha blurred (sigma 3): a soft-edged mask.
  const hard = maskRaster({ width: W, height: H, boxes: [{ x: 30, y: 20, width: 40, height: 30 }] });
  const alpha = await sharp(Buffer.from(hard.data), { raw: { width: W, height: H, channels: 4 } }).extractChannel(3).blur(3).raw().toBuffer();
  const rgba = Buffer.alloc(W * H * 4);
  for (let i = 0; i < W * H; i++) rgba[i * 4 + 3] = alpha[i]!;
  await writeFile(p('blurred.png'), await sharp(rgba, { raw: { width: W, height: H, channels: 4 } }).png().toBuffer());
  // Gray (no alpha), white strokes, at half size: MASK_NO_ALPHA + MASK_SIZE_MISMATCH.
  await writeFile(p('half-gray.png'), await png(maskRaster({ width: W / 2, height: H / 2, boxes: [{ x: 10, y: 10, width: 20, height: 12 }], style: 'white' }), { alpha: false }));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('one combined fix', () => {
  it('a half-size gray mask: two repairable errors, one command that repairs both, then check passes', async () => {
    const r = await runCli(['check', p('photo.png'), p('half-gray.png'), '--json']);
    const report = JSON.parse(r.stdout);
    expect(report.problems.map((x: { code: string }) => x.code)).toEqual(['MASK_SIZE_MISMATCH', 'MASK_NO_ALPHA']);
    expect(report.fix).toBe(`maskedit mask ${p('half-gray.png')} --match ${p('photo.png')} -o ${p('half-gray.fixed.png')}`);
    const text = await runCli(['check', p('photo.png'), p('half-gray.png')]);
    expect(text.stdout.split('\n').filter((l) => l.startsWith('fix all at once:'))).toEqual([`fix all at once: ${report.fix}`]);
    // Run the printed command literally.
    const argv = (report.fix as string).split(' ').slice(1);
    expect((await runCli(argv)).code).toBe(0);
    const after = JSON.parse((await runCli(['check', p('photo.png'), p('half-gray.fixed.png'), '--json'])).stdout);
    expect([after.ok, after.problems, after.fix, after.mask.editableFraction]).toEqual([true, [], null, (40 * 24) / (W * H)]);
  });
  it('one repairable problem: fix is its own command and no "fix all" line', async () => {
    const r = await runCli(['check', p('photo.png'), p('blurred.png')]);
    expect(r.stdout).not.toMatch(/fix all at once/);
    const report = JSON.parse((await runCli(['check', p('photo.png'), p('blurred.png'), '--json'])).stdout);
    expect([report.problems.map((x: { code: string }) => x.code), report.fix]).toEqual([['MASK_PARTIAL_ALPHA'], `maskedit mask ${p('blurred.png')} -o ${p('blurred.fixed.png')}`]);
  });
});

describe('one threshold for soft masks', () => {
  it('check (once repaired), mask, repairMask, edit --fix and the studio repair agree exactly on a blurred mask', async () => {
    const pixels = W * H;
    const report = JSON.parse((await runCli(['check', p('photo.png'), p('blurred.png'), '--json'])).stdout);
    const viaCheck = report.mask.repairedFraction * pixels;
    const mask = JSON.parse((await runCli(['mask', p('blurred.png'), '-o', p('blurred.fixed.png'), '--json'])).stdout);
    const viaMask = mask.editableFraction * pixels;
    const [img, msk] = await Promise.all([readFile(p('photo.png')), readFile(p('blurred.png'))]);
    const viaRepair = countNonZero(repairMask(await decodeImage(img), await decodeImage(msk, { role: 'mask' })).editMask);
    const edit = JSON.parse((await runCli(['edit', p('photo.png'), '--mask', p('blurred.png'), '--prompt', PROMPT, '--fix', '--engine', 'telea', '-o', p('out.png'), '--json'])).stdout);
    const viaEdit = edit.spillover.inside.pixels;
    const server = await testServer({ plugins: [studioPlugin({ distDir: dir, env: {} })] });
    let viaStudio = -1;
    try {
      const body = (await postMultipart(server.app, '/api/check', [['image', { bytes: img }], ['mask', { bytes: msk }]])).json<StudioCheck>();
      const { data } = await sharp(Buffer.from(body.repair!.mask.split(',')[1]!, 'base64')).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
      viaStudio = data.filter((v) => v === 255).length;
    } finally {
      await server.close();
    }
    // The blurred 40x30 box read at the midpoint: 1176 px (its corners round off by 6 px each); alpha 0 alone
    // (OpenAI's raw reading) is 600.
    expect([viaCheck, viaMask, viaRepair, viaEdit, viaStudio]).toEqual([1176, 1176, 1176, 1176, 1176]);
    expect(Math.round(report.mask.editableFraction * pixels)).toBe(600);
    const fixed = await checkPair({ image: img, mask: await readFile(p('blurred.fixed.png')) });
    expect([fixed.ok, fixed.problems]).toEqual([true, []]);
  }, 60_000);
});

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countNonZero, createEditMask, createRaster } from '../../src/core/raster.js';
import { dilate } from '../../src/core/morphology.js';
import { iou } from '../../src/core/select.js';
import { rng } from '../../src/engines/_patchmatch_kernel.js';
import { decodeImage } from '../../src/io/image.js';
import { checkPair } from '../../src/pipeline/check.js';
import { runCli } from '../_helpers/cli.js';
import { png } from '../_helpers/images.js';
import { leafy } from '../_helpers/scene.js';

// 320x240: noisy olive background, a red disc (radius 60 at 110,120) and a blue square (230..290, 40..100).
const W = 320, H = 240;
const disc = createEditMask(W, H), square = createEditMask(W, H);
const photo = createRaster(W, H, 4);
{
  const r = rng(3);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const i = y * W + x, n = r() * 40;
    let c = [90 + n, 110 + n, 60 + n / 2];
    if ((x - 110) ** 2 + (y - 120) ** 2 < 60 ** 2) { c = [210 + r() * 30, 40 + r() * 30, 50]; disc.data[i] = 255; }
    if (x >= 230 && x < 290 && y >= 40 && y < 100) { c = [40, 60 + r() * 20, 210 + r() * 30]; square.data[i] = 255; }
    photo.data.set([c[0]!, c[1]!, c[2]!, 255], i * 4);
  }
}
let dir: string;
const p = (name: string) => join(dir, name);
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'maskedit-cli-select-'));
  await writeFile(p('photo.png'), await png(photo));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function written(name: string) {
  const bytes = await readFile(p(name));
  const { raster } = await decodeImage(bytes, { role: 'mask' });
  const m = createEditMask(W, H);
  let other = 0;
  for (let i = 0; i < W * H; i++) { const a = raster.data[i * 4 + 3]!; if (a === 0) m.data[i] = 255; else if (a !== 255) other++; }
  const report = await checkPair({ image: await readFile(p('photo.png')), mask: bytes });
  return { m, other, ok: report.ok, problems: report.problems.map((x) => x.code) };
}

describe('maskedit mask --select', () => {
  it('box: alpha 0 on the object, only 0/255, passes check', async () => {
    const r = await runCli(['mask', p('photo.png'), '--select', 'box:40,50,140,140', '-o', p('box.png'), '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect([out.ok, out.source, out.width, out.height]).toEqual([true, 'select', W, H]);
    expect(out.notes[0]).toMatch(/^--select box:40,50,140,140: \d+\.\d % of the image in \d+ ms$/);
    const w = await written('box.png');
    expect(iou(w.m, disc)).toBeGreaterThan(0.98);
    expect([w.other, w.ok, w.problems]).toEqual([0, true, []]);
  }, 60_000);
  it('several --select add up (a click and a box), --grow widens', async () => {
    const r = await runCli(['mask', p('photo.png'), '--select', 'point:110,120', '--select', 'box:220,30,80,80', '-o', p('two.png')]);
    expect(r.code).toBe(0);
    const both = createEditMask(W, H);
    for (let i = 0; i < W * H; i++) both.data[i] = disc.data[i] || square.data[i] ? 255 : 0;
    const w = await written('two.png');
    expect(iou(w.m, both)).toBeGreaterThan(0.98);
    const g = await runCli(['mask', p('photo.png'), '--select', 'box:220,30,80,80', '--grow', '3', '-o', p('grown.png'), '--json']);
    await runCli(['mask', p('photo.png'), '--select', 'box:220,30,80,80', '-o', p('plain.png')]);
    const [grown, plain] = [await written('grown.png'), await written('plain.png')];
    // --grow 3 is exactly the selection dilated by 3 px.
    expect(Buffer.from(grown.m.data).equals(Buffer.from(dilate(plain.m, 3).data))).toBe(true);
    expect(JSON.parse(g.stdout).editableFraction).toBe(countNonZero(grown.m) / (W * H));
    expect(iou(plain.m, square)).toBeGreaterThan(0.97);
  }, 60_000);
  it('a click on a repeated texture keeps to the part under it and says so', async () => {
    const { image, leaves } = leafy(640, 480, 1800);
    await writeFile(p('leaves.png'), await png(image));
    const r = await runCli(['mask', p('leaves.png'), '--select', 'point:320,240', '-o', p('leaf.png'), '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).notes[0]).toMatch(/^--select point:320,240: 0\.1 % of the image in \d+ ms \(a repeated texture around the click: kept to the part under it\)$/);
    const { raster } = await decodeImage(await readFile(p('leaf.png')), { role: 'mask' });
    let n = 0;
    for (let i = 0; i < 640 * 480; i++) if (raster.data[i * 4 + 3] === 0) n++;
    expect(n).toBe(406); // the leaves under the click (as in test/engines/select.test.ts), not the 227,449 px of texture
    expect(countNonZero(leaves)).toBe(227449);
  }, 60_000);
  it.each([
    ['a box outside', ['--select', 'box:400,10,20,20'], 1, 'SELECT_OUTSIDE'],
    ['a point outside', ['--select', 'point:10,240'], 1, 'SELECT_OUTSIDE'],
    ['a malformed value', ['--select', 'circle:1,2'], 1, 'SELECT_INVALID'],
    ['with --diff', ['--select', 'point:1,2', '--diff', 'photo.png'], 2, 'USAGE'],
    ['with --edit', ['--select', 'point:1,2', '--edit', 'white'], 2, 'USAGE'],
  ])('%s → %s', async (_name, args, code, errCode) => {
    const out = p(`bad-${_name.replace(/\W/g, '')}.png`);
    const r = await runCli(['mask', p('photo.png'), ...args.map((a) => (a === 'photo.png' ? p(a) : a)), '-o', out, '--json']);
    expect(r.code).toBe(code);
    expect(JSON.parse(r.stdout).error.code).toBe(errCode);
    expect(existsSync(out)).toBe(false);
  });
});

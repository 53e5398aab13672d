/**
 * `expand`: the region that is REPLACED grows (Crop-and-Stitch's "mask expand pixels"), unlike `grow`, which
 * only widens the mask sent to the model. A tight mask around an object leaves its edge ring; with expand the
 * ring is replaced, and everything outside the EXPANDED mask stays bit-identical.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { edit } from '../../src/pipeline/edit.js';
import { expandEditMask } from '../../src/core/expand.js';
import { localProvider } from '../../src/providers/local.js';
import { cloneRaster, countNonZero, createEditMask, type Raster } from '../../src/core/raster.js';
import type { Engine } from '../../src/engines/engine.js';
import { fillBox, maskRaster, png, solid } from '../_helpers/images.js';
import { runCli } from '../_helpers/cli.js';

const MAGENTA = [255, 0, 255, 255];
const flatEngine: Engine = {
  name: 'flat',
  async fill(image, mask) {
    const out = cloneRaster(image);
    for (let i = 0; i < mask.data.length; i++) if (mask.data[i]) out.data.set(MAGENTA, i * 4);
    return out;
  },
};
const PROMPT = 'A grey wall. Remove the dark square.';
const W = 128, H = 96;
const CORE = { x: 40, y: 30, width: 20, height: 20 };
/** A grey wall with a dark 20x20 object whose 2 px edge ring (anti-aliasing, a shadow line) is mid-grey. */
function scene() {
  const img = solid(W, H, [200, 200, 200, 255]);
  fillBox(img, { x: 38, y: 28, width: 24, height: 24 }, [100, 100, 100, 255]);
  return fillBox(img, CORE, [20, 20, 20, 255]);
}
const px = (r: Raster, x: number, y: number) => [...r.data.subarray((y * r.width + x) * 4, (y * r.width + x) * 4 + 4)];
const run = (extra: { expand?: number }) => (async () => edit({
  image: await png(scene()), mask: await png(maskRaster({ width: W, height: H, boxes: [CORE] })), prompt: PROMPT,
  provider: localProvider({ engine: flatEngine }), feather: 0, seam: 'none', ...extra,
}))();

describe('expandEditMask', () => {
  it.each([
    // A 20x20 square grown by r (Euclidean): 4·20·r on the sides plus the lattice points of four quarter discs.
    [0, 400, 0],
    [1, 480, 80],
    [3, 656, 256],
  ])('expand %i px: %i editable, %i added', (r, after, added) => {
    const m = createEditMask(W, H);
    for (let y = CORE.y; y < CORE.y + CORE.height; y++) m.data.fill(255, y * W + CORE.x, y * W + CORE.x + CORE.width);
    const e = expandEditMask(m, r);
    expect([e.before, e.after, e.added, countNonZero(e.mask)]).toEqual([400, after, added, after]);
  });

  it('clips at the image border', () => {
    const m = createEditMask(10, 10);
    m.data[0] = 255;
    // The quarter disc of radius 2 inside the image: (0,0) (1,0) (2,0) (0,1) (1,1) (0,2).
    expect(expandEditMask(m, 2).after).toBe(6);
  });
});

describe('edit({ expand })', () => {
  it('without expand the object\'s edge ring stays; with expand 3 it is replaced, and nothing outside the expanded mask changes', async () => {
    const tight = await run({});
    const wide = await run({ expand: 3 });
    const input = scene();
    // The ring pixel left of the object (x 39) and the one 2 px out (x 38).
    expect([px(tight.outputs[0]!, 39, 40), px(tight.outputs[0]!, 38, 40)]).toEqual([[100, 100, 100, 255], [100, 100, 100, 255]]);
    expect([px(wide.outputs[0]!, 39, 40), px(wide.outputs[0]!, 38, 40), px(wide.outputs[0]!, 37, 40)]).toEqual([MAGENTA, MAGENTA, MAGENTA]);
    // 4 px out is outside the expanded mask: the input's grey, bit for bit.
    expect(px(wide.outputs[0]!, 36, 40)).toEqual([200, 200, 200, 255]);
    expect(tight.report.expand).toBeNull();
    expect(wide.report.expand).toEqual({ pixels: 3, editableBefore: 400, editableAfter: 656, addedPixels: 256 });
    expect(countNonZero(wide.editMask)).toBe(656);
    // Every pixel outside the expanded mask is the input's; every pixel inside is the fill.
    let outsideDiff = 0, inside = 0;
    for (let i = 0; i < W * H; i++) {
      const same = input.data.subarray(i * 4, i * 4 + 4).every((v, c) => v === wide.outputs[0]!.data[i * 4 + c]);
      if (wide.editMask.data[i]) inside += wide.outputs[0]!.data[i * 4 + 1] === 0 ? 1 : 0;
      else outsideDiff += same ? 0 : 1;
    }
    expect([outsideDiff, inside, wide.report.finalOutsideChangedPixels]).toEqual([0, 656, 0]);
  });

  it.each([
    [2.5, 'EXPAND_INVALID'],
    [-1, 'EXPAND_INVALID'],
    [257, 'EXPAND_INVALID'],
  ])('expand %s is refused with %s', async (expand, code) => {
    await expect(run({ expand })).rejects.toMatchObject({ code });
  });

  it('warns MASK_EXPAND_LARGE when the expansion makes most of the image editable', async () => {
    const r = await run({ expand: 60 });
    const p = r.report.problems.find((x) => x.code === 'MASK_EXPAND_LARGE');
    expect(p?.severity).toBe('warning');
    expect(p?.message).toBe(`--expand 60 grows the editable region from 3.3 % to ${((countNonZero(r.editMask) / (W * H)) * 100).toFixed(1)} % of the image`);
    expect(countNonZero(r.editMask) / (W * H)).toBeGreaterThan(0.5);
  });
});

describe('maskedit edit --expand', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'maskedit-expand-'));
    await writeFile(join(dir, 'in.png'), await png(scene()));
    await writeFile(join(dir, 'mask.png'), await png(maskRaster({ width: W, height: H, boxes: [CORE] })));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reports the expansion in --json and in the summary', async () => {
    const args = ['edit', join(dir, 'in.png'), '--mask', join(dir, 'mask.png'), '--prompt', PROMPT, '--engine', 'telea', '--expand', '3'];
    const j = await runCli([...args, '-o', join(dir, 'a.png'), '--json']);
    expect(j.code).toBe(0);
    expect(JSON.parse(j.stdout).expand).toEqual({ pixels: 3, editableBefore: 400, editableAfter: 656, addedPixels: 256 });
    const s = await runCli([...args, '-o', join(dir, 'b.png')]);
    expect(s.stderr).toContain('expand       3 px: 256 pixels added to the replaced region (400 → 656 editable)');
    expect((await readFile(join(dir, 'b.png'))).length).toBeGreaterThan(0);
  });

  it.each([['2.5'], ['-1'], ['300']])('--expand %s is a usage error (exit 2)', async (v) => {
    const r = await runCli(['edit', join(dir, 'in.png'), '--mask', join(dir, 'mask.png'), '--prompt', PROMPT, `--expand=${v}`, '-o', join(dir, 'c.png')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--expand expects a whole number from 0 to 256, received "${v}"`);
  });
});

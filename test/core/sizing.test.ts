import { describe, expect, it } from 'vitest';
import { boxContains, boxInside } from '../../src/core/crop.js';
import { getModel, modelIds, sizeProblem } from '../../src/core/models.js';
import { boundingBox, countNonZero, createEditMask, type Box, type EditMask } from '../../src/core/raster.js';
import { clusterRegions, flexibleSendSize, planCrops, DEFAULT_MIN_CONTEXT } from '../../src/core/sizing.js';
import { rng } from '../_helpers/random.js';

/** Random cases per property test; `npm run mutate` (MASKEDIT_MUTATE=1) runs fewer, once per mutant. */
const CASES = process.env.MASKEDIT_MUTATE ? 40 : 300;

function maskWith(width: number, height: number, boxes: Box[]): EditMask {
  const m = createEditMask(width, height);
  for (const b of boxes) for (let y = b.y; y < b.y + b.height; y++) m.data.fill(255, y * width + b.x, y * width + b.x + b.width);
  return m;
}

describe('planCrops', () => {
  it('property: crops lie in the image, contain their region, and are sent at sizes the model accepts (random cases)', () => {
    const rand = rng(11);
    const models = modelIds();
    const regionsModes = ['merge', 'separate', 'auto'] as const;
    for (let k = 0; k < CASES; k++) {
      const w = 16 + Math.floor(rand() * 1200), h = 16 + Math.floor(rand() * 1200);
      const boxes: Box[] = [];
      for (let b = 0, n = 1 + Math.floor(rand() * 3); b < n; b++) {
        const bw = 1 + Math.floor(rand() * w * (rand() < 0.5 ? 0.1 : 0.9)), bh = 1 + Math.floor(rand() * h * (rand() < 0.5 ? 0.1 : 0.9));
        boxes.push({ x: Math.floor(rand() * (w - bw + 1)), y: Math.floor(rand() * (h - bh + 1)), width: bw, height: bh });
      }
      const mask = maskWith(w, h, boxes);
      const modelId = models[k % models.length]!;
      const regions = regionsModes[k % 3]!;
      const mode = rand() < 0.15 ? 'whole' as const : 'crop' as const;
      const plan = planCrops({ width: w, height: h }, mask, modelId, { regions, mode });
      const where = `case ${k}: ${w}x${h} ${modelId} ${regions} ${mode}`;
      expect(plan.crops.length, where).toBeGreaterThan(0);
      // Asked for whole, the plan is whole (a crop request may come back either way).
      expect(mode === 'whole' ? plan.mode : 'whole', where).toBe('whole');
      for (const c of plan.crops) {
        expect(boxInside(c, { width: w, height: h }), where).toBe(true);
        expect(sizeProblem(getModel(modelId), `${c.sendWidth}x${c.sendHeight}`), where).toBeNull();
        expect(boxContains(c, c.region), where).toBe(true);
      }
      // Every editable pixel is inside some crop's region (and so inside a crop).
      const covered = plan.crops.map((c) => c.region);
      for (const b of boxes) {
        for (const [x, y] of [[b.x, b.y], [b.x + b.width - 1, b.y + b.height - 1]] as const) {
          expect(covered.some((r) => boxContains(r, { x, y, width: 1, height: 1 })), where).toBe(true);
        }
      }
      expect(plan.detail.whole, where).toBeCloseTo((plan.mode === 'whole' ? plan.crops[0]!.sendWidth * plan.crops[0]!.sendHeight : plan.detail.whole * w * h) / (w * h), 9);
      if (plan.mode === 'crop') expect(plan.detail.crop, where).toBeGreaterThan(plan.detail.whole);
    }
  });

  it('a 5 % mask on a 4000x3000 photo gets at least 2.5x the detail of sending it whole', () => {
    const mask = maskWith(4000, 3000, [{ x: 2600, y: 900, width: 775, height: 775 }]);
    expect(countNonZero(mask) / 12e6).toBeCloseTo(0.05, 2);
    const plan = planCrops({ width: 4000, height: 3000 }, mask, 'gpt-image-1.5');
    expect(plan.mode).toBe('crop');
    // 775 + 2·194 context = 1163 px square, sent at 1024x1024.
    expect(plan.crops).toEqual([{ x: 2406, y: 706, width: 1163, height: 1163, sendWidth: 1024, sendHeight: 1024, region: { x: 2600, y: 900, width: 775, height: 775 } }]);
    expect(plan.detail.whole).toBeCloseTo((1536 * 1024) / 12e6, 12);
    expect(plan.detail.crop / plan.detail.whole).toBeGreaterThan(2.5);
  });

  it('grows the context box to the aspect of the nearest model size and shifts it inside the image', () => {
    // A wide region near the right edge: 1536x1024 (3:2) is the nearest aspect.
    const mask = maskWith(2000, 1000, [{ x: 1700, y: 400, width: 290, height: 120 }]);
    const [c] = planCrops({ width: 2000, height: 1000 }, mask, 'gpt-image-1').crops;
    expect([c!.sendWidth, c!.sendHeight]).toEqual([1536, 1024]);
    expect(c!.x + c!.width).toBe(2000);
    expect(c!.width / c!.height).toBeCloseTo(1.5, 2);
    // Context: 73 px (25 % of 290) left, clipped at the right edge → 373 wide; 64 px above and below → 248 high,
    // grown to 3:2 → 373 x 249.
    expect([c!.width, c!.height]).toEqual([373, Math.ceil(373 / 1.5)]);
    expect(120 + 2 * DEFAULT_MIN_CONTEXT).toBe(248);
  });

  it('clamps to the image and takes the least stretched size when the image is too small for the aspect', () => {
    const mask = maskWith(300, 2000, [{ x: 100, y: 100, width: 50, height: 1800 }]);
    const [c] = planCrops({ width: 300, height: 2000 }, mask, 'gpt-image-1.5').crops;
    expect(c).toMatchObject({ x: 0, width: 300, sendWidth: 1024, sendHeight: 1536 });
  });

  it('whole mode sends the whole image at the nearest aspect', () => {
    const plan = planCrops({ width: 1600, height: 900 }, maskWith(1600, 900, [{ x: 10, y: 10, width: 5, height: 5 }]), 'gpt-image-1.5', { mode: 'whole' });
    expect(plan.mode).toBe('whole');
    expect(plan.crops).toEqual([{ x: 0, y: 0, width: 1600, height: 900, sendWidth: 1536, sendHeight: 1024, region: { x: 0, y: 0, width: 1600, height: 900 } }]);
    expect(plan.detail.crop).toBeGreaterThan(plan.detail.whole);
  });

  it('falls back to whole when a crop would not add detail', () => {
    const plan = planCrops({ width: 1024, height: 1024 }, maskWith(1024, 1024, [{ x: 0, y: 0, width: 1000, height: 1000 }]), 'gpt-image-1.5');
    expect(plan.mode).toBe('whole');
    expect(plan.detail.crop).toBe(plan.detail.whole);
  });

  describe('regions', () => {
    const far = maskWith(4000, 3000, [{ x: 100, y: 100, width: 200, height: 200 }, { x: 3600, y: 2600, width: 150, height: 150 }]);
    it.each([
      ['merge', 1],
      ['separate', 2],
      ['auto', 2],
    ] as const)('%s plans %i crop(s) for two far-apart regions', (regions, n) => {
      const plan = planCrops({ width: 4000, height: 3000 }, far, 'gpt-image-1.5', { regions });
      expect(plan.crops).toHaveLength(n);
    });
    it('auto merges regions whose crops would overlap anyway', () => {
      const near = maskWith(2000, 2000, [{ x: 500, y: 500, width: 100, height: 100 }, { x: 650, y: 520, width: 80, height: 80 }]);
      expect(planCrops({ width: 2000, height: 2000 }, near, 'gpt-image-1.5', { regions: 'auto' }).crops).toHaveLength(1);
      expect(clusterRegions(near)).toEqual([{ box: { x: 500, y: 500, width: 230, height: 100 }, pixels: 100 * 100 + 80 * 80 }]);
    });
    it('detail is weighted by each region\'s editable pixels', () => {
      const plan = planCrops({ width: 4000, height: 3000 }, far, 'gpt-image-1.5', { regions: 'separate' });
      const d = plan.crops.map((c) => (c.sendWidth * c.sendHeight) / (c.width * c.height));
      expect(plan.detail.crop).toBeCloseTo((d[0]! * 40000 + d[1]! * 22500) / 62500, 12);
    });
  });

  it.each([
    [{ width: 10, height: 10 }, createEditMask(10, 10), 'MASK_EMPTY', 'the mask has no editable pixels (no pixel with alpha 0)'],
    [{ width: 10, height: 12 }, createEditMask(10, 10), 'MASK_SIZE_MISMATCH', 'mask is 10x10 but the image is 10x12'],
  ])('refuses bad masks: %o → %s', (size, mask, code, message) => {
    expect(() => planCrops(size, mask, 'gpt-image-1.5')).toThrow(expect.objectContaining({ code, message }));
  });
});

describe('flexibleSendSize', () => {
  it.each([1, 16 / 9, 9 / 16, 3, 1 / 3, 10, 0.05, 2.99])('aspect %f gives a size gpt-image-2 accepts', (aspect) => {
    const model = getModel('gpt-image-2');
    const s = flexibleSendSize(model, aspect);
    expect(sizeProblem(model, `${s.width}x${s.height}`)).toBeNull();
    expect(Math.abs(Math.log(s.width / s.height / Math.min(3, Math.max(1 / 3, aspect))))).toBeLessThan(0.03);
  });
  it('refuses a model with fixed sizes', () => {
    expect(() => flexibleSendSize(getModel('gpt-image-1'), 1)).toThrow('gpt-image-1 has no flexible sizes');
  });
});

describe('boundingBox sanity for the planner', () => {
  it('the merged crop contains every editable pixel', () => {
    const m = maskWith(500, 400, [{ x: 3, y: 4, width: 10, height: 10 }, { x: 450, y: 380, width: 20, height: 20 }]);
    const plan = planCrops({ width: 500, height: 400 }, m, 'gpt-image-1.5', { regions: 'merge' });
    expect(boxContains(plan.crops[0]!, boundingBox(m)!)).toBe(true);
  });
});

describe('clusterRegions: exact clusters', () => {
  const W = 1000, H = 800;
  it.each<[string, Box[], { box: Box; pixels: number }[]]>([
    ['an empty mask', [], []],
    ['one box', [{ x: 10, y: 20, width: 30, height: 40 }], [{ box: { x: 10, y: 20, width: 30, height: 40 }, pixels: 1200 }]],
    // Each grown by max(64, 25 % of its side): 600 px apart on x, 0 on y → separate; sorted by y, then x.
    ['two far apart, the lower one first in the mask', [{ x: 700, y: 500, width: 50, height: 50 }, { x: 20, y: 10, width: 40, height: 20 }],
      [{ box: { x: 20, y: 10, width: 40, height: 20 }, pixels: 800 }, { box: { x: 700, y: 500, width: 50, height: 50 }, pixels: 2500 }]],
    ['two on one row, sorted by x', [{ x: 800, y: 100, width: 10, height: 10 }, { x: 100, y: 100, width: 10, height: 10 }],
      [{ box: { x: 100, y: 100, width: 10, height: 10 }, pixels: 100 }, { box: { x: 800, y: 100, width: 10, height: 10 }, pixels: 100 }]],
    // 127 px apart: the two 64 px margins (128) overlap → one cluster of both.
    ['two 127 px apart', [{ x: 100, y: 100, width: 10, height: 10 }, { x: 237, y: 100, width: 10, height: 10 }],
      [{ box: { x: 100, y: 100, width: 147, height: 10 }, pixels: 200 }]],
    // 128 px apart: the margins just touch, boxes do not overlap → two clusters.
    ['two 128 px apart', [{ x: 100, y: 100, width: 10, height: 10 }, { x: 238, y: 100, width: 10, height: 10 }],
      [{ box: { x: 100, y: 100, width: 10, height: 10 }, pixels: 100 }, { box: { x: 238, y: 100, width: 10, height: 10 }, pixels: 100 }]],
    // A chain: a joins b, then (a∪b) joins c although a and c alone are far apart.
    ['a chain of three', [{ x: 0, y: 0, width: 10, height: 10 }, { x: 120, y: 0, width: 10, height: 10 }, { x: 240, y: 0, width: 10, height: 10 }],
      [{ box: { x: 0, y: 0, width: 250, height: 10 }, pixels: 300 }]],
  ])('%s', (_, boxes, clusters) => {
    expect(clusterRegions(maskWith(W, H, boxes))).toEqual(clusters);
  });

  it('a tall region grows by a quarter of its height when that is above the minimum', () => {
    // 400 px tall → 100 px margin on y (the small box gets 64): grown, they overlap while the small box starts
    // above 500 + 100 + 64 = 664.
    const tall = { x: 100, y: 100, width: 10, height: 400 };
    expect(clusterRegions(maskWith(W, H, [tall, { x: 100, y: 663, width: 10, height: 10 }]))).toHaveLength(1);
    expect(clusterRegions(maskWith(W, H, [tall, { x: 100, y: 664, width: 10, height: 10 }]))).toHaveLength(2);
  });

  it('more than 256 components are not clustered: one region of the whole box and every pixel', () => {
    const dots: Box[] = [];
    for (let i = 0; i < 257; i++) dots.push({ x: (i % 30) * 30, y: Math.floor(i / 30) * 30, width: 1, height: 1 });
    expect(clusterRegions(maskWith(W, H, dots), 0, 0)).toEqual([{ box: { x: 0, y: 0, width: 871, height: 241 }, pixels: 257 }]);
    expect(clusterRegions(maskWith(W, H, dots.slice(0, 256)), 0, 0)).toHaveLength(256);
  });
});

describe('planCrops auto: separate crops only when few and at most half the merged crop', () => {
  const W = 4000, H = 3000;
  const dot = (x: number, y: number): Box => ({ x, y, width: 100, height: 100 });
  it.each<[string, Box[], number]>([
    ['two far corners → two crops', [dot(100, 100), dot(3700, 2700)], 2],
    ['four far corners → four crops', [dot(100, 100), dot(3700, 100), dot(100, 2700), dot(3700, 2700)], 4],
    ['five far regions → merged (more than 4 calls)', [dot(100, 100), dot(3700, 100), dot(100, 2700), dot(3700, 2700), dot(1900, 1400)], 1],
    ['two near regions → one cluster, one crop', [dot(1000, 1000), dot(1150, 1000)], 1],
  ])('%s', (_, boxes, count) => {
    expect(planCrops({ width: W, height: H }, maskWith(W, H, boxes), 'gpt-image-1.5').crops).toHaveLength(count);
  });

  it('regions: separate makes one crop per cluster even when auto would merge', () => {
    const five = [dot(100, 100), dot(3700, 100), dot(100, 2700), dot(3700, 2700), dot(1900, 1400)];
    const plan = planCrops({ width: W, height: H }, maskWith(W, H, five), 'gpt-image-1.5', { regions: 'separate' });
    expect(plan.crops.map((c) => [c.region.x, c.region.y])).toEqual([[100, 100], [3700, 100], [1900, 1400], [100, 2700], [3700, 2700]]);
  });

  it('known: the same plan from the caller\'s box and count as from scanning the mask; a wrong box gives a wrong plan', () => {
    const two = maskWith(W, H, [dot(1000, 1000), dot(2000, 1000)]);
    const known = { box: boundingBox(two), count: countNonZero(two) };
    expect(planCrops({ width: W, height: H }, two, 'gpt-image-1.5', { known })).toEqual(planCrops({ width: W, height: H }, two, 'gpt-image-1.5'));
    const wrong = planCrops({ width: W, height: H }, two, 'gpt-image-1.5', { known: { box: dot(1000, 1000), count: 10000 } });
    expect(wrong.crops.map((c) => c.region)).toEqual([dot(1000, 1000)]);
    expect(() => planCrops({ width: W, height: H }, two, 'gpt-image-1.5', { known: { box: null, count: 0 } })).toThrow(expect.objectContaining({ code: 'MASK_EMPTY' }));
  });

  it('regions: merge makes one crop of the whole box', () => {
    const two = maskWith(W, H, [dot(1000, 1000), dot(2000, 1000)]);
    expect(planCrops({ width: W, height: H }, two, 'gpt-image-1.5').crops).toHaveLength(2);
    const plan = planCrops({ width: W, height: H }, two, 'gpt-image-1.5', { regions: 'merge' });
    expect(plan.crops.map((c) => c.region)).toEqual([{ x: 1000, y: 1000, width: 1100, height: 100 }]);
  });
});

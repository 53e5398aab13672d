/** Property tests for the 2.x size rule and the planner that must always land inside it. */
import { describe, expect, it } from 'vitest';
import { GRID_RULE, getModel, gridSizeProblem, MODELS, sizeProblem } from '../../src/core/models.js';
import { flexibleSendSize, planCrops } from '../../src/core/sizing.js';
import { createEditMask } from '../../src/core/raster.js';
// The same seeded mulberry32 as PatchMatch's search, so a failing case can be replayed.
import { rng } from '../../src/engines/_patchmatch_kernel.js';

/** The rule as OpenAI states it, written independently of the registry's code. */
const valid = (w: number, h: number) => w % 16 === 0 && h % 16 === 0 && Math.max(w, h) <= 3840 && Math.max(w, h) <= 3 * Math.min(w, h)
  && w * h >= 655_360 && w * h <= 8_294_400;
const GRID_MODELS = MODELS.filter((m) => m.flexibleSize).map((m) => m.id);

describe('the 2.x size rule', () => {
  it('the registry holds OpenAI\'s figures', () => {
    expect(GRID_RULE).toEqual({ multiple: 16, maxAspect: 3, maxEdge: 3840, minPixels: 655_360, maxPixels: 8_294_400, experimentalAbovePixels: 3_686_400 });
    expect(GRID_MODELS).toEqual(['gpt-image-2.6-sunburst', 'gpt-image-2.6-flare', 'gpt-image-2.5-sunburst', 'gpt-image-2.5-flare', 'gpt-image-2']);
  });

  it('agrees with the stated rule on 20 000 random sizes (half of them on the grid)', () => {
    const r = rng(7);
    const disagree: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      let w = 16 + Math.floor(r() * 4000), h = 16 + Math.floor(r() * 4000);
      if (i % 2) { w -= w % 16; h -= h % 16; }
      if ((gridSizeProblem(GRID_RULE, w, h) === null) !== valid(w, h)) disagree.push(`${w}x${h}`);
    }
    expect(disagree).toEqual([]);
  });

  it.each([
    ['3840x2160', null],
    ['3840x1280', null],
    ['1024x640', null],
    ['1024x624', 'total pixels must be 655,360–8,294,400, received 1024x624 (638,976)'],
    ['3856x2160', 'the long side must be at most 3840 px, received 3856x2160'],
    ['1000x1000', 'both sides must be divisible by 16, received 1000x1000'],
    ['3072x1008', 'aspect must be between 1:3 and 3:1, received 3072x1008'],
    ['512x512', 'total pixels must be 655,360–8,294,400, received 512x512 (262,144)'],
  ])('%s → %s', (size, why) => {
    expect(sizeProblem(getModel('gpt-image-2.6-sunburst'), size)).toBe(why);
  });

  it.each(GRID_MODELS)('%s: flexibleSendSize is valid for 2 000 random aspects (including beyond 3:1)', (id) => {
    const r = rng(11);
    const m = getModel(id);
    const bad: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const aspect = Math.exp((r() * 2 - 1) * Math.log(8));
      const s = flexibleSendSize(m, aspect);
      if (!valid(s.width, s.height)) bad.push(`${aspect.toFixed(3)} → ${s.width}x${s.height}`);
    }
    expect(bad).toEqual([]);
  });

  it('the planner always sends sizes inside the rule, crops inside the image (300 random images and masks)', () => {
    const r = rng(23);
    const bad: string[] = [];
    for (let i = 0; i < 300; i++) {
      const width = 64 + Math.floor(r() * 1400), height = 64 + Math.floor(r() * 1400);
      const mask = createEditMask(width, height);
      const boxes = 1 + Math.floor(r() * 3);
      for (let b = 0; b < boxes; b++) {
        const bw = 1 + Math.floor(r() * width / 2), bh = 1 + Math.floor(r() * height / 2);
        const bx = Math.floor(r() * (width - bw)), by = Math.floor(r() * (height - bh));
        for (let y = by; y < by + bh; y++) mask.data.fill(255, y * width + bx, y * width + bx + bw);
      }
      const model = GRID_MODELS[i % GRID_MODELS.length]!;
      const plan = planCrops({ width, height }, mask, model, { regions: i % 3 === 0 ? 'separate' : 'auto' });
      for (const c of plan.crops) {
        if (!valid(c.sendWidth, c.sendHeight)) bad.push(`${model} ${width}x${height}: send ${c.sendWidth}x${c.sendHeight}`);
        if (c.x < 0 || c.y < 0 || c.x + c.width > width || c.y + c.height > height) bad.push(`${model} ${width}x${height}: crop outside`);
      }
    }
    expect(bad).toEqual([]);
  });
});

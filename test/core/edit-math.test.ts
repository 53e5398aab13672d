import { describe, expect, it } from 'vitest';
import type { CostEstimate } from '../../src/core/cost.js';
import {
  addUsage, countOutsideChanged, cropOwnership, expandForEdit, keepOnlyInside, round6, sumEstimates, summarizeSpill,
} from '../../src/core/edit-math.js';
import { countNonZero, createEditMask, createRaster } from '../../src/core/raster.js';
import { DEFAULT_RING } from '../../src/core/seam.js';

const est = (over: Partial<CostEstimate>): CostEstimate => ({
  model: 'm', size: '1024x1024', quality: 'low', inputTokens: 0, imageInputTokens: 0, textInputTokens: 0, outputTokens: 0, usd: 0, pricesReadOn: '2026-11-01', notes: [], ...over,
});

describe('cropOwnership', () => {
  const image = { width: 400, height: 300 };
  it('one crop owns its whole box', () => {
    const crops = [{ x: 10, y: 20, width: 100, height: 80, region: { x: 40, y: 40, width: 10, height: 10 } }];
    expect(cropOwnership(crops, 0, 8, image)).toEqual({
      box: { x: 10, y: 20, width: 100, height: 80 }, own: { x: 10, y: 20, width: 100, height: 80 }, ownInCrop: { x: 0, y: 0, width: 100, height: 80 }, shared: false,
    });
  });

  it('separate crops own their region grown by grow + the seam ring, inside their box', () => {
    const crops = [
      { x: 0, y: 0, width: 200, height: 200, region: { x: 50, y: 50, width: 20, height: 20 } },
      { x: 150, y: 0, width: 200, height: 200, region: { x: 250, y: 50, width: 20, height: 20 } },
    ];
    const g = 8 + DEFAULT_RING;
    expect(cropOwnership(crops, 1, 8, image)).toEqual({
      box: { x: 150, y: 0, width: 200, height: 200 },
      own: { x: 250 - g, y: 50 - g, width: 20 + 2 * g, height: 20 + 2 * g },
      ownInCrop: { x: 100 - g, y: 50 - g, width: 20 + 2 * g, height: 20 + 2 * g },
      shared: true,
    });
  });
});

describe('keepOnlyInside', () => {
  it('clears everything outside the box', () => {
    const m = createEditMask(6, 4);
    m.data.fill(255);
    keepOnlyInside(m, { x: 1, y: 1, width: 3, height: 2 });
    expect([...m.data]).toEqual([
      0, 0, 0, 0, 0, 0,
      0, 255, 255, 255, 0, 0,
      0, 255, 255, 255, 0, 0,
      0, 0, 0, 0, 0, 0,
    ]);
  });
});

describe('countOutsideChanged', () => {
  it('counts kept pixels that differ, inside the boxes only; overlapping boxes count once', () => {
    const a = createRaster(4, 2, 4), b = createRaster(4, 2, 4);
    const m = createEditMask(4, 2);
    m.data[0] = 255;
    b.data[0] = 9;   // pixel 0: editable, not counted
    b.data[4] = 9;   // pixel 1: kept, changed
    b.data[7 * 4 + 3] = 9; // pixel 7: kept, changed
    expect(countOutsideChanged(a, b, m)).toBe(2);
    expect(countOutsideChanged(a, b, m, [{ x: 0, y: 0, width: 2, height: 1 }])).toBe(1);
    expect(countOutsideChanged(a, b, m, [{ x: 0, y: 0, width: 3, height: 2 }, { x: 2, y: 0, width: 2, height: 2 }])).toBe(2);
  });
});

describe('countOutsideChanged, channel by channel, inside a box away from the corner', () => {
  // 6x5 image; box x 2..3, y 1..2; the changed pixel is (3, 2), a kept one at the box's last row and column.
  const box = { x: 2, y: 1, width: 2, height: 2 };
  it.each([[0], [1], [2], [3]])('a change in channel %i of a kept pixel counts once; the pixels just past the box are not read', (c) => {
    const a = createRaster(6, 5, 4), b = createRaster(6, 5, 4);
    for (let i = 0; i < a.data.length; i++) a.data[i] = b.data[i] = (i * 7) % 251;
    const m = createEditMask(6, 5);
    b.data[(2 * 6 + 3) * 4 + c] = a.data[(2 * 6 + 3) * 4 + c]! ^ 1;
    // Changes right after the box (same row, next column; next row, same column) are outside it: not counted.
    b.data[(2 * 6 + 4) * 4 + c] = a.data[(2 * 6 + 4) * 4 + c]! ^ 1;
    b.data[(3 * 6 + 3) * 4 + c] = a.data[(3 * 6 + 3) * 4 + c]! ^ 1;
    expect(countOutsideChanged(a, b, m, [box])).toBe(1);
    expect(countOutsideChanged(a, b, m)).toBe(3);
  });
});

describe('summarizeSpill', () => {
  it('keeps the figures, drops the change map', () => {
    const stats = { changedFraction: 0.5, meanAbsDiff: 1, maxAbsDiff: 2, changedPixels: 3, pixels: 6 };
    const report = { outside: stats, inside: stats, verdict: 'ok', threshold: 4, changeMap: createEditMask(1, 1) } as unknown as Parameters<typeof summarizeSpill>[0];
    expect(summarizeSpill(report)).toEqual({ outside: stats, inside: stats, verdict: 'ok', threshold: 4 });
  });
});

describe('sumEstimates and addUsage', () => {
  it('adds tokens and dollars, keeps each note once', () => {
    expect(sumEstimates([est({ inputTokens: 1, imageInputTokens: 2, textInputTokens: 3, outputTokens: 4, usd: 0.5, notes: ['a'] }), est({ inputTokens: 10, imageInputTokens: 20, textInputTokens: 30, outputTokens: 40, usd: 0.25, notes: ['a', 'b'] })]))
      .toEqual(est({ inputTokens: 11, imageInputTokens: 22, textInputTokens: 33, outputTokens: 44, usd: 0.75, notes: ['a', 'b'] }));
  });

  it.each([
    [null, undefined, null],
    [null, { input_tokens: 1 }, { input_tokens: 1 }],
    [{ input_tokens: 1, output_tokens: 2, total_tokens: 3 }, { input_tokens: 10, output_tokens: 20, total_tokens: 30, input_tokens_details: { image_tokens: 5 } },
      { input_tokens: 11, output_tokens: 22, total_tokens: 33, input_tokens_details: { image_tokens: 5, text_tokens: 0 } }],
  ])('addUsage(%j, %j) → %j', (a, b, sum) => {
    expect(addUsage(a, b)).toEqual(sum);
  });

  it.each([[0.1234564, 0.123456], [0.1234565, 0.123457], [2, 2]])('round6(%s) = %s', (x, r) => {
    expect(round6(x)).toBe(r);
  });
});

describe('expandForEdit', () => {
  const mask = () => {
    const m = createEditMask(20, 20);
    m.data[10 * 20 + 10] = 255;
    return m;
  };

  it.each([[undefined], [0]])('expand %s does nothing', (e) => {
    expect(expandForEdit(mask(), e)).toEqual({ expanded: undefined, problems: [] });
  });

  it('grows the editable region and counts what it added', () => {
    const { expanded, problems } = expandForEdit(mask(), 1);
    expect([expanded!.pixels, expanded!.before, expanded!.after, expanded!.added]).toEqual([1, 1, countNonZero(expanded!.mask), countNonZero(expanded!.mask) - 1]);
    expect(expanded!.after).toBeGreaterThan(1);
    expect(problems).toEqual([]);
  });

  it('warns MASK_EXPAND_LARGE when most of the image becomes editable', () => {
    const m = createEditMask(20, 20);
    m.data.fill(255, 0, 20 * 12);
    const { expanded, problems } = expandForEdit(m, 2);
    expect(expanded!.after).toBe(20 * 14);
    expect(problems.map((p) => [p.code, p.severity, p.message])).toEqual([['MASK_EXPAND_LARGE', 'warning', '--expand 2 grows the editable region from 60.0 % to 70.0 % of the image']]);
    expect(problems[0]!.fix).toBe('use a smaller --expand (the edge ring is usually 2–8 px), or check that the mask is not inverted');
  });

  it('warns MASK_EXPAND_LARGE when everything becomes editable', () => {
    const { problems } = expandForEdit(mask(), 40);
    expect(problems.map((p) => [p.code, p.severity])).toEqual([['MASK_EXPAND_LARGE', 'warning']]);
    expect(problems[0]!.message).toBe('--expand 40 makes every pixel editable (0.3 % before), so the whole image may change');
  });

  it.each([[-1], [257], [1.5]])('refuses expand %s (EXPAND_INVALID)', (e) => {
    expect(() => expandForEdit(mask(), e)).toThrow(expect.objectContaining({ code: 'EXPAND_INVALID' }));
  });
});

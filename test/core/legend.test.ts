import { describe, expect, it } from 'vitest';
import { inferno, renderHeatmap } from '../../src/core/heatmap.js';
import { LEGEND_BACKGROUND, LEGEND_INK, LEGEND_OUTLINE, LEGEND_UNCHANGED, drawText, legendLayout, textWidth, withLegend } from '../../src/core/legend.js';
import { createEditMask, createRaster, type Raster } from '../../src/core/raster.js';

type Rgba = Raster & { channels: 4 };
const px = (r: Rgba, x: number, y: number) => [...r.data.subarray((y * r.width + x) * 4, (y * r.width + x) * 4 + 3)];

function heat(w: number, h: number): Rgba {
  const img = createRaster(w, h, 4);
  img.data.fill(200);
  const mask = createEditMask(w, h);
  for (let y = 10; y < 20; y++) mask.data.fill(255, y * w + 10, y * w + 20);
  return renderHeatmap(img, createEditMask(w, h), mask);
}

describe('legendLayout', () => {
  it.each([
    // width, height → unit, output width, output height (panel = 62 font units), bar width
    [40, 30, 1, 261, 92, 245],
    [800, 600, 2, 800, 724, 512],
    [4000, 3000, 10, 4000, 3620, 2560],
  ])('%ix%i: unit %i, output %ix%i, bar %i px', (w, h, unit, ow, oh, bar) => {
    const L = legendLayout({ width: w, height: h });
    expect([L.unit, L.width, L.height, L.bar.width, L.top]).toEqual([unit, ow, oh, bar, h]);
  });
});

describe('withLegend', () => {
  const map = heat(800, 600);
  const out = withLegend(map, { threshold: 8, scale: 96 });
  const L = legendLayout(map);

  it('keeps the heatmap\'s pixels at the top-left, bit for bit, and adds the panel below', () => {
    expect([out.width, out.height]).toEqual([800, 724]);
    for (let y = 0; y < 600; y++) expect(Buffer.from(out.data.subarray(y * 800 * 4, (y + 1) * 800 * 4)).equals(Buffer.from(map.data.subarray(y * 800 * 4, (y + 1) * 800 * 4)))).toBe(true);
    expect(px(out, 799, 723)).toEqual([...LEGEND_BACKGROUND]);
  });

  it('draws the colour bar from threshold+1 (left) to scale (right) on the heatmap\'s ramp', () => {
    const { bar } = L;
    const mid = bar.y + bar.height / 2;
    // |Δ| = 9 at the left end: t = 1/88 → inferno(0.3 + 0.7/88); |Δ| = 96 at the right: inferno(1).
    expect(px(out, bar.x, mid)).toEqual([...inferno(0.3 + 0.7 / 88)]);
    expect(px(out, bar.x + bar.width - 1, mid)).toEqual([...inferno(1)]);
    expect(px(out, bar.x - 1, mid)).toEqual([...LEGEND_BACKGROUND]);
    expect(px(out, bar.x + bar.width, mid)).toEqual([...LEGEND_BACKGROUND]);
  });

  it('draws the key swatches: dimmed grey for "≤ threshold: unchanged", cyan for the mask outline', () => {
    const s1 = L.unchangedSwatch, s2 = L.outlineSwatch;
    expect(px(out, s1.x + 1, s1.y + 1)).toEqual([...LEGEND_UNCHANGED]);
    expect(px(out, s2.x + 1, s2.y + 1)).toEqual([...LEGEND_OUTLINE]);
  });

  it('writes the tick values and the threshold in the panel (ink where the glyphs are)', () => {
    // The "9" at the left end under the bar: its top row is ".###." → ink at unit column 1, background at 0.
    const tickY = L.bar.y + L.bar.height + 3 * L.unit;
    expect(px(out, L.bar.x + 1 * L.unit, tickY)).toEqual([...LEGEND_INK]);
    expect(px(out, L.bar.x, tickY)).toEqual([...LEGEND_BACKGROUND]);
    // The same legend for another threshold differs exactly where the numbers are drawn.
    const other = withLegend(map, { threshold: 20, scale: 96 });
    expect(Buffer.from(other.data).equals(Buffer.from(out.data))).toBe(false);
  });

  it('widens a narrow heatmap so the title fits', () => {
    const small = withLegend(heat(40, 30), { threshold: 8, scale: 96 });
    expect([small.width, small.height]).toEqual([261, 92]);
    expect(px(small, 100, 5)).toEqual([...LEGEND_BACKGROUND]); // beside the 40 px map
  });
});

describe('drawText', () => {
  it('renders a glyph from the 5x7 font', () => {
    const img = createRaster(6, 7, 4);
    drawText(img, '1', 0, 0, 1, [255, 255, 255]);
    const ink = [...Array(7)].map((_, y) => [...Array(5)].map((__, x) => (img.data[(y * 6 + x) * 4] ? '#' : '.')).join(''));
    expect(ink).toEqual(['..#..', '.##..', '..#..', '..#..', '..#..', '..#..', '.###.']);
    expect(textWidth('12')).toBe(11);
  });
});

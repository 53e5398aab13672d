/**
 * The heatmap's legend, drawn into the PNG (pure, deterministic: a built-in 5×7 bitmap font, no system fonts):
 * a panel below the heatmap with the colour bar and its |Δ| values (threshold+1 … scale+), what an uncoloured
 * pixel means (|Δ| at or below the threshold) and what the cyan line is (the mask's outline). The heatmap's own
 * pixels are unchanged at the top-left, so a tool can crop the legend off by the original's size.
 */
import { inferno } from './heatmap.js';
import { createRaster, type Raster } from './raster.js';

type Rgba = Raster & { channels: 4 };
type Rgb = readonly [number, number, number];

/** 5×7 glyphs, one string per row, `#` = ink. Only what the legend writes. */
const GLYPHS: Record<string, readonly string[]> = {
  ' ': ['.....', '.....', '.....', '.....', '.....', '.....', '.....'],
  '0': ['.###.', '#...#', '#..##', '#.#.#', '##..#', '#...#', '.###.'],
  '1': ['..#..', '.##..', '..#..', '..#..', '..#..', '..#..', '.###.'],
  '2': ['.###.', '#...#', '....#', '...#.', '..#..', '.#...', '#####'],
  '3': ['#####', '...#.', '..#..', '...#.', '....#', '#...#', '.###.'],
  '4': ['...#.', '..##.', '.#.#.', '#..#.', '#####', '...#.', '...#.'],
  '5': ['#####', '#....', '####.', '....#', '....#', '#...#', '.###.'],
  '6': ['..##.', '.#...', '#....', '####.', '#...#', '#...#', '.###.'],
  '7': ['#####', '....#', '...#.', '..#..', '.#...', '.#...', '.#...'],
  '8': ['.###.', '#...#', '#...#', '.###.', '#...#', '#...#', '.###.'],
  '9': ['.###.', '#...#', '#...#', '.####', '....#', '...#.', '.##..'],
  A: ['.###.', '#...#', '#...#', '#####', '#...#', '#...#', '#...#'],
  B: ['####.', '#...#', '#...#', '####.', '#...#', '#...#', '####.'],
  C: ['.###.', '#...#', '#....', '#....', '#....', '#...#', '.###.'],
  D: ['####.', '#...#', '#...#', '#...#', '#...#', '#...#', '####.'],
  E: ['#####', '#....', '#....', '####.', '#....', '#....', '#####'],
  F: ['#####', '#....', '#....', '####.', '#....', '#....', '#....'],
  G: ['.###.', '#...#', '#....', '#.###', '#...#', '#...#', '.####'],
  H: ['#...#', '#...#', '#...#', '#####', '#...#', '#...#', '#...#'],
  I: ['.###.', '..#..', '..#..', '..#..', '..#..', '..#..', '.###.'],
  K: ['#...#', '#..#.', '#.#..', '##...', '#.#..', '#..#.', '#...#'],
  L: ['#....', '#....', '#....', '#....', '#....', '#....', '#####'],
  M: ['#...#', '##.##', '#.#.#', '#.#.#', '#...#', '#...#', '#...#'],
  N: ['#...#', '#...#', '##..#', '#.#.#', '#..##', '#...#', '#...#'],
  O: ['.###.', '#...#', '#...#', '#...#', '#...#', '#...#', '.###.'],
  P: ['####.', '#...#', '#...#', '####.', '#....', '#....', '#....'],
  R: ['####.', '#...#', '#...#', '####.', '#.#..', '#..#.', '#...#'],
  S: ['.####', '#....', '#....', '.###.', '....#', '....#', '####.'],
  T: ['#####', '..#..', '..#..', '..#..', '..#..', '..#..', '..#..'],
  U: ['#...#', '#...#', '#...#', '#...#', '#...#', '#...#', '.###.'],
  V: ['#...#', '#...#', '#...#', '#...#', '#...#', '.#.#.', '..#..'],
  W: ['#...#', '#...#', '#...#', '#.#.#', '#.#.#', '#.#.#', '.#.#.'],
  X: ['#...#', '#...#', '.#.#.', '..#..', '.#.#.', '#...#', '#...#'],
  Y: ['#...#', '#...#', '.#.#.', '..#..', '..#..', '..#..', '..#..'],
  '|': ['..#..', '..#..', '..#..', '..#..', '..#..', '..#..', '..#..'],
  'Δ': ['.....', '..#..', '..#..', '.#.#.', '.#.#.', '#...#', '#####'],
  '≤': ['...#.', '..#..', '.#...', '..#..', '...#.', '.....', '.####'],
  '>': ['.#...', '..#..', '...#.', '....#', '...#.', '..#..', '.#...'],
  '+': ['.....', '..#..', '..#..', '#####', '..#..', '..#..', '.....'],
  '-': ['.....', '.....', '.....', '#####', '.....', '.....', '.....'],
  ',': ['.....', '.....', '.....', '.....', '.##..', '..#..', '.#...'],
  '.': ['.....', '.....', '.....', '.....', '.....', '.##..', '.##..'],
  ':': ['.....', '.##..', '.##..', '.....', '.##..', '.##..', '.....'],
  '(': ['...#.', '..#..', '.#...', '.#...', '.#...', '..#..', '...#.'],
  ')': ['.#...', '..#..', '...#.', '...#.', '...#.', '..#..', '.#...'],
};

/** Panel colours. */
export const LEGEND_BACKGROUND: Rgb = [24, 24, 24];
export const LEGEND_INK: Rgb = [235, 235, 235];
/** The heatmap's dimmed grey for an unchanged mid-grey pixel (the "no change" swatch). */
export const LEGEND_UNCHANGED: Rgb = [58, 58, 58];
export const LEGEND_OUTLINE: Rgb = [0, 229, 255];

/** Width of a text in font units (6 per glyph: 5 ink + 1 space). */
export function textWidth(text: string): number {
  return text.length * 6 - 1;
}

function fillRect(img: Rgba, x: number, y: number, w: number, h: number, c: Rgb): void {
  for (let yy = Math.max(0, y); yy < Math.min(img.height, y + h); yy++) {
    for (let xx = Math.max(0, x); xx < Math.min(img.width, x + w); xx++) {
      const o = (yy * img.width + xx) * 4;
      img.data[o] = c[0]; img.data[o + 1] = c[1]; img.data[o + 2] = c[2]; img.data[o + 3] = 255;
    }
  }
}

/** Draws `text` (upper case; unknown characters are blanks) with its top-left at (x, y), `s` px per font unit. */
export function drawText(img: Rgba, text: string, x: number, y: number, s: number, c: Rgb = LEGEND_INK): void {
  [...text.toUpperCase()].forEach((ch, k) => {
    const g = GLYPHS[ch] ?? GLYPHS[' ']!;
    for (let r = 0; r < 7; r++) for (let col = 0; col < 5; col++) if (g[r]![col] === '#') fillRect(img, x + (k * 6 + col) * s, y + r * s, s, s, c);
  });
}

export interface LegendOptions {
  /** Changes at or below this are not coloured (the heatmap's threshold). */
  threshold: number;
  /** The change that reaches the top of the ramp (the heatmap's scale). */
  scale: number;
}

/** Where the legend draws, in output pixels (tests read colours there). */
export interface LegendLayout {
  /** Pixels per font unit. */
  unit: number;
  width: number;
  height: number;
  /** Top of the panel (= the heatmap's height). */
  top: number;
  bar: { x: number; y: number; width: number; height: number };
  unchangedSwatch: { x: number; y: number; size: number };
  outlineSwatch: { x: number; y: number; size: number };
}

const TITLE = 'CHANGE |Δ| PER PIXEL (LARGEST OF R,G,B,A)';
/** The panel in font units: 8 margin, title 7, 4 gap, bar 12, 3 gap, ticks 7, 6 gap, key 7, 8 margin. */
const PANEL_UNITS = 8 + 7 + 4 + 12 + 3 + 7 + 6 + 7 + 8;
const MIN_WIDTH_UNITS = 8 + textWidth(TITLE) + 8;

/** The legend's geometry for a heatmap of this size: a unit of 1 px per 400 px of width (at least 1). */
export function legendLayout(size: { width: number; height: number }): LegendLayout {
  const unit = Math.max(1, Math.floor(size.width / 400));
  const width = Math.max(size.width, MIN_WIDTH_UNITS * unit);
  const top = size.height;
  const m = 8 * unit;
  const barY = top + (8 + 7 + 4) * unit;
  const keyY = barY + (12 + 3 + 7 + 6) * unit;
  return {
    unit, width, height: top + PANEL_UNITS * unit, top,
    bar: { x: m, y: barY, width: Math.min(256 * unit, width - 2 * m), height: 12 * unit },
    unchangedSwatch: { x: m, y: keyY, size: 7 * unit },
    outlineSwatch: { x: m + (7 + 4 + textWidth('≤ 00: UNCHANGED') + 12) * unit, y: keyY, size: 7 * unit },
  };
}

/**
 * The heatmap with its legend: the heatmap at the top-left, then a dark panel with the title, the colour bar
 * (the ramp renderHeatmap uses, from threshold+1 to `scale`+) with its values, and the key: a dimmed-grey swatch
 * "≤ threshold: unchanged" and a cyan swatch "mask outline". The output is at least wide enough for the title.
 *
 * @example
 * const png = await encodeImage(withLegend(renderHeatmap(original, r.changeMap, mask), { threshold: 8, scale: 96 }));
 */
export function withLegend(heatmap: Rgba, opts: LegendOptions): Rgba {
  const L = legendLayout(heatmap);
  const out = createRaster(L.width, L.height, 4);
  fillRect(out, 0, 0, L.width, L.height, LEGEND_BACKGROUND);
  for (let y = 0; y < heatmap.height; y++) out.data.set(heatmap.data.subarray(y * heatmap.width * 4, (y + 1) * heatmap.width * 4), y * L.width * 4);
  const u = L.unit, m = 8 * u;
  drawText(out, TITLE, m, L.top + 8 * u, u);
  // The bar: column k shows the colour of |Δ| = threshold + 1 + k·(scale − threshold − 1)/(width − 1), as the heatmap colours it at full weight.
  const { bar } = L;
  const lo = opts.threshold + 1, hi = Math.max(lo + 1, opts.scale);
  for (let k = 0; k < bar.width; k++) {
    const v = lo + (k * (hi - lo)) / Math.max(1, bar.width - 1);
    const t = Math.min(1, (v - opts.threshold) / Math.max(1, opts.scale - opts.threshold));
    fillRect(out, bar.x + k, bar.y, 1, bar.height, inferno(0.3 + 0.7 * t));
  }
  // Ticks: the low end, the middle and the top (with "+": everything above is the same colour).
  const tickY = bar.y + bar.height + 3 * u;
  const mid = Math.round((lo + hi) / 2);
  const labels: [string, number][] = [[String(lo), bar.x], [String(mid), bar.x + Math.round(bar.width / 2) - Math.round((textWidth(String(mid)) * u) / 2)], [`${hi}+`, bar.x + bar.width - textWidth(`${hi}+`) * u]];
  for (const [text, x] of labels) drawText(out, text, x, tickY, u);
  // Key: unchanged (dimmed grey) and the mask outline (cyan).
  const s1 = L.unchangedSwatch, s2 = L.outlineSwatch;
  fillRect(out, s1.x, s1.y, s1.size, s1.size, LEGEND_UNCHANGED);
  drawText(out, `≤ ${opts.threshold}: UNCHANGED`, s1.x + s1.size + 4 * u, s1.y, u);
  fillRect(out, s2.x, s2.y, s2.size, s2.size, LEGEND_OUTLINE);
  drawText(out, 'MASK OUTLINE', s2.x + s2.size + 4 * u, s2.y, u);
  return out;
}

/**
 * Diagnostic overlays, pure: the spillover heatmap (`maskedit diff --heatmap`) and the crop-plan preview
 * (`maskedit plan --preview`). Both draw on a dimmed grey copy of the original so colour always means
 * "maskedit is telling you something", and both outline the mask so the user sees where the edit was allowed.
 */
import { crop, growBox } from './crop.js';
import { distancesWithin } from './morphology.js';
import { boundingBox, createRaster, type Box, type EditMask, type Raster } from './raster.js';
import { DEFAULT_THRESHOLD } from './spillover.js';

type Rgb = readonly [number, number, number];

/** Matplotlib's "inferno" at nine stops: perceptually uniform and readable in greyscale (van der Walt & Smith 2015). */
const INFERNO: readonly Rgb[] = [
  [0, 0, 4], [31, 12, 72], [85, 15, 109], [136, 34, 106], [186, 54, 85],
  [227, 89, 51], [249, 140, 10], [249, 201, 50], [252, 255, 164],
];
/** Cyan is absent from inferno, so the outline never reads as change. */
const OUTLINE: Rgb = [0, 229, 255];
const BOX_COLOURS: readonly Rgb[] = [[255, 214, 0], [118, 255, 3], [255, 64, 129], [64, 196, 255], [255, 145, 0], [224, 64, 251]];
const DIM = 0.45;
/** The change that reaches the top of the heatmap's ramp (pale yellow). */
export const DEFAULT_HEATMAP_SCALE = 96;

/** Colour of t in [0, 1] on the inferno ramp. */
export function inferno(t: number): Rgb {
  const x = Math.min(1, Math.max(0, t)) * (INFERNO.length - 1);
  const i = Math.min(INFERNO.length - 2, Math.floor(x));
  const f = x - i;
  const a = INFERNO[i]!, b = INFERNO[i + 1]!;
  return [Math.round(a[0] + (b[0] - a[0]) * f), Math.round(a[1] + (b[1] - a[1]) * f), Math.round(a[2] + (b[2] - a[2]) * f)];
}

/** Line width that stays visible on large images: 1 px up to 512 px, then one more per 512 px. */
export function lineWidthFor(size: { width: number; height: number }): number {
  return Math.max(1, Math.round(Math.min(size.width, size.height) / 512));
}

/**
 * Dimmed grey: Math.round(Rec. 601 luma · DIM) for every weighted sum r·299 + g·587 + b·114 (0–255 000), so a
 * pixel costs one table read instead of a float multiply and a rounding (same values, same arithmetic).
 */
let dimTable: Uint8Array | undefined;
function dimLut(): Uint8Array {
  if (dimTable) return dimTable;
  const t = new Uint8Array(255 * 1000 + 1);
  for (let s = 0; s < t.length; s++) t[s] = Math.round((s / 1000) * DIM);
  return (dimTable = t);
}

/** Dimmed grey copy of an RGBA image, opaque. */
function dimmed(original: Raster & { channels: 4 }): Raster & { channels: 4 } {
  const out = createRaster(original.width, original.height, 4);
  const s = original.data, d = out.data;
  const lut = dimLut();
  for (let o = 0; o < d.length; o += 4) {
    const y = lut[s[o]! * 299 + s[o + 1]! * 587 + s[o + 2]! * 114]!;
    d[o] = d[o + 1] = d[o + 2] = y;
    d[o + 3] = 255;
  }
  return out;
}

/**
 * Pixels of the mask within `width` px of its edge (inside it), as a per-pixel flag. Computed on the mask's
 * bounding box only, so a small mask on a large image stays cheap.
 */
export function maskOutline(mask: EditMask, width: number): Uint8Array {
  const out = new Uint8Array(mask.width * mask.height);
  const box = boundingBox(mask);
  if (!box) return out;
  const b = growBox(box, 1, mask);
  const sub = crop(mask, b);
  const d2 = distancesWithin(sub, 'unset', width);
  const r2 = width * width;
  for (let y = 0; y < b.height; y++) {
    for (let x = 0; x < b.width; x++) {
      const i = y * b.width + x;
      if (sub.data[i] !== 0 && d2[i]! <= r2) out[(b.y + y) * mask.width + b.x + x] = 1;
    }
  }
  return out;
}

function paint(img: Raster & { channels: 4 }, flags: Uint8Array, colour: Rgb): void {
  const d = img.data;
  for (let i = 0; i < flags.length; i++) {
    if (!flags[i]) continue;
    d[i * 4] = colour[0]; d[i * 4 + 1] = colour[1]; d[i * 4 + 2] = colour[2];
  }
}

export interface HeatmapOptions {
  /** Changes at or below this are not coloured (default: spillover's threshold, 8). */
  threshold?: number;
  /** Change that reaches the top of the ramp (default 96). */
  scale?: number;
}

/**
 * The spillover heatmap at the original's size: the original dimmed to grey, every changed pixel coloured by
 * its change on the inferno ramp (purple = just above the threshold, pale yellow = `scale` or more), and the
 * mask's outline in cyan.
 *
 * @example
 * const r = spillover(original, result, mask);
 * const png = await encodeImage(renderHeatmap(original, r.changeMap, mask, { threshold: r.threshold }));
 */
export function renderHeatmap(original: Raster & { channels: 4 }, changeMap: EditMask, editMask: EditMask, opts: HeatmapOptions = {}): Raster & { channels: 4 } {
  const threshold = opts.threshold ?? DEFAULT_THRESHOLD;
  const scale = opts.scale ?? DEFAULT_HEATMAP_SCALE;
  const out = dimmed(original);
  const d = out.data, c = changeMap.data;
  for (let i = 0; i < c.length; i++) {
    const v = c[i]!;
    if (v <= threshold) continue;
    const t = Math.min(1, (v - threshold) / Math.max(1, scale - threshold));
    const [r, g, b] = inferno(0.3 + 0.7 * t);
    const alpha = 0.55 + 0.45 * t;
    const o = i * 4;
    d[o] = Math.round(d[o]! * (1 - alpha) + r * alpha);
    d[o + 1] = Math.round(d[o + 1]! * (1 - alpha) + g * alpha);
    d[o + 2] = Math.round(d[o + 2]! * (1 - alpha) + b * alpha);
  }
  paint(out, maskOutline(editMask, lineWidthFor(original)), OUTLINE);
  return out;
}

/** Draws the outline of `box` (inside it) `width` px thick. */
export function drawBox(img: Raster & { channels: 4 }, box: Box, colour: Rgb, width: number): void {
  const d = img.data;
  const x0 = Math.max(0, box.x), y0 = Math.max(0, box.y);
  const x1 = Math.min(img.width, box.x + box.width), y1 = Math.min(img.height, box.y + box.height);
  for (let y = y0; y < y1; y++) {
    const edgeRow = y < box.y + width || y >= box.y + box.height - width;
    for (let x = x0; x < x1; x++) {
      if (!edgeRow && x >= box.x + width && x < box.x + box.width - width) continue;
      const o = (y * img.width + x) * 4;
      d[o] = colour[0]; d[o + 1] = colour[1]; d[o + 2] = colour[2]; d[o + 3] = 255;
    }
  }
}

/**
 * The crop-plan preview: the image (kept pixels dimmed, editable pixels at full brightness with a cyan outline)
 * and each planned crop box in its own colour.
 *
 * @example
 * const png = await encodeImage(renderPlanPreview(image, mask, plan.crops));
 */
export function renderPlanPreview(image: Raster & { channels: 4 }, editMask: EditMask, boxes: readonly Box[]): Raster & { channels: 4 } {
  const out = dimmed(image);
  const s = image.data, d = out.data, m = editMask.data;
  for (let i = 0; i < m.length; i++) {
    if (m[i] === 0) continue;
    const o = i * 4;
    d[o] = s[o]!; d[o + 1] = s[o + 1]!; d[o + 2] = s[o + 2]!;
  }
  const w = lineWidthFor(image);
  paint(out, maskOutline(editMask, w), OUTLINE);
  boxes.forEach((b, k) => drawBox(out, b, BOX_COLOURS[k % BOX_COLOURS.length]!, w * 2));
  return out;
}

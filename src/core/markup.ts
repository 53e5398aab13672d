/**
 * Markup for the 2.6 models: a transparent PNG overlay of the first image's size whose marks show the model
 * where to edit (OpenAI image generation guide, "markup"). `drawMarkup` makes one from the edit mask — the
 * mask's outline plus a pointer arrow aimed at it — and `diagnoseMarkup` checks one the user drew.
 *
 * @example
 * const overlay = drawMarkup(editMask); // RGBA, alpha 0 except the outline and the arrow
 */
import { boundingBox, createRaster, type EditMask, type Raster } from './raster.js';
import type { Problem } from './problems.js';

export type Rgba = Raster & { channels: 4 };

/** The marks' colour: saturated red, fully opaque (a colour photos rarely have at full saturation). */
export const MARKUP_COLOR: readonly [number, number, number] = [255, 32, 32];

/**
 * An overlay of the mask's size: the outline of the editable region (pixels of the region next to a
 * non-editable one, thickened to `thickness`) and an arrow from outside the region's box pointing at it.
 * Everything else is alpha 0.
 */
export function drawMarkup(mask: EditMask, opts: { thickness?: number } = {}): Rgba {
  const { width: w, height: h } = mask;
  const out = createRaster(w, h, 4) as Rgba;
  const t = opts.thickness ?? Math.max(2, Math.round(Math.min(w, h) / 256));
  const set = (x: number, y: number) => {
    if (x < 0 || y < 0 || x >= w || y >= h) return;
    const i = (y * w + x) * 4;
    out.data[i] = MARKUP_COLOR[0]; out.data[i + 1] = MARKUP_COLOR[1]; out.data[i + 2] = MARKUP_COLOR[2]; out.data[i + 3] = 255;
  };
  const box = boundingBox(mask);
  if (!box) return out;
  const on = (x: number, y: number) => x >= 0 && y >= 0 && x < w && y < h && mask.data[y * w + x] !== 0;
  // Outline: editable pixels with a non-editable 4-neighbour, drawn as a t×t square centred on them.
  const r0 = -Math.floor((t - 1) / 2);
  for (let y = box.y; y < box.y + box.height; y++) {
    for (let x = box.x; x < box.x + box.width; x++) {
      if (!on(x, y)) continue;
      if (on(x - 1, y) && on(x + 1, y) && on(x, y - 1) && on(x, y + 1)) continue;
      for (let dy = 0; dy < t; dy++) for (let dx = 0; dx < t; dx++) set(x + r0 + dx, y + r0 + dy);
    }
  }
  // Pointer: an arrow from outside the region's box, on the side facing the image's larger free area, aimed at
  // the box's centre and stopping just short of the first editable pixel (so it touches the outline's gap).
  const cx = box.x + box.width / 2, cy = box.y + box.height / 2;
  const dirX = cx < w / 2 ? 1 : -1, dirY = cy < h / 2 ? 1 : -1;
  const len = Math.max(8 * t, Math.round(Math.min(w, h) / 6));
  const start = { x: dirX > 0 ? box.x + box.width + t : box.x - t, y: dirY > 0 ? box.y + box.height + t : box.y - t };
  const tail = { x: start.x + (dirX * len) / Math.SQRT2, y: start.y + (dirY * len) / Math.SQRT2 };
  const dist = Math.hypot(cx - tail.x, cy - tail.y);
  const ux = (cx - tail.x) / dist, uy = (cy - tail.y) / dist;
  let stop = dist;
  for (let d = 0; d < dist; d++) {
    if (on(Math.round(tail.x + ux * d), Math.round(tail.y + uy * d))) { stop = d; break; }
  }
  const back = Math.min(stop, 2 * t + 2);
  const tip = { x: tail.x + ux * (stop - back), y: tail.y + uy * (stop - back) };
  drawSegment(set, tail, tip, t);
  // Arrowhead: two short strokes at ±35° from the shaft, at the tip.
  const ang = Math.atan2(tail.y - tip.y, tail.x - tip.x);
  const head = Math.max(4 * t, len / 4);
  for (const da of [0.6, -0.6]) drawSegment(set, tip, { x: tip.x + head * Math.cos(ang + da), y: tip.y + head * Math.sin(ang + da) }, t);
  return out;
}

function drawSegment(set: (x: number, y: number) => void, a: { x: number; y: number }, b: { x: number; y: number }, t: number): void {
  const steps = Math.ceil(Math.hypot(b.x - a.x, b.y - a.y)) + 1;
  const r = t / 2;
  for (let s = 0; s <= steps; s++) {
    const x = a.x + ((b.x - a.x) * s) / steps, y = a.y + ((b.y - a.y) * s) / steps;
    for (let dy = -Math.ceil(r); dy <= Math.ceil(r); dy++) {
      for (let dx = -Math.ceil(r); dx <= Math.ceil(r); dx++) if (dx * dx + dy * dy <= r * r) set(Math.round(x + dx), Math.round(y + dy));
    }
  }
}

export interface MarkupFacts {
  width: number;
  height: number;
  format: string;
  hasAlpha: boolean;
}

/**
 * What is wrong with a user's markup overlay for an image (and, when given, the edit mask): its size, its
 * format, its alpha (an overlay must be transparent where nothing is marked), whether it marks anything, and
 * whether its marks come near the mask.
 *
 * @example
 * diagnoseMarkup({ width: 512, height: 512, format: 'png', hasAlpha: true }, { width: 1024, height: 1024 })[0]!.code // 'MARKUP_SIZE_MISMATCH'
 */
export function diagnoseMarkup(markup: MarkupFacts, image: { width: number; height: number }, raster?: Raster, mask?: EditMask, label = 'markup.png'): Problem[] {
  const problems: Problem[] = [];
  const add = (code: string, severity: Problem['severity'], message: string, fix: string) => problems.push({ code, severity, message, fix });
  if (markup.format !== 'png') {
    add('MARKUP_NOT_PNG', 'error', `${label} is ${markup.format}; a markup overlay must be a PNG with transparency`, `save it as an RGBA PNG, or use --markup auto`);
  }
  if (markup.width !== image.width || markup.height !== image.height) {
    add('MARKUP_SIZE_MISMATCH', 'error', `${label} is ${markup.width}x${markup.height} but the image is ${image.width}x${image.height}; OpenAI wants an overlay of the first image's size`,
      `redraw it at ${image.width}x${image.height} (or resize it with the same aspect), or use --markup auto`);
  }
  if (!markup.hasAlpha) {
    add('MARKUP_NO_ALPHA', 'error', `${label} has no alpha channel; an overlay must be transparent where nothing is marked, or it hides the whole image`,
      'export it as an RGBA PNG with a transparent background, or use --markup auto');
    return problems;
  }
  if (!raster || raster.channels !== 4) return problems;
  let marked = 0, opaque = 0;
  const n = raster.width * raster.height;
  for (let i = 0; i < n; i++) {
    const a = raster.data[i * 4 + 3]!;
    if (a > 0) marked++;
    if (a === 255) opaque++;
  }
  if (marked === 0) {
    add('MARKUP_EMPTY', 'warning', `${label} is fully transparent: it marks nothing`, 'draw the outline or an arrow where the edit goes, or use --markup auto');
  } else if (opaque === n) {
    add('MARKUP_OPAQUE', 'error', `${label} is fully opaque: it covers the whole image instead of marking a place`, 'make everything but the marks transparent (alpha 0), or use --markup auto');
  } else if (marked > 0.5 * n) {
    add('MARKUP_COVERS_IMAGE', 'warning', `${label} marks ${Math.round((100 * marked) / n)} % of the image; an overlay should mark a place, not cover the picture`, 'keep only the outline or an arrow; or use --markup auto');
  }
  if (mask && marked > 0 && problems.every((p) => p.code !== 'MARKUP_SIZE_MISMATCH') && raster.width === mask.width && raster.height === mask.height) {
    const box = boundingBox(mask);
    if (box) {
      // Marks within a margin of the mask's box (an arrow points at it from outside) count as near.
      const m = Math.max(16, Math.round(Math.max(box.width, box.height) / 2));
      let near = 0;
      for (let y = Math.max(0, box.y - m); y < Math.min(raster.height, box.y + box.height + m); y++) {
        for (let x = Math.max(0, box.x - m); x < Math.min(raster.width, box.x + box.width + m); x++) if (raster.data[(y * raster.width + x) * 4 + 3]! > 0) near++;
      }
      if (near === 0) {
        add('MARKUP_AWAY_FROM_MASK', 'warning', `${label}'s marks are nowhere near the mask's area (${box.width}x${box.height} at ${box.x},${box.y}); the model may edit where the marks are`,
          'mark the masked area, or use --markup auto');
      }
    }
  }
  return problems;
}

/**
 * Structure continuation for the heal engine's estimates: straight structures that cross the hole (a tower, a
 * pole, a rocket's flank, a mortar line) are drawn across it before the patch search matches against the estimate.
 *
 * The smooth diffusion a level starts from knows no edges: a tower that enters the hole at the top and leaves it at
 * the bottom becomes a faint smudge, the search matches sky against it, and the fill cuts the tower in two. Here
 * the known pixels on the hole's border whose neighbourhood is strongly oriented (the structure tensor of Bigün and
 * Granlund, as in the coherence transport of Bornemann and März, "Fast image inpainting based on coherence
 * transport", 2007) are the structures' possible *ends*. Two ends are joined when the line between them agrees with
 * both ends' orientations, their colours are close and the line runs through the hole; the hole pixels on it are
 * set to the blend of its two ends. (Each end casting a ray along its own orientation missed its other end on a
 * lattice, whose orientation varies by 7–20° from pixel to pixel: docs/engines.md, seventh pass.) An edge that ends
 * in the hole, a texture's random orientations or two ends that disagree change nothing, so a fill with no
 * structure to continue starts exactly as before.
 */

import { lumaAt } from './_heal_texture.js';

/** Half-side of the window over which the structure tensor is summed (5×5). */
const WINDOW = 2;
/** A border pixel's orientation must be at least this coherent ((λ1 − λ2)/(λ1 + λ2), squared). */
const MIN_COHERENCE = 0.3;
/** …and its edge at least this many times the median strength of the hole's border, and this strong in levels/px. */
const STRENGTH_OVER_MEDIAN = 3;
const MIN_STRENGTH = 4;
/** The ray and the two ends' orientations agree within this angle. */
const MAX_ANGLE = (12 * Math.PI) / 180;
/** The two ends' colours differ by at most this much in any channel. */
const MAX_COLOUR = 60;
/**
 * At most this many ends (the strongest) are paired, each against all others: the pairing is quadratic, and a hole
 * with a long, busy border (thousands of blobs in a textured photo) would otherwise cost seconds here.
 */
export const MAX_ENDS = 3000;

interface Orientation { tx: number; ty: number; coherence: number; strength: number }

/**
 * The structure tensor at known pixel (x, y), summed over the known pixels of its window whose central differences
 * are known: its dominant orientation (the tangent, unit), coherence and strength (root of the larger eigenvalue).
 */
function orientationAt(img: Float32Array, hole: Uint8Array, w: number, h: number, x: number, y: number): Orientation {
  let xx = 0, xy = 0, yy = 0, n = 0;
  for (let v = Math.max(1, y - WINDOW); v <= Math.min(h - 2, y + WINDOW); v++) {
    for (let u = Math.max(1, x - WINDOW); u <= Math.min(w - 2, x + WINDOW); u++) {
      const i = v * w + u;
      if (hole[i] || hole[i - 1] || hole[i + 1] || hole[i - w] || hole[i + w]) continue;
      const gx = (lumaAt(img, i + 1) - lumaAt(img, i - 1)) / 2, gy = (lumaAt(img, i + w) - lumaAt(img, i - w)) / 2;
      xx += gx * gx; xy += gx * gy; yy += gy * gy; n++;
    }
  }
  if (n < 4) return { tx: 0, ty: 0, coherence: 0, strength: 0 };
  xx /= n; xy /= n; yy /= n;
  const mean = (xx + yy) / 2, dev = Math.hypot((xx - yy) / 2, xy);
  const l1 = mean + dev, l2 = mean - dev;
  const phi = 0.5 * Math.atan2(2 * xy, xx - yy); // the gradient's direction; the structure runs across it
  return { tx: -Math.sin(phi), ty: Math.cos(phi), coherence: l1 + l2 > 0 ? ((l1 - l2) / (l1 + l2)) ** 2 : 0, strength: Math.sqrt(Math.max(0, l1)) };
}

/** Whether the segment from (bx, by) to (ex, ey) runs through the hole: at least 80 % of its inner points are hole pixels. */
function throughHole(hole: Uint8Array, w: number, bx: number, by: number, ex: number, ey: number): boolean {
  const steps = Math.ceil(2 * Math.hypot(ex - bx, ey - by));
  const maxOutside = 0.2 * (steps - 1);
  let outside = 0;
  for (let s = 1; s < steps; s++) {
    const t = s / steps;
    if (!hole[Math.round(by + t * (ey - by)) * w + Math.round(bx + t * (ex - bx))] && ++outside > maxOutside) return false;
  }
  return true;
}

/**
 * Draws the straight structures that cross the hole into the hole pixels of `img` (w×h RGBA floats; known pixels
 * untouched). Joined ends are only `allowed` known pixels. Returns how many hole pixels were set.
 *
 * @example
 * diffuseNear(L.img, known, L.w, L.h, 4, 12, L.hole, 16); // the smooth start
 * continueStructure(L.img, L.hole, allowed, L.w, L.h);    // a tower crossing the hole is drawn across it
 */
export function continueStructure(img: Float32Array, hole: Uint8Array, allowed: Uint8Array, w: number, h: number): number {
  // The border: known, allowed pixels beside the hole, with their orientation.
  const border: number[] = [];
  const at = new Map<number, Orientation>();
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      if (hole[i] || !allowed[i] || !(hole[i - 1] || hole[i + 1] || hole[i - w] || hole[i + w])) continue;
      border.push(i);
      at.set(i, orientationAt(img, hole, w, h, x, y));
    }
  }
  if (border.length === 0) return 0;
  const strengths = border.map((i) => at.get(i)!.strength).sort((a, b) => a - b);
  const minStrength = Math.max(MIN_STRENGTH, STRENGTH_OVER_MEDIAN * strengths[strengths.length >> 1]!);
  const strong = (o: Orientation) => o.coherence >= MIN_COHERENCE && o.strength >= minStrength;
  const cosMax = Math.cos(MAX_ANGLE);
  const ends = border.filter((i) => strong(at.get(i)!));
  if (ends.length > MAX_ENDS) {
    ends.sort((p, q) => at.get(q)!.strength - at.get(p)!.strength || p - q);
    ends.length = MAX_ENDS;
  }
  // The ends' positions, orientations and colours side by side: the pairing below reads them n² times.
  const n = ends.length;
  const ex = new Float64Array(n), ey = new Float64Array(n), tx = new Float64Array(n), ty = new Float64Array(n), rgb = new Float64Array(n * 3);
  for (let k = 0; k < n; k++) {
    const e = ends[k]!, o = at.get(e)!;
    ex[k] = e % w; ey[k] = (e - ex[k]!) / w; tx[k] = o.tx; ty[k] = o.ty;
    for (let c = 0; c < 3; c++) rgb[k * 3 + c] = img[e * 4 + c]!;
  }
  const candidates: { score: number; e: number }[] = [];
  // The drawn pixels, sparsely: each one's slot, and per slot the sums of its rays' values, their count and the
  // last ray that drew it (a ray visits a pixel at most once).
  const slotOf = new Map<number, number>();
  const touched: number[] = [], sum: number[] = [], count: number[] = [], lastRay: number[] = [];
  let rays = 0;
  for (let a = 0; a < n; a++) {
    const b = ends[a]!, bx = ex[a]!, by = ey[a]!;
    // The structure's other end: among the strong border pixels in line with both ends' orientations and of a
    // colour within MAX_COLOUR, the one of the closest colour and best alignment that has the hole between them.
    candidates.length = 0;
    for (let c = 0; c < n; c++) {
      if (c === a) continue;
      const len = Math.hypot(ex[c]! - bx, ey[c]! - by);
      if (len < 3) continue;
      const dx = (ex[c]! - bx) / len, dy = (ey[c]! - by) / len;
      const align = Math.min(Math.abs(tx[a]! * dx + ty[a]! * dy), Math.abs(tx[c]! * dx + ty[c]! * dy));
      if (align < cosMax) continue;
      const diff = Math.max(Math.abs(rgb[a * 3]! - rgb[c * 3]!), Math.abs(rgb[a * 3 + 1]! - rgb[c * 3 + 1]!), Math.abs(rgb[a * 3 + 2]! - rgb[c * 3 + 2]!));
      if (diff <= MAX_COLOUR) candidates.push({ score: diff / MAX_COLOUR + (1 - align) / (1 - cosMax), e: ends[c]! });
    }
    candidates.sort((p, q) => p.score - q.score || p.e - q.e);
    const best = candidates.find(({ e }) => throughHole(hole, w, bx, by, e % w, Math.floor(e / w)))?.e ?? -1;
    if (best < 0) continue;
    const fx = best % w, fy = (best - fx) / w;
    const len2 = (fx - bx) ** 2 + (fy - by) ** 2;
    rays++;
    const steps = Math.ceil(2 * Math.sqrt(len2));
    for (let s = 1; s < steps; s++) {
      const x = Math.round(bx + (s / steps) * (fx - bx)), y = Math.round(by + (s / steps) * (fy - by));
      const i = y * w + x;
      if (!hole[i]) continue;
      let k = slotOf.get(i);
      if (k === undefined) { k = touched.length; slotOf.set(i, k); touched.push(i); sum.push(0, 0, 0, 0); count.push(0); lastRay.push(0); }
      if (lastRay[k] === rays) continue;
      lastRay[k] = rays;
      // The pixel's own place along the segment (its projection), not the sample's.
      const t = Math.min(1, Math.max(0, ((x - bx) * (fx - bx) + (y - by) * (fy - by)) / len2));
      for (let c = 0; c < 4; c++) sum[k * 4 + c] = sum[k * 4 + c]! + (1 - t) * img[b * 4 + c]! + t * img[best * 4 + c]!;
      count[k] = count[k]! + 1;
    }
  }
  touched.forEach((i, k) => { for (let c = 0; c < 4; c++) img[i * 4 + c] = sum[k * 4 + c]! / count[k]!; });
  return touched.length;
}

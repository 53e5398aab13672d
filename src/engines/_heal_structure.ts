/**
 * Structure continuation for the heal engine's estimates: straight structures that cross the hole (a tower, a
 * pole, a rocket's flank, a mortar line) are drawn across it before the patch search matches against the estimate.
 *
 * The smooth diffusion a level starts from knows no edges: a tower that enters the hole at the top and leaves it at
 * the bottom becomes a faint smudge, the search matches sky against it, and the fill cuts the tower in two. Here
 * each known pixel on the hole's border whose neighbourhood is strongly oriented (the structure tensor of Bigün and
 * Granlund, as in the coherence transport of Bornemann and März, "Fast image inpainting based on coherence
 * transport", 2007) sends a ray along its orientation through the hole. Where the ray comes out, a known pixel of
 * the same orientation and colour must be waiting (the structure's other end); only then are the hole pixels along
 * the ray set to the blend of its two ends. Unpaired rays (an edge that ends in the hole, a texture's random
 * orientations) change nothing, so a fill with no structure to continue starts exactly as before.
 */

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

/** Rec. 601 luma of pixel i of an RGBA float image. */
function luma(img: Float32Array, i: number): number {
  return 0.299 * img[i * 4]! + 0.587 * img[i * 4 + 1]! + 0.114 * img[i * 4 + 2]!;
}

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
      const gx = (luma(img, i + 1) - luma(img, i - 1)) / 2, gy = (luma(img, i + w) - luma(img, i - w)) / 2;
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
  let inside = 0;
  for (let s = 1; s < steps; s++) {
    const t = s / steps;
    if (hole[Math.round(by + t * (ey - by)) * w + Math.round(bx + t * (ex - bx))]) inside++;
  }
  return inside >= 0.8 * (steps - 1);
}

/**
 * Draws the straight structures that cross the hole into the hole pixels of `img` (w×h RGBA floats; known pixels
 * untouched). Rays start and end only at `allowed` known pixels. Returns how many hole pixels were set.
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
  const sum = new Float64Array(w * h * 4);
  const weight = new Float64Array(w * h);
  const visited = new Int32Array(w * h).fill(-1);
  const candidates: { score: number; e: number }[] = [];
  let rays = 0;
  for (let a = 0; a < ends.length; a++) {
    const b = ends[a]!, ob = at.get(b)!;
    const bx = b % w, by = (b - bx) / w;
    // The structure's other end: among the strong border pixels in line with both ends' orientations and of a
    // colour within MAX_COLOUR, the one of the closest colour and best alignment that has the hole between them.
    candidates.length = 0;
    for (let c = 0; c < ends.length; c++) {
      if (c === a) continue;
      const e = ends[c]!, oe = at.get(e)!;
      const ex = e % w, ey = (e - ex) / w;
      const len = Math.hypot(ex - bx, ey - by);
      if (len < 3) continue;
      const dx = (ex - bx) / len, dy = (ey - by) / len;
      const align = Math.min(Math.abs(ob.tx * dx + ob.ty * dy), Math.abs(oe.tx * dx + oe.ty * dy));
      if (align < cosMax) continue;
      let diff = 0;
      for (let k = 0; k < 3; k++) diff = Math.max(diff, Math.abs(img[b * 4 + k]! - img[e * 4 + k]!));
      if (diff <= MAX_COLOUR) candidates.push({ score: diff / MAX_COLOUR + (1 - align) / (1 - cosMax), e });
    }
    candidates.sort((p, q) => p.score - q.score || p.e - q.e);
    const best = candidates.find(({ e }) => throughHole(hole, w, bx, by, e % w, Math.floor(e / w)))?.e ?? -1;
    if (best < 0) continue;
    const ex = best % w, ey = (best - ex) / w;
    const len2 = (ex - bx) ** 2 + (ey - by) ** 2;
    rays++;
    const steps = Math.ceil(2 * Math.sqrt(len2));
    for (let s = 1; s < steps; s++) {
      const x = Math.round(bx + (s / steps) * (ex - bx)), y = Math.round(by + (s / steps) * (ey - by));
      const i = y * w + x;
      if (!hole[i] || visited[i] === rays) continue;
      visited[i] = rays;
      // The pixel's own place along the segment (its projection), not the sample's.
      const t = Math.min(1, Math.max(0, ((x - bx) * (ex - bx) + (y - by) * (ey - by)) / len2));
      for (let c = 0; c < 4; c++) sum[i * 4 + c] = sum[i * 4 + c]! + (1 - t) * img[b * 4 + c]! + t * img[best * 4 + c]!;
      weight[i] = weight[i]! + 1;
    }
  }
  let set = 0;
  for (let i = 0; i < weight.length; i++) {
    if (!weight[i]) continue;
    for (let c = 0; c < 4; c++) img[i * 4 + c] = sum[i * 4 + c]! / weight[i]!;
    set++;
  }
  return set;
}

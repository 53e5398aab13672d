/**
 * Detail matching, the heal engine's last step: a fill as sharp as what surrounds it.
 *
 * Least-squares patch matching prefers smooth sources (a flat patch is closer to a blurry estimate than a patch of
 * the same texture shifted by a pixel), and the gradient-domain step averages where constraints disagree, so the
 * fill comes out with less fine detail than its surroundings: a soft, smeared look that retouchers fix by hand
 * with an unsharp mask or added grain. This measures the median luma gradient (the texture's level; a mean would
 * count the ring's edges, and a smooth sky next to a tower would be turned to grain) on a ring of known pixels
 * around the hole and inside the fill, and, when the fill is softer, adds back its own high frequencies (the fill
 * minus its 3×3 mean) with the smallest gain that brings the fill's median gradient to `target` × the ring's. The gain is
 * capped (`maxGain`), tapers to nothing near the hole's border (no outline: thick parts from 3 px in, thin parts
 * from 2 px in), and is 0 when the fill is already as sharp. Only the colour channels of hole pixels change.
 */

/** Inner zone: hole pixels at least this far (chessboard) from the known image; ring: known pixels this far out. */
const INNER = 3, RING_FROM = 3, RING_TO = 12;
/**
 * The taper: a hole pixel at depth d (1 = touching the known image) gets min(1, max(0, (d − start) / 2)) of the
 * gain, start 2 in thick parts (none at depths 1–2, half at 3) and 1 in thin ones (half at 2: a stroke 5 px wide
 * has no pixel deeper than 3).
 */
const TAPER_THICK = 2, TAPER_THIN = 1;

/**
 * Sharpens the hole pixels of `img` (w×h RGBA floats; channel 3 untouched) towards `target` × the ring's mean
 * gradient, one gain for the whole hole; `thin` marks the thin parts (their taper starts nearer the border).
 * Returns the gain used (0 = none).
 */
export function matchDetail(img: Float32Array, hole: Uint8Array, w: number, h: number, target: number, maxGain: number, thin?: Uint8Array): number {
  if (target <= 0) return 0;
  const depth = chessDepth(hole, w, h, RING_TO + 1);
  const luma = lumaPlane(img, w * h);
  const ringGrad = ringGradient(luma, w, h, depth, hole);
  if (ringGrad <= 0) return 0;
  const hp = highPass(img, hole, depth, w, h, thin);
  const hpLuma = lumaPlane(hp, w * h);
  const gain = solveGain(luma, hpLuma, depth, hole, w, h, target * ringGrad, maxGain);
  if (gain > 0) addScaled(img, hp, hole, gain);
  return gain;
}

/** Distance (chessboard, capped at `cap`) of every pixel to the nearest pixel of the other kind (hole vs known). */
function chessDepth(hole: Uint8Array, w: number, h: number, cap: number): Uint8Array {
  const d = new Uint8Array(w * h).fill(cap);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x, me = hole[i];
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx, yy = y + dy;
          if (xx >= 0 && yy >= 0 && xx < w && yy < h && hole[yy * w + xx] !== me) d[i] = 1;
        }
      }
    }
  }
  // Two chamfer passes (chessboard metric) grow the border distance.
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      let v = d[i]!;
      if (x > 0 && d[i - 1]! + 1 < v && hole[i - 1] === hole[i]) v = d[i - 1]! + 1;
      if (y > 0) {
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx >= 0 && xx < w && hole[i - w + dx] === hole[i] && d[i - w + dx]! + 1 < v) v = d[i - w + dx]! + 1;
        }
      }
      d[i] = v;
    }
  }
  for (let y = h - 1; y >= 0; y--) {
    for (let x = w - 1; x >= 0; x--) {
      const i = y * w + x;
      let v = d[i]!;
      if (x < w - 1 && d[i + 1]! + 1 < v && hole[i + 1] === hole[i]) v = d[i + 1]! + 1;
      if (y < h - 1) {
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx >= 0 && xx < w && hole[i + w + dx] === hole[i] && d[i + w + dx]! + 1 < v) v = d[i + w + dx]! + 1;
        }
      }
      d[i] = v;
    }
  }
  return d;
}

function lumaPlane(img: Float32Array, n: number): Float32Array {
  const l = new Float32Array(n);
  for (let i = 0; i < n; i++) l[i] = 0.299 * img[i * 4]! + 0.587 * img[i * 4 + 1]! + 0.114 * img[i * 4 + 2]!;
  return l;
}

/** The 3×3 gradient (mean of the differences across, as the engines bench measures it) at interior pixel i. */
function gradAt(l: Float32Array, i: number, w: number): [number, number] {
  const gx = (l[i - w + 1]! + l[i + 1]! + l[i + w + 1]! - l[i - w - 1]! - l[i - 1]! - l[i + w - 1]!) / 3;
  const gy = (l[i + w - 1]! + l[i + w]! + l[i + w + 1]! - l[i - w - 1]! - l[i - w]! - l[i - w + 1]!) / 3;
  return [gx, gy];
}

/** Median gradient magnitude over the ring: known pixels RING_FROM–RING_TO out (their texture, not their edges). */
function ringGradient(l: Float32Array, w: number, h: number, depth: Uint8Array, hole: Uint8Array): number {
  const g: number[] = [];
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      if (hole[i] !== 0 || depth[i]! < RING_FROM || depth[i]! > RING_TO) continue;
      const [gx, gy] = gradAt(l, i, w);
      g.push(Math.hypot(gx, gy));
    }
  }
  return g.length ? Float64Array.from(g).sort()[g.length >> 1]! : 0;
}

/** Per hole pixel and colour channel: the value minus its 3×3 mean, times the border taper (0 at depth 1). */
function highPass(img: Float32Array, hole: Uint8Array, depth: Uint8Array, w: number, h: number, thin?: Uint8Array): Float32Array {
  const hp = new Float32Array(img.length);
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      if (!hole[i]) continue;
      const taper = Math.min(1, Math.max(0, (depth[i]! - (thin?.[i] ? TAPER_THIN : TAPER_THICK)) / 2));
      if (taper <= 0) continue;
      for (let c = 0; c < 3; c++) {
        let m = 0;
        for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) m += img[((y + dy) * w + x + dx) * 4 + c]!;
        hp[i * 4 + c] = taper * (img[i * 4 + c]! - m / 9);
      }
    }
  }
  return hp;
}

/**
 * The smallest gain in [0, maxGain] (bisection) whose sharpened fill has a median gradient of at least `want`
 * inside: at least half the inner pixels' gradients reach it.
 */
function solveGain(l: Float32Array, t: Float32Array, depth: Uint8Array, hole: Uint8Array, w: number, h: number, want: number, maxGain: number): number {
  const gl: number[] = [], gt: number[] = [];
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      if (!hole[i] || depth[i]! < INNER) continue;
      const a = gradAt(l, i, w), b = gradAt(t, i, w);
      gl.push(a[0], a[1]); gt.push(b[0], b[1]);
    }
  }
  const n = gl.length / 2;
  if (n === 0) return 0;
  const want2 = want * want;
  const reaches = (k: number) => {
    let above = 0;
    for (let j = 0; j < gl.length; j += 2) {
      const gx = gl[j]! + k * gt[j]!, gy = gl[j + 1]! + k * gt[j + 1]!;
      if (gx * gx + gy * gy >= want2) above++;
    }
    return above * 2 >= n;
  };
  if (reaches(0)) return 0;
  if (!reaches(maxGain)) return maxGain;
  let lo = 0, hi = maxGain;
  for (let it = 0; it < 16; it++) {
    const mid = (lo + hi) / 2;
    if (reaches(mid)) hi = mid; else lo = mid;
  }
  return hi;
}

function addScaled(img: Float32Array, hp: Float32Array, hole: Uint8Array, gain: number): void {
  for (let i = 0; i < hole.length; i++) {
    if (!hole[i]) continue;
    const a = i * 4;
    img[a] = img[a]! + gain * hp[a]!; img[a + 1] = img[a + 1]! + gain * hp[a + 1]!; img[a + 2] = img[a + 2]! + gain * hp[a + 2]!;
  }
}

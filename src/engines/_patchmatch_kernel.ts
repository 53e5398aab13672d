/**
 * The inner loops of the patchmatch engine, on plain typed arrays so the same code runs on the main thread and
 * in a worker over SharedArrayBuffers. Nothing here allocates per pixel.
 *
 * Every phase works on a band of rows [y0, y1) and only writes inside its band, and the PatchMatch search only
 * propagates between neighbours of the same band. A band's result therefore depends only on the band and its
 * seed, never on which thread ran it or in what order: the output is the same for one thread or two.
 *
 * References: Barnes, Shechtman, Finkelstein, Goldman, "PatchMatch: A Randomized Correspondence Algorithm for
 * Structural Image Editing", SIGGRAPH 2009 (propagation + random search, §3.2); Wexler, Shechtman, Irani,
 * "Space-Time Completion of Video", PAMI 2007 (weighted patch voting, §3.2–3.3).
 */

/** One pyramid level of the working region. All per-pixel arrays are `w * h` long (`img` is 4 per pixel). */
export interface LevelArrays {
  w: number;
  h: number;
  /** Patch radius: patches are (2r+1)². */
  r: number;
  /** Every known pixel has alpha 255, so distances skip the alpha channel (a quarter of the work). */
  opaque: boolean;
  /** Current estimate, RGBA as floats; known pixels hold the image, hole pixels the latest vote. */
  img: Float32Array;
  /** 1 where the pixel is to be filled. */
  hole: Uint8Array;
  /** 1 where a patch centred here lies inside the level and holds no hole pixel: a source. */
  valid: Uint8Array;
  /** Source centres, ascending (for random draws). */
  sources: Int32Array;
  /** 1 where a patch centred here overlaps the hole: a target whose nearest neighbour is searched. */
  target: Uint8Array;
  /** Nearest-neighbour field: index of the source centre for each target centre. */
  nnf: Int32Array;
  /** SSD of each target patch to its current source patch. */
  dist: Float32Array;
  /** Vote weight of each target patch. */
  weight: Float32Array;
  /**
   * Penalty per squared pixel of distance between a target and its source, added to the SSD (the heal engine's
   * preference for near sources). 0 or absent: none (patchmatch).
   */
  far?: number;
}

/** The far-source penalty of matching target p with source s (0 when the level has none). */
export function farCost(L: LevelArrays, p: number, s: number): number {
  const f = L.far;
  if (!f) return 0;
  const w = L.w;
  const px = p % w, sx = s % w;
  const dx = px - sx, dy = (p - px) / w - (s - sx) / w;
  return f * (dx * dx + dy * dy);
}

/** Mulberry32: tiny, fast, good enough for PatchMatch's random search, and fully determined by its seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seed for one band of one pass, mixed so neighbouring bands and passes get unrelated streams. */
export function bandSeed(seed: number, pass: number, band: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ (pass + 0x85ebca6b), 0xc2b2ae35) >>> 0;
  h = Math.imul(h ^ (band + 0x27d4eb2f), 0x165667b1) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Sum of squared differences over RGBA between the target patch at `p` and the source patch at `s`, clipped
 * to the level where the target runs off it (sources are always whole). Stops as soon as a row pushes the
 * sum past `best`, which is what makes most candidate tests cheap.
 */
export function patchSsd(L: LevelArrays, p: number, s: number, best: number): number {
  const { w, h, r, img } = L;
  const px = p % w;
  const py = (p - px) / w;
  const y0 = py < r ? -py : -r;
  const y1 = py + r >= h ? h - 1 - py : r;
  const x0 = px < r ? -px : -r;
  const x1 = px + r >= w ? w - 1 - px : r;
  let sum = 0;
  if (L.opaque) {
    for (let dy = y0; dy <= y1; dy++) {
      let a = (p + dy * w + x0) * 4;
      let b = (s + dy * w + x0) * 4;
      for (let dx = x0; dx <= x1; dx++) {
        const d0 = img[a]! - img[b]!;
        const d1 = img[a + 1]! - img[b + 1]!;
        const d2 = img[a + 2]! - img[b + 2]!;
        sum += d0 * d0 + d1 * d1 + d2 * d2;
        a += 4;
        b += 4;
      }
      if (sum >= best) return sum;
    }
    return sum;
  }
  for (let dy = y0; dy <= y1; dy++) {
    let a = (p + dy * w + x0) * 4;
    let b = (s + dy * w + x0) * 4;
    for (let dx = x0; dx <= x1; dx++) {
      const d0 = img[a]! - img[b]!;
      const d1 = img[a + 1]! - img[b + 1]!;
      const d2 = img[a + 2]! - img[b + 2]!;
      const d3 = img[a + 3]! - img[b + 3]!;
      sum += d0 * d0 + d1 * d1 + d2 * d2 + d3 * d3;
      a += 4;
      b += 4;
    }
    if (sum >= best) return sum;
  }
  return sum;
}

/** Recomputes `dist` for every target in rows [y0, y1) after the estimate changed (a vote). */
export function distanceBand(L: LevelArrays, y0: number, y1: number): void {
  const { w, target, nnf, dist } = L;
  for (let p = y0 * w, end = y1 * w; p < end; p++) {
    if (target[p]) dist[p] = patchSsd(L, p, nnf[p]!, Infinity) + farCost(L, p, nnf[p]!);
  }
}

/**
 * One PatchMatch pass over the targets in rows [y0, y1): propagation from the already visited neighbours of
 * the band (left/up when `forward`, right/down otherwise), then a random search around the current match at
 * exponentially shrinking radii (Barnes et al. §3.2, α = ½), plus one draw from all sources to escape local
 * minima.
 */
export function searchBand(L: LevelArrays, y0: number, y1: number, forward: boolean, seed: number, radiusCap = 0): void {
  const { w, h, target, valid, nnf, dist, sources } = L;
  // With a far-source penalty the cost of a candidate is its SSD plus that penalty (early exit on what is left).
  const cost = L.far ? (p: number, c: number, best: number) => { const f = farCost(L, p, c); return f >= best ? f : patchSsd(L, p, c, best - f) + f; } : patchSsd.bind(null, L);
  const random = rng(seed);
  const n = w * h;
  const maxRadius = radiusCap > 0 ? Math.min(radiusCap, Math.max(w, h)) : Math.max(w, h);
  const step = forward ? 1 : -1;
  const rowStep = forward ? w : -w;
  const yStart = forward ? y0 : y1 - 1;
  const yEnd = forward ? y1 : y0 - 1;
  for (let y = yStart; y !== yEnd; y += step) {
    const xStart = forward ? 0 : w - 1;
    const xEnd = forward ? w : -1;
    const hasPrevRow = forward ? y > y0 : y < y1 - 1;
    for (let x = xStart; x !== xEnd; x += step) {
      const p = y * w + x;
      if (!target[p]) continue;
      let bs = nnf[p]!;
      let best = dist[p]!;
      // Propagation: the neighbour's match shifted by one is a good guess for a coherent fill.
      const xPrev = x - step;
      if (xPrev >= 0 && xPrev < w && target[p - step]) {
        const c = nnf[p - step]! + step;
        // valid[] is 0 within r of every edge, so a shift that wrapped to another row is never a source.
        if (c >= 0 && c < n && valid[c] && c !== bs) {
          const d = cost(p, c, best);
          if (d < best) { best = d; bs = c; }
        }
      }
      if (hasPrevRow && target[p - rowStep]) {
        const c = nnf[p - rowStep]! + rowStep;
        if (c >= 0 && c < n && valid[c] && c !== bs) {
          const d = cost(p, c, best);
          if (d < best) { best = d; bs = c; }
        }
      }
      // Random search around the current best.
      const bx = bs % w;
      const by = (bs - bx) / w;
      for (let rad = maxRadius; rad >= 1; rad >>= 1) {
        const cx = bx + Math.floor((random() * 2 - 1) * rad);
        const cy = by + Math.floor((random() * 2 - 1) * rad);
        if (cx < 0 || cy < 0 || cx >= w || cy >= h) continue;
        const c = cy * w + cx;
        if (!valid[c] || c === bs) continue;
        const d = cost(p, c, best);
        if (d < best) { best = d; bs = c; }
      }
      const c = radiusCap > 0 ? bs : sources[Math.floor(random() * sources.length)]!;
      if (c !== bs) {
        const d = cost(p, c, best);
        if (d < best) { best = d; bs = c; }
      }
      nnf[p] = bs;
      dist[p] = best;
    }
  }
}

/**
 * Voting (Wexler et al. §3.2): every hole pixel in rows [y0, y1) becomes the weighted mean of the colours
 * that the matches of all target patches covering it propose for it. Written as a gather so bands never write
 * outside themselves; it reads only source pixels (never holes) and writes only hole pixels.
 */
export function voteBand(L: LevelArrays, y0: number, y1: number): void {
  const { w, h, r, img, hole, target, nnf, weight } = L;
  for (let y = y0; y < y1; y++) {
    // p = q - d must lie inside the level: d in [q - (size - 1), q].
    const dyMin = Math.max(-r, y - (h - 1));
    const dyMax = Math.min(r, y);
    for (let x = 0; x < w; x++) {
      const q = y * w + x;
      if (!hole[q]) continue;
      const dxMin = Math.max(-r, x - (w - 1));
      const dxMax = Math.min(r, x);
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0, ws = 0;
      for (let dy = dyMin; dy <= dyMax; dy++) {
        for (let dx = dxMin; dx <= dxMax; dx++) {
          // The patch centred at p = q - d covers q at offset d; its source proposes the pixel at src + d.
          const p = q - dy * w - dx;
          if (!target[p]) continue;
          const wt = weight[p]!;
          if (wt <= 0) continue;
          const b = (nnf[p]! + dy * w + dx) * 4;
          s0 += wt * img[b]!;
          s1 += wt * img[b + 1]!;
          s2 += wt * img[b + 2]!;
          s3 += wt * img[b + 3]!;
          ws += wt;
        }
      }
      if (ws > 0) {
        const a = q * 4;
        img[a] = s0 / ws;
        img[a + 1] = s1 / ws;
        img[a + 2] = s2 / ws;
        img[a + 3] = s3 / ws;
      }
    }
  }
}

/**
 * The heal engine's vote without averaging blur: every hole pixel in rows [y0, y1) takes what the overlapping
 * patches' matches propose, weighted by exp(-(d - dmin) / h) where d is a patch's cost per pixel, dmin the lowest
 * among the patches covering the pixel and `h` a sharpness (small h: the single best patch decides). Two passes
 * per pixel, allocation-free; reads only known pixels of the sources and writes only hole pixels.
 */
export function voteSharpBand(L: LevelArrays, y0: number, y1: number, h: number): void {
  const { w, h: H, r, img, hole, target, nnf, dist } = L;
  const inv = 1 / Math.max(1e-6, h);
  const area = (2 * r + 1) * (2 * r + 1);
  for (let y = y0; y < y1; y++) {
    const dyMin = Math.max(-r, y - (H - 1));
    const dyMax = Math.min(r, y);
    for (let x = 0; x < w; x++) {
      const q = y * w + x;
      if (!hole[q]) continue;
      const dxMin = Math.max(-r, x - (w - 1));
      const dxMax = Math.min(r, x);
      let dmin = Infinity;
      for (let dy = dyMin; dy <= dyMax; dy++) {
        for (let dx = dxMin; dx <= dxMax; dx++) {
          const p = q - dy * w - dx;
          if (target[p] && nnf[p]! >= 0 && dist[p]! < dmin) dmin = dist[p]!;
        }
      }
      if (dmin === Infinity) continue;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0, ws = 0;
      for (let dy = dyMin; dy <= dyMax; dy++) {
        for (let dx = dxMin; dx <= dxMax; dx++) {
          const p = q - dy * w - dx;
          if (!target[p] || nnf[p]! < 0) continue;
          const e = ((dist[p]! - dmin) / area) * inv;
          if (e > 20) continue;
          const wt = Math.exp(-e);
          const b = (nnf[p]! + dy * w + dx) * 4;
          s0 += wt * img[b]!; s1 += wt * img[b + 1]!; s2 += wt * img[b + 2]!; s3 += wt * img[b + 3]!;
          ws += wt;
        }
      }
      const a = q * 4;
      img[a] = s0 / ws; img[a + 1] = s1 / ws; img[a + 2] = s2 / ws; img[a + 3] = s3 / ws;
    }
  }
}

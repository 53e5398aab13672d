/**
 * The default embedded engine: multi-scale exemplar-based image completion.
 *
 * Wexler, Shechtman, Irani, "Space-Time Completion of Video" (PAMI 2007) fills a hole by alternating, at each
 * level of an image pyramid, a nearest-neighbour search for every patch overlapping the hole with a vote in
 * which each hole pixel becomes the weighted mean of what the overlapping patches' matches propose (an EM
 * scheme that lowers the global patch dissimilarity). The search is Barnes et al.'s PatchMatch (SIGGRAPH 2009):
 * random initialisation, propagation of good offsets to neighbours, and random search at shrinking radii.
 *
 * Concretely: crop the hole's bounding box plus a margin (the source region), build a pyramid by 2×2 averaging
 * until the hole is thin at the coarsest level, initialise that hole by onion peeling, then per level run
 * EM iterations (distances → PatchMatch passes → weights → vote) and carry the nearest-neighbour field up to
 * the next level, where a first vote with the upsampled field gives the sharp initial estimate.
 *
 * @example
 * const filled = await patchmatchEngine.fill(image, mask, { seed: 7 });
 */
import { availableParallelism } from 'node:os';
import { AbortError, throwIfAborted } from '../core/errors.js';
import { boundingBox, cloneRaster, type EditMask, type Raster } from '../core/raster.js';
import { growBox } from '../core/crop.js';
import type { ProgressCallback } from '../core/progress.js';
import { checkFillInputs, engineNumber, type Engine, type FillOptions } from './engine.js';
import { bandSeed, rng } from './_patchmatch_kernel.js';
import { correctSeams, countSources, downsample, makeLevel, onionPeel, plainAlloc, sharedAlloc, type Alloc, type Level } from './_patchmatch_levels.js';
import { leaseWorkerExecutor, localExecutor, type Executor, type Phase } from './_patchmatch_pool.js';

/** The knobs of the patchmatch engine, all optional (FillOptions keys). */
export interface PatchmatchOptions extends FillOptions {
  /** Odd patch side in pixels, 3–15. Default 7. */
  patchSize?: number;
  /** EM iterations at the coarsest level; finer levels get fewer, down to `emIterationsFinest`. Default 10. */
  emIterations?: number;
  /** EM iterations at the full-resolution level. Default 2. */
  emIterationsFinest?: number;
  /** PatchMatch passes per EM iteration. Default 2 (1 at full resolution). */
  searchPasses?: number;
  /** Pixels of context around the hole's bounding box; default its longer side, at least 4 patches. */
  margin?: number;
  /** Most pyramid levels (1 = full resolution only). Default 8. */
  maxLevels?: number;
  /** Blend the fill into its border (seam correction, see correctSeams). Default true. */
  seams?: boolean;
  /** Helper worker threads besides the main thread: 'auto' (one when the work is big and there are ≥ 2 CPUs), or a count. */
  workers?: number | 'auto';
}

/** Wexler et al.'s confidence base: a patch centred d pixels deep into the hole counts γ^-d (γ = 1.3). */
const GAMMA = 1.3;
/** Rows per band; bands are the unit of parallel work and the boundary of propagation. */
const BAND = 16;
/** Jacobi sweeps of the seam membrane after its onion-peel start. */
const SEAM_RELAXATIONS = 20;
/** Border differences above this (per channel, 0–255) are edges, not lighting, and are not blended. */
const SEAM_MAX_DIFF = 16;
/** A level needs at least this many source patches to be worth searching. */
const MIN_SOURCES = 64;
/** Below this many hole pixels a fill takes tens of ms and the per-phase hand-off to a helper is not worth it. */
const WORKER_MIN_HOLES = 20_000;

interface Settings { seams: boolean; r: number; emCoarse: number; emFine: number; passes: number; margin: number | undefined; maxLevels: number; workers: number | 'auto'; seed: number }

const intOption = (o: FillOptions, key: string, fallback: number, min: number, max: number) => engineNumber('patchmatch', o, key, fallback, min, max, true);

function settings(o: FillOptions): Settings {
  const patch = intOption(o, 'patchSize', 7, 3, 15);
  if (patch % 2 === 0) throw new RangeError(`patchmatch option patchSize must be odd, received ${patch}`);
  const w = o.workers;
  if (o.seams !== undefined && typeof o.seams !== 'boolean') throw new RangeError(`patchmatch option seams must be true or false, received ${JSON.stringify(o.seams)}`);
  return {
    seams: o.seams !== false,
    r: patch >> 1,
    emCoarse: intOption(o, 'emIterations', 10, 1, 100),
    emFine: intOption(o, 'emIterationsFinest', 2, 1, 100),
    passes: intOption(o, 'searchPasses', 2, 1, 20),
    margin: o.margin === undefined ? undefined : intOption(o, 'margin', 0, 0, 1 << 20),
    maxLevels: intOption(o, 'maxLevels', 8, 1, 16),
    workers: w === undefined || w === 'auto' ? 'auto' : intOption(o, 'workers', 0, 0, 16),
    seed: intOption(o, 'seed', 1, -(2 ** 31), 2 ** 32 - 1) >>> 0,
  };
}

/** The crop the engine works in: hole bounding box grown by the margin, clamped to the image. */
function region(mask: EditMask, margin: number | undefined, r: number): { x: number; y: number; w: number; h: number } {
  const b = boundingBox(mask)!; // the caller returns early for an empty mask
  const m = margin ?? Math.max(4 * (2 * r + 1), Math.max(b.width, b.height));
  const g = growBox(b, m, mask);
  return { x: g.x, y: g.y, w: g.width, h: g.height };
}

function cropToFloat(image: Raster, mask: EditMask, box: { x: number; y: number; w: number; h: number }, alloc: Alloc): { img: Float32Array; hole: Uint8Array } {
  const img = alloc(Float32Array, box.w * box.h * 4);
  const hole = alloc(Uint8Array, box.w * box.h);
  for (let y = 0; y < box.h; y++) {
    for (let x = 0; x < box.w; x++) {
      const i = y * box.w + x;
      const j = (box.y + y) * image.width + box.x + x;
      if (mask.data[j]) { hole[i] = 1; continue; }
      for (let c = 0; c < 4; c++) img[i * 4 + c] = image.data[j * 4 + c]!;
    }
  }
  return { img, hole };
}

/** Splits rows into bands of BAND rows, shifted by `offset` so that band edges move between passes. */
export function bands(h: number, offset: number, seed: number, pass: number): number[] {
  const out: number[] = [];
  let y0 = 0, k = 0;
  let y1 = offset % BAND || BAND;
  while (y0 < h) {
    const e = Math.min(h, y1);
    out.push(y0, e, bandSeed(seed, pass, k++));
    y0 = e;
    y1 = e + BAND;
  }
  return out;
}

/** Vote weights (Wexler et al. §3.3): similarity exp(-d / 2σ²) with σ² the 75th percentile of the distances, times confidence γ^-depth. */
export function computeWeights(L: Level, useDistance: boolean): void {
  const { target, dist, weight, holeDist } = L;
  let sigma2 = 1;
  if (useDistance) {
    const sample: number[] = [];
    const stride = Math.max(1, Math.floor(target.length / 4096));
    for (let i = 0; i < target.length; i += stride) if (target[i]) sample.push(dist[i]!);
    sample.sort((a, b) => a - b);
    sigma2 = Math.max(1e-3, sample[Math.floor(sample.length * 0.75)] ?? 1);
  }
  const conf = new Float32Array(L.maxHoleDist + 1);
  for (let d = 0; d < conf.length; d++) conf[d] = GAMMA ** -d;
  for (let p = 0; p < target.length; p++) {
    if (!target[p]) continue;
    const c = conf[holeDist[p]!]!;
    weight[p] = useDistance ? c * Math.exp(-dist[p]! / (2 * sigma2)) : c;
  }
}

/** Random nearest neighbours for every target (coarsest level). */
export function randomField(L: Level, random: () => number): void {
  const { target, nnf, sources } = L;
  for (let p = 0; p < target.length; p++) if (target[p]) nnf[p] = sources[Math.floor(random() * sources.length)]!;
}

/** Carries the coarse field up one level: the match of (x, y) is twice the coarse match of (x/2, y/2) plus the same sub-offset. */
export function upsampleField(fine: Level, coarse: Level, random: () => number): void {
  const { w, h, r, target, valid, nnf, sources } = fine;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = y * w + x;
      if (!target[p]) continue;
      const X = Math.min(x >> 1, coarse.w - 1), Y = Math.min(y >> 1, coarse.h - 1);
      const cs = coarse.nnf[Y * coarse.w + X]!;
      let s = -1;
      if (cs >= 0) {
        const cx = cs % coarse.w, cy = (cs - cx) / coarse.w;
        const sx = Math.min(w - 1 - r, Math.max(r, 2 * cx + x - 2 * X));
        const sy = Math.min(h - 1 - r, Math.max(r, 2 * cy + y - 2 * Y));
        s = sy * w + sx;
      }
      nnf[p] = s >= 0 && valid[s] ? s : sources[Math.floor(random() * sources.length)]!;
    }
  }
}

function resolveWorkers(s: Settings, holes: number): number {
  if (s.workers !== 'auto') return s.workers;
  return availableParallelism() >= 2 && holes >= WORKER_MIN_HOLES ? 1 : 0;
}

async function fill(image: Raster & { channels: 4 }, mask: EditMask, options: FillOptions = {}, signal?: AbortSignal, onProgress?: ProgressCallback): Promise<Raster & { channels: 4 }> {
  throwIfAborted(signal);
  const s = settings(options);
  const out = cloneRaster(image);
  const holes = checkFillInputs(image, mask);
  if (holes === 0) return out;
  const started = Date.now();

  // Source region: the hole's neighbourhood, or the whole image when that holds too few whole known patches.
  let box = region(mask, s.margin, s.r);
  let crop = cropToFloat(image, mask, box, plainAlloc);
  let r = s.r;
  if (countSources(crop.hole, box.w, box.h, r) < MIN_SOURCES && (box.w < image.width || box.h < image.height)) {
    box = { x: 0, y: 0, w: image.width, h: image.height };
    crop = cropToFloat(image, mask, box, plainAlloc);
  }
  // Small images and dense scatters of holes may hold no whole patch: shrink the patch until one fits.
  while (r > 1 && countSources(crop.hole, box.w, box.h, r) === 0) r--;

  if (countSources(crop.hole, box.w, box.h, r) === 0) {
    // Not even a 3×3 known patch: the onion-peel diffusion is the best estimate there is.
    onionPeel(crop.img, crop.hole, box.w, box.h);
    writeBack(out, crop.img, crop.hole, box);
    onProgress?.({ step: 'fill', fraction: 1, ms: Date.now() - started });
    return out;
  }

  const helpers = resolveWorkers(s, holes);
  const alloc = helpers > 0 ? sharedAlloc : plainAlloc;
  if (helpers > 0) crop = cropToFloat(image, mask, box, sharedAlloc);
  // Hole pixels' alpha is only ever a vote of known alphas, so an opaque image stays opaque throughout.
  let opaque = true;
  for (let i = 0; i < crop.hole.length && opaque; i++) if (!crop.hole[i] && crop.img[i * 4 + 3] !== 255) opaque = false;
  // The helper threads serve one fill at a time; a concurrent fill runs on its own thread (same bytes).
  const lease = helpers > 0 ? leaseWorkerExecutor(helpers) : null;
  const exec: Executor = lease ?? localExecutor();
  try {
    // Pyramid: halve until the hole is no thicker than a patch radius, the level gets too small, or runs out of sources.
    const levels: (Level | undefined)[] = [makeLevel(crop.img, crop.hole, box.w, box.h, r, opaque, alloc)];
    while (levels.length < s.maxLevels) {
      const top = levels[levels.length - 1]!;
      if (top.maxHoleDist <= r) break;
      if (((top.w + 1) >> 1) < 4 * r + 2 || ((top.h + 1) >> 1) < 4 * r + 2) break;
      const c = downsample(top.img, top.hole, top.w, top.h, alloc);
      if (countSources(c.hole, c.w, c.h, r) < MIN_SOURCES) break;
      levels.push(makeLevel(c.img, c.hole, c.w, c.h, r, opaque, alloc));
    }

    const K = levels.length;
    const emAt = (l: number) => (K === 1 ? s.emFine : Math.round(s.emFine + ((s.emCoarse - s.emFine) * l) / (K - 1)));
    let totalWork = 0;
    for (let l = 0; l < K; l++) totalWork += emAt(l) * levels[l]!.w * levels[l]!.h;
    let doneWork = 0;
    let pass = 0;
    const run = async (L: Level, phase: Phase, forward = true) => {
      throwIfAborted(signal);
      pass++;
      await exec.run({ phase, forward, bands: bands(L.h, phase === 'search' ? (pass * 7) % BAND : 0, s.seed, pass) });
    };

    for (let l = K - 1; l >= 0; l--) {
      const L = levels[l]!;
      const random = rng(bandSeed(s.seed, 0x7fff0000 + l, 0));
      await exec.setLevel(L);
      if (l === K - 1) {
        onionPeel(L.img, L.hole, L.w, L.h);
        randomField(L, random);
      } else {
        upsampleField(L, levels[l + 1]!, random);
        computeWeights(L, false);
        await run(L, 'vote');
      }
      const em = emAt(l);
      const passes = l === 0 ? Math.max(1, s.passes - 1) : s.passes;
      for (let i = 0; i < em; i++) {
        await run(L, 'dist');
        for (let j = 0; j < passes; j++) await run(L, 'search', (i * passes + j) % 2 === 0);
        computeWeights(L, true);
        await run(L, 'vote');
        doneWork += L.w * L.h;
        onProgress?.({ step: 'fill', fraction: doneWork / totalWork, message: `level ${l + 1}/${K}, iteration ${i + 1}/${em}` });
      }
      levels[l + 1] = undefined; // let the coarser level go
    }
    if (signal?.aborted) throw new AbortError();
    if (s.seams) correctSeams(levels[0]!, SEAM_RELAXATIONS, SEAM_MAX_DIFF);
    writeBack(out, levels[0]!.img, levels[0]!.hole, box);
    onProgress?.({ step: 'fill', fraction: 1, ms: Date.now() - started });
    return out;
  } finally {
    lease?.release();
  }
}

/** Copies the filled hole pixels (rounded, clamped) into the output; every other pixel stays the input's. */
function writeBack(out: Raster, img: Float32Array, hole: Uint8Array, box: { x: number; y: number; w: number; h: number }): void {
  for (let y = 0; y < box.h; y++) {
    for (let x = 0; x < box.w; x++) {
      const i = y * box.w + x;
      if (!hole[i]) continue;
      const j = ((box.y + y) * out.width + box.x + x) * 4;
      for (let c = 0; c < 4; c++) {
        const v = Math.round(img[i * 4 + c]!);
        out.data[j + c] = v < 0 ? 0 : v > 255 ? 255 : v;
      }
    }
  }
}

export const patchmatchEngine: Engine = { name: 'patchmatch', fill };

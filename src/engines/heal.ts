/**
 * The default embedded engine, `heal`: object removal that samples where a person would and does not transplant
 * nearby objects into the hole.
 *
 * It keeps patchmatch's machinery (Wexler et al.'s multi-scale EM completion over Barnes et al.'s PatchMatch,
 * banded and optionally on a helper thread) and changes what goes into it and what comes out:
 * - **Where sources come from.** A ring around the hole whose width follows the hole's depth (like GIMP
 *   Resynthesizer's corpus ring), plus areas the user adds (`sampleFrom`), minus areas the user forbids
 *   (`exclude`). Every candidate also pays a penalty growing with its squared distance from the target.
 * - **What counts as a match.** Colour plus a texture feature (each pixel's mean gradient magnitude, Newson et al.
 *   2014, `_heal_texture.ts`), so a textured border is not filled from the smoother patches that colour alone
 *   prefers. Objects next to the hole whose colours its border lacks are not sampled; specks smaller than a patch are.
 * - **Initialisation.** The hole is first filled by a smooth multi-scale diffusion (push–pull plus relaxation),
 *   and the coarsest level matches against that: smooth background patches, not the nearest distinct object,
 *   win the first search (as in G'MIC's inpaint_matchpatch). Offsets are carried up every level.
 * - **No averaging at the finest level.** The last vote weights the overlapping proposals by
 *   exp(−Δd / h) relative to the best one (h small): in practice one patch decides each pixel, so texture keeps its
 *   sharpness. A very large finest level (over 150,000 targets: a 12 MP photo) is not searched at all: every hole
 *   pixel copies the full-resolution pixel its carried-up match points at.
 * - **Gradient-domain reconstruction** (`_heal_poisson.ts`). The fill's colours are replaced by the ones whose
 *   gradients are the sources' own and which meet the known image at the border (Pérez, Gangnet, Blake 2003;
 *   Darabi et al.'s gradient vote, 2012), solved by multigrid-preconditioned conjugate gradients: no outline at the
 *   border and no tone step where two sources meet inside the fill, while the texture stays the sources'.
 * - **Detail matching** (`_heal_detail.ts`). A fill still softer than the known ring around it gets its own high
 *   frequencies back (an unsharp mask, none near the border) until its gradient matches the ring's: the median
 *   with gain ≤ 1 beside a flat ring (a sky), the mean with gain ≤ 2 beside a textured one.
 * - **Thin parts.** Each connected component of the hole whose deepest pixel is within `thinWidth` of the known
 *   image (strokes, scratches, text) is filled on its own at full resolution with small local patches and a
 *   narrow ring: the edges crossing a stroke continue through it instead of being smeared.
 *
 * @example
 * const filled = await healEngine.fill(image, mask, { seed: 7, exclude: dontSampleMask });
 */
import { availableParallelism } from 'node:os';
import { AbortError, MaskError, throwIfAborted } from '../core/errors.js';
import { growBox } from '../core/crop.js';
import { boundingBox, cloneRaster, type EditMask, type Raster } from '../core/raster.js';
import type { ProgressCallback } from '../core/progress.js';
import { checkFillInputs, engineNumber, type Engine, type FillOptions } from './engine.js';
import { bandSeed, rng } from './_patchmatch_kernel.js';
import { downsample, makeLevel, plainAlloc, sharedAlloc, type Alloc, type Level } from './_patchmatch_levels.js';
import { leaseWorkerExecutor, localExecutor, type Executor, type Phase } from './_patchmatch_pool.js';
import { bands, computeWeights, randomField, upsampleField } from './patchmatch.js';
import { poissonReconstruct, POISSON_MAX_DIFF, sourceOfEachPixel, type Sources } from './_heal_poisson.js';
import { textureToAlpha } from './_heal_texture.js';
import { matchDetail } from './_heal_detail.js';
import { continueStructure } from './_heal_structure.js';
import { diffuseNear, peelDiffuse, downsampleAllowed, foreignColours, restrictSources, samplingArea, splitByThickness, type Rect } from './_heal_regions.js';

/** The knobs of the heal engine, all optional (FillOptions keys). */
export interface HealOptions extends FillOptions {
  /** Odd patch side in pixels, 3–15. Default 7. */
  patchSize?: number;
  /** Extra areas to sample from (non-zero = allowed), same size as the image; added to the ring. */
  sampleFrom?: EditMask;
  /** Areas never to sample from (non-zero = excluded), same size as the image; wins over everything. */
  exclude?: EditMask;
  /** Width of the sampling ring around the hole in pixels; default from the hole's depth (16–256). */
  ring?: number;
  /** Penalty for far sources: squared levels per channel added at one ring width of distance. Default 16. */
  farPenalty?: number;
  /** Components whose deepest pixel is at most this far from the known image are "thin". Default 3. */
  thinWidth?: number;
  /** EM iterations at the coarsest level (fewer on finer levels). Default 8. */
  emIterations?: number;
  /**
   * Sharpness of the finest level's vote: mean squared difference per pixel within which proposals share.
   * Default 1. With `seams` (the default) the last vote is winner-take-all (the gradient-domain step follows).
   */
  sharpness?: number;
  /**
   * Colours rarer than this share of the hole's border (within ±32 levels per channel) are not sampled: a distinct
   * object next to the hole is not copied into it. At most 30 % of the ring is dropped. 0 = off. Default 0.005.
   */
  rareColours?: number;
  /**
   * Weight of the texture feature in the patch distance (mean gradient magnitude around each pixel, Newson et al.
   * 2014): a textured border asks for textured sources. 0 = colour only. Default 4. Opaque images only.
   */
  texture?: number;
  /**
   * Detail matching: when the fill is softer than the known ring around the hole, its own high frequencies are
   * brought up until its luma gradient reaches this fraction of the ring's: the median beside a flat ring (sky,
   * wall; gain at most 1), the mean beside a textured one (gain at most 2); none near the border. 0 = off.
   * Default 1 (as sharp as its surroundings).
   */
  detail?: number;
  /** Blend the fill into its border in the gradient domain. Default true. */
  seams?: boolean;
  /**
   * Structure continuation: straight structures that cross the hole (a tower, a pole, an edge, mortar lines) are
   * drawn across every level's estimate before its search matches against it, so the fill continues them. Default true.
   */
  structure?: boolean;
  /** Helper worker threads: 'auto' (one when the work is big and there are ≥ 2 CPUs), or a count. */
  workers?: number | 'auto';
}

interface Settings { r: number; texture: number; detail: number; structure: boolean; ring: number | undefined; far: number; thin: number; em: number; sharp: number; rare: number; seams: boolean; workers: number | 'auto'; seed: number }

/** A level needs at least this many source patches to be searched. */
const MIN_SOURCES = 64;
/** Coarse levels may shrink the patch down to this radius (5×5) to find sources in a thin ring. */
const COARSE_MIN_RADIUS = 2;
/** Below this many hole pixels the helper thread is not worth its hand-offs. */
const WORKER_MIN_HOLES = 20_000;
/** Above this many targets, the finest level does no search: the coarser level's field, carried up, is voted. */
const BIG_FINEST = 150_000;
/** Levels above this many targets refine with one EM iteration and one local search pass. */
const REFINE_TARGETS = 15_000;
/** The finest level's search radius: it refines the field carried up from the level below. */
const FINEST_RADIUS = 2;
/** Levels above this many targets search locally (within 16 px): the coarser levels did the global search. */
const GLOBAL_TARGETS = 4_000;
/** Conjugate-gradient steps of the gradient-domain reconstruction (from the voted fill, each with a V-cycle). */
const POISSON_ITERATIONS = 4;
/** …on a copy-only finest level (a 12 MP photo's 5 % hole: 600,000 unknowns), where the copied blocks are coherent. */
const COPY_ONLY_POISSON_ITERATIONS = 2;
/** Gauss–Seidel sweeps after the diffusion's push–pull or onion peel (the holes' smooth start). */
const SWEEPS = 12;
/** Known pixels around a hole's box that the diffusion estimate is drawn from. */
const DIFFUSE_MARGIN = 16;
/** The hole's border band whose colours say what the fill may copy (foreignColours), in pixels. */
const BORDER_BAND = 4;
/** At most this fraction of the ring is dropped as colours foreign to the hole's border. */
const MAX_FOREIGN = 0.3;

const intOption = (o: FillOptions, key: string, fallback: number, min: number, max: number) => engineNumber('heal', o, key, fallback, min, max, true);

const numOption = (o: FillOptions, key: string, fallback: number, min: number, max: number) => engineNumber('heal', o, key, fallback, min, max);

function settings(o: FillOptions): Settings {
  const patch = intOption(o, 'patchSize', 7, 3, 15);
  if (patch % 2 === 0) throw new RangeError(`heal option patchSize must be odd, received ${patch}`);
  for (const key of ['seams', 'structure'] as const) if (o[key] !== undefined && typeof o[key] !== 'boolean') throw new RangeError(`heal option ${key} must be true or false, received ${JSON.stringify(o[key])}`);
  const w = o.workers;
  return {
    r: patch >> 1,
    texture: numOption(o, 'texture', 4, 0, 100),
    detail: numOption(o, 'detail', 1, 0, 2),
    structure: o.structure !== false,
    ring: o.ring === undefined ? undefined : intOption(o, 'ring', 0, 1, 1 << 16),
    far: numOption(o, 'farPenalty', 16, 0, 1e6),
    thin: numOption(o, 'thinWidth', 3, 0, 64),
    em: intOption(o, 'emIterations', 8, 1, 100),
    sharp: numOption(o, 'sharpness', 1, 0.01, 1e6),
    rare: numOption(o, 'rareColours', 0.005, 0, 1),
    seams: o.seams !== false,
    workers: w === undefined || w === 'auto' ? 'auto' : intOption(o, 'workers', 0, 0, 16),
    seed: intOption(o, 'seed', 1, -(2 ** 31), 2 ** 32 - 1) >>> 0,
  };
}

/** A sampleFrom / exclude mask: one channel, the image's size. */
function areaOption(o: FillOptions, key: 'sampleFrom' | 'exclude', image: Raster): EditMask | undefined {
  const v = o[key] as EditMask | undefined;
  if (v === undefined) return undefined;
  if (!v || typeof v !== 'object' || !(v.data instanceof Uint8Array || v.data instanceof Uint8ClampedArray) || v.channels !== 1) {
    throw new MaskError('MASK_NOT_SINGLE_CHANNEL', `heal option ${key} must be a one-channel mask (EditMask), received ${v && typeof v === 'object' ? `${String((v as Raster).channels)} channel(s)` : typeof v}`, 'read it with readEditMask() (io/mask), as for the edit mask');
  }
  if (v.width !== image.width || v.height !== image.height) {
    throw new MaskError('MASK_SIZE_MISMATCH', `${key} mask is ${v.width}x${v.height} but image is ${image.width}x${image.height}`, 'resize the mask with `maskedit mask MASK -o OUT --match IMAGE`');
  }
  return v;
}

/** Crops a full-size one-channel mask to `box` as 0/1. */
function cropMask(m: ArrayLike<number>, W: number, box: Rect): Uint8Array {
  const out = new Uint8Array(box.w * box.h);
  for (let y = 0; y < box.h; y++) for (let x = 0; x < box.w; x++) out[y * box.w + x] = m[(box.y + y) * W + box.x + x] ? 1 : 0;
  return out;
}

function toRect(b: { x: number; y: number; width: number; height: number }): Rect {
  return { x: b.x, y: b.y, w: b.width, h: b.height };
}

interface Ctx {
  s: Settings;
  exec: Executor;
  alloc: Alloc;
  signal: AbortSignal | undefined;
  opaque: boolean;
  /** Channel 3 holds the texture feature (textureToAlpha), not alpha. */
  features: boolean;
  pass: number;
  progress: (fraction: number, message: string) => void;
}

/**
 * Fills the pixels of `group` in `img` (w×h, RGBA floats; every hole pixel already holds the diffusion
 * estimate) by multi-scale patch search from the `allowed` pixels. `levelsMax` = 1 for thin parts.
 */
async function fillGroup(ctx: Ctx, img: Float32Array, group: Uint8Array, allowed: Uint8Array, w: number, h: number, r: number, ring: number, levelsMax: number, span: [number, number]): Promise<void> {
  const { s, exec, alloc } = ctx;
  const hole = alloc(Uint8Array, w * h);
  hole.set(group);
  const work = alloc(Float32Array, img.length);
  work.set(img);
  const L0 = makeLevel(work, hole, w, h, r, ctx.opaque, alloc);
  let allowedL = allowed;
  L0.sources = shared(alloc, restrictSources(L0.valid, allowedL, w, h, r));
  if (L0.sources.length === 0) {
    // Nothing to sample from: the smooth diffusion is the fill (thin parts already hold it).
    if (levelsMax > 1) diffuseNear(img, invert(group), w, h, 4, SWEEPS, group, DIFFUSE_MARGIN);
    return;
  }
  const levels: (Level | undefined)[] = [L0];
  const allowedAt: Uint8Array[] = [allowed];
  // Coarser levels until the hole is no deeper than a patch radius. A coarse ring may be too thin for whole
  // patches: the level then takes a smaller patch (down to 5×5) rather than stopping with a deep hole, whose
  // smooth start would settle on a flat fill (a wall's bricks without their mortar).
  let rl = r;
  while (levels.length < levelsMax) {
    const top = levels[levels.length - 1]!;
    if (top.maxHoleDist <= rl) break;
    const c = downsample(top.img, top.hole, top.w, top.h, alloc);
    const a = downsampleAllowed(allowedL, top.w, top.h);
    let L: Level | undefined;
    for (let rr = rl; rr >= Math.min(rl, COARSE_MIN_RADIUS) && !L; rr--) {
      if (c.w < 4 * rr + 2 || c.h < 4 * rr + 2) continue;
      const cand = makeLevel(c.img, c.hole, c.w, c.h, rr, ctx.opaque, alloc);
      cand.sources = shared(alloc, restrictSources(cand.valid, a, c.w, c.h, rr));
      if (cand.sources.length >= MIN_SOURCES) { L = cand; rl = rr; }
    }
    if (!L) break;
    levels.push(L);
    allowedAt.push(a);
    allowedL = a;
  }
  const K = levels.length;
  for (let l = 0; l < K; l++) {
    const L = levels[l]!;
    const ringL = Math.max(1, ring / 2 ** l);
    L.far = (s.far * 3 * (2 * L.r + 1) ** 2) / (ringL * ringL);
  }
  // The search schedule. Coarse levels (few targets) do the global search with several EM iterations; finer
  // levels refine what they inherit: one iteration and a local search, none at all on a very large finest level
  // (its field is the coarser one's, carried up; the vote copies full-resolution pixels all the same).
  const targets = levels.map((L) => countOnes(L!.target));
  const thinOnly = K === 1;
  const emAt = (l: number) => (thinOnly ? (targets[0]! > BIG_FINEST ? 1 : 2) : l === 0 || targets[l]! > REFINE_TARGETS ? 1 : K === 2 ? s.em : Math.max(2, Math.round(2 + ((s.em - 2) * (l - 1)) / (K - 2))));
  const passesAt = (l: number) => (thinOnly ? 1 : l === 0 ? 1 : targets[l]! > REFINE_TARGETS ? 1 : 2);
  const copyOnly = !thinOnly && targets[0]! > BIG_FINEST;
  let copied: Sources | undefined;
  const radiusAt = (l: number) => (thinOnly ? Math.max(4, ring) : l === 0 ? FINEST_RADIUS : targets[l]! > GLOBAL_TARGETS ? 16 : 0);
  let total = 0, done = 0;
  for (let l = copyOnly ? 1 : 0; l < K; l++) total += emAt(l) * levels[l]!.w * levels[l]!.h;
  const run = async (L: Level, phase: Phase, extra: { forward?: boolean; radiusCap?: number; sharpness?: number } = {}) => {
    throwIfAborted(ctx.signal);
    ctx.pass++;
    await exec.run({ phase, forward: extra.forward ?? true, bands: bands(L.h, phase === 'search' ? (ctx.pass * 7) % 16 : 0, s.seed, ctx.pass), ...(extra.radiusCap ? { radiusCap: extra.radiusCap } : {}), ...(extra.sharpness ? { sharpness: extra.sharpness } : {}) });
  };
  for (let l = K - 1; l >= 0; l--) {
    const L = levels[l]!;
    const random = rng(bandSeed(s.seed, 0x7ffe0000 + l, levelsMax));
    await exec.setLevel(L);
    if (l === K - 1) {
      // The smooth diffusion is the estimate the first search matches against (thin parts already hold it).
      if (levelsMax > 1) diffuseNear(L.img, invert(L.hole), L.w, L.h, 4, SWEEPS, L.hole, DIFFUSE_MARGIN);
      // Thin parts start from nearby sources (their search stays local); objects from anywhere in the ring.
      if (levelsMax === 1) localField(L, random, Math.max(4, ring));
      else randomField(L, random);
    } else if (l === 0 && copyOnly) {
      // A very large finest level: each hole pixel copies the full-resolution pixel its carried-up match points
      // at (no vote, no search); the gradient-domain step below joins the copied blocks.
      upsampleField(L, levels[1]!, random);
      copied = copyMatches(L, true);
      levels[1] = undefined;
      continue;
    } else if (l === 0) {
      // The finest level's first estimate: each hole pixel copies what its carried-up match points at (its
      // search compares against that; a vote of 49 proposals per pixel is not needed for it).
      upsampleField(L, levels[1]!, random);
      copyMatches(L);
    } else {
      upsampleField(L, levels[l + 1]!, random);
      computeWeights(L, false);
      await run(L, 'vote');
    }
    // Whatever made the level's estimate, the straight structures crossing the hole are drawn into it before the
    // first search compares against it (the start fields above read no colours).
    if (s.structure) continueStructure(L.img, L.hole, allowedAt[l]!, L.w, L.h);
    // The finest level refines locally (the coarse levels did the global search); thin parts search their ring.
    const local = radiusAt(l);
    const em = emAt(l);
    for (let i = 0; i < em; i++) {
      const passes = passesAt(l);
      await run(L, 'dist');
      for (let j = 0; j < passes; j++) await run(L, 'search', { forward: (i * passes + j) % 2 === 0, ...(local ? { radiusCap: local } : {}) });
      if (l === 0 && i === em - 1 && s.seams) {
        // The last one: each hole pixel copies from its best covering patch, and the gradient-domain step
        // below takes those sources' steps.
        copied = copyWinners(L);
      } else if (l === 0) {
        await run(L, 'voteSharp', { sharpness: s.sharp });
      } else if (l === 1 && copyOnly && i === em - 1) {
        // A copy-only finest level reads only this level's matches, never its colours: no last vote.
      } else {
        computeWeights(L, true);
        await run(L, 'vote');
      }
      done += L.w * L.h;
      ctx.progress(span[0] + ((span[1] - span[0]) * done) / total, `${levelsMax === 1 ? 'thin parts' : 'object'}: level ${l + 1}/${K}, iteration ${i + 1}/${em}`);
    }
    levels[l + 1] = undefined;
  }
  if (ctx.signal?.aborted) throw new AbortError();
  if (s.seams) {
    // The texture feature is not a colour: the gradient-domain step sees a constant in its place, and the
    // hole keeps its sources' features for the thin parts' search that may follow.
    const kept = ctx.features ? swapChannel3(L0.img, 255) : undefined;
    poissonReconstruct(L0, POISSON_MAX_DIFF, targets[0]! > BIG_FINEST ? COPY_ONLY_POISSON_ITERATIONS : POISSON_ITERATIONS, copied);
    if (kept) restoreChannel3(L0.img, kept);
  }
  copyWhere(group, L0.img, img);
}

/** Sets channel 3 of every pixel to `value`; returns what it held. */
function swapChannel3(img: Float32Array, value: number): Float32Array {
  const kept = new Float32Array(img.length >> 2);
  for (let i = 0; i < kept.length; i++) { kept[i] = img[i * 4 + 3]!; img[i * 4 + 3] = value; }
  return kept;
}

function restoreChannel3(img: Float32Array, kept: Float32Array): void {
  for (let i = 0; i < kept.length; i++) img[i * 4 + 3] = kept[i]!;
}

/** to[i] = from[i] (4 floats per pixel) where `where` is set. */
function copyWhere(where: Uint8Array, from: Float32Array, to: Float32Array): void {
  for (let i = 0; i < where.length; i++) {
    if (!where[i]) continue;
    const a = i * 4;
    to[a] = from[a]!; to[a + 1] = from[a + 1]!; to[a + 2] = from[a + 2]!; to[a + 3] = from[a + 3]!;
  }
}

/** Copies into every hole pixel the pixel its best covering patch proposes (sourceOfEachPixel), and returns those sources. */
function copyWinners(L: Level): Sources {
  const found = sourceOfEachPixel(L);
  copyFrom(L, found.src);
  return found;
}

/**
 * Copies into every hole pixel the pixel its own match points at. With `sources`, also returns those sources in
 * the form the gradient-domain step takes (each pixel at the centre of its patch, all equally good).
 */
function copyMatches(L: Level, sources: true): Sources;
function copyMatches(L: Level, sources?: false): undefined;
function copyMatches(L: Level, sources = false): Sources | undefined {
  copyFrom(L, L.nnf);
  const n = L.w * L.h;
  return sources ? { src: L.nnf, cost: new Float32Array(n), at: new Uint8Array(n).fill((L.r << 4) | L.r) } : undefined;
}

/** img[q] = img[from[q]] for every hole pixel q with a source (from[q] ≥ 0). */
function copyFrom(L: Level, from: Int32Array): void {
  const { img, hole } = L;
  for (let q = 0; q < hole.length; q++) {
    const s = from[q]!;
    if (!hole[q] || s < 0) continue;
    const a = q * 4, b = s * 4;
    img[a] = img[b]!; img[a + 1] = img[b + 1]!; img[a + 2] = img[b + 2]!; img[a + 3] = img[b + 3]!;
  }
}

/** For every target, a random source within `radius` (16 tries), else any source. */
function localField(L: Level, random: () => number, radius: number): void {
  const { w, h, target, valid, nnf, sources } = L;
  for (let p = 0; p < target.length; p++) {
    if (!target[p]) continue;
    const px = p % w, py = (p - px) / w;
    let s = -1;
    for (let k = 0; k < 16 && s < 0; k++) {
      const x = px + Math.round((random() * 2 - 1) * radius), y = py + Math.round((random() * 2 - 1) * radius);
      if (x >= 0 && y >= 0 && x < w && y < h && valid[y * w + x]) s = y * w + x;
    }
    nnf[p] = s >= 0 ? s : sources[Math.floor(random() * sources.length)]!;
  }
}

/** A copy on the allocator's memory (shared when helper threads read it). */
function shared(alloc: Alloc, a: Int32Array): Int32Array {
  const out = alloc(Int32Array, a.length);
  out.set(a);
  return out;
}

function invert(m: Uint8Array): Uint8Array {
  const out = new Uint8Array(m.length);
  for (let i = 0; i < m.length; i++) out[i] = m[i] ? 0 : 1;
  return out;
}

function resolveWorkers(s: Settings, holes: number): number {
  if (s.workers !== 'auto') return s.workers;
  return availableParallelism() >= 2 && holes >= WORKER_MIN_HOLES ? 1 : 0;
}

/** The default sampling ring for a hole whose deepest pixel is `depth` pixels from the known image. */
export function defaultRing(depth: number, r: number): number {
  return Math.max(16, Math.min(256, Math.round(depth + 4 * r + 8)));
}

async function fill(image: Raster & { channels: 4 }, mask: EditMask, options: FillOptions = {}, signal?: AbortSignal, onProgress?: ProgressCallback): Promise<Raster & { channels: 4 }> {
  throwIfAborted(signal);
  const s = settings(options);
  const out = cloneRaster(image);
  const holes = checkFillInputs(image, mask);
  const add = areaOption(options, 'sampleFrom', image);
  const exclude = areaOption(options, 'exclude', image);
  if (holes === 0) return out;
  const started = Date.now();
  const W = image.width;

  // Thickness per component, measured in the hole's box plus one pixel of known border.
  const holeBox = boundingBox(mask)!;
  const hb = toRect(growBox(holeBox, 1, image));
  const split = splitByThickness(cropMask(mask.data, W, hb), hb.w, hb.h, s.thin);
  const ringThick = s.ring ?? defaultRing(split.thickDepth, s.r);
  const rThin = Math.min(s.r, 3);
  const ringThin = s.ring ?? Math.max(12, Math.round(4 * split.thinDepth + 4 * rThin));
  const margin = Math.max(split.thickDepth > 0 ? ringThick : 0, ringThin) + s.r + 1;
  let box = toRect(growBox(holeBox, margin, image));
  if (add) {
    const ab = boundingBox(add);
    if (ab) {
      const x0 = Math.min(box.x, ab.x), y0 = Math.min(box.y, ab.y);
      const x1 = Math.max(box.x + box.w, ab.x + ab.width), y1 = Math.max(box.y + box.h, ab.y + ab.height);
      box = { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
    }
  }
  const { w, h } = box;
  const n = w * h;
  const hole = cropMask(mask.data, W, box);
  const addC = add ? cropMask(add.data, W, box) : undefined;
  const exclC = exclude ? cropMask(exclude.data, W, box) : undefined;
  // The split in the work box: the same components (the box holds the hole's box), moved into place.
  const embed = (m: Uint8Array) => {
    const out = new Uint8Array(n);
    for (let y = 0; y < hb.h; y++) out.set(m.subarray(y * hb.w, (y + 1) * hb.w), (hb.y - box.y + y) * w + hb.x - box.x);
    return out;
  };
  const parts = { thin: embed(split.thin), thick: embed(split.thick) };

  const thickN = countOnes(parts.thick), thinN = countOnes(parts.thin);
  const helpers = resolveWorkers(s, holes);
  const alloc = helpers > 0 ? sharedAlloc : plainAlloc;
  const img = new Float32Array(n * 4);
  const opaque = knownToFloat(image.data, W, box, hole, img);
  // An opaque image's alpha channel carries the texture feature instead (the distance then counts it).
  const features = opaque && s.texture > 0;
  if (features) textureToAlpha(img, hole, w, h, s.r, s.texture);
  // 1. A smooth multi-scale diffusion into the thin parts: the estimate their search starts from, and what the
  // object fill sees there (objects get theirs at their coarsest level).
  if (thinN) peelDiffuse(img, invert(hole), w, h, 4, SWEEPS, parts.thin);
  throwIfAborted(signal);
  onProgress?.({ step: 'fill', fraction: 0.05, message: 'diffusion' });

  const lease = helpers > 0 ? leaseWorkerExecutor(helpers) : null;
  const ctx: Ctx = {
    s, exec: lease ?? localExecutor(), alloc, signal, opaque: opaque && !features, features, pass: 0,
    progress: (fraction, message) => onProgress?.({ step: 'fill', fraction, message }),
  };
  try {
    const split0 = 0.05 + (0.9 * thickN) / (thickN + thinN);
    // 2. Thick parts (objects): ring sampling, multi-scale, far penalty, sharp final vote, gradient blend.
    if (thickN) {
      let { allowed, dist } = samplingArea(parts.thick, hole, w, h, ringThick, addC, exclC);
      if (countOnes(allowed) < (2 * s.r + 1) ** 2 * MIN_SOURCES) ({ allowed, dist } = samplingArea(parts.thick, hole, w, h, Infinity, addC, exclC));
      if (s.rare > 0) foreignColours(img, w, h, allowed, dist, BORDER_BAND, s.rare, MAX_FOREIGN, (2 * s.r + 1) ** 2, addC);
      await fillGroup(ctx, img, parts.thick, allowed, w, h, s.r, ringThick, 16, [0.05, split0]);
    }
    // 3. Thin parts (strokes, scratches, text): full resolution, small patches, a narrow ring.
    if (thinN) {
      let { allowed, dist } = samplingArea(parts.thin, hole, w, h, ringThin, addC, exclC);
      if (countOnes(allowed) < (2 * rThin + 1) ** 2 * 4) ({ allowed, dist } = samplingArea(parts.thin, hole, w, h, Infinity, addC, exclC));
      if (s.rare > 0) foreignColours(img, w, h, allowed, dist, BORDER_BAND, s.rare, MAX_FOREIGN, (2 * rThin + 1) ** 2, addC);
      await fillGroup(ctx, img, parts.thin, allowed, w, h, rThin, ringThin, 1, [split0, 0.95]);
    }
  } finally {
    lease?.release();
  }
  throwIfAborted(signal);
  // 4. The fill as sharp as its surroundings. Not for a hole so big that its finest level only copied
  // full-resolution pixels (no vote to soften them): there the step cost 0.25–0.4 s of a 12 MP photo's 4 s.
  if (s.detail > 0 && holes <= BIG_FINEST) matchDetail(img, hole, w, h, s.detail);
  writeHole(img, hole, box, out.data, W, opaque);
  onProgress?.({ step: 'fill', fraction: 1, ms: Date.now() - started });
  return out;
}

/** The known pixels of `box` as floats into `img` (hole pixels stay 0); returns whether all are opaque. */
function knownToFloat(data: Raster['data'], W: number, box: Rect, hole: Uint8Array, img: Float32Array): boolean {
  let opaque = true;
  for (let y = 0; y < box.h; y++) {
    for (let x = 0, i = y * box.w, j = ((box.y + y) * W + box.x) * 4; x < box.w; x++, i++, j += 4) {
      if (hole[i]) continue;
      const a = data[j + 3]!;
      img[i * 4] = data[j]!; img[i * 4 + 1] = data[j + 1]!; img[i * 4 + 2] = data[j + 2]!; img[i * 4 + 3] = a;
      if (a !== 255) opaque = false;
    }
  }
  return opaque;
}

/** The filled hole pixels of `img` (the box) into the output image, rounded and clamped to 0–255. */
function writeHole(img: Float32Array, hole: Uint8Array, box: Rect, out: Raster['data'], W: number, opaque: boolean): void {
  for (let y = 0; y < box.h; y++) {
    for (let x = 0, i = y * box.w, j = ((box.y + y) * W + box.x) * 4; x < box.w; x++, i++, j += 4) {
      if (!hole[i]) continue;
      for (let c = 0; c < 4; c++) {
        const v = Math.round(img[i * 4 + c]!);
        out[j + c] = v < 0 ? 0 : v > 255 ? 255 : v;
      }
      if (opaque) out[j + 3] = 255;
    }
  }
}

function countOnes(m: Uint8Array): number {
  let k = 0;
  for (let i = 0; i < m.length; i++) k += m[i]!;
  return k;
}

export const healEngine: Engine = { name: 'heal', fill };

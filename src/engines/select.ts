/**
 * Smart selection: the object inside a box, or under a click, as an {@link EditMask} (255 = object), by
 * OpenCV's GrabCut (Rother, Kolmogorov & Blake 2004) from the bundled `@techstark/opencv-js`, at a reduced
 * resolution, with the edge re-decided at full resolution. The pure steps (parsing, seed box, labels, edge
 * refinement) are in `core/select.ts`, which also documents the design; this file moves pixels in and out of
 * OpenCV (every Mat deleted in a finally: WASM memory is not garbage collected) and scales with libvips.
 *
 * @example
 * const { mask } = await selectObjects(photoRgba, [parseSelection('box:120,80,400,300')]);
 */
import { throwIfAborted } from '../core/errors.js';
import { crop } from '../core/crop.js';
import {
  areaDownscale, clickLabels, clipSelection, componentAt, GC, grabCutLabels, keepLargeComponents, labelsToMask, nearestSet, pasteMax,
  refineEdge, ringAmbiguity, seedBox, SEED_MAX_SIDE, workRegion, workScale, type Selection,
} from '../core/select.js';
import { countNonZero, createEditMask, type Box, type EditMask, type Raster } from '../core/raster.js';
import { resizeNearest } from '../core/maskops.js';
import { resampleRegion } from '../io/resample.js';
import { loadOpenCv } from './opencv.js';

/** The parts of OpenCV.js used here. */
interface Mat { data: Uint8Array; data64F: Float64Array; delete(): void }
interface CV {
  Mat: new (rows?: number, cols?: number, type?: number) => Mat;
  Rect: new (x: number, y: number, w: number, h: number) => unknown;
  CV_8UC1: number;
  CV_8UC3: number;
  GC_INIT_WITH_MASK: number;
  GC_EVAL: number;
  setRNGSeed(seed: number): void;
  grabCut(img: Mat, mask: Mat, rect: unknown, bgd: Mat, fgd: Mat, iterations: number, mode: number): void;
}

export interface SelectOptions {
  /** Most GrabCut iterations (default 3; it stops earlier once an iteration moves < 1 % of the work pixels). */
  iterations?: number;
  /** Re-decide the edge at full resolution (default true; false keeps GrabCut's work-resolution edge, upscaled). */
  refine?: boolean;
  signal?: AbortSignal;
}

export interface SelectionResult {
  /** 255 = selected object, at the image's size. */
  mask: EditMask;
  /** Per selection: the box GrabCut started from (image pixels), how long it took, the selected pixel count. */
  parts: { selection: Selection; box: Box; ms: number; pixels: number; fallback?: boolean; texture?: boolean }[];
}

/**
 * Selects every object named by `selections` in `image` (RGBA, displayed orientation) and returns their union.
 * A selection outside the picture is SELECT_OUTSIDE; one that selects nothing is SELECT_EMPTY.
 */
export async function selectObjects(image: Raster & { channels: 4 }, selections: readonly Selection[], options: SelectOptions = {}): Promise<SelectionResult> {
  const { width: W, height: H } = image;
  const clipped = selections.map((s) => clipSelection(s, W, H));
  const mask = createEditMask(W, H);
  const parts: SelectionResult['parts'] = [];
  let seedImage: { raster: Raster & { channels: 4 } } | undefined;
  for (const s of clipped) {
    throwIfAborted(options.signal);
    const started = performance.now();
    let box: Box;
    let fallback: boolean | undefined;
    if (s.kind === 'box') {
      box = s.box;
    } else {
      // The seed region is grown on a small copy of the whole photo, made once for all clicks.
      if (!seedImage) {
        const raster = areaDownscale(image, Math.ceil(Math.max(W, H) / SEED_MAX_SIDE));
        seedImage = { raster };
      }
      const small = seedImage.raster;
      const sx = small.width / W, sy = small.height / H;
      const seed = seedBox(small, Math.min(small.width - 1, Math.floor(s.x * sx)), Math.min(small.height - 1, Math.floor(s.y * sy)));
      fallback = seed.fallback;
      box = {
        x: Math.floor(seed.box.x / sx), y: Math.floor(seed.box.y / sy),
        width: Math.min(W, Math.ceil((seed.box.x + seed.box.width) / sx)) - Math.floor(seed.box.x / sx),
        height: Math.min(H, Math.ceil((seed.box.y + seed.box.height) / sy)) - Math.floor(seed.box.y / sy),
      };
    }
    const one = await selectOne(image, box, s.kind === 'point' ? { x: s.x, y: s.y } : undefined, options);
    pasteMax(mask, one.mask, one.region.x, one.region.y);
    const pixels = countNonZero(one.mask);
    parts.push({ selection: s, box: one.box, ms: Math.round(performance.now() - started), pixels, ...(fallback !== undefined ? { fallback, texture: one.texture } : {}) });
  }
  return { mask, parts };
}

/**
 * GrabCut on the work region around `box`, refined at full resolution; the mask covers `region`. A box's
 * margin is sure background; a click's is probably background (its seed box may hold only part of the
 * object), unless the click is on a repeated texture ({@link TEXTURE_AMBIGUITY}), where the object stays inside
 * the seed box.
 */
async function selectOne(image: Raster & { channels: 4 }, box: Box, click: { x: number; y: number } | undefined, options: SelectOptions): Promise<{ mask: EditMask; region: Box; box: Box; texture: boolean }> {
  const region = workRegion(box, image.width, image.height);
  const scale = workScale(region);
  const w = Math.max(2, Math.round(region.width * scale)), h = Math.max(2, Math.round(region.height * scale));
  const small = scale === 1 ? crop(image, region) : await resampleRegion(image, region, w, h);
  const sx = w / region.width, sy = h / region.height;
  const localBox: Box = {
    x: Math.floor((box.x - region.x) * sx), y: Math.floor((box.y - region.y) * sy),
    width: Math.max(1, Math.round(box.width * sx)), height: Math.max(1, Math.round(box.height * sy)),
  };
  const localClick = click ? { x: Math.min(w - 1, Math.floor((click.x - region.x) * sx)), y: Math.min(h - 1, Math.floor((click.y - region.y) * sy)) } : undefined;
  const labels = localClick
    ? clickLabels(w, h, localBox, localClick, { left: region.x === 0, top: region.y === 0, right: region.x + region.width === image.width, bottom: region.y + region.height === image.height })
    : grabCutLabels(w, h, localBox);
  const { texture } = await grabCut(small, labels, options.iterations ?? 3, localClick !== undefined);
  throwIfAborted(options.signal);
  let coarse = keepLargeComponents(labelsToMask(labels, w, h));
  if (localClick) {
    const at = nearestSet(coarse, localClick.x, localClick.y, 3);
    coarse = at ? componentAt(coarse, at.x, at.y) : createEditMask(w, h);
  }
  if (countNonZero(coarse) === 0) return { mask: createEditMask(region.width, region.height), region, box, texture };
  const mask = scale === 1 ? coarse : options.refine === false ? resizeNearest(coarse, region.width, region.height) : refineEdge(image, region, small, coarse);
  // No component pass at full resolution: the refinement only re-decides pixels near GrabCut's boundary, and
  // the isolated-pixel pass there already removes single-pixel crumbs.
  return { mask, region, box, texture };
}

/**
 * A click whose probably-background ring is at least this ambiguous to GrabCut's initial colour models
 * ({@link ringAmbiguity}) is on a repeated texture: the ring becomes sure background, so the selection is the
 * connected part under the click inside its seed box rather than the texture around it.
 */
export const TEXTURE_AMBIGUITY = 0.35;

/** An iteration that moves fewer than this share of the work pixels between object and background ends GrabCut. */
export const SETTLED = 0.01;

/**
 * Runs cv.grabCut with `labels` as the initial mask: OpenCV's k-means initialisation (GC_INIT_WITH_MASK, 0
 * iterations), then up to `iterations` single iterations (GC_EVAL), stopping once one moves fewer than
 * {@link SETTLED} of the pixels. For a click (`textureGuard`) the ring is hardened after the initialisation when
 * it is ambiguous (`texture`). The labels are updated in place; returns the iterations run.
 */
async function grabCut(img: Raster & { channels: 4 }, labels: Uint8Array, iterations: number, textureGuard: boolean): Promise<{ iterations: number; texture: boolean }> {
  const { cv: loaded } = await loadOpenCv();
  const cv = loaded as unknown as CV;
  const { width: w, height: h } = img;
  const src = new cv.Mat(h, w, cv.CV_8UC3);
  const m = new cv.Mat(h, w, cv.CV_8UC1);
  const bgd = new cv.Mat();
  const fgd = new cv.Mat();
  try {
    const d = src.data, s = img.data;
    for (let i = 0, n = w * h; i < n; i++) {
      d[i * 3] = s[i * 4]!;
      d[i * 3 + 1] = s[i * 4 + 1]!;
      d[i * 3 + 2] = s[i * 4 + 2]!;
    }
    m.data.set(labels);
    // GrabCut seeds its colour models by k-means on OpenCV's global RNG: reseed so a selection does not depend
    // on what ran before it in the process.
    cv.setRNGSeed(1);
    const rect = new cv.Rect(0, 0, 1, 1);
    cv.grabCut(src, m, rect, bgd, fgd, 0, cv.GC_INIT_WITH_MASK);
    const texture = textureGuard && ringAmbiguity(img, labels, bgd.data64F, fgd.data64F) >= TEXTURE_AMBIGUITY;
    if (texture) {
      for (let i = 0; i < labels.length; i++) if (labels[i] === GC.PR_BGD) labels[i] = GC.BGD;
      m.data.set(labels);
    }
    const before = new Uint8Array(w * h);
    let run = 0;
    while (run < iterations) {
      before.set(m.data);
      cv.grabCut(src, m, rect, bgd, fgd, 1, cv.GC_EVAL);
      run++;
      const after = m.data;
      let moved = 0;
      // Object labels (FGD 1, PR_FGD 3) are odd, background labels (BGD 0, PR_BGD 2) even.
      for (let i = 0; i < after.length; i++) if ((after[i]! & 1) !== (before[i]! & 1)) moved++;
      if (moved < SETTLED * after.length) break;
    }
    labels.set(m.data);
    return { iterations: run, texture };
  } finally {
    src.delete();
    m.delete();
    bgd.delete();
    fgd.delete();
  }
}

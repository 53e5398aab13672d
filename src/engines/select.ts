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
  clipSelection, componentAt, grabCutLabels, widenTouchedSides, keepLargeComponents, labelsToMask, nearestSet, pasteMax, refineEdge,
  seedBox, SEED_MAX_SIDE, workRegion, workScale, type Selection,
} from '../core/select.js';
import { countNonZero, createEditMask, type Box, type EditMask, type Raster } from '../core/raster.js';
import { resizeNearest } from '../core/maskops.js';
import { resample, resampleRegion } from '../io/resample.js';
import { loadOpenCv } from './opencv.js';

/** The parts of OpenCV.js used here. */
interface Mat { data: Uint8Array; delete(): void }
interface CV {
  Mat: new (rows?: number, cols?: number, type?: number) => Mat;
  Rect: new (x: number, y: number, w: number, h: number) => unknown;
  CV_8UC1: number;
  CV_8UC3: number;
  GC_INIT_WITH_MASK: number;
  setRNGSeed(seed: number): void;
  grabCut(img: Mat, mask: Mat, rect: unknown, bgd: Mat, fgd: Mat, iterations: number, mode: number): void;
}

export interface SelectOptions {
  /** GrabCut iterations (default 3). */
  iterations?: number;
  /** Re-decide the edge at full resolution (default true; false keeps GrabCut's work-resolution edge, upscaled). */
  refine?: boolean;
  signal?: AbortSignal;
}

export interface SelectionResult {
  /** 255 = selected object, at the image's size. */
  mask: EditMask;
  /** Per selection: the box GrabCut started from (image pixels), how long it took, the selected pixel count. */
  parts: { selection: Selection; box: Box; ms: number; pixels: number; fallback?: boolean }[];
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
        const scale = Math.min(1, SEED_MAX_SIDE / Math.max(W, H));
        const raster = await resample(image, Math.max(1, Math.round(W * scale)), Math.max(1, Math.round(H * scale)));
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
    parts.push({ selection: s, box: one.box, ms: Math.round(performance.now() - started), pixels, ...(fallback !== undefined ? { fallback } : {}) });
  }
  return { mask, parts };
}

/** How many times a click's box may grow when the object reaches its sides. */
const MAX_WIDENINGS = 2;

/**
 * GrabCut on the work region around `box`, refined at full resolution; the mask covers `region`. For a click,
 * when the object reaches a side of the box, the box grows on that side and GrabCut runs again (at most
 * {@link MAX_WIDENINGS} times).
 */
async function selectOne(image: Raster & { channels: 4 }, startBox: Box, click: { x: number; y: number } | undefined, options: SelectOptions): Promise<{ mask: EditMask; region: Box; box: Box }> {
  const whole: Box = { x: 0, y: 0, width: image.width, height: image.height };
  let box = startBox;
  for (let round = 0; ; round++) {
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
    const labels = grabCutLabels(w, h, localBox, localClick ? [localClick] : []);
    await grabCut(small, labels, options.iterations ?? 3);
    throwIfAborted(options.signal);
    let coarse = keepLargeComponents(labelsToMask(labels, w, h));
    if (localClick) {
      const at = nearestSet(coarse, localClick.x, localClick.y, 3);
      coarse = at ? componentAt(coarse, at.x, at.y) : createEditMask(w, h);
      // The picture's edges in work coordinates, so a box already at the edge does not count as touched.
      const limit: Box = { x: Math.round((0 - region.x) * sx), y: Math.round((0 - region.y) * sy), width: Math.round(image.width * sx), height: Math.round(image.height * sy) };
      const wider = round < MAX_WIDENINGS && countNonZero(coarse) > 0 ? widenTouchedSides(coarse, localBox, limit) : null;
      if (wider) {
        const grown = {
          x: region.x + Math.floor(wider.x / sx), y: region.y + Math.floor(wider.y / sy),
          width: Math.ceil(wider.width / sx), height: Math.ceil(wider.height / sy),
        };
        box = clipBox(grown, whole);
        continue;
      }
    }
    if (countNonZero(coarse) === 0) return { mask: createEditMask(region.width, region.height), region, box };
    const mask = scale === 1 ? coarse : options.refine === false ? resizeNearest(coarse, region.width, region.height) : refineEdge(image, region, small, coarse);
    // No component pass at full resolution: the refinement only re-decides pixels near GrabCut's boundary, and
    // the isolated-pixel pass there already removes single-pixel crumbs.
    return { mask, region, box };
  }
}

function clipBox(b: Box, limit: Box): Box {
  const x0 = Math.max(limit.x, b.x), y0 = Math.max(limit.y, b.y);
  const x1 = Math.min(limit.x + limit.width, b.x + b.width), y1 = Math.min(limit.y + limit.height, b.y + b.height);
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/** Runs cv.grabCut with `labels` as the initial mask (GC_INIT_WITH_MASK); the labels are updated in place. */
async function grabCut(img: Raster & { channels: 4 }, labels: Uint8Array, iterations: number): Promise<void> {
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
    cv.grabCut(src, m, new cv.Rect(0, 0, 1, 1), bgd, fgd, iterations, cv.GC_INIT_WITH_MASK);
    labels.set(m.data);
  } finally {
    src.delete();
    m.delete();
    bgd.delete();
    fgd.delete();
  }
}

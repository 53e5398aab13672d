/**
 * The strict stitch: final = original where the blend mask is 0, the (seam-corrected) result where it is 255,
 * a weighted mix between. Wherever the blend is 0 the output is a byte copy of the original — alpha included,
 * whatever size the result came in, at image borders — because those bytes are never written: the output
 * starts as a copy of the original and only pixels with blend > 0 are touched.
 *
 * Two masks, two jobs (docs/locality.md):
 * - {@link modelMaskFor}: what the model may repaint — the user's mask grown for context;
 * - {@link blendMaskFor}: what reaches the output — the user's mask feathered *inward* by default, so not one
 *   pixel the user asked to keep changes; an outward feather is explicit and its band is reported.
 */
import { MaskeditError } from './errors.js';
import { boundingBoxWithin, boxInside, crop, growBox, paste, unionBox } from './crop.js';
import { binarize, dilate, distancesWithin, featherInward } from './morphology.js';
import { boundingBox, cloneRaster, createEditMask, sameSize, type Box, type EditMask, type Raster } from './raster.js';
import { colorMatchOf, DEFAULT_RING, poissonSeam, seamSamples, type ColorMatch } from './seam.js';

type Rgba = Raster & { channels: 4 };

export type SeamMode = 'none' | 'match' | 'poisson';
export type FeatherDirection = 'inward' | 'outward';

/** Inward feather radius in pixels when none is given. */
export const DEFAULT_FEATHER = 4;
/** How far the model's mask is grown beyond the user's mask when none is given. */
export const DEFAULT_MODEL_GROW = 8;
/** Chosen by measurement in bench/locality.bench.ts (docs/locality.md). */
export const DEFAULT_SEAM: SeamMode = 'match';

export interface BlendOptions {
  /** Feather radius in pixels (default {@link DEFAULT_FEATHER}); 0 = hard edge. */
  feather?: number;
  direction?: FeatherDirection;
  /**
   * The mask is zero outside this box (a crop plan's union, say): only the box is scanned for its bounding box.
   * The result is the same; a wrong box gives a wrong blend.
   */
  within?: Box;
}

export interface BlendMask {
  blend: EditMask;
  /** The blend is zero outside this box (null for an empty mask): pass it on as the stitch's `within`. */
  box: Box | null;
  /** Pixels outside the user's mask that the blend lets change (0 for an inward feather). */
  outwardBand: number;
}

/**
 * The blend mask for a stitch. Inward (default): 0 outside the mask, ramping to 255 `feather` px inside it.
 * Outward: 255 on the whole mask, ramping to 0 `feather` px outside it — those outside pixels are counted in
 * `outwardBand`.
 *
 * @example
 * const { blend } = blendMaskFor(editMask);                                      // inward, 4 px
 * const { blend, outwardBand } = blendMaskFor(editMask, { feather: 6, direction: 'outward' });
 */
export function blendMaskFor(editMask: EditMask, opts: BlendOptions = {}): BlendMask {
  const local = blendMaskIn(editMask, opts);
  const blend = createEditMask(editMask.width, editMask.height);
  if (local.box) paste(blend, local.blend, local.box.x, local.box.y);
  return { blend, box: local.box, outwardBand: local.outwardBand };
}

/**
 * {@link blendMaskFor} without the full-size mask: `blend` covers only `box` (the blend is zero everywhere else;
 * 0×0 when the edit mask is empty). Hand it on with `blendAt: box` to {@link prepareStitch} and
 * {@link stitchPatches}: the same stitch without a buffer of the image's size.
 *
 * @example
 * const { blend, box } = blendMaskIn(editMask, { within: cropBox });
 * const final = stitchPatches(original, patches, blend, { blendAt: box ?? undefined, seam: 'match', modelMask });
 */
export function blendMaskIn(editMask: EditMask, opts: BlendOptions = {}): BlendMask {
  const feather = opts.feather ?? DEFAULT_FEATHER;
  if (!(feather >= 0) || !Number.isFinite(feather)) throw new RangeError(`feather must be a number >= 0, received ${feather}`);
  const box = opts.within ? boundingBoxWithin(editMask, opts.within) : boundingBox(editMask);
  if (!box) return { blend: { width: 0, height: 0, channels: 1, data: new Uint8Array(0) }, box: null, outwardBand: 0 };
  const outward = opts.direction === 'outward' && feather > 0;
  // Work on the mask's box (plus the outward band and one ring of kept pixels): distances to pixels beyond
  // that ring are never shorter than to the ring itself, so the result is exact and a small mask on a large
  // image stays cheap.
  const work = growBox(box, Math.ceil(outward ? feather : 0) + 1, editMask);
  const sub = crop(editMask, work);
  let subBlend: EditMask;
  let outwardBand = 0;
  if (!outward) {
    subBlend = featherInward(sub, feather);
  } else {
    subBlend = binarize(sub);
    const d2 = distancesWithin(sub, 'set', feather);
    for (let i = 0; i < d2.length; i++) {
      if (sub.data[i] !== 0) continue;
      const d = Math.sqrt(d2[i]!);
      if (d > feather) continue;
      subBlend.data[i] = Math.max(1, Math.round(255 * (1 - d / (feather + 1))));
      outwardBand++;
    }
  }
  return { blend: subBlend, box: work, outwardBand };
}

/**
 * The mask to send to the model: the user's mask grown by `grow` px (default {@link DEFAULT_MODEL_GROW}) so
 * the model can blend its edit into the surroundings. The stitch still uses {@link blendMaskFor}, so the
 * extra pixels the model repaints are discarded.
 *
 * @example
 * const apiMask = editMaskToApiRgba(modelMaskFor(editMask, { grow: 16 }));
 */
export function modelMaskFor(editMask: EditMask, opts: { grow?: number; within?: Box } = {}): EditMask {
  const grow = opts.grow ?? DEFAULT_MODEL_GROW;
  const box = opts.within ? boundingBoxWithin(editMask, opts.within) : boundingBox(editMask);
  const out = createEditMask(editMask.width, editMask.height);
  if (!box) return out;
  const work = growBox(box, Math.ceil(grow) + 1, editMask);
  return paste(out, dilate(crop(editMask, work), grow), work.x, work.y);
}

export interface StitchOptions {
  seam?: SeamMode;
  /** Seam estimation only samples inside this box (where a cropped result has real pixels). */
  resultBox?: Box;
  /** The mask the model was sent (grown for context); `match` samples its cast just outside it. Default: the blend. */
  modelMask?: EditMask;
  /**
   * Write the output into `result`'s own buffer instead of a fresh copy of the original, and return `result`.
   * Allowed only when `result` equals `original` everywhere outside these boxes (a model output pasted onto a
   * copy of the input): they are copied back from the original before compositing, so the output has the same
   * bytes as without this option, and the caller's `result` is gone. Saves one full-size copy.
   */
  reuseResult?: { changed: readonly Box[] };
  /**
   * The blend (and `modelMask`) are zero outside this box (blendMaskFor's `box`, or the crops' union): only it
   * is scanned for their bounding boxes. Same output; a wrong box gives a wrong stitch.
   */
  within?: Box;
}

/**
 * Composites `result` over `original` through `blend`. Both images must have the original's size (map a
 * result of another size back with `resize` first); the output is a new raster.
 *
 * @example
 * const { blend } = blendMaskFor(editMask);
 * const final = stitch(original, resize(result, original.width, original.height), blend, { seam: 'match' });
 */
export function stitch(original: Rgba, result: Rgba, blend: EditMask, opts: StitchOptions = {}): Rgba {
  if (!sameSize(original, result) || !sameSize(original, blend)) {
    throw new MaskeditError('STITCH_SIZE_MISMATCH',
      `stitch needs the original, the result and the blend mask at one size; received ${original.width}x${original.height}, ${result.width}x${result.height} and ${blend.width}x${blend.height}`,
      'resize the result to the original first (resize(result, original.width, original.height)), or pass --crop x,y,w,h when the result covers only a box of the original');
  }
  const reuse = opts.reuseResult;
  return stitchWith(original, blend, opts, (work) => crop(result, work),
    () => (reuse ? restoreBoxes(result, original, reuse.changed) : cloneRaster(original)));
}

/** A model's output given as patches: each mapped back onto its box of the original (boxes must not overlap). */
export interface Patch { box: Box; patch: Rgba }

/**
 * {@link stitch} of a result that equals the original everywhere except its patches, without a full-size
 * result: the same bytes as `stitch(original, original with the patches pasted, blend, opts)`. `into`, when
 * given, must be a copy of the original (same size, same bytes); the output is written into it and returned
 * (the caller can make that copy while it waits for something else). `prepared` ({@link prepareStitch} with the
 * same blend and options) saves redoing the result-independent part.
 *
 * @example
 * const final = stitchPatches(original, [{ box: cropBox, patch: mappedBack }], blend, { seam: 'match', modelMask });
 */
export function stitchPatches(original: Rgba, patches: readonly Patch[], blend: EditMask, opts: Omit<StitchOptions, 'reuseResult'> & Placed & { into?: Rgba; prepared?: StitchPrep } = {}): Rgba {
  const into = opts.into;
  if (!blendFits(original, blend, opts.blendAt) || (into && !sameSize(original, into))) {
    throw new MaskeditError('STITCH_SIZE_MISMATCH',
      `stitch needs the original, the output and the blend mask at one size; received ${original.width}x${original.height}, ${into ? `${into.width}x${into.height}` : 'no output'} and ${blend.width}x${blend.height}`,
      'pass a copy of the original as `into`, and a blend mask made from the edit mask');
  }
  for (const { box, patch } of patches) {
    if (patch.width !== box.width || patch.height !== box.height) throw new RangeError(`patch is ${patch.width}x${patch.height} but its box is ${box.width}x${box.height}`);
  }
  return stitchWith(original, blend, opts, (work) => {
    const r = crop(original, work);
    for (const { box, patch } of patches) paste(r, patch, box.x - work.x, box.y - work.y);
    return r;
  }, () => into ?? cloneRaster(original));
}

/**
 * Masks given over a box of the image only (zero everywhere else), for {@link prepareStitch} and
 * {@link stitchPatches}: the same stitch without buffers of the image's size.
 */
export interface Placed {
  /** The blend covers only this box ({@link blendMaskIn}'s `box`). */
  blendAt?: Box;
  /** `modelMask` covers only this box (the model mask of one crop, at the crop). */
  modelMaskAt?: Box;
}

/**
 * What a stitch needs before the result exists (the masks and the original alone): the blend's box, the work
 * box, the original's and the blend's pixels there, and the `match` seam's sample pixels. `finish` makes it while
 * libvips maps the model's answer back, and hands it to {@link stitchPatches}.
 */
export interface StitchPrep {
  seam: SeamMode;
  /** null: the blend is empty, the output is the original. */
  work: Box | null;
  o?: Rgba;
  b?: EditMask;
  /** match: the pixels the colour cast is estimated on (seamSamples), in work coordinates. */
  samples?: Int32Array;
}

/**
 * The result-independent part of {@link stitch} (same options, same blend); the stitch gives the same bytes
 * with it as without.
 *
 * @example
 * const prep = prepareStitch(original, blend, { seam: 'match', modelMask, within });
 * const final = stitchPatches(original, patches, blend, { seam: 'match', modelMask, within, prepared: prep });
 */
export function prepareStitch(original: Rgba, blend: EditMask, opts: Omit<StitchOptions, 'reuseResult'> & Placed = {}): StitchPrep {
  const within = opts.within;
  const seam = opts.seam ?? DEFAULT_SEAM;
  const at = opts.blendAt;
  if (at && !blendFits(original, blend, at)) {
    throw new RangeError(`the blend is ${blend.width}x${blend.height} but blendAt is ${at.x},${at.y},${at.width},${at.height} on a ${original.width}x${original.height} image`);
  }
  const box = at ? moveBox(boundingBox(blend), at) : within ? boundingBoxWithin(blend, within) : boundingBox(blend);
  if (!box) return { seam, work: null };
  // The seam needs the region's box plus the band it samples (match) or its Dirichlet ring (poisson).
  const mAt = opts.modelMaskAt;
  if (mAt && opts.modelMask && !blendFits(original, opts.modelMask, mAt)) {
    throw new RangeError(`the model mask is ${opts.modelMask.width}x${opts.modelMask.height} but modelMaskAt is ${mAt.x},${mAt.y},${mAt.width},${mAt.height} on a ${original.width}x${original.height} image`);
  }
  const sampledBox = seam === 'match' && opts.modelMask
    ? (mAt ? moveBox(boundingBox(opts.modelMask), mAt) : within ? boundingBoxWithin(opts.modelMask, within) : boundingBox(opts.modelMask)) : null;
  const work = seam === 'match' ? growBox(sampledBox ? unionBox(box, sampledBox) : box, DEFAULT_RING + 1, original) : growBox(box, 1, original);
  const o = crop(original, work), b = at ? cropPlaced(blend, at, work) : crop(blend, work);
  if (seam !== 'match') return { seam, work, o, b };
  const resultWithin = opts.resultBox ? shiftBox(opts.resultBox, work) : undefined;
  const samples = seamSamples(b, { ...(resultWithin ? { within: resultWithin } : {}), ...(sampledBox && opts.modelMask ? { changed: mAt ? cropPlaced(opts.modelMask, mAt, work) : crop(opts.modelMask, work) } : {}) });
  return { seam, work, o, b, samples };
}

/** The stitch itself: `resultIn(work)` gives the result's pixels over `work`; `output()` a copy of the original to write into. */
function stitchWith(original: Rgba, blend: EditMask, opts: StitchOptions & Placed & { prepared?: StitchPrep }, resultIn: (work: Box) => Rgba, output: () => Rgba): Rgba {
  const prep = opts.prepared ?? prepareStitch(original, blend, opts);
  const { work, o, b, seam } = prep;
  if (!work) return output();
  const r = resultIn(work);
  // match: matchSeam's per-channel correction is applied while compositing, through a 256-entry table per
  // channel (the same formula, so the same bytes), instead of writing a corrected copy of the box first.
  const source = seam === 'poisson' ? poissonSeam(o!, r, b!) : r;
  const lut = seam === 'match' ? correctionTable(colorMatchOf(o!, r, prep.samples!)) : IDENTITY;
  // Everything the composite reads from the result is in the copies above, so its buffer can take the output now.
  const out = output();
  const s = source.data, bd = b!.data, d = out.data;
  for (let y = 0; y < work.height; y++) composeRow(s, bd, y * work.width, d, ((work.y + y) * out.width + work.x) * 4, work.width, lut);
  return out;
}

/**
 * One row of the composite: `n` pixels from source/blend index `i` into the output at byte `di`. A function
 * called once per row, so it is optimised after a few rows rather than midway through one long loop.
 */
function composeRow(s: Uint8Array | Uint8ClampedArray, bd: Uint8Array | Uint8ClampedArray, i: number, d: Uint8Array | Uint8ClampedArray, di: number, n: number, lut: Uint8Array): void {
  for (let end = i + n; i < end; i++, di += 4) {
    const wgt = bd[i]!;
    if (wgt === 0) continue;
    const si = i * 4;
    const r0 = lut[s[si]!]!, g0 = lut[256 + s[si + 1]!]!, b0 = lut[512 + s[si + 2]!]!, a0 = s[si + 3]!;
    if (wgt === 255) {
      d[di] = r0; d[di + 1] = g0; d[di + 2] = b0; d[di + 3] = a0;
    } else {
      const inv = 255 - wgt;
      d[di] = ((d[di]! * inv + r0 * wgt + 127) / 255) | 0;
      d[di + 1] = ((d[di + 1]! * inv + g0 * wgt + 127) / 255) | 0;
      d[di + 2] = ((d[di + 2]! * inv + b0 * wgt + 127) / 255) | 0;
      d[di + 3] = ((d[di + 3]! * inv + a0 * wgt + 127) / 255) | 0;
    }
  }
}

/** Copies `boxes` (clipped to the image) from `from` into `into`, in place; returns `into`. */
function restoreBoxes(into: Rgba, from: Rgba, boxes: readonly Box[]): Rgba {
  const w = from.width;
  for (const bx of boxes) {
    const x0 = Math.max(0, bx.x), x1 = Math.min(w, bx.x + bx.width);
    const y0 = Math.max(0, bx.y), y1 = Math.min(from.height, bx.y + bx.height);
    if (x1 <= x0) continue;
    for (let y = y0; y < y1; y++) into.data.set(from.data.subarray((y * w + x0) * 4, (y * w + x1) * 4), (y * w + x0) * 4);
  }
  return into;
}

const IDENTITY = (() => {
  const t = new Uint8Array(768);
  for (let i = 0; i < 768; i++) t[i] = i & 255;
  return t;
})();

/** matchSeam's correction of every R, G, B value: `gain · v + offset`, clamped to 0–255 and rounded. */
function correctionTable({ gain, offset }: ColorMatch): Uint8Array {
  const t = new Uint8Array(768);
  for (let k = 0; k < 3; k++) {
    for (let v = 0; v < 256; v++) {
      const c = gain[k]! * v + offset[k]!;
      t[k * 256 + v] = c <= 0 ? 0 : c >= 255 ? 255 : Math.round(c);
    }
  }
  return t;
}

/** True when `blend` covers the image (no `at`), or exactly the box `at` inside it. */
function blendFits(original: Rgba, blend: EditMask, at: Box | undefined): boolean {
  if (!at) return sameSize(original, blend);
  return blend.width === at.width && blend.height === at.height && (blend.width * blend.height === 0 || boxInside(at, original));
}

/** A box found in a mask placed at `at`, in the image's coordinates. */
function moveBox(box: Box | null, at: Box): Box | null {
  return box ? { x: box.x + at.x, y: box.y + at.y, width: box.width, height: box.height } : null;
}

/** `crop(full, work)` of the full-size mask that is `mask` at `at` and zero elsewhere. */
function cropPlaced(mask: EditMask, at: Box, work: Box): EditMask {
  return paste(createEditMask(work.width, work.height), mask, at.x - work.x, at.y - work.y);
}

/** `box` in the coordinates of `work`, clipped to it (empty boxes become a 1-px box at the corner). */
function shiftBox(box: Box, work: Box): Box {
  const x0 = Math.max(0, box.x - work.x), y0 = Math.max(0, box.y - work.y);
  const x1 = Math.min(work.width, box.x + box.width - work.x), y1 = Math.min(work.height, box.y + box.height - work.y);
  return { x: x0, y: y0, width: Math.max(1, x1 - x0), height: Math.max(1, y1 - y0) };
}

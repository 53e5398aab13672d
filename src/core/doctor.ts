/**
 * The mask doctor: pure rules over what was read from an image and its mask, returning every problem found as
 * `{ code, severity, message, fix }`. Decoding errors (unreadable file, unsupported format, pixel bombs) are
 * raised by `io/` before pixels exist; `pipeline/check.ts` turns those into problems and runs these rules on
 * whatever did decode.
 *
 * Sources: CreateImageEditRequest.mask in the OpenAPI spec ("PNG, less than 4MB, same dimensions as image",
 * "fully transparent areas (alpha zero) indicate where image should be edited") and the mask edit guide
 * (same format as the image, under 50 MB, a real alpha channel, "painted white on an opaque layer").
 */
import { findModel, getModel, modelIds, NEWEST_MODEL, type ImageModel } from './models.js';
import { defaultModel, lifecycleProblems } from './lifecycle.js';
import { drawnOnStoredPixels, lumaSplit, ORIENTATION_NAMES, sameAspect, shellQuote, siblingName } from './maskops.js';
import { sortProblems, type Problem, type Severity } from './problems.js';
import type { Box, EditMask, Raster } from './raster.js';
import { SOFT_THRESHOLD } from './threshold.js';

/** What io/ learned about a file's header (io/image.ts `ImageInfo` extends it). */
export interface ImageFacts {
  format: string;
  bytes: number;
  /** Displayed size (EXIF orientation applied). */
  width: number;
  height: number;
  storedWidth: number;
  storedHeight: number;
  /** EXIF orientation 1–8. */
  orientation: number;
  hasAlpha: boolean;
  /** Channels in the file (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA), for messages; optional. */
  channels?: number;
  /** Frames of an animated WebP or PNG (APNG); 1 or absent for a still image. Only the first is used. */
  frames?: number;
}
export type MaskFacts = ImageFacts;

/** One pass over a mask's alpha: how many pixels OpenAI edits (alpha 0), keeps (255), and the ones between. */
export interface AlphaStats {
  pixels: number;
  /** alpha == 0: editable. */
  transparent: number;
  /** 0 < alpha < 255: kept by OpenAI, usually meant as editable. */
  partial: number;
  /** alpha == 255. */
  opaque: number;
  /** alpha < 128 (SOFT_THRESHOLD): what a repaired mask edits (`maskedit mask`, `edit --fix`, the studio). */
  soft: number;
}

export interface DiagnoseInput {
  image: ImageFacts | null;
  mask: MaskFacts | null;
  /** RGBA in displayed orientation; enables the content check for orientations the sizes cannot reveal. */
  imageRaster?: Raster & { channels: 4 };
  /** RGBA in displayed orientation; needed for the alpha and stroke rules unless `alpha` is given. */
  maskRaster?: Raster & { channels: 4 };
  /** Precomputed {@link scanAlpha} result (saves a pass over a big mask). */
  alpha?: AlphaStats;
  /** Model id; unknown ids get MODEL_UNKNOWN and the newest model's rules. */
  model?: string;
  /**
   * The date the model is judged on (YYYY-MM-DD): adds MODEL_DEPRECATED / MODEL_SHUT_DOWN, and picks the default
   * model of that date when `model` is not given. Without it, no lifecycle check is made.
   */
  today?: string;
  /** Names used in messages and fix commands, usually the paths. */
  imageLabel?: string;
  maskLabel?: string;
}

const MB = 1024 * 1024;
/** The guide's limit for any uploaded image or mask; models with stricter limits say so in the registry. */
export const API_MAX_BYTES = 50 * MB;
/** Above this share of editable pixels a mask is probably inverted: edit regions are usually the minority. */
export const LIKELY_INVERTED_FRACTION = 0.5;
/** A painted black/white mask has few mid-tones (only anti-aliased stroke edges); a photo has many. */
export const PAINTED_MAX_MIDTONES = 0.1;

/**
 * Counts alpha values in one pass and, when `editOut` is given, writes OpenAI's reading of the mask into it
 * (alpha 0 → 255 editable, anything else → 0) in the same pass.
 *
 * @example
 * const edit = createEditMask(w, h); const stats = scanAlpha(maskRgba, edit);
 */
export function scanAlpha(mask: Raster & { channels: 4 }, editOut?: EditMask): AlphaStats {
  const s = mask.data;
  const n = mask.width * mask.height;
  const o = editOut?.data;
  let transparent = 0, opaque = 0, soft = 0;
  if (LITTLE_ENDIAN && (s.byteOffset & 3) === 0) {
    // Hot path (16.7 M pixels at 4096²): one 32-bit read per pixel (alpha is the top byte on little-endian),
    // and masks are long runs of one alpha value, so branch once per run and fill the edit mask in bulk.
    const px = new Uint32Array(s.buffer, s.byteOffset, n);
    let i = 0;
    while (i < n) {
      const a = px[i]! >>> 24;
      let j = i + 1;
      while (j < n && px[j]! >>> 24 === a) j++;
      if (a === 0) {
        transparent += j - i;
        if (o) o.fill(255, i, j);
      } else if (a === 255) opaque += j - i;
      if (a < SOFT_THRESHOLD) soft += j - i;
      i = j;
    }
  } else {
    for (let i = 0, j = 3; i < n; i++, j += 4) {
      const a = s[j]!;
      if (a === 0) { transparent++; if (o) o[i] = 255; } else if (a === 255) opaque++;
      if (a < SOFT_THRESHOLD) soft++;
    }
  }
  return { pixels: n, transparent, partial: n - transparent - opaque, opaque, soft };
}

/**
 * {@link scanAlpha} for a decoded alpha plane alone (one byte per pixel): the same counts and the same edit
 * mask. Masks are long runs of alpha 0 or 255, so four pixels are read at a time and runs are filled in bulk.
 *
 * @example
 * const edit = createEditMask(alpha.width, alpha.height);
 * const stats = scanAlphaPlane(alpha, edit);
 */
export function scanAlphaPlane(alpha: Raster & { channels: 1 }, editOut?: EditMask): AlphaStats {
  const a = alpha.data;
  const n = alpha.width * alpha.height;
  const o = editOut?.data;
  let transparent = 0, opaque = 0, soft = 0;
  const one = (i: number) => {
    const v = a[i]!;
    if (v === 0) { transparent++; if (o) o[i] = 255; } else if (v === 255) opaque++;
    if (v < SOFT_THRESHOLD) soft++;
  };
  wordRuns(a, n, one, (start, end, zero) => {
    if (zero) {
      transparent += end - start;
      soft += end - start;
      if (o) o.fill(255, start, end);
    } else opaque += end - start;
  });
  return { pixels: n, transparent, partial: n - transparent - opaque, opaque, soft };
}

/**
 * {@link scanAlphaPlane} that turns the alpha plane itself into the edit mask (alpha 0 → 255, anything else →
 * 0), in place: the same counts and the same mask bytes without a second full-size plane. `alpha` is the mask
 * afterwards; returns the counts, the plane as an {@link EditMask} and its bounding box (`boundingBox`'s, null
 * when nothing is editable).
 *
 * @example
 * const { stats, editMask } = alphaToEditMask(await decodeAlpha(maskBytes, info));
 */
export function alphaToEditMask(alpha: Raster & { channels: 1 }): { stats: AlphaStats; editMask: EditMask; box: Box | null } {
  const a = alpha.data;
  const w = alpha.width;
  const n = alpha.width * alpha.height;
  let transparent = 0, opaque = 0, soft = 0;
  // The editable pixels' bounding box, from the runs of them (pixel p0 to p1 inclusive): a run across a row
  // end reaches both the last and the first column.
  let minX = w, maxX = -1, minY = -1, maxY = -1;
  const span = (p0: number, p1: number) => {
    const y0 = (p0 / w) | 0, y1 = (p1 / w) | 0;
    if (minY < 0) minY = y0;
    maxY = y1;
    if (y0 !== y1) { minX = 0; maxX = w - 1; return; }
    const x0 = p0 - y0 * w, x1 = p1 - y1 * w;
    if (x0 < minX) minX = x0;
    if (x1 > maxX) maxX = x1;
  };
  const one = (i: number) => {
    const v = a[i]!;
    if (v === 0) { transparent++; a[i] = 255; span(i, i); } else { if (v === 255) opaque++; a[i] = 0; }
    if (v < SOFT_THRESHOLD) soft++;
  };
  wordRuns(a, n, one, (start, end, zero) => {
    if (zero) {
      transparent += end - start;
      soft += end - start;
      a.fill(255, start, end);
      span(start, end - 1);
    } else {
      opaque += end - start;
      a.fill(0, start, end);
    }
  });
  const box = minY < 0 ? null : { x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1 };
  return { stats: { pixels: n, transparent, partial: n - transparent - opaque, opaque, soft }, editMask: { width: alpha.width, height: alpha.height, channels: 1, data: a }, box };
}

/**
 * Walks the first `n` bytes of `a` four at a time: each run of whole aligned words that are all 0 or all 255 goes
 * to `run(start, end, zero)` (byte indices, end exclusive), every other byte to `one(i)`, in order. Masks are long
 * runs of alpha 0 or 255, so most of a mask is read a word at a time and handled in bulk.
 */
function wordRuns(a: Uint8Array | Uint8ClampedArray, n: number, one: (i: number) => void, run: (start: number, end: number, zero: boolean) => void): void {
  let i = 0;
  const head = Math.min(n, (4 - (a.byteOffset & 3)) & 3);
  for (; i < head; i++) one(i);
  const words = (n - i) >> 2;
  const px = new Uint32Array(a.buffer, a.byteOffset + i, words);
  for (let k = 0; k < words;) {
    const v = px[k]!;
    if (v === 0 || v === 0xffffffff) {
      let j = k + 1;
      while (j < words && px[j] === v) j++;
      run(i + k * 4, i + j * 4, v === 0);
      k = j;
    } else {
      const b = i + k * 4;
      one(b); one(b + 1); one(b + 2); one(b + 3);
      k++;
    }
  }
  for (i += words * 4; i < n; i++) one(i);
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Share of the picture OpenAI will edit: alpha-0 pixels over all pixels for an RGBA raster, or the non-zero
 * share of an {@link EditMask}. A mask without alpha has nothing editable (the API rejects it).
 *
 * @example
 * editableFraction(maskRgba) // 0.092
 */
export function editableFraction(mask: Raster | AlphaStats): number {
  if ('pixels' in mask) return mask.pixels ? mask.transparent / mask.pixels : 0;
  const n = mask.width * mask.height;
  if (!n) return 0;
  if (mask.channels === 1) {
    let k = 0;
    for (let i = 0; i < n; i++) if (mask.data[i] !== 0) k++;
    return k / n;
  }
  if (mask.channels === 3) return 0;
  const c = mask.channels;
  let k = 0;
  for (let j = c - 1; j < mask.data.length; j += c) if (mask.data[j] === 0) k++;
  return k / n;
}

/** Problem-code segment for a model id: `dall-e-2` → `DALLE2`. */
export function modelCode(model: ImageModel): string {
  return model.id.toUpperCase().replace(/[^A-Z0-9]/g, '');
}


/**
 * Every problem with an image/mask pair, errors first. Pure: the same facts give the same list.
 *
 * @example
 * diagnose({ image: imageInfo, mask: maskInfo, maskRaster, model: 'gpt-image-1.5', maskLabel: 'mask.png' })
 * // [{ code: 'MASK_SIZE_MISMATCH', severity: 'error', message: 'mask.png is 512x512 but image.png is 1024x1024 …', fix: 'maskedit mask …' }]
 */
export function diagnose(input: DiagnoseInput): Problem[] {
  return diagnoseWithFix(input).problems;
}

/**
 * {@link diagnose} plus **one** command that repairs every repairable problem at once (null when none is):
 * each problem's own fix rewrites the same `MASK.fixed.png`, so running two of them, the second undoes the
 * first. The flags of every repairable problem go into one `maskedit mask` call instead.
 *
 * @example
 * diagnoseWithFix({ image, mask, maskRaster, maskLabel: 'm.png', imageLabel: 'a.png' }).fix
 * // 'maskedit mask m.png --match a.png -o m.fixed.png' (for a gray mask at half size: MASK_NO_ALPHA + MASK_SIZE_MISMATCH)
 */
export function diagnoseWithFix(input: DiagnoseInput): { problems: Problem[]; fix: string | null } {
  const problems: Problem[] = [];
  /** `maskedit mask MASK <flags> -o MASK.fixed.png` repairs these codes; the flags of each. */
  const repairs = new Map<string, string[]>();
  const add = (code: string, severity: Severity, message: string, fix: string, repairFlags?: string[]) => {
    problems.push({ code, severity, message, fix });
    if (repairFlags) repairs.set(code, repairFlags);
  };
  const { image, mask } = input;
  const imageLabel = input.imageLabel ?? 'image.png';
  const maskLabel = input.maskLabel ?? 'mask.png';
  const I = shellQuote(imageLabel);
  const M = shellQuote(maskLabel);
  const fixed = shellQuote(siblingName(maskLabel, 'fixed'));

  // Model: judged on the date when there is one; unknown ids are checked with the newest model's rules.
  const DEFAULT = input.today ? defaultModel(input.today) : NEWEST_MODEL;
  const modelId = input.model ?? DEFAULT;
  const known = findModel(modelId);
  if (input.today) problems.push(...lifecycleProblems(modelId, input.today));
  else if (!known) {
    add('MODEL_UNKNOWN', 'warning', `model ${JSON.stringify(modelId)} is not one maskedit knows (${modelIds().join(', ')}); checking with ${NEWEST_MODEL}'s rules`, `pass one of the known models, e.g. --model ${NEWEST_MODEL}`);
  }
  const model = getModel(modelId);
  const mc = modelCode(model);

  // Byte sizes: the API-wide 50 MB, then the model's own (stricter) limits from the registry.
  if (image) {
    if (image.bytes > API_MAX_BYTES) {
      add('IMAGE_TOO_LARGE', 'error', `${imageLabel} is ${fmtMb(image.bytes)}; the API takes images under ${fmtMb(API_MAX_BYTES)}`, `re-encode it smaller, e.g. as JPEG at quality 90, or downscale it to 4096 px on the long side`);
    } else if (image.bytes > model.maxImageBytes) {
      add(`MODEL_${mc}_TOO_LARGE`, 'error', `${imageLabel} is ${fmtMb(image.bytes)}; ${model.id} takes images under ${fmtMb(model.maxImageBytes)}`, `downscale it (e.g. to 1024x1024), or use --model ${DEFAULT}, which takes up to ${fmtMb(API_MAX_BYTES)}`);
    }
    if (model.squareOnly && image.width !== image.height) {
      add(`MODEL_${mc}_NOT_SQUARE`, 'error', `${model.id} takes only square images; ${imageLabel} is ${image.width}x${image.height}`, `crop it to a square (e.g. ${Math.min(image.width, image.height)}x${Math.min(image.width, image.height)}), or use --model ${DEFAULT}, which takes any aspect`);
    }
  }
  // Animation: libvips, maskedit and OpenAI read the first frame only; say so rather than drop the rest silently.
  for (const [facts, label, role] of [[image, imageLabel, 'IMAGE'], [mask, maskLabel, 'MASK']] as const) {
    if (facts?.frames && facts.frames > 1) {
      add(`${role}_ANIMATED`, 'warning', `${label} is an animated ${facts.format.toUpperCase()} with ${facts.frames} frames; only its first frame is ${role === 'IMAGE' ? 'edited' : 'read'} and the others are dropped`,
        `nothing to do if the first frame is the one you mean; otherwise export the frame you want as a still PNG and pass that`);
    }
  }
  if (mask) {
    const shrinkFix = `rewrite it as a compact 0/255 mask: maskedit mask ${M} -o ${fixed}`;
    if (mask.bytes > API_MAX_BYTES) {
      add('MASK_TOO_LARGE', 'error', `${maskLabel} is ${fmtMb(mask.bytes)}; the API takes masks under ${fmtMb(API_MAX_BYTES)}`, shrinkFix, []);
    } else if (mask.bytes > model.maxMaskBytes) {
      add(`MODEL_${mc}_TOO_LARGE`, 'error', `${maskLabel} is ${fmtMb(mask.bytes)}; ${model.id} takes masks under ${fmtMb(model.maxMaskBytes)}`, shrinkFix, []);
    } else if (mask.bytes > model.maskSpecBytes) {
      // Same code, lower severity: the spec says 4 MB, the guide says 50 MB and larger masks are accepted.
      add('MASK_TOO_LARGE', 'warning', `${maskLabel} is ${fmtMb(mask.bytes)}; the API spec asks for masks under ${fmtMb(model.maskSpecBytes)} (the guide allows ${fmtMb(API_MAX_BYTES)})`, shrinkFix, []);
    }
    if (mask.format !== 'png') {
      add('MASK_NOT_PNG', 'error', `${maskLabel} is ${mask.format.toUpperCase()}; OpenAI reads the mask as a PNG with an alpha channel`, `convert it: maskedit mask ${M} -o ${fixed}`, []);
    } else if (image && image.format !== mask.format) {
      add('MASK_FORMAT_DIFFERS', 'warning', `the guide asks for the mask in the image's format; ${imageLabel} is ${image.format.toUpperCase()}, ${maskLabel} is PNG`, `nothing to do with maskedit edit, which uploads the image as PNG; calling the API yourself, send a PNG copy of ${imageLabel}`);
    }
  }

  // Geometry: the mask must have the image's displayed pixel size.
  if (image && mask) {
    const displayedMatch = mask.width === image.width && mask.height === image.height;
    const storedMatch = mask.width === image.storedWidth && mask.height === image.storedHeight;
    if (!displayedMatch && storedMatch && image.orientation !== 1) {
      add('MASK_ORIENTATION_MISMATCH', 'error',
        `${maskLabel} is ${mask.width}x${mask.height}, the stored size of ${imageLabel}, but the image is displayed ${image.width}x${image.height} (EXIF orientation ${image.orientation}: ${ORIENTATION_NAMES[image.orientation]}); the mask was drawn on the stored pixels`,
        `orient it like the image: maskedit mask ${M} --match ${I} -o ${fixed}`, ['--match', I]);
    } else if (!displayedMatch) {
      const aspect = sameAspect(mask, image);
      add('MASK_SIZE_MISMATCH', 'error',
        `${maskLabel} is ${mask.width}x${mask.height} but ${imageLabel} is ${image.width}x${image.height}${aspect ? ' (same aspect ratio)' : ' (different aspect ratio)'}`,
        aspect
          ? `resize it (nearest neighbour): maskedit mask ${M} --match ${I} -o ${fixed}`
          : `re-export the mask at ${image.width}x${image.height} from the same canvas as the image (maskedit mask ${M} --match ${I} -o ${fixed} would stretch it)`,
        aspect ? ['--match', I] : undefined);
    } else if (image.orientation !== 1 && input.imageRaster && input.maskRaster && mask.hasAlpha) {
      // Same displayed size, so the sizes cannot tell (orientations 2–4, or a square picture): compare the
      // mask's opaque RGB with the image as displayed and as stored. Only masks cut from a copy of the
      // image carry that evidence; a plain black/white mask matches neither and is left alone.
      if (drawnOnStoredPixels(input.imageRaster, input.maskRaster, image.orientation)) {
        add('MASK_ORIENTATION_MISMATCH', 'error',
          `${maskLabel} matches the stored pixels of ${imageLabel}, not the displayed ones (EXIF orientation ${image.orientation}: ${ORIENTATION_NAMES[image.orientation]})`,
          `orient it like the image: maskedit mask ${M} --match ${I} -o ${fixed}`, ['--match', I]);
      }
    }
  }

  // Alpha: what OpenAI will actually edit.
  if (mask && (input.alpha || input.maskRaster)) {
    if (!mask.hasAlpha) {
      const split = input.maskRaster ? lumaSplit(input.maskRaster) : null;
      const sides = split ? ` (black covers ${pct(split.dark)}, white ${pct(split.light)})` : '';
      const picks = split ? (split.dark <= split.light ? 'black' : 'white') : 'the smaller region';
      const kind = mask.channels === 1 ? 'a grayscale ' : mask.channels === 3 ? 'an RGB ' : 'a ';
      add('MASK_NO_ALPHA', 'error', `${maskLabel} is ${kind}${mask.format.toUpperCase()} with no alpha channel${sides}; OpenAI edits only where alpha is 0 and rejects a mask without one`,
        `make an RGBA mask: maskedit mask ${M} -o ${fixed} (picks ${picks} as editable; add --edit white or --edit black to choose)`, []);
    } else {
      const stats = input.alpha ?? scanAlpha(input.maskRaster!);
      const fraction = editableFraction(stats);
      if (stats.transparent === 0) {
        const split = stats.partial === 0 && input.maskRaster ? lumaSplit(input.maskRaster) : null;
        const minority = split ? Math.min(split.dark, split.light) : 0;
        if (stats.partial > 0) {
          add('MASK_NOTHING_EDITABLE', 'error', `${maskLabel} has no pixel with alpha 0; its ${count(stats.partial)} semi-transparent pixels (alpha 1–254) are kept by OpenAI`,
            stats.soft > 0
              ? `read them with the one threshold (alpha below ${SOFT_THRESHOLD} editable): maskedit mask ${M} -o ${fixed}`
              : `they are all ${SOFT_THRESHOLD} or more, so count every one as editable: maskedit mask ${M} --threshold 255 -o ${fixed}`,
            stats.soft > 0 ? [] : ['--threshold', '255']);
        } else if (split && minority > 0 && split.mid <= PAINTED_MAX_MIDTONES) {
          const strokes = split.light <= split.dark ? 'white' : 'black';
          add('MASK_NOTHING_EDITABLE', 'error', `${maskLabel} looks painted on an opaque layer: every pixel has alpha 255, and its ${strokes} strokes (${pct(minority)}) are not transparent, so nothing would be edited`,
            `turn the strokes into transparency: maskedit mask ${M} --edit ${strokes} -o ${fixed}`, ['--edit', strokes]);
        } else if (split && split.mid > PAINTED_MAX_MIDTONES) {
          add('MASK_NOTHING_EDITABLE', 'error', `${maskLabel} is fully opaque (every pixel has alpha 255) and looks like a picture, not a mask (${pct(split.mid)} mid-tones), so nothing would be edited`,
            image ? `if you painted over a copy of the image, build the mask from the difference: maskedit mask ${M} --diff ${I} -o ${fixed}; otherwise erase the region to edit to transparency`
              : 'erase the region to edit to transparency and export as PNG with alpha');
        } else {
          add('MASK_NOTHING_EDITABLE', 'error', `${maskLabel} is fully opaque (every pixel has alpha 255), so nothing would be edited`,
            `erase the region to edit to transparency, or build a mask from a box: maskedit mask ${I} --rect X,Y,W,H -o ${shellQuote(siblingName(imageLabel, 'mask'))}`);
        }
      } else {
        if (stats.transparent === stats.pixels) {
          add('MASK_ALL_EDITABLE', 'warning', `every pixel of ${maskLabel} has alpha 0, so the whole image may change`,
            `fine for a full regeneration; otherwise keep only the region to edit transparent, e.g. maskedit mask ${I} --rect X,Y,W,H -o ${shellQuote(siblingName(imageLabel, 'mask'))}`);
        } else if (fraction > LIKELY_INVERTED_FRACTION) {
          add('MASK_LIKELY_INVERTED', 'warning', `${pct(fraction)} of ${maskLabel} is editable (alpha 0); edit regions are usually the minority, so the mask may be inverted`,
            `if the transparent part is what should stay, invert it: maskedit mask ${M} --invert -o ${shellQuote(siblingName(maskLabel, 'inverted'))}`);
        }
        if (stats.partial > 0) {
          add('MASK_PARTIAL_ALPHA', 'warning', `${count(stats.partial)} pixels (${pct(stats.partial / stats.pixels)}) of ${maskLabel} are semi-transparent (alpha 1–254); OpenAI edits only alpha 0, so it would edit ${pct(fraction)}; read at the one threshold (alpha below ${SOFT_THRESHOLD}) the mask is ${pct(stats.soft / stats.pixels)}`,
            `make it 0/255 with alpha below ${SOFT_THRESHOLD} editable (what maskedit edit --fix does): maskedit mask ${M} -o ${fixed}`, []);
        }
      }
    }
  }
  let fix: string | null = null;
  if (repairs.size) {
    const flags: string[] = [];
    for (const f of repairs.values()) {
      // Each flag pair once (--match I from both the size and the orientation rule).
      for (let i = 0; i < f.length; i += 2) if (!flags.some((x, j) => j % 2 === 0 && x === f[i])) flags.push(f[i]!, f[i + 1]!);
    }
    fix = ['maskedit mask', M, ...flags, '-o', fixed].join(' ');
  }
  return { problems: sortProblems(problems), fix };
}

function fmtMb(bytes: number): string {
  const mb = bytes / MB;
  return `${mb >= 10 || Number.isInteger(mb) ? mb.toFixed(0) : mb.toFixed(1)} MB`;
}

function pct(f: number): string {
  if (f > 0 && f < 0.001) return '< 0.1 %';
  return `${(f * 100).toFixed(1)} %`;
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

/**
 * Building and reshaping edit masks, pure: reading a mask file's pixels with the right polarity, thresholds,
 * boxes, masks from painted strokes, nearest-neighbour resizing and EXIF orientation. Morphology (grow, shrink,
 * holes) lives in `morphology.ts`; this file decides *which* pixels are editable.
 *
 * All results are {@link EditMask}s (255 = editable, 0 = keep); `editMaskToApiRgba` in `raster.ts` turns one
 * into the RGBA file OpenAI reads (alpha 0 = editable, CreateImageEditRequest.mask).
 */
import { resize } from './resize.js';
import { MaskError } from './errors.js';
import { SOFT_THRESHOLD } from './threshold.js';
import { connectedComponents, distancesWithin } from './morphology.js';
import { countNonZero, createEditMask, createRaster, type Box, type EditMask, type Raster } from './raster.js';

/** Which pixels of a mask without alpha are editable: black, white, or whichever region is smaller. */
export type Polarity = 'auto' | 'black' | 'white';

/**
 * How much of a mask's luminance is dark (< threshold) and how much light, as fractions of all pixels, plus the
 * share of mid-tones (luma 32–223). `auto` polarity reads the split; the doctor reads the mid-tones to tell
 * painted strokes (two tones and their anti-aliased edges) from a photo.
 *
 * @example
 * lumaSplit(raster).dark // 0.092 → black covers 9.2 % of the mask
 */
export function lumaSplit(r: Raster, threshold = 128): { dark: number; light: number; mid: number } {
  const n = r.width * r.height;
  if (n === 0) return { dark: 0, light: 0, mid: 0 };
  const c = r.channels;
  const s = r.data;
  let dark = 0, mid = 0;
  // Integer Rec. 601 weights (x1000) as in raster.luma, so both agree on every pixel.
  const t = threshold * 1000 - 500;
  for (let j = 0; j < s.length; j += c) {
    const l = c >= 3 ? s[j]! * 299 + s[j + 1]! * 587 + s[j + 2]! * 114 : s[j]! * 1000;
    if (l < t) dark++;
    if (l >= 32000 && l < 224000) mid++;
  }
  return { dark: dark / n, light: (n - dark) / n, mid: mid / n };
}

export interface LumaMaskResult {
  mask: EditMask;
  /** The polarity used (auto resolves to black or white). */
  picked: 'black' | 'white';
  /** Editable share had black / white been picked. */
  black: number;
  white: number;
}

/**
 * An edit mask from a mask's luminance. `black` follows OpenAI's guide (luminance copied into alpha, so black
 * becomes alpha 0 = editable); `white` makes light pixels editable, which is how most people paint masks;
 * `auto` picks the polarity whose editable region is smaller, because an edit region is usually the minority.
 * Pixels are split at `threshold` (default 128) so anti-aliased or JPEG-compressed masks still binarise cleanly.
 *
 * @example
 * const { mask, picked } = maskFromLuma(bwRaster, 'auto'); // picked: 'white' when the strokes are white
 */
export function maskFromLuma(r: Raster, polarity: Polarity = 'auto', threshold = 128): LumaMaskResult {
  const { dark } = lumaSplit(r, threshold);
  const picked: 'black' | 'white' = polarity !== 'auto' ? polarity : dark <= 1 - dark ? 'black' : 'white';
  const out = createEditMask(r.width, r.height);
  const o = out.data;
  const s = r.data;
  const c = r.channels;
  const t = threshold * 1000 - 500;
  const darkValue = picked === 'black' ? 255 : 0;
  const lightValue = 255 - darkValue;
  for (let i = 0, j = 0; i < o.length; i++, j += c) {
    const isDark = (c >= 3 ? s[j]! * 299 + s[j + 1]! * 587 + s[j + 2]! * 114 : s[j]! * 1000) < t;
    o[i] = isDark ? darkValue : lightValue;
  }
  return { mask: out, picked, black: dark, white: 1 - dark };
}

/**
 * An edit mask from a mask's alpha channel: alpha < `threshold` is editable. The default 1 is exactly what
 * OpenAI reads (only alpha == 0 is edited); 255 also counts every semi-transparent pixel as editable.
 *
 * @example
 * maskFromAlpha(rgba)       // OpenAI's reading
 * maskFromAlpha(rgba, 255)  // soft brush edges count too
 */
export function maskFromAlpha(r: Raster, threshold = 1): EditMask {
  if (r.channels !== 2 && r.channels !== 4) throw new RangeError(`an alpha mask needs 2 or 4 channels, received ${r.channels}`);
  const out = createEditMask(r.width, r.height);
  const o = out.data;
  const s = r.data;
  const c = r.channels;
  for (let i = 0, j = c - 1; i < o.length; i++, j += c) o[i] = s[j]! < threshold ? 255 : 0;
  return out;
}

/**
 * Nearest-neighbour resize of any raster (masks stay binary). Pixel centres are mapped, so a 2× upscale
 * repeats each pixel exactly twice.
 *
 * @example
 * resizeNearest(mask512, 1024, 1024)
 */
export function resizeNearest<R extends Raster>(r: R, width: number, height: number): R {
  return r.width === width && r.height === height ? r : resize(r, width, height, 'nearest');
}

/** True when two sizes have the same aspect ratio up to less than a pixel of rounding on the smaller one. */
export function sameAspect(a: { width: number; height: number }, b: { width: number; height: number }): boolean {
  const [small, big] = a.width * a.height <= b.width * b.height ? [a, b] : [b, a];
  // Scale the big size down to the small one's width and compare heights within a pixel.
  return Math.abs((big.height * small.width) / big.width - small.height) < 1
    && Math.abs((big.width * small.height) / big.height - small.width) < 1;
}

/** Displayed size of a stored `width`×`height` picture under EXIF orientation 1–8 (5–8 swap the sides). */
export function orientedSize(width: number, height: number, orientation: number): { width: number; height: number } {
  return orientation >= 5 && orientation <= 8 ? { width: height, height: width } : { width, height };
}

/**
 * Applies an EXIF orientation (1–8, TIFF 6.0 tag 274) to stored pixels, giving the displayed picture — the
 * same transform sharp's `autoOrient()` applies when decoding. Used to turn a mask drawn on a photo's stored
 * pixels into one that lines up with what the user sees.
 *
 * @example
 * applyOrientation(maskDrawnOnStoredPixels, 6) // rotates 90° clockwise
 */
export function applyOrientation<R extends Raster>(r: R, orientation: number): R {
  if (orientation <= 1 || orientation > 8) return r;
  const sw = r.width, sh = r.height, c = r.channels;
  const { width: dw, height: dh } = orientedSize(sw, sh, orientation);
  const out = createRaster(dw, dh, c);
  const src = r.data, dst = out.data;
  for (let y = 0; y < dh; y++) {
    for (let x = 0; x < dw; x++) {
      const s = storedIndex(orientation, x, y, sw, sh) * c;
      const d = (y * dw + x) * c;
      for (let k = 0; k < c; k++) dst[d + k] = src[s + k]!;
    }
  }
  return { ...r, width: dw, height: dh, data: dst };
}

/** Index of the stored pixel (in a `sw`×`sh` stored picture) shown at displayed (x, y) under `orientation`. */
function storedIndex(orientation: number, x: number, y: number, sw: number, sh: number): number {
  switch (orientation) {
    case 2: return y * sw + (sw - 1 - x);                  // mirror horizontal
    case 3: return (sh - 1 - y) * sw + (sw - 1 - x);       // rotate 180
    case 4: return (sh - 1 - y) * sw + x;                  // mirror vertical
    case 5: return x * sw + y;                             // transpose
    case 6: return (sh - 1 - x) * sw + y;                  // rotate 90 clockwise
    case 7: return (sh - 1 - x) * sw + (sw - 1 - y);       // transverse
    case 8: return x * sw + (sw - 1 - y);                  // rotate 90 counter-clockwise
    default: return y * sw + x;
  }
}

/** The orientation that undoes `orientation` (6 and 8 undo each other; the others undo themselves). */
function inverseOrientation(orientation: number): number {
  return orientation === 6 ? 8 : orientation === 8 ? 6 : orientation;
}

/** What each EXIF orientation does to the stored picture, for messages. */
export const ORIENTATION_NAMES: Record<number, string> = {
  2: 'mirrored horizontally', 3: 'rotated 180°', 4: 'mirrored vertically', 5: 'mirrored and rotated 90°',
  6: 'rotated 90° clockwise', 7: 'mirrored and rotated 90° counter-clockwise', 8: 'rotated 90° counter-clockwise',
};

/** The inverse of {@link applyOrientation}: displayed pixels back to the stored layout. */
export function undoOrientation<R extends Raster>(r: R, orientation: number): R {
  return applyOrientation(r, inverseOrientation(orientation));
}

/**
 * True when the mask's opaque RGB clearly resembles the image's stored layout and not its displayed one.
 * Compares mean luma differences on a sparse grid (about 64k samples), so it costs little even at 16 MP.
 */
export function drawnOnStoredPixels(image: Raster & { channels: 4 }, mask: Raster & { channels: 4 }, orientation: number): boolean {
  const { width: w, height: h } = image;
  if (mask.width !== w || mask.height !== h) return false;
  const stored = orientedSize(w, h, orientation);
  // Orientations 5–8 of a non-square picture change the size and are caught by the size rule.
  if (stored.width !== w || stored.height !== h) return false;
  // The stored layout's pixel at (x, y) is read straight from the displayed raster: no 4096² copy for a
  // sparse sample.
  const inverse = inverseOrientation(orientation);
  const step = Math.max(1, Math.floor(Math.sqrt((w * h) / 65536)));
  let dDisplayed = 0, dStored = 0, n = 0;
  const L = (d: Raster['data'], i: number) => d[i]! * 299 + d[i + 1]! * 587 + d[i + 2]! * 114;
  for (let y = 0; y < h; y += step) {
    for (let x = 0; x < w; x += step) {
      const i = (y * w + x) * 4;
      if (mask.data[i + 3] !== 255) continue;
      const m = L(mask.data, i);
      dDisplayed += Math.abs(m - L(image.data, i));
      dStored += Math.abs(m - L(image.data, storedIndex(inverse, x, y, w, h) * 4));
      n++;
    }
  }
  if (n < 16) return false;
  dDisplayed /= n * 1000;
  dStored /= n * 1000;
  // A copy of the stored pixels sits within JPEG noise of them and clearly further from the displayed ones.
  return dStored < 12 && dDisplayed > 2 * dStored + 4;
}

/**
 * Parses `x,y,w,h` (whole pixels). Throws MASK_RECT_INVALID naming the received text.
 *
 * @example
 * parseRect('10,20,300,200') // { x: 10, y: 20, width: 300, height: 200 }
 */
export function parseRect(text: string): Box {
  const parts = text.split(',').map((p) => p.trim());
  const nums = parts.map(Number);
  if (parts.length !== 4 || parts.some((p) => p === '') || nums.some((n) => !Number.isInteger(n))) {
    throw new MaskError('MASK_RECT_INVALID', `--rect expects x,y,w,h as four whole numbers, received ${JSON.stringify(text)}`, 'write it like --rect 100,80,320,240 (left, top, width, height in pixels)');
  }
  const [x, y, width, height] = nums as [number, number, number, number];
  if (width <= 0 || height <= 0) {
    throw new MaskError('MASK_RECT_INVALID', `--rect ${text} has a width or height of ${Math.min(width, height)}; both must be at least 1`, 'give the box a positive size, e.g. --rect 100,80,320,240');
  }
  return { x, y, width, height };
}

export interface RectsResult {
  mask: EditMask;
  /** Boxes that reached past the picture and were clipped to it. */
  clipped: Box[];
}

/**
 * An edit mask that is editable inside the union of `boxes`. Boxes partly outside the picture are clipped (and
 * listed); a box entirely outside is an error, since it would silently edit nothing.
 *
 * @example
 * rectsMask(1024, 1024, [{ x: 100, y: 100, width: 200, height: 150 }]).mask
 */
export function rectsMask(width: number, height: number, boxes: readonly Box[]): RectsResult {
  const mask = createEditMask(width, height);
  const clipped: Box[] = [];
  for (const b of boxes) {
    const x0 = Math.max(0, b.x), y0 = Math.max(0, b.y);
    const x1 = Math.min(width, b.x + b.width), y1 = Math.min(height, b.y + b.height);
    if (x1 <= x0 || y1 <= y0) {
      throw new MaskError('MASK_RECT_OUTSIDE', `--rect ${b.x},${b.y},${b.width},${b.height} lies outside the ${width}x${height} image`, `use a box inside 0,0,${width},${height}`);
    }
    if (x0 !== b.x || y0 !== b.y || x1 !== b.x + b.width || y1 !== b.y + b.height) clipped.push(b);
    for (let y = y0; y < y1; y++) mask.data.fill(255, y * width + x0, y * width + x1);
  }
  return { mask, clipped };
}

/**
 * An edit mask from strokes painted over a copy of the image: a pixel is editable when any RGB channel of
 * `painted` differs from `original` by more than `tolerance` (default 24, above the ±10–20 that JPEG
 * re-encoding at ordinary qualities produces near edges). Both must be RGBA in the same orientation and size.
 *
 * @example
 * diffMask(paintedCopy, original).mask
 */
export function diffMask(painted: Raster & { channels: 4 }, original: Raster & { channels: 4 }, tolerance = 24): EditMask {
  if (painted.width !== original.width || painted.height !== original.height) {
    throw new MaskError('MASK_SIZE_MISMATCH', `the painted copy is ${painted.width}x${painted.height} but the original is ${original.width}x${original.height}`, 'paint over a copy of the original at its full size, then run maskedit mask PAINTED --diff ORIGINAL -o mask.png');
  }
  const out = createEditMask(painted.width, painted.height);
  const a = painted.data, b = original.data, o = out.data;
  for (let i = 0, j = 0; i < o.length; i++, j += 4) {
    const dr = a[j]! - b[j]!, dg = a[j + 1]! - b[j + 1]!, db = a[j + 2]! - b[j + 2]!;
    const m = Math.max(dr < 0 ? -dr : dr, dg < 0 ? -dg : dg, db < 0 ? -db : db);
    o[i] = m > tolerance ? 255 : 0;
  }
  return out;
}

/**
 * Clears components smaller than `minArea` pixels (8-connected): the isolated specks JPEG noise leaves in a
 * diff mask.
 *
 * @example
 * removeSpecks(diffMask(painted, original), 8)
 */
export function removeSpecks(mask: EditMask, minArea: number): EditMask {
  if (minArea <= 1) return mask;
  const { labels, areas } = connectedComponents(mask, 8);
  const out = createEditMask(mask.width, mask.height);
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (l !== 0 && areas[l - 1]! >= minArea) out.data[i] = 255;
  }
  return out;
}

/**
 * A suggested output name beside `path`, with `suffix` before the extension (pure string work so core can
 * build fix commands): `masks/a.png` → `masks/a.fixed.png`.
 */
export function siblingName(path: string, suffix: string, ext = '.png'): string {
  const slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  const dot = path.lastIndexOf('.');
  const stem = dot > slash + 1 ? path.slice(0, dot) : path;
  return `${stem}.${suffix}${ext}`;
}

/** Quotes a path for a POSIX shell when it holds anything but safe characters, so fix commands paste cleanly. */
export function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export interface MaskPixelsOptions {
  /** `auto` (default): alpha when the mask has usable alpha, else the smaller of black/white. */
  edit?: Polarity;
  /** Alpha masks: alpha < threshold is editable (default SOFT_THRESHOLD, 128: the one threshold, which keeps a
   * 0/255 mask exactly as OpenAI reads it). Luminance: split point (default 128). */
  threshold?: number;
}

export interface MaskPixelsResult {
  mask: EditMask;
  /** Where the editable pixels came from. */
  source: 'alpha' | 'black' | 'white';
  /** One sentence for the user when maskedit had to choose something. */
  note: string | null;
}

/**
 * Reads which pixels of a decoded mask are editable. A mask with alpha keeps OpenAI's reading (alpha 0 is
 * editable) unless `edit` asks for black or white; a mask without alpha — or with alpha but not one
 * transparent pixel, i.e. painted on an opaque layer — is read by luminance with {@link maskFromLuma}.
 *
 * @example
 * readMaskPixels(maskRgba, info.hasAlpha).mask
 * readMaskPixels(bwRgba, false, { edit: 'white' }).source // 'white'
 */
export function readMaskPixels(r: Raster & { channels: 4 }, hasAlpha: boolean, opts: MaskPixelsOptions = {}): MaskPixelsResult {
  const edit = opts.edit ?? 'auto';
  if (edit === 'auto' && hasAlpha) {
    const threshold = opts.threshold ?? SOFT_THRESHOLD;
    const mask = maskFromAlpha(r, threshold);
    if (countNonZero(mask) > 0) {
      return { mask, source: 'alpha', note: threshold !== SOFT_THRESHOLD ? `alpha below ${threshold} counts as editable` : null };
    }
    // Alpha everywhere opaque: the strokes are in the RGB (the guide's "painted on an opaque layer").
    const res = maskFromLuma(r, 'auto');
    return { mask: res.mask, source: res.picked, note: `no pixel is transparent, so its luminance was read instead: ${autoNote(res)}` };
  }
  const res = maskFromLuma(r, edit, opts.threshold ?? 128);
  const note = edit === 'auto' ? autoNote(res) : null;
  return { mask: res.mask, source: res.picked, note };
}

function autoNote(r: LumaMaskResult): string {
  const pct = (f: number) => `${(f * 100).toFixed(1)} %`;
  const other = r.picked === 'black' ? 'white' : 'black';
  return `made ${r.picked} editable, the smaller region (${pct(r.picked === 'black' ? r.black : r.white)}; ${other} would be ${pct(r.picked === 'black' ? r.white : r.black)}); pass --edit ${other} for the other`;
}

/** The geometry facts {@link matchGeometry} needs about the target image (io's ImageInfo fits). */
export interface TargetGeometry {
  width: number;
  height: number;
  storedWidth: number;
  storedHeight: number;
  orientation: number;
}

export interface MatchOptions {
  /** The mask's RGBA and the image's RGBA (displayed), for the content check when sizes cannot tell. */
  maskRgba?: Raster & { channels: 4 };
  imageRgba?: Raster & { channels: 4 };
  /** Allow a nearest-neighbour stretch to a different aspect ratio (default: refuse with MASK_SIZE_MISMATCH). */
  stretch?: boolean;
}

/**
 * Lines a mask up with an image's displayed pixels: a mask drawn on the stored pixels of an EXIF-rotated photo
 * is oriented like the photo; a mask of another size with the same aspect ratio is resized (nearest
 * neighbour, so it stays binary). Returns what it did, or null when nothing was needed.
 *
 * @example
 * matchGeometry(mask512, { width: 1024, height: 1024, storedWidth: 1024, storedHeight: 1024, orientation: 1 })
 * // { mask: 1024x1024, note: 'resized 512x512 → 1024x1024 (nearest neighbour)' }
 */
export function matchGeometry(mask: EditMask, target: TargetGeometry, opts: MatchOptions = {}): { mask: EditMask; note: string | null } {
  const { width, height, orientation } = target;
  const o = orientation;
  if (mask.width === width && mask.height === height) {
    if (o !== 1 && opts.maskRgba && opts.imageRgba && drawnOnStoredPixels(opts.imageRgba, opts.maskRgba, o)) {
      return { mask: applyOrientation(mask, o), note: `oriented like the image (EXIF orientation ${o}: ${ORIENTATION_NAMES[o]}); the mask matched its stored pixels` };
    }
    return { mask, note: null };
  }
  if (o !== 1 && mask.width === target.storedWidth && mask.height === target.storedHeight) {
    return { mask: applyOrientation(mask, o), note: `oriented like the image (EXIF orientation ${o}: ${ORIENTATION_NAMES[o]}): ${mask.width}x${mask.height} → ${width}x${height}` };
  }
  const aspect = sameAspect(mask, target);
  if (!aspect && !opts.stretch) {
    throw new MaskError('MASK_SIZE_MISMATCH', `the mask is ${mask.width}x${mask.height} but the image is ${width}x${height}, a different aspect ratio; resizing would stretch it`,
      `re-export the mask at ${width}x${height} from the same canvas as the image`);
  }
  const note = `resized ${mask.width}x${mask.height} → ${width}x${height} (nearest neighbour${aspect ? '' : ', stretched: the aspect ratios differ'})`;
  return { mask: resizeNearest(mask, width, height), note };
}

/**
 * The API's RGBA mask with a soft edge *outside* the editable region: alpha stays 0 on every editable pixel and
 * rises to 255 over `radius` pixels around it. OpenAI still edits only alpha 0 (so its region is unchanged);
 * the ramp is for tools that blend by alpha. Used by `maskedit mask --feather N`.
 *
 * @example
 * featheredApiRgba(editMask, 4) // alpha 0 inside, 51, 102, 153, 204 outward, then 255
 */
export function featheredApiRgba(mask: EditMask, radius: number): Raster & { channels: 4 } {
  const out = createRaster(mask.width, mask.height, 4);
  const d2 = distancesWithin(mask, 'set', radius + 1);
  for (let i = 0; i < d2.length; i++) {
    const d = Math.sqrt(d2[i]!);
    out.data[i * 4 + 3] = d >= radius + 1 ? 255 : Math.round((255 * d) / (radius + 1));
  }
  return out;
}

/**
 * `check`: decode an image and its mask once, run the mask doctor, and hand back both the report (the JSON of
 * `maskedit check --json`, docs/mask-doctor.md; layers in docs/architecture.md) and the decoded pixels so the edit pipeline and the server never decode
 * twice. `repairMask` is what `maskedit edit --fix` applies: only the repairs whose intent is unambiguous.
 */
import { isTableCode, type TableCode } from '../core/codes.js';
import { diagnoseMarkup } from '../core/markup.js';
import { alphaToEditMask, diagnose, diagnoseWithFix, editableFraction, scanAlpha, type AlphaStats } from '../core/doctor.js';
import { isMaskeditError, MaskError, type MaskeditError } from '../core/errors.js';
import { lumaSplit, matchGeometry, readMaskPixels } from '../core/maskops.js';
import { hasErrors, sortProblems, type Problem } from '../core/problems.js';
import { countNonZero, createEditMask, type EditMask, type EditStats } from '../core/raster.js';
import { SOFT_THRESHOLD } from '../core/threshold.js';
import { decodeAlpha, decodeImage, decodeProbed, probeImage, readInputFile, verifyDecodes, type DecodedImage, type ImageInfo } from '../io/image.js';

export interface ImageSummary {
  width: number;
  height: number;
  format: string;
  bytes: number;
  orientation: number;
}

export interface MaskSummary {
  width: number;
  height: number;
  format: string;
  bytes: number;
  hasAlpha: boolean;
  /** Share of pixels OpenAI will edit (alpha 0); 0 for a mask without alpha. */
  editableFraction: number;
  /** Share editable once repaired at the one threshold (alpha < 128): what `maskedit mask`, `edit --fix` and the
   * studio's repair produce; equals editableFraction for a 0/255 mask; null without alpha. */
  repairedFraction: number | null;
}

/** Exactly the JSON `maskedit check --json` prints. */
export interface CheckReport {
  ok: boolean;
  image: ImageSummary | null;
  mask: MaskSummary | null;
  problems: Problem[];
  /** One `maskedit mask …` command that repairs every repairable problem at once; null when none is. */
  fix: string | null;
}

export interface CheckDecoded {
  image: DecodedImage | null;
  mask: DecodedImage | null;
  /** OpenAI's reading of the mask (alpha 0 → 255), in displayed orientation; null without alpha or pixels. */
  editMask: EditMask | null;
  /** The mask file's header facts whenever it decoded (also when `mask` is null because only its alpha was read). */
  maskInfo: ImageInfo | null;
  /** `editMask`'s bounding box and editable count when the alpha scan found them (undefined otherwise). */
  editStats?: EditStats;
}

export interface CheckInput {
  image: Uint8Array;
  mask: Uint8Array;
  /** Names for messages and fix commands (the CLI passes the paths). */
  imageLabel?: string;
  maskLabel?: string;
  model?: string;
  /** Judge the model on this date (YYYY-MM-DD): MODEL_DEPRECATED / MODEL_SHUT_DOWN; default model of the date. */
  today?: string;
  /** A user's markup overlay (2.6 models) to check against the image and mask: MARKUP_* problems. */
  markup?: Uint8Array;
  markupLabel?: string;
  /** Pixel limit per file (default 100 MP or MASKEDIT_MAX_PIXELS). */
  maxPixels?: number;
}

/**
 * Checks an image/mask pair and returns the report.
 *
 * @example
 * const report = await checkPair({ image: await readFile('photo.png'), mask: await readFile('mask.png') });
 * if (!report.ok) console.log(report.problems);
 */
export async function checkPair(input: CheckInput): Promise<CheckReport> {
  // The report needs neither file's RGBA: the image is only verified to decode, the mask's alpha is decoded alone.
  return (await checkInputs(input.image, input.mask, input, 'report')).report;
}

/**
 * Like {@link checkPair}, plus the decoded pixels for whoever runs the edit next.
 *
 * @example
 * const { report, decoded } = await checkPairDecoded({ image, mask, model: 'gpt-image-1' });
 */
export async function checkPairDecoded(input: CheckInput & { keepMask?: boolean }): Promise<{ report: CheckReport; decoded: CheckDecoded }> {
  return checkInputs(input.image, input.mask, input, input.keepMask === false ? 'edit' : 'all');
}

/**
 * Reads both files and checks them; a missing or unreadable file becomes a problem in the report (so `--json`
 * always prints a CheckReport) rather than a thrown error.
 *
 * @example
 * const { report } = await checkFiles('photo.jpg', 'mask.png', { model: 'dall-e-2' });
 */
export async function checkFiles(imagePath: string, maskPath: string, opts: Omit<CheckInput, 'image' | 'mask'> = {}): Promise<{ report: CheckReport; decoded: CheckDecoded }> {
  const [image, mask] = await Promise.all([
    readInputFile(imagePath, 'image').catch(asError),
    readInputFile(maskPath, 'mask').catch(asError),
  ]);
  return checkInputs(image, mask, { imageLabel: imagePath, maskLabel: maskPath, ...opts });
}

/**
 * How much of each file `checkInputs` keeps: `all` decodes both to RGBA (for callers that repair or compare);
 * `edit` decodes the image to RGBA and of the mask only its alpha, unless the doctor needs more; `report`
 * also only verifies that the image decodes (its pixels matter to the doctor only for an EXIF-rotated photo).
 */
type Keep = 'all' | 'edit' | 'report';

async function checkInputs(imageIn: Uint8Array | MaskeditError, maskIn: Uint8Array | MaskeditError, opts: Omit<CheckInput, 'image' | 'mask'>, keep: Keep = 'all'): Promise<{ report: CheckReport; decoded: CheckDecoded }> {
  const imageLabel = opts.imageLabel ?? 'image.png';
  const maskLabel = opts.maskLabel ?? 'mask.png';
  const io = (role: 'image' | 'mask', label: string) => ({ role, label, maxPixels: opts.maxPixels });
  const probe = (b: Uint8Array | MaskeditError, role: 'image' | 'mask', label: string) =>
    b instanceof Uint8Array ? probeImage(b, io(role, label)).catch(asError) : Promise.resolve(b);
  const imageProbe = probe(imageIn, 'image', imageLabel);
  // Both decodes run at once (libvips works off the JS thread), and the mask's alpha is scanned as soon as the
  // mask is ready, while the (usually bigger) image is still decoding.
  const imageWork = imageProbe.then(async (info): Promise<{ info: ImageInfo; raster?: DecodedImage['raster'] } | MaskeditError> => {
    if (isMaskeditError(info)) return info;
    const bytes = imageIn as Uint8Array;
    if (keep === 'report' && info.orientation === 1) return verifyDecodes(bytes, info, io('image', imageLabel)).then(() => ({ info }), asError);
    return decodeProbed(bytes, info, io('image', imageLabel)).catch(asError);
  });
  const maskWork = (async (): Promise<MaskWork> => {
    const info = await probe(maskIn, 'mask', maskLabel);
    if (isMaskeditError(info)) return [info, null, null, undefined];
    const bytes = maskIn as Uint8Array;
    const full = async (): Promise<MaskWork> => {
      const m = await decodeProbed(bytes, info, io('mask', maskLabel)).catch(asError);
      if (!isDecoded(m) || !m.info.hasAlpha) return [m, info, null, undefined];
      const edit = createEditMask(m.raster.width, m.raster.height);
      return [m, info, edit, scanAlpha(m.raster, edit)]; // one pass: counts and OpenAI's reading together
    };
    // The doctor reads the mask's RGB only without alpha, on a rotated photo, or when every pixel is opaque.
    const imageInfo = await imageProbe;
    if (keep === 'all' || !info.hasAlpha || (!isMaskeditError(imageInfo) && imageInfo.orientation !== 1)) return full();
    const alpha = await decodeAlpha(bytes, info, io('mask', maskLabel)).catch(asError);
    if (isMaskeditError(alpha)) return [alpha, null, null, undefined];
    // The alpha plane becomes the edit mask in place (it is not read again).
    const { stats, editMask: edit, box } = alphaToEditMask(alpha);
    if (stats.transparent === 0 && stats.partial === 0) return full();
    return [new LeanMask(info), info, edit, stats, { box, count: stats.transparent }];
  })();
  const [image, [maskResult, maskInfo, editMask, alpha, editStats]] = await Promise.all([imageWork, maskWork]);
  const mask = maskResult instanceof LeanMask ? null : maskResult;

  const problems: Problem[] = [];
  for (const r of [image, mask]) if (r && isMaskeditError(r)) problems.push(toProblem(r));
  const img = isMaskeditError(image) ? null : image;
  const msk = mask && isDecoded(mask) ? mask : null;
  const mInfo = msk?.info ?? (maskResult instanceof LeanMask ? maskInfo : null);

  const diagnosed = diagnoseWithFix({
    image: img?.info ?? null,
    mask: mInfo,
    imageRaster: img?.raster,
    maskRaster: msk?.raster,
    alpha,
    ...(opts.model !== undefined ? { model: opts.model } : {}),
    ...(opts.today !== undefined ? { today: opts.today } : {}),
    imageLabel,
    maskLabel,
  });
  problems.push(...diagnosed.problems);
  if (opts.markup && img) {
    const label = opts.markupLabel ?? 'markup.png';
    const m = await decodeImage(opts.markup, { label, maxPixels: opts.maxPixels }).catch(asError);
    if (isDecoded(m)) problems.push(...diagnoseMarkup(m.info, img.info, m.raster, editMask ?? undefined, label));
    else problems.push({ ...toProblem(m), code: (isTableCode(m.code) && MARKUP_DECODE[m.code]) || m.code });
  }
  const sorted = sortProblems(problems);
  const report: CheckReport = {
    ok: !hasErrors(sorted),
    image: img ? { width: img.info.width, height: img.info.height, format: img.info.format, bytes: img.info.bytes, orientation: img.info.orientation } : null,
    mask: mInfo ? {
      width: mInfo.width,
      height: mInfo.height,
      format: mInfo.format,
      bytes: mInfo.bytes,
      hasAlpha: mInfo.hasAlpha,
      editableFraction: alpha ? editableFraction(alpha) : 0,
      repairedFraction: alpha ? (alpha.pixels ? alpha.soft / alpha.pixels : 0) : null,
    } : null,
    problems: sorted,
    fix: diagnosed.fix,
  };
  const decodedImage = img?.raster ? { info: img.info, raster: img.raster } : null;
  return { report, decoded: { image: decodedImage, mask: msk, maskInfo: mInfo, editMask, ...(editStats ? { editStats } : {}) } };
}

type MaskWork = [DecodedImage | LeanMask | MaskeditError, ImageInfo | null, EditMask | null, AlphaStats | undefined, EditStats?];

/** A mask that decoded fine but whose RGBA was not kept (only its alpha was decoded). */
class LeanMask {
  constructor(readonly info: ImageInfo) {}
}

export interface RepairResult {
  /** 255 = editable, at the image's displayed size, only 0/255. */
  editMask: EditMask;
  /** What was changed, one sentence each; empty when the mask was already right. */
  applied: string[];
}

/**
 * Repairs what can be repaired without guessing the user's intent, for `maskedit edit --fix`:
 * - no alpha → the smaller of black/white is editable (`maskedit mask`'s `auto`);
 * - alpha but every pixel opaque, with strokes in the RGB → the same luminance reading;
 * - semi-transparent pixels → read at the one threshold, alpha < 128 editable (core/threshold.ts): a blurred
 *   or soft-brushed edge goes back to where it was painted, as `maskedit mask` and the doctor read it;
 * - drawn on an EXIF-rotated photo's stored pixels → oriented like the photo;
 * - another size with the same aspect ratio → nearest-neighbour resize.
 * Anything else (another aspect ratio, nothing editable at all) throws a {@link MaskError} with its code.
 *
 * @example
 * const { editMask, applied } = repairMask(decoded.image, decoded.mask);
 */
export function repairMask(image: DecodedImage, mask: DecodedImage): RepairResult {
  const applied: string[] = [];
  const r = mask.raster;
  const threshold = SOFT_THRESHOLD;
  if (mask.info.hasAlpha) {
    const stats = scanAlpha(r);
    if (stats.partial > 0) {
      applied.push(`read ${stats.partial} semi-transparent pixels (alpha 1–254) at the one threshold: ${stats.soft - stats.transparent} with alpha below ${SOFT_THRESHOLD} are editable, ${stats.partial - (stats.soft - stats.transparent)} are kept`);
    }
  } else {
    applied.push('the mask has no alpha channel');
  }
  const read = readMaskPixels(r, mask.info.hasAlpha, { edit: 'auto', threshold });
  if (read.source !== 'alpha' && read.note) applied.push(read.note);
  if (countNonZero(read.mask) === 0) {
    const split = lumaSplit(r);
    throw new MaskError('MASK_NOTHING_EDITABLE', `the mask has nothing editable (no transparent pixel, and its RGB is a single tone: ${(split.dark * 100).toFixed(1)} % dark)`,
      'erase the region to edit to transparency, or build a mask from a box: maskedit mask IMAGE --rect X,Y,W,H -o mask.png');
  }
  const matched = matchGeometry(read.mask, image.info, { maskRgba: r, imageRgba: image.raster });
  if (matched.note) applied.push(matched.note);
  // The two notes about a missing alpha channel read as one sentence.
  if (applied[0] === 'the mask has no alpha channel' && applied[1]) applied.splice(0, 2, `no alpha channel: ${applied[1]}`);
  return { editMask: matched.mask, applied };
}

function isDecoded(r: DecodedImage | MaskeditError): r is DecodedImage {
  return !isMaskeditError(r);
}

function asError(e: unknown): MaskeditError {
  if (isMaskeditError(e)) return e;
  throw e;
}

/** A markup overlay that cannot be decoded gets its own codes (decodeImage raises the IMAGE_ ones). */
const MARKUP_DECODE: Partial<Record<TableCode, TableCode>> = {
  IMAGE_UNREADABLE: 'MARKUP_UNREADABLE',
  IMAGE_FORMAT_UNSUPPORTED: 'MARKUP_FORMAT_UNSUPPORTED',
  IMAGE_TOO_MANY_PIXELS: 'MARKUP_TOO_MANY_PIXELS',
};

function toProblem(e: MaskeditError): Problem {
  return { code: e.code, severity: 'error', message: e.message, fix: e.fix ?? 'see the message' };
}

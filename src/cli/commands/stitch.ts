/**
 * `maskedit stitch ORIGINAL RESULT --mask MASK -o OUT [--crop x,y,w,h] [--seam none|match|poisson]
 * [--feather N] [--feather-outward N] [--json]`: for users who already have a model output and want everything
 * outside the mask back, bit for bit. RESULT may be any size (it is resampled onto ORIGINAL, or onto the
 * `--crop` box it covers).
 */
import { blendMaskFor, DEFAULT_FEATHER, DEFAULT_SEAM, stitch, type SeamMode } from '../../core/composite.js';
import { boxInside, crop, paste } from '../../core/crop.js';
import { MaskeditError } from '../../core/errors.js';
import { sameAspect } from '../../core/maskops.js';
import { cloneRaster, countNonZero, createEditMask, sameSize, type Box, type EditMask, type Raster } from '../../core/raster.js';
import { kernelFor, resize } from '../../core/resize.js';
import { assertNotInput, writeFileAtomic } from '../../io/atomic.js';
import { encodeImage } from '../../io/image.js';
import { SEAM_MODES } from '../../core/choices.js';
import { defineCommand, EXIT, requirePositionals, usageError } from '../_context.js';
import { COMMON, defineOptions, readOptions } from '../options.js';
import { painter, writeJson } from '../_output.js';
import { outputFormat, readLocalityInputs } from './diff.js';

type Rgba = Raster & { channels: 4 };

/** What `maskedit stitch` hands to blendMaskFor() and stitch(). */
export interface StitchFlags {
  seam: SeamMode;
  feather?: number;
  featherOutward?: number;
  crop?: Box;
}

export const STITCH_OPTIONS = defineOptions({
  mask: { type: 'path', short: 'm', metavar: 'MASK', required: 'the mask the edit was made with', description: 'The mask the edit was made with.' },
  output: { type: 'path', short: 'o', preferShort: true, metavar: 'OUT', required: 'the image to write', description: 'The image to write (.png for the bit-exact guarantee; .jpg and .webp re-encode).' },
  crop: {
    type: 'list', items: 4, integer: true, metavar: 'x,y,w,h', accept: ([, , w, h]) => w! > 0 && h! > 0, expects: 'x,y,w,h as four whole numbers with a positive size',
    description: 'RESULT covers this box of ORIGINAL and is resampled into it; mask pixels outside the box stay original.',
    to: ([x, y, width, height]: number[]) => ({ crop: { x, y, width, height } }),
  },
  seam: { type: 'enum', choices: SEAM_MODES, description: 'none pastes, match removes the result\'s colour cast, poisson blends in the gradient domain.', default: DEFAULT_SEAM, to: 'seam' },
  feather: { type: 'int', min: 0, max: 1024, description: 'Blend ramp N px wide inside the mask (0 = hard edge); nothing outside the mask changes.', defaultLabel: `default ${DEFAULT_FEATHER}`, to: 'feather' },
  'feather-outward': { type: 'int', min: 0, max: 1024, description: 'Ramp N px outside the mask instead; those pixels may change and are counted.', to: 'featherOutward' },
  json: COMMON.json,
});

const command = defineCommand({
  name: 'stitch',
  args: 'ORIGINAL RESULT',
  summary: 'Put a model output back into the original: everything outside the mask bit-identical to the original',
  details: [
    'RESULT may be any size: it is resampled onto ORIGINAL (or onto the --crop box). --feather and --feather-outward are one ramp\'s two directions; pass one.',
    'Write PNG for the bit-exact guarantee; JPEG and WebP outputs re-encode every pixel.',
  ].join('\n'),
  options: STITCH_OPTIONS,
  async run(ctx) {
    const [originalPath, resultPath] = requirePositionals(ctx, ['ORIGINAL', 'RESULT'], command) as [string, string];
    const { values, options } = readOptions<typeof STITCH_OPTIONS, StitchFlags>(command, ctx);
    const maskPath = values.mask!;
    const output = values.output!;
    const format = outputFormat(output, '-o', command.usage);
    assertNotInput(output, [originalPath, resultPath, maskPath]);
    const { seam, feather: inward, featherOutward: outward, crop: cropBox } = options;
    if (inward !== undefined && outward !== undefined) {
      throw usageError('--feather (inward) and --feather-outward are two directions of one ramp; pass one of them', command.usage);
    }
    const cropText = ctx.values.crop as string | undefined;

    const { original, result, mask } = await readLocalityInputs(originalPath, resultPath, maskPath);
    const o = original.raster;
    if (cropBox && !boxInside(cropBox, o)) {
      throw usageError(`--crop ${cropText} is not inside ${originalPath} (${o.width}x${o.height})`, command.usage);
    }
    // A result of another aspect with no --crop would be stretched over the whole picture: it is almost always
    // the model's answer for a crop (maskedit plan / the edit report's crops[] say which).
    if (!cropBox && !sameAspect(result.raster, o)) {
      throw new MaskeditError('STITCH_ASPECT_MISMATCH',
        `${resultPath} is ${result.raster.width}x${result.raster.height} but ${originalPath} is ${o.width}x${o.height}, a different aspect ratio; stitching it over the whole picture would stretch it`,
        `if it is the model's answer for a crop, say where that crop lies: --crop x,y,w,h (the crop's box in ${originalPath}; \`maskedit plan\` or the edit report's crops[] list it)`);
    }
    const placed = placeResult(o, result.raster, cropBox);
    const blendOn = cropBox ? maskWithin(mask, cropBox) : mask;
    const direction = outward !== undefined ? 'outward' : 'inward';
    const feather = outward ?? inward ?? DEFAULT_FEATHER;
    const { blend, outwardBand } = blendMaskFor(blendOn, { feather, direction });
    const stitched = stitch(o, placed.full, blend, { seam, ...(cropBox ? { resultBox: cropBox } : {}) });
    await writeFileAtomic(output, await encodeImage(stitched, { format }));

    const report = {
      ok: true,
      output,
      width: o.width,
      height: o.height,
      seam,
      feather,
      direction,
      outwardBand,
      resized: placed.resized,
      crop: cropBox ?? null,
      restoredPixels: restoredPixels(o, placed.full, blend),
      maskOutsideCrop: cropBox ? countNonZero(mask) - countNonZero(blendOn) : 0,
    };
    if (values.json) {
      writeJson(ctx.stdout, report);
    } else {
      const p = painter(ctx.stdout, ctx.env);
      const lines = [`${p.green('wrote')} ${output} ${o.width}x${o.height} · seam ${seam} · feather ${feather} px ${direction}`];
      if (report.resized) lines.push(p.dim(`result resized ${report.resized.from.width}x${report.resized.from.height} → ${report.resized.to.width}x${report.resized.to.height}`));
      lines.push(`restored ${report.restoredPixels} kept pixel${report.restoredPixels === 1 ? '' : 's'} the result had changed`);
      if (outwardBand) lines.push(p.yellow(`the outward feather lets ${outwardBand} pixels outside the mask change`));
      if (report.maskOutsideCrop) lines.push(p.yellow(`${report.maskOutsideCrop} mask pixels lie outside --crop and stay original`));
      if (format !== 'png') lines.push(p.yellow(`${format.toUpperCase()} re-encodes every pixel: write .png for a bit-exact original outside the mask`));
      ctx.stdout.write(`${lines.join('\n')}\n`);
    }
    return EXIT.ok;
  },
});

/**
 * The result on the original's grid: resampled onto the crop box (pasted into a copy of the original) or onto
 * the whole original.
 */
export function placeResult(original: Rgba, result: Rgba, box?: Box): { full: Rgba; resized: false | { from: { width: number; height: number }; to: { width: number; height: number } } } {
  const target = box ?? { x: 0, y: 0, width: original.width, height: original.height };
  const resized = sameSize(result, target) ? false : { from: { width: result.width, height: result.height }, to: { width: target.width, height: target.height } };
  const fitted = resized ? resize(result, target.width, target.height, kernelFor(result, target)) : result;
  if (!box) return { full: fitted, resized };
  return { full: paste(cloneRaster(original), fitted, box.x, box.y), resized };
}

/** The mask with everything outside `box` cleared: the model never saw those pixels. */
export function maskWithin(mask: EditMask, box: Box): EditMask {
  const out = createEditMask(mask.width, mask.height);
  return paste(out, crop(mask, box), box.x, box.y);
}

/** Kept pixels (blend 0) where the result differed from the original: what the stitch put back. */
function restoredPixels(original: Rgba, result: Rgba, blend: EditMask): number {
  let n = 0;
  const a = original.data, b = result.data, m = blend.data;
  for (let i = 0; i < m.length; i++) {
    if (m[i] !== 0) continue;
    const o = i * 4;
    if (a[o] !== b[o] || a[o + 1] !== b[o + 1] || a[o + 2] !== b[o + 2] || a[o + 3] !== b[o + 3]) n++;
  }
  return n;
}

export default command;

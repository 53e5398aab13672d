/**
 * `maskedit mask`: writes an RGBA PNG mask OpenAI accepts (alpha 0 = editable, 255 = keep, nothing between)
 * from a black/white or RGBA mask, from boxes (`--rect`), or from strokes painted over a copy of the image
 * (`--diff`). The output is written atomically and never over an input.
 */
import { MaskError } from '../../core/errors.js';
import { diffMask, featheredApiRgba, matchGeometry, parseRect, readMaskPixels, rectsMask, removeSpecks, type Polarity } from '../../core/maskops.js';
import type { Box } from '../../core/raster.js';
import { dilate, erode, fillHoles, invert } from '../../core/morphology.js';
import { countNonZero, editMaskToApiRgba, type EditMask } from '../../core/raster.js';
import { editableFraction } from '../../core/doctor.js';
import { formatSelection, parseSelection, type Selection } from '../../core/select.js';
import { selectObjects } from '../../engines/select.js';
import { assertNotInput, writeFileAtomic } from '../../io/atomic.js';
import { decodeImage, encodeImage, probeImage, readInputFile, type DecodedImage } from '../../io/image.js';
import { POLARITIES } from '../../core/choices.js';
import { CliError, defineCommand, EXIT, requirePositionals, usageError } from '../_context.js';
import { COMMON, defineOptions, readOptions } from '../options.js';
import { formatPercent, painter, writeJson } from '../_output.js';

function unionMask(a: EditMask, b: EditMask): EditMask {
  for (let i = 0; i < a.data.length; i++) if (b.data[i]) a.data[i] = 255;
  return a;
}

/** Diff masks: components smaller than this are JPEG noise, not strokes. */
const MIN_STROKE_AREA = 8;

/** How `maskedit mask` builds the mask: what its flags set (the command applies them in the order of its help). */
export interface MaskBuildOptions {
  match?: string;
  edit?: Polarity;
  invert?: boolean;
  threshold?: number;
  grow: number;
  shrink: number;
  fillHoles?: boolean;
  rects?: Box[];
  selections?: Selection[];
  diff?: string;
  tolerance?: number;
  feather: number;
}

export const MASK_OPTIONS = defineOptions({
  output: { type: 'path', short: 'o', preferShort: true, metavar: 'OUT', required: 'the PNG to write', description: 'The RGBA PNG mask to write (.png).' },
  match: { type: 'path', metavar: 'IMAGE', description: 'Orient and resize the mask to this image\'s displayed size.', to: 'match' },
  edit: { type: 'enum', choices: POLARITIES, description: 'Which pixels are editable: auto keeps an RGBA mask\'s alpha, else the smaller of black/white.', defaultLabel: 'default auto', to: 'edit' },
  invert: { type: 'boolean', description: 'Swap editable and kept.', to: 'invert' },
  threshold: { type: 'int', min: 1, max: 255, description: 'Alpha masks: alpha < N is editable (default 1); black/white masks: the luminance split (default 128).', to: 'threshold' },
  grow: { type: 'int', min: 0, max: 4096, description: 'Widen the editable region by N px.', default: 0, to: 'grow' },
  shrink: { type: 'int', min: 0, max: 4096, description: 'Narrow the editable region by N px.', default: 0, to: 'shrink' },
  'fill-holes': { type: 'boolean', description: 'Make holes enclosed by the editable region editable too.', to: 'fillHoles' },
  rect: { type: 'string', metavar: 'x,y,w,h', repeatable: true, parse: parseRect, description: 'Make this box of INPUT (the image) editable; boxes past the edge are clipped.', to: 'rects' },
  select: { type: 'string', metavar: 'box:X,Y,W,H|point:X,Y', repeatable: true, parse: parseSelection, description: 'Select the object inside the box or under the pixel of INPUT (the image).', to: 'selections' },
  diff: { type: 'path', metavar: 'ORIGINAL', description: 'INPUT is a copy of ORIGINAL with the region to edit painted over.', to: 'diff' },
  tolerance: { type: 'int', min: 0, max: 254, description: 'With --diff: a channel must move by more than N to count as painted.', defaultLabel: 'default 24', to: 'tolerance' },
  feather: { type: 'int', min: 0, max: 1024, description: 'Alpha ramps from 0 to 255 over N px outside the editable region.', default: 0, to: 'feather' },
  json: COMMON.json,
});

const command = defineCommand({
  name: 'mask',
  args: 'INPUT',
  summary: 'Write an RGBA PNG mask OpenAI accepts, from a black/white or RGBA mask, boxes, or painted strokes',
  details: [
    'INPUT is a mask; with --rect or --select it is the image; with --diff it is a copy of ORIGINAL with the region to edit painted over.',
    '--select box:X,Y,W,H selects the object inside the box, --select point:X,Y the object under that pixel (GrabCut; repeat to add objects; --grow N widens the result).',
    '--edit auto (default): an RGBA mask keeps its alpha (alpha 0 editable); without alpha the smaller of black/white becomes editable.',
    '--threshold N: alpha masks, alpha < N is editable (default 1); black/white masks, the luminance split (default 128).',
    'Order: read → --match (orient/resize to the image\'s displayed size) → --invert → --fill-holes → --shrink → --grow → --feather.',
    '--feather N: alpha ramps from 0 to 255 over N px outside the editable region (OpenAI still edits only alpha 0; check will warn MASK_PARTIAL_ALPHA).',
  ].join('\n'),
  options: MASK_OPTIONS,
  async run(ctx) {
    const [input] = requirePositionals(ctx, ['INPUT'], command) as [string];
    const { values, options } = readOptions<typeof MASK_OPTIONS, MaskBuildOptions>(command, ctx);
    const output = values.output!;
    if (!/\.png$/i.test(output)) {
      throw new CliError('USAGE', `the mask is written as PNG, so OUT must end in .png; received ${output}`, `use e.g. -o ${output.replace(/\.[^./\\]*$/, '')}.png`);
    }
    const { match: matchPath, diff: diffPath, rects = [], selections = [], edit, threshold, grow, shrink, tolerance, feather } = options;
    const fromImage = rects.length > 0 || selections.length > 0;
    if (fromImage && diffPath) throw usageError(`${rects.length ? '--rect' : '--select'} and --diff build a mask in two different ways; pass one of them`, command.usage);
    if ((fromImage || diffPath) && (edit || threshold !== undefined)) {
      throw usageError(`--edit and --threshold read a mask's pixels; with ${rects.length ? '--rect' : selections.length ? '--select' : '--diff'} there is no mask to read`, command.usage);
    }
    if (tolerance !== undefined && !diffPath) throw usageError('--tolerance only applies to --diff', command.usage);
    assertNotInput(output, [input, matchPath, diffPath]);

    const notes: string[] = [];
    let mask: EditMask;
    let source: string;
    let maskRgba: DecodedImage['raster'] | undefined;
    const inputBytes = await readInputFile(input, fromImage || diffPath ? 'image' : 'mask');
    if (selections.length) {
      const image = await decodeImage(inputBytes, { label: input });
      const selected = await selectObjects(image.raster, selections, { signal: ctx.signal });
      for (const part of selected.parts) {
        const { width: w, height: h } = image.raster;
        notes.push(`--select ${formatSelection(part.selection)}: ${formatPercent(part.pixels / (w * h))} of the image in ${part.ms} ms${part.fallback ? ' (no clear region under the click: started from a box of a third of the picture)' : ''}${part.texture ? ' (a repeated texture around the click: kept to the part under it)' : ''}`);
        if (part.pixels === 0) {
          throw new MaskError('SELECT_EMPTY', `--select ${formatSelection(part.selection)} found no object in ${input}`,
            part.selection.kind === 'point' ? 'click inside the object, or draw a box around it: --select box:X,Y,W,H' : 'draw the box around the whole object with some background on each side, or use --rect for the box itself');
        }
      }
      mask = selected.mask;
      if (rects.length) mask = unionMask(mask, rectsMask(mask.width, mask.height, rects).mask);
      source = 'select';
    } else if (rects.length) {
      const info = await probeImage(inputBytes, { label: input });
      const built = rectsMask(info.width, info.height, rects);
      for (const b of built.clipped) notes.push(`--rect ${b.x},${b.y},${b.width},${b.height} reaches past the ${info.width}x${info.height} image and was clipped`);
      mask = built.mask;
      source = 'rect';
    } else if (diffPath) {
      const [painted, original] = await Promise.all([
        decodeImage(inputBytes, { label: input }),
        readInputFile(diffPath, 'image').then((b) => decodeImage(b, { label: diffPath })),
      ]);
      const raw = diffMask(painted.raster, original.raster, tolerance);
      mask = removeSpecks(raw, MIN_STROKE_AREA);
      const dropped = countNonZero(raw) - countNonZero(mask);
      if (dropped) notes.push(`ignored ${dropped} changed pixels in specks under ${MIN_STROKE_AREA} px (compression noise)`);
      source = 'diff';
    } else {
      const decoded = await decodeImage(inputBytes, { role: 'mask', label: input });
      const read = readMaskPixels(decoded.raster, decoded.info.hasAlpha, { edit, threshold });
      if (read.note) notes.push(read.note);
      mask = read.mask;
      source = read.source;
      maskRgba = decoded.raster;
    }

    if (matchPath) {
      const image = await decodeImage(await readInputFile(matchPath, 'image'), { label: matchPath });
      const matched = matchGeometry(mask, image.info, { maskRgba, imageRgba: image.raster, stretch: true });
      if (matched.note) notes.push(matched.note);
      mask = matched.mask;
    }
    if (options.invert) mask = invert(mask);
    if (options.fillHoles) mask = fillHoles(mask);
    if (shrink) mask = erode(mask, shrink);
    if (grow) mask = dilate(mask, grow);

    if (countNonZero(mask) === 0) {
      throw new MaskError('MASK_NOTHING_EDITABLE', `the mask built from ${input} has no editable pixel, so ${output} was not written`,
        source === 'diff' ? `paint the region to edit in a clearly different colour, or lower --tolerance (now ${tolerance ?? 24})`
          : source === 'alpha' ? `pick the painted colour instead of the alpha: maskedit mask ${input} --edit white -o ${output} (or --edit black)`
            : `try the other polarity (--edit ${source === 'white' ? 'black' : 'white'}) or --invert`);
    }
    const rgba = feather ? featheredApiRgba(mask, feather) : editMaskToApiRgba(mask);
    await writeFileAtomic(output, await encodeImage(rgba, { format: 'png', compressionLevel: 9 }));

    const fraction = editableFraction(mask);
    if (values.json) {
      writeJson(ctx.stdout, { ok: true, output, width: mask.width, height: mask.height, editableFraction: fraction, source, notes });
    } else {
      const p = painter(ctx.stderr, ctx.env);
      for (const n of notes) ctx.stderr.write(`${p.dim('·')} ${n}\n`);
      ctx.stdout.write(`wrote ${output}: ${mask.width}x${mask.height} RGBA PNG, ${formatPercent(fraction)} editable (alpha 0)\n`);
    }
    return EXIT.ok;
  },
});

export default command;

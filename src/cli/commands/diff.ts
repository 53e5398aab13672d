/**
 * `maskedit diff ORIGINAL RESULT --mask MASK [--heatmap OUT.png] [--threshold N] [--json]`: how far an edit
 * reached outside its mask. Prints the outside/inside figures and a verdict (local, spilled, rewritten); the
 * heatmap shows where. Exit 0 whatever the verdict (it is a measurement); 1 on unreadable inputs.
 */
import { MaskError } from '../../core/errors.js';
import { DEFAULT_HEATMAP_SCALE, renderHeatmap } from '../../core/heatmap.js';
import { withLegend } from '../../core/legend.js';
import { sameSize, type EditMask } from '../../core/raster.js';
import { spillover, DEFAULT_THRESHOLD, type RegionStats, type SpilloverReport } from '../../core/spillover.js';
import { assertNotInput, writeFileAtomic } from '../../io/atomic.js';
import { encodeImage, formatFromPath, readImageFile, type DecodedImage, type ImageFormat } from '../../io/image.js';
import { readEditMask } from '../../io/mask.js';
import { defineCommand, EXIT, requirePositionals, usageError } from '../_context.js';
import { COMMON, defineOptions, readOptions } from '../options.js';
import { formatPercent, painter, writeJson, type Painter } from '../_output.js';

export interface LocalityInputs {
  original: DecodedImage;
  result: DecodedImage;
  mask: EditMask;
}

/** Reads ORIGINAL, RESULT and MASK (in parallel) and checks the mask fits the original. Shared with `stitch`. */
export async function readLocalityInputs(originalPath: string, resultPath: string, maskPath: string): Promise<LocalityInputs> {
  const [original, result, { mask }] = await Promise.all([
    readImageFile(originalPath, { label: originalPath }),
    readImageFile(resultPath, { label: resultPath }),
    readEditMask(maskPath),
  ]);
  if (!sameSize(original.raster, mask)) {
    throw new MaskError('MASK_SIZE_MISMATCH', `mask ${maskPath} is ${mask.width}x${mask.height} but ${originalPath} is ${original.raster.width}x${original.raster.height} (displayed orientation)`,
      `resize the mask to the original: maskedit mask ${maskPath} --match ${originalPath} -o mask.png`);
  }
  return { original, result, mask };
}

/** The image format an output path asks for; a usage error for anything else. */
export function outputFormat(path: string, flag: string, usage: string): ImageFormat {
  const format = formatFromPath(path);
  if (!format) throw usageError(`${flag} must end in .png, .jpg or .webp; received ${path}`, usage);
  return format;
}

/** The report as `--json` prints it: no change map; PSNR of identical regions (Infinity) becomes null. */
export function spilloverJson(r: SpilloverReport): { outside: RegionStats; inside: RegionStats; verdict: string; threshold: number; resized: SpilloverReport['resized'] } {
  return { outside: r.outside, inside: r.inside, verdict: r.verdict, threshold: r.threshold, resized: r.resized };
}

export const DIFF_OPTIONS = defineOptions({
  mask: { type: 'path', short: 'm', metavar: 'MASK', required: 'the mask the edit was made with', description: 'The mask the edit was made with.' },
  heatmap: { type: 'path', metavar: 'OUT.png', description: 'Write a heatmap of the change (with a legend) here: .png, .jpg or .webp.' },
  threshold: { type: 'int', min: 0, max: 254, description: 'A pixel counts as changed when any channel moved by more than N.', default: DEFAULT_THRESHOLD, to: 'threshold' },
  json: COMMON.json,
});

const command = defineCommand({
  name: 'diff',
  args: 'ORIGINAL RESULT',
  summary: 'Measure how far an edit changed pixels outside its mask (spillover report and heatmap)',
  details: [
    'A pixel counts as changed when any channel moved by more than --threshold (default 8, above JPEG noise).',
    'Verdict: local when at most 0.5 % of the kept pixels changed, rewritten from 25 %, spilled between.',
    'A RESULT of another size is resampled onto ORIGINAL first and the report says so (resized).',
    '--json prints { outside, inside, verdict, threshold, resized }; each region has pixels, changedPixels,',
    'changedFraction, meanAbsDiff, psnr (null when identical) and ssim.',
  ].join('\n'),
  options: DIFF_OPTIONS,
  async run(ctx) {
    const [originalPath, resultPath] = requirePositionals(ctx, ['ORIGINAL', 'RESULT'], command) as [string, string];
    const { values, options } = readOptions<typeof DIFF_OPTIONS, { threshold: number }>(command, ctx);
    const maskPath = values.mask!;
    const { threshold } = options;
    const heatmapPath = values.heatmap;
    const heatmapFormat = heatmapPath ? outputFormat(heatmapPath, '--heatmap', command.usage) : undefined;
    if (heatmapPath) assertNotInput(heatmapPath, [originalPath, resultPath, maskPath]);

    const { original, result, mask } = await readLocalityInputs(originalPath, resultPath, maskPath);
    const report = spillover(original.raster, result.raster, mask, { threshold });
    if (heatmapPath) {
      // The legend (colour bar with |Δ| values, threshold, mask outline) goes in a panel below the map.
      const map = withLegend(renderHeatmap(original.raster, report.changeMap, mask, { threshold }), { threshold, scale: DEFAULT_HEATMAP_SCALE });
      await writeFileAtomic(heatmapPath, await encodeImage(map, { format: heatmapFormat! }));
    }
    if (values.json) writeJson(ctx.stdout, { ...spilloverJson(report), ...(heatmapPath ? { heatmap: heatmapPath } : {}) });
    else ctx.stdout.write(renderSpillover(report, { originalPath, resultPath, heatmapPath, maskPath }, painter(ctx.stdout, ctx.env)));
    return EXIT.ok;
  },
});

function fmtStats(s: RegionStats): string[] {
  return [
    String(s.pixels),
    `${s.changedPixels} (${formatPercent(s.changedFraction)})`,
    s.meanAbsDiff.toFixed(2),
    Number.isFinite(s.psnr) ? `${s.psnr.toFixed(1)} dB` : 'identical',
    // No pixel changed: say identical in both columns (SSIM's float sum can land a hair under 1, which would
    // print 0.9999 next to "identical"); otherwise never round a changed region up to a perfect 1.0000.
    s.changedPixels === 0 && !Number.isFinite(s.psnr) ? 'identical' : s.ssim >= 0.99995 ? '> 0.9999' : s.ssim.toFixed(4),
  ];
}

/** The human report: a small table, the verdict and, when it spilled, the command that restores the kept pixels. */
export function renderSpillover(r: SpilloverReport, files: { originalPath: string; resultPath: string; maskPath: string; heatmapPath?: string | undefined }, p: Painter): string {
  const head = ['', 'pixels', 'changed', 'mean |Δ|', 'PSNR', 'SSIM'];
  const rows = [head, ['outside', ...fmtStats(r.outside)], ['inside', ...fmtStats(r.inside)]];
  const widths = head.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const lines = [p.bold(`${files.resultPath} vs ${files.originalPath}`) + (r.resized ? p.dim(` (result resized ${r.resized.from.width}x${r.resized.from.height} → ${r.resized.to.width}x${r.resized.to.height})`) : '')];
  for (const row of rows) lines.push(`  ${row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')}`);
  const share = formatPercent(r.outside.changedFraction);
  const say = r.verdict === 'local' ? p.green('local') : r.verdict === 'spilled' ? p.yellow('spilled') : p.red('rewritten');
  lines.push(`verdict: ${say} — ${share} of the pixels outside the mask changed by more than ${r.threshold}`);
  if (r.verdict !== 'local') {
    lines.push(`  ${p.dim('fix:')} restore them: maskedit stitch ${files.originalPath} ${files.resultPath} --mask ${files.maskPath} -o stitched.png`);
  }
  if (files.heatmapPath) lines.push(p.dim(`heatmap: ${files.heatmapPath}`));
  return `${lines.join('\n')}\n`;
}

export default command;

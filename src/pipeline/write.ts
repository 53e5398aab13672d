/**
 * Writes an edit's files atomically: the output(s) (numbered when n > 1), the report JSON and the heatmap.
 * Refuses to write over any input. PNG keeps the bit-exact guarantee; JPEG/WebP outputs are lossy and the
 * report says so.
 */
import { assertDistinctOutputs, assertNotInput, writeFileAtomic } from '../io/atomic.js';
import { decodeImage, encodeImage, formatFromPath, type ImageFormat } from '../io/image.js';
import { encodeLoss, type EncodeLoss } from '../core/encode-loss.js';
import { DEFAULT_HEATMAP_SCALE } from '../core/heatmap.js';
import { withLegend } from '../core/legend.js';
import { extname } from 'node:path';
import { MaskeditError } from '../core/errors.js';
import type { EditResult } from './edit.js';

export interface WriteOptions {
  /** Output path; with n > 1, `out.png` becomes `out-1.png`, `out-2.png`, … */
  output: string;
  reportPath?: string;
  heatmapPath?: string;
  /** Paths that must never be overwritten (image, mask, references). */
  inputs: (string | undefined)[];
}

export interface Written {
  outputs: string[];
  report?: string;
  heatmap?: string;
  lossy: boolean;
  /** Lossy outputs only: what the encode changed outside the mask, per output (measured on the written bytes). */
  encoding?: EncodeLoss[];
}

/** The numbered output names for n results. */
export function outputPaths(output: string, n: number): string[] {
  if (n <= 1) return [output];
  const dot = output.lastIndexOf('.');
  const [stem, ext] = dot > output.lastIndexOf('/') ? [output.slice(0, dot), output.slice(dot)] : [output, '.png'];
  return Array.from({ length: n }, (_, i) => `${stem}-${i + 1}${ext}`);
}

/**
 * Checks every path an edit will write (outputs, report, heatmap) before any work or paid request: none may be
 * an input (by file identity, see assertNotInput), none may land on another, and the output's name must be a
 * format maskedit writes. Returns the numbered output paths and the format.
 *
 * @example
 * checkEditOutputs({ output: 'out.png', inputs: ['in.png', 'mask.png'] }, 1) // { paths: ['out.png'], format: 'png' }
 */
export function checkEditOutputs(opts: WriteOptions, n: number): { paths: string[]; format: ImageFormat } {
  const paths = outputPaths(opts.output, n);
  const extra = [opts.reportPath, opts.heatmapPath].filter((p): p is string => Boolean(p));
  for (const p of [...paths, ...extra]) assertNotInput(p, opts.inputs);
  assertDistinctOutputs([...paths, ...extra], 'give -o, --report and --heatmap different paths');
  // The output's name says its format; a name maskedit cannot write (out.gif) is refused rather than filled
  // with PNG bytes under the wrong extension. No extension at all means PNG.
  const ext = extname(opts.output);
  const format: ImageFormat | undefined = ext ? formatFromPath(opts.output) : 'png';
  if (!format) throw new MaskeditError('OUTPUT_FORMAT_UNSUPPORTED', `cannot write ${ext} images; the output must be .png, .jpg/.jpeg or .webp, received ${opts.output}`, `name the output ${opts.output.slice(0, -ext.length)}.png (lossless: keeps every pixel outside the mask bit-identical)`);
  return { paths, format };
}

/**
 * @example
 * const written = await writeEditResult(result, { output: 'out.png', reportPath: 'r.json', inputs: ['in.png', 'mask.png'] });
 */
export async function writeEditResult(result: EditResult, opts: WriteOptions): Promise<Written> {
  const { paths, format } = checkEditOutputs(opts, result.outputs.length);
  const lossy = format !== 'png';
  const encoding: EncodeLoss[] = [];
  for (let i = 0; i < paths.length; i++) {
    const bytes = await encodeImage(result.outputs[i]!, { format });
    await writeFileAtomic(paths[i]!, bytes);
    result.report.outputs[i]!.path = paths[i]!;
    if (lossy) {
      // Decode what was written and compare it with the input outside the mask: the file's truth, not the stitch's.
      const loss = encodeLoss(result.input.raster, (await decodeImage(bytes)).raster, result.editMask, format);
      result.report.outputs[i]!.encoding = loss;
      encoding.push(loss);
    }
  }
  if (encoding.length) result.report.encoding = encoding[0]!;
  const written: Written = { outputs: paths, lossy, ...(encoding.length ? { encoding } : {}) };
  if (opts.heatmapPath) {
    await writeFileAtomic(opts.heatmapPath, await encodeImage(withLegend(result.heatmap, { threshold: result.report.spillover.threshold, scale: DEFAULT_HEATMAP_SCALE }), { format: 'png' }));
    written.heatmap = opts.heatmapPath;
  }
  if (opts.reportPath) {
    await writeFileAtomic(opts.reportPath, `${JSON.stringify(reportJson(result, written), null, 2)}\n`);
    written.report = opts.reportPath;
  }
  return written;
}

/** The report as written to --report and printed by --json: paths included, Infinity PSNR as null. */
export function reportJson(result: EditResult, written?: Written): unknown {
  const r = result.report;
  return JSON.parse(JSON.stringify({
    output: written?.outputs[0] ?? null,
    ...(written && written.outputs.length > 1 ? { outputsWritten: written.outputs } : {}),
    ...(written?.heatmap ? { heatmap: written.heatmap } : {}),
    lossyOutput: written?.lossy ?? false,
    ...r,
  }, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)));
}

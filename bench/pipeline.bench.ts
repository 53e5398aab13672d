/**
 * Pipeline overhead: everything `maskedit edit` does except the provider call (decode + doctor, plan, crop and
 * resize, map back, spillover, strict stitch, encode the output) on a 4000×3000 photo with a 5 % mask, against
 * the floor of decoding the same image and mask and encoding the output once with sharp. Goal: ≤ 1.5× the floor
 * (the provider's own time is taken out). Floor and pipeline run in turn, 9 pairs; each pair's ratio is taken
 * back to back (a burst on the shared machine slows both of a pair alike) and the verdict is their median.
 */
import { performance } from 'node:perf_hooks';
import { loadavg } from 'node:os';
import { edit } from '../src/pipeline/edit.js';
import { encodeImage, decodeImage } from '../src/io/image.js';
import { interleavedTimes, middleOf, table, verdict } from './_util.js';
import { instant, pipelineInputs, PROMPT } from './_pipeline_case.js';

const { image, mask } = await pipelineInputs();

const floorRun = async () => {
  const [a] = await Promise.all([decodeImage(image), decodeImage(mask, { role: 'mask' })]);
  await encodeImage(a.raster);
};
let providerMs: number[] = [];
const totalRun = async () => {
  const r = await edit({ image, mask, prompt: PROMPT, provider: instant });
  providerMs.push(r.report.timingsMs.provider ?? 0);
  await encodeImage(r.outputs[0]!);
};
// Floor and pipeline in turn (A, B, A, B, …); the warm-up pair's provider time is dropped.
const PAIRS = 9;
const [floors = [], totals = []] = await interleavedTimes([floorRun, totalRun], PAIRS);
providerMs = providerMs.slice(1);
const overheads = totals.map((t, i) => t - providerMs[i]!);
const ratios = overheads.map((o, i) => o / floors[i]!);
const floor = middleOf(floors), overhead = middleOf(overheads);
const t = performance.now();
const last = await edit({ image, mask, prompt: PROMPT, provider: instant });
const oneRun = performance.now() - t;
table([
  { what: 'decode image+mask, encode output (floor)', ms: Math.round(floor) },
  { what: 'edit() + encode, provider excluded', ms: Math.round(overhead) },
  ...Object.entries(last.report.timingsMs).map(([k, v]) => ({ what: `  step ${k}`, ms: v })),
]);
console.log(`pair ratios (${PAIRS}): ${[...ratios].sort((a, b) => a - b).map((r) => r.toFixed(2)).join(' ')}`);
console.log(`one run: ${Math.round(oneRun)} ms; crop ${last.report.crops.map((c) => `${c.width}x${c.height}→${c.sendWidth}x${c.sendHeight}`).join(', ')}; final outside changed: ${last.report.finalOutsideChangedPixels}; load average ${loadavg()[0]!.toFixed(1)}`);
process.exit(verdict('pipeline overhead / (decode + encode floor), median of the pairs', middleOf(ratios), 1.5) ? 0 : 1);

/**
 * Old and new code in turn, in one process (`MASKEDIT_BENCH_OLD=/path/to/old/checkout npx tsx bench/_compare.ts`):
 * the same inputs through both, A, B, A, B, … so a burst on the shared machine slows both alike. Prints the
 * medians and new ÷ old for the locality case (blend + model masks, strict stitch, spillover on a 4096² pair),
 * the crop plan, and the whole pipeline (edit() + encode on a 4000×3000 JPEG, instant stand-in model).
 * The old checkout needs `src/` and a `node_modules` (a symlink to this one's will do).
 */
import sharp from 'sharp';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { resolve } from 'node:path';
import { photoPath } from './_photos.js';
import { pipelineInputs } from './_pipeline_case.js';
import { table } from './_util.js';

const oldRoot = process.env.MASKEDIT_BENCH_OLD;
if (!oldRoot) { console.error('set MASKEDIT_BENCH_OLD to an old checkout (with src/ and node_modules)'); process.exit(2); }
const runs = Number(process.env.MASKEDIT_BENCH_RUNS ?? 5);
const load = (root: string, mod: string) => import(resolve(root, 'src', mod));
const here = resolve(import.meta.dirname, '..');
const sides = await Promise.all([oldRoot, here].map(async (root) => ({
  composite: await load(root, 'core/composite.ts'), spill: await load(root, 'core/spillover.ts'), sizing: await load(root, 'core/sizing.ts'),
  edit: await load(root, 'pipeline/edit.ts'), image: await load(root, 'io/image.ts'), resize: await load(root, 'core/resize.ts'), raster: await load(root, 'core/raster.ts'),
})));

/** Median of each function's times, run in turn. */
async function inTurn(fns: (() => unknown)[], n: number): Promise<number[]> {
  for (const f of fns) await f();
  const t = fns.map(() => [] as number[]);
  for (let r = 0; r < n; r++) for (const [k, f] of fns.entries()) { const s = performance.now(); await f(); t[k]!.push(performance.now() - s); }
  return t.map((x) => x.sort((a, b) => a - b)[Math.floor(x.length / 2)]!);
}

const rows: Record<string, string | number>[] = [];
const add = (what: string, [o, nw]: number[]) => rows.push({ what, 'old ms': Math.round(o!), 'new ms': Math.round(nw!), 'new/old': nw! / o! });
const loadBefore = loadavg()[0]!;
const same: string[] = [];

// Locality: 4096², 5 % elliptical mask, a model output with a cast everywhere.
{
  const N = 4096;
  const raw = await sharp(photoPath('opencv/home.jpg')).resize(N, N, { fit: 'fill' }).ensureAlpha().raw().toBuffer();
  const original = { width: N, height: N, channels: 4, data: new Uint8Array(raw.buffer, raw.byteOffset, raw.length) };
  const result = { ...original, data: original.data.map((v: number, i: number) => ((i & 3) === 3 ? v : Math.min(255, (v * 0.95 + 9) | 0))) };
  const mask = { width: N, height: N, channels: 1, data: new Uint8Array(N * N) };
  const rx = Math.sqrt((0.05 * N * N * (4 / 3)) / Math.PI), ry = (rx * 3) / 4;
  for (let y = 0; y < N; y++) for (let x = 0; x < N; x++) if (((x - N * 0.6) / rx) ** 2 + ((y - N * 0.45) / ry) ** 2 <= 1) mask.data[y * N + x] = 255;
  add('blend + model masks (4096²)', await inTurn(sides.map((s) => () => { s.composite.blendMaskFor(mask); s.composite.modelMaskFor(mask); }), runs));
  add('crop plan (4096²)', await inTurn(sides.map((s) => () => s.sizing.planCrops({ width: N, height: N }, mask, 'gpt-image-1.5')), runs));
  const stitched: Uint8Array[] = [];
  add('stitch + spillover, all of it (4096²)', await inTurn(sides.map((s, k) => () => {
    const { blend } = s.composite.blendMaskFor(mask);
    const modelMask = s.composite.modelMaskFor(mask);
    const out = s.composite.stitch(original, result, blend, { seam: 'match', modelMask });
    s.spill.spillover(original, out, mask);
    stitched[k] = out.data;
  }), runs));
  same.push(`stitch output ${Buffer.from(stitched[0]!).equals(Buffer.from(stitched[1]!)) ? 'identical' : 'DIFFERS'}`);
}

// Pipeline: edit() + PNG encode of the output, provider time taken out.
{
  const { image, mask } = await pipelineInputs();
  const steps = sides.map(() => [] as Record<string, number>[]);
  const outputs: { png: Uint8Array; report: string }[] = [];
  const fns = sides.map((s, k) => async () => {
    const instant = { name: 'openai', surface: 'images', async edit(req: { image: unknown; size?: string }) {
      const [w, h] = (req.size ?? '1024x1024').split('x').map(Number);
      const out = s.raster.cloneRaster(s.resize.resize(req.image, w, h, 'bilinear'));
      for (let i = 0; i < out.data.length; i += 4) out.data[i] = Math.min(255, out.data[i] + 5);
      return { images: [out] };
    } };
    const t = performance.now();
    const r = await s.edit.edit({ image, mask, prompt: 'A living room with a lamp. Add a lamp. Preserve the room.', provider: instant });
    const png = await s.image.encodeImage(r.outputs[0]);
    outputs[k] = { png, report: JSON.stringify({ ...r.report, timingsMs: {} }) };
    steps[k]!.push({ ...r.report.timingsMs, total: performance.now() - t - (r.report.timingsMs.provider ?? 0) });
  });
  await inTurn(fns, runs);
  same.push(`pipeline output PNG ${Buffer.from(outputs[0]!.png).equals(Buffer.from(outputs[1]!.png)) ? 'identical' : 'DIFFERS'}`);
  same.push(`pipeline report ${outputs[0]!.report === outputs[1]!.report ? 'identical' : 'DIFFERS'}`);
  const med = (k: number, key: string) => { const v = steps[k]!.slice(1).map((x) => x[key] ?? 0).sort((p, q) => p - q); return v[Math.floor(v.length / 2)]!; };
  add('pipeline: edit() + encode, provider excluded (4000×3000)', [med(0, 'total'), med(1, 'total')]);
  for (const key of ['check', 'plan', 'encode', 'mapback', 'spillover', 'stitch']) add(`  step ${key}`, [med(0, key), med(1, key)]);
}
table(rows);
console.log(`old vs new: ${same.join(', ')}`);
console.log(`old: ${oldRoot}; runs ${runs} each, in turn; load average ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after`);

/**
 * Event-loop delay during a 12 MP edit (4000×3000 photo, 5 % mask, the same instant stand-in model as the
 * pipeline bench), with the edit's pixel loops (send's model mask; finish's spillover, blend and stitch) on the
 * main thread (before) and in the server's pixel worker (after, `pixels: createPixelPool()`), in turn in one
 * process. A server answers nothing else while its event
 * loop is blocked, so the longest blocks are what a health check or a /v1/models request waits behind.
 * Printed: the p99 and max of the loop's delay (perf_hooks.monitorEventLoopDelay, 1 ms resolution) over each
 * edit, and the edit's wall time. Goal: the worker cuts the max delay (ratio after / before < 1).
 */
import sharp from 'sharp';
import { loadavg } from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { edit } from '../src/pipeline/edit.js';
import { createPixelPool } from '../src/pipeline/pixel-pool.js';
import { resize } from '../src/core/resize.js';
import { cloneRaster } from '../src/core/raster.js';
import type { Provider } from '../src/providers/provider.js';
import { table, verdict } from './_util.js';
import { photoPath } from './_photos.js';

const W = 4000, H = 3000;
const image = await sharp(photoPath('opencv/home.jpg')).resize(W, H, { fit: 'fill' }).jpeg({ quality: 92 }).toBuffer();
const rx = Math.round(Math.sqrt(((0.05 * W * H) / Math.PI) * 1.3)), ry = Math.round(rx / 1.3);
const alpha = Buffer.alloc(W * H * 4);
for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) alpha[(y * W + x) * 4 + 3] = ((x - 2600) / rx) ** 2 + ((y - 1200) / ry) ** 2 <= 1 ? 0 : 255;
const mask = await sharp(alpha, { raw: { width: W, height: H, channels: 4 } }).png().toBuffer();
const instant: Provider = {
  name: 'openai', surface: 'images',
  async edit(req) {
    const [w, h] = (req.size ?? '1024x1024').split('x').map(Number) as [number, number];
    const out = cloneRaster(resize(req.image, w, h, 'bilinear'));
    for (let i = 0; i < out.data.length; i += 4) out.data[i] = Math.min(255, out.data[i]! + 5);
    return { images: [out] };
  },
};

const pixels = createPixelPool();
const runs = Number(process.env.MASKEDIT_BENCH_RUNS ?? 5);
const sides = { before: { p99: [] as number[], max: [] as number[], ms: [] as number[], finish: [] as number[] }, after: { p99: [] as number[], max: [] as number[], ms: [] as number[], finish: [] as number[] } };
const once = async (side: keyof typeof sides, record: boolean) => {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const t = performance.now();
  const r = await edit({ image, mask, prompt: 'A living room with a lamp. Add a lamp. Preserve the room.', provider: instant, ...(side === 'after' ? { pixels } : {}) });
  const ms = performance.now() - t;
  h.disable();
  if (!record) return;
  sides[side].p99.push(h.percentile(99) / 1e6);
  sides[side].max.push(h.max / 1e6);
  sides[side].ms.push(ms);
  sides[side].finish.push((r.report.timingsMs.spillover ?? 0) + (r.report.timingsMs.stitch ?? 0));
};
// One warm-up each, then in turn.
await once('before', false);
await once('after', false);
for (let i = 0; i < runs; i++) { await once('before', true); await once('after', true); }
await pixels.close();
const med = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
table((['before', 'after'] as const).map((k) => ({
  what: k === 'before' ? 'pixel loops on the main thread' : 'pixel loops in the pixel worker',
  'loop delay p99 ms': Math.round(med(sides[k].p99)), 'loop delay max ms': Math.round(med(sides[k].max)),
  'spillover+stitch ms': Math.round(med(sides[k].finish)), 'edit ms': Math.round(med(sides[k].ms)),
})));
console.log(`${W}×${H}, medians of ${runs} runs each, in turn; load average ${loadavg()[0]!.toFixed(1)}`);
verdict('event-loop delay p99, worker / main thread', med(sides.after.p99) / med(sides.before.p99), 1);
process.exit(verdict('event-loop delay max, worker / main thread', med(sides.after.max) / med(sides.before.max), 1) ? 0 : 1);

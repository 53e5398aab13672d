/**
 * Event-loop delay during a 12 MP edit (4000×3000 photo, 5 % mask, the same instant stand-in model as the
 * pipeline bench), with the edit's pixel loops (send's model mask; finish's spillover, blend and stitch) on the
 * main thread (before) and in the server's pixel worker (after, `pixels: createPixelPool()`), in turn in one
 * process. A server answers nothing else while its event
 * loop is blocked, so the longest blocks are what a health check or a /v1/models request waits behind.
 * Printed: the p99 and max of the loop's delay (perf_hooks.monitorEventLoopDelay, 1 ms resolution) over each
 * edit, and the edit's wall time. Goal: the worker cuts the max delay (ratio after / before < 1).
 */
import { loadavg } from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { edit } from '../src/pipeline/edit.js';
import { createPixelPool } from '../src/pipeline/pixel-pool.js';
import { table, verdict } from './_util.js';
import { H, instant, pipelineInputs, PROMPT, W } from './_pipeline_case.js';

const { image, mask } = await pipelineInputs();

const pixels = createPixelPool();
const runs = Number(process.env.MASKEDIT_BENCH_RUNS ?? 5);
const sides = { before: { p99: [] as number[], max: [] as number[], ms: [] as number[], finish: [] as number[] }, after: { p99: [] as number[], max: [] as number[], ms: [] as number[], finish: [] as number[] } };
const once = async (side: keyof typeof sides, record: boolean) => {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const t = performance.now();
  const r = await edit({ image, mask, prompt: PROMPT, provider: instant, ...(side === 'after' ? { pixels } : {}) });
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

/**
 * The pixel worker's thread (pixel-pool.ts): runs the jobs the main thread posts, one at a time, and posts back
 * each result with its buffers moved, not copied. `hold` (tests only) keeps a finished result until the main
 * thread releases it, so a test can act while a job is known to be in this thread.
 */
import { parentPort } from 'node:worker_threads';
import { modelMaskFor } from '../core/composite.js';
import type { EditMask } from '../core/raster.js';
import { runRegionJob, type RegionJob } from './finish-region.js';

type Task = { task: 'finish'; job: RegionJob } | { task: 'modelMask'; job: { mask: EditMask; grow: number } };
type Message = (Task & { type: 'task'; id: number; hold: boolean }) | { type: 'release'; id: number };

const held = new Map<number, () => void>();

/** One job's result and the buffers to move with it. */
function run(t: Task): { result: unknown; transfer: ArrayBuffer[] } {
  if (t.task === 'modelMask') {
    const m = modelMaskFor(t.job.mask, { grow: t.job.grow });
    return { result: m, transfer: [m.data.buffer as ArrayBuffer] };
  }
  const result = runRegionJob(t.job);
  const transfer = result.outputs.map((o) => o.data.buffer as ArrayBuffer);
  // Plain copies of the reports (structured clone reads fields, not getters); their change maps move too.
  const parts = result.parts.map((boxes) => boxes.map((p) => {
    transfer.push(p.changeMap.data.buffer as ArrayBuffer);
    return { outside: p.outside, inside: p.inside, verdict: p.verdict, threshold: p.threshold, resized: p.resized, changeMap: p.changeMap };
  }));
  return { result: { ...result, parts }, transfer };
}

parentPort!.on('message', (msg: Message) => {
  if (msg.type === 'release') {
    held.get(msg.id)?.();
    held.delete(msg.id);
    return;
  }
  parentPort!.postMessage({ type: 'started', id: msg.id, task: msg.task });
  let post: () => void;
  try {
    const { result, transfer } = run(msg);
    post = () => parentPort!.postMessage({ type: 'done', id: msg.id, result }, transfer);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    post = () => parentPort!.postMessage({ type: 'failed', id: msg.id, message });
  }
  if (msg.hold) held.set(msg.id, post);
  else post();
});

/**
 * The pixel worker's thread (pixel-pool.ts): runs the jobs the main thread posts, one at a time, and posts back
 * each result with its buffers moved, not copied. `hold` (tests only) keeps a finished result until the main
 * thread releases it, so a test can act while a job is known to be in this thread.
 */
import { parentPort } from 'node:worker_threads';
import { runRegionJob, type RegionJob } from './finish-region.js';

type Message = { type: 'task'; id: number; task: 'finish'; job: RegionJob; hold: boolean } | { type: 'release'; id: number };

const held = new Map<number, () => void>();

parentPort!.on('message', (msg: Message) => {
  if (msg.type === 'release') {
    held.get(msg.id)?.();
    held.delete(msg.id);
    return;
  }
  parentPort!.postMessage({ type: 'started', id: msg.id });
  let reply: { type: 'done'; id: number; result: unknown } | { type: 'failed'; id: number; message: string };
  const transfer: ArrayBuffer[] = [];
  try {
    const result = runRegionJob(msg.job);
    for (const o of result.outputs) transfer.push(o.data.buffer as ArrayBuffer);
    // The change maps are read through a getter-free copy of each report (structured clone reads plain fields).
    const parts = result.parts.map((boxes) => boxes.map((p) => {
      transfer.push(p.changeMap.data.buffer as ArrayBuffer);
      return { outside: p.outside, inside: p.inside, verdict: p.verdict, threshold: p.threshold, resized: p.resized, changeMap: p.changeMap };
    }));
    reply = { type: 'done', id: msg.id, result: { ...result, parts } };
  } catch (e) {
    reply = { type: 'failed', id: msg.id, message: e instanceof Error ? e.message : String(e) };
  }
  const post = () => parentPort!.postMessage(reply, reply.type === 'done' ? transfer : []);
  if (msg.hold) held.set(msg.id, post);
  else post();
});

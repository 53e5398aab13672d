/**
 * Helper thread of the patchmatch engine: holds the current level (shared memory) and runs the bands the main
 * thread hands it, replying once per phase.
 */
import { parentPort } from 'node:worker_threads';
import type { LevelArrays } from './_patchmatch_kernel.js';
import { runBands, type PhaseRequest } from './_patchmatch_pool.js';

let level: LevelArrays | undefined;

parentPort!.on('message', (msg: { type: 'level'; level: LevelArrays } | { type: 'run'; req: PhaseRequest; start: number; stride: number }) => {
  if (msg.type === 'level') level = msg.level;
  else runBands(level!, msg.req, msg.start, msg.stride);
  parentPort!.postMessage('done');
});

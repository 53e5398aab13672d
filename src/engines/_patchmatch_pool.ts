/**
 * Runs the banded phases of the patchmatch engine on the main thread plus, optionally, worker threads that
 * share the level's memory (SharedArrayBuffer). Bands are dealt out round-robin; because each band writes only
 * its own rows and has its own seed, the result is identical for any number of threads.
 */
import type { Worker } from 'node:worker_threads';
import { startWorkerBeside } from '../io/worker.js';
import { distanceBand, searchBand, voteBand, voteSharpBand, type LevelArrays } from './_patchmatch_kernel.js';

export type Phase = 'dist' | 'search' | 'vote' | 'voteSharp';

/** One phase over a list of bands, each `[y0, y1, seed]`. */
export interface PhaseRequest {
  phase: Phase;
  bands: number[];
  forward: boolean;
  /** search: cap on the random-search radius (0 = the level's size, plus a draw from all sources). */
  radiusCap?: number;
  /** voteSharp: the sharpness h of voteSharpBand. */
  sharpness?: number;
}

/** Runs the bands `[y0, y1, seed]` at positions start, start+stride, … of `bands` on this thread. */
export function runBands(L: LevelArrays, req: PhaseRequest, start: number, stride: number): void {
  const { bands, phase, forward } = req;
  for (let k = start; k * 3 < bands.length; k += stride) {
    const y0 = bands[k * 3]!, y1 = bands[k * 3 + 1]!, seed = bands[k * 3 + 2]!;
    if (phase === 'dist') distanceBand(L, y0, y1);
    else if (phase === 'search') searchBand(L, y0, y1, forward, seed, req.radiusCap ?? 0);
    else if (phase === 'voteSharp') voteSharpBand(L, y0, y1, req.sharpness ?? 1);
    else voteBand(L, y0, y1);
  }
}

export interface Executor {
  /** How many threads share the work (1 = main thread only). */
  readonly threads: number;
  /** Tells the helpers which level the next phases work on; its arrays must be shared when threads > 1. */
  setLevel(L: LevelArrays): Promise<void>;
  run(req: PhaseRequest): Promise<void>;
}

/** Everything on the calling thread. */
export function localExecutor(): Executor {
  let level: LevelArrays | undefined;
  return {
    threads: 1,
    async setLevel(L) { level = L; },
    async run(req) { runBands(level!, req, 0, 1); },
  };
}

interface Helper { worker: Worker; pending: ((e?: Error) => void) | undefined }

let helpers: Helper[] | undefined;

function startWorker(): Worker {
  return startWorkerBeside(import.meta.url, '_patchmatch_worker');
}

/** Starts (once per process) `count` helper workers; they are unref'd so they never keep the process alive. */
function getHelpers(count: number): Helper[] {
  if (helpers && helpers.length >= count) return helpers.slice(0, count);
  helpers ??= [];
  while (helpers.length < count) {
    const h: Helper = { worker: startWorker(), pending: undefined };
    const settle = (e?: Error) => {
      const p = h.pending;
      h.pending = undefined;
      h.worker.unref();
      p?.(e);
    };
    h.worker.on('message', () => settle());
    h.worker.on('error', (e) => { dropHelper(h); settle(e); });
    h.worker.on('exit', (code) => { dropHelper(h); settle(new Error(`patchmatch worker exited with code ${code}`)); });
    h.worker.unref();
    helpers.push(h);
  }
  return helpers.slice(0, count);
}

function dropHelper(h: Helper): void {
  if (helpers) helpers = helpers.filter((x) => x !== h);
}

function send(h: Helper, msg: unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    // Referenced only while it owes an answer: an idle helper never keeps the process alive.
    h.worker.ref();
    h.pending = (e) => (e ? reject(e) : resolve());
    h.worker.postMessage(msg);
  });
}

/** The main thread plus `count` workers; the level's arrays must live on SharedArrayBuffers. */
export function workerExecutor(count: number): Executor {
  const hs = getHelpers(count);
  let level: LevelArrays | undefined;
  const threads = count + 1;
  return {
    threads,
    async setLevel(L) {
      level = L;
      const { w, h, r, opaque, img, hole, valid, sources, target, nnf, dist, weight, far } = L;
      await Promise.all(hs.map((x) => send(x, { type: 'level', level: { w, h, r, opaque, img, hole, valid, sources, target, nnf, dist, weight, far } })));
    },
    async run(req) {
      const done = hs.map((x, i) => send(x, { type: 'run', req, start: i + 1, stride: threads }));
      runBands(level!, req, 0, threads);
      await Promise.all(done);
    },
  };
}

let leased = false;

/**
 * The helpers for one fill at a time. The helper workers are shared by the whole process and each holds one
 * level and owes one reply, so two fills must never drive them at once. While a fill holds the lease, this
 * returns null and the other fill runs on its own thread — the bands are seeded per band, so the bytes come
 * out the same either way.
 *
 * @example
 * const lease = leaseWorkerExecutor(1); const exec = lease ?? localExecutor();
 * try { … } finally { lease?.release(); }
 */
export function leaseWorkerExecutor(count: number): (Executor & { release(): void }) | null {
  if (leased) return null;
  leased = true;
  const exec = workerExecutor(count);
  let released = false;
  return {
    threads: exec.threads,
    setLevel: (L) => exec.setLevel(L),
    run: (req) => exec.run(req),
    release() {
      if (!released) leased = false;
      released = true;
    },
  };
}

/** Stops the helper workers (tests and benchmarks call it to leave a clean process). */
export async function closeHelpers(): Promise<void> {
  const hs = helpers ?? [];
  helpers = undefined;
  await Promise.all(hs.map((h) => h.worker.terminate()));
}

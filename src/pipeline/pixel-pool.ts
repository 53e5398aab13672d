/**
 * A worker thread for the pixel loops of an edit (`finish`: spillover, blend mask, strict stitch; `send`: the
 * model mask), so a server
 * keeps answering other requests while a big edit runs (docs/performance.md). One persistent worker, started
 * on first use and unref'd while idle (it never keeps the process alive); jobs queue and run one at a time.
 * A job whose signal fires is dropped from the queue, or, when already running, stops with its worker (the
 * next job starts a new one). `close()` ends the worker and fails what is left; the server calls it on close.
 *
 * Without a pool, `finish` runs the same job function on the calling thread (finish-region.ts), so the bytes
 * and figures are the same either way.
 */
import type { Worker } from 'node:worker_threads';
import { startWorkerBeside } from '../io/worker.js';
import { MaskeditError } from '../core/errors.js';
import type { RegionJob, RegionResult } from './finish-region.js';
import type { EditMask } from '../core/raster.js';

export interface PixelPool {
  /** Runs `job` in the worker; rejects with the signal's reason when it fires first. */
  finish(job: RegionJob, signal?: AbortSignal): Promise<RegionResult>;
  /** `modelMaskFor(mask, { grow })` in the worker (`mask` is moved there: pass a copy the caller can give up). */
  modelMask(mask: EditMask, grow: number, signal?: AbortSignal): Promise<EditMask>;
  /** Ends the worker; queued and running jobs fail with INTERNAL ("the pixel worker was closed …"). Idempotent. */
  close(): Promise<void>;
  /** True once the worker thread is running (it starts on the first job). */
  readonly started: boolean;
}

export interface PixelPoolOptions {
  /**
   * Tests only: called when a job has started in the worker, with a `release` that lets its finished result
   * come back, and the job's kind. Lets a test act while a job is known to be running off the main thread.
   */
  onHold?: (release: () => void, task: TaskName) => void;
}

type TaskName = 'finish' | 'modelMask';
interface Job { id: number; task: TaskName; job: unknown; transfer: ArrayBuffer[]; resolve(r: unknown): void; reject(e: unknown): void; signal: AbortSignal | undefined; off(): void }

function startWorker(): Worker {
  return startWorkerBeside(import.meta.url, '_pixel_worker');
}

/**
 * @example
 * const pixels = createPixelPool();
 * const result = await edit({ image, mask, prompt, pixels });   // finish runs in the worker
 * await pixels.close();
 */
export function createPixelPool(opts: PixelPoolOptions = {}): PixelPool {
  let worker: Worker | undefined;
  let running: Job | undefined;
  const queue: Job[] = [];
  let nextId = 1;
  let closed = false;

  const closedError = () => new MaskeditError('INTERNAL', 'the pixel worker was closed before the job finished', 'retry the request once the server is running again');

  const stopWorker = () => {
    const w = worker;
    worker = undefined;
    if (w) { w.removeAllListeners(); void w.terminate(); }
  };

  const ensureWorker = (): Worker => {
    if (worker) return worker;
    const w = startWorker();
    w.on('message', (msg: { type: 'started' | 'done' | 'failed'; id: number; task?: TaskName; result?: unknown; message?: string }) => {
      const job = running;
      if (!job || job.id !== msg.id) return;
      if (msg.type === 'started') {
        if (opts.onHold) opts.onHold(() => w.postMessage({ type: 'release', id: msg.id }), job.task);
        return;
      }
      running = undefined;
      job.off();
      if (msg.type === 'done') job.resolve(msg.result!);
      else job.reject(new MaskeditError('INTERNAL', `the pixel worker failed: ${msg.message}`, 'retry; if it persists, report it with the input files'));
      next();
    });
    const fail = (e: Error) => {
      stopWorker();
      const job = running;
      running = undefined;
      if (job) { job.off(); job.reject(new MaskeditError('INTERNAL', `the pixel worker stopped: ${e.message}`, 'retry the request')); }
      next();
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`exit code ${code}`)));
    worker = w;
    return w;
  };

  const next = () => {
    if (running || closed) return;
    const job = queue.shift();
    if (!job) { worker?.unref(); return; }
    running = job;
    const w = ensureWorker();
    // Referenced only while it owes an answer: an idle worker never keeps the process alive.
    w.ref();
    w.postMessage({ type: 'task', id: job.id, task: job.task, job: job.job, hold: Boolean(opts.onHold) }, job.transfer);
  };

  const submit = <T>(task: TaskName, job: unknown, transfer: ArrayBuffer[], signal: AbortSignal | undefined): Promise<T> => new Promise<T>((resolve, reject) => {
    if (closed) { reject(closedError()); return; }
    if (signal?.aborted) { reject(signal.reason); return; }
    const entry: Job = { id: nextId++, task, job, transfer, resolve: resolve as (r: unknown) => void, reject, signal, off: () => {} };
    if (signal) {
      const onAbort = () => {
        entry.off();
        const i = queue.indexOf(entry);
        if (i >= 0) queue.splice(i, 1);
        else if (running === entry) { running = undefined; stopWorker(); next(); }
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      entry.off = () => signal.removeEventListener('abort', onAbort);
    }
    queue.push(entry);
    next();
  });

  return {
    get started() { return worker !== undefined; },
    finish(job, signal) {
      // The job's own buffers (the region's copies) move to the worker; the patches are copied (the caller keeps them).
      return submit<RegionResult>('finish', job, [job.original.data.buffer, job.editMask.data.buffer, job.modelMask.data.buffer] as ArrayBuffer[], signal);
    },
    modelMask(mask, grow, signal) {
      return submit<EditMask>('modelMask', { mask, grow }, [mask.data.buffer as ArrayBuffer], signal);
    },
    async close() {
      if (closed) return;
      closed = true;
      const left = [...(running ? [running] : []), ...queue.splice(0)];
      running = undefined;
      const w = worker;
      worker = undefined;
      if (w) { w.removeAllListeners(); await w.terminate(); }
      for (const j of left) { j.off(); j.reject(closedError()); }
    },
  };
}

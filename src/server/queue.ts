/**
 * The bounded edit queue. A request takes a {@link Ticket} before its body is read — so a full server answers
 * 429 without first swallowing a 50 MB upload — and runs its job when one of `concurrency` slots is free.
 * At most `concurrency + maxQueued` tickets exist at once; past that {@link EditQueue.reserve} throws 429 with a
 * `Retry-After` estimated from recent job times. A ticket whose request goes away (abort, error) is released
 * and its waiting place given up.
 *
 * Jobs are admitted by **pixel cost** as well as by count: a ticket carries the decoded pixels its request will
 * hold (image, mask and references, probed from their headers), and a job starts only while the running jobs'
 * pixels plus its own fit `pixelBudget`. Waiting jobs start in arrival order (a big edit is not starved by small
 * ones behind it). A request whose cost alone exceeds the budget is refused at once with 413
 * `PIXEL_BUDGET_EXCEEDED`.
 */
import { availableParallelism } from 'node:os';
import { AbortError } from '../core/errors.js';
import { ApiError } from './errors.js';

export interface QueueOptions {
  /** Jobs running at once (default: available cores). */
  concurrency?: number;
  /** Tickets allowed to wait beyond the running ones (default 32). */
  maxQueued?: number;
  /** Decoded pixels the running jobs may hold together (default: unlimited). */
  pixelBudget?: number;
}

export interface QueueStats {
  running: number;
  waiting: number;
  concurrency: number;
  maxQueued: number;
  completed: number;
  rejected: number;
  /** Mean duration of the last jobs, ms (0 before the first). */
  meanJobMs: number;
  /** Pixels the running jobs hold, and the budget they share. */
  pixelsRunning: number;
  pixelBudget: number;
}

export interface Ticket {
  /** Waits for a slot (or the signal), runs `job`, frees the slot. Call at most once. */
  run<T>(job: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** Gives the place back; safe to call more than once and after run(). */
  release(): void;
}

/**
 * @example
 * const queue = new EditQueue({ concurrency: 2, maxQueued: 8 });
 * const ticket = queue.reserve();            // throws 429 when full
 * try { await ticket.run(() => work(), signal); } finally { ticket.release(); }
 */
export class EditQueue {
  readonly concurrency: number;
  readonly maxQueued: number;
  readonly pixelBudget: number;
  private running = 0;
  private pixels = 0;
  private tickets = 0;
  private completed = 0;
  private rejected = 0;
  private readonly waiters: { cost: number; wake: () => void }[] = [];
  private readonly recent: number[] = [];

  constructor(opts: QueueOptions = {}) {
    this.concurrency = Math.max(1, Math.floor(opts.concurrency ?? availableParallelism()));
    this.maxQueued = Math.max(0, Math.floor(opts.maxQueued ?? 32));
    this.pixelBudget = opts.pixelBudget !== undefined && opts.pixelBudget > 0 ? opts.pixelBudget : Infinity;
  }

  stats(): QueueStats {
    return {
      running: this.running, waiting: this.tickets - this.running, concurrency: this.concurrency, maxQueued: this.maxQueued,
      completed: this.completed, rejected: this.rejected, meanJobMs: Math.round(this.meanJobMs()),
      pixelsRunning: this.pixels, pixelBudget: this.pixelBudget,
    };
  }

  /** Seconds until a place is likely free: the queue ahead divided over the slots, times a mean job. */
  retryAfterSeconds(): number {
    const ahead = Math.max(1, this.tickets - this.concurrency + 1);
    return Math.max(1, Math.ceil((ahead / this.concurrency) * this.meanJobMs() / 1000));
  }

  /** Throws the 429 {@link reserve} would, without taking a place (a full server refuses before reading a body). */
  assertRoom(): void {
    if (this.tickets >= this.concurrency + this.maxQueued) this.reserve();
  }

  /**
   * Takes a place for a job holding `pixels` decoded pixels, or throws 413 `PIXEL_BUDGET_EXCEEDED` (larger than
   * the whole budget) or 429 `rate_limit_exceeded` with `Retry-After` (queue full).
   */
  reserve(pixels = 0): Ticket {
    const cost = Math.max(0, pixels);
    if (cost > this.pixelBudget) {
      this.rejected++;
      const mp = (n: number) => (n >= 100_000 ? `${Number((n / 1e6).toFixed(1))} MP` : `${n} pixels`);
      throw new ApiError({
        status: 413, apiCode: 'pixel_budget_exceeded', code: 'PIXEL_BUDGET_EXCEEDED',
        message: `This edit needs ${mp(cost)} of decoded images (image and mask together); this server works on at most ${mp(this.pixelBudget)} at once.`,
        fix: 'send smaller images (downscale the image and its mask), or start the server with a larger --pixel-budget',
      });
    }
    if (this.tickets >= this.concurrency + this.maxQueued) {
      this.rejected++;
      const seconds = this.retryAfterSeconds();
      throw new ApiError({
        status: 429, type: 'requests', apiCode: 'rate_limit_exceeded', code: 'QUEUE_FULL',
        message: `The edit queue is full (${this.concurrency} running, ${this.maxQueued} waiting). Retry after ${seconds} s.`,
        fix: 'retry after the Retry-After delay, send fewer requests at once, or start the server with a longer --queue',
        headers: { 'retry-after': String(seconds), 'retry-after-ms': String(seconds * 1000) },
      });
    }
    this.tickets++;
    let state: 'reserved' | 'waiting' | 'running' | 'done' = 'reserved';
    let waiter: { cost: number; wake: () => void } | undefined;
    /** Rejects a run() still waiting for a slot: released tickets must not leave it pending forever. */
    let abandon: (() => void) | undefined;
    const release = () => {
      if (state === 'done') return;
      if (state === 'running') {
        this.running--;
        this.pixels -= cost;
      }
      if (waiter) {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
      }
      // A finished job, or a given-up waiter at the head, may let the next ones start.
      if (state === 'running' || state === 'waiting') this.next();
      const waiting = state === 'waiting';
      state = 'done';
      this.tickets--;
      // The route's disconnect hook can release the ticket before the request's signal aborts.
      if (waiting) abandon?.();
    };
    const run = async <T>(job: () => Promise<T>, signal?: AbortSignal): Promise<T> => {
      if (state !== 'reserved') throw new Error('a ticket runs once');
      if (signal?.aborted) throw new AbortError();
      if (this.waiters.length || !this.fits(cost)) {
        state = 'waiting';
        await new Promise<void>((resolve, reject) => {
          const onAbort = () => {
            if (state === 'waiting') release();
          };
          abandon = () => {
            signal?.removeEventListener('abort', onAbort);
            reject(new AbortError());
          };
          waiter = {
            cost,
            wake: () => {
              // Runs inside next(), which already counted this job and its pixels as running.
              state = 'running';
              signal?.removeEventListener('abort', onAbort);
              resolve();
            },
          };
          signal?.addEventListener('abort', onAbort, { once: true });
          this.waiters.push(waiter);
        });
      } else {
        this.running++;
        this.pixels += cost;
        state = 'running';
      }
      const t0 = performance.now();
      try {
        return await job();
      } finally {
        this.record(performance.now() - t0);
        release();
      }
    };
    return { run, release };
  }

  /** Whether a job of `cost` pixels may start now: a free slot and room in the pixel budget. */
  private fits(cost: number): boolean {
    return this.running < this.concurrency && this.pixels + cost <= this.pixelBudget;
  }

  /** Starts waiting jobs in arrival order while the head fits. */
  private next(): void {
    while (this.waiters.length && this.fits(this.waiters[0]!.cost)) {
      const w = this.waiters.shift()!;
      this.running++;
      this.pixels += w.cost;
      w.wake();
    }
  }

  private record(ms: number): void {
    this.completed++;
    this.recent.push(ms);
    if (this.recent.length > 20) this.recent.shift();
  }

  private meanJobMs(): number {
    return this.recent.length ? this.recent.reduce((a, b) => a + b, 0) / this.recent.length : 1000;
  }
}

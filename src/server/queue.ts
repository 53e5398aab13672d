/**
 * The bounded edit queue. A request takes a {@link Ticket} before its body is read — so a full server answers
 * 429 without first swallowing a 50 MB upload — and runs its job when one of `concurrency` slots is free.
 * At most `concurrency + maxQueued` tickets exist at once; past that {@link EditQueue.reserve} throws 429 with a
 * `Retry-After` estimated from recent job times. A ticket whose request goes away (abort, error) is released
 * and its waiting place given up.
 */
import { availableParallelism } from 'node:os';
import { AbortError } from '../core/errors.js';
import { ApiError } from './errors.js';

export interface QueueOptions {
  /** Jobs running at once (default: available cores). */
  concurrency?: number;
  /** Tickets allowed to wait beyond the running ones (default 32). */
  maxQueued?: number;
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
  private running = 0;
  private tickets = 0;
  private completed = 0;
  private rejected = 0;
  private readonly waiters: (() => void)[] = [];
  private readonly recent: number[] = [];

  constructor(opts: QueueOptions = {}) {
    this.concurrency = Math.max(1, Math.floor(opts.concurrency ?? availableParallelism()));
    this.maxQueued = Math.max(0, Math.floor(opts.maxQueued ?? 32));
  }

  stats(): QueueStats {
    return {
      running: this.running, waiting: this.tickets - this.running, concurrency: this.concurrency, maxQueued: this.maxQueued,
      completed: this.completed, rejected: this.rejected, meanJobMs: Math.round(this.meanJobMs()),
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

  /** Takes a place or throws 429 `rate_limit_exceeded` with `Retry-After`. */
  reserve(): Ticket {
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
    let wake: (() => void) | undefined;
    /** Rejects a run() still waiting for a slot: released tickets must not leave it pending forever. */
    let abandon: (() => void) | undefined;
    const release = () => {
      if (state === 'done') return;
      if (state === 'running') {
        this.running--;
        this.next();
      }
      if (wake) {
        const i = this.waiters.indexOf(wake);
        if (i >= 0) this.waiters.splice(i, 1);
      }
      const waiting = state === 'waiting';
      state = 'done';
      this.tickets--;
      // The route's disconnect hook can release the ticket before the request's signal aborts.
      if (waiting) abandon?.();
    };
    const run = async <T>(job: () => Promise<T>, signal?: AbortSignal): Promise<T> => {
      if (state !== 'reserved') throw new Error('a ticket runs once');
      if (signal?.aborted) throw new AbortError();
      if (this.running >= this.concurrency) {
        state = 'waiting';
        await new Promise<void>((resolve, reject) => {
          const onAbort = () => {
            if (state === 'waiting') release();
          };
          abandon = () => {
            signal?.removeEventListener('abort', onAbort);
            reject(new AbortError());
          };
          wake = () => {
            // Runs inside next(), which already counted this job as running.
            state = 'running';
            signal?.removeEventListener('abort', onAbort);
            resolve();
          };
          signal?.addEventListener('abort', onAbort, { once: true });
          this.waiters.push(wake);
        });
      } else {
        this.running++;
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

  private next(): void {
    const wake = this.waiters.shift();
    if (wake) {
      this.running++;
      wake();
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

/**
 * Uploads in progress are limited apart from the edit queue: a request holds an *upload place* while its body
 * arrives and takes an edit-queue place only once the body is whole (queued-route.ts). A client trickling its
 * body therefore holds no queue place, and honest edits that have arrived are never locked out by slow ones;
 * the upload watch (upload-watch.ts) ends a trickle below the minimum rate with 408. Past `max` uploads at once
 * a new request is refused with 429 before its body is read (bounded memory for bodies being buffered).
 *
 * @example
 * const uploads = new UploadGate(64);
 * const leave = uploads.enter();  // throws 429 UPLOADS_FULL when 64 are arriving
 * try { await readBody(); } finally { leave(); }
 */
import { EventEmitter } from 'node:events';
import { ApiError } from './errors.js';

export class UploadGate {
  readonly max: number;
  private active = 0;
  private readonly events = new EventEmitter();

  constructor(max = 64) {
    this.max = Math.max(1, Math.floor(max));
  }

  count(): number {
    return this.active;
  }

  /** Takes an upload place and returns the function that gives it back (idempotent), or throws 429. */
  enter(): () => void {
    if (this.active >= this.max) {
      throw new ApiError({
        status: 429, type: 'requests', apiCode: 'rate_limit_exceeded', code: 'UPLOADS_FULL',
        message: `Too many uploads in progress (${this.max} at once). Retry after 1 s.`,
        fix: 'retry after the Retry-After delay, or start the server with a larger --max-uploads',
        headers: { 'retry-after': '1', 'retry-after-ms': '1000' },
      });
    }
    this.active++;
    this.events.emit('change', this.active);
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.active--;
      this.events.emit('change', this.active);
    };
  }

  /** Resolves once the number of uploads in progress passes `test` (an event, not polling; the caller bounds the wait). */
  until(test: (count: number) => boolean): Promise<void> {
    if (test(this.active)) return Promise.resolve();
    return new Promise((resolve) => {
      const on = (count: number) => {
        if (!test(count)) return;
        this.events.off('change', on);
        resolve();
      };
      this.events.on('change', on);
    });
  }
}

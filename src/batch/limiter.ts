/**
 * The batch's request pacing: a token bucket for `--rpm` and ONE backoff shared by every job. When any job gets
 * a 429, every job waits (Retry-After when the server sent one, else 1 s doubling to 60 s), so a storm of 429s
 * slows the batch down instead of failing its jobs or hammering the server N times over. Time comes from an
 * injected {@link Clock}, so the tests run it on a fake clock.
 *
 * @example
 * const limiter = new RateLimiter({ rpm: 600 });
 * await limiter.acquire(signal);   // at most 10 per second, none while backing off
 * limiter.backoff(2_000);          // a 429 said Retry-After: 2
 */
import { AbortError } from '../core/errors.js';

export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortError());
    const t = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, Math.max(0, ms));
    const onAbort = () => { clearTimeout(t); reject(new AbortError()); };
    signal?.addEventListener('abort', onAbort, { once: true });
  }),
};

export const MAX_BACKOFF_MS = 60_000;
export const FIRST_BACKOFF_MS = 1_000;

export interface RateLimiterOptions {
  /** Requests per minute; undefined = no pacing (the backoff still applies). */
  rpm?: number;
  /** Bucket size: requests that may go at once after a quiet spell (default one second's worth, at least 1). */
  burst?: number;
  clock?: Clock;
}

export class RateLimiter {
  readonly rpm: number | undefined;
  private readonly clock: Clock;
  private readonly burst: number;
  private tokens: number;
  private last: number;
  private pausedUntil = 0;
  private consecutive429 = 0;
  /** Acquires run one after another, so waiters are served first come, first served. */
  private chain: Promise<void> = Promise.resolve();

  constructor(opts: RateLimiterOptions = {}) {
    this.rpm = opts.rpm;
    this.clock = opts.clock ?? systemClock;
    this.burst = opts.burst ?? Math.max(1, Math.floor((opts.rpm ?? 60) / 60));
    this.tokens = this.burst;
    this.last = this.clock.now();
  }

  /** Waits for a token and for any shared backoff to end. Rejects with AbortError when `signal` fires. */
  acquire(signal?: AbortSignal): Promise<void> {
    const next = this.chain.then(() => this.take(signal));
    this.chain = next.catch(() => {});
    return next;
  }

  private async take(signal?: AbortSignal): Promise<void> {
    for (;;) {
      if (signal?.aborted) throw new AbortError();
      const now = this.clock.now();
      if (now < this.pausedUntil) {
        await this.clock.sleep(this.pausedUntil - now, signal);
        continue;
      }
      if (this.rpm === undefined) return;
      const perMs = this.rpm / 60_000;
      this.tokens = Math.min(this.burst, this.tokens + (now - this.last) * perMs);
      this.last = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await this.clock.sleep(Math.ceil((1 - this.tokens) / perMs), signal);
    }
  }

  /**
   * A 429: everyone waits `retryAfterMs` (or the next step of 1 s, 2 s, 4 s … 60 s when the server gave no
   * Retry-After). Returns the wait. Overlapping 429s extend the pause; they never shorten it.
   */
  backoff(retryAfterMs?: number): number {
    this.consecutive429++;
    const wait = retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs >= 0
      ? Math.min(retryAfterMs, MAX_BACKOFF_MS)
      : Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (this.consecutive429 - 1));
    const until = this.clock.now() + wait;
    if (until > this.pausedUntil) this.pausedUntil = until;
    // After the pause the bucket starts with one token, not a burst: the server just said "too many".
    this.tokens = 0;
    this.last = this.pausedUntil - (this.rpm ? 60_000 / this.rpm : 0);
    return wait;
  }

  /** A request went through: the next 429 without Retry-After starts again at 1 s. */
  succeeded(): void {
    this.consecutive429 = 0;
  }

  /** When the shared pause ends (0: not paused). */
  get pausedUntilMs(): number {
    return this.pausedUntil;
  }
}

/**
 * Wait before retry `attempt` (1-based) of a 5xx or timeout: 0.5 s doubling, at most 30 s, times a jitter in
 * [0.5, 1.5) so jobs that failed together do not retry together.
 */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(30_000, 500 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.5 + random()));
}

/** Retry-After / retry-after-ms of a response's headers, in ms (HTTP date or seconds). */
export function retryAfterFromHeaders(headers: { get(name: string): string | null } | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = Number.parseFloat(headers.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const raw = headers.get('retry-after');
  if (!raw) return undefined;
  const s = Number(raw.trim());
  if (raw.trim() !== '' && Number.isFinite(s) && s >= 0) return s * 1000;
  const date = Date.parse(raw);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

import { describe, expect, it } from 'vitest';
import { MAX_BACKOFF_MS, RateLimiter, retryAfterFromHeaders, retryDelayMs, type Clock } from '../../src/batch/limiter.js';

/** A clock whose sleep advances time at once: the limiter's schedule becomes exact and instant. */
function fakeClock(start = 0): Clock & { t: number; sleeps: number[] } {
  const c = {
    t: start,
    sleeps: [] as number[],
    now: () => c.t,
    sleep: async (ms: number) => { c.sleeps.push(ms); c.t += ms; },
  };
  return c;
}

describe('RateLimiter: token bucket', () => {
  it('--rpm 60 lets one request go per second after the first', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ rpm: 60, clock });
    const times: number[] = [];
    for (let i = 0; i < 4; i++) {
      await limiter.acquire();
      times.push(clock.t);
    }
    expect(times).toEqual([0, 1000, 2000, 3000]);
  });

  it('--rpm 600 has a burst of one second (10) and then paces at 100 ms', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ rpm: 600, clock });
    const times: number[] = [];
    await Promise.all(Array.from({ length: 13 }, async () => { await limiter.acquire(); times.push(clock.t); }));
    expect(times).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 100, 200, 300]);
  });

  it('without --rpm nothing waits', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ clock });
    for (let i = 0; i < 50; i++) await limiter.acquire();
    expect(clock.t).toBe(0);
  });
});

describe('RateLimiter: one shared backoff', () => {
  it('a 429 with Retry-After holds every waiting request until it passes', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ clock });
    expect(limiter.backoff(2500)).toBe(2500);
    const times: number[] = [];
    await Promise.all([1, 2, 3].map(async () => { await limiter.acquire(); times.push(clock.t); }));
    expect(times).toEqual([2500, 2500, 2500]);
  });

  it('without Retry-After it waits 1 s, 2 s, 4 s … up to 60 s, and starts over after a success', () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ clock });
    const waits = Array.from({ length: 8 }, () => limiter.backoff());
    expect(waits).toEqual([1000, 2000, 4000, 8000, 16000, 32000, MAX_BACKOFF_MS, MAX_BACKOFF_MS]);
    limiter.succeeded();
    expect(limiter.backoff()).toBe(1000);
  });

  it('overlapping 429s extend the pause and never shorten it', () => {
    const clock = fakeClock(10_000);
    const limiter = new RateLimiter({ clock });
    limiter.backoff(5000);
    limiter.backoff(1000);
    expect(limiter.pausedUntilMs).toBe(15_000);
    limiter.backoff(9000);
    expect(limiter.pausedUntilMs).toBe(19_000);
  });

  it('after a pause the bucket restarts with one request, not a burst', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ rpm: 600, clock });
    limiter.backoff(1000);
    const times: number[] = [];
    await Promise.all([1, 2, 3].map(async () => { await limiter.acquire(); times.push(clock.t); }));
    expect(times).toEqual([1000, 1100, 1200]);
  });

  it('an aborted signal rejects waiting requests with ABORTED', async () => {
    const limiter = new RateLimiter({ rpm: 1, clock: fakeClock() });
    const c = new AbortController();
    c.abort();
    await expect(limiter.acquire(c.signal)).rejects.toMatchObject({ code: 'ABORTED' });
  });
});

describe('retry delays', () => {
  it.each([
    [1, 0, 250], [1, 0.5, 500], [2, 0.5, 1000], [3, 0.999, 2998], [7, 0.5, 30_000], [12, 0, 15_000],
  ])('retry %i with random %f waits %i ms', (attempt, r, ms) => {
    expect(retryDelayMs(attempt, () => r)).toBe(ms);
  });

  it.each([
    [{ 'retry-after-ms': '1500' }, 1500],
    [{ 'retry-after': '3' }, 3000],
    [{ 'retry-after': '0.25' }, 250],
    [{ 'retry-after': 'Thu, 01 Jan 1970 00:00:10 GMT' }, 4000],
    [{ 'retry-after': 'soon' }, undefined],
    [{}, undefined],
  ])('headers %j → %s ms', (h, ms) => {
    const headers = new Headers(h as Record<string, string>);
    expect(retryAfterFromHeaders(headers, 6000)).toBe(ms);
  });
});

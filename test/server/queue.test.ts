import { describe, expect, it } from 'vitest';
import { EditQueue } from '../../src/server/queue.js';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('EditQueue', () => {
  it('runs at most `concurrency` jobs, in arrival order', async () => {
    const q = new EditQueue({ concurrency: 2, maxQueued: 10 });
    let running = 0, peak = 0;
    const order: number[] = [];
    const job = (i: number) => async () => {
      running++; peak = Math.max(peak, running);
      await tick();
      order.push(i);
      running--;
      return i;
    };
    const results = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => q.reserve().run(job(i))));
    expect(results).toEqual([0, 1, 2, 3, 4, 5]);
    expect(peak).toBe(2);
    expect(order.slice(0, 2).sort()).toEqual([0, 1]);
    expect(q.stats()).toMatchObject({ running: 0, waiting: 0, completed: 6 });
  });

  it('refuses past concurrency + maxQueued with 429 and Retry-After', () => {
    const q = new EditQueue({ concurrency: 1, maxQueued: 1 });
    q.reserve();
    q.reserve();
    try {
      q.reserve();
      expect.unreachable();
    } catch (e) {
      expect(e).toMatchObject({ status: 429, apiCode: 'rate_limit_exceeded', type: 'requests', headers: { 'retry-after': '2', 'retry-after-ms': '2000' } });
    }
    expect(q.stats().rejected).toBe(1);
  });

  it('gives the place back when a waiting request is aborted, and release is idempotent', async () => {
    const q = new EditQueue({ concurrency: 1, maxQueued: 1 });
    let open!: () => void;
    const holder = q.reserve();
    const held = holder.run(() => new Promise<void>((r) => { open = r; }));
    const waiter = q.reserve();
    const controller = new AbortController();
    const waiting = waiter.run(async () => 'never', controller.signal);
    await tick();
    expect(q.stats()).toMatchObject({ running: 1, waiting: 1 });
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'ABORTED' });
    waiter.release();
    expect(q.stats()).toMatchObject({ running: 1, waiting: 0 });
    const next = q.reserve();
    open();
    await held;
    holder.release();
    expect(await next.run(async () => 'ran')).toBe('ran');
    expect(q.stats()).toMatchObject({ running: 0, waiting: 0 });
  });

  it('settles a waiting run() when its ticket is released first (a disconnect hook may run before the abort)', async () => {
    const q = new EditQueue({ concurrency: 1, maxQueued: 1 });
    let open!: () => void;
    const holder = q.reserve();
    const held = holder.run(() => new Promise<void>((r) => { open = r; }));
    const waiter = q.reserve();
    const controller = new AbortController();
    let ran = false;
    const waiting = waiter.run(async () => { ran = true; }, controller.signal);
    await tick();
    waiter.release();
    controller.abort();
    const outcome = await Promise.race([waiting.then(() => 'resolved', (e: unknown) => (e as { code?: string }).code), new Promise((r) => setTimeout(() => r('hung'), 200))]);
    expect(outcome).toBe('ABORTED');
    open();
    await held;
    expect(ran).toBe(false);
    expect(q.stats()).toMatchObject({ running: 0, waiting: 0 });
  });

  it('counts a reserved ticket that never ran until it is released', () => {
    const q = new EditQueue({ concurrency: 1, maxQueued: 0 });
    const t = q.reserve();
    expect(() => q.reserve()).toThrow(/queue is full/);
    t.release();
    expect(() => q.reserve()).not.toThrow();
  });
});

describe('EditQueue admission by pixel cost', () => {
  it('runs jobs while their pixels fit the budget, not merely while slots are free', async () => {
    const q = new EditQueue({ concurrency: 4, maxQueued: 10, pixelBudget: 10_000_000 });
    const opened: (() => void)[] = [];
    const started: string[] = [];
    const job = (name: string) => () => new Promise<string>((r) => { started.push(name); opened.push(() => r(name)); });
    const a = q.reserve(6_000_000).run(job('a'));
    const b = q.reserve(6_000_000).run(job('b'));
    const c = q.reserve(1_000_000).run(job('c'));
    await tick();
    // b does not fit beside a (12 MP > 10 MP); c waits behind b (arrival order, no starvation of big edits).
    expect(started).toEqual(['a']);
    expect(q.stats()).toMatchObject({ running: 1, waiting: 2, pixelsRunning: 6_000_000, pixelBudget: 10_000_000 });
    opened.shift()!();
    expect(await a).toBe('a');
    await tick();
    expect(started).toEqual(['a', 'b', 'c']);
    expect(q.stats()).toMatchObject({ running: 2, waiting: 0, pixelsRunning: 7_000_000 });
    for (const open of opened.splice(0)) open();
    expect(await Promise.all([b, c])).toEqual(['b', 'c']);
    expect(q.stats()).toMatchObject({ running: 0, waiting: 0, pixelsRunning: 0, completed: 3 });
  });

  it('a waiting job that is given up lets the smaller ones behind it run', async () => {
    const q = new EditQueue({ concurrency: 4, maxQueued: 10, pixelBudget: 10 });
    let open!: () => void;
    const holder = q.reserve(6);
    const held = holder.run(() => new Promise<void>((r) => { open = r; }));
    const big = q.reserve(6);
    const controller = new AbortController();
    const bigRun = big.run(async () => 'never', controller.signal);
    const small = q.reserve(4).run(async () => 'small');
    await tick();
    expect(q.stats()).toMatchObject({ running: 1, waiting: 2 });
    controller.abort();
    await expect(bigRun).rejects.toMatchObject({ code: 'ABORTED' });
    expect(await small).toBe('small');
    open();
    await held;
    expect(q.stats()).toMatchObject({ running: 0, waiting: 0, pixelsRunning: 0 });
  });

  it('refuses a request larger than the whole budget with 413 naming the limit and a fix', () => {
    const q = new EditQueue({ concurrency: 2, maxQueued: 2, pixelBudget: 20_000_000 });
    expect(() => q.reserve(25_165_824)).toThrow(expect.objectContaining({
      status: 413, apiCode: 'pixel_budget_exceeded', code: 'PIXEL_BUDGET_EXCEEDED',
      message: 'This edit needs 25.2 MP of decoded images (image and mask together); this server works on at most 20 MP at once.',
      fix: 'send smaller images (downscale the image and its mask), or start the server with a larger --pixel-budget',
    }));
    expect(q.stats()).toMatchObject({ running: 0, waiting: 0 });
  });
});

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

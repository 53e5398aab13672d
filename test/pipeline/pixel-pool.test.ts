/**
 * The pixel worker (src/pipeline/pixel-pool.ts): finish's spillover, blend and stitch run off the main thread
 * with the same bytes and figures as on it, a job can be cancelled, and closing the pool ends its worker.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { edit, type EditOptions } from '../../src/pipeline/edit.js';
import { createPixelPool } from '../../src/pipeline/pixel-pool.js';
import { regionJob, jobRegion, runRegionJob } from '../../src/pipeline/finish-region.js';
import { isMaskeditError } from '../../src/core/errors.js';
import { modelMaskFor } from '../../src/core/composite.js';
import { createEditMask, type Raster } from '../../src/core/raster.js';
import { until } from '../_helpers/wait.js';
import { cast, FINISH_CASES, holeInputs } from '../_helpers/finish-cases.js';

type Rgba = Raster & { channels: 4 };

const pool = createPixelPool();
afterAll(() => pool.close());

describe('finish in the pixel worker = finish on the main thread', () => {
  it.each(FINISH_CASES)('%s: same output bytes, same report', async (_, shape, extra) => {
    const { image, mask } = await holeInputs(shape);
    const base = { image, mask, prompt: 'A test card. Paint the hole green.', provider: cast, ...extra } as EditOptions;
    const here = await edit(base);
    const there = await edit({ ...base, pixels: pool });
    expect(here.report.crops).toHaveLength(shape.holes.length);
    expect(there.outputs).toHaveLength(here.outputs.length);
    here.outputs.forEach((o, i) => expect(Buffer.from(there.outputs[i]!.data).equals(Buffer.from(o.data))).toBe(true));
    expect({ ...there.report, timingsMs: {} }).toEqual({ ...here.report, timingsMs: {} });
    expect(Buffer.from(there.heatmap.data).equals(Buffer.from(here.heatmap.data))).toBe(true);
    here.raw.forEach((r, i) => expect(Buffer.from(there.raw[i]!.data).equals(Buffer.from(r.data))).toBe(true));
    expect(pool.started).toBe(true);
  });

  it('the job over its region gives what it gives over the whole image', () => {
    const W = 120, H = 90;
    const original = { width: W, height: H, channels: 4 as const, data: new Uint8Array(W * H * 4).map((_, i) => (i * 31) & 255) };
    const editMask = createEditMask(W, H), modelMask = createEditMask(W, H);
    for (let y = 30; y < 50; y++) for (let x = 40; x < 70; x++) editMask.data[y * W + x] = 255;
    for (let y = 26; y < 54; y++) for (let x = 36; x < 74; x++) modelMask.data[y * W + x] = 255;
    const box = { x: 30, y: 20, width: 50, height: 40 };
    const patch: Rgba = { width: 50, height: 40, channels: 4, data: new Uint8Array(50 * 40 * 4).map((_, i) => (i * 7) & 255) };
    const whole = { original, editMask, modelMask, outputs: [[{ box, patch }]], boxes: [box], resultBox: box, seam: 'match' as const, direction: 'inward' as const };
    const everywhere = runRegionJob(regionJob(whole, { x: 0, y: 0, width: W, height: H }));
    const region = jobRegion([box], original, undefined);
    expect(region).toEqual({ x: 22, y: 12, width: 66, height: 56 });
    const cut = runRegionJob(regionJob(whole, region));
    expect(cut.outsideChanged).toEqual(everywhere.outsideChanged);
    expect(cut.parts[0]![0]!.outside).toEqual(everywhere.parts[0]![0]!.outside);
    for (let y = 0; y < region.height; y++) {
      const a = cut.outputs[0]!.data.subarray(y * region.width * 4, (y + 1) * region.width * 4);
      const b = everywhere.outputs[0]!.data.subarray(((y + region.y) * W + region.x) * 4, ((y + region.y) * W + region.x + region.width) * 4);
      expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    }
  });
});

describe('the model mask in the pixel worker', () => {
  it.each([0, 3, 8, 12.5])('grow %s: the mask modelMaskFor makes on this thread', async (grow) => {
    const m = createEditMask(90, 70);
    for (let y = 20; y < 45; y++) for (let x = 10 + (y % 7); x < 60; x++) m.data[y * 90 + x] = 255;
    const want = modelMaskFor(m, { grow });
    const got = await pool.modelMask({ ...m, data: new Uint8Array(m.data) }, grow);
    expect([got.width, got.height]).toEqual([90, 70]);
    expect(Buffer.from(got.data).equals(Buffer.from(want.data))).toBe(true);
  });
});

describe('the pool\'s life', () => {
  it('a job cancelled while it runs rejects with the signal\'s reason, and the next job gets a new worker', async () => {
    let release: (() => void) | undefined;
    const held = createPixelPool({ onHold: (r, task) => { if (task === 'finish') release = r; else r(); } });
    try {
      const { image, mask } = await holeInputs({ w: 320, h: 240, holes: [{ cx: 160, cy: 120, r: 30 }] });
      const controller = new AbortController();
      const running = edit({ image, mask, prompt: 'A test card. Paint the hole green.', provider: cast, pixels: held, signal: controller.signal });
      const outcome = running.then(() => 'finished', (e: unknown) => e);
      await until(() => release !== undefined, 'the job to start in the worker');
      controller.abort(new Error('client went away'));
      expect(await outcome).toEqual(new Error('client went away'));
      expect(held.started).toBe(false);
      release = undefined;
      const again = edit({ image, mask, prompt: 'A test card. Paint the hole green.', provider: cast, pixels: held });
      await until(() => release !== undefined, 'the next job to start');
      release!();
      expect((await again).report.finalOutsideChangedPixels).toBe(0);
      expect(held.started).toBe(true);
    } finally {
      await held.close();
    }
  });

  it('close() ends the worker and fails the job it was running with INTERNAL; later jobs are refused', async () => {
    let release: (() => void) | undefined;
    const held = createPixelPool({ onHold: (r, task) => { if (task === 'finish') release = r; else r(); } });
    const { image, mask } = await holeInputs({ w: 320, h: 240, holes: [{ cx: 100, cy: 100, r: 25 }] });
    const running = edit({ image, mask, prompt: 'A test card. Paint the hole green.', provider: cast, pixels: held }).then(() => 'finished', (e: unknown) => e);
    await until(() => release !== undefined, 'the job to start in the worker');
    await held.close();
    const e = await running;
    expect(isMaskeditError(e) && e.code).toBe('INTERNAL');
    expect(held.started).toBe(false);
    const later = await edit({ image, mask, prompt: 'A test card. Paint the hole green.', provider: cast, pixels: held }).then(() => 'finished', (x: unknown) => x);
    expect(isMaskeditError(later) && later.message).toBe('the pixel worker was closed before the job finished');
  });
});

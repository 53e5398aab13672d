/**
 * `batch(..., { openaiBatch })` end to end against maskedit serve on a real socket: the official SDK uploads the
 * inputs, submits a JSONL of JSON edits to /v1/batches, polls, downloads the output file; each job is then
 * stitched and reported by the one edit() pipeline. Resuming after a kill polls the same batch.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import sharp from 'sharp';
import { batch, type BatchEvent, type BatchOptions } from '../../src/batch/runner.js';
import { BATCH_DISCOUNT } from '../../src/core/prices.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { boxMask, noisyPng } from '../server/_fixtures.js';

const KEY = 'sk-maskedit-openai-batch';
let server: RunningServer;
let filesDir: string;
let client: OpenAI;
let dir: string;

beforeAll(async () => {
  filesDir = await mkdtemp(join(tmpdir(), 'maskedit-ob-files-'));
  server = await startServer({ port: 0, apiKey: KEY, engine: 'telea', logger: false, today: '2026-11-30', files: { dir: filesDir, sweepIntervalMs: 0 } });
  client = new OpenAI({ baseURL: server.baseURL, apiKey: KEY, maxRetries: 0 });
});
afterAll(async () => {
  await server.close();
  await rm(filesDir, { recursive: true, force: true });
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'maskedit-ob-'));
  await writeFile(join(dir, 'img.png'), await noisyPng(256, 192));
  await writeFile(join(dir, 'mask.png'), await boxMask(256, 192, { x: 96, y: 64, w: 48, h: 40 }));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const jobs = (ids: string[]) => ids.map((id) => ({ id, image: join(dir, 'img.png'), mask: join(dir, 'mask.png'), prompt: 'A plain studio wall. Preserve the lighting. Do not change anything else.', model: 'gpt-image-1.5', quality: 'low' }));
const opts = (o: Partial<BatchOptions> = {}): BatchOptions => ({ outdir: join(dir, 'out'), today: '2026-11-30', defaults: { provider: 'openai' }, openai: { apiKey: KEY, baseURL: server.baseURL }, openaiBatch: { pollMs: 20 }, contactSheet: false, ...o });
async function collect(it: AsyncIterable<BatchEvent>, onEvent?: (e: BatchEvent) => void): Promise<BatchEvent[]> {
  const out: BatchEvent[] = [];
  for await (const e of it) { out.push(e); onEvent?.(e); }
  return out;
}
const end = (evs: BatchEvent[]) => evs.find((e): e is Extract<BatchEvent, { type: 'end' }> => e.type === 'end')!;
const batchEvents = (evs: BatchEvent[]) => evs.filter((e): e is Extract<BatchEvent, { type: 'openai-batch' }> => e.type === 'openai-batch');
const batchCount = async () => (await client.batches.list({ limit: 100 })).data.length;

describe('batch --openai-batch against maskedit serve', () => {
  it('submits one batch, stitches each result strictly, costs half of the same edit sent one by one', async () => {
    const before = await batchCount();
    const evs = await collect(batch(jobs(['a', 'b']), opts()));
    const s = end(evs).summary;
    expect([s.total, s.done, s.failed]).toEqual([2, 2, 0]);
    expect(await batchCount()).toBe(before + 1);
    const ids = new Set(batchEvents(evs).map((e) => e.batchId));
    expect(ids.size).toBe(1);
    expect(batchEvents(evs).at(-1)).toMatchObject({ status: 'completed', completed: 2, failed: 0, total: 2 });
    // The pipeline's strict stitch: every pixel outside the mask is the input's.
    const input = await sharp(join(dir, 'img.png')).ensureAlpha().raw().toBuffer();
    const output = await sharp(join(dir, 'out/a.png')).ensureAlpha().raw().toBuffer();
    const mask = await sharp(join(dir, 'mask.png')).ensureAlpha().raw().toBuffer();
    let outsideChanged = 0, insideChanged = 0;
    for (let i = 0; i < input.length; i += 4) {
      const same = input[i] === output[i] && input[i + 1] === output[i + 1] && input[i + 2] === output[i + 2];
      if (mask[i + 3] === 255 && !same) outsideChanged++;
      if (mask[i + 3] === 0 && !same) insideChanged++;
    }
    expect(outsideChanged).toBe(0);
    expect(insideChanged).toBeGreaterThan(100);
    const report = JSON.parse(await readFile(join(dir, 'out/a.report.json'), 'utf8')) as { provider: string; surface: string };
    expect([report.provider, report.surface]).toEqual(['openai', 'json']);
    // Half of what the same job costs sent on its own (same server, same usage).
    const single = end(await collect(batch(jobs(['a']), opts({ outdir: join(dir, 'single'), openaiBatch: undefined, defaults: { provider: 'openai', surface: 'json' } })))).summary;
    expect(single.costUsd).toBeGreaterThan(0);
    expect(s.jobs[0]!.costUsd).toBeCloseTo(single.costUsd * BATCH_DISCOUNT.factor, 9);
    // A rerun sends nothing.
    const again = await collect(batch(jobs(['a', 'b']), opts()));
    expect(batchEvents(again)).toEqual([]);
    expect(end(again).summary.done).toBe(2);
    expect(await batchCount()).toBe(before + 1);
  });

  it('killed while the batch runs: the rerun polls the same batch (journal) instead of submitting again', async () => {
    const before = await batchCount();
    const ac = new AbortController();
    let submitted: string | undefined;
    const first = await collect(batch(jobs(['k1', 'k2', 'k3']), opts({ signal: ac.signal })), (e) => {
      if (e.type === 'openai-batch' && !submitted) { submitted = e.batchId; ac.abort(); }
    });
    expect(end(first).interrupted).toBe(true);
    expect(end(first).summary.jobs.map((j) => j.code)).toEqual(['BATCH_INTERRUPTED', 'BATCH_INTERRUPTED', 'BATCH_INTERRUPTED']);
    expect(await batchCount()).toBe(before + 1);
    const second = await collect(batch(jobs(['k1', 'k2', 'k3']), opts()));
    expect(batchEvents(second)[0]).toMatchObject({ batchId: submitted, resumed: true });
    expect(end(second).summary).toMatchObject({ done: 3, failed: 0 });
    expect(await batchCount()).toBe(before + 1);
  });

  it('an expired batch: jobs fail BATCH_OPENAI_EXPIRED, not permanently; the rerun submits them again', async () => {
    const short = await startServer({ port: 0, apiKey: KEY, engine: 'telea', logger: false, today: '2026-11-30', files: { dir: await mkdtemp(join(tmpdir(), 'maskedit-ob-exp-')), sweepIntervalMs: 0 }, batches: { windowMs: 0 } });
    try {
      const evs = await collect(batch(jobs(['x']), opts({ openai: { apiKey: KEY, baseURL: short.baseURL } })));
      expect(end(evs).summary.jobs.map((j) => [j.id, j.status, j.code])).toEqual([['x', 'failed', 'BATCH_OPENAI_EXPIRED']]);
      expect(evs.find((e) => e.type === 'job-failed')).toMatchObject({ permanent: false });
      const rerun = await collect(batch(jobs(['x']), opts({ openai: { apiKey: KEY, baseURL: short.baseURL } })));
      expect(batchEvents(rerun)[0]).toMatchObject({ resumed: false });
    } finally {
      // A keep-alive socket of the SDK client could hold close() open (seen under load): close them all.
      const closing = short.close();
      short.app.server.closeAllConnections();
      await closing;
    }
  });

  it('refuses --queue with --openai-batch, and --max-cost with --queue (BATCH_OPTION_INVALID)', async () => {
    await expect(collect(batch(jobs(['q']), opts({ queue: 'redis://127.0.0.1:1' })))).rejects.toMatchObject({ code: 'BATCH_OPTION_INVALID' });
    await expect(collect(batch(jobs(['q']), opts({ openaiBatch: undefined, queue: 'redis://127.0.0.1:1', maxCostUsd: 1 })))).rejects.toMatchObject({ code: 'BATCH_OPTION_INVALID' });
  });
});

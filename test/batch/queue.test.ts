import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batch } from '../../src/batch/runner.js';
import { connectionFrom, parseFailure, startWorker } from '../../src/batch/queue.js';
import { collect, endOf, jobsIn, scripted, type Outcome } from '../_helpers/batch.js';
import { BIN, runCli } from '../_helpers/cli.js';
import { startRedis, type RedisServer } from '../_helpers/redis.js';
import { startStandin, type Standin } from '../_helpers/openai-standin.js';
import { gradient, maskRaster, png } from '../_helpers/images.js';


let redis: RedisServer;
let standin: Standin;
let dir: string;
beforeAll(async () => {
  redis = await startRedis();
  standin = await startStandin({ latencyMs: 1500 });
  dir = await mkdtemp(join(tmpdir(), 'maskedit-queue-'));
  await writeFile(join(dir, 'img.png'), await png(gradient(64, 64)));
  await writeFile(join(dir, 'img.mask.png'), await png(maskRaster({ width: 64, height: 64, boxes: [{ x: 20, y: 20, width: 20, height: 16 }] })));
});
afterAll(async () => {
  await standin?.close();
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

const jobs = (ids: string[], extra: Record<string, unknown> = {}) => jobsIn(dir, 'img.mask.png', ids, extra);
const end = endOf;

describe('batch on BullMQ (Debian redis-server)', () => {
  it('runs every job on local workers, writes the summary, and a rerun enqueues nothing new', async () => {
    const provider = scripted();
    const url = `${redis.url}/1`;
    const opts = { outdir: join(dir, 'q1'), queue: url, workers: 2, concurrency: 2, pollMs: 100, defaults: { provider: 'openai' as const }, providerFactory: async () => provider, contactSheet: false };
    const evs = await collect(batch(jobs(['a', 'b', 'c', 'd', 'e']), opts));
    expect(end(evs).summary).toMatchObject({ total: 5, done: 5, failed: 0 });
    expect(end(evs).summary.jobs.map((j) => [j.id, j.status, j.output])).toEqual(['a', 'b', 'c', 'd', 'e'].map((id) => [id, 'done', join(dir, `q1/${id}.png`)]));
    expect(JSON.parse(await readFile(join(dir, 'q1/summary.json'), 'utf8')).done).toBe(5);
    expect([...provider.calls].sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    const again = await collect(batch(jobs(['a', 'b', 'c', 'd', 'e']), opts));
    expect(again[0]).toMatchObject({ type: 'start', alreadyDone: 5, pending: 0 });
    expect(provider.calls).toHaveLength(5);
    const status = await runCli(['batch', 'status', '--queue', url, '--json']);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toEqual({ waiting: 0, active: 0, delayed: 0, completed: 5, failed: 0, prioritized: 0, rateLimitedForMs: 0 });
  });

  it('a 429 rate-limits the queue and the job still completes; 5xx is retried; a 400 fails once with its code', async () => {
    const provider = scripted({ r: [{ status: 429, code: 'rate_limit_exceeded', retryAfter: '0.2' }, 'ok'], t: [{ status: 503 }, 'ok'], p: [{ status: 400, code: 'invalid_value' }] });
    const evs = await collect(batch(jobs(['r', 't', 'p']), { outdir: join(dir, 'q2'), queue: `${redis.url}/2`, workers: 1, concurrency: 1, pollMs: 100, defaults: { provider: 'openai' }, providerFactory: async () => provider, contactSheet: false }));
    const s = end(evs).summary;
    expect(s.jobs.map((j) => [j.id, j.status, j.code])).toEqual([['r', 'done', undefined], ['t', 'done', undefined], ['p', 'failed', 'OPENAI_INVALID_VALUE']]);
    expect(s.jobs[1]!.attempts).toBe(2);
    expect(provider.calls.filter((c) => c === 'p')).toEqual(['p']);
    expect(provider.calls.filter((c) => c === 'r')).toEqual(['r', 'r']);
  });

  it('a worker killed with SIGKILL: its jobs are picked up by another worker (stalled-job detection)', async () => {
    const url = `${redis.url}/3`;
    const worker = spawn(process.execPath, [BIN, 'worker', '--queue', url, '--concurrency', '3', '--lock-ms', '1000'], {
      // dall-e-2 (tiny, fast) is judged on a day it still served (it shut down on 2026-05-12).
      env: { PATH: process.env.PATH, HOME: process.env.HOME, OPENAI_API_KEY: 'k', OPENAI_BASE_URL: standin.url, MASKEDIT_TODAY: '2026-01-01' }, stdio: ['ignore', 'ignore', 'pipe'],
    });
    const exited = new Promise<void>((r) => worker.on('close', () => r()));
    const running = collect(batch(jobs(['s1', 's2', 's3', 's4'], { model: 'dall-e-2', size: '256x256' }), { outdir: join(dir, 'q3'), queue: url, workers: 0, pollMs: 100, today: '2026-01-01', defaults: { provider: 'openai' }, openai: { apiKey: 'k', baseURL: standin.url }, contactSheet: false }));
    // Wait until the child worker has sent 3 jobs (they take 1.5 s each at the stand-in), then kill it.
    for (let i = 0; i < 600 && standin.accepted.filter((a) => a.id.startsWith('s')).length < 3; i++) await new Promise((r) => setTimeout(r, 50));
    expect(standin.accepted.filter((a) => a.id.startsWith('s')).length).toBeGreaterThanOrEqual(3);
    worker.kill('SIGKILL');
    await exited;
    const rescuer = startWorker({ queue: url, concurrency: 4, lockMs: 1000, today: '2026-01-01', openai: { apiKey: 'k', baseURL: standin.url } });
    try {
      const s = end(await running).summary;
      expect(s).toMatchObject({ total: 4, done: 4, failed: 0 });
    } finally {
      await rescuer.worker.close();
    }
  });

  it.each([
    ['http://127.0.0.1:6379', 'BATCH_QUEUE_URL_INVALID'],
    ['not a url', 'BATCH_QUEUE_URL_INVALID'],
  ])('--queue %s → %s', (url, code) => {
    expect(() => connectionFrom(url)).toThrow(expect.objectContaining({ code }));
  });

  it('an unreachable Redis is BATCH_QUEUE_UNREACHABLE (exit 1), --workers without --queue a usage error', async () => {
    const r = await runCli(['batch', 'status', '--queue', 'redis://127.0.0.1:1', '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error.code).toBe('BATCH_QUEUE_UNREACHABLE');
    const u = await runCli(['batch', 'x.jsonl', '-o', 'o', '--workers', '2']);
    expect(u.code).toBe(2);
    expect(u.stderr).toContain('--workers needs --queue');
  });
});

describe('parseFailure: BullMQ failedReason → job code', () => {
  it.each([
    ['{"code":"OPENAI_INVALID_VALUE","message":"bad","fix":"f"}', { code: 'OPENAI_INVALID_VALUE', message: 'bad', fix: 'f' }],
    ['{"code":"MASK_EMPTY","message":"empty"}', { code: 'MASK_EMPTY', message: 'empty' }],
    ['job stalled more than allowable limit', { code: 'BATCH_QUEUE_JOB_FAILED', message: 'job stalled more than allowable limit', fix: "see the worker's output; rerun the batch to try again" }],
    ['{"code":1}', { code: 'BATCH_QUEUE_JOB_FAILED', message: '{"code":1}', fix: "see the worker's output; rerun the batch to try again" }],
    [undefined, { code: 'BATCH_QUEUE_JOB_FAILED', message: 'the job failed on the queue', fix: "see the worker's output; rerun the batch to try again" }],
  ])('%j', (reason, expected) => {
    expect(parseFailure(reason)).toEqual(expected);
  });
});

import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { batch, classify, type BatchOptions } from '../../src/batch/runner.js';
import type { Clock } from '../../src/batch/limiter.js';
import type { Provider } from '../../src/providers/provider.js';
import { collect, endOf, jobsIn, scripted as scriptedProvider, type Outcome } from '../_helpers/batch.js';
import { gradient, maskRaster, png } from '../_helpers/images.js';

/** The scripted provider, answering with the edited pixels painted magenta. */
const scripted = (script: Record<string, Outcome[]> = {}) => scriptedProvider(script, { paint: true });


function instantClock(): Clock & { sleeps: number[] } {
  let t = 1_000_000;
  const sleeps: number[] = [];
  return { sleeps, now: () => t, sleep: async (ms) => { sleeps.push(ms); t += ms; } };
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'maskedit-batch-'));
  await writeFile(join(dir, 'img.png'), await png(gradient(64, 48)));
  await writeFile(join(dir, 'mask.png'), await png(maskRaster({ width: 64, height: 48, boxes: [{ x: 20, y: 10, width: 16, height: 12 }] })));
  await writeFile(join(dir, 'small.mask.png'), await png(maskRaster({ width: 32, height: 24, boxes: [{ x: 2, y: 2, width: 8, height: 8 }] })));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const jobs = (ids: string[], extra: Record<string, unknown> = {}) => jobsIn(dir, 'mask.png', ids, extra);


function run(ids: string[] | ReturnType<typeof jobs>, provider: Provider, opts: Partial<BatchOptions> = {}) {
  const clock = instantClock();
  const list = typeof ids[0] === 'string' ? jobs(ids as string[]) : ids as ReturnType<typeof jobs>;
  return { clock, events: collect(batch(list, { outdir: join(dir, 'out'), defaults: { provider: 'openai' }, providerFactory: async () => provider, clock, random: () => 0.5, contactSheet: false, ...opts })) };
}

const end = endOf;

describe('batch: the happy path and resuming', () => {
  it('runs every job, writes outputs, reports and summaries; a rerun sends nothing again', async () => {
    const provider = scripted();
    const evs = await run(['a', 'b', 'c'], provider, { contactSheet: true }).events;
    const s = end(evs).summary;
    expect({ total: s.total, done: s.done, failed: s.failed }).toEqual({ total: 3, done: 3, failed: 0 });
    expect(s.jobs.map((j) => [j.id, j.status, j.output, j.attempts])).toEqual([
      ['a', 'done', join(dir, 'out/a.png'), 1], ['b', 'done', join(dir, 'out/b.png'), 1], ['c', 'done', join(dir, 'out/c.png'), 1],
    ]);
    expect(Object.keys(s.jobs[0]!)).toEqual(['id', 'status', 'output', 'attempts', 'costUsd']);
    expect(s.costUsd).toBeGreaterThan(0);
    expect(JSON.parse(await readFile(join(dir, 'out/summary.json'), 'utf8'))).toEqual(s);
    expect((await readFile(join(dir, 'out/summary.csv'), 'utf8')).split('\n')[0]).toBe('id,status,output,code,message,attempts,costUsd');
    const report = JSON.parse(await readFile(join(dir, 'out/b.report.json'), 'utf8'));
    expect(report.output).toBe(join(dir, 'out/b.png'));
    expect((await stat(join(dir, 'out/thumbs/c.heatmap.png'))).isFile()).toBe(true);
    expect(await readFile(join(dir, 'out/index.html'), 'utf8')).toContain('<b>3</b> done, <b>0</b> failed of 3');
    expect(provider.calls.sort()).toEqual(['a', 'b', 'c']);

    const again = await run(['a', 'b', 'c'], provider).events;
    expect(again[0]).toMatchObject({ type: 'start', total: 3, pending: 0, alreadyDone: 3 });
    expect(provider.calls).toHaveLength(3);
    expect(end(again).summary.done).toBe(3);
  });

  it('a changed option is a new job; the same id and inputs are not', async () => {
    const provider = scripted();
    await run(['a'], provider).events;
    await run(jobs(['a'], { quality: 'low' }), provider).events;
    expect(provider.calls).toEqual(['a', 'a']);
  });
});

describe('batch: failures', () => {
  it('a 429 storm fails no job: every job waits out Retry-After together and goes again', async () => {
    const storm = () => [{ status: 429, code: 'rate_limit_exceeded', retryAfter: '2' }, { status: 429, code: 'rate_limit_exceeded', retryAfter: '2' }, { status: 429, code: 'rate_limit_exceeded', retryAfter: '2' }, 'ok'] as Outcome[];
    const provider = scripted({ a: storm(), b: storm(), c: storm(), d: storm() });
    const { clock, events } = run(['a', 'b', 'c', 'd'], provider, { retries: 0, concurrency: 4 });
    const evs = await events;
    expect(end(evs).summary).toMatchObject({ done: 4, failed: 0 });
    expect(end(evs).summary.jobs.map((j) => j.attempts)).toEqual([4, 4, 4, 4]);
    expect(evs.filter((e) => e.type === 'rate-limited')).toHaveLength(12);
    expect(evs.filter((e) => e.type === 'rate-limited').map((e) => (e as { waitMs: number }).waitMs)).toEqual(Array(12).fill(2000));
    expect(clock.sleeps).toContain(2000);
  });

  it('5xx is retried with jittered backoff and then succeeds', async () => {
    const provider = scripted({ a: [{ status: 503 }, { status: 500 }, 'ok'] });
    const { clock, events } = run(['a'], provider, { retries: 3 });
    const evs = await events;
    expect(evs.filter((e) => e.type === 'job-retry').map((e) => [(e as { code: string }).code, (e as { waitMs: number }).waitMs])).toEqual([['OPENAI_HTTP_503', 500], ['OPENAI_HTTP_500', 1000]]);
    expect(clock.sleeps).toEqual([500, 1000]);
    expect(end(evs).summary.jobs[0]).toMatchObject({ status: 'done', attempts: 3 });
  });

  it('5xx past --retries fails the job for this run; a rerun tries it again', async () => {
    const provider = scripted({ a: [{ status: 502 }, { status: 502 }] });
    const first = end(await run(['a'], provider, { retries: 1 }).events).summary;
    expect(first.jobs[0]).toMatchObject({ id: 'a', status: 'failed', code: 'OPENAI_HTTP_502', attempts: 2 });
    const second = end(await run(['a'], provider, { retries: 1 }).events).summary;
    expect(second.jobs[0]).toMatchObject({ status: 'done', attempts: 3 });
    expect(provider.calls).toEqual(['a', 'a', 'a']);
  });

  it.each([
    ['a 400 from OpenAI', { status: 400, code: 'invalid_mask_image_format' }, 'OPENAI_INVALID_MASK_IMAGE_FORMAT'],
    ['insufficient_quota (a 429 that waiting does not fix)', { status: 429, code: 'insufficient_quota' }, 'OPENAI_INSUFFICIENT_QUOTA'],
    ['a 401', { status: 401, code: 'invalid_api_key' }, 'OPENAI_INVALID_API_KEY'],
  ])('%s is permanent: reported once, not retried, not sent again on a rerun', async (_name, outcome, code) => {
    const provider = scripted({ a: [outcome as Outcome] });
    const first = end(await run(['a', 'b'], provider, { retries: 3 }).events).summary;
    expect(first.jobs[0]).toMatchObject({ id: 'a', status: 'failed', code, attempts: 1 });
    expect(first).toMatchObject({ done: 1, failed: 1 });
    const second = end(await run(['a', 'b'], provider).events).summary;
    expect(second.jobs[0]).toMatchObject({ status: 'failed', code });
    expect(provider.calls.filter((c) => c === 'a')).toHaveLength(1);
  });

  it('mask doctor errors fail the job before anything is sent', async () => {
    const provider = scripted();
    const list = [...jobs(['ok']), { id: 'bad', image: join(dir, 'img.png'), mask: join(dir, 'small.mask.png'), prompt: 'A studio shot [bad]. Remove the tag.' }];
    const s = end(await run(list, provider).events).summary;
    expect(s.jobs[1]).toMatchObject({ id: 'bad', status: 'failed', code: 'MASK_SIZE_MISMATCH', attempts: 1 });
    expect(provider.calls).toEqual(['ok']);
  });

  it('a missing input fails its job with the io code, the others run', async () => {
    const provider = scripted();
    const list = [...jobs(['ok']), { id: 'gone', image: join(dir, 'nope.png'), mask: join(dir, 'mask.png'), prompt: 'A studio [gone].' }];
    const s = end(await run(list, provider).events).summary;
    expect(s.jobs.map((j) => [j.id, j.status, j.code])).toEqual([['ok', 'done', undefined], ['gone', 'failed', 'IMAGE_NOT_FOUND']]);
  });
});

describe('batch: --max-cost', () => {
  it('estimates before the start, stops sending at the limit, and a rerun with more budget finishes', async () => {
    const provider = scripted();
    const probe = await run(['p'], scripted(), { outdir: join(dir, 'probe') }).events;
    const one = (probe[0] as { estimateUsd: number }).estimateUsd;
    expect(one).toBeGreaterThan(0);
    const evs = await run(['a', 'b', 'c', 'd'], provider, { concurrency: 1, maxCostUsd: one * 2.5 }).events;
    expect(evs[0]).toMatchObject({ type: 'start', estimateUsd: Math.round(one * 4 * 1e6) / 1e6, maxCostUsd: one * 2.5 });
    const s = end(evs).summary;
    expect(s.jobs.map((j) => [j.id, j.status, j.code])).toEqual([['a', 'done', undefined], ['b', 'done', undefined], ['c', 'failed', 'BATCH_BUDGET_REACHED'], ['d', 'failed', 'BATCH_BUDGET_REACHED']]);
    expect(provider.calls).toEqual(['a', 'b']);
    expect(evs.filter((e) => e.type === 'budget-stop').at(-1)).toMatchObject({ unsent: 2 });
    const more = end(await run(['a', 'b', 'c', 'd'], provider, { concurrency: 1, maxCostUsd: one * 10 }).events).summary;
    expect(more).toMatchObject({ done: 4, failed: 0 });
    expect(provider.calls).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('batch: interruption', () => {
  it('an abort stops sending, in-flight jobs go back to pending, and a rerun finishes without resending done ones', async () => {
    const controller = new AbortController();
    const provider = scripted();
    const slow: Provider = { ...provider, async edit(req) { const r = await provider.edit(req); if (req.prompt.includes('[b]')) controller.abort(); return r; } };
    const evs = await run(['a', 'b', 'c', 'd'], slow, { concurrency: 1, signal: controller.signal }).events;
    const e = end(evs);
    expect(e.interrupted).toBe(true);
    expect(e.summary.jobs.map((j) => [j.id, j.status, j.code])).toEqual([['a', 'done', undefined], ['b', 'failed', 'BATCH_INTERRUPTED'], ['c', 'failed', 'BATCH_INTERRUPTED'], ['d', 'failed', 'BATCH_INTERRUPTED']]);
    const again = await run(['a', 'b', 'c', 'd'], provider).events;
    expect(again[0]).toMatchObject({ pending: 3, alreadyDone: 1 });
    expect(end(again).summary.done).toBe(4);
    expect([...provider.calls].sort()).toEqual(['a', 'b', 'b', 'c', 'd']);
  });
});

describe('classify', () => {
  it.each([
    [{ code: 'ABORTED' }, 'aborted'],
    [{ code: 'OPENAI_RATE_LIMIT_EXCEEDED', status: 429 }, 'rate-limited'],
    [{ code: 'OPENAI_HTTP_429', status: 429 }, 'rate-limited'],
    [{ code: 'OPENAI_INSUFFICIENT_QUOTA', status: 429 }, 'permanent'],
    [{ code: 'OPENAI_BILLING_HARD_LIMIT_REACHED', status: 429 }, 'permanent'],
    [{ code: 'OPENAI_HTTP_500', status: 500 }, 'transient'],
    [{ code: 'OPENAI_HTTP_503', status: 503 }, 'transient'],
    [{ code: 'OPENAI_HTTP_408', status: 408 }, 'transient'],
    [{ code: 'OPENAI_HTTP_409', status: 409 }, 'transient'],
    [{ code: 'OPENAI_TIMEOUT' }, 'transient'],
    [{ code: 'OPENAI_CONNECTION' }, 'transient'],
    [{ code: 'OPENAI_INVALID_MASK_IMAGE_FORMAT', status: 400 }, 'permanent'],
    [{ code: 'OPENAI_HTTP_404', status: 404 }, 'permanent'],
    [{ code: 'MASK_SIZE_MISMATCH' }, 'permanent'],
    [{ code: 'PROMPT_EMPTY' }, 'permanent'],
  ])('%j → %s', (e, kind) => {
    expect(classify(e)).toBe(kind);
  });
});

describe('batch: codes of unusable options, folders and crashing jobs', () => {
  it('BATCH_OUTDIR_UNUSABLE: OUTDIR under a regular file', async () => {
    await writeFile(join(dir, 'afile'), 'x');
    const e = await run(['a'], scripted(), { outdir: join(dir, 'afile', 'out') }).events.catch((x: unknown) => x) as { code: string; message: string; fix: string };
    expect([e.code, e.message, e.fix]).toEqual(['BATCH_OUTDIR_UNUSABLE', `cannot create the output folder ${join(dir, 'afile', 'out')} (ENOTDIR)`, 'pass -o a folder you can write to']);
  });

  it('BATCH_JOURNAL_UNUSABLE: OUTDIR/.maskedit is a file, not a folder', async () => {
    await mkdir(join(dir, 'out'));
    await writeFile(join(dir, 'out', '.maskedit'), 'not a folder');
    const e = await run(['a'], scripted()).events.catch((x: unknown) => x) as { code: string; message: string };
    expect(e.code).toBe('BATCH_JOURNAL_UNUSABLE');
    expect(e.message).toMatch(/^cannot open the batch journal .*journal\.sqlite \(EEXIST/);
  });

  it.each([0, -1, 1.5])('BATCH_OPTION_INVALID: concurrency %s', async (concurrency) => {
    const e = await run(['a'], scripted(), { concurrency }).events.catch((x: unknown) => x) as { code: string; message: string };
    expect([e.code, e.message]).toEqual(['BATCH_OPTION_INVALID', `concurrency must be a whole number >= 1, received ${concurrency}`]);
  });

  it('BATCH_JOB_CRASHED: a provider that throws a plain error fails that job permanently, the others run', async () => {
    const ok = scripted();
    const crashing: Provider = { name: 'openai', surface: 'images', async edit(req) { if (req.prompt.includes('[boom]')) throw new TypeError('x is not a function'); return ok.edit(req); } };
    const evs = await run(['a', 'boom'], crashing).events;
    expect(end(evs).summary.jobs.map((j) => [j.id, j.status, j.code, j.message])).toEqual([
      ['a', 'done', undefined, undefined], ['boom', 'failed', 'BATCH_JOB_CRASHED', 'the job failed unexpectedly: x is not a function'],
    ]);
    expect(evs.find((e) => e.type === 'job-failed')).toMatchObject({ permanent: true, fix: 'rerun with MASKEDIT_DEBUG=1 and report the output' });
  });
});

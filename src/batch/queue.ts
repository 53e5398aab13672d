/**
 * Scale-out on BullMQ (Redis): `maskedit batch … --queue redis://HOST:PORT` puts each job on the queue
 * `maskedit-batch` instead of running it from the embedded journal; workers (`--workers N` in the same process, or
 * `maskedit worker --queue URL` on any machine) take jobs and run them with the same {@link executeJob} as the
 * local runner. BullMQ carries what a distributed batch needs:
 * - the rate limit is BullMQ's global limiter on the queue (`setGlobalRateLimit`: ceil(rpm/60) jobs per second),
 *   shared by every worker; a 429 rate-limits the whole queue for the Retry-After (`worker.rateLimit`) and puts
 *   the job back without using an attempt;
 * - 5xx/timeouts are retried by BullMQ (`attempts` = retries + 1, exponential backoff from 0.5 s with jitter);
 *   permanent failures throw `UnrecoverableError`;
 * - a worker that dies holds a lock that expires after `lockDuration`; BullMQ's stalled-job check moves its jobs
 *   back to waiting and another worker runs them;
 * - job ids are `<batch>-<key>` (the journal's key), so enqueueing the same batch again adds nothing that exists:
 *   done jobs are never sent again.
 * Outputs are written by the worker to the batch's OUTDIR (an absolute path): every worker must reach it (a
 * shared disk or mount at the same path).
 */
import { Queue, UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { createProvider, type Provider, type ProviderName, type Surface } from '../providers/index.js';
import { BatchError, type BatchJob } from './jobs.js';
import { retryAfterFromHeaders } from './limiter.js';
import { asError, classify, executeJob, round6, writeSummaries, type BatchEvent, type BatchOptions, type BatchSummary, type JobSummary, type Prepared } from './runner.js';

export const QUEUE_NAME = 'maskedit-batch';

/** What a queued job carries: everything a worker on another machine needs, never a secret. */
export interface QueuedJob {
  batchId: string;
  outdir: string;
  prepared: Omit<Prepared, 'readError'> & { readError?: { code: string; message: string; fix: string | undefined } };
  defaults: Partial<BatchJob['options']>;
  contactSheet: boolean;
}

export interface QueuedResult {
  output: string;
  costUsd: number;
  verdict: string;
  ms: number;
}

/** `redis://[user:pass@]host:port[/db]` → ioredis options. Throws BATCH_QUEUE_URL_INVALID. */
export function connectionFrom(url: string): ConnectionOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new BatchError('BATCH_QUEUE_URL_INVALID', `--queue expects redis://HOST:PORT, received ${JSON.stringify(url)}`, '--queue redis://127.0.0.1:6379');
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new BatchError('BATCH_QUEUE_URL_INVALID', `--queue expects a redis:// or rediss:// URL, received ${u.protocol}//…`, '--queue redis://127.0.0.1:6379');
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  return {
    host: u.hostname || '127.0.0.1', port: u.port ? Number(u.port) : 6379, db: Number.isInteger(db) ? db : 0,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}), ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    // BullMQ workers block on Redis; they must retry forever rather than give up after 20 tries.
    maxRetriesPerRequest: null,
  };
}

const redactUrl = (url: string) => url.replace(/\/\/[^@/]*@/, '//…@');

async function reachable(queue: Queue, url: string): Promise<void> {
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer in 5 s')), 5000).unref());
  try {
    await Promise.race([queue.getJobCounts('waiting'), timeout]);
  } catch (e) {
    await queue.close().catch(() => {});
    throw new BatchError('BATCH_QUEUE_UNREACHABLE', `cannot reach Redis at ${redactUrl(url)} (${(e as Error).message})`, 'start it (`redis-server --port 6379`) or check --queue');
  }
}

export interface QueueBatchOptions extends BatchOptions {
  queue: string;
  /** Workers in this process (default 1; 0: only enqueue and wait for other workers). */
  workers?: number;
  /** Lock of a job on a worker; a dead worker's jobs are picked up this long after it died (default 30 s). */
  lockMs?: number;
}

/** The batch id: the same job list into the same OUTDIR is the same batch (so a rerun resumes it). */
export function batchIdFor(prepared: readonly Prepared[], outdir: string): string {
  const h = createHash('sha256').update(resolve(outdir));
  for (const p of prepared) h.update('\0').update(p.key);
  return h.digest('hex').slice(0, 16);
}

/** Enqueues the prepared jobs, runs `workers` local workers, and yields events until every job has finished. */
export async function* queueBatch(prepared: Prepared[], opts: QueueBatchOptions): AsyncGenerator<BatchEvent, BatchSummary> {
  const connection = connectionFrom(opts.queue);
  const queue = new Queue(QUEUE_NAME, { connection });
  // Connection errors surface as BATCH_QUEUE_UNREACHABLE (below) or as failed calls, not as stray log lines.
  queue.on('error', () => {});
  await reachable(queue, opts.queue);
  const outdir = resolve(opts.outdir);
  const batchId = batchIdFor(prepared, outdir);
  const workers: Worker[] = [];
  try {
    if (opts.rpm) await queue.setGlobalRateLimit(Math.max(1, Math.ceil(opts.rpm / 60)), 1000);
    else await queue.removeGlobalRateLimit();
    const retries = opts.retries ?? 3;
    const idOf = (p: Prepared) => `${batchId}-${p.key.slice(0, 32)}`;
    const existing = await Promise.all(prepared.map(async (p) => (await queue.getJob(idOf(p)))?.finishedOn !== undefined));
    await queue.addBulk(prepared.map((p) => ({
      name: p.job.id,
      data: {
        batchId, outdir, defaults: opts.defaults ?? {}, contactSheet: opts.contactSheet !== false,
        prepared: { job: p.job, key: p.key, estimateUsd: p.estimateUsd, billed: p.billed, ...(p.readError !== undefined ? { readError: { ...asError(p.readError) } } : {}) },
      } satisfies QueuedJob,
      opts: { jobId: idOf(p), attempts: retries + 1, backoff: { type: 'exponential', delay: 500, jitter: 0.5 }, removeOnComplete: false, removeOnFail: false },
    })));
    const alreadyDone = existing.filter(Boolean).length;
    yield { type: 'start', total: prepared.length, pending: prepared.length - alreadyDone, alreadyDone, recovered: 0, estimateUsd: round6(prepared.filter((p) => p.billed).reduce((s, p) => s + p.estimateUsd, 0)), journal: `${redactUrl(opts.queue)} ${QUEUE_NAME} batch ${batchId}` };
    for (let i = 0; i < (opts.workers ?? 1); i++) {
      workers.push(startWorker({ queue: opts.queue, concurrency: opts.concurrency ?? 4, ...(opts.lockMs ? { lockMs: opts.lockMs } : {}), ...(opts.openai ? { openai: opts.openai } : {}), ...(opts.providerFactory ? { providerFactory: opts.providerFactory } : {}) }).worker);
    }
    const finished = new Map<string, JobSummary>();
    const verdicts = new Map<string, string>();
    const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
    while (finished.size < prepared.length) {
      if (opts.signal?.aborted) break;
      for (const p of prepared) {
        if (finished.has(p.key)) continue;
        // State first, then the job: a job read before it completed would have no return value yet.
        const state = await queue.getJobState(idOf(p));
        if (state !== 'completed' && state !== 'failed') continue;
        const job = await queue.getJob(idOf(p));
        if (!job) continue;
        if (state === 'completed') {
          const r = job.returnvalue as QueuedResult;
          const s: JobSummary = { id: p.job.id, status: 'done', output: r.output, attempts: Math.max(1, job.attemptsStarted ?? job.attemptsMade), costUsd: round6(r.costUsd) };
          finished.set(p.key, s);
          verdicts.set(p.key, r.verdict);
          yield { type: 'job-done', id: p.job.id, output: r.output, costUsd: s.costUsd, ms: r.ms, verdict: r.verdict, attempts: s.attempts };
        } else if (state === 'failed') {
          const e = parseFailure(job.failedReason);
          const s: JobSummary = { id: p.job.id, status: 'failed', code: e.code, message: e.message, attempts: Math.max(1, job.attemptsMade), costUsd: 0 };
          finished.set(p.key, s);
          yield { type: 'job-failed', id: p.job.id, code: e.code, message: e.message, ...(e.fix ? { fix: e.fix } : {}), permanent: true, attempts: s.attempts };
        }
      }
      if (finished.size < prepared.length) await sleep(opts.pollMs ?? 500);
    }
    const interrupted = Boolean(opts.signal?.aborted);
    const jobs = prepared.map((p) => finished.get(p.key) ?? { id: p.job.id, status: 'failed' as const, code: 'BATCH_INTERRUPTED', message: 'not finished when this command stopped waiting; it stays on the queue and workers keep running it; rerun the same command to wait again', attempts: 0, costUsd: 0 });
    const done = jobs.filter((j) => j.status === 'done').length;
    const summary: BatchSummary = { total: jobs.length, done, failed: jobs.length - done, costUsd: round6(jobs.reduce((s, j) => s + j.costUsd, 0)), jobs };
    const byKey = new Map(prepared.map((p, i) => [p.key, jobs[i]!]));
    const fixes = new Map<string, string | null>();
    for (const p of prepared) {
      const j = await queue.getJob(idOf(p));
      fixes.set(p.key, j?.failedReason ? parseFailure(j.failedReason).fix ?? null : null);
    }
    await writeSummaries(outdir, summary, prepared, (p) => ({ verdict: byKey.get(p.key)?.status === 'done' ? verdicts.get(p.key) ?? null : null, fix: fixes.get(p.key) ?? null }));
    yield { type: 'end', summary, interrupted, outdir };
    return summary;
  } finally {
    await Promise.all(workers.map((w) => w.close()));
    await queue.close();
  }
}

/** Failures travel through BullMQ's failedReason as JSON `{ code, message, fix }`. */
export function parseFailure(reason: string | undefined): { code: string; message: string; fix?: string } {
  try {
    const v = JSON.parse(reason ?? '') as { code?: unknown; message?: unknown; fix?: unknown };
    if (typeof v.code === 'string' && typeof v.message === 'string') return { code: v.code, message: v.message, ...(typeof v.fix === 'string' ? { fix: v.fix } : {}) };
  } catch { /* not ours: BullMQ's own reason (e.g. "job stalled more than allowable limit") */ }
  return { code: 'BATCH_QUEUE_JOB_FAILED', message: reason ?? 'the job failed on the queue', fix: 'see the worker\'s output; rerun the batch to try again' };
}

export interface WorkerOptions {
  queue: string;
  /** The date models are judged on (YYYY-MM-DD); default: the clock. */
  today?: string;
  concurrency?: number;
  lockMs?: number;
  openai?: { apiKey?: string | undefined; baseURL?: string | undefined; responsesModel?: string | undefined };
  providerFactory?: BatchOptions['providerFactory'];
  onEvent?: (e: { type: 'done' | 'failed' | 'rate-limited'; id: string; code?: string; waitMs?: number }) => void;
}

/**
 * A BullMQ worker that runs maskedit batch jobs until closed.
 *
 * @example
 * const { worker } = startWorker({ queue: 'redis://127.0.0.1:6379', concurrency: 4 });
 * process.on('SIGINT', () => void worker.close());
 */
export function startWorker(opts: WorkerOptions): { worker: Worker } {
  const connection = connectionFrom(opts.queue);
  const providers = new Map<string, Promise<Provider>>();
  const providerFor = (o: { provider: ProviderName; surface?: Surface; engine?: string }) => {
    const k = `${o.provider}|${o.surface ?? ''}|${o.engine ?? ''}`;
    if (!providers.has(k)) {
      providers.set(k, opts.providerFactory ? opts.providerFactory(o) : createProvider({
        provider: o.provider, ...(o.surface ? { surface: o.surface } : {}), ...(o.engine ? { engine: o.engine } : {}), maxRetries: 0,
        ...(opts.openai?.apiKey ? { apiKey: opts.openai.apiKey } : {}), ...(opts.openai?.baseURL ? { baseURL: opts.openai.baseURL } : {}), ...(opts.openai?.responsesModel ? { responsesModel: opts.openai.responsesModel } : {}),
      }));
    }
    return providers.get(k)!;
  };
  const lockDuration = opts.lockMs ?? 30_000;
  const worker: Worker = new Worker(QUEUE_NAME, async (job: Job<QueuedJob>): Promise<QueuedResult> => {
    const d = job.data;
    if (d.prepared.readError) throw new UnrecoverableError(JSON.stringify(d.prepared.readError));
    const t0 = Date.now();
    try {
      const o = { ...d.defaults, ...d.prepared.job.options };
      const provider = await providerFor({ provider: (o.provider ?? 'local') as ProviderName, ...(o.surface ? { surface: o.surface } : {}), ...(o.engine ? { engine: o.engine } : {}) });
      const r = await executeJob(d.prepared as Prepared, { outdir: d.outdir, provider, defaults: d.defaults, contactSheet: d.contactSheet, ...(opts.today ? { today: opts.today } : {}) });
      opts.onEvent?.({ type: 'done', id: d.prepared.job.id });
      return { output: r.output, costUsd: round6(r.cost), verdict: r.result.report.spillover.verdict, ms: Date.now() - t0 };
    } catch (err) {
      const e = asError(err);
      const kind = classify(e);
      if (kind === 'rate-limited') {
        // The whole queue waits (every worker), and this job goes back without using an attempt.
        const waitMs = retryAfterFromHeaders((err as { cause?: { headers?: Headers } }).cause?.headers) ?? 1000;
        await worker.rateLimit(waitMs);
        opts.onEvent?.({ type: 'rate-limited', id: d.prepared.job.id, waitMs });
        throw Worker.RateLimitError();
      }
      opts.onEvent?.({ type: 'failed', id: d.prepared.job.id, code: e.code });
      const body = JSON.stringify({ code: e.code, message: e.message, fix: e.fix });
      if (kind === 'transient') throw new Error(body);
      throw new UnrecoverableError(body);
    }
  }, { connection, concurrency: opts.concurrency ?? 4, lockDuration, stalledInterval: Math.max(500, Math.floor(lockDuration / 2)), maxStalledCount: 3 });
  // A worker must not crash its process on a Redis hiccup; BullMQ reconnects.
  worker.on('error', () => {});
  return { worker };
}

/** `maskedit batch status --queue URL`: job counts of the queue. */
export async function queueStatus(url: string): Promise<Record<'waiting' | 'active' | 'delayed' | 'completed' | 'failed' | 'prioritized', number> & { rateLimitedForMs: number }> {
  const queue = new Queue(QUEUE_NAME, { connection: connectionFrom(url) });
  queue.on('error', () => {});
  await reachable(queue, url);
  try {
    const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized');
    const ttl = await queue.getRateLimitTtl();
    return { waiting: counts.waiting ?? 0, active: counts.active ?? 0, delayed: counts.delayed ?? 0, completed: counts.completed ?? 0, failed: counts.failed ?? 0, prioritized: counts.prioritized ?? 0, rateLimitedForMs: Math.max(0, ttl) };
  } finally {
    await queue.close();
  }
}


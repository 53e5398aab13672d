/**
 * `batch(jobs, options)`: runs every job of a batch through the same `edit()` pipeline and `writeEditResult`
 * as `maskedit edit`, with a journal that makes reruns resume, N jobs at a time, paced by one shared
 * {@link RateLimiter}, inside a budget. It yields job events as they happen; the last one is `end` with the
 * summary, which is also written to OUTDIR (summary.json, summary.csv, index.html).
 *
 * Failure classes (each job):
 * - 429 (not `insufficient_quota`): everyone backs off together (Retry-After honoured); the job waits and is
 *   sent again — a 429 never fails a job, and does not use up its retries;
 * - 5xx, 408, 409, timeouts, connection errors: retried up to `retries` times with jittered exponential delay;
 *   when they run out the job fails, and a rerun tries it again;
 * - anything else (mask doctor or prompt errors, 4xx, unreadable inputs): permanent, reported and not retried.
 *
 * @example
 * for await (const ev of batch('jobs.jsonl', { outdir: 'out', concurrency: 8, rpm: 300 })) {
 *   if (ev.type === 'job-failed') console.log(ev.id, ev.code);
 * }
 */
import { setMaxListeners } from 'node:events';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { AbortError, isMaskeditError } from '../core/errors.js';
import { estimateCost, formatUsd } from '../core/cost.js';
import { defaultModel, isoDate } from '../core/lifecycle.js';
import { getModel } from '../core/models.js';
import { BATCH_DISCOUNT, pricesFor } from '../core/prices.js';
import { writeFileAtomic } from '../io/atomic.js';
import { probeImage, readInputFile } from '../io/image.js';
import { edit, type EditResult } from '../pipeline/edit.js';
import { writeEditResult } from '../pipeline/write.js';
import { createProvider, type Provider, type ProviderName, type ProviderUsage, type Surface } from '../providers/index.js';
import { ProviderError } from '../providers/errors.js';
import { BatchError, normalizeJobs, readJobs, type BatchJob, type JobSpec } from './jobs.js';
import { Journal, jobKey } from './journal.js';
import { RateLimiter, retryAfterFromHeaders, retryDelayMs, systemClock, type Clock } from './limiter.js';
import { writeThumbnails, writeContactSheet } from './contact-sheet.js';

export interface BatchOptions {
  /** Where outputs, reports, the summary, the contact sheet and the journal (`.maskedit/`) go. */
  outdir: string;
  /** Jobs running at once (default 4). */
  concurrency?: number;
  /** Requests per minute (token bucket); default: unpaced. */
  rpm?: number;
  /** Retries of a 5xx / timeout per job per run (default 3). */
  retries?: number;
  /** Stop sending when the spend would pass this many USD (OpenAI jobs only; the embedded engine is free). */
  maxCostUsd?: number;
  /** For a folder of images. */
  prompt?: string;
  /** Defaults applied to every job before its own options (e.g. provider, model). */
  defaults?: Partial<BatchJob['options']>;
  /** OpenAI key and base URL (the CLI passes its environment's); default: the SDK reads the environment. */
  openai?: { apiKey?: string | undefined; baseURL?: string | undefined; responsesModel?: string | undefined };
  /** Used for OpenAI jobs; the provider's own retries are off, the batch does them. */
  providerFactory?: (o: { provider: ProviderName; surface?: Surface; engine?: string }) => Promise<Provider>;
  /** Consecutive 429s one job tolerates before it fails with the 429's code (default 100). */
  max429?: number;
  /** `redis://HOST:PORT`: run the jobs on BullMQ instead of the embedded journal (see queue.ts). */
  queue?: string;
  /** With `queue`: workers in this process (default 1; 0 = enqueue and wait for remote workers). */
  workers?: number;
  /** With `queue`: how often the enqueuer looks at the jobs' states (default 500 ms). */
  pollMs?: number;
  /** With `queue`: a dead worker's jobs are picked up after this long (BullMQ lockDuration, default 30 s). */
  lockMs?: number;
  /**
   * Send the OpenAI jobs through OpenAI's Batch API (half price, 24 h window) instead of one request each
   * (openai-batch.ts). `pollMs`: first poll interval (default 5 s); `maxWaitMs`: stop waiting (default 25 h).
   */
  openaiBatch?: boolean | { pollMs?: number; maxWaitMs?: number };
  /** Skip the index.html thumbnails (the summary files are always written). */
  contactSheet?: boolean;
  /** The date models are judged on (YYYY-MM-DD; the CLI passes MASKEDIT_TODAY or today); default: the clock. */
  today?: string;
  signal?: AbortSignal;
  clock?: Clock;
  random?: () => number;
}

export interface JobSummary {
  id: string;
  status: 'done' | 'failed';
  output?: string;
  code?: string;
  message?: string;
  attempts: number;
  costUsd: number;
}

export interface BatchSummary {
  total: number;
  done: number;
  failed: number;
  costUsd: number;
  jobs: JobSummary[];
}

export type BatchEvent =
  | { type: 'start'; total: number; pending: number; alreadyDone: number; recovered: number; estimateUsd: number; maxCostUsd?: number; journal: string }
  | { type: 'job-start'; id: string; attempt: number }
  | { type: 'job-done'; id: string; output: string; costUsd: number; ms: number; verdict: string; attempts: number }
  | { type: 'job-failed'; id: string; code: string; message: string; fix?: string; permanent: boolean; attempts: number }
  | { type: 'job-retry'; id: string; code: string; attempt: number; waitMs: number }
  | { type: 'rate-limited'; id: string; waitMs: number }
  | { type: 'openai-batch'; batchId: string; status: string; completed: number; failed: number; total: number; resumed: boolean }
  | { type: 'budget-stop'; spentUsd: number; maxCostUsd: number; unsent: number }
  | { type: 'progress'; done: number; failed: number; running: number; pending: number; spentUsd: number; elapsedMs: number }
  | { type: 'end'; summary: BatchSummary; interrupted: boolean; outdir: string };

export interface Prepared {
  job: BatchJob;
  key: string;
  estimateUsd: number;
  billed: boolean;
  /** Reading the inputs failed: the job fails permanently with this error without being sent. */
  readError?: unknown;
}

/**
 * Runs a batch. `jobs` is a job file or folder path, or job specs (paths relative to the current folder).
 * Throws BATCH_* errors for unusable job lists before anything runs.
 */
export async function* batch(jobs: string | readonly (JobSpec | BatchJob)[], opts: BatchOptions): AsyncGenerator<BatchEvent, BatchSummary> {
  const list = typeof jobs === 'string' ? await readJobs(jobs, opts.prompt !== undefined ? { prompt: opts.prompt } : {})
    : normalizeJobs(jobs.map((j) => ('options' in j && typeof j.options === 'object' ? { id: j.id, image: j.image, mask: j.mask, ...(j as BatchJob).options } : j) as JobSpec), process.cwd());
  const clock = opts.clock ?? systemClock;
  const random = opts.random ?? Math.random;
  const outdir = resolve(opts.outdir);
  const concurrency = opts.concurrency ?? 4;
  const retries = opts.retries ?? 3;
  const max429 = opts.max429 ?? 100;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new BatchError('BATCH_OPTION_INVALID', `concurrency must be a whole number >= 1, received ${concurrency}`, 'use --concurrency 4');
  if (opts.queue && opts.openaiBatch) throw new BatchError('BATCH_OPTION_INVALID', '--openai-batch and --queue cannot be combined: OpenAI runs the batch, there is nothing for workers to do', 'drop --queue (or --openai-batch)');
  if (opts.queue && opts.maxCostUsd !== undefined) throw new BatchError('BATCH_OPTION_INVALID', '--max-cost cannot be used with --queue: workers on other machines spend independently, so the limit could not be kept', 'run without --queue (the embedded journal enforces --max-cost) or leave --max-cost out');
  if (opts.queue) {
    const prepared = await Promise.all(list.map((j) => prepare(j, opts.defaults ?? {}, opts.today)));
    await mkdir(outdir, { recursive: true });
    const { queueBatch } = await import('./queue.js');
    return yield* queueBatch(prepared, { ...opts, queue: opts.queue });
  }
  await mkdir(outdir, { recursive: true }).catch((e: unknown) => {
    throw new BatchError('BATCH_OUTDIR_UNUSABLE', `cannot create the output folder ${outdir} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, 'pass -o a folder you can write to');
  });
  const journal = new Journal(outdir);
  try {
    const prepared = await Promise.all(list.map((j) => prepare(j, opts.defaults ?? {}, opts.today)));
    const { recovered } = journal.prepare(prepared.map((p) => ({ id: p.job.id, key: p.key })));
    const todo = prepared.filter((p) => journal.get(p.key)!.state === 'pending');
    const alreadyDone = prepared.filter((p) => journal.get(p.key)!.state === 'done').length;
    if (opts.openaiBatch) for (const p of prepared) p.estimateUsd *= BATCH_DISCOUNT.factor;
    const estimateUsd = round6(todo.filter((p) => p.billed).reduce((s, p) => s + p.estimateUsd, 0));
    if (opts.openaiBatch) return yield* openaiBatchRun(prepared, todo, { alreadyDone, recovered, estimateUsd, journal, outdir, clock, opts });
    const events: BatchEvent[] = [];
    let wake: (() => void) | undefined;
    const emit = (e: BatchEvent) => { events.push(e); wake?.(); };
    emit({ type: 'start', total: prepared.length, pending: todo.length, alreadyDone, recovered, estimateUsd, ...(opts.maxCostUsd !== undefined ? { maxCostUsd: opts.maxCostUsd } : {}), journal: journal.path });

    const limiter = new RateLimiter({ ...(opts.rpm ? { rpm: opts.rpm } : {}), clock });
    const providers = new Map<string, Promise<Provider>>();
    const providerFor = (o: { provider: ProviderName; surface?: Surface; engine?: string }) => {
      const k = `${o.provider}|${o.surface ?? ''}|${o.engine ?? ''}`;
      if (!providers.has(k)) {
        const made = opts.providerFactory ? opts.providerFactory(o)
          : createProvider({ provider: o.provider, ...(o.surface ? { surface: o.surface } : {}), ...(o.engine ? { engine: o.engine } : {}), maxRetries: 0,
            ...(opts.openai?.apiKey ? { apiKey: opts.openai.apiKey } : {}), ...(opts.openai?.baseURL ? { baseURL: opts.openai.baseURL } : {}), ...(opts.openai?.responsesModel ? { responsesModel: opts.openai.responsesModel } : {}) });
        made.catch(() => providers.delete(k));
        providers.set(k, made);
      }
      return providers.get(k)!;
    };

    const started = clock.now();
    let spent = 0, reserved = 0, running = 0, done = 0, failed = 0, stopped = false;
    const budgetStopped: Prepared[] = [];
    const signal = opts.signal;
    // Every running job and every waiting sleep listens on the one signal: well over Node's default of 10.
    if (signal) setMaxListeners(Math.max(64, concurrency * 8), signal);
    const queue = [...todo];
    const tick = () => emit({ type: 'progress', done, failed, running, pending: queue.length, spentUsd: round6(spent), elapsedMs: clock.now() - started });

    const runOne = async (p: Prepared): Promise<void> => {
      const { job, key } = p;
      if (p.readError !== undefined) {
        const e = asError(p.readError);
        journal.markRunning(key, clock.now());
        journal.markFailed(key, { code: e.code, message: e.message, fix: e.fix, permanent: true, now: clock.now() });
        failed++;
        emit({ type: 'job-failed', id: job.id, code: e.code, message: e.message, ...(e.fix ? { fix: e.fix } : {}), permanent: true, attempts: journal.get(key)!.attempts });
        return;
      }
      let transient = 0, limited = 0;
      for (;;) {
        if (signal?.aborted) return;
        // The budget is checked when a request is about to go, against what is spent and what is in flight.
        if (opts.maxCostUsd !== undefined && p.billed && spent + reserved + p.estimateUsd > opts.maxCostUsd + 1e-9) {
          budgetStopped.push(p);
          if (!stopped) { stopped = true; emit({ type: 'budget-stop', spentUsd: round6(spent), maxCostUsd: opts.maxCostUsd, unsent: 0 }); }
          return;
        }
        if (p.billed) reserved += p.estimateUsd;
        journal.markRunning(key, clock.now());
        const attempt = journal.get(key)!.attempts;
        running++;
        emit({ type: 'job-start', id: job.id, attempt });
        const t0 = clock.now();
        let result: EditResult | undefined;
        try {
          const o = { ...(opts.defaults ?? {}), ...job.options };
          const inner = await providerFor({ provider: (o.provider ?? 'local') as ProviderName, ...(o.surface ? { surface: o.surface } : {}), ...(o.engine ? { engine: o.engine } : {}) });
          // The token is taken right before the request leaves, not before the job's local work (decode, crop,
          // encode): under CPU load that work takes a varying time, and pacing it would clump the requests.
          const provider: Provider = { name: inner.name, surface: inner.surface, ...(inner.native ? { native: inner.native } : {}), edit: async (req) => { await limiter.acquire(signal); return inner.edit(req); } };
          const r = await executeJob(p, { outdir, provider, defaults: opts.defaults ?? {}, contactSheet: opts.contactSheet !== false, ...(opts.today ? { today: opts.today } : {}), ...(signal ? { signal } : {}) });
          const { output, cost } = r;
          result = r.result;
          journal.markDone(key, { output, costUsd: cost, verdict: result.report.spillover.verdict, now: clock.now(), ms: clock.now() - t0 });
          limiter.succeeded();
          spent += cost;
          done++;
          emit({ type: 'job-done', id: job.id, output, costUsd: round6(cost), ms: clock.now() - t0, verdict: result.report.spillover.verdict, attempts: attempt });
          return;
        } catch (err) {
          const e = asError(err);
          const kind = classify(e, signal);
          if (kind === 'aborted') {
            journal.markPending(key);
            return;
          }
          if (kind === 'rate-limited' && ++limited <= max429) {
            const waitMs = limiter.backoff(retryAfterOf(err));
            journal.markPending(key);
            emit({ type: 'rate-limited', id: job.id, waitMs });
            continue;
          }
          if (kind === 'transient' && ++transient <= retries) {
            const waitMs = retryDelayMs(transient, random);
            journal.markPending(key);
            emit({ type: 'job-retry', id: job.id, code: e.code, attempt: transient, waitMs });
            await clock.sleep(waitMs, signal).catch(() => {});
            continue;
          }
          const permanent = kind === 'permanent';
          journal.markFailed(key, { code: e.code, message: e.message, fix: e.fix, permanent, now: clock.now() });
          failed++;
          emit({ type: 'job-failed', id: job.id, code: e.code, message: e.message, ...(e.fix ? { fix: e.fix } : {}), permanent, attempts: attempt });
          return;
        } finally {
          running--;
          if (p.billed) reserved -= p.estimateUsd;
          tick();
        }
      }
    };

    const workers = Array.from({ length: Math.min(concurrency, Math.max(1, queue.length)) }, async () => {
      for (let p = queue.shift(); p; p = queue.shift()) {
        if (signal?.aborted || stopped && p.billed) {
          if (stopped && p.billed && !signal?.aborted) budgetStopped.push(p);
          continue;
        }
        await runOne(p).catch((e: unknown) => {
          if (!(e instanceof AbortError)) throw e;
        });
      }
    });
    let finished = false;
    let crash: unknown;
    const all = Promise.all(workers).catch((e: unknown) => { crash = e; }).finally(() => { finished = true; wake?.(); });
    while (!finished || events.length) {
      if (!events.length) await new Promise<void>((r) => { wake = r; });
      wake = undefined;
      while (events.length) yield events.shift()!;
    }
    await all;
    if (crash) throw crash;

    const interrupted = Boolean(signal?.aborted);
    const summary = summarize(prepared, journal, budgetStopped, opts.maxCostUsd);
    await writeSummaries(outdir, summary, prepared, journal);
    if (stopped) {
      const unsent = budgetStopped.length;
      yield { type: 'budget-stop', spentUsd: round6(spent), maxCostUsd: opts.maxCostUsd!, unsent };
    }
    yield { type: 'end', summary, interrupted, outdir };
    return summary;
  } finally {
    journal.close();
  }
}

/** `--openai-batch`: the jobs within the budget go to OpenAI's Batch API as one batch (openai-batch.ts). */
async function* openaiBatchRun(prepared: Prepared[], todo: Prepared[], o: { alreadyDone: number; recovered: number; estimateUsd: number; journal: Journal; outdir: string; clock: Clock; opts: BatchOptions }): AsyncGenerator<BatchEvent, BatchSummary> {
  const { opts, journal, clock } = o;
  yield { type: 'start', total: prepared.length, pending: todo.length, alreadyDone: o.alreadyDone, recovered: o.recovered, estimateUsd: o.estimateUsd, ...(opts.maxCostUsd !== undefined ? { maxCostUsd: opts.maxCostUsd } : {}), journal: journal.path };
  const budgetStopped: Prepared[] = [];
  const send: Prepared[] = [];
  let planned = 0;
  for (const p of todo) {
    if (p.readError !== undefined) {
      const e = asError(p.readError);
      journal.markRunning(p.key, clock.now());
      journal.markFailed(p.key, { code: e.code, message: e.message, fix: e.fix, permanent: true, now: clock.now() });
      yield { type: 'job-failed', id: p.job.id, code: e.code, message: e.message, ...(e.fix ? { fix: e.fix } : {}), permanent: true, attempts: journal.get(p.key)!.attempts };
    } else if (!p.billed) {
      const msg = 'the job does not use the openai provider; --openai-batch sends only OpenAI jobs';
      journal.markRunning(p.key, clock.now());
      journal.markFailed(p.key, { code: 'BATCH_OPTION_INVALID', message: msg, fix: 'drop "provider" from the job (or set it to openai), or run without --openai-batch', permanent: true, now: clock.now() });
      yield { type: 'job-failed', id: p.job.id, code: 'BATCH_OPTION_INVALID', message: msg, permanent: true, attempts: 1 };
    } else if (opts.maxCostUsd !== undefined && planned + p.estimateUsd > opts.maxCostUsd + 1e-9) {
      budgetStopped.push(p);
    } else {
      planned += p.estimateUsd;
      send.push(p);
    }
  }
  // A batch already in flight (journal) is polled whatever the budget says: it was paid for when it was sent.
  const { META_KEY, runOpenAIBatch } = await import('./openai-batch.js');
  const inFlight = journal.getMeta(META_KEY);
  const keys = new Set(inFlight ? (JSON.parse(inFlight) as { keys: string[] }).keys : []);
  const jobs = inFlight ? todo.filter((p) => keys.has(p.key)) : send;
  if (budgetStopped.length && !inFlight) yield { type: 'budget-stop', spentUsd: 0, maxCostUsd: opts.maxCostUsd!, unsent: budgetStopped.length };
  const { createOpenAIClient } = await import('../providers/_openai.js');
  const client = createOpenAIClient({ maxRetries: 2, ...(opts.openai?.apiKey ? { apiKey: opts.openai.apiKey } : {}), ...(opts.openai?.baseURL ? { baseURL: opts.openai.baseURL } : {}) });
  const cfg = typeof opts.openaiBatch === 'object' ? opts.openaiBatch : {};
  if (jobs.length) {
    yield* runOpenAIBatch(jobs, { client, journal, outdir: o.outdir, defaults: opts.defaults ?? {}, contactSheet: opts.contactSheet !== false, clock, signal: opts.signal, pollMs: cfg.pollMs, maxWaitMs: cfg.maxWaitMs, today: opts.today });
  }
  const interrupted = Boolean(opts.signal?.aborted);
  const summary = summarize(prepared, journal, inFlight ? [] : budgetStopped, opts.maxCostUsd);
  await writeSummaries(o.outdir, summary, prepared, journal);
  yield { type: 'end', summary, interrupted, outdir: o.outdir };
  return summary;
}

/**
 * One attempt of one job: the edit() pipeline, then writeEditResult (the PNG and its report, atomically) and the
 * contact sheet's thumbnails. Shared by the in-process runner and the BullMQ worker.
 */
export async function executeJob(p: Prepared, o: { outdir: string; provider: Provider; defaults: Partial<BatchJob['options']>; contactSheet: boolean; today?: string; signal?: AbortSignal }): Promise<{ result: EditResult; output: string; cost: number }> {
  const { job } = p;
  const result = await edit({ ...o.defaults, ...job.options, image: job.image, mask: job.mask, provider: o.provider, ...(o.today ? { today: o.today } : {}), ...(o.signal ? { signal: o.signal } : {}) });
  const output = join(o.outdir, `${job.id}.png`);
  await writeEditResult(result, { output, reportPath: join(o.outdir, `${job.id}.report.json`), inputs: [job.image, job.mask] });
  if (o.contactSheet) await writeThumbnails(o.outdir, job.id, result);
  return { result, output, cost: p.billed ? actualCost(result) : 0 };
}

/** Reads the inputs (for the key) and estimates what OpenAI would charge for the job, before anything is sent. */
export async function prepare(job: BatchJob, defaults: Partial<BatchJob['options']>, today: string = isoDate(new Date())): Promise<Prepared> {
  const options = { ...defaults, ...job.options };
  const billed = options.provider === 'openai';
  let image: Uint8Array, mask: Uint8Array;
  try {
    [image, mask] = await Promise.all([readInputFile(job.image, 'image'), readInputFile(job.mask, 'mask')]);
  } catch (e) {
    // The key of an unreadable job: its paths, so a fixed file becomes a fresh job.
    const key = jobKey(job.id, new TextEncoder().encode(job.image), new TextEncoder().encode(job.mask), { ...options, unreadable: true });
    return { job, key, estimateUsd: 0, billed, readError: e };
  }
  const key = jobKey(job.id, image, mask, options);
  let estimateUsd = 0;
  if (billed) {
    try {
      const info = await probeImage(image, { label: job.image });
      // The model edit() picks when none is given: the default model on the batch's date.
      const model = options.model ?? defaultModel(today);
      estimateUsd = estimateCost({ model, size: options.size ?? 'auto', quality: options.quality ?? 'auto', inputImages: [{ width: info.width, height: info.height }], promptChars: [...(options.prompt ?? `${options.scene ?? ''} ${options.change ?? ''}`)].length + 200 }).usd;
    } catch {
      // An undecodable image fails in edit() with its own code; it costs nothing.
    }
  }
  return { job, key, estimateUsd, billed };
}

/** What OpenAI charged, from the usage it reported (token prices of the model), else the estimate. */
function actualCost(result: EditResult): number {
  const r = result.report;
  const usage: ProviderUsage | null = r.usage;
  const prices = pricesFor(getModel(r.model).id);
  if (!usage || prices?.kind !== 'tokens' || usage.output_tokens === undefined) return r.estimatedCostUsd;
  const image = usage.input_tokens_details?.image_tokens ?? 0;
  const text = usage.input_tokens_details?.text_tokens ?? Math.max(0, (usage.input_tokens ?? 0) - image);
  return (text * prices.textInput + image * prices.imageInput + usage.output_tokens * prices.imageOutput) / 1e6;
}

type Kind = 'aborted' | 'rate-limited' | 'transient' | 'permanent';

/** How a failed attempt is handled (see the file comment). */
export function classify(e: { code: string; status?: number | undefined }, signal?: AbortSignal): Kind {
  if (e.code === 'ABORTED' || signal?.aborted) return 'aborted';
  const status = e.status;
  if (status === 429) return e.code === 'OPENAI_INSUFFICIENT_QUOTA' || e.code === 'OPENAI_BILLING_HARD_LIMIT_REACHED' ? 'permanent' : 'rate-limited';
  if (e.code === 'OPENAI_TIMEOUT' || e.code === 'OPENAI_CONNECTION') return 'transient';
  if (status !== undefined && (status >= 500 || status === 408 || status === 409)) return 'transient';
  return 'permanent';
}

export function retryAfterOf(e: unknown): number | undefined {
  const cause = (e as { cause?: { headers?: { get(n: string): string | null } } }).cause;
  return retryAfterFromHeaders(cause?.headers);
}

export interface JobError { code: string; message: string; fix: string | undefined; status?: number | undefined }

export function asError(e: unknown): JobError {
  if (e instanceof ProviderError) return { code: e.code, message: e.message, fix: e.fix, status: e.status };
  if (isMaskeditError(e)) return { code: e.code, message: e.message, fix: e.fix };
  return { code: 'BATCH_JOB_CRASHED', message: `the job failed unexpectedly: ${e instanceof Error ? e.message : String(e)}`, fix: 'rerun with MASKEDIT_DEBUG=1 and report the output' };
}

function summarize(prepared: Prepared[], journal: Journal, budgetStopped: Prepared[], maxCostUsd: number | undefined): BatchSummary {
  const stoppedKeys = new Set(budgetStopped.map((p) => p.key));
  const jobs: JobSummary[] = prepared.map((p) => {
    const r = journal.get(p.key)!;
    const tail = { attempts: r.attempts, costUsd: round6(r.costUsd) };
    // Key order as documented: { id, status, output?, code?, message?, attempts, costUsd }.
    if (r.state === 'done') return { id: p.job.id, status: 'done', output: r.output!, ...tail };
    if (r.state === 'failed') return { id: p.job.id, status: 'failed', code: r.code!, message: r.message!, ...tail };
    if (stoppedKeys.has(p.key)) return { id: p.job.id, status: 'failed', code: 'BATCH_BUDGET_REACHED', message: `not sent: it would take the spend past --max-cost $${formatUsd(maxCostUsd ?? 0)}; rerun with a higher --max-cost to send it`, ...tail };
    return { id: p.job.id, status: 'failed', code: 'BATCH_INTERRUPTED', message: 'not finished: the batch was interrupted; rerun the same command to resume', ...tail };
  });
  const done = jobs.filter((j) => j.status === 'done').length;
  return { total: jobs.length, done, failed: jobs.length - done, costUsd: round6(jobs.reduce((s, j) => s + j.costUsd, 0)), jobs };
}

/** Fixes for the batch-level codes that never come with one from the job. */
const BATCH_FIXES: Record<string, string> = {
  BATCH_BUDGET_REACHED: 'rerun the same command with a higher --max-cost; done jobs are not sent again',
  BATCH_INTERRUPTED: 'rerun the same command to resume',
};

export async function writeSummaries(outdir: string, summary: BatchSummary, prepared: Prepared[], journal: Pick<Journal, 'get'> | ((p: Prepared) => { verdict: string | null; fix: string | null })): Promise<void> {
  await writeFileAtomic(join(outdir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  const csv = [['id', 'status', 'output', 'code', 'message', 'attempts', 'costUsd'].join(',')];
  for (const j of summary.jobs) csv.push([j.id, j.status, j.output ?? '', j.code ?? '', j.message ?? '', String(j.attempts), String(j.costUsd)].map(csvField).join(','));
  await writeFileAtomic(join(outdir, 'summary.csv'), `${csv.join('\n')}\n`);
  const rows = summary.jobs.map((j, i) => {
    const r = typeof journal === 'function' ? journal(prepared[i]!) : journal.get(prepared[i]!.key)!;
    return { ...j, verdict: r.verdict, fix: r.fix ?? (j.code ? BATCH_FIXES[j.code] : undefined) ?? undefined, image: prepared[i]!.job.image };
  });
  await writeContactSheet(outdir, summary, rows);
}

function csvField(s: string): string {
  // A leading = + - @ makes spreadsheets run the cell as a formula (CSV injection): quote it with a '.
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

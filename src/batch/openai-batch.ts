/**
 * `maskedit batch --openai-batch`: the jobs go through OpenAI's Batch API (half price, 24 h window) instead of one
 * request each. Every job still runs the one `edit()` pipeline, twice, through two narrow providers:
 *
 * 1. **plan**: `edit()` with a {@link captureProvider}, which records each request the pipeline would send
 *    (the crop, resized, its mask, the model's fields from the registry) and answers with the sent image, so the
 *    pipeline completes without a network call. The recorded inputs are uploaded with the Files API
 *    (purpose `vision`, referenced by `file_id`), the JSON edit lines (`POST /v1/images/edits`,
 *    `EditImageBodyJsonParam`) uploaded as one JSONL (purpose `batch`) and submitted to `/v1/batches`.
 *    The batch id is written to the journal before anything else happens.
 * 2. **finish**: once the batch ends, `edit()` runs again with a {@link replayProvider} that answers each request
 *    with the image OpenAI returned for it, so map-back, strict stitch, report, output and thumbnails are exactly
 *    those of any other job (`executeJob`).
 *
 * Polling is bounded (`maxWaitMs`), backs off (`pollMs` × 1.5 up to 60 s) and stops on the signal; a rerun after a
 * kill or Ctrl-C finds the batch id in the journal and polls the same batch instead of submitting again.
 */
import type OpenAI from 'openai';
import { toFile } from 'openai';
import { BATCH_DISCOUNT } from '../core/prices.js';
import { decodeOutputs, editFields, imageUpload, maskUpload, referenceUpload, mapOpenAIError } from '../providers/_openai.js';
import { providerCode } from '../providers/errors.js';
import type { Provider, ProviderRequest, ProviderResult, ProviderUsage } from '../providers/provider.js';
import { edit } from '../pipeline/edit.js';
import type { BatchEvent, Prepared } from './runner.js';
import { asError, executeJob, round6 } from './runner.js';
import type { Journal } from './journal.js';
import type { Clock } from './limiter.js';
import { BatchError, type BatchJob } from './jobs.js';

/** The journal's meta row holding the batch in flight. */
export const META_KEY = 'openai-batch';
const TERMINAL = new Set(['completed', 'failed', 'expired', 'cancelled']);

interface InFlight { batchId: string; keys: string[]; uploads: string[] }

export interface OpenAIBatchContext {
  client: OpenAI;
  journal: Journal;
  outdir: string;
  defaults: Partial<BatchJob['options']>;
  contactSheet: boolean;
  clock: Clock;
  signal?: AbortSignal | undefined;
  /** First poll interval, ms (default 5 s); grows × 1.5 up to 60 s. */
  pollMs?: number | undefined;
  /** Stop waiting after this long (default 25 h); the batch id stays in the journal for a rerun. */
  maxWaitMs?: number | undefined;
  /** The date models are judged on (YYYY-MM-DD; the batch's own, e.g. MASKEDIT_TODAY); default: the clock. */
  today?: string | undefined;
}

/** Records what the pipeline sends and answers with the sent image (no network). */
export function captureProvider(sink: ProviderRequest[]): Provider {
  return {
    name: 'openai', surface: 'json',
    async edit(request) {
      sink.push(request);
      return { images: [request.image] };
    },
  };
}

/** Answers the pipeline's requests, in order, with results known in advance (OpenAI's batch outputs). */
export function replayProvider(results: ProviderResult[]): Provider {
  let i = 0;
  return {
    name: 'openai', surface: 'json',
    async edit() {
      const r = results[i++];
      if (!r) throw new BatchError('BATCH_OPENAI_NO_RESULT', `the batch returned ${results.length} result(s) but the job sends more requests`, 'rerun the same command to submit it again');
      return r;
    },
  };
}

const customId = (id: string, i: number) => `${id}#${i}`;

/**
 * Runs the pending OpenAI jobs through one Batch API batch (or resumes the one the journal names). Marks each job
 * done or failed in the journal and yields the same events as the request-by-request runner.
 */
export async function* runOpenAIBatch(todo: Prepared[], ctx: OpenAIBatchContext): AsyncGenerator<BatchEvent, { spent: number }> {
  const { client, journal, clock } = ctx;
  let spent = 0;
  const byKey = new Map(todo.map((p) => [p.key, p]));
  const saved = journal.getMeta(META_KEY);
  let flight: InFlight | undefined = saved ? JSON.parse(saved) as InFlight : undefined;
  const reqOpts = ctx.signal ? { signal: ctx.signal } : {};
  try {
    if (!flight) {
      const lines: string[] = [];
      const uploads: string[] = [];
      const keys: string[] = [];
      for (const p of todo) {
        if (ctx.signal?.aborted) return { spent };
        const sent: ProviderRequest[] = [];
        try {
          await edit({ ...ctx.defaults, ...p.job.options, image: p.job.image, mask: p.job.mask, provider: captureProvider(sent), ...(ctx.today ? { today: ctx.today } : {}), ...(ctx.signal ? { signal: ctx.signal } : {}) });
        } catch (err) {
          const e = asError(err);
          journal.markRunning(p.key, clock.now());
          journal.markFailed(p.key, { code: e.code, message: e.message, fix: e.fix, permanent: true, now: clock.now() });
          yield { type: 'job-failed', id: p.job.id, code: e.code, message: e.message, ...(e.fix ? { fix: e.fix } : {}), permanent: true, attempts: journal.get(p.key)!.attempts };
          continue;
        }
        for (const [i, req] of sent.entries()) {
          const up = async (file: File) => { const f = await client.files.create({ file, purpose: 'vision' }, reqOpts); uploads.push(f.id); return { file_id: f.id }; };
          const [image, mask, ...refs] = await Promise.all([imageUpload(req.image).then(up), maskUpload(req.mask).then(up), ...(req.references ?? []).map((r, k) => referenceUpload(r, k).then(up))]);
          const markup = req.markup ? await imageUpload(req.markup, 'markup.png').then(up) : undefined;
          const { stream: _s, partial_images: _p, ...fields } = editFields(req);
          lines.push(JSON.stringify({ custom_id: customId(p.job.id, i), method: 'POST', url: '/v1/images/edits', body: { ...fields, images: [image, ...refs], mask, ...(markup ? { markup } : {}) } }));
        }
        keys.push(p.key);
      }
      if (!keys.length) return { spent };
      const input = await client.files.create({ file: await toFile(Buffer.from(`${lines.join('\n')}\n`), 'maskedit-batch.jsonl', { type: 'application/jsonl' }), purpose: 'batch' }, reqOpts);
      uploads.push(input.id);
      const created = await client.batches.create({ input_file_id: input.id, endpoint: '/v1/images/edits' as never, completion_window: '24h', metadata: { tool: 'maskedit' } }, reqOpts);
      flight = { batchId: created.id, keys, uploads };
      // Before anything else: a kill from here on polls this batch on the rerun instead of paying twice.
      journal.setMeta(META_KEY, JSON.stringify(flight));
      for (const k of keys) journal.markRunning(k, clock.now());
      yield { type: 'openai-batch', batchId: created.id, status: created.status, completed: 0, failed: 0, total: keys.length, resumed: false };
    } else {
      for (const k of flight.keys) if (byKey.has(k)) journal.markRunning(k, clock.now());
      yield { type: 'openai-batch', batchId: flight.batchId, status: 'resumed', completed: 0, failed: 0, total: flight.keys.length, resumed: true };
    }

    // Poll, bounded, with backoff, cancellable.
    let wait = ctx.pollMs ?? 5000;
    const deadline = clock.now() + (ctx.maxWaitMs ?? 25 * 3600_000);
    let batch = await client.batches.retrieve(flight.batchId, reqOpts);
    let last = '';
    for (;;) {
      const state = `${batch.status}|${batch.request_counts?.completed}|${batch.request_counts?.failed}`;
      if (state !== last) {
        last = state;
        yield { type: 'openai-batch', batchId: batch.id, status: batch.status, completed: batch.request_counts?.completed ?? 0, failed: batch.request_counts?.failed ?? 0, total: batch.request_counts?.total ?? 0, resumed: false };
      }
      if (TERMINAL.has(batch.status)) break;
      if (clock.now() + wait > deadline) {
        for (const k of flight.keys) if (byKey.has(k)) journal.markPending(k);
        yield { type: 'openai-batch', batchId: batch.id, status: 'still-running', completed: batch.request_counts?.completed ?? 0, failed: batch.request_counts?.failed ?? 0, total: batch.request_counts?.total ?? 0, resumed: false };
        return { spent };
      }
      await clock.sleep(wait, ctx.signal);
      wait = Math.min(60_000, Math.round(wait * 1.5));
      batch = await client.batches.retrieve(flight.batchId, reqOpts);
    }

    // Collect: every output and error line by custom_id.
    const answers = new Map<string, { status: number; body: unknown; error?: { code?: string; message?: string } | null }>();
    for (const fileId of [batch.output_file_id, batch.error_file_id]) {
      if (!fileId) continue;
      const text = await (await client.files.content(fileId, reqOpts)).text();
      for (const s of text.split('\n')) {
        if (!s.trim()) continue;
        const o = JSON.parse(s) as { custom_id: string; response: { status_code: number; body: unknown } | null; error: { code?: string; message?: string } | null };
        answers.set(o.custom_id, { status: o.response?.status_code ?? 0, body: o.response?.body, error: o.error });
      }
    }
    const batchError = batch.status === 'failed' ? (batch.errors?.data?.[0]?.message ?? 'the batch failed') : undefined;
    for (const key of flight.keys) {
      const p = byKey.get(key);
      if (!p || journal.get(key)?.state === 'done') continue;
      const t0 = clock.now();
      const results: ProviderResult[] = [];
      let failure: { code: string; message: string; fix?: string; permanent: boolean } | undefined;
      for (let i = 0; !failure; i++) {
        const a = answers.get(customId(p.job.id, i));
        if (!a) {
          if (i === 0) failure = batchError
            ? { code: 'BATCH_OPENAI_FAILED', message: `OpenAI batch ${batch.id} failed: ${batchError}`, fix: 'rerun the same command to submit the jobs again; check the job options', permanent: false }
            : { code: 'BATCH_OPENAI_NO_RESULT', message: `OpenAI batch ${batch.id} (${batch.status}) has no result for this job`, fix: 'rerun the same command to submit it again', permanent: false };
          break;
        }
        if (a.error || a.status < 200 || a.status >= 300) {
          const err = (a.body as { error?: { code?: string | null; message?: string } } | undefined)?.error;
          const code = a.error?.code === 'batch_expired' ? 'BATCH_OPENAI_EXPIRED' : a.error?.code === 'batch_cancelled' ? 'BATCH_OPENAI_CANCELLED' : a.error ? 'BATCH_OPENAI_NO_RESULT' : providerCode(err?.code ?? undefined, a.status);
          failure = { code, message: `OpenAI batch ${batch.id}, ${customId(p.job.id, i)}: ${a.error?.message ?? `${a.status} ${err?.message ?? ''}`}`.trim(), permanent: !a.error && a.status >= 400 && a.status < 500 && a.status !== 429 && a.status !== 408 && a.status !== 409, ...(a.error ? { fix: 'rerun the same command to submit it again' } : {}) };
          break;
        }
        const body = a.body as { data?: { b64_json?: string }[]; usage?: ProviderUsage };
        try {
          results.push({ images: await decodeOutputs((body.data ?? []).map((d) => d.b64_json ?? '').filter(Boolean)), ...(body.usage ? { usage: body.usage } : {}) });
        } catch (err) {
          const e = asError(err);
          failure = { code: e.code, message: e.message, ...(e.fix ? { fix: e.fix } : {}), permanent: false };
        }
        if (!answers.has(customId(p.job.id, i + 1))) break;
      }
      if (!failure) {
        try {
          const r = await executeJob(p, { outdir: ctx.outdir, provider: replayProvider(results), defaults: ctx.defaults, contactSheet: ctx.contactSheet, ...(ctx.today ? { today: ctx.today } : {}), ...(ctx.signal ? { signal: ctx.signal } : {}) });
          const cost = r.cost * BATCH_DISCOUNT.factor;
          journal.markDone(key, { output: r.output, costUsd: cost, verdict: r.result.report.spillover.verdict, now: clock.now(), ms: clock.now() - t0 });
          spent += cost;
          yield { type: 'job-done', id: p.job.id, output: r.output, costUsd: round6(cost), ms: clock.now() - t0, verdict: r.result.report.spillover.verdict, attempts: journal.get(key)!.attempts };
          continue;
        } catch (err) {
          if (ctx.signal?.aborted) return { spent };
          const e = asError(err);
          failure = { code: e.code, message: e.message, ...(e.fix ? { fix: e.fix } : {}), permanent: true };
        }
      }
      journal.markFailed(key, { code: failure.code, message: failure.message, fix: failure.fix, permanent: failure.permanent, now: clock.now() });
      yield { type: 'job-failed', id: p.job.id, code: failure.code, message: failure.message, ...(failure.fix ? { fix: failure.fix } : {}), permanent: failure.permanent, attempts: journal.get(key)!.attempts };
    }
    // The batch is settled: a rerun submits whatever is still pending as a new batch.
    journal.setMeta(META_KEY, '');
    await Promise.allSettled(flight.uploads.map((id) => client.files.delete(id, { timeout: 15_000, maxRetries: 1 })));
    return { spent };
  } catch (err) {
    if (ctx.signal?.aborted) {
      for (const k of flight?.keys ?? []) if (byKey.has(k) && journal.get(k)?.state === 'running') journal.markPending(k);
      return { spent };
    }
    throw mapOpenAIError(err, client.apiKey, client.baseURL);
  }
}

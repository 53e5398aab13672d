/**
 * `/v1/batches` (spec: `Batch`, `CreateBatchRequest`, `ListBatchesResponse`) over the embedded engine: a JSONL
 * file uploaded to `/v1/files` with purpose `batch`, one `{ custom_id, method: "POST", url: "/v1/images/edits",
 * body }` per line. Each line runs through the server's own `POST /v1/images/edits` route (`app.inject`), so it
 * gets the same validation, edit queue, limits and error answers as a direct request. Results go to an output file
 * (2xx lines) and an error file (the rest) in OpenAI's output-line shape
 * `{ id, custom_id, response: { status_code, request_id, body } | null, error: { code, message } | null }`,
 * both in the file store with purpose `batch_output`.
 *
 * Batches live in memory: a restart forgets them (their output files stay in the file store). Lines run one at
 * a time (a batch never takes more than one place in the edit queue, so direct requests keep their turn).
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import '../context.js';
import { ApiError } from '../errors.js';
import { invalidValue, missingParameter } from '../edit-options.js';

export type BatchStatus = 'validating' | 'failed' | 'in_progress' | 'finalizing' | 'completed' | 'expired' | 'cancelling' | 'cancelled';

/** OpenAI's Batch object. */
export interface BatchObject {
  id: string;
  object: 'batch';
  endpoint: string;
  errors: { object: 'list'; data: { code: string; message: string; param: string | null; line: number | null }[] } | null;
  input_file_id: string;
  completion_window: string;
  status: BatchStatus;
  output_file_id: string | null;
  error_file_id: string | null;
  created_at: number;
  in_progress_at: number | null;
  expires_at: number;
  finalizing_at: number | null;
  completed_at: number | null;
  failed_at: number | null;
  expired_at: number | null;
  cancelling_at: number | null;
  cancelled_at: number | null;
  request_counts: { total: number; completed: number; failed: number };
  metadata: Record<string, string> | null;
}

export interface BatchesOptions {
  /** How long a batch may run before it expires, ms (default 24 h, the only `completion_window` OpenAI takes). */
  windowMs?: number;
  /** Clock in ms (tests). */
  now?: () => number;
}

/** The only endpoint the server's batches run. */
export const BATCH_ENDPOINTS = ['/v1/images/edits'] as const;
const TERMINAL: ReadonlySet<BatchStatus> = new Set(['failed', 'completed', 'expired', 'cancelled']);

export function noSuchBatch(id: string): ApiError {
  return new ApiError({ status: 404, apiCode: null, param: null, code: 'BATCH_NOT_FOUND', message: `No batch found with id '${id.slice(0, 100)}'.` });
}

const newId = (prefix: string) => `${prefix}_${randomBytes(16).toString('hex')}`;

interface Line { custom_id: string; body: unknown; }

export function batchesRoutes(opts: BatchesOptions = {}) {
  return async function plugin(app: FastifyInstance): Promise<void> {
    const batches = new Map<string, BatchObject>();
    const now = opts.now ?? Date.now;
    const sec = () => Math.floor(now() / 1000);
    const windowMs = opts.windowMs ?? 24 * 3600_000;
    let closing = false;
    const running = new Set<Promise<void>>();
    app.addHook('preClose', async () => {
      closing = true;
      await Promise.allSettled([...running]);
    });

    app.post('/v1/batches', async (request) => {
      const body = (request.body ?? {}) as Record<string, unknown>;
      if (typeof body !== 'object' || Array.isArray(body)) throw new ApiError({ status: 400, apiCode: 'invalid_value', code: 'BATCH_INVALID', message: 'Expected a JSON object body (CreateBatchRequest).' });
      for (const k of ['input_file_id', 'endpoint', 'completion_window']) if (body[k] === undefined || body[k] === '') throw missingParameter(k);
      const known = new Set(['input_file_id', 'endpoint', 'completion_window', 'metadata', 'output_expires_after']);
      const unknown = Object.keys(body).find((k) => !known.has(k));
      if (unknown) throw new ApiError({ status: 400, apiCode: 'unknown_parameter', param: unknown.slice(0, 100), code: 'UNKNOWN_PARAMETER', message: `Unknown parameter: '${unknown.slice(0, 100)}'.` });
      if (!(BATCH_ENDPOINTS as readonly unknown[]).includes(body.endpoint)) throw invalidValue('endpoint', String(body.endpoint), BATCH_ENDPOINTS);
      if (body.completion_window !== '24h') throw invalidValue('completion_window', String(body.completion_window), ['24h']);
      const file = app.maskedit.files.require(String(body.input_file_id), 'input_file_id');
      if (file.purpose !== 'batch') {
        throw new ApiError({ status: 400, apiCode: 'invalid_value', param: 'input_file_id', code: 'BATCH_INVALID', message: `Invalid 'input_file_id': the file ${file.id} was uploaded with purpose '${file.purpose}'; a batch input needs purpose 'batch'.` });
      }
      const metadata = body.metadata && typeof body.metadata === 'object' ? Object.fromEntries(Object.entries(body.metadata as Record<string, unknown>).map(([k, v]) => [k, String(v)])) : null;
      const created = sec();
      const b: BatchObject = {
        id: newId('batch'), object: 'batch', endpoint: String(body.endpoint), errors: null, input_file_id: file.id, completion_window: '24h',
        status: 'validating', output_file_id: null, error_file_id: null, created_at: created, in_progress_at: null,
        expires_at: Math.floor((now() + windowMs) / 1000), finalizing_at: null, completed_at: null, failed_at: null, expired_at: null,
        cancelling_at: null, cancelled_at: null, request_counts: { total: 0, completed: 0, failed: 0 }, metadata,
      };
      batches.set(b.id, b);
      // The lines run as the creator: its Authorization header is kept in memory for this run only.
      const auth = request.headers.authorization;
      const run = execute(b, typeof auth === 'string' ? auth : undefined).catch((e: unknown) => {
        request.log.error({ err: e instanceof Error ? e.message : String(e) }, 'batch failed');
        fail(b, 'internal_error', 'The batch failed inside the server.', null);
      }).finally(() => running.delete(run));
      running.add(run);
      return { ...b };
    });

    app.get<{ Params: { id: string } }>('/v1/batches/:id', async (request) => ({ ...get(request.params.id) }));

    app.post<{ Params: { id: string } }>('/v1/batches/:id/cancel', async (request) => {
      const b = get(request.params.id);
      if (TERMINAL.has(b.status) || b.status === 'finalizing') {
        throw new ApiError({ status: 409, apiCode: null, code: 'BATCH_NOT_CANCELLABLE', message: `Cannot cancel a batch with status '${b.status}'.` });
      }
      if (b.status !== 'cancelling') { b.status = 'cancelling'; b.cancelling_at = sec(); }
      return { ...b };
    });

    app.get<{ Querystring: { limit?: string; after?: string } }>('/v1/batches', async (request) => {
      const limit = request.query.limit === undefined ? 20 : Number(request.query.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new ApiError({ status: 400, apiCode: 'invalid_value', param: 'limit', code: 'BATCH_INVALID', message: `Invalid 'limit': expected an integer from 1 to 100, but got ${String(request.query.limit).slice(0, 20)} instead.` });
      const all = [...batches.values()].reverse();
      const start = request.query.after ? all.findIndex((b) => b.id === request.query.after) + 1 : 0;
      const data = all.slice(start, start + limit).map((b) => ({ ...b }));
      return { object: 'list', data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: start + limit < all.length };
    });

    function get(id: string): BatchObject {
      const b = batches.get(id);
      if (!b) throw noSuchBatch(id);
      return b;
    }

    function fail(b: BatchObject, code: string, message: string, line: number | null): void {
      b.status = 'failed';
      b.failed_at = sec();
      b.errors = { object: 'list', data: [{ code, message, param: null, line }] };
    }

    /** Validates the input file, runs each line through the edit route, writes the output and error files. */
    async function execute(b: BatchObject, auth: string | undefined): Promise<void> {
      const { files } = app.maskedit;
      const text = Buffer.from(await files.read(b.input_file_id, 'input_file_id')).toString('utf8');
      const lines: Line[] = [];
      const seen = new Set<string>();
      const raw = text.split('\n');
      for (let i = 0; i < raw.length; i++) {
        const s = raw[i]!.trim();
        if (!s) continue;
        let o: Record<string, unknown>;
        try {
          o = JSON.parse(s) as Record<string, unknown>;
        } catch {
          return fail(b, 'invalid_json_line', `Line ${i + 1} is not valid JSON.`, i + 1);
        }
        if (!o || typeof o !== 'object' || typeof o.custom_id !== 'string' || !o.custom_id) return fail(b, 'missing_required_parameter', `Line ${i + 1} has no custom_id.`, i + 1);
        if (o.method !== 'POST') return fail(b, 'invalid_method', `Line ${i + 1}: method must be POST, got ${JSON.stringify(o.method)?.slice(0, 40)}.`, i + 1);
        if (o.url !== b.endpoint) return fail(b, 'mismatched_endpoint', `Line ${i + 1}: url ${JSON.stringify(o.url)?.slice(0, 80)} does not match the batch's endpoint ${b.endpoint}.`, i + 1);
        if (seen.has(o.custom_id)) return fail(b, 'duplicate_custom_id', `Line ${i + 1}: custom_id '${o.custom_id.slice(0, 100)}' is used twice.`, i + 1);
        if (!o.body || typeof o.body !== 'object' || Array.isArray(o.body)) return fail(b, 'missing_required_parameter', `Line ${i + 1} has no JSON object body.`, i + 1);
        seen.add(o.custom_id);
        lines.push({ custom_id: o.custom_id, body: o.body });
      }
      if (!lines.length) return fail(b, 'empty_file', 'The input file has no requests.', null);
      b.request_counts.total = lines.length;
      if (b.status === 'validating') { b.status = 'in_progress'; b.in_progress_at = sec(); }
      const out: string[] = [], errs: string[] = [];
      for (const line of lines) {
        const stop = b.status === 'cancelling' ? 'batch_cancelled' : now() >= b.expires_at * 1000 ? 'batch_expired' : closing ? 'batch_failed' : undefined;
        if (stop) {
          errs.push(JSON.stringify({ id: newId('batch_req'), custom_id: line.custom_id, response: null, error: { code: stop, message: stop === 'batch_expired' ? 'This request could not be executed before the completion window expired.' : stop === 'batch_cancelled' ? 'This request was not executed because the batch was cancelled.' : 'This request was not executed because the server shut down.' } }));
          b.request_counts.failed++;
          continue;
        }
        const res = await runLine(line.body, auth);
        const entry = { id: newId('batch_req'), custom_id: line.custom_id, response: { status_code: res.status, request_id: res.requestId, body: res.body }, error: null };
        if (res.status >= 200 && res.status < 300) { out.push(JSON.stringify(entry)); b.request_counts.completed++; } else { errs.push(JSON.stringify(entry)); b.request_counts.failed++; }
      }
      const final: BatchStatus = b.status === 'cancelling' ? 'cancelled' : errs.some((e) => e.includes('"code":"batch_expired"')) ? 'expired' : errs.some((e) => e.includes('"code":"batch_failed"')) ? 'failed' : 'completed';
      b.status = 'finalizing';
      b.finalizing_at = sec();
      const put = (rows: string[], suffix: string) => files.put(Readable.from([Buffer.from(`${rows.join('\n')}\n`)]), { filename: `${b.id}_${suffix}.jsonl`, purpose: 'batch_output' });
      if (out.length) b.output_file_id = (await put(out, 'output')).id;
      if (errs.length) b.error_file_id = (await put(errs, 'error')).id;
      b.status = final;
      const t = sec();
      if (final === 'completed') b.completed_at = t;
      else if (final === 'cancelled') b.cancelled_at = t;
      else if (final === 'expired') b.expired_at = t;
      else b.failed_at = t;
    }

    /** One line through `POST /v1/images/edits`, retrying while the edit queue is full (429) for up to a minute. */
    async function runLine(body: unknown, auth: string | undefined): Promise<{ status: number; requestId: string; body: unknown }> {
      for (let i = 0; ; i++) {
        const res = await app.inject({ method: 'POST', url: '/v1/images/edits', headers: { 'content-type': 'application/json', host: 'localhost', ...(auth ? { authorization: auth } : {}) }, payload: JSON.stringify(body) });
        if (res.statusCode === 429 && i < 60 && !closing) { await new Promise((r) => setTimeout(r, 1000)); continue; }
        let parsed: unknown;
        try { parsed = res.json(); } catch { parsed = { error: { message: res.body.slice(0, 500), type: 'server_error', param: null, code: null } }; }
        return { status: res.statusCode, requestId: String(res.headers['x-request-id'] ?? ''), body: parsed };
      }
    }
  };
}

/**
 * An in-test HTTP server on 127.0.0.1 that speaks OpenAI's contract for image edits, so providers, the
 * pipeline and the server can be tested over a real socket with the official SDK and no key or network.
 *
 * Endpoints (paths under `/v1`):
 * - `POST /v1/images/edits`, multipart (CreateImageEditRequest) or JSON (EditImageBodyJsonParam, with
 *   `file_id` refs to uploaded files or `data:` image URLs), streaming (`stream` + `partial_images`, SSE events
 *   `image_edit.partial_image` ×N then `image_edit.completed`) or not (ImagesResponse with `usage`);
 * - `POST /v1/files` (multipart `file` + `purpose`) → OpenAIFile; `DELETE /v1/files/:id`.
 *
 * It checks what a real server checks and answers with OpenAI's error body `{ error: { message, type, param,
 * code } }`: bearer key (401 `invalid_api_key` when `apiKey` is set and differs), prompt present and within the
 * model's limit (`string_above_max_length`), image MIME type (`unsupported_file_mimetype`) and decodability
 * (`invalid_image_file`), mask PNG with alpha and the first image's size (`invalid_mask_image_format`),
 * `input_fidelity` only on models that take it (`invalid_input_fidelity_model`), fields sent as the strings
 * "undefined"/"null" (`invalid_value`).
 *
 * Outputs behave like a GPT image model's: the whole first image, resized to the requested size (`auto` → the
 * standard size nearest its aspect), with a small global colour shift and noise everywhere (the drift real
 * edits show outside the mask) and the editable region painted {@link EDIT_COLOUR}.
 *
 * Every request is recorded in `requests` (fields, files with their MIME type, size and alpha, JSON body).
 * Failures are scripted with `failNext` (e.g. a 429 with Retry-After, then success).
 *
 * @example
 * const fake = await startFakeOpenAI();
 * const client = new OpenAI({ apiKey: 'test-key', baseURL: fake.url });
 * fake.failNext({ status: 429, code: 'rate_limit_exceeded', retryAfter: 0.05 });
 * // …
 * await fake.close();
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { estimateCost, nearestStandardSize, usageFor } from '../../src/core/cost.js';
import { findModel, parseSize } from '../../src/core/models.js';

export const EDIT_COLOUR = [255, 105, 180] as const;

export interface RecordedFile {
  field: string;
  name: string;
  type: string;
  bytes: number;
  format?: string;
  width?: number;
  height?: number;
  hasAlpha?: boolean;
}

export interface RecordedRequest {
  method: string;
  path: string;
  contentType: string;
  authorization: string | undefined;
  /** Multipart text fields (repeated fields as arrays) or the JSON body's scalar fields. */
  fields: Record<string, string | string[]>;
  files: RecordedFile[];
  json?: Record<string, unknown>;
  /** Whether the response was a scripted failure. */
  failed?: number;
}

export interface ScriptedFailure {
  status: number;
  code?: string | null;
  message?: string;
  param?: string | null;
  type?: string;
  /** Seconds, sent as Retry-After. */
  retryAfter?: number;
  /** Only requests whose path ends with this (default: any). */
  path?: string;
  /** How many consecutive requests fail (default 1). */
  times?: number;
}

export interface FakeOpenAIOptions {
  /** When set, requests must carry `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Global colour shift of outputs, per channel (default [6, -4, 3]). */
  drift?: readonly [number, number, number];
  /** Noise amplitude of outputs (default 3, uniform ±). */
  noise?: number;
  /** Delay before answering an edit, in ms (to test aborts). */
  delayMs?: number;
}

export interface FakeOpenAI {
  /** Base URL for the SDK, ending in /v1. */
  url: string;
  requests: RecordedRequest[];
  /** Uploaded files by id. */
  files: Map<string, { bytes: Uint8Array; type: string; name: string; purpose: string }>;
  deleted: string[];
  failNext(f: ScriptedFailure): void;
  /** The edit requests only. */
  edits(): RecordedRequest[];
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly code: string | null, readonly param: string | null = null, readonly type = 'invalid_request_error') {
    super(message);
  }
}

const IMAGE_MIMES = ['image/png', 'image/jpeg', 'image/webp'];
const EDIT_FIELDS = new Set(['model', 'prompt', 'n', 'size', 'quality', 'input_fidelity', 'background', 'output_format', 'output_compression', 'response_format', 'stream', 'partial_images', 'user', 'moderation', 'complexity']);

export async function startFakeOpenAI(opts: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const requests: RecordedRequest[] = [];
  const files = new Map<string, { bytes: Uint8Array; type: string; name: string; purpose: string }>();
  const deleted: string[] = [];
  const failures: ScriptedFailure[] = [];
  let nextId = 1;

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      const err = e instanceof HttpError ? e : new HttpError(500, `fake server error: ${(e as Error).message}`, null, null, 'server_error');
      sendError(res, err);
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const path = (req.url ?? '').split('?')[0]!;
    const contentType = req.headers['content-type'] ?? '';
    const rec: RecordedRequest = { method: req.method ?? '', path, contentType, authorization: req.headers.authorization, fields: {}, files: [] };
    requests.push(rec);

    const failure = failures.find((f) => !f.path || path.endsWith(f.path));
    if (failure) {
      failure.times = (failure.times ?? 1) - 1;
      if (failure.times <= 0) failures.splice(failures.indexOf(failure), 1);
      rec.failed = failure.status;
      if (failure.retryAfter !== undefined) res.setHeader('retry-after', String(failure.retryAfter));
      return sendError(res, new HttpError(failure.status, failure.message ?? `scripted ${failure.status}`, failure.code ?? null, failure.param ?? null, failure.type ?? (failure.status >= 500 ? 'server_error' : 'invalid_request_error')));
    }
    if (opts.apiKey !== undefined && req.headers.authorization !== `Bearer ${opts.apiKey}`) {
      throw new HttpError(401, 'Incorrect API key provided: sk-test***********************wxyz. You can find your API key at https://platform.openai.com/account/api-keys.', 'invalid_api_key');
    }

    if (req.method === 'POST' && path === '/v1/files') return createFile(rec, body, contentType, res);
    if (req.method === 'DELETE' && path.startsWith('/v1/files/')) {
      const id = decodeURIComponent(path.slice('/v1/files/'.length));
      if (!files.delete(id)) throw new HttpError(404, `No such File object: ${id}`, null, 'id');
      deleted.push(id);
      return sendJson(res, 200, { id, object: 'file', deleted: true });
    }
    if (req.method === 'POST' && path === '/v1/images/edits') return edit(rec, body, contentType, res);
    throw new HttpError(404, `Invalid URL (${req.method} ${path})`, null);
  }

  async function createFile(rec: RecordedRequest, body: Buffer, contentType: string, res: ServerResponse): Promise<void> {
    const form = await parseForm(body, contentType);
    collectFields(rec, form);
    const file = form.get('file');
    if (!(file instanceof File)) throw new HttpError(400, "Missing required parameter: 'file'.", 'missing_required_parameter', 'file');
    const purpose = String(form.get('purpose') ?? '');
    if (!['assistants', 'batch', 'fine-tune', 'vision', 'user_data', 'evals'].includes(purpose)) throw new HttpError(400, `Invalid value for 'purpose': ${purpose}`, 'invalid_value', 'purpose');
    const bytes = new Uint8Array(await file.arrayBuffer());
    rec.files.push(await describeFile('file', file.name, file.type, bytes));
    const id = `file-fake${nextId++}`;
    files.set(id, { bytes, type: file.type, name: file.name, purpose });
    sendJson(res, 200, { id, object: 'file', bytes: bytes.length, created_at: Math.floor(Date.now() / 1000), filename: file.name, purpose, status: 'processed' });
  }

  async function edit(rec: RecordedRequest, body: Buffer, contentType: string, res: ServerResponse): Promise<void> {
    let images: { field: string; name: string; type: string; bytes: Uint8Array }[] = [];
    let mask: { name: string; type: string; bytes: Uint8Array } | undefined;
    if (contentType.startsWith('application/json')) {
      const json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      rec.json = json;
      for (const [k, v] of Object.entries(json)) if (typeof v !== 'object' || v === null) rec.fields[k] = String(v);
      if (!Array.isArray(json.images) || !json.images.length) throw new HttpError(400, "Missing required parameter: 'images'.", 'missing_required_parameter', 'images');
      images = json.images.map((r, i) => ({ field: `images[${i}]`, ...resolveRef(r, `images[${i}]`) }));
      if (json.mask !== undefined) mask = resolveRef(json.mask, 'mask');
    } else {
      const form = await parseForm(body, contentType);
      collectFields(rec, form);
      for (const [field, value] of form.entries()) {
        if (!(value instanceof File)) continue;
        const bytes = new Uint8Array(await value.arrayBuffer());
        if (field === 'image' || field === 'image[]') images.push({ field, name: value.name, type: value.type, bytes });
        else if (field === 'mask') mask = { name: value.name, type: value.type, bytes };
        // markup (2.6): a transparent PNG overlay, recorded like the other files.
        else if (field === 'markup') rec.files.push(await describeFile('markup', value.name, value.type, bytes));
        else throw new HttpError(400, `Unrecognized file field: ${field}`, 'unknown_parameter', field);
      }
    }
    for (const im of images) rec.files.push(await describeFile(im.field, im.name, im.type, im.bytes));
    if (mask) rec.files.push(await describeFile('mask', mask.name, mask.type, mask.bytes));

    const f = rec.fields;
    const one = (k: string) => (Array.isArray(f[k]) ? (f[k] as string[])[0] : (f[k] as string | undefined));
    for (const [k, v] of Object.entries(f)) {
      if (!EDIT_FIELDS.has(k)) throw new HttpError(400, `Unrecognized request argument supplied: ${k}`, 'unknown_parameter', k);
      if (v === 'undefined' || v === 'null' || v === '') throw new HttpError(400, `Invalid value for '${k}': ${JSON.stringify(v)}`, 'invalid_value', k);
    }
    const modelId = one('model') ?? 'gpt-image-1.5';
    const model = findModel(modelId);
    if (!model) throw new HttpError(400, `Invalid value for 'model' = ${modelId}.`, 'invalid_value', 'model');
    const prompt = one('prompt');
    if (!prompt) throw new HttpError(400, "Missing required parameter: 'prompt'.", 'missing_required_parameter', 'prompt');
    if ([...prompt].length > model.maxPromptChars) {
      throw new HttpError(400, `Invalid 'prompt': string too long. Expected a string with maximum length ${model.maxPromptChars}, but got a string with length ${[...prompt].length} instead.`, 'string_above_max_length', 'prompt');
    }
    if (!images.length) throw new HttpError(400, "Missing required parameter: 'image'.", 'missing_required_parameter', 'image');
    for (const im of images) {
      if (!IMAGE_MIMES.includes(im.type)) {
        throw new HttpError(400, `Invalid file '${im.field}': unsupported mimetype ('${im.type}'). Supported file formats are 'image/jpeg', 'image/png', and 'image/webp'.`, 'unsupported_file_mimetype', im.field);
      }
    }
    if (one('input_fidelity') !== undefined && !model.inputFidelity) {
      throw new HttpError(400, `Invalid parameter: 'input_fidelity' is not supported for model '${model.id}'.`, 'invalid_input_fidelity_model', 'input_fidelity');
    }
    const base = await decodeOrFail(images[0]!.bytes, 'image');
    let editable: Uint8Array | undefined;
    if (mask) {
      const m = await sharp(mask.bytes).metadata().catch(() => null);
      if (!m || m.format !== 'png') throw new HttpError(400, 'Invalid mask image format - mask must be a PNG', 'invalid_mask_image_format', 'mask');
      if (!m.hasAlpha) throw new HttpError(400, 'Invalid mask image format - mask image missing alpha channel', 'invalid_mask_image_format', 'mask');
      if (m.width !== base.width || m.height !== base.height) throw new HttpError(400, 'Invalid mask image format - mask size does not match image size', 'invalid_mask_image_format', 'mask');
      const alpha = await sharp(mask.bytes).ensureAlpha().extractChannel(3).raw().toBuffer();
      editable = new Uint8Array(alpha.length);
      for (let i = 0; i < alpha.length; i++) editable[i] = alpha[i] === 0 ? 255 : 0;
    }

    const sizeField = one('size') ?? (model.autoSize ? 'auto' : '1024x1024');
    const size = sizeField === 'auto' ? nearestStandardSize(base.width, base.height) : parseSize(sizeField);
    if (!size) throw new HttpError(400, `Invalid value for 'size': ${sizeField}`, 'invalid_value', 'size');
    const n = Number(one('n') ?? 1);
    const format = (one('output_format') ?? 'png') as 'png' | 'jpeg' | 'webp';
    const quality = one('quality') ?? 'auto';
    const outputs: string[] = [];
    for (let i = 0; i < n; i++) outputs.push((await render(base, editable, size, format, requests.length * 31 + i)).toString('base64'));
    const estimate = estimateCost({
      model: model.id, size: `${size.width}x${size.height}`, quality, n,
      ...(one('input_fidelity') ? { inputFidelity: one('input_fidelity') as 'low' | 'high' } : {}),
      inputImages: await Promise.all(images.map(async (im) => { const md = await sharp(im.bytes).metadata(); return { width: md.width ?? 0, height: md.height ?? 0 }; })),
      promptChars: [...prompt].length, partialImages: Number(one('partial_images') ?? 0),
    });
    const usage = usageFor(estimate);
    if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
    const common = { created_at: Math.floor(Date.now() / 1000), size: `${size.width}x${size.height}`, quality: quality === 'auto' ? 'medium' : quality, background: one('background') ?? 'opaque', output_format: format };

    if (one('stream') === 'true') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      const partials = Number(one('partial_images') ?? 0);
      for (const out of outputs) {
        for (let p = 0; p < partials; p++) {
          const preview = (await sharp(Buffer.from(out, 'base64')).blur(8 - p * 2 || 1).toFormat(format).toBuffer()).toString('base64');
          writeEvent(res, 'image_edit.partial_image', { type: 'image_edit.partial_image', b64_json: preview, ...common, partial_image_index: p });
        }
        writeEvent(res, 'image_edit.completed', { type: 'image_edit.completed', b64_json: out, ...common, usage });
      }
      res.end();
      return;
    }
    sendJson(res, 200, {
      created: common.created_at, data: outputs.map((b64_json) => ({ b64_json })),
      background: common.background, output_format: format, size: common.size, quality: common.quality, usage,
    });
  }

  function resolveRef(ref: unknown, param: string): { name: string; type: string; bytes: Uint8Array } {
    const r = ref as { file_id?: unknown; image_url?: unknown };
    if (r && typeof r === 'object' && typeof r.file_id === 'string' && r.image_url === undefined) {
      const file = files.get(r.file_id);
      if (!file) throw new HttpError(400, `Invalid file_id: ${r.file_id}`, 'invalid_file_id', param);
      return { name: file.name, type: file.type, bytes: file.bytes };
    }
    if (r && typeof r === 'object' && typeof r.image_url === 'string' && r.file_id === undefined) {
      const m = /^data:([^;,]+);base64,(.*)$/s.exec(r.image_url);
      if (!m) throw new HttpError(400, 'The fake server only accepts data: URLs in image_url', 'invalid_image_url', param);
      return { name: `${param}.bin`, type: m[1]!, bytes: new Uint8Array(Buffer.from(m[2]!, 'base64')) };
    }
    throw new HttpError(400, `Invalid '${param}': provide exactly one of image_url or file_id.`, 'invalid_value', param);
  }

  async function render(base: { data: Buffer; width: number; height: number }, editable: Uint8Array | undefined, size: { width: number; height: number }, format: 'png' | 'jpeg' | 'webp', seed: number): Promise<Buffer> {
    const px = Buffer.from(base.data);
    const drift = opts.drift ?? [6, -4, 3];
    const noise = opts.noise ?? 3;
    let s = seed * 2654435761 >>> 0 || 1;
    for (let i = 0; i < base.width * base.height; i++) {
      const o = i * 4;
      if (editable && editable[i]) {
        px[o] = EDIT_COLOUR[0]; px[o + 1] = EDIT_COLOUR[1]; px[o + 2] = EDIT_COLOUR[2]; px[o + 3] = 255;
        continue;
      }
      for (let c = 0; c < 3; c++) {
        s ^= s << 13; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
        const jitter = noise ? (s % (2 * noise + 1)) - noise : 0;
        px[o + c] = Math.max(0, Math.min(255, px[o + c]! + drift[c]! + jitter));
      }
    }
    return sharp(px, { raw: { width: base.width, height: base.height, channels: 4 } })
      .resize(size.width, size.height, { fit: 'fill' })
      .toFormat(format)
      .toBuffer();
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    files,
    deleted,
    failNext: (f) => failures.push({ ...f }),
    edits: () => requests.filter((r) => r.path === '/v1/images/edits'),
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Parses multipart/form-data with the platform's own parser (undici's Request.formData). */
async function parseForm(body: Buffer, contentType: string): Promise<FormData> {
  if (!contentType.startsWith('multipart/form-data')) throw new HttpError(400, `expected multipart/form-data, received ${contentType || 'no content type'}`, 'invalid_request');
  return new Request('http://fake.local/', { method: 'POST', headers: { 'content-type': contentType }, body }).formData();
}

function collectFields(rec: RecordedRequest, form: FormData): void {
  for (const [k, v] of form.entries()) {
    if (typeof v !== 'string') continue;
    const prev = rec.fields[k];
    rec.fields[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
}

async function describeFile(field: string, name: string, type: string, bytes: Uint8Array): Promise<RecordedFile> {
  const meta = await sharp(bytes).metadata().catch(() => null);
  return {
    field, name, type, bytes: bytes.length,
    ...(meta ? { format: meta.format, width: meta.width ?? 0, height: meta.height ?? 0, hasAlpha: Boolean(meta.hasAlpha) } : {}),
  };
}

async function decodeOrFail(bytes: Uint8Array, param: string): Promise<{ data: Buffer; width: number; height: number }> {
  try {
    const { data, info } = await sharp(bytes).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height };
  } catch {
    throw new HttpError(400, 'Invalid image file or mode for image 1, please check your image file.', 'invalid_image_file', param);
  }
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function sendError(res: ServerResponse, e: HttpError): void {
  if (res.headersSent) { res.end(); return; }
  sendJson(res, e.status, { error: { message: e.message, type: e.type, param: e.param, code: e.code } });
}

function writeEvent(res: ServerResponse, event: string, data: unknown): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

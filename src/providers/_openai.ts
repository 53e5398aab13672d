/**
 * Shared plumbing of the OpenAI surfaces: one way to create the official SDK client (key, base URL, retries,
 * timeout), one way to turn SDK errors into {@link ProviderError}s, and the encoding of images and masks into
 * named, typed files.
 *
 * Retries are the SDK's own (`maxRetries`, default 2 here): it retries 408/409/429/5xx and connection errors
 * with exponential backoff (0.5 s doubling, at most 8 s, with jitter) and honours `Retry-After` /
 * `retry-after-ms`; 4xx user errors are never retried. The SDK waits as long as Retry-After says, so the fetch
 * wrapper below caps that header at {@link MAX_RETRY_AFTER_MS} to keep the total wait bounded.
 */
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError, toFile } from 'openai';
import type { ImageEditStreamEvent, ImagesResponse } from 'openai/resources/images';
import { AbortError, MaskeditError, throwIfAborted } from '../core/errors.js';
import { getModel } from '../core/models.js';
import { editMaskToApiRgba, type EditMask, type Raster } from '../core/raster.js';
import { decodeImage, encodeImage, MIME, type ImageFormat } from '../io/image.js';
import { HINTS, hintForStatus, ProviderError, providerCode, redactSecrets } from './errors.js';
import type { ProviderRequest, ProviderUsage } from './provider.js';

export interface OpenAIClientOptions {
  /**
   * Required (OPENAI_API_KEY_MISSING without it). Never logged, stored or echoed. The library reads no
   * environment: the CLI and the server pass OPENAI_API_KEY from theirs (docs/architecture.md).
   */
  apiKey?: string;
  /** Default https://api.openai.com/v1 ({@link DEFAULT_BASE_URL}); the CLI passes OPENAI_BASE_URL when set. */
  baseURL?: string;
  /** Retries for 408/409/429/5xx and connection errors (default 2). */
  maxRetries?: number;
  /** Per-attempt timeout in milliseconds (default 10 minutes: high-quality edits can take over a minute). */
  timeoutMs?: number;
  /** An already-made client (tests, or callers sharing one); the fields above are then ignored. */
  client?: OpenAI;
}

export const DEFAULT_MAX_RETRIES = 2;
/** The SDK's default base URL (used when no base URL is given, or an empty one). */
export const DEFAULT_BASE_URL = 'https://api.openai.com/v1';
export const DEFAULT_TIMEOUT_MS = 10 * 60_000;
/** Longest Retry-After maskedit will sleep for before a retry. */
export const MAX_RETRY_AFTER_MS = 30_000;

/**
 * The official client, configured. Throws OPENAI_API_KEY_MISSING when no key is given. The key and the base
 * URL are always passed to the SDK, so it never falls back to reading the environment itself.
 *
 * @example
 * const client = createOpenAIClient({ apiKey: key, maxRetries: 3 });
 */
export function createOpenAIClient(opts: OpenAIClientOptions = {}): OpenAI {
  if (opts.client) return opts.client;
  const apiKey = opts.apiKey;
  if (!apiKey) {
    throw new MaskeditError('OPENAI_API_KEY_MISSING',
      'the openai provider needs an API key; OPENAI_API_KEY is not set',
      'export OPENAI_API_KEY=… in your shell (keys: https://platform.openai.com/api-keys), or run offline with --provider local');
  }
  return new OpenAI({
    apiKey,
    baseURL: opts.baseURL || DEFAULT_BASE_URL,
    maxRetries: opts.maxRetries ?? DEFAULT_MAX_RETRIES,
    timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    fetch: capRetryAfter(globalThis.fetch),
  });
}

/** A fetch that shortens Retry-After / retry-after-ms headers above {@link MAX_RETRY_AFTER_MS}. */
export function capRetryAfter(fetchImpl: typeof fetch, maxMs: number = MAX_RETRY_AFTER_MS): typeof fetch {
  return async (input, init) => {
    const res = await fetchImpl(input, init);
    if (res.status !== 429 && res.status < 500) return res;
    const ms = retryAfterMs(res.headers);
    if (ms === undefined || ms <= maxMs) return res;
    const headers = new Headers(res.headers);
    headers.delete('retry-after-ms');
    headers.set('retry-after', String(maxMs / 1000));
    return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
  };
}

function retryAfterMs(h: Headers): number | undefined {
  const ms = Number.parseFloat(h.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms)) return ms;
  const raw = h.get('retry-after');
  if (!raw) return undefined;
  const s = Number.parseFloat(raw);
  if (Number.isFinite(s)) return s * 1000;
  const date = Date.parse(raw);
  return Number.isFinite(date) ? date - Date.now() : undefined;
}

/**
 * Any error out of the SDK as a maskedit error: aborts → AbortError, HTTP errors → ProviderError with OpenAI's
 * code, message, param and a hint, connection problems → OPENAI_CONNECTION / OPENAI_TIMEOUT. `apiKey` (the
 * client's) is masked wherever a server echoed it; `baseURL` (the client's) is named, credentials redacted, when
 * it is not OpenAI's own.
 */
export function mapOpenAIError(e: unknown, apiKey?: string | null, baseURL?: string): MaskeditError {
  const secrets = [apiKey ?? undefined];
  if (e instanceof MaskeditError) return e;
  if (e instanceof APIUserAbortError || (e instanceof Error && e.name === 'AbortError')) return new AbortError();
  if (e instanceof APIConnectionTimeoutError) {
    return new ProviderError('OPENAI_TIMEOUT', 'the request to OpenAI timed out', 'try again; for slow high-quality edits raise the timeout (timeoutMs) or use --quality medium', { cause: e });
  }
  if (e instanceof APIConnectionError) {
    // The default base URL is named as "the OpenAI API"; another one (OPENAI_BASE_URL) by its address.
    const base = baseURL && baseURL !== DEFAULT_BASE_URL ? redactSecrets(baseURL) : undefined;
    return new ProviderError('OPENAI_CONNECTION', `could not reach ${base ?? `the OpenAI API (${DEFAULT_BASE_URL})`} (${redactSecrets(String((e.cause as Error | undefined)?.message ?? e.message), secrets)})`,
      base ? `check that OPENAI_BASE_URL=${base} is up and reachable` : 'check your network connection and proxy settings', { cause: e });
  }
  if (e instanceof APIError) {
    const openaiCode = typeof e.code === 'string' && e.code ? e.code : undefined;
    const body = (e.error ?? {}) as { message?: unknown };
    const raw = typeof body.message === 'string' && body.message ? body.message : e.message;
    const status = typeof e.status === 'number' ? e.status : undefined;
    const message = `OpenAI answered ${status ?? 'an error'}${openaiCode ? ` ${openaiCode}` : ''}: ${redactSecrets(raw, secrets)}${e.param ? ` (param: ${e.param})` : ''}`;
    const fix = (openaiCode && HINTS[openaiCode]) || hintForStatus(status);
    return new ProviderError(providerCode(openaiCode, status), message, fix, {
      ...(status !== undefined ? { status } : {}),
      ...(openaiCode ? { openaiCode } : {}),
      ...(e.param ? { param: e.param } : {}),
      ...(e.type ? { type: e.type } : {}),
      ...(e.requestID ? { requestId: e.requestID } : {}),
      cause: e,
    });
  }
  const message = e instanceof Error ? e.message : String(e);
  return new ProviderError('OPENAI_ERROR', `the OpenAI request failed: ${redactSecrets(message, secrets)}`, 'rerun with MASKEDIT_DEBUG=1 for details', { cause: e });
}

/** An RGBA raster as a PNG upload with a real MIME type and file name. */
export async function imageUpload(image: Raster, name = 'image.png', format: ImageFormat = 'png'): Promise<File> {
  const bytes = await encodeImage(image, { format });
  return toFile(bytes, name, { type: MIME[format] });
}

/** The edit mask as OpenAI's mask file: RGBA PNG, alpha 0 where editable (CreateImageEditRequest.mask). */
export async function maskUpload(mask: EditMask, name = 'mask.png'): Promise<File> {
  return toFile(await encodeImage(editMaskToApiRgba(mask), { format: 'png' }), name, { type: 'image/png' });
}

/** A reference image's bytes as a named, typed upload. */
export async function referenceUpload(ref: { bytes: Uint8Array; mime: string; name?: string }, index: number): Promise<File> {
  const ext = ref.mime === 'image/jpeg' ? 'jpg' : ref.mime === 'image/webp' ? 'webp' : 'png';
  return toFile(ref.bytes, ref.name ?? `reference-${index + 1}.${ext}`, { type: ref.mime });
}

/** Drops undefined fields so the request carries only what was set. */
export function definedFields<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Decodes the model's base64 outputs to RGBA rasters (io decodeImage: any of png/jpeg/webp). */
export async function decodeOutputs(b64s: readonly string[]): Promise<(Raster & { channels: 4 })[]> {
  if (!b64s.length) {
    throw new ProviderError('OPENAI_NO_IMAGE', 'OpenAI answered without an image (no b64_json in data)', 'try again; if it persists, check that the model returns base64 images (GPT image models always do)');
  }
  return Promise.all(b64s.map(async (b64, i) => (await decodeImage(Buffer.from(b64, 'base64'), { label: `output ${i + 1}` })).raster));
}

/** The non-file fields of an edit request, as both surfaces send them (unset fields omitted). */
export function editFields(request: ProviderRequest): Record<string, string | number | boolean> {
  const streaming = (request.partialImages ?? 0) > 0;
  const dalle = getModel(request.model).family === 'dall-e';
  return definedFields({
    model: request.model,
    prompt: request.prompt,
    n: request.n,
    size: request.size,
    quality: request.quality,
    input_fidelity: request.inputFidelity,
    background: request.background,
    complexity: request.complexity,
    moderation: request.moderation,
    output_format: request.outputFormat,
    // dall-e-2 answers with URLs unless asked for base64; GPT image models always send base64.
    response_format: dalle ? 'b64_json' : undefined,
    stream: streaming ? true : undefined,
    partial_images: streaming ? request.partialImages : undefined,
  }) as Record<string, string | number | boolean>;
}

interface EditAnswer {
  b64s: string[];
  usage?: ProviderUsage;
  revisedPrompt?: string;
}

/**
 * Reads an ImagesResponse, or a stream of ImageEditStreamEvents: each `image_edit.partial_image` goes to
 * request.onPartial, each `image_edit.completed` gives an output image and the usage.
 */
export async function readEditAnswer(answer: ImagesResponse | AsyncIterable<ImageEditStreamEvent>, request: ProviderRequest): Promise<EditAnswer> {
  if (Symbol.asyncIterator in answer) {
    const b64s: string[] = [];
    let usage: ProviderUsage | undefined;
    for await (const ev of answer) {
      throwIfAborted(request.signal);
      if (ev.type === 'image_edit.partial_image') {
        request.onPartial?.({ index: ev.partial_image_index, b64: ev.b64_json, outputFormat: ev.output_format });
        request.onProgress?.({ step: 'provider', message: `partial image ${ev.partial_image_index + 1}/${request.partialImages ?? '?'}` });
      } else if (ev.type === 'image_edit.completed') {
        b64s.push(ev.b64_json);
        // Each completed event carries the request's usage; keep the last one.
        usage = ev.usage ?? usage;
      }
    }
    return { b64s, ...(usage ? { usage } : {}) };
  }
  const b64s = (answer.data ?? []).map((d) => d.b64_json).filter((b): b is string => typeof b === 'string' && b.length > 0);
  const revisedPrompt = answer.data?.find((d) => d.revised_prompt)?.revised_prompt;
  return { b64s, ...(answer.usage ? { usage: answer.usage } : {}), ...(revisedPrompt ? { revisedPrompt } : {}) };
}

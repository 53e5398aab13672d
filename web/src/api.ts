/**
 * The studio's client for its server (`src/studio/plugin.ts`): config, the mask doctor, the selection and the
 * edit, streamed as server-sent events over a POST (EventSource cannot POST), so one fetch carries the upload,
 * the progress and the result, and aborting it cancels the edit on the server. Every failure goes through
 * {@link studioFailure}.
 */
import type { Problem, StudioCheck as StudioCheckOf, StudioConfig, StudioResult as StudioResultOf, StudioSelect } from 'maskedit/client';

export type { StudioConfig, StudioSelect } from 'maskedit/client';

/** core/spillover.ts `RegionStats` as JSON (Infinity PSNR becomes null). */
export interface RegionView {
  pixels: number;
  changedPixels: number;
  changedFraction: number;
  meanAbsDiff: number;
  psnr: number | null;
  ssim: number;
}

export interface Spill {
  outside: RegionView;
  inside: RegionView;
  verdict: 'local' | 'spilled' | 'rewritten';
  threshold: number;
}

/** The parts of the edit report the studio shows (the whole report is downloadable). */
export interface EditReportView {
  provider: string;
  engine?: string;
  model: string;
  image: { width: number; height: number };
  request: { size: string; quality?: string; inputFidelity?: string; prompt: string };
  fidelity: { value?: string; reason: string };
  plan: { mode: string; detail: { crop: number; whole: number } };
  spillover: Spill;
  finalOutsideChangedPixels: number;
  estimatedCostUsd: number;
  billed: boolean;
  problems: Problem[];
  repairs: string[];
  timingsMs: Record<string, number>;
}

/** `POST /api/edit`'s answer, with the report parts the page shows. */
export type StudioResult = StudioResultOf<EditReportView>;

/** `POST /api/check`'s answer, with the report parts the page reads. */
export type StudioCheck = StudioCheckOf<{ ok: boolean; problems: Problem[]; image: { width: number; height: number } | null; mask: { editableFraction: number } | null }>;

/**
 * Every failure of a studio call, as one error: OpenAI's error message and code (`invalid_mask_image_format`,
 * `engine_failed`, …, null when the server sent none) and the HTTP status (0 when there is none: the stream had
 * already started with 200, or the server was not reached).
 */
export class StudioApiError extends Error {
  constructor(message: string, readonly code: string | null, readonly status: number) {
    super(message);
    this.name = 'StudioApiError';
  }
}

/**
 * The one failure path: an error answer, an `error` event in a stream, a stream that ends before its result and
 * a server that cannot be reached all become a {@link StudioApiError} here. `body` is OpenAI's error body
 * (`{ error: { message, code } }`) when the server sent one; `fallback` is the message when it did not.
 */
export function studioFailure(body: unknown, status: number, fallback: string): StudioApiError {
  const e = (body as { error?: { message?: unknown; code?: unknown } } | null | undefined)?.error;
  const message = typeof e?.message === 'string' && e.message ? e.message : fallback;
  return new StudioApiError(message, typeof e?.code === 'string' ? e.code : null, status);
}

/** fetch with the failures above; an abort (the user's Cancel) stays the AbortError it is. */
async function call(url: string, init: RequestInit = {}): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw studioFailure(null, 0, `cannot reach the studio server (${(e as Error).message})`);
  }
  if (!res.ok) throw studioFailure(await res.json().catch(() => null), res.status, `${res.status} ${res.statusText}`);
  return res;
}

const post = (url: string, form: FormData) => call(url, { method: 'POST', body: form });

export async function getConfig(): Promise<StudioConfig> {
  return (await (await call('/api/config')).json()) as StudioConfig;
}

export async function checkPair(image: Blob, imageName: string, mask: Blob, maskName: string, model: string): Promise<StudioCheck> {
  const form = new FormData();
  form.append('image', image, imageName);
  form.append('mask', mask, maskName);
  form.append('model', model);
  return (await (await post('/api/check', form)).json()) as StudioCheck;
}

/** Smart selection on the server: `select` is `box:X,Y,W,H` or `point:X,Y` in image pixels. */
export async function selectObject(image: Blob, imageName: string, select: string): Promise<StudioSelect> {
  const form = new FormData();
  form.append('image', image, imageName);
  form.append('select', select);
  return (await (await post('/api/select', form)).json()) as StudioSelect;
}

export interface ProgressInfo {
  step: string;
  fraction?: number;
  message?: string;
}

export interface RunHandlers {
  onProgress?: (p: ProgressInfo) => void;
  onPartial?: (p: { index: number; crop: number; image: string }) => void;
  signal?: AbortSignal;
}

/**
 * Server-sent events from a fetch body (WHATWG HTML §9.2: `event:` and `data:` lines, a blank line ends an
 * event; a frame may arrive in pieces). EventSource cannot POST, so the studio reads the stream itself.
 */
async function* events(res: Response): AsyncGenerator<{ event: string; data: unknown }> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      let data = '';
      for (const line of frame.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data += line.slice(5).trimStart();
      }
      if (data) yield { event, data: JSON.parse(data) as unknown };
    }
  }
}

/**
 * Runs an edit and resolves with its result; rejects with {@link StudioApiError} (or an AbortError when
 * `signal` fires). The server streams `progress`, `partial` and `result` — or `error` (OpenAI's error body)
 * when the edit fails after the stream opened.
 */
export async function runEdit(form: FormData, handlers: RunHandlers = {}): Promise<StudioResult> {
  const res = await call('/api/edit', { method: 'POST', body: form, headers: { accept: 'text/event-stream' }, ...(handlers.signal ? { signal: handlers.signal } : {}) });
  if (!res.headers.get('content-type')?.includes('text/event-stream')) return (await res.json()) as StudioResult;
  for await (const { event, data } of events(res)) {
    if (event === 'progress') handlers.onProgress?.(data as ProgressInfo);
    else if (event === 'partial') handlers.onPartial?.(data as { index: number; crop: number; image: string });
    else if (event === 'result') return data as StudioResult;
    else if (event === 'error') throw studioFailure(data, 0, 'the edit failed after it started');
  }
  throw studioFailure(null, 0, 'the server closed the stream before the result');
}

/**
 * The studio's client for its server (`src/studio/plugin.ts`): config, the mask doctor and the edit, streamed
 * as server-sent events over a POST (EventSource cannot POST), so one fetch carries the upload, the progress and
 * the result, and aborting it cancels the edit on the server.
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

/** An answer in OpenAI's error body, raised as an Error with its code. */
export class StudioApiError extends Error {
  constructor(message: string, readonly code: string | null, readonly status: number) {
    super(message);
    this.name = 'StudioApiError';
  }
}

async function failure(res: Response): Promise<StudioApiError> {
  try {
    const body = (await res.json()) as { error?: { message?: string; code?: string | null } };
    return new StudioApiError(body.error?.message ?? res.statusText, body.error?.code ?? null, res.status);
  } catch {
    return new StudioApiError(`${res.status} ${res.statusText}`, null, res.status);
  }
}

export async function getConfig(): Promise<StudioConfig> {
  const res = await fetch('/api/config');
  if (!res.ok) throw await failure(res);
  return (await res.json()) as StudioConfig;
}

export async function checkPair(image: Blob, imageName: string, mask: Blob, maskName: string, model: string): Promise<StudioCheck> {
  const form = new FormData();
  form.append('image', image, imageName);
  form.append('mask', mask, maskName);
  form.append('model', model);
  const res = await fetch('/api/check', { method: 'POST', body: form });
  if (!res.ok) throw await failure(res);
  return (await res.json()) as StudioCheck;
}

/** Smart selection on the server: `select` is `box:X,Y,W,H` or `point:X,Y` in image pixels. */
export async function selectObject(image: Blob, imageName: string, select: string): Promise<StudioSelect> {
  const form = new FormData();
  form.append('image', image, imageName);
  form.append('select', select);
  const res = await fetch('/api/select', { method: 'POST', body: form });
  if (!res.ok) throw await failure(res);
  return (await res.json()) as StudioSelect;
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
 * Runs an edit and resolves with its result; rejects with {@link StudioApiError} (or an AbortError when
 * `signal` fires).
 */
export async function runEdit(form: FormData, handlers: RunHandlers = {}): Promise<StudioResult> {
  const res = await fetch('/api/edit', { method: 'POST', body: form, headers: { accept: 'text/event-stream' }, ...(handlers.signal ? { signal: handlers.signal } : {}) });
  if (!res.ok) throw await failure(res);
  if (!res.headers.get('content-type')?.includes('text/event-stream')) return (await res.json()) as StudioResult;
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    // Events end with a blank line (WHATWG HTML §9.2); a frame may arrive in pieces.
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
      if (!data) continue;
      const payload = JSON.parse(data) as unknown;
      if (event === 'progress') handlers.onProgress?.(payload as ProgressInfo);
      else if (event === 'partial') handlers.onPartial?.(payload as { index: number; crop: number; image: string });
      else if (event === 'result') return payload as StudioResult;
      else if (event === 'error') {
        const e = (payload as { error: { message: string; code: string | null } }).error;
        throw new StudioApiError(e.message, e.code, 500);
      }
    }
  }
  throw new StudioApiError('the server closed the stream before the result', null, 0);
}

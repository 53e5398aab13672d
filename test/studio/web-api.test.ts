/**
 * The web app's server calls (web/src/api.ts) against a stubbed fetch: every way a call can fail ends in the one
 * failure path (`studioFailure` → StudioApiError with OpenAI's message and code), and the event-stream reader
 * takes frames split anywhere.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { getConfig, runEdit, selectObject, StudioApiError, studioFailure } from '../../web/src/api.js';

afterEach(() => { vi.unstubAllGlobals(); });

const stubFetch = (fn: (url: string, init?: RequestInit) => Promise<Response>) => vi.stubGlobal('fetch', vi.fn(fn));

/** A streamed answer whose bytes arrive in the given pieces. */
function streamed(pieces: string[]): Response {
  const enc = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      for (const p of pieces) c.enqueue(enc.encode(p));
      c.close();
    },
  });
  return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream; charset=utf-8' } });
}

const frame = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
const failure = async (p: Promise<unknown>) => {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(StudioApiError);
  const err = e as StudioApiError;
  return { message: err.message, code: err.code, status: err.status };
};

describe('studioFailure', () => {
  it.each<[string, unknown, { message: string; code: string | null }]>([
    ['OpenAI\'s error body', { error: { message: 'Invalid mask', type: 'invalid_request_error', param: 'mask', code: 'invalid_mask_image_format' } }, { message: 'Invalid mask', code: 'invalid_mask_image_format' }],
    ['a body with a null code', { error: { message: 'The server had an error', code: null } }, { message: 'The server had an error', code: null }],
    ['an empty message', { error: { message: '', code: 'x' } }, { message: 'fallback', code: 'x' }],
    ['no body', null, { message: 'fallback', code: null }],
    ['another shape', { detail: 'nope' }, { message: 'fallback', code: null }],
    ['a non-string message and code', { error: { message: 42, code: 7 } }, { message: 'fallback', code: null }],
  ])('reads %s', (_name, body, expected) => {
    const e = studioFailure(body, 418, 'fallback');
    expect({ message: e.message, code: e.code, status: e.status, name: e.name }).toEqual({ ...expected, status: 418, name: 'StudioApiError' });
  });
});

describe('calls that fail', () => {
  it('an error answer: its message, code and status', async () => {
    stubFetch(async () => Response.json({ error: { message: 'Missing required parameter: \'image\'.', type: 'invalid_request_error', param: 'image', code: 'missing_required_parameter' } }, { status: 400 }));
    expect(await failure(selectObject(new Blob([]), 'a.png', 'point:1,1'))).toEqual({ message: 'Missing required parameter: \'image\'.', code: 'missing_required_parameter', status: 400 });
  });

  it('an error answer that is not JSON: the status line', async () => {
    stubFetch(async () => new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }));
    expect(await failure(getConfig())).toEqual({ message: '502 Bad Gateway', code: null, status: 502 });
  });

  it('a server that cannot be reached: status 0 and the network\'s reason', async () => {
    stubFetch(async () => { throw new TypeError('fetch failed'); });
    expect(await failure(getConfig())).toEqual({ message: 'cannot reach the studio server (fetch failed)', code: null, status: 0 });
  });

  it('a cancel stays an AbortError (the page says "Cancelled")', async () => {
    stubFetch(async () => { throw new DOMException('The operation was aborted.', 'AbortError'); });
    const e = await runEdit(new FormData()).then(() => null, (err: unknown) => err);
    expect([(e as Error).name, e instanceof StudioApiError]).toEqual(['AbortError', false]);
  });

  it('an error event after the stream opened: OpenAI\'s body, status 0', async () => {
    const progress: string[] = [];
    stubFetch(async () => streamed([frame('progress', { step: 'plan' }), frame('error', { error: { message: 'the engine ran out of memory. Fix: use a smaller image', type: 'server_error', param: null, code: 'engine_failed' } })]));
    expect(await failure(runEdit(new FormData(), { onProgress: (p) => progress.push(p.step) }))).toEqual({ message: 'the engine ran out of memory. Fix: use a smaller image', code: 'engine_failed', status: 0 });
    expect(progress).toEqual(['plan']);
  });

  it('a stream that ends before its result', async () => {
    stubFetch(async () => streamed([frame('progress', { step: 'plan' })]));
    expect(await failure(runEdit(new FormData()))).toEqual({ message: 'the server closed the stream before the result', code: null, status: 0 });
  });
});

describe('runEdit', () => {
  it('reads events split anywhere, calls the handlers in order and resolves with the result', async () => {
    const text = frame('progress', { step: 'check' }) + frame('partial', { index: 0, crop: 0, image: 'data:image/png;base64,AA==' }) + frame('progress', { step: 'stitch', fraction: 1 }) + frame('result', { width: 2, height: 1 });
    // Every 7 characters: frames and lines cut in the middle.
    const pieces = text.match(/[\s\S]{1,7}/g)!;
    stubFetch(async (url, init) => {
      expect([url, init?.method, (init?.headers as Record<string, string>).accept]).toEqual(['/api/edit', 'POST', 'text/event-stream']);
      return streamed(pieces);
    });
    const seen: string[] = [];
    const result = await runEdit(new FormData(), { onProgress: (p) => seen.push(`progress ${p.step}${p.fraction !== undefined ? ` ${p.fraction}` : ''}`), onPartial: (p) => seen.push(`partial ${p.index}`) });
    expect(result).toEqual({ width: 2, height: 1 });
    expect(seen).toEqual(['progress check', 'partial 0', 'progress stitch 1']);
  });

  it('takes a plain JSON answer too', async () => {
    stubFetch(async () => Response.json({ width: 3, height: 4 }));
    expect(await runEdit(new FormData())).toEqual({ width: 3, height: 4 });
  });
});

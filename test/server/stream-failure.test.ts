/**
 * The one failure path of streamed answers (src/server/stream-failure.ts): unit cases for each branch, then the
 * three streamed routes — `/v1/images/edits`, `/v1/responses`, the studio's `/api/edit` — each with a provider
 * that fails after the stream opened, ending their streams the same way.
 */
import type { FastifyRequest } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MaskeditError } from '../../src/core/errors.js';
import type { Provider } from '../../src/providers/provider.js';
import { ApiError, type OpenAIErrorBody } from '../../src/server/errors.js';
import { responsesRoutes } from '../../src/server/routes/responses.js';
import type { SseStream } from '../../src/server/sse.js';
import { failStream } from '../../src/server/stream-failure.js';
import { studioPlugin } from '../../src/studio/plugin.js';
import { boxMask, dataUrl, noisyPng, postMultipart, testServer, type TestServer } from './_fixtures.js';

function fakeStream() {
  const written: [string, unknown][] = [];
  let ended = false;
  const sse: SseStream = {
    send: async (event, data) => { written.push([event, data]); },
    error: async (body: OpenAIErrorBody) => { written.push(['error', body]); },
    end: () => { ended = true; },
    get closed() { return ended; },
  };
  return { sse, written, ended: () => ended };
}

function fakeRequest() {
  const error = vi.fn();
  const info = vi.fn();
  return { request: { id: 'req-7', log: { error, info } } as unknown as FastifyRequest, error, info };
}

const INTERNAL = 'The server had an error while processing your request (request id req-7). The details are in the server log.';

describe('failStream', () => {
  it('throws the error on when no stream is open (the error boundary answers it with its status)', async () => {
    const { request, error, info } = fakeRequest();
    const boom = new Error('boom');
    await expect(failStream(request, undefined, boom, { signal: new AbortController().signal })).rejects.toBe(boom);
    expect([error.mock.calls.length, info.mock.calls.length]).toEqual([0, 0]);
  });

  it('throws the abort\'s own reason (timeout, shutdown) when the work was aborted with one', async () => {
    const { request } = fakeRequest();
    const controller = new AbortController();
    const timeout = new ApiError({ status: 504, apiCode: 'timeout', code: 'REQUEST_TIMEOUT', message: 'The request took longer than 1 s.' });
    controller.abort(timeout);
    await expect(failStream(request, undefined, new Error('aborted'), { signal: controller.signal })).rejects.toBe(timeout);
  });

  it('ends an open stream with one error event (OpenAI\'s body) and logs a 5xx once at error level', async () => {
    const { request, error, info } = fakeRequest();
    const { sse, written, ended } = fakeStream();
    await failStream(request, sse, new Error('disk on fire'), { signal: new AbortController().signal });
    expect(written).toEqual([['error', { error: { message: INTERNAL, type: 'server_error', param: null, code: null } }]]);
    expect(ended()).toBe(true);
    expect(error.mock.calls.map((c) => c[1])).toEqual(['stream failed']);
    expect((error.mock.calls[0]![0] as { err: { message: string } }).err.message).toBe('disk on fire');
    expect(info.mock.calls.length).toBe(0);
  });

  it('writes the abort reason of an aborted stream (a 504: error level) and logs a 4xx at info level with its code', async () => {
    const { request, error, info } = fakeRequest();
    const { sse, written } = fakeStream();
    const controller = new AbortController();
    controller.abort(new ApiError({ status: 504, apiCode: 'timeout', code: 'REQUEST_TIMEOUT', message: 'The request took longer than 1 s.' }));
    await failStream(request, sse, new Error('aborted'), { signal: controller.signal });
    expect(written).toEqual([['error', { error: { message: 'The request took longer than 1 s.', type: 'server_error', param: null, code: 'timeout' } }]]);
    // 504 is a server status: logged at error level, once.
    expect([error.mock.calls.length, info.mock.calls.length]).toEqual([1, 0]);
    const { sse: sse2, written: written2 } = fakeStream();
    await failStream(request, sse2, new MaskeditError('MASK_NO_ALPHA', 'mask.png has no alpha channel', 'add one'), { signal: new AbortController().signal, params: { image: 'images[0]', mask: 'mask' } });
    expect(written2).toEqual([['error', { error: { message: 'Invalid mask image format - mask image missing alpha channel', type: 'invalid_request_error', param: 'mask', code: 'invalid_mask_image_format' } }]]);
    expect(info.mock.calls).toEqual([[{ code: 'MASK_NO_ALPHA', status: 400 }, 'stream ended with an error']]);
  });

  it('lets the route write its own closing events instead (the Responses route\'s response.failed)', async () => {
    const { request } = fakeRequest();
    const { sse, written, ended } = fakeStream();
    await failStream(request, sse, new Error('x'), {
      signal: new AbortController().signal,
      write: async (err, s) => { await s.send('response.failed', { code: err.apiCode, status: err.status }); },
    });
    expect(written).toEqual([['response.failed', { code: null, status: 500 }]]);
    expect(ended()).toBe(true);
  });
});

/** Fails at the provider step, after the doctor, the linter and the plan: every route has opened its stream. */
const failing = (error: Error): Provider => ({ name: 'local', surface: 'engine', edit: async () => { throw error; } });

const frames = (body: string) => body.trim().split('\n\n').map((f) => ({ event: /^event: (.*)$/m.exec(f)![1]!, data: JSON.parse(/^data: (.*)$/m.exec(f)![1]!) as Record<string, unknown> }));

describe.each<[string, Error, { message: string | RegExp; type: string; code: string | null }]>([
  ['an unexpected error', new Error('disk on fire'), { message: /^The server had an error while processing your request \(request id [\w-]+\)\. The details are in the server log\.$/, type: 'server_error', code: null }],
  ['a coded engine failure', new MaskeditError('ENGINE_FAILED', 'the engine ran out of memory', 'use a smaller image'), { message: 'the engine ran out of memory. Fix: use a smaller image', type: 'server_error', code: 'engine_failed' }],
])('every streamed route ends with the same error event on %s', (_name, error, expected) => {
  let server: TestServer;
  let image: Buffer;
  let mask: Buffer;
  const PROMPT = 'A noisy test card with the square filled in. Preserve everything else.';
  beforeAll(async () => {
    server = await testServer({ today: '2026-11-30', provider: failing(error), plugins: [responsesRoutes(), studioPlugin({ env: {} })] });
    image = await noisyPng(128, 128);
    mask = await boxMask(128, 128, { x: 48, y: 48, w: 32, h: 32 });
  });
  afterAll(() => server.close());

  const check = (data: Record<string, unknown>) => {
    const body = data as unknown as OpenAIErrorBody;
    expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
    expect({ ...body.error, message: typeof expected.message === 'string' ? body.error.message : expected.message.test(body.error.message) })
      .toEqual({ type: expected.type, code: expected.code, param: null, message: typeof expected.message === 'string' ? expected.message : true });
  };

  it('POST /v1/images/edits (stream=true)', async () => {
    const res = await postMultipart(server.app, '/v1/images/edits', [['image', { bytes: image }], ['mask', { bytes: mask }], ['prompt', PROMPT], ['stream', 'true']]);
    expect([res.statusCode, res.headers['content-type']]).toEqual([200, 'text/event-stream; charset=utf-8']);
    const events = frames(res.body);
    expect(events.map((e) => e.event)).toEqual(['error']);
    check(events[0]!.data);
  });

  it('POST /api/edit (text/event-stream)', async () => {
    const res = await postMultipart(server.app, '/api/edit', [['image', { bytes: image }], ['mask', { bytes: mask }], ['prompt', PROMPT]], { headers: { accept: 'text/event-stream' } });
    expect([res.statusCode, res.headers['content-type']]).toEqual([200, 'text/event-stream; charset=utf-8']);
    const events = frames(res.body);
    expect(events.at(-1)!.event).toBe('error');
    expect(events.slice(0, -1).every((e) => e.event === 'progress')).toBe(true);
    check(events.at(-1)!.data);
  });

  it('POST /v1/responses (stream: true): response.failed, then the same error body', async () => {
    const res = await server.app.inject({
      method: 'POST', url: '/v1/responses',
      payload: {
        model: 'gpt-4.1', stream: true,
        input: [{ role: 'user', content: [{ type: 'input_text', text: PROMPT }, { type: 'input_image', image_url: dataUrl(image) }] }],
        tools: [{ type: 'image_generation', model: 'gpt-image-2', quality: 'low', input_image_mask: { image_url: dataUrl(mask) } }],
      },
    });
    expect([res.statusCode, res.headers['content-type']]).toEqual([200, 'text/event-stream; charset=utf-8']);
    const events = frames(res.body);
    expect(events.slice(-2).map((e) => e.event)).toEqual(['response.failed', 'error']);
    const failed = events.at(-2)!.data as { response: { status: string; error: { code: string } } };
    expect([failed.response.status, failed.response.error.code]).toEqual(['failed', expected.code ?? 'server_error']);
    check({ error: (events.at(-1)!.data as { error: unknown }).error });
  });
});

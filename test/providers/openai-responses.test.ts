/**
 * The responses surface against maskedit's own server (POST /v1/responses over a real socket, embedded telea
 * engine): the shared provider contract, the CreateResponse body it builds, streaming partials, follow-ups with
 * previous_response_id and error mapping.
 */
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MaskeditError } from '../../src/core/errors.js';
import { localProvider } from '../../src/providers/local.js';
import { DEFAULT_RESPONSES_MODEL, openaiResponsesProvider, responsesBody, type OpenAIResponsesOptions } from '../../src/providers/openai-responses.js';
import type { Provider, ProviderRequest } from '../../src/providers/provider.js';
import { responsesRoutes } from '../../src/server/routes/responses.js';
import { testServer, type TestServer } from '../server/_fixtures.js';
import { request, runProviderContract } from './provider.case.js';

let server: TestServer;
let baseURL: string;
/** What the server's engine was asked for, per call (the other side of the wire). */
const received: ProviderRequest[] = [];

beforeAll(async () => {
  const local = localProvider({ engine: 'telea' });
  const recording: Provider = { name: 'local', surface: 'engine', edit: (r) => { received.push(r); return local.edit(r); } };
  // Judged on a fixed date: the requests name gpt-image-1.5 (deprecated then, shut down 2026-12-01).
  server = await testServer({ provider: recording, today: '2026-11-30', plugins: [responsesRoutes()] });
  await server.app.listen({ port: 0, host: '127.0.0.1' });
  baseURL = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}/v1`;
});
afterAll(async () => { await server.close(); });

const make = (extra: Partial<OpenAIResponsesOptions> = {}) => openaiResponsesProvider({ apiKey: 'unused', baseURL, maxRetries: 0, ...extra });

runProviderContract({
  name: 'openai responses (maskedit serve)',
  make: () => make(),
  lastSent: () => {
    const r = received.at(-1);
    return r && { model: r.model, size: r.size, quality: r.quality, prompt: r.prompt };
  },
  bad: { request: { prompt: 'x'.repeat(32001) }, code: 'OPENAI_STRING_ABOVE_MAX_LENGTH' },
});

describe('responsesBody', () => {
  it('builds CreateResponse: text + image data URL in a user message, the image_generation tool with the mask', async () => {
    const req = request({ size: '1024x1024', quality: 'low', inputFidelity: 'high', previousResponseId: 'resp_1' });
    const body = await responsesBody(req);
    expect(body).toMatchObject({
      model: DEFAULT_RESPONSES_MODEL, previous_response_id: 'resp_1', tool_choice: { type: 'image_generation' },
      input: [{ role: 'user', content: [{ type: 'input_text', text: req.prompt }, { type: 'input_image', detail: 'auto', image_url: expect.stringMatching(/^data:image\/png;base64,/) }] }],
      tools: [{ type: 'image_generation', model: 'gpt-image-1.5', action: 'edit', size: '1024x1024', quality: 'low', input_fidelity: 'high', input_image_mask: { image_url: expect.stringMatching(/^data:image\/png;base64,/) } }],
    });
    expect(body.stream).toBeUndefined();
    expect(Object.keys(body.tools[0]!)).not.toContain('partial_images');
    // The mask is OpenAI's: RGBA, alpha 0 exactly where the edit mask is 255.
    const url = (body.tools[0] as { input_image_mask: { image_url: string } }).input_image_mask.image_url;
    const { data, info } = await sharp(Buffer.from(url.split(',')[1]!, 'base64')).raw().toBuffer({ resolveWithObject: true });
    expect(info.channels).toBe(4);
    let mismatches = 0;
    for (let i = 0; i < req.mask.data.length; i++) if ((data[i * 4 + 3] === 0) !== (req.mask.data[i] === 255)) mismatches++;
    expect(mismatches).toBe(0);
  });

  it.each([
    ['file ids when the request has them', { imageFileId: 'file-a', maskFileId: 'file-b' }, {}, { image: { file_id: 'file-a' }, mask: { file_id: 'file-b' }, model: DEFAULT_RESPONSES_MODEL, action: 'edit' }],
    ['the configured model and action', {}, { responsesModel: 'gpt-5', action: 'auto' as const }, { model: 'gpt-5', action: 'auto' }],
  ])('uses %s', async (_n, extra, opts, want) => {
    const body = await responsesBody(request(extra), opts);
    expect(body.model).toBe(want.model);
    const tool = body.tools[0] as Record<string, unknown>;
    expect(tool.action).toBe(want.action);
    if ('mask' in want) {
      expect(tool.input_image_mask).toEqual(want.mask);
      expect((body.input as { content: unknown[] }[])[0]!.content[1]).toEqual({ type: 'input_image', detail: 'auto', ...want.image });
    }
  });
});

describe('openaiResponsesProvider', () => {
  it('returns the response id and continues from it with previous_response_id', async () => {
    const provider = make();
    const first = await provider.edit(request({ size: '1024x1024', quality: 'low' }));
    expect(first.responseId).toMatch(/^resp_/);
    expect(first.sent).toMatchObject({ surface: 'responses', model: 'gpt-image-1.5', responsesModel: DEFAULT_RESPONSES_MODEL, tool_choice: 'image_generation' });
    const second = await provider.edit(request({ size: '1024x1024', quality: 'low', previousResponseId: first.responseId!, prompt: 'Keep everything the same, but smooth the square.' }));
    expect(second.responseId).not.toBe(first.responseId);
    expect(second.sent).toMatchObject({ previous_response_id: first.responseId });
    const stored = await server.app.inject({ method: 'GET', url: `/v1/responses/${second.responseId}` });
    expect(stored.json()).toMatchObject({ previous_response_id: first.responseId, status: 'completed' });
  });

  it('streams partial images to onPartial before the final image', async () => {
    const partials: { index: number; outputFormat: string; width?: number }[] = [];
    const result = await make().edit(request({
      size: '1024x1024', quality: 'low', partialImages: 2,
      onPartial: (p) => partials.push({ index: p.index, outputFormat: p.outputFormat }),
    }));
    expect(partials).toEqual([{ index: 0, outputFormat: 'png' }, { index: 1, outputFormat: 'png' }]);
    expect(result.images).toHaveLength(1);
    expect(result.sent).toMatchObject({ stream: true });
  });

  it('maps an unknown previous response to a coded 404 ProviderError', async () => {
    const err = await make().edit(request({ size: '1024x1024', previousResponseId: 'resp_gone' })).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(MaskeditError);
    expect(err).toMatchObject({ code: 'OPENAI_PREVIOUS_RESPONSE_NOT_FOUND', status: 404, param: 'previous_response_id' });
  });

  it('is what createProvider gives for --surface responses', async () => {
    const { createProvider } = await import('../../src/providers/index.js');
    const p = await createProvider({ provider: 'openai', surface: 'responses', apiKey: 'unused', baseURL });
    expect([p.name, p.surface]).toEqual(['openai', 'responses']);
  });
});

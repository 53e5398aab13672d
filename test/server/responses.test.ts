/**
 * POST/GET/DELETE /v1/responses over a real socket with the official openai SDK: one-shot edits, multi-turn with
 * previous_response_id, streaming events, stored responses with expiry, and the 400/404 answers.
 */
import type { AddressInfo } from 'node:net';
import OpenAI, { APIError } from 'openai';
import type { Response as OpenAIResponse, ResponseStreamEvent } from 'openai/resources/responses/responses';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResponseStore } from '../../src/server/responses-store.js';
import { responsesRoutes } from '../../src/server/routes/responses.js';
import { boxMask, dataUrl, noisyPng, postMultipart, testServer, type TestServer } from './_fixtures.js';

const W = 128;
let server: TestServer;
let client: OpenAI;
let clock = 1_000_000;
const store = new ResponseStore({ ttlSeconds: 60, now: () => clock });
let image: Buffer;
let mask: Buffer;

beforeAll(async () => {
  // Judged on a fixed date: the requests name gpt-image-1.5 (shut down 2026-12-01).
  server = await testServer({ today: '2026-11-30', plugins: [responsesRoutes({ store })] });
  await server.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = server.app.server.address() as AddressInfo;
  client = new OpenAI({ apiKey: 'unused', baseURL: `http://127.0.0.1:${port}/v1`, maxRetries: 0 });
  image = await noisyPng(W, W);
  mask = await boxMask(W, W, { x: 48, y: 48, w: 32, h: 32 });
});
afterAll(async () => { await server.close(); });

const PROMPT = 'A noisy test pattern with the square filled in. Preserve everything else.';

function editBody(extra: Record<string, unknown> = {}, tool: Record<string, unknown> = {}) {
  return {
    model: 'gpt-4.1',
    input: [{ role: 'user' as const, content: [{ type: 'input_text' as const, text: PROMPT }, { type: 'input_image' as const, image_url: dataUrl(image), detail: 'auto' as const }] }],
    tools: [{ type: 'image_generation' as const, model: 'gpt-image-1.5', size: '1024x1024' as const, quality: 'low' as const, input_image_mask: { image_url: dataUrl(mask) }, ...tool }],
    ...extra,
  };
}

async function decode(b64: string) {
  const { data, info } = await sharp(Buffer.from(b64, 'base64')).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

function imageCall(r: OpenAIResponse) {
  const call = r.output.find((o) => o.type === 'image_generation_call');
  if (!call || call.type !== 'image_generation_call') throw new Error(`no image_generation_call in ${JSON.stringify(r.output.map((o) => o.type))}`);
  return call;
}

describe('POST /v1/responses', () => {
  it('edits the input image with the image_generation tool and answers like a model', async () => {
    const r = await client.responses.create(editBody());
    expect(r).toMatchObject({ object: 'response', status: 'completed', model: 'gpt-4.1', previous_response_id: null, error: null });
    expect(r.id).toMatch(/^resp_[0-9a-f]{32}$/);
    const call = imageCall(r);
    expect(call).toMatchObject({ status: 'completed', id: expect.stringMatching(/^ig_/) });
    const out = await decode(call.result!);
    expect([out.width, out.height]).toEqual([1024, 1024]);
    expect(r.tools[0]).toMatchObject({ type: 'image_generation', model: 'gpt-image-1.5', size: '1024x1024', quality: 'low', action: 'auto' });
    expect(r.usage).toMatchObject({ output_tokens: 272, total_tokens: r.usage!.input_tokens + 272 });
  });

  it('continues from the previous response: same mask, the last generated image as the base', async () => {
    const first = await client.responses.create(editBody());
    const firstOut = await decode(imageCall(first).result!);
    const second = await client.responses.create({
      model: 'gpt-4.1', previous_response_id: first.id,
      input: 'Keep everything the same, but make the square slightly smoother.',
      tools: [{ type: 'image_generation', model: 'gpt-image-1.5', size: '1024x1024', quality: 'low' }],
    });
    expect(second.previous_response_id).toBe(first.id);
    const out = await decode(imageCall(second).result!);
    expect([out.width, out.height]).toEqual([1024, 1024]);
    // Outside the (scaled) mask the follow-up keeps the first result's pixels: it edited that image.
    let outsideDiff = 0, outsidePixels = 0;
    for (let y = 0; y < 1024; y++) for (let x = 0; x < 1024; x++) {
      const inside = x >= 48 * 8 - 8 && x < 80 * 8 + 8 && y >= 48 * 8 - 8 && y < 80 * 8 + 8;
      if (inside) continue;
      const i = (y * 1024 + x) * 4;
      outsideDiff += Math.abs(out.data[i]! - firstOut.data[i]!) + Math.abs(out.data[i + 1]! - firstOut.data[i + 1]!);
      outsidePixels++;
    }
    expect(outsideDiff / outsidePixels).toBeLessThan(1);
  });

  it('streams the spec events in order, with partial images', async () => {
    const stream = await client.responses.create({ ...editBody({}, { partial_images: 2 }), stream: true });
    const events: ResponseStreamEvent[] = [];
    for await (const ev of stream) events.push(ev);
    expect(events.map((e) => e.type)).toEqual([
      'response.created', 'response.in_progress', 'response.output_item.added',
      'response.image_generation_call.in_progress', 'response.image_generation_call.generating',
      'response.image_generation_call.partial_image', 'response.image_generation_call.partial_image',
      'response.image_generation_call.completed', 'response.output_item.done', 'response.completed',
    ]);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    const partials = events.filter((e): e is Extract<ResponseStreamEvent, { type: 'response.image_generation_call.partial_image' }> => e.type === 'response.image_generation_call.partial_image');
    expect(partials.map((p) => p.partial_image_index)).toEqual([0, 1]);
    expect((await decode(partials[0]!.partial_image_b64)).width).toBe(1024);
    const done = events.at(-1) as Extract<ResponseStreamEvent, { type: 'response.completed' }>;
    expect(done.response.status).toBe('completed');
    const stored = await client.responses.retrieve(done.response.id);
    expect(imageCall(stored).result).toBe(imageCall(done.response).result);
  });

  it('stores responses for GET and DELETE, and forgets them after the expiry', async () => {
    const r = await client.responses.create(editBody());
    const got = await client.responses.retrieve(r.id);
    expect(got.id).toBe(r.id);
    expect(imageCall(got).result).toBe(imageCall(r).result);
    clock += 61_000;
    const err = await client.responses.retrieve(r.id).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(APIError);
    expect((err as APIError).status).toBe(404);
    const again = await client.responses.create(editBody());
    await client.responses.delete(again.id);
    await expect(client.responses.retrieve(again.id)).rejects.toMatchObject({ status: 404 });
  });

  it('does not keep a response sent with store: false', async () => {
    const r = await client.responses.create(editBody({ store: false }));
    expect((r as unknown as { store: boolean }).store).toBe(false);
    await expect(client.responses.retrieve(r.id)).rejects.toMatchObject({ status: 404 });
  });

  it.each([
    ['an unknown previous_response_id', { previous_response_id: 'resp_nope' }, {}, 404, 'previous_response_not_found', 'previous_response_id'],
    ['a function tool', { tools: [{ type: 'function', name: 'f', parameters: {}, strict: true }] }, {}, 400, 'unsupported_parameter', 'tools[0].type'],
    ['a second tool next to image_generation', {}, null, 400, 'unsupported_parameter', 'tools[1].type'],
    ['action generate', {}, { action: 'generate' }, 400, 'unsupported_parameter', 'tools[0].action'],
    ['an unknown tool field', {}, { n: 2 }, 400, 'unknown_parameter', 'tools[0].n'],
    ['a size the model does not take', {}, { size: '512x512' }, 400, 'invalid_value', 'tools[0].size'],
    ['input_fidelity on gpt-image-2', {}, { model: 'gpt-image-2', size: '1024x1024', input_fidelity: 'high' }, 400, 'invalid_input_fidelity_model', 'tools[0].input_fidelity'],
    ['a mask of the wrong size', {}, { input_image_mask: { image_url: 'MASK64' } }, 400, 'invalid_mask_image_format', 'tools[0].input_image_mask'],
    ['no mask', {}, { input_image_mask: undefined }, 400, 'missing_required_parameter', 'tools[0].input_image_mask'],
    ['no tools', { tools: undefined }, {}, 400, 'missing_required_parameter', 'tools'],
    ['a conversation', { conversation: 'conv_1' }, {}, 400, 'unsupported_parameter', 'conversation'],
    ['an audio part', { input: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: '', format: 'wav' } }] }] }, {}, 400, 'unsupported_parameter', 'input[0].content[0].type'],
    ['a function call output item', { input: [{ type: 'function_call_output', call_id: 'c', output: '' }] }, {}, 400, 'unsupported_parameter', 'input[0].type'],
    ['tool_choice none', { tool_choice: 'none' }, {}, 400, 'unsupported_parameter', 'tool_choice'],
    ['text only, no image and no previous response', { input: PROMPT }, {}, 400, 'missing_required_parameter', 'input'],
  ] as const)('answers %s with %i %s', async (_name, extra, tool, status, code, param) => {
    const small = await boxMask(64, 64);
    const base = editBody(extra as Record<string, unknown>, tool === null ? {} : Object.fromEntries(Object.entries(tool).map(([k, v]) => [k, v === 'MASK64' ? dataUrl(small) : v && typeof v === 'object' && 'image_url' in v && v.image_url === 'MASK64' ? { image_url: dataUrl(small) } : v])));
    if (tool === null) (base.tools as unknown[]).push({ type: 'web_search' });
    const err = await client.responses.create(base as never).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(APIError);
    expect({ status: (err as APIError).status, code: (err as APIError).code, param: (err as APIError).param }).toEqual({ status, code, param });
    expect((err as APIError).message.length).toBeGreaterThan(20);
  });
});

describe('POST /v1/responses limits', () => {
  it('keeps the images a request names under the total limit, even when one file_id is named many times', async () => {
    const tiny = await noisyPng(64, 64, 'jpeg');
    const small = await testServer({ today: '2026-11-30', limits: { maxImageBytes: 20_000, maxBodyBytes: tiny.length * 3 }, plugins: [responsesRoutes()] });
    try {
      const id = (await postMultipart(small.app, '/v1/files', [['file', { bytes: tiny }], ['purpose', 'vision']])).json().id as string;
      const images = Array.from({ length: 4 }, () => ({ type: 'input_image', file_id: id, detail: 'auto' }));
      const res = await small.app.inject({ method: 'POST', url: '/v1/responses', payload: editBody({ input: [{ role: 'user', content: [{ type: 'input_text', text: PROMPT }, ...images] }] }) });
      expect(res.statusCode).toBe(413);
      expect(res.json().error).toMatchObject({ code: 'request_too_large', message: `The images of this request come to ${4 * tiny.length + Math.floor((dataUrl(mask).length - 22) * 3 / 4)} bytes together; this server takes at most ${tiny.length * 3} bytes per request.` });
    } finally {
      await small.close();
    }
  });
});

describe('ResponseStore', () => {
  it('evicts the oldest entry beyond maxEntries and expires entries after ttlSeconds', () => {
    let t = 0;
    const s = new ResponseStore({ ttlSeconds: 10, maxEntries: 2, now: () => t });
    s.put('a', { response: { id: 'a' } });
    s.put('b', { response: { id: 'b' } });
    s.put('c', { response: { id: 'c' } });
    expect([s.get('a'), s.get('b')?.response.id, s.get('c')?.response.id]).toEqual([undefined, 'b', 'c']);
    t = 10_000;
    expect([s.get('b'), s.size]).toEqual([undefined, 0]);
  });
});

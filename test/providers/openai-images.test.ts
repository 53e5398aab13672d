import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/providers/errors.js';
import { openaiImagesProvider } from '../../src/providers/openai-images.js';
import { EDIT_COLOUR, startFakeOpenAI, type FakeOpenAI } from '../_helpers/fake-openai.js';
import { request, runProviderContract } from './provider.case.js';

// A dummy key, given through the client options only; no real key is ever used.
const KEY = 'test-key-images';
let fake: FakeOpenAI;
beforeAll(async () => { fake = await startFakeOpenAI({ apiKey: KEY }); });
afterAll(async () => { await fake.close(); });

const make = (extra: { maxRetries?: number; timeoutMs?: number } = {}) => openaiImagesProvider({ apiKey: KEY, baseURL: fake.url, maxRetries: 0, ...extra });

runProviderContract({
  name: 'openai images (multipart)',
  make: () => make(),
  lastSent: () => fake.edits().at(-1)?.fields,
  bad: { request: { prompt: 'x'.repeat(32001) }, code: 'OPENAI_STRING_ABOVE_MAX_LENGTH' },
});

describe('openaiImagesProvider: what it sends', () => {
  it('sends a multipart body: base image, mask as RGBA PNG, only the set fields', async () => {
    await make().edit(request({ size: '1024x1024', quality: 'high', inputFidelity: 'high' }));
    const r = fake.edits().at(-1)!;
    expect(r.contentType).toMatch(/^multipart\/form-data; boundary=/);
    expect(r.authorization).toBe(`Bearer ${KEY}`);
    expect(r.fields).toEqual({
      model: 'gpt-image-1.5', prompt: request().prompt, size: '1024x1024', quality: 'high', input_fidelity: 'high',
    });
    expect(r.files).toEqual([
      { field: 'image', name: 'image.png', type: 'image/png', bytes: expect.any(Number), format: 'png', width: 96, height: 64, hasAlpha: true },
      { field: 'mask', name: 'mask.png', type: 'image/png', bytes: expect.any(Number), format: 'png', width: 96, height: 64, hasAlpha: true },
    ]);
  });

  it('puts the base image first and references after it, each with its MIME type', async () => {
    const sharp = (await import('sharp')).default;
    const jpeg = new Uint8Array(await sharp({ create: { width: 40, height: 30, channels: 3, background: '#336699' } }).jpeg().toBuffer());
    const webp = new Uint8Array(await sharp({ create: { width: 20, height: 20, channels: 3, background: '#993366' } }).webp().toBuffer());
    const result = await make().edit(request({ size: '1024x1024', references: [{ bytes: jpeg, mime: 'image/jpeg' }, { bytes: webp, mime: 'image/webp', name: 'logo.webp' }] }));
    const r = fake.edits().at(-1)!;
    expect(r.files.map((f) => [f.field, f.name, f.type, f.width])).toEqual([
      ['image[]', 'image.png', 'image/png', 96],
      ['image[]', 'reference-1.jpg', 'image/jpeg', 40],
      ['image[]', 'logo.webp', 'image/webp', 20],
      ['mask', 'mask.png', 'image/png', 96],
    ]);
    expect(result.sent).toMatchObject({ surface: 'images', images: 3 });
  });

  it('sends a mask whose alpha is 0 exactly on the editable pixels, and gets the edit back there', async () => {
    const req = request({ size: '1536x1024' });
    const result = await make().edit(req);
    const out = result.images[0]!;
    // The fake paints the editable region; the centre of a 1536x1024 output maps to the mask's centre.
    const c = (out.height / 2 * out.width + out.width / 2) * 4;
    expect([...out.data.subarray(c, c + 3)]).toEqual([...EDIT_COLOUR]);
    // Outside the mask the output drifted like a real model's (colour shift + noise), so it is not the input.
    const corner = (10 * out.width + 10) * 4;
    expect(out.data[corner + 2]).not.toBe(128);
  });

  it('asks dall-e-2 for base64 and sends no GPT-only fields', async () => {
    await make().edit(request({ model: 'dall-e-2', size: '256x256' }));
    expect(fake.edits().at(-1)!.fields).toEqual({ model: 'dall-e-2', prompt: request().prompt, size: '256x256', response_format: 'b64_json' });
  });
});

describe('openaiImagesProvider: streaming', () => {
  it('streams partial images to onPartial, then returns the completed image and usage', async () => {
    const partials: { index: number; outputFormat: string; bytes: number }[] = [];
    const result = await make().edit(request({
      size: '1024x1024', quality: 'low', partialImages: 2,
      onPartial: (p) => partials.push({ index: p.index, outputFormat: p.outputFormat, bytes: Buffer.from(p.b64, 'base64').length }),
    }));
    expect(fake.edits().at(-1)!.fields).toMatchObject({ stream: 'true', partial_images: '2' });
    expect(partials.map((p) => [p.index, p.outputFormat])).toEqual([[0, 'png'], [1, 'png']]);
    expect(partials.every((p) => p.bytes > 100)).toBe(true);
    expect(result.images).toHaveLength(1);
    expect([result.images[0]!.width, result.images[0]!.height]).toEqual([1024, 1024]);
    expect(result.usage?.output_tokens).toBe(272 + 2 * 100);
  });
});

describe('openaiImagesProvider: retries and errors', () => {
  it('retries a 429 after its Retry-After, then succeeds', async () => {
    // Retry-After: 1 s — longer than the SDK's own first backoff (at most 0.5 s), so the wait proves it was honoured.
    fake.failNext({ status: 429, code: 'rate_limit_exceeded', message: 'Rate limit reached for images', retryAfter: 1, path: '/images/edits' });
    const before = fake.edits().length;
    const t0 = Date.now();
    const result = await make({ maxRetries: 2 }).edit(request({ size: '1024x1024' }));
    const waited = Date.now() - t0;
    const attempts = fake.edits().slice(before);
    expect(attempts.map((a) => a.failed ?? 200)).toEqual([429, 200]);
    expect(waited).toBeGreaterThanOrEqual(950);
    expect(result.images).toHaveLength(1);
  });

  it('retries 5xx up to maxRetries, then reports the last error', async () => {
    fake.failNext({ status: 503, message: 'The server is overloaded', retryAfter: 0.01, times: 3, path: '/images/edits' });
    const before = fake.edits().length;
    const err = await make({ maxRetries: 2 }).edit(request()).catch((e: unknown) => e);
    expect(fake.edits().length - before).toBe(3);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ code: 'OPENAI_HTTP_503', status: 503, message: 'OpenAI answered 503: The server is overloaded' });
  });

  it('does not retry a 400 and surfaces OpenAI\'s code, message, param and a hint', async () => {
    fake.failNext({ status: 400, code: 'moderation_blocked', message: 'Your request was rejected as a result of our safety system.', param: null, path: '/images/edits' });
    const before = fake.edits().length;
    const err = await make({ maxRetries: 2 }).edit(request()).catch((e: unknown) => e);
    expect(fake.edits().length - before).toBe(1);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({
      code: 'OPENAI_MODERATION_BLOCKED', openaiCode: 'moderation_blocked', status: 400, type: 'invalid_request_error',
      message: 'OpenAI answered 400 moderation_blocked: Your request was rejected as a result of our safety system.',
      fix: expect.stringContaining('rephrase the prompt'),
    });
  });

  it.each([
    ['a mask of the wrong size', { mask: { width: 10, height: 10, channels: 1 as const, data: new Uint8Array(100) } }, 'OPENAI_INVALID_MASK_IMAGE_FORMAT', 'mask', 'Invalid mask image format - mask size does not match image size'],
    ['input_fidelity on gpt-image-2', { model: 'gpt-image-2', inputFidelity: 'high' as const }, 'OPENAI_INVALID_INPUT_FIDELITY_MODEL', 'input_fidelity', "Invalid parameter: 'input_fidelity' is not supported for model 'gpt-image-2'."],
    ['a reference with a GIF MIME type', { references: [{ bytes: new Uint8Array([71, 73, 70, 56, 57, 97]), mime: 'image/gif' }] }, 'OPENAI_UNSUPPORTED_FILE_MIMETYPE', 'image[]', "Invalid file 'image[]': unsupported mimetype ('image/gif')."],
  ])('maps the server\'s answer to %s', async (_name, extra, code, param, message) => {
    const err = await make().edit(request(extra)).catch((e: unknown) => e) as ProviderError;
    expect(err).toBeInstanceOf(ProviderError);
    expect(err.code).toBe(code);
    expect(err.param).toBe(param);
    expect(err.message).toContain(message);
    expect(err.fix).toBeTruthy();
  });

  it('reports a refused key without echoing it', async () => {
    const err = await openaiImagesProvider({ apiKey: 'sk-wrong-0123456789abcdef', baseURL: fake.url, maxRetries: 0 }).edit(request()).catch((e: unknown) => e) as ProviderError;
    expect(err.code).toBe('OPENAI_INVALID_API_KEY');
    expect(err.status).toBe(401);
    expect(err.message).not.toMatch(/sk-test\*|sk-wrong/);
    expect(err.message).toContain('Incorrect API key provided: sk-…');
    expect(err.fix).toContain('OPENAI_API_KEY');
  });

  it('masks the key in use when a compatible server echoes it, whatever its shape', async () => {
    fake.failNext({ status: 400, code: 'invalid_request', message: `Key ${KEY} may not use this model.` });
    const err = await make().edit(request()).catch((e: unknown) => e) as ProviderError;
    expect(err.message).toBe('OpenAI answered 400 invalid_request: Key [redacted] may not use this model.');
  });

  it('does not repeat credentials of the base URL (OPENAI_BASE_URL) when it cannot connect', async () => {
    const err = await openaiImagesProvider({ apiKey: KEY, baseURL: 'http://user:hunter2-secret@127.0.0.1:9/v1', maxRetries: 0 }).edit(request()).catch((e: unknown) => e) as ProviderError;
    expect(err.code).toBe('OPENAI_CONNECTION');
    expect(`${err.message} ${err.fix}`).not.toContain('hunter2');
    expect(err.fix).toBe('check that OPENAI_BASE_URL=http://…@127.0.0.1:9/v1 is up and reachable');
  });

  it('aborts an edit in flight', async () => {
    const slow = await startFakeOpenAI({ delayMs: 2000 });
    try {
      const controller = new AbortController();
      const p = openaiImagesProvider({ apiKey: KEY, baseURL: slow.url, maxRetries: 0 }).edit(request({ signal: controller.signal }));
      setTimeout(() => controller.abort(), 100);
      // The fake answers after 2 s with an image; ABORTED instead proves the request was cut off.
      await expect(p).rejects.toMatchObject({ code: 'ABORTED' });
    } finally {
      await slow.close();
    }
  });

  it('reports an unreachable server as OPENAI_CONNECTION', async () => {
    const err = await openaiImagesProvider({ apiKey: KEY, baseURL: 'http://127.0.0.1:9/v1', maxRetries: 0 }).edit(request()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'OPENAI_CONNECTION' });
  });

  it('uses a client given by the caller', async () => {
    const client = new OpenAI({ apiKey: KEY, baseURL: fake.url, maxRetries: 0 });
    const result = await openaiImagesProvider({ client }).edit(request({ size: '1024x1024' }));
    expect(result.images).toHaveLength(1);
  });
});

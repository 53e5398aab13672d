import { APIConnectionError, APIError, APIUserAbortError } from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { AbortError, MaskeditError } from '../../src/core/errors.js';
import { capRetryAfter, createOpenAIClient, editFields, mapOpenAIError, MAX_RETRY_AFTER_MS } from '../../src/providers/_openai.js';
import { HINTS, ProviderError, providerCode, redactSecrets } from '../../src/providers/errors.js';
import { request } from './provider.case.js';

const saved = { key: process.env.OPENAI_API_KEY, base: process.env.OPENAI_BASE_URL };
afterEach(() => {
  for (const [name, v] of [['OPENAI_API_KEY', saved.key], ['OPENAI_BASE_URL', saved.base]] as const) {
    if (v === undefined) delete process.env[name];
    else process.env[name] = v;
  }
});

describe('createOpenAIClient', () => {
  it('refuses to start without a key, with a fix', () => {
    delete process.env.OPENAI_API_KEY;
    let err: unknown;
    try { createOpenAIClient(); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(MaskeditError);
    expect(err).toMatchObject({
      code: 'OPENAI_API_KEY_MISSING',
      message: 'the openai provider needs an API key; OPENAI_API_KEY is not set',
      fix: 'export OPENAI_API_KEY=… in your shell (keys: https://platform.openai.com/api-keys), or run offline with --provider local',
    });
  });

  it('takes the key and base URL it is given, and configures retries and timeout', () => {
    const c = createOpenAIClient({ apiKey: 'test-key', baseURL: 'http://127.0.0.1:8787/v1', maxRetries: 5, timeoutMs: 1234 });
    expect([c.apiKey, c.baseURL, c.maxRetries, c.timeout]).toEqual(['test-key', 'http://127.0.0.1:8787/v1', 5, 1234]);
    expect(createOpenAIClient({ apiKey: 'test-key' }).maxRetries).toBe(2);
  });

  it('reads neither OPENAI_API_KEY nor OPENAI_BASE_URL itself (nor lets the SDK read them)', () => {
    process.env.OPENAI_API_KEY = 'test-env-key';
    process.env.OPENAI_BASE_URL = 'http://127.0.0.1:8787/v1';
    expect(() => createOpenAIClient()).toThrow(expect.objectContaining({ code: 'OPENAI_API_KEY_MISSING' }));
    expect(createOpenAIClient({ apiKey: 'test-key' }).baseURL).toBe('https://api.openai.com/v1');
    expect(createOpenAIClient({ apiKey: 'test-key', baseURL: '' }).baseURL).toBe('https://api.openai.com/v1');
  });
});

describe('capRetryAfter', () => {
  const respond = (status: number, headers: Record<string, string>) => capRetryAfter(async () => new Response('{}', { status, headers }));

  it.each([
    [429, { 'retry-after': '3600' }, String(MAX_RETRY_AFTER_MS / 1000), null],
    [503, { 'retry-after-ms': '120000' }, String(MAX_RETRY_AFTER_MS / 1000), null],
    [429, { 'retry-after': '2' }, '2', null],
    [400, { 'retry-after': '3600' }, '3600', null],
    [429, { 'retry-after-ms': '150' }, null, '150'],
  ])('status %i %j → retry-after %s, retry-after-ms %s', async (status, headers, after, afterMs) => {
    const res = await respond(status, headers)('http://x');
    expect(res.status).toBe(status);
    expect(res.headers.get('retry-after')).toBe(after);
    expect(res.headers.get('retry-after-ms')).toBe(afterMs);
  });
});

describe('mapOpenAIError', () => {
  const apiError = (status: number, error: Record<string, unknown>) => APIError.generate(status, { error }, undefined, new Headers({ 'x-request-id': 'req_123' }));

  it.each([
    [400, { message: 'Invalid mask image format - mask image missing alpha channel', type: 'invalid_request_error', param: 'mask', code: 'invalid_mask_image_format' }, 'OPENAI_INVALID_MASK_IMAGE_FORMAT', 'OpenAI answered 400 invalid_mask_image_format: Invalid mask image format - mask image missing alpha channel (param: mask)'],
    [400, { message: 'string too long', type: 'invalid_request_error', param: 'prompt', code: 'string_above_max_length' }, 'OPENAI_STRING_ABOVE_MAX_LENGTH', 'OpenAI answered 400 string_above_max_length: string too long (param: prompt)'],
    [429, { message: 'You exceeded your current quota', type: 'insufficient_quota', param: null, code: 'insufficient_quota' }, 'OPENAI_INSUFFICIENT_QUOTA', 'OpenAI answered 429 insufficient_quota: You exceeded your current quota'],
    [403, { message: 'Your organization must be verified', type: 'invalid_request_error', param: null, code: null }, 'OPENAI_HTTP_403', 'OpenAI answered 403: Your organization must be verified'],
    [500, { message: 'The server had an error', type: 'server_error', param: null, code: null }, 'OPENAI_HTTP_500', 'OpenAI answered 500: The server had an error'],
  ])('%i %j → %s', (status, error, code, message) => {
    const e = mapOpenAIError(apiError(status, error)) as ProviderError;
    expect(e).toBeInstanceOf(ProviderError);
    expect(e.name).toBe('ProviderError');
    expect(e.code).toBe(code);
    expect(e.message).toBe(message);
    expect(e.status).toBe(status);
    expect(e.openaiCode).toBe(error.code ?? undefined);
    expect(e.requestId).toBe('req_123');
    expect(e.fix).toBe(HINTS[String(error.code)] ?? e.fix);
    expect(e.fix).toBeTruthy();
  });

  it('turns aborts into AbortError and connection failures into OPENAI_CONNECTION', () => {
    expect(mapOpenAIError(new APIUserAbortError())).toBeInstanceOf(AbortError);
    expect(mapOpenAIError(new APIConnectionError({ message: 'Connection error.', cause: new Error('ECONNREFUSED') }))).toMatchObject({
      code: 'OPENAI_CONNECTION', message: 'could not reach the OpenAI API (https://api.openai.com/v1) (ECONNREFUSED)', fix: 'check your network connection and proxy settings',
    });
  });

  it.each([
    ['', 'could not reach the OpenAI API (https://api.openai.com/v1) (fetch failed)', 'check your network connection and proxy settings'],
    ['http://127.0.0.1:9/v1', 'could not reach http://127.0.0.1:9/v1 (fetch failed)', 'check that OPENAI_BASE_URL=http://127.0.0.1:9/v1 is up and reachable'],
    ['https://api.openai.com/v1', 'could not reach the OpenAI API (https://api.openai.com/v1) (fetch failed)', 'check your network connection and proxy settings'],
  ])('base URL %j: the connection error names the URL tried', (base, message, fix) => {
    expect(mapOpenAIError(new APIConnectionError({ message: 'Connection error.', cause: new Error('fetch failed') }), 'k', base)).toMatchObject({ code: 'OPENAI_CONNECTION', message, fix });
  });

  it('passes maskedit errors through', () => {
    const own = new MaskeditError('INTERNAL', 'y');
    expect(mapOpenAIError(own)).toBe(own);
  });
});

describe('errors helpers', () => {
  it.each([['moderation_blocked', 400, 'OPENAI_MODERATION_BLOCKED'], ['invalid-thing.x', 400, 'OPENAI_INVALID_THING_X'], [null, 502, 'OPENAI_HTTP_502'], [undefined, undefined, 'OPENAI_ERROR']])('providerCode(%j, %j) = %s', (c, s, out) => {
    expect(providerCode(c, s)).toBe(out);
  });

  it('redacts key-like strings', () => {
    expect(redactSecrets('Incorrect API key provided: sk-proj-abc123456789. Also sess-abcdefgh1234.')).toBe('Incorrect API key provided: sk-…. Also sess-….');
    expect(redactSecrets('task-1234567 is fine')).toBe('task-1234567 is fine');
    expect(redactSecrets('bad key local-key-1234 for k', ['local-key-1234', 'k', undefined])).toBe('bad key [redacted] for k');
  });
});

describe('editFields', () => {
  it('omits unset fields and adds stream fields only when partial images are asked for', () => {
    expect(editFields(request({ size: '1024x1024' }))).toEqual({ model: 'gpt-image-1.5', prompt: request().prompt, size: '1024x1024' });
    expect(editFields(request({ n: 2, quality: 'high', background: 'opaque', outputFormat: 'webp', partialImages: 1 }))).toEqual({
      model: 'gpt-image-1.5', prompt: request().prompt, n: 2, quality: 'high', background: 'opaque', output_format: 'webp', stream: true, partial_images: 1,
    });
    expect(editFields(request({ partialImages: 0 }))).not.toHaveProperty('stream');
  });
});

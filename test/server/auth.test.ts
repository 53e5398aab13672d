import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { assertBindable, bearerToken, isLoopbackHost, keysMatch } from '../../src/server/auth.js';
import { boxMask, noisyPng, postMultipart, testServer } from './_fixtures.js';

describe('bind rule', () => {
  it.each([
    ['127.0.0.1', true], ['127.1.2.3', true], ['::1', true], ['[::1]', true], ['localhost', true], ['::ffff:127.0.0.1', true],
    ['0.0.0.0', false], ['::', false], ['192.168.1.10', false], ['example.com', false],
  ])('%s is loopback: %s', (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });

  it('refuses a non-loopback host without a key, with a fix', () => {
    expect(() => assertBindable('0.0.0.0', undefined)).toThrow(expect.objectContaining({
      code: 'SERVER_HOST_NEEDS_KEY',
      message: '--host 0.0.0.0 would expose the server beyond this machine without an API key; without a key maskedit serve binds to loopback (127.0.0.1, ::1, localhost) only',
    }));
    expect(() => assertBindable('0.0.0.0', 'k')).not.toThrow();
    expect(() => assertBindable('127.0.0.1', undefined)).not.toThrow();
  });
});

describe('Bearer auth', () => {
  it.each([
    ['Bearer abc', 'abc'], ['bearer   abc ', 'abc'], ['Basic abc', undefined], ['Bearer', undefined],
  ])('reads %j', (header, token) => {
    expect(bearerToken({ headers: { authorization: header } })).toBe(token);
  });

  it('compares keys by value', () => {
    expect(keysMatch('sk-local-1', 'sk-local-1')).toBe(true);
    expect(keysMatch('sk-local-1', 'sk-local-2')).toBe(false);
    expect(keysMatch('short', 'a much longer key')).toBe(false);
  });

  it('answers 401 in OpenAI\'s shape, lets /healthz through, and never logs the key or image bytes', async () => {
    const KEY = 'sk-maskedit-test-key-3f9a7c';
    const WRONG = 'sk-wrong-key-that-must-not-leak';
    let log = '';
    const stream = new Writable({ write(chunk, _enc, done) { log += String(chunk); done(); } });
    const s = await testServer({ apiKey: KEY, logger: { level: 'debug', stream } });
    try {
      const none = await s.app.inject({ method: 'GET', url: '/v1/models' });
      expect(none.statusCode).toBe(401);
      expect(none.json()).toEqual({ error: { type: 'invalid_request_error', code: null, param: null, message: "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)." } });
      const wrong = await s.app.inject({ method: 'GET', url: '/v1/models', headers: { authorization: `Bearer ${WRONG}` } });
      expect(wrong.statusCode).toBe(401);
      expect(wrong.json().error).toMatchObject({ code: 'invalid_api_key', message: 'Incorrect API key provided. Use the key this maskedit server was started with (MASKEDIT_API_KEY or --api-key-file).' });
      expect((await s.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
      expect((await s.app.inject({ method: 'GET', url: '/v1/models', headers: { authorization: `Bearer ${KEY}` } })).statusCode).toBe(200);
      const image = await noisyPng(64, 64);
      const edit = await postMultipart(s.app, '/v1/images/edits', [['image', { bytes: image }], ['mask', { bytes: await boxMask(64, 64, { x: 20, y: 20, w: 10, h: 10 }) }], ['prompt', 'A wall. Preserve the rest. Do not change anything else.']], { headers: { authorization: `Bearer ${KEY}` } });
      expect(edit.statusCode).toBe(200);
      const lines = log.trim().split('\n').map((l) => JSON.parse(l));
      expect(lines.filter((l) => l.msg === 'request').map((l) => [l.route, l.status])).toEqual([['/v1/models', 401], ['/v1/models', 401], ['/healthz', 200], ['/v1/models', 200], ['/v1/images/edits', 200]]);
      for (const l of lines.filter((x) => x.msg === 'request')) {
        expect(l.reqId).toMatch(/^req_/);
        expect(typeof l.ms).toBe('number');
      }
      expect(log).not.toContain(KEY);
      expect(log).not.toContain(WRONG);
      expect(log).not.toContain(image.toString('base64').slice(100, 140));
      expect(log).not.toContain(edit.json().data[0].b64_json.slice(100, 140));
    } finally {
      await s.close();
    }
  });
});

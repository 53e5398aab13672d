import { describe, expect, it } from 'vitest';
import { testServer } from './_fixtures.js';
import { ApiError } from '../../src/server/index.js';

describe('buildServer plugins', () => {
  it('registers routes from other features, which share the context, auth and the error boundary', async () => {
    const s = await testServer({
      apiKey: 'k',
      plugins: [async (app) => {
        app.get('/api/queue', async () => app.maskedit.queue.stats());
        app.get('/api/public', { config: { public: true } }, async () => ({ hello: 'world' }));
        app.get('/api/fail', async () => { throw new ApiError({ status: 400, apiCode: 'nope', param: 'x', message: 'no' }); });
        app.get('/api/bug', async () => { throw new Error('secret internals'); });
      }],
    });
    try {
      const auth = { authorization: 'Bearer k' };
      expect((await s.app.inject({ method: 'GET', url: '/api/queue' })).statusCode).toBe(401);
      expect((await s.app.inject({ method: 'GET', url: '/api/queue', headers: auth })).json()).toMatchObject({ concurrency: 2 });
      expect((await s.app.inject({ method: 'GET', url: '/api/public' })).json()).toEqual({ hello: 'world' });
      expect((await s.app.inject({ method: 'GET', url: '/api/fail', headers: auth })).json()).toEqual({ error: { message: 'no', type: 'invalid_request_error', param: 'x', code: 'nope' } });
      const bug = await s.app.inject({ method: 'GET', url: '/api/bug', headers: auth });
      expect(bug.statusCode).toBe(500);
      expect(bug.json().error).toEqual({ type: 'server_error', param: null, code: null, message: `The server had an error while processing your request (request id ${bug.headers['x-request-id']}). The details are in the server log.` });
      expect(bug.body).not.toContain('secret internals');
    } finally {
      await s.close();
    }
  });
});

describe('provider concurrency', () => {
  it('limitProvider runs at most n provider.edit calls at once', async () => {
    const { limitProvider } = await import('../../src/server/provider-limit.js');
    let running = 0, peak = 0;
    const slow = limitProvider({
      name: 'local', surface: 'engine',
      async edit() {
        running++; peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 20));
        running--;
        return { images: [] };
      },
    }, 1);
    const req = { image: { width: 1, height: 1, channels: 4 as const, data: new Uint8Array(4) }, mask: { width: 1, height: 1, channels: 1 as const, data: new Uint8Array(1) }, prompt: '', model: 'gpt-image-1.5' };
    await Promise.all([slow.edit(req), slow.edit(req), slow.edit(req)]);
    expect(peak).toBe(1);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testServer, type TestServer } from '../_fixtures.js';

let server: TestServer;
beforeAll(async () => { server = await testServer({ concurrency: 3, queue: 5 }); });
afterAll(() => server.close());

describe('GET /healthz', () => {
  it('reports liveness, the queue and the file store', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ ok: true, version: '0.1.0', provider: 'local', engine: 'telea', files: { files: 0, bytes: 0 } });
    expect(body.queue).toMatchObject({ running: 0, waiting: 0, concurrency: 3, maxQueued: 5, completed: 0, rejected: 0 });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODELS } from '../../../src/core/models.js';
import { testServer, type TestServer } from '../_fixtures.js';

let server: TestServer;
// Judged on 2026-11-30: gpt-image-1.5 deprecated, gpt-image-1 and dall-e-2 shut down.
beforeAll(async () => { server = await testServer({ today: '2026-11-30' }); });
afterAll(() => server.close());

describe('/v1/models', () => {
  it('lists the registry\'s image models (ListModelsResponse)', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/v1/models' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.object).toBe('list');
    expect(body.data.map((m: { id: string }) => m.id)).toEqual(MODELS.filter((m) => !['gpt-image-1', 'dall-e-2'].includes(m.id)).map((m) => m.id));
    expect(body.data.find((m: { id: string }) => m.id === 'gpt-image-1.5')).toEqual({
      id: 'gpt-image-1.5', object: 'model', created: Date.parse('2025-12-16T00:00:00Z') / 1000, owned_by: 'maskedit', shutdown_date: '2026-12-01',
      lifecycle: { status: 'deprecated', deprecated_on: '2026-06-02', replacements: ['gpt-image-2.6-sunburst', 'gpt-image-2.6-flare'] },
    });
    expect(body.data[0]).toEqual({
      id: 'gpt-image-2.6-sunburst', object: 'model', created: Date.parse('2026-11-04T00:00:00Z') / 1000, owned_by: 'maskedit', shutdown_date: null,
      lifecycle: { status: 'active', deprecated_on: null, replacements: [] },
    });
  });

  it.each(['gpt-image-1.5', 'chatgpt-image-latest'])('GET /v1/models/%s → 200', async (id) => {
    const res = await server.app.inject({ method: 'GET', url: `/v1/models/${id}` });
    expect(res.statusCode).toBe(200);
    expect(res.json().id).toBe(id);
  });

  it('GET /v1/models/gpt-4o → 404 model_not_found', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/v1/models/gpt-4o' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toMatchObject({ code: 'model_not_found', param: 'model', message: "The model 'gpt-4o' does not exist. This maskedit server serves gpt-image-2.6-sunburst, gpt-image-2.6-flare, gpt-image-2.5-sunburst, gpt-image-2.5-flare, gpt-image-2, gpt-image-1.5, gpt-image-1-mini." });
  });

  it('GET /v1/models/gpt-image-1 (shut down) → 404 model_not_found naming the replacement', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/v1/models/gpt-image-1' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toMatchObject({ code: 'model_not_found', param: 'model', message: "The model `gpt-image-1` has been deprecated, learn more here: https://platform.openai.com/docs/deprecations (shut down on 2026-10-23; use 'gpt-image-2.6-sunburst' instead)." });
  });

  it('answers unknown routes with OpenAI\'s 404', async () => {
    const res = await server.app.inject({ method: 'POST', url: '/v1/images/generations?x=1' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { message: 'Invalid URL (POST /v1/images/generations)', type: 'invalid_request_error', param: null, code: null } });
  });
});

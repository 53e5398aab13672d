import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODELS } from '../../../src/core/models.js';
import { testServer, type TestServer } from '../_fixtures.js';

let server: TestServer;
beforeAll(async () => { server = await testServer(); });
afterAll(() => server.close());

describe('/v1/models', () => {
  it('lists the registry\'s image models (ListModelsResponse)', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/v1/models' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.object).toBe('list');
    expect(body.data.map((m: { id: string }) => m.id)).toEqual(MODELS.map((m) => m.id));
    for (const m of body.data) expect(m).toEqual({ id: m.id, object: 'model', created: server.app.maskedit.startedAt, owned_by: 'maskedit' });
  });

  it.each(['gpt-image-1.5', 'chatgpt-image-latest'])('GET /v1/models/%s → 200', async (id) => {
    const res = await server.app.inject({ method: 'GET', url: `/v1/models/${id}` });
    expect(res.statusCode).toBe(200);
    expect(res.json().id).toBe(id);
  });

  it('GET /v1/models/gpt-4o → 404 model_not_found', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/v1/models/gpt-4o' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toMatchObject({ code: 'model_not_found', param: 'model', message: "The model 'gpt-4o' does not exist. This maskedit server serves gpt-image-1.5, gpt-image-1, gpt-image-1-mini, gpt-image-2, dall-e-2." });
  });

  it('answers unknown routes with OpenAI\'s 404', async () => {
    const res = await server.app.inject({ method: 'POST', url: '/v1/images/generations?x=1' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { message: 'Invalid URL (POST /v1/images/generations)', type: 'invalid_request_error', param: null, code: null } });
  });
});

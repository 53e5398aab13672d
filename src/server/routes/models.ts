/**
 * `GET /v1/models` and `GET /v1/models/{id}` (spec: `ListModelsResponse`, `Model`): the image models of the
 * registry (src/core/models.ts) judged on the server's date, so SDK code that lists or checks models works
 * against maskedit as it would against OpenAI: shut-down models are not listed and answer 404
 * `model_not_found`; each listed model carries OpenAI's optional `shutdown_date` (YYYY-MM-DD or null; the
 * deprecations page says to watch it) and, as a maskedit extension, `lifecycle` with its status and the
 * replacements live on that date.
 */
import type { FastifyInstance } from 'fastify';
import '../context.js';
import { findModel, type ImageModel } from '../../core/models.js';
import { liveReplacements, servedModels, statusOf } from '../../core/lifecycle.js';
import { ApiError } from '../errors.js';

export async function modelsRoutes(app: FastifyInstance): Promise<void> {
  const model = (id: string, m: ImageModel, today: string) => ({
    id, object: 'model' as const, created: Date.parse(`${m.lifecycle.released}T00:00:00Z`) / 1000, owned_by: 'maskedit',
    shutdown_date: m.lifecycle.shutdown,
    lifecycle: {
      status: statusOf(m, today),
      deprecated_on: m.lifecycle.deprecated,
      replacements: statusOf(m, today) === 'active' ? [] : liveReplacements(m.id, today),
    },
  });

  app.get('/v1/models', async () => {
    const today = app.maskedit.today();
    return { object: 'list', data: servedModels(today).map((m) => model(m.id, m, today)) };
  });

  app.get<{ Params: { id: string } }>('/v1/models/:id', async (request) => {
    const { id } = request.params;
    const today = app.maskedit.today();
    const m = findModel(id);
    if (!m) {
      throw new ApiError({
        status: 404, apiCode: 'model_not_found', param: 'model', code: 'MODEL_NOT_FOUND',
        message: `The model '${id.slice(0, 100)}' does not exist. This maskedit server serves ${servedModels(today).map((x) => x.id).join(', ')}.`,
      });
    }
    if (statusOf(m, today) === 'shutdown') {
      throw new ApiError({
        status: 404, apiCode: 'model_not_found', param: 'model', code: 'MODEL_SHUT_DOWN',
        message: `The model \`${id.slice(0, 100)}\` has been deprecated, learn more here: https://platform.openai.com/docs/deprecations (shut down on ${m.lifecycle.shutdown}; use '${liveReplacements(m.id, today)[0]}' instead).`,
      });
    }
    return model(id, m, today);
  });
}

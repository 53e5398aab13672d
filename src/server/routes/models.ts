/**
 * `GET /v1/models` and `GET /v1/models/{id}` (spec: `ListModelsResponse`, `Model`): the image models of the
 * registry (src/core/models.ts), so SDK code that lists or checks models works against maskedit.
 */
import type { FastifyInstance } from 'fastify';
import '../context.js';
import { MODELS, findModel } from '../../core/models.js';
import { ApiError } from '../errors.js';

export async function modelsRoutes(app: FastifyInstance): Promise<void> {
  const model = (id: string) => ({ id, object: 'model' as const, created: app.maskedit.startedAt, owned_by: 'maskedit' });

  app.get('/v1/models', async () => ({ object: 'list', data: MODELS.map((m) => model(m.id)) }));

  app.get<{ Params: { id: string } }>('/v1/models/:id', async (request) => {
    const { id } = request.params;
    if (!findModel(id)) {
      throw new ApiError({
        status: 404, apiCode: 'model_not_found', param: 'model', code: 'MODEL_NOT_FOUND',
        message: `The model '${id.slice(0, 100)}' does not exist. This maskedit server serves ${MODELS.map((m) => m.id).join(', ')}.`,
      });
    }
    return model(id);
  });
}

/**
 * `GET /healthz`: liveness plus the queue and file-store figures an operator watches. Public even with an API
 * key (it reveals no file or request), so load balancers and `curl` checks need no secret.
 */
import { DEFAULT_ENGINE } from '../../engines/engine.js';
import type { FastifyInstance } from 'fastify';
import { createRequire } from 'node:module';
import '../context.js';

const VERSION = (createRequire(import.meta.url)('../../../package.json') as { version: string }).version;

export async function healthRoutes(app: FastifyInstance): Promise<void> {
  app.get('/healthz', { config: { public: true } }, async () => {
    const { queue, files, provider, engine, startedAt } = app.maskedit;
    return {
      ok: true,
      version: VERSION,
      uptime_s: Math.floor(Date.now() / 1000) - startedAt,
      provider: provider.name,
      // The local provider's engine (its default when none was chosen); null only for another provider.
      engine: provider.name === 'local' ? engine ?? DEFAULT_ENGINE : null,
      queue: queue.stats(),
      files: files.usage(),
    };
  });
}

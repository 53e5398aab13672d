/**
 * `GET /healthz`: liveness plus the queue and file-store figures an operator watches. Public even with an API
 * key (it reveals no file or request), so load balancers and `curl` checks need no secret.
 */
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
      engine: engine ?? null,
      queue: queue.stats(),
      files: files.usage(),
    };
  });
}

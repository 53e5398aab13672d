/**
 * Route options for the edit routes (`/v1/images/edits`, `/v1/responses`, the studio's `/api/edit`): the edit
 * queue's place is taken *before* the body is read, so a full server answers 429 at once instead of after a
 * 50 MB upload, and it is given back however the request ends (answered, aborted, failed).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from './errors.js';
import { watchUpload } from './upload-watch.js';

/**
 * @example
 * app.post('/v1/images/edits', { bodyLimit, ...queuedRoute(app) }, async (request) => request.maskeditTicket!.run(…));
 */
export function queuedRoute(app: FastifyInstance) {
  const release = async (request: FastifyRequest) => { request.maskeditTicket?.release(); };
  return {
    onRequest: async (request: FastifyRequest) => {
      request.maskeditTicket = app.maskedit.queue.reserve();
      // A body that stops arriving gets 408 and gives the place back (upload-watch.ts).
      watchUpload(request, app.maskedit.uploadIdleMs ?? 30_000);
    },
    onResponse: release,
    onRequestAbort: release,
    onError: release,
  };
}

/**
 * What to answer for an error thrown while the request's work was aborted: a timeout or a shutdown aborts it
 * with an ApiError reason (504, 503), which is the truthful answer rather than the "aborted" it caused.
 */
export function abortReason(signal: AbortSignal, e: unknown): unknown {
  return signal.aborted && signal.reason instanceof ApiError ? signal.reason : e;
}

/**
 * Runs a queued route's work with the request's AbortSignal (client gone, timeout, shutdown), then gives back
 * the signal's resources and the queue place, however the work ended.
 *
 * @example
 * app.post('/v1/images/edits', queuedRoute(app), (request, reply) => runQueuedWork(app, request, reply, (signal) => …));
 */
export async function runQueuedWork<T>(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const work = app.maskedit.track(reply.raw);
  try {
    return await fn(work.signal);
  } catch (e) {
    throw abortReason(work.signal, e);
  } finally {
    work.done();
    request.maskeditTicket?.release();
  }
}

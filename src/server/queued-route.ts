/**
 * Route options for the edit routes (`/v1/images/edits`, `/v1/responses`, the studio's `/api/edit` and
 * `/api/check`). While the body arrives the request holds an *upload place* (uploads.ts), watched for stalls
 * and trickles (upload-watch.ts); it takes an edit-queue place only when the body is whole ({@link admit}), so
 * slow clients cannot lock arrived edits out. A server whose queue is already full still answers 429 at once,
 * before reading a 50 MB upload. Both places are given back however the request ends (answered, aborted, failed).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Ticket } from './queue.js';
import { ApiError } from './errors.js';
import { watchUpload } from './upload-watch.js';
import { pixelCost } from './pixel-cost.js';

/**
 * @example
 * app.post('/v1/images/edits', { bodyLimit, ...queuedRoute(app) }, async (request) => (await admit(app, request, [image, mask])).run(…));
 */
export function queuedRoute(app: FastifyInstance) {
  const release = async (request: FastifyRequest) => {
    request.maskeditUpload?.();
    request.maskeditTicket?.release();
  };
  return {
    onRequest: async (request: FastifyRequest) => {
      app.maskedit.queue.assertRoom();
      request.maskeditUpload = app.maskedit.uploads.enter();
      // A body that stops or trickles gets 408 and gives the upload place back (upload-watch.ts).
      watchUpload(request, app.maskedit.uploadWatch);
    },
    onResponse: release,
    onRequestAbort: release,
    onError: release,
  };
}

/**
 * The request's body has arrived: gives its upload place back and takes an edit-queue place weighed by the
 * decoded pixels of `files` (its image and mask, probed from their headers): 413 `PIXEL_BUDGET_EXCEEDED` when
 * larger than the server's whole pixel budget, 429 when the queue is full. Call once the body is read, before
 * the work; the route's hooks release the place however the request ends.
 *
 * @example
 * const input = await readMultipartEdit(request, …);
 * await (await admit(app, request, [image, mask])).run(() => runEdit(input, …), signal);
 */
export async function admit(app: FastifyInstance, request: FastifyRequest, files: readonly (Uint8Array | undefined)[]): Promise<Ticket> {
  request.maskeditUpload?.();
  if (request.maskeditTicket) return request.maskeditTicket;
  const cost = await pixelCost(files);
  request.maskeditTicket = app.maskedit.queue.reserve(cost);
  return request.maskeditTicket;
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
    request.maskeditUpload?.();
    request.maskeditTicket?.release();
  }
}

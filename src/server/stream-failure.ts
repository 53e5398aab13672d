/**
 * The one failure path of a streamed answer, shared by `/v1/images/edits`, `/v1/responses` and the studio's
 * `/api/edit`. Every streamed route opens its event stream only once the input passed the doctor and the
 * linter, so:
 *
 * - a failure **before** the stream opened is thrown on, and the error boundary answers it as any request:
 *   its status and OpenAI's error body (`installErrorBoundary` in errors.ts);
 * - a failure **after** it opened can no longer change the status (200 is on the wire): it is mapped once
 *   (a timeout or shutdown answers with the abort's own reason, 504 / 503), logged once (a 5xx with its stack
 *   at error level, anything else at info), written as the stream's last event(s) — by default one `error`
 *   event with OpenAI's error body, which the openai SDK raises as APIError — and the stream ends.
 *
 * @example
 * try { … } catch (e) {
 *   await failStream(request, sse, e, { signal });
 * }
 */
import type { FastifyRequest } from 'fastify';
import { toApiError, type ApiError, type ParamNames } from './errors.js';
import { abortReason } from './queued-route.js';
import type { SseStream } from './sse.js';

export interface StreamFailureOptions {
  /** The request's work signal: an abort with an ApiError reason (timeout, shutdown) is the answer. */
  signal: AbortSignal;
  /** Where the request's image and mask live (`image`, or `images[0]` for JSON). */
  params?: ParamNames;
  /** The route's own closing events instead of the default `error` event (the Responses route's `response.failed`). */
  write?: (err: ApiError, sse: SseStream) => Promise<void>;
}

/**
 * Throws `error` (mapped by the abort reason) when no stream is open; otherwise ends `sse` with the failure.
 */
export async function failStream(request: FastifyRequest, sse: SseStream | undefined, error: unknown, options: StreamFailureOptions): Promise<void> {
  const reason = abortReason(options.signal, error);
  if (!sse) throw reason;
  const err = toApiError(reason, options.params, request.id);
  if (err.status >= 500) request.log.error({ err: error instanceof Error ? { message: error.message, stack: error.stack } : String(error) }, 'stream failed');
  else request.log.info({ code: err.code, status: err.status }, 'stream ended with an error');
  if (options.write) await options.write(err, sse);
  else await sse.error(err.toJSON());
  sse.end();
}

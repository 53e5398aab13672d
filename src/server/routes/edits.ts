/**
 * `POST /v1/images/edits`, multipart or JSON, plain or streamed. The queue place is taken in `onRequest`,
 * before the body is read, so a full server answers 429 without swallowing the upload; the place is given back
 * when the response ends, however it ends.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Problem } from '../../core/problems.js';
import '../context.js';
import { ApiError, toApiError } from '../errors.js';
import { readJsonEdit, readMultipartEdit, type EditInput } from '../edit-input.js';
import { runEdit } from '../edit-run.js';
import { stringifyWithBase64 } from '../json.js';
import { openSse, type SseStream } from '../sse.js';
import { abortReason, admit, queuedRoute, runQueuedWork } from '../queued-route.js';

/** Header listing the doctor's and linter's warning codes (the OpenAI body has no place for them). */
export const WARNINGS_HEADER = 'x-maskedit-warnings';

/** The {@link WARNINGS_HEADER} value: each warning code once, or undefined when there is none. */
export function warningsValue(warnings: Problem[]): string | undefined {
  return warnings.length ? [...new Set(warnings.map((w) => w.code))].join(', ') : undefined;
}

/**
 * Takes `reply` over for server-sent events, keeping the headers set so far (`x-request-id`) and adding the
 * warnings header. Shared by the streamed edit routes (`/v1/images/edits`, `/v1/responses`).
 *
 * @example
 * const sse = openEditStream(reply, warnings);
 */
export function openEditStream(reply: FastifyReply, warnings: Problem[]): SseStream {
  reply.hijack();
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(reply.getHeaders())) if (v !== undefined) headers[k] = String(v);
  const w = warningsValue(warnings);
  if (w) headers[WARNINGS_HEADER] = w;
  return openSse(reply.raw, headers);
}

/** The ImageEditPartialImageEvent / ImageEditCompletedEvent fields every event repeats. */
function eventMeta(input: EditInput) {
  return {
    size: input.options.size ?? 'auto',
    quality: input.options.quality ?? 'auto',
    background: input.options.background ?? 'auto',
    output_format: input.options.outputFormat,
  };
}

export async function editsRoutes(app: FastifyInstance): Promise<void> {
  app.post('/v1/images/edits', { bodyLimit: app.maskedit.limits.maxBodyBytes, ...queuedRoute(app) }, (request, reply) => runQueuedWork(app, request, reply, async (signal) => {
    const ctx = app.maskedit;
    const type = String(request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (!request.isMultipart() && type !== 'application/json') {
      throw new ApiError({ status: 400, apiCode: 'unsupported_content_type', code: 'UNSUPPORTED_CONTENT_TYPE', message: `Unsupported Content-Type '${type.slice(0, 100)}'. Send multipart/form-data (CreateImageEditRequest) or application/json (EditImageBodyJsonParam).` });
    }
    const input = request.isMultipart()
      ? await readMultipartEdit(request, ctx.limits, ctx.today())
      : await readJsonEdit(request.body, ctx.refContext(signal), ctx.limits.maxImages, ctx.today());
    request.maskeditParams = input.params;
    return input.options.stream
      ? await streamEdit(request, reply, input, signal)
      : await plainEdit(reply, input, signal);
  }));

  async function plainEdit(reply: FastifyReply, input: EditInput, signal: AbortSignal): Promise<FastifyReply> {
    const ctx = app.maskedit;
    const ticket = await admit(app, reply.request, [input.images[0]?.bytes, input.mask?.bytes]);
    const { response, warnings } = await ticket.run(() => runEdit(input, {
      provider: ctx.provider, signal, today: ctx.today(),
      ...(ctx.engine !== undefined && { engine: ctx.engine }),
      ...(ctx.maxPixels !== undefined && { maxPixels: ctx.maxPixels }),
    }), signal);
    const w = warningsValue(warnings);
    if (w) void reply.header(WARNINGS_HEADER, w);
    return reply.type('application/json; charset=utf-8').send(stringifyWithBase64(response));
  }

  /**
   * The stream opens only after the inputs passed the doctor, so invalid input still gets an ordinary 400;
   * a failure after that arrives as an `error` event, which the openai SDK raises as APIError.
   */
  async function streamEdit(request: FastifyRequest, reply: FastifyReply, input: EditInput, signal: AbortSignal): Promise<void> {
    const ctx = app.maskedit;
    const ticket = await admit(app, request, [input.images[0]?.bytes, input.mask?.bytes]);
    const meta = eventMeta(input);
    let sse: SseStream | undefined;
    try {
      const { response } = await ticket.run(() => runEdit(input, {
        provider: ctx.provider, signal, today: ctx.today(),
        ...(ctx.engine !== undefined && { engine: ctx.engine }),
        ...(ctx.maxPixels !== undefined && { maxPixels: ctx.maxPixels }),
        onValidated: (warnings) => { sse = openEditStream(reply, warnings); },
        onPartial: async (p) => {
          await sse?.send('image_edit.partial_image', {
            type: 'image_edit.partial_image', b64_json: p.b64, created_at: Math.floor(Date.now() / 1000), ...meta, partial_image_index: p.index,
          });
        },
      }), signal);
      for (const image of response.data) {
        await sse!.send('image_edit.completed', {
          type: 'image_edit.completed', b64_json: image.b64_json, created_at: response.created,
          ...meta, size: response.size, quality: response.quality, background: response.background, usage: response.usage,
        });
      }
      sse!.end();
    } catch (e) {
      if (!sse) throw e;
      const err = toApiError(abortReason(signal, e), input.params, request.id);
      if (err.status >= 500) request.log.error({ err: e instanceof Error ? { message: e.message, stack: e.stack } : String(e) }, 'stream failed');
      else request.log.info({ code: err.code, status: err.status }, 'stream ended with an error');
      await sse.error(err.toJSON());
      sse.end();
    }
  }
}

/**
 * `POST /v1/responses`, `GET /v1/responses/{id}` and `DELETE /v1/responses/{id}`: the subset of the Responses
 * API (spec: `CreateResponse`, `Response`, `ImageGenTool`, `ImageGenToolCall`, `ResponseStreamEvent`) that an
 * image edit with the `image_generation` tool uses, run by the server's embedded engine through the same
 * checks, queue and limits as `/v1/images/edits` (edit-run.ts).
 *
 * Accepted: any top-level `model` (echoed; the tool's `model` picks the image model, default `gpt-image-1` as in
 * the spec); `input` as a string or user/system/developer messages whose content is `input_text` and
 * `input_image` (`image_url` data URL or `file_id`); `tools: [{ type: 'image_generation', … }]` with
 * `input_image_mask`, `size`, `quality`, `background`, `output_format`, `output_compression`, `input_fidelity`,
 * `partial_images`, `moderation`, `action` (`auto`/`edit`); `tool_choice` auto/required/image_generation;
 * `previous_response_id`; `stream`; `store`; and harmless sampling/metadata fields, which are echoed or ignored.
 *
 * The first input image is the base (the mask applies to it) and later ones are references. A follow-up with
 * `previous_response_id` and no input image continues from the previous response's generated image, and
 * without an `input_image_mask` it reuses the previous mask (scaled to that image). Unknown or expired ids → 404
 * `previous_response_not_found`. Everything else — other tools, function calls, audio, files, conversations,
 * background mode, `action: generate` (the engine cannot draw from nothing) — is a 400 that says so.
 *
 * The output is what a model answers with: `output: [{ type: 'image_generation_call', id, status: 'completed',
 * result: <base64 of the whole image at the requested size>, … }]`. Streaming sends, in order:
 * `response.created`, `response.in_progress`, `response.output_item.added`,
 * `response.image_generation_call.in_progress`, `…generating`, `…partial_image` ×partial_images,
 * `…completed`, `response.output_item.done`, `response.completed` (failures after the stream opened:
 * `response.failed`, then an `error` event the SDK raises as APIError).
 *
 * @example
 * const app = await buildServer({ engine: 'telea', plugins: [responsesRoutes()] });
 */
import { defaultModel } from '../../core/lifecycle.js';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { resizeMaskPng } from '../../io/resample.js';
import type { Problem } from '../../core/problems.js';
import type { Code } from '../../core/codes.js';
import { probeImage } from '../../io/image.js';
import '../context.js';
import { parseEditOptions, type EditParams } from '../edit-options.js';
import { resolveImageRefs, type EditInput, type InputFile } from '../edit-input.js';
import { runEdit } from '../edit-run.js';
import { ApiError, toApiError, type ParamNames } from '../errors.js';
import { ResponseStore, type ResponseStoreOptions } from '../responses-store.js';
import type { SseStream } from '../sse.js';
import { WARNINGS_HEADER, openEditStream, warningsValue } from './edits.js';
import { abortReason, admit, queuedRoute, runQueuedWork } from '../queued-route.js';

/** The image model when the tool names none (ImageGenTool.model default). */
/** The tool's model when none is named: the registry's default model on the request's date. */

/** Top-level CreateResponse fields that change nothing for an image edit: accepted, echoed where Response has them. */
const IGNORED_FIELDS = new Set(['metadata', 'user', 'temperature', 'top_p', 'parallel_tool_calls', 'max_output_tokens', 'truncation', 'reasoning',
  'text', 'service_tier', 'include', 'instructions', 'safety_identifier', 'prompt_cache_key', 'prompt_cache_retention', 'max_tool_calls', 'top_logprobs', 'stream_options']);
const HANDLED_FIELDS = new Set(['model', 'input', 'tools', 'tool_choice', 'previous_response_id', 'stream', 'store', 'background']);
/** Fields that exist in CreateResponse but that this server cannot honour. */
const UNSUPPORTED_FIELDS: Record<string, string> = {
  conversation: 'conversations are not stored by maskedit serve; chain turns with previous_response_id',
  prompt: 'reusable prompt templates are not supported; send the text in input',
};
const TOOL_FIELDS = new Set(['type', 'model', 'action', 'input_image_mask', 'input_fidelity', 'size', 'quality', 'background', 'output_format', 'output_compression', 'partial_images', 'moderation']);

const id = (prefix: string) => `${prefix}_${randomBytes(16).toString('hex')}`;
const now = () => Math.floor(Date.now() / 1000);

function badRequest(param: string | null, message: string, apiCode = 'invalid_value', code: Code = 'RESPONSES_INVALID'): ApiError {
  return new ApiError({ status: 400, apiCode, param, code, message });
}

function unsupported(param: string, message: string): ApiError {
  return new ApiError({ status: 400, apiCode: 'unsupported_parameter', param, code: 'RESPONSES_UNSUPPORTED', message: `Unsupported '${param}': ${message}.` });
}

/** A request after validation, before any image is read. */
export interface ResponsesRequest {
  model: string;
  prompt: string;
  images: { ref: Record<string, unknown>; param: string }[];
  tool: Record<string, unknown>;
  toolParam: string;
  previousResponseId?: string;
  stream: boolean;
  store: boolean;
  toolChoice: unknown;
  instructions: string | null;
  metadata: Record<string, unknown>;
  user?: string;
}

/**
 * Checks a CreateResponse body against the subset above, naming the offending path in `param`.
 *
 * @example
 * parseResponsesRequest({ model: 'gpt-4.1', input: 'A lounge…', tools: [{ type: 'image_generation' }] }).prompt // 'A lounge…'
 */
export function parseResponsesRequest(body: unknown): ResponsesRequest {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest(null, 'Invalid body: expected a JSON object.', 'invalid_type', 'INVALID_TYPE');
  const b = body as Record<string, unknown>;
  for (const key of Object.keys(b)) {
    if (UNSUPPORTED_FIELDS[key] !== undefined) throw unsupported(key, UNSUPPORTED_FIELDS[key]!);
    if (!HANDLED_FIELDS.has(key) && !IGNORED_FIELDS.has(key)) {
      throw new ApiError({ status: 400, apiCode: 'unknown_parameter', param: key.slice(0, 100), code: 'UNKNOWN_PARAMETER', message: `Unknown parameter: '${key.slice(0, 100)}'.` });
    }
  }
  if (b.background === true) throw unsupported('background', 'background mode is not supported; send the request without it and wait for the answer, or stream it');
  if (typeof b.model !== 'string' || !b.model) throw new ApiError({ status: 400, apiCode: 'missing_required_parameter', param: 'model', code: 'MISSING_PARAMETER', message: "Missing required parameter: 'model'." });

  // Tools: exactly one image_generation tool, nothing else.
  if (!Array.isArray(b.tools) || !b.tools.length) {
    throw new ApiError({ status: 400, apiCode: 'missing_required_parameter', param: 'tools', code: 'MISSING_PARAMETER',
      message: "Missing required parameter: 'tools'. maskedit serve answers only with the image_generation tool; send tools: [{ type: 'image_generation', input_image_mask: { image_url: 'data:image/png;base64,…' } }]." });
  }
  let tool: Record<string, unknown> | undefined;
  let toolParam = 'tools[0]';
  b.tools.forEach((t: unknown, i) => {
    const type = t && typeof t === 'object' ? (t as { type?: unknown }).type : undefined;
    if (type !== 'image_generation') {
      throw unsupported(`tools[${i}].type`, `maskedit serve runs only the 'image_generation' tool, not ${JSON.stringify(type ?? null)}`);
    }
    if (tool) throw badRequest(`tools[${i}]`, "Invalid 'tools': the image_generation tool may appear only once.");
    tool = t as Record<string, unknown>;
    toolParam = `tools[${i}]`;
  });
  for (const key of Object.keys(tool!)) {
    if (!TOOL_FIELDS.has(key)) throw new ApiError({ status: 400, apiCode: 'unknown_parameter', param: `${toolParam}.${key.slice(0, 100)}`, code: 'UNKNOWN_PARAMETER', message: `Unknown parameter: '${toolParam}.${key.slice(0, 100)}'.` });
  }
  const action = tool!.action;
  if (action !== undefined && action !== 'auto' && action !== 'edit') {
    if (action === 'generate') throw unsupported(`${toolParam}.action`, "the embedded engine edits the masked area of an input image and cannot generate a picture from text; use 'edit' or 'auto' with an input image and input_image_mask");
    throw badRequest(`${toolParam}.action`, `Invalid value: '${String(action).slice(0, 40)}'. Supported values are: 'auto', 'edit', and 'generate'.`);
  }

  const tc = b.tool_choice;
  const tcOk = tc === undefined || tc === 'auto' || tc === 'required' || (tc && typeof tc === 'object' && (tc as { type?: unknown }).type === 'image_generation');
  if (!tcOk) throw unsupported('tool_choice', `with ${JSON.stringify(tc)} no image would be made; use 'auto', 'required' or { type: 'image_generation' }`);

  // Input: text and images from messages.
  const texts: string[] = [];
  const images: ResponsesRequest['images'] = [];
  if (typeof b.input === 'string') texts.push(b.input);
  else if (Array.isArray(b.input)) {
    b.input.forEach((item: unknown, i) => {
      const it = (item && typeof item === 'object' ? item : {}) as Record<string, unknown>;
      const type = it.type ?? 'message';
      if (type !== 'message') throw unsupported(`input[${i}].type`, `only message items (text and images) are supported, not ${JSON.stringify(type)}`);
      const role = it.role;
      if (role !== 'user' && role !== 'system' && role !== 'developer') {
        throw unsupported(`input[${i}].role`, `only user, system and developer messages are supported, not ${JSON.stringify(role ?? null)}; continue a conversation with previous_response_id`);
      }
      const content = it.content;
      if (typeof content === 'string') { if (role === 'user') texts.push(content); return; }
      if (!Array.isArray(content)) throw badRequest(`input[${i}].content`, `Invalid type for 'input[${i}].content': expected a string or an array of content parts.`, 'invalid_type', 'INVALID_TYPE');
      content.forEach((part: unknown, j) => {
        const p = (part && typeof part === 'object' ? part : {}) as Record<string, unknown>;
        const param = `input[${i}].content[${j}]`;
        if (p.type === 'input_text') {
          if (typeof p.text !== 'string') throw badRequest(`${param}.text`, `Invalid type for '${param}.text': expected a string.`, 'invalid_type', 'INVALID_TYPE');
          if (role === 'user') texts.push(p.text);
        } else if (p.type === 'input_image') {
          const ref: Record<string, unknown> = {};
          if (p.image_url !== undefined && p.image_url !== null) ref.image_url = p.image_url;
          if (p.file_id !== undefined && p.file_id !== null) ref.file_id = p.file_id;
          images.push({ ref, param });
        } else {
          throw unsupported(`${param}.type`, `only input_text and input_image parts are supported, not ${JSON.stringify(p.type ?? null)}`);
        }
      });
    });
  } else {
    throw new ApiError({ status: 400, apiCode: 'missing_required_parameter', param: 'input', code: 'MISSING_PARAMETER', message: "Missing required parameter: 'input'." });
  }
  const prompt = texts.join('\n').trim();
  if (!prompt) throw badRequest('input', "Invalid 'input': no text. Describe the final image in an input_text part (the image model's prompt).", 'missing_required_parameter', 'PROMPT_EMPTY');

  if (b.previous_response_id !== undefined && b.previous_response_id !== null && typeof b.previous_response_id !== 'string') {
    throw badRequest('previous_response_id', "Invalid type for 'previous_response_id': expected a string.", 'invalid_type', 'INVALID_TYPE');
  }
  if (b.stream !== undefined && typeof b.stream !== 'boolean') throw badRequest('stream', "Invalid type for 'stream': expected a boolean.", 'invalid_type', 'INVALID_TYPE');
  if (b.store !== undefined && typeof b.store !== 'boolean') throw badRequest('store', "Invalid type for 'store': expected a boolean.", 'invalid_type', 'INVALID_TYPE');
  return {
    model: b.model, prompt, images, tool: tool!, toolParam,
    ...(typeof b.previous_response_id === 'string' ? { previousResponseId: b.previous_response_id } : {}),
    stream: b.stream === true,
    store: b.store !== false,
    toolChoice: tc ?? 'auto',
    instructions: typeof b.instructions === 'string' ? b.instructions : null,
    metadata: b.metadata && typeof b.metadata === 'object' ? b.metadata as Record<string, unknown> : {},
    ...(typeof b.user === 'string' ? { user: b.user } : {}),
  };
}

/** The tool's fields through the images/edits validator, with `param` and wording moved under `tools[i]`. */
function toolOptions(req: ResponsesRequest, today: string): EditParams {
  const t = req.tool;
  const raw: Record<string, unknown> = { prompt: req.prompt, model: t.model ?? defaultModel(today), stream: req.stream };
  for (const k of ['size', 'quality', 'background', 'output_format', 'output_compression', 'input_fidelity', 'partial_images', 'moderation', 'complexity']) if (t[k] !== undefined && t[k] !== null) raw[k] = t[k];
  try {
    return parseEditOptions(raw, 'json', today);
  } catch (e) {
    if (!(e instanceof ApiError) || !e.param) throw e;
    const param = e.param === 'prompt' ? 'input' : `${req.toolParam}.${e.param}`;
    throw new ApiError({
      status: e.status, apiCode: e.apiCode, type: e.type, code: e.code, param,
      message: e.message.replaceAll(`'${e.param}'`, `'${param}'`), ...(e.fix ? { fix: e.fix } : {}),
    });
  }
}

/** The tool as Response.tools echoes it: defaults filled in, a data-URL mask left out (it can be megabytes). */
function echoTool(req: ResponsesRequest, options: EditParams): Record<string, unknown> {
  const mask = req.tool.input_image_mask as { file_id?: unknown } | undefined;
  return {
    type: 'image_generation', model: options.model, action: req.tool.action ?? 'auto',
    background: options.background ?? 'auto', input_fidelity: options.inputFidelity ?? null,
    moderation: (req.tool.moderation as string | undefined) ?? 'auto', output_compression: options.outputCompression,
    output_format: options.outputFormat, partial_images: options.partialImages, quality: options.quality ?? 'auto', size: options.size ?? 'auto',
    ...(mask && typeof mask.file_id === 'string' ? { input_image_mask: { file_id: mask.file_id } } : {}),
  };
}

function responseObject(req: ResponsesRequest, tool: Record<string, unknown>, fields: { id: string; createdAt: number; status: string; output: unknown[]; usage?: unknown; error?: unknown }): Record<string, unknown> {
  return {
    id: fields.id, object: 'response', created_at: fields.createdAt, status: fields.status,
    ...(fields.status === 'completed' ? { completed_at: now() } : {}),
    background: false, error: fields.error ?? null, incomplete_details: null, instructions: req.instructions, max_output_tokens: null,
    metadata: req.metadata, model: req.model, output: fields.output, parallel_tool_calls: true,
    previous_response_id: req.previousResponseId ?? null, reasoning: { effort: null, summary: null }, store: req.store,
    temperature: 1, text: { format: { type: 'text' } }, tool_choice: req.toolChoice, tools: [tool], top_p: 1, truncation: 'disabled',
    usage: fields.usage ?? null, user: req.user ?? null,
  };
}

export interface ResponsesRoutesOptions extends ResponseStoreOptions {
  /** Share a store (tests); default: a new one per server. */
  store?: ResponseStore;
}

/**
 * The routes as a fastify plugin for `buildServer({ plugins })`.
 *
 * @example
 * const app = await buildServer({ engine: 'telea', plugins: [responsesRoutes({ ttlSeconds: 600 })] });
 */
export function responsesRoutes(opts: ResponsesRoutesOptions = {}): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    const store = opts.store ?? new ResponseStore(opts);

    app.get('/v1/responses/:id', async (request) => {
      const { id: rid } = request.params as { id: string };
      const found = store.get(rid);
      if (!found) throw notFound(rid, null);
      return found.response;
    });
    app.delete('/v1/responses/:id', async (request) => {
      const { id: rid } = request.params as { id: string };
      if (!store.delete(rid)) throw notFound(rid, null);
      return { id: rid, object: 'response', deleted: true };
    });

    app.post('/v1/responses', {
      bodyLimit: app.maskedit.limits.maxBodyBytes,
      ...queuedRoute(app),
    }, (request, reply) => runQueuedWork(app, request, reply, async (signal) => {
      const req = parseResponsesRequest(request.body);
      const options = toolOptions(req, app.maskedit.today());
      const input = await resolveInput(req, signal);
      request.maskeditParams = input.params;
      return respond(request, reply, req, options, input, signal);
    }));

    /** Base image, references and mask, from the request or the previous response. */
    async function resolveInput(req: ResponsesRequest, signal: AbortSignal): Promise<Omit<EditInput, 'options'>> {
      const refs = app.maskedit.refContext(signal);
      const previous = req.previousResponseId !== undefined ? store.get(req.previousResponseId) : undefined;
      if (req.previousResponseId !== undefined && !previous) throw notFound(req.previousResponseId, 'previous_response_id');
      if (req.images.length > app.maskedit.limits.maxImages) {
        throw badRequest('input', `Invalid 'input': too many images. Expected at most ${app.maskedit.limits.maxImages}, but got ${req.images.length}.`, 'array_above_max_length', 'TOO_MANY_IMAGES');
      }
      const maskParam = `${req.toolParam}.input_image_mask`;
      const maskRef = req.tool.input_image_mask;
      const hasMask = maskRef !== undefined && maskRef !== null;
      const images = await resolveImageRefs([...req.images, ...(hasMask ? [{ ref: maskRef, param: maskParam }] : [])], refs);
      let mask: InputFile | undefined = hasMask ? images.pop() : undefined;
      if (!images.length) {
        if (!previous?.image) {
          throw new ApiError({ status: 400, apiCode: 'missing_required_parameter', param: 'input', code: 'IMAGE_REQUIRED',
            message: "Missing input image: send an input_image part (data URL or file_id) to edit, or previous_response_id to continue from a generated image. maskedit serve edits images; it cannot generate one from text." });
        }
        images.push({ bytes: previous.image, param: 'previous_response_id' });
      }
      if (!mask && previous?.mask) mask = { bytes: await fitMask(previous.mask, images[0]!.bytes), param: maskParam };
      if (!mask) {
        throw new ApiError({ status: 400, apiCode: 'missing_required_parameter', param: maskParam, code: 'MASK_REQUIRED',
          message: `Missing required parameter: '${maskParam}'. maskedit serve fills the transparent (alpha 0) area of the mask with its embedded engine; send { image_url: 'data:image/png;base64,…' } or { file_id }.` });
      }
      const params: ParamNames = { image: images[0]!.param, mask: maskParam };
      return { images, mask, params };
    }

    async function respond(request: FastifyRequest, reply: FastifyReply, req: ResponsesRequest, options: EditParams, input: Omit<EditInput, 'options'>, signal: AbortSignal): Promise<unknown> {
      const ctx = app.maskedit;
      const ticket = await admit(app, request, [input.images[0]?.bytes, input.mask?.bytes]);
      const tool = echoTool(req, options);
      const rid = id('resp');
      const callId = id('ig');
      const createdAt = now();
      let seq = 0;
      let sse: SseStream | undefined;
      const send = async (type: string, data: Record<string, unknown>) => sse?.send(type, { type, sequence_number: seq++, ...data });
      const meta = { size: options.size ?? 'auto', quality: options.quality ?? 'auto', background: options.background ?? 'auto', output_format: options.outputFormat };
      const item = { output_index: 0, item_id: callId };
      const openStream = async (warnings: Problem[]) => {
        if (!req.stream) {
          const w = warningsValue(warnings);
          if (w) void reply.header(WARNINGS_HEADER, w);
          return;
        }
        sse = openEditStream(reply, warnings);
        const pending = responseObject(req, tool, { id: rid, createdAt, status: 'in_progress', output: [] });
        await send('response.created', { response: pending });
        await send('response.in_progress', { response: pending });
        await send('response.output_item.added', { output_index: 0, item: { type: 'image_generation_call', id: callId, status: 'in_progress', result: null } });
        await send('response.image_generation_call.in_progress', item);
        await send('response.image_generation_call.generating', item);
      };
      try {
        const { response } = await ticket.run(() => runEdit({ ...input, options }, {
          provider: ctx.provider, signal, today: ctx.today(),
          ...(ctx.engine !== undefined && { engine: ctx.engine }),
          ...(ctx.maxPixels !== undefined && { maxPixels: ctx.maxPixels }),
          onValidated: openStream,
          onPartial: async (p) => { await send('response.image_generation_call.partial_image', { ...item, partial_image_index: p.index, partial_image_b64: p.b64, ...meta }); },
        }), signal);
        const b64 = response.data[0]!.b64_json;
        const call = {
          type: 'image_generation_call', id: callId, status: 'completed', result: b64, action: 'edit',
          background: response.background, output_format: response.output_format, quality: response.quality, size: response.size, revised_prompt: req.prompt,
        };
        const u = response.usage;
        const usage = {
          input_tokens: u.input_tokens ?? 0, input_tokens_details: { cached_tokens: 0 },
          output_tokens: u.output_tokens ?? 0, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: u.total_tokens ?? 0,
        };
        const done = responseObject(req, tool, { id: rid, createdAt, status: 'completed', output: [call], usage });
        if (req.store) store.put(rid, { response: done, image: Buffer.from(b64, 'base64'), mask: input.mask!.bytes });
        if (!sse) return done;
        await send('response.image_generation_call.completed', item);
        await send('response.output_item.done', { output_index: 0, item: call });
        await send('response.completed', { response: done });
        sse.end();
        return undefined;
      } catch (e) {
        if (!sse) throw e;
        const err = toApiError(abortReason(signal, e), input.params, request.id);
        if (err.status >= 500) request.log.error({ err: e instanceof Error ? { message: e.message, stack: e.stack } : String(e) }, 'responses stream failed');
        const failedResponse = responseObject(req, tool, { id: rid, createdAt, status: 'failed', output: [], error: { code: err.apiCode ?? 'server_error', message: err.message } });
        await send('response.failed', { response: failedResponse });
        // OpenAI's error body as well, so SDK stream readers raise APIError.
        await send('error', { code: err.apiCode, message: err.message, param: err.param, error: err.toJSON().error });
        sse.end();
        return undefined;
      }
    }
  };
}

/** The default instance `maskedit serve` registers. */
export const responsesPlugin: FastifyPluginAsync = responsesRoutes();

function notFound(rid: string, param: string | null): ApiError {
  return param
    ? new ApiError({ status: 404, apiCode: 'previous_response_not_found', param, code: 'PREVIOUS_RESPONSE_NOT_FOUND',
      message: `Previous response with id '${rid.slice(0, 100)}' not found. Stored responses expire (maskedit serve keeps them in memory for a limited time); send the image again instead.` })
    : new ApiError({ status: 404, apiCode: 'not_found', param: null, code: 'RESPONSE_NOT_FOUND', message: `Response with id '${rid.slice(0, 100)}' not found.` });
}

/** A stored mask scaled (nearest neighbour, alpha kept) to the image a follow-up edits, which may be the model's size. */
async function fitMask(mask: Uint8Array, image: Uint8Array): Promise<Uint8Array> {
  const [m, im] = await Promise.all([probeImage(mask, { role: 'mask' }), probeImage(image)]);
  if (m.width === im.width && m.height === im.height) return mask;
  return resizeMaskPng(mask, im.width, im.height);
}

/**
 * The `responses` surface: `client.responses.create` with the `image_generation` tool (spec: `CreateResponse`,
 * `ImageGenTool`), for edits that live in a multi-turn flow. The base image goes in the user message as an
 * `input_image` (a PNG data URL, or `file_id` when the request carries `imageFileId`), followed by any reference
 * images; the mask goes in the tool as `input_image_mask` (RGBA PNG data URL, alpha 0 = editable, or
 * `maskFileId`). The answer's `image_generation_call` output item carries the image as base64 in `result`.
 *
 * Choices (docs/responses.md):
 * - top-level `model`: a mainline model that calls the tool, default {@link DEFAULT_RESPONSES_MODEL} (option
 *   `responsesModel`; the CLI passes `MASKEDIT_RESPONSES_MODEL`); the tool's `model` is the image model (`--model`).
 * - `tool_choice: { type: 'image_generation' }`: the mainline model must call the tool instead of answering
 *   in text, which is the only useful outcome for an edit.
 * - `action: 'edit'` by default: every maskedit request carries a base image and a mask, and `auto` lets the
 *   model decide to generate a new picture instead, which throws the mask away. The guide's "leave it on auto"
 *   is for open-ended assistant flows; pass `action: 'auto'` to get it.
 * - `input_fidelity` is sent as requested: the fidelity advisor (core/fidelity.ts) already dropped it for models
 *   without it.
 * - Follow-ups send `previous_response_id` and still send the current image explicitly, so the mask always
 *   applies to exactly the pixels maskedit cropped (the previous turn gives the model the conversation).
 * - One image per call: the tool has no `n`, so n > 1 makes n calls from the same previous response (each
 *   billed); the report's response id is the first one's, the output a follow-up continues from.
 *
 * Streaming (`partialImages > 0`): `response.image_generation_call.partial_image` events reach `onPartial`;
 * `response.completed` carries the final response; `response.failed` and `error` events become ProviderErrors.
 *
 * @example
 * const provider = openaiResponsesProvider({ responsesModel: 'gpt-5' });
 * const { images, responseId } = await provider.edit({ image, mask, prompt, model: 'gpt-image-1.5', size: '1024x1024' });
 * await provider.edit({ image: images[0]!, mask, prompt: 'Keep everything the same, but enlarge the logo slightly.', model: 'gpt-image-1.5', previousResponseId: responseId });
 */
import type { Response as OpenAIResponse, ResponseCreateParams, ResponseStreamEvent } from 'openai/resources/responses/responses';
import { throwIfAborted } from '../core/errors.js';
import { ProviderError } from './errors.js';
import { createOpenAIClient, decodeOutputs, definedFields, imageUpload, mapOpenAIError, maskUpload, type OpenAIClientOptions } from './_openai.js';
import type { Provider, ProviderRequest, ProviderResult, ProviderUsage } from './provider.js';

/** The mainline model that calls the image tool when none is configured. */
export const DEFAULT_RESPONSES_MODEL = 'gpt-4.1';

export type ImageGenAction = 'auto' | 'generate' | 'edit';

export interface OpenAIResponsesOptions extends OpenAIClientOptions {
  /** Top-level model (default {@link DEFAULT_RESPONSES_MODEL}; the CLI passes MASKEDIT_RESPONSES_MODEL when set). */
  responsesModel?: string;
  /** The tool's `action` (default `edit`, see the file header). */
  action?: ImageGenAction;
}

type Content = { type: 'input_text'; text: string } | { type: 'input_image'; detail: 'auto'; image_url: string } | { type: 'input_image'; detail: 'auto'; file_id: string };

/** Raster or reference bytes as a base64 data URL. */
async function dataUrl(file: File): Promise<string> {
  return `data:${file.type};base64,${Buffer.from(await file.arrayBuffer()).toString('base64')}`;
}

/**
 * The `CreateResponse` body for one edit (exported for tests and for callers that want to inspect it).
 *
 * @example
 * const body = await responsesBody(request, { responsesModel: 'gpt-4.1' });
 * body.tools[0].input_image_mask // { image_url: 'data:image/png;base64,…' }
 */
export async function responsesBody(request: ProviderRequest, opts: Pick<OpenAIResponsesOptions, 'responsesModel' | 'action'> = {}): Promise<ResponseCreateParams & { tools: ResponseCreateParams['tools'] & object[] }> {
  const streaming = (request.partialImages ?? 0) > 0;
  const content: Content[] = [{ type: 'input_text', text: request.prompt }];
  content.push(request.imageFileId
    ? { type: 'input_image', detail: 'auto', file_id: request.imageFileId }
    : { type: 'input_image', detail: 'auto', image_url: await dataUrl(await imageUpload(request.image)) });
  for (const ref of request.references ?? []) {
    content.push({ type: 'input_image', detail: 'auto', image_url: `data:${ref.mime};base64,${Buffer.from(ref.bytes).toString('base64')}` });
  }
  const mask = request.maskFileId ? { file_id: request.maskFileId } : { image_url: await dataUrl(await maskUpload(request.mask)) };
  const tool = definedFields({
    type: 'image_generation' as const,
    model: request.model,
    action: opts.action ?? 'edit',
    input_image_mask: mask,
    input_fidelity: request.inputFidelity,
    size: request.size,
    quality: request.quality,
    background: request.background,
    // ImageGenTool.moderation (the tool carries it; multipart does not).
    moderation: request.moderation,
    output_format: request.outputFormat,
    partial_images: streaming ? request.partialImages : undefined,
  });
  return {
    model: opts.responsesModel || DEFAULT_RESPONSES_MODEL,
    input: [{ role: 'user', content }],
    tools: [tool as NonNullable<ResponseCreateParams['tools']>[number]],
    tool_choice: { type: 'image_generation' },
    ...(request.previousResponseId ? { previous_response_id: request.previousResponseId } : {}),
    ...(streaming ? { stream: true } : {}),
  } as ResponseCreateParams & { tools: object[] };
}

interface ImageCall {
  type: 'image_generation_call';
  id: string;
  status: string;
  result: string | null;
  revised_prompt?: string;
}

/** The image_generation_call items of a response, failing clearly when the model did not call the tool. */
function imageCalls(response: OpenAIResponse): { b64s: string[]; revisedPrompt?: string } {
  if (response.status === 'failed' || response.error) throw failed(response.error?.code ?? null, response.error?.message ?? 'the response failed');
  const calls = (response.output ?? []).filter((o): o is typeof o & ImageCall => o.type === 'image_generation_call') as ImageCall[];
  const bad = calls.find((c) => c.status === 'failed');
  if (bad) throw failed(null, `the image_generation call ${bad.id} failed`);
  if (!calls.length) {
    const kinds = [...new Set((response.output ?? []).map((o) => o.type))].join(', ') || 'nothing';
    throw new ProviderError('OPENAI_NO_IMAGE_CALL', `the response has no image_generation_call output (received ${kinds})`,
      'make sure the image model supports the Responses tool (--model gpt-image-1.5) and the prompt asks for an edit; or use --surface images');
  }
  const revised = calls.find((c) => c.revised_prompt)?.revised_prompt;
  return { b64s: calls.map((c) => c.result).filter((r): r is string => typeof r === 'string' && r.length > 0), ...(revised ? { revisedPrompt: revised } : {}) };
}

function failed(code: string | null, message: string): ProviderError {
  return new ProviderError(code ? `OPENAI_${code.replace(/[^A-Za-z0-9]+/g, '_').toUpperCase()}` : 'OPENAI_RESPONSE_FAILED',
    `the Responses API reported a failure${code ? ` (${code})` : ''}: ${message}`,
    'check the message; for mask or image problems run `maskedit check IMAGE MASK`, otherwise retry or use --surface images',
    code ? { openaiCode: code } : {});
}

/** Responses usage (`input_tokens_details.cached_tokens`, …) in the providers' usage shape. */
function usageOf(response: OpenAIResponse): ProviderUsage | undefined {
  const u = response.usage;
  if (!u) return undefined;
  return { input_tokens: u.input_tokens, output_tokens: u.output_tokens, total_tokens: u.total_tokens };
}

/** Reads a stream of ResponseStreamEvents to the completed response, forwarding partial images. */
async function readStream(stream: AsyncIterable<ResponseStreamEvent>, request: ProviderRequest): Promise<OpenAIResponse> {
  let completed: OpenAIResponse | undefined;
  const format = request.outputFormat ?? 'png';
  for await (const ev of stream) {
    throwIfAborted(request.signal);
    switch (ev.type) {
      case 'response.image_generation_call.partial_image':
        request.onPartial?.({ index: ev.partial_image_index, b64: ev.partial_image_b64, outputFormat: format });
        request.onProgress?.({ step: 'provider', message: `partial image ${ev.partial_image_index + 1}/${request.partialImages ?? '?'}` });
        break;
      case 'response.completed':
        completed = ev.response;
        break;
      case 'response.failed':
        throw failed(ev.response.error?.code ?? null, ev.response.error?.message ?? 'the response failed');
      case 'error':
        throw failed(ev.code, ev.message);
      default:
        break;
    }
  }
  if (!completed) throw new ProviderError('OPENAI_STREAM_INCOMPLETE', 'the Responses stream ended before response.completed', 'try again; if it persists, run without --stream');
  return completed;
}

export function openaiResponsesProvider(opts: OpenAIResponsesOptions = {}): Provider {
  const client = createOpenAIClient(opts);
  return {
    name: 'openai',
    surface: 'responses',
    async edit(request: ProviderRequest): Promise<ProviderResult> {
      throwIfAborted(request.signal);
      const started = Date.now();
      const body = await responsesBody(request, opts);
      const reqOpts = request.signal ? { signal: request.signal } : {};
      const n = Math.max(1, request.n ?? 1);
      request.onProgress?.({ step: 'provider', message: `responses.create ${body.model} → image_generation ${request.model}${request.previousResponseId ? ` (after ${request.previousResponseId})` : ''}${n > 1 ? `, ${n} calls` : ''}` });
      try {
        // The tool has no `n`: n images are n calls, each from the same previous response.
        const answers: { response: OpenAIResponse; b64s: string[]; revisedPrompt?: string }[] = [];
        for (let i = 0; i < n; i++) {
          throwIfAborted(request.signal);
          const raw = await client.responses.create(body, reqOpts) as OpenAIResponse | AsyncIterable<ResponseStreamEvent>;
          const response = Symbol.asyncIterator in raw ? await readStream(raw, i === 0 ? request : { ...request, onPartial: undefined }) : raw;
          answers.push({ response, ...imageCalls(response) });
        }
        const images = await decodeOutputs(answers.flatMap((a) => a.b64s.slice(0, 1)));
        const first = answers[0]!;
        request.onProgress?.({ step: 'provider', ms: Date.now() - started, message: `${images.length} image(s) ${images[0]?.width}x${images[0]?.height}, ${first.response.id}` });
        const usage = answers.map((a) => usageOf(a.response)).reduce<ProviderUsage | undefined>((acc, u) => (!u ? acc : !acc ? u : {
          input_tokens: (acc.input_tokens ?? 0) + (u.input_tokens ?? 0),
          output_tokens: (acc.output_tokens ?? 0) + (u.output_tokens ?? 0),
          total_tokens: (acc.total_tokens ?? 0) + (u.total_tokens ?? 0),
        }), undefined);
        const tool = { ...(body.tools[0] as Record<string, unknown>) };
        const mask = tool.input_image_mask as { image_url?: string; file_id?: string };
        tool.input_image_mask = mask.file_id ?? 'data:image/png;base64,… (RGBA PNG, alpha 0 = editable)';
        return {
          images,
          // The first output is the one a follow-up continues from.
          responseId: first.response.id,
          ...(usage ? { usage } : {}),
          ...(first.revisedPrompt ? { revisedPrompt: first.revisedPrompt } : {}),
          sent: definedFields({
            surface: 'responses', model: request.model, size: request.size, quality: request.quality,
            responsesModel: body.model, tool, tool_choice: 'image_generation',
            image: request.imageFileId ?? 'data:image/png;base64,…', references: request.references?.length ?? 0,
            previous_response_id: request.previousResponseId, stream: body.stream ? true : undefined,
            calls: n > 1 ? n : undefined, responseIds: n > 1 ? answers.map((a) => a.response.id) : undefined,
          }),
        };
      } catch (e) {
        throw mapOpenAIError(e, client.apiKey, client.baseURL);
      }
    },
  };
}

/**
 * One image edit, from checked input to OpenAI's `ImagesResponse`, through the pipeline's stages
 * (src/pipeline/stages.ts): `prepare` decodes and checks the image/mask pair (the mask doctor's and the linter's
 * errors become OpenAI's codes through the error boundary) and probes the references; `planPassthrough` sends
 * the whole image at the requested size; `send` calls the provider, which answers like a model — the whole
 * image, not stitched back; {@link finishImagesResponse} encodes each output in `output_format` at
 * `output_compression`, with `usage` from the cost model.
 */
import { estimateCost, usageFor } from '../core/cost.js';
import { isoDate } from '../core/lifecycle.js';
import { isMaskeditError } from '../core/errors.js';
import type { Problem } from '../core/problems.js';
import type { Raster } from '../core/raster.js';
import { resample } from '../io/resample.js';
import { encodeImage } from '../io/image.js';
import { EditRefusedError, planPassthrough, prepare, ReferenceInputError, send, stageRun, type Prepared, type Sent } from '../pipeline/stages.js';
import type { Provider, ProviderUsage } from '../providers/provider.js';
import { ApiError, problemToApiError, toApiError } from './errors.js';
import type { EditInput } from './edit-input.js';
import type { Background, EditParams, OutputFormat } from './edit-options.js';

/** OpenAI's `ImagesResponse` as this server fills it. */
export interface ImagesResponse {
  created: number;
  data: { b64_json: string }[];
  background: 'transparent' | 'opaque';
  output_format: OutputFormat;
  size: string;
  quality: string;
  usage: ProviderUsage;
}

export interface PartialImage {
  index: number;
  b64: string;
}

export interface RunEditOptions {
  provider: Provider;
  /** Engine name passed to the local provider. */
  engine?: string;
  maxPixels?: number;
  /** The date the model is judged on (YYYY-MM-DD; default today's UTC date): a deprecated model warns. */
  today?: string;
  signal?: AbortSignal;
  /**
   * Called once the inputs are decoded and valid, before the provider runs, with the doctor's and the
   * linter's warnings. A streaming route opens its event stream here, so invalid input still gets a plain 400.
   */
  onValidated?: (warnings: Problem[]) => void | Promise<void>;
  /** Streamed partial images (only when `options.stream`), in index order. */
  onPartial?: (partial: PartialImage) => void | Promise<void>;
}

export interface EditOutcome {
  response: ImagesResponse;
  warnings: Problem[];
}

/**
 * Runs one edit.
 *
 * @example
 * const { response } = await runEdit(await readJsonEdit(body, refs), { provider: localProvider({ engine: 'telea' }) });
 */
export async function runEdit(input: EditInput, opts: RunEditOptions): Promise<EditOutcome> {
  const { options, images, mask, params } = input;
  const base = images[0]!;
  if (!mask) {
    throw new ApiError({
      status: 400, apiCode: 'missing_required_parameter', param: 'mask', code: 'MASK_REQUIRED',
      message: "Missing required parameter: 'mask'. maskedit serve fills the transparent (alpha 0) area of a mask with its embedded engine; without a mask there is nothing it can edit.",
      fix: 'send a PNG mask the size of the image, transparent where the image should change (`maskedit mask` builds one)',
    });
  }
  const run = stageRun(opts.signal ? { signal: opts.signal } : {});
  let prepared: Prepared;
  try {
    prepared = await prepare({
      image: base.bytes, mask: mask.bytes, imageLabel: params.image, maskLabel: params.mask,
      // OpenAI's prompt is sent as the client wrote it; input_fidelity only when the client set it.
      prompt: options.prompt, promptAsIs: true, adviseFidelity: false,
      ...(options.inputFidelity !== undefined && { fidelity: options.inputFidelity }),
      model: options.model, today: opts.today ?? isoDate(new Date()), n: options.n,
      references: images.slice(1).map((r) => ({ bytes: r.bytes, label: r.param, ...(r.filename ? { name: r.filename } : {}) })),
      ...(opts.maxPixels !== undefined && { maxPixels: opts.maxPixels }),
    }, run);
  } catch (e) {
    if (e instanceof EditRefusedError) throw problemToApiError(e.problems.find((p) => p.severity === 'error')!, params);
    if (e instanceof ReferenceInputError) throw toApiError(e, { image: images[e.index + 1]!.param, mask: params.mask });
    throw e;
  }
  const warnings = prepared.problems.filter((p) => p.severity === 'warning');
  await opts.onValidated?.(warnings);

  // Partials the provider streams are forwarded; providers that render none (the local engines) get
  // progressive previews of the first result instead (see progressivePreviews).
  const wantPartials = options.stream ? options.partialImages : 0;
  let sentPartials = 0;
  const partialQueue: Promise<void>[] = [];
  const planned = planPassthrough(prepared, opts.provider, {
    ...(options.size !== undefined && { size: options.size }),
    ...(options.quality !== undefined && { quality: options.quality }),
    ...(options.background !== undefined && { background: options.background }),
    outputFormat: options.outputFormat,
    partialImages: wantPartials,
  });
  let sent: Sent;
  try {
    sent = await send(prepared, planned, {
      ...(opts.engine !== undefined && { engine: opts.engine }),
      onPartial: (p) => {
        if (sentPartials >= wantPartials) return;
        sentPartials++;
        partialQueue.push(Promise.resolve(opts.onPartial?.({ index: p.index, b64: p.b64 })));
      },
    }, run);
  } catch (e) {
    // An empty answer is this server's failure, not the client's: its own 500 (the code's row says 400 for the CLI).
    if (isMaskeditError(e) && e.code === 'PROVIDER_NO_IMAGE') throw new ApiError({ status: 500, apiCode: null, code: 'PROVIDER_NO_IMAGE', message: 'the provider returned no image' });
    throw e;
  }
  await Promise.all(partialQueue);
  return { response: await finishImagesResponse(prepared, sent, options, opts, sentPartials), warnings };
}

/**
 * The server's finish stage: the provider's answer as OpenAI's `ImagesResponse` — background applied, each
 * output encoded, progressive previews for providers that streamed fewer partials than asked, usage from the
 * provider (a real model) or the cost model (the embedded engine).
 *
 * @example
 * const response = await finishImagesResponse(prepared, sent, input.options, { provider }, 0);
 */
export async function finishImagesResponse(
  prepared: Prepared, sent: Sent, options: EditParams,
  opts: Pick<RunEditOptions, 'provider' | 'onPartial' | 'signal'>, streamedPartials = 0,
): Promise<ImagesResponse> {
  const wantPartials = options.stream ? options.partialImages : 0;
  const outputs = sent.answers[0]!.images.map((im) => applyBackground(im, options.background, options.outputFormat));
  if (streamedPartials < wantPartials && opts.onPartial) {
    let index = streamedPartials;
    for (const p of await progressivePreviews(outputs[0]!, wantPartials - streamedPartials, options.outputFormat, options.outputCompression)) {
      opts.signal?.throwIfAborted();
      await opts.onPartial({ index: index++, b64: p });
    }
  }
  const data = await Promise.all(outputs.map(async (im) => ({ b64_json: (await encodeOutput(im, options.outputFormat, options.outputCompression)).toString('base64') })));
  const first = outputs[0]!;
  const size = `${first.width}x${first.height}`;
  const estimate = estimateCost({
    model: options.model, size, quality: options.quality ?? 'auto', n: options.n, partialImages: wantPartials,
    inputImages: [{ width: prepared.original.width, height: prepared.original.height }, ...prepared.references.map((r) => r.size)], promptChars: [...options.prompt].length,
    ...(options.inputFidelity !== undefined && { inputFidelity: options.inputFidelity }),
  });
  // The local provider's usage is itself an estimate without the streamed partials; a real model's is exact.
  const usage = opts.provider.name !== 'local' && sent.usage ? sent.usage : usageFor(estimate);
  return {
    created: Math.floor(Date.now() / 1000),
    data,
    background: outputs.some(hasTransparency) ? 'transparent' : 'opaque',
    output_format: options.outputFormat,
    size,
    quality: estimate.quality,
    usage,
  };
}

function hasTransparency(r: Raster): boolean {
  if (r.channels !== 4) return false;
  for (let i = 3; i < r.data.length; i += 4) if (r.data[i]! < 255) return true;
  return false;
}

/**
 * `background: opaque` and JPEG output have no transparency: composite over white, as OpenAI's opaque outputs
 * are. `transparent` and `auto` keep the alpha the provider returned.
 */
export function applyBackground(r: Raster & { channels: 4 }, background: Background | undefined, format: OutputFormat): Raster & { channels: 4 } {
  if (!(background === 'opaque' || format === 'jpeg') || !hasTransparency(r)) return r;
  const out = new Uint8Array(r.data.length);
  for (let i = 0; i < r.data.length; i += 4) {
    const a = r.data[i + 3]!;
    for (let c = 0; c < 3; c++) out[i + c] = Math.round((r.data[i + c]! * a + 255 * (255 - a)) / 255);
    out[i + 3] = 255;
  }
  return { width: r.width, height: r.height, channels: 4, data: out };
}

/** Encodes one output; `output_compression` is the JPEG/WebP quality (OpenAI applies it to those two only). */
export function encodeOutput(r: Raster & { channels: 4 }, format: OutputFormat, compression: number): Promise<Buffer> {
  return encodeImage(r, format === 'png' ? { format } : { format, quality: Math.max(1, compression) });
}

/**
 * Coarse-to-fine previews of `r` for providers that render no partial images: preview j of k is `r` at
 * 1/2^(k−j) of its size, scaled back up, so each is sharper than the one before and the last is still below
 * the final image (which follows in `image_edit.completed`).
 */
export async function progressivePreviews(r: Raster & { channels: 4 }, count: number, format: OutputFormat, compression: number): Promise<string[]> {
  const out: string[] = [];
  for (let j = 0; j < count; j++) {
    const factor = 2 ** (count - j);
    const w = Math.max(1, Math.round(r.width / factor));
    const h = Math.max(1, Math.round(r.height / factor));
    const up = await resample(await resample(r, w, h, 'lanczos3'), r.width, r.height, 'cubic');
    out.push((await encodeOutput(up, format, compression)).toString('base64'));
  }
  return out;
}

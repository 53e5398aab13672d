/**
 * One image edit, from checked input to OpenAI's `ImagesResponse`: the mask doctor decodes and checks the
 * image/mask pair (its errors become OpenAI's codes through the error boundary), the provider fills the
 * editable region and answers like a model — the whole image at the requested size, not stitched back — and
 * each output is encoded in `output_format` at `output_compression`. `usage` comes from the cost model.
 */
import { estimateCost, usageFor } from '../core/cost.js';
import { lintPrompt } from '../core/prompt.js';
import type { Problem } from '../core/problems.js';
import type { Raster } from '../core/raster.js';
import { resample } from '../io/resample.js';
import { MIME, encodeImage, probeImage } from '../io/image.js';
import { checkPairDecoded } from '../pipeline/check.js';
import type { Provider, ProviderUsage, ReferenceImage } from '../providers/provider.js';
import { ApiError, problemToApiError, toApiError } from './errors.js';
import type { EditInput } from './edit-input.js';
import type { Background, OutputFormat } from './edit-options.js';

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
  const { report, decoded } = await checkPairDecoded({
    image: base.bytes, mask: mask.bytes, imageLabel: params.image, maskLabel: params.mask, model: options.model,
    ...(opts.maxPixels !== undefined ? { maxPixels: opts.maxPixels } : {}),
  });
  const firstError = report.problems.find((p) => p.severity === 'error');
  if (firstError) throw problemToApiError(firstError, params);
  if (!decoded.image || !decoded.editMask) throw new ApiError({ status: 500, apiCode: null, code: 'INTERNAL', message: 'the mask doctor passed a pair it did not decode' });

  const references: ReferenceImage[] = [];
  const inputSizes = [{ width: decoded.image.info.width, height: decoded.image.info.height }];
  for (const ref of images.slice(1)) {
    try {
      const info = await probeImage(ref.bytes, { label: ref.param, ...(opts.maxPixels !== undefined ? { maxPixels: opts.maxPixels } : {}) });
      references.push({ bytes: ref.bytes, mime: MIME[info.format], ...(ref.filename ? { name: ref.filename } : {}) });
      inputSizes.push({ width: info.width, height: info.height });
    } catch (e) {
      throw toApiError(e, { image: ref.param, mask: params.mask });
    }
  }

  const warnings = [...report.problems.filter((p) => p.severity === 'warning'), ...lintPrompt(options.prompt, { model: options.model }).filter((p) => p.severity === 'warning')];
  await opts.onValidated?.(warnings);

  // Partials the provider streams are forwarded; providers that render none (the local engines) get
  // progressive previews of the first result instead (see progressivePreviews).
  const wantPartials = options.stream ? options.partialImages : 0;
  let sentPartials = 0;
  const partialQueue: Promise<void>[] = [];
  const result = await opts.provider.edit({
    image: decoded.image.raster, mask: decoded.editMask, prompt: options.prompt, model: options.model,
    ...(options.size !== undefined && { size: options.size }),
    ...(options.quality !== undefined && { quality: options.quality }),
    ...(options.inputFidelity !== undefined && { inputFidelity: options.inputFidelity }),
    n: options.n,
    ...(options.background !== undefined && { background: options.background }),
    outputFormat: options.outputFormat,
    ...(references.length && { references }),
    ...(wantPartials > 0 && {
      partialImages: wantPartials,
      onPartial: (p: { index: number; b64: string }) => {
        if (sentPartials >= wantPartials) return;
        sentPartials++;
        partialQueue.push(Promise.resolve(opts.onPartial?.({ index: p.index, b64: p.b64 })));
      },
    }),
    ...(opts.engine !== undefined && { engine: opts.engine }),
    ...(opts.signal && { signal: opts.signal }),
  });
  await Promise.all(partialQueue);
  if (!result.images.length) throw new ApiError({ status: 500, apiCode: null, code: 'PROVIDER_NO_IMAGE', message: 'the provider returned no image' });

  const outputs = result.images.map((im) => applyBackground(im, options.background, options.outputFormat));
  if (sentPartials < wantPartials && opts.onPartial) {
    for (const p of await progressivePreviews(outputs[0]!, wantPartials - sentPartials, options.outputFormat, options.outputCompression)) {
      opts.signal?.throwIfAborted();
      await opts.onPartial({ index: sentPartials++, b64: p });
    }
  }
  const data = await Promise.all(outputs.map(async (im) => ({ b64_json: (await encodeOutput(im, options.outputFormat, options.outputCompression)).toString('base64') })));
  const first = outputs[0]!;
  const size = `${first.width}x${first.height}`;
  const estimate = estimateCost({
    model: options.model, size, quality: options.quality ?? 'auto', n: options.n, partialImages: wantPartials,
    inputImages: inputSizes, promptChars: [...options.prompt].length,
    ...(options.inputFidelity !== undefined && { inputFidelity: options.inputFidelity }),
  });
  // The local provider's usage is itself an estimate without the streamed partials; a real model's is exact.
  const usage = opts.provider.name !== 'local' && result.usage ? result.usage : usageFor(estimate);
  return {
    response: {
      created: Math.floor(Date.now() / 1000),
      data,
      background: outputs.some(hasTransparency) ? 'transparent' : 'opaque',
      output_format: options.outputFormat,
      size,
      quality: estimate.quality,
      usage,
    },
    warnings,
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

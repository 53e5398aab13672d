/**
 * The `local` provider: the embedded fill engine in-process, no network, no key. It behaves like a model so
 * the pipeline treats every provider alike: it fills the editable pixels with `getEngine(request.engine ??
 * options.engine ?? DEFAULT_ENGINE)`, then returns the whole image resized to the requested `size` (`auto` → the
 * model's size nearest the input's aspect), `n` times (seeds `seed`, `seed + 1`, …), with a usage *estimate*
 * from core/cost.ts in OpenAI's usage shape.
 *
 * It ignores the prompt: the embedded engines remove objects and continue the surrounding background; they
 * cannot draw "a flamingo". Use it for removals, for trying the pipeline offline, and in tests.
 *
 * @example
 * const { images } = await localProvider({ engine: 'telea' }).edit({ image, mask, prompt: '', model: 'gpt-image-1.5', size: 'auto' });
 */
import { resample } from '../io/resample.js';
import { estimateCost, nearestStandardSize, usageFor } from '../core/cost.js';
import { MaskeditError, throwIfAborted } from '../core/errors.js';
import { getModel, parseSize, sizeProblem, type Size } from '../core/models.js';
import type { Raster } from '../core/raster.js';
import { DEFAULT_ENGINE, getEngine, type Engine } from '../engines/index.js';
import type { Provider, ProviderRequest, ProviderResult } from './provider.js';

export interface LocalProviderOptions {
  /** Engine name (`patchmatch`, `telea`, `ns`) or an Engine object (tests inject fakes this way). */
  engine?: string | Engine;
}

export function localProvider(opts: LocalProviderOptions = {}): Provider {
  return {
    name: 'local',
    surface: 'engine',
    native: true,
    async edit(request: ProviderRequest): Promise<ProviderResult> {
      throwIfAborted(request.signal);
      const started = Date.now();
      const engine = typeof opts.engine === 'object' && !request.engine ? opts.engine : await getEngine(request.engine ?? (opts.engine as string | undefined) ?? DEFAULT_ENGINE);
      const size = request.keepSize ? { width: request.image.width, height: request.image.height } : outputSize(request);
      const n = Math.max(1, request.n ?? 1);
      const seed = request.seed ?? 1;
      const images: (Raster & { channels: 4 })[] = [];
      for (let i = 0; i < n; i++) {
        const filled = await engine.fill(request.image, request.mask, {
          seed: seed + i, ...(request.sampleFrom ? { sampleFrom: request.sampleFrom } : {}), ...(request.exclude ? { exclude: request.exclude } : {}),
        }, request.signal, request.onProgress);
        throwIfAborted(request.signal);
        images.push(await resize(filled, size));
      }
      const estimate = estimateCost({
        model: request.model, size: `${size.width}x${size.height}`, quality: request.quality ?? 'auto',
        ...(request.inputFidelity ? { inputFidelity: request.inputFidelity } : {}), n, partialImages: 0,
        inputImages: [request.image], promptChars: [...request.prompt].length,
      });
      request.onProgress?.({ step: 'provider', ms: Date.now() - started, message: `${engine.name} → ${n} image(s) ${size.width}x${size.height}` });
      return {
        images,
        usage: usageFor(estimate),
        sent: { surface: 'engine', engine: engine.name, model: request.model, size: `${size.width}x${size.height}`, n, seed, promptIgnored: true },
      };
    },
  };
}

/** The size a model would answer with: the requested one, or for `auto` the model's size nearest the input aspect. */
export function outputSize(request: Pick<ProviderRequest, 'model' | 'size' | 'image'>): Size {
  const model = getModel(request.model);
  // The API's default size: `auto` where the model has it, else 1024x1024 (dall-e-2, CreateImageEditRequest.size).
  const requested = request.size ?? (model.autoSize ? 'auto' : '1024x1024');
  if (requested === 'auto' && model.autoSize) {
    const sizes = model.sizes.map((s) => parseSize(s)!).filter(Boolean);
    return nearestStandardSize(request.image.width, request.image.height, sizes);
  }
  const problem = sizeProblem(model, requested);
  const parsed = parseSize(requested);
  if (problem || !parsed) throw new MaskeditError('MODEL_SIZE_UNSUPPORTED', problem ?? `size must look like WIDTHxHEIGHT, received ${requested}`, `use --size auto or one of ${model.sizes.join(', ')}`);
  return parsed;
}

async function resize(r: Raster & { channels: 4 }, size: Size): Promise<Raster & { channels: 4 }> {
  // A model answers with the whole picture at its own size, aspect included; the pipeline maps it back.
  return resample(r, size.width, size.height, 'lanczos3');
}

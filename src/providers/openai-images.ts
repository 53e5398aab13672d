/**
 * The `images` surface: `client.images.edit` with a multipart body, the guide's default route. The base image
 * goes first and references after it (`image[]`; the mask applies to the first image, CreateImageEditRequest
 * .mask), each file with a real image MIME type and name; the mask is sent as an RGBA PNG with alpha 0 where
 * editable. Unset fields are omitted. With `partialImages > 0` the edit streams (`stream: true`,
 * `partial_images`), each `image_edit.partial_image` reaches `onPartial` and `image_edit.completed` is the result.
 *
 * `input_fidelity` is sent exactly as requested: deciding whether the model takes it is the fidelity advisor's
 * job (core/fidelity.ts), which the pipeline runs first.
 *
 * @example
 * const provider = openaiImagesProvider({ maxRetries: 3 });
 * const { images, usage } = await provider.edit({ image, mask, prompt, model: 'gpt-image-1.5', size: '1024x1024' });
 */
import type { ImageEditParamsBase } from 'openai/resources/images';
import { throwIfAborted } from '../core/errors.js';
import { createOpenAIClient, decodeOutputs, editFields, imageUpload, mapOpenAIError, maskUpload, readEditAnswer, referenceUpload, type OpenAIClientOptions } from './_openai.js';
import type { Provider, ProviderRequest, ProviderResult } from './provider.js';

export function openaiImagesProvider(opts: OpenAIClientOptions = {}): Provider {
  const client = createOpenAIClient(opts);
  return {
    name: 'openai',
    surface: 'images',
    async edit(request: ProviderRequest): Promise<ProviderResult> {
      throwIfAborted(request.signal);
      const started = Date.now();
      const refs = request.references ?? [];
      const [image, mask, ...references] = await Promise.all([
        imageUpload(request.image),
        maskUpload(request.mask),
        ...refs.map((r, i) => referenceUpload(r, i)),
      ]);
      const fields = editFields(request);
      // markup (2.6): a second PNG file field, like the mask (registry params.markup; the pipeline decided).
      const markup = request.markup ? await imageUpload(request.markup, 'markup.png') : undefined;
      const body = { ...fields, image: references.length ? [image!, ...references] : image!, mask: mask!, ...(markup ? { markup } : {}) } as unknown as ImageEditParamsBase;
      request.onProgress?.({ step: 'provider', message: `images.edit ${request.model}${fields.stream ? `, streaming ${request.partialImages} partial image(s)` : ''}` });
      try {
        const answer = await readEditAnswer(await client.images.edit(body, request.signal ? { signal: request.signal } : {}), request);
        const images = await decodeOutputs(answer.b64s);
        request.onProgress?.({ step: 'provider', ms: Date.now() - started, message: `${images.length} image(s) ${images[0]?.width}x${images[0]?.height}` });
        return {
          images,
          ...(answer.usage ? { usage: answer.usage } : {}),
          ...(answer.revisedPrompt ? { revisedPrompt: answer.revisedPrompt } : {}),
          sent: { surface: 'images', ...fields, images: 1 + references.length, mask: 'mask.png (RGBA PNG, alpha 0 = editable)', ...(markup ? { markup: 'markup.png (RGBA PNG overlay)' } : {}) },
        };
      } catch (e) {
        throw mapOpenAIError(e, client.apiKey, client.baseURL);
      }
    },
  };
}

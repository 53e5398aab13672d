/**
 * The `json` surface: `POST /v1/images/edits` with the JSON body `EditImageBodyJsonParam` — `images:
 * [{ file_id } | { image_url }]` and `mask: { file_id } | { image_url }` — through the SDK's generic
 * `client.post`, so retries, errors and streaming behave exactly like the multipart surface.
 *
 * Inputs are uploaded first with `client.files.create({ purpose: 'vision' })` unless the request carries
 * `imageFileId` / `maskFileId` (already uploaded), or the provider was made with `dataUrls: true` (base64 data
 * URLs inline: no upload, bigger body — fine below the spec's 20 MB image_url limit). Files this provider
 * uploaded are deleted afterwards (best effort), unless `keepUploads` is set.
 *
 * @example
 * const provider = openaiJsonProvider({ dataUrls: true });
 */
import type OpenAI from 'openai';
import type { ImageEditStreamEvent, ImagesResponse } from 'openai/resources/images';
import { throwIfAborted } from '../core/errors.js';
import { createOpenAIClient, decodeOutputs, editFields, imageUpload, mapOpenAIError, maskUpload, readEditAnswer, referenceUpload, type OpenAIClientOptions } from './_openai.js';
import type { Provider, ProviderRequest, ProviderResult } from './provider.js';

export interface OpenAIJsonOptions extends OpenAIClientOptions {
  /** Send inputs inline as data URLs instead of uploading them to /v1/files. */
  dataUrls?: boolean;
  /** Keep the files this provider uploads (default: delete them after the edit). */
  keepUploads?: boolean;
}

/** ImageRefParam: exactly one of `image_url` or `file_id`. */
type ImageRef = { file_id: string } | { image_url: string };

export function openaiJsonProvider(opts: OpenAIJsonOptions = {}): Provider {
  const client = createOpenAIClient(opts);
  return {
    name: 'openai',
    surface: 'json',
    async edit(request: ProviderRequest): Promise<ProviderResult> {
      throwIfAborted(request.signal);
      const started = Date.now();
      const uploaded: string[] = [];
      const reqOpts = request.signal ? { signal: request.signal } : {};
      const ref = async (file: File): Promise<ImageRef> => {
        if (opts.dataUrls) return { image_url: `data:${file.type};base64,${Buffer.from(await file.arrayBuffer()).toString('base64')}` };
        const created = await client.files.create({ file, purpose: 'vision' }, reqOpts);
        uploaded.push(created.id);
        return { file_id: created.id };
      };
      try {
        const refs = request.references ?? [];
        const [image, mask, ...references] = await Promise.all([
          request.imageFileId ? { file_id: request.imageFileId } : imageUpload(request.image).then(ref),
          request.maskFileId ? { file_id: request.maskFileId } : maskUpload(request.mask).then(ref),
          ...refs.map((r, i) => referenceUpload(r, i).then(ref)),
        ]);
        const fields = editFields(request);
        // markup (2.6) as an image reference like the mask (registry: uncertain; the guide shows multipart).
        const markup = request.markup ? await imageUpload(request.markup, 'markup.png').then(ref) : undefined;
        const body = { ...fields, images: [image!, ...references], mask: mask!, ...(markup ? { markup } : {}) };
        request.onProgress?.({ step: 'provider', message: `POST /images/edits (json, ${opts.dataUrls ? 'data URLs' : 'file ids'}) ${request.model}` });
        const raw = await client.post<ImagesResponse | AsyncIterable<ImageEditStreamEvent>>('/images/edits', { body, ...reqOpts, ...(fields.stream ? { stream: true } : {}) });
        const answer = await readEditAnswer(raw, request);
        const images = await decodeOutputs(answer.b64s);
        request.onProgress?.({ step: 'provider', ms: Date.now() - started, message: `${images.length} image(s) ${images[0]?.width}x${images[0]?.height}` });
        return {
          images,
          ...(answer.usage ? { usage: answer.usage } : {}),
          ...(answer.revisedPrompt ? { revisedPrompt: answer.revisedPrompt } : {}),
          sent: { surface: 'json', ...fields, images: body.images.map(describeRef), mask: describeRef(body.mask), ...(markup ? { markup: describeRef(markup) } : {}) },
        };
      } catch (e) {
        throw mapOpenAIError(e, client.apiKey, client.baseURL);
      } finally {
        if (!opts.keepUploads) await deleteFiles(client, uploaded);
      }
    },
  };
}

/** For the report: file ids as they are, data URLs shortened. */
function describeRef(r: ImageRef): string {
  return 'file_id' in r ? r.file_id : `${r.image_url.slice(0, r.image_url.indexOf(',') + 1)}…`;
}

async function deleteFiles(client: OpenAI, ids: readonly string[]): Promise<void> {
  // Best effort: a failed cleanup must not hide the edit's own result or error.
  // Clean-up must not hold a finished (or cancelled) edit hostage to a server that stopped answering.
  await Promise.allSettled(ids.map((id) => client.files.delete(id, { timeout: 15_000, maxRetries: 1 })));
}

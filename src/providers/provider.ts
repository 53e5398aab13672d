/**
 * One interface for every way maskedit gets an edit made: the embedded engine in-process (`local`) and the
 * OpenAI surfaces (`images` multipart, `json` with image_url/file_id, `responses` with the image_generation
 * tool). A provider behaves like a model: it takes the image to send, the editable mask (same size) and the
 * request fields, and returns whole images at whatever size the model produced; the pipeline maps them back
 * and stitches.
 */
import type { EditMask, Raster } from '../core/raster.js';
import type { ProgressCallback } from '../core/progress.js';

export type ProviderName = 'local' | 'openai';
export type Surface = 'images' | 'json' | 'responses';

export interface ReferenceImage {
  bytes: Uint8Array;
  mime: string;
  name?: string;
}

export interface ProviderRequest {
  /** RGBA image to send (already cropped/resized to the send size by the pipeline). */
  image: Raster & { channels: 4 };
  /** Editable mask for `image`, same size: 255 = editable. */
  mask: EditMask;
  prompt: string;
  model: string;
  /** `WxH` or `auto`; omitted fields are not sent. */
  size?: string;
  quality?: string;
  inputFidelity?: 'low' | 'high';
  n?: number;
  background?: 'transparent' | 'opaque' | 'auto';
  /** 2.6 models: how much rendering effort (low|medium|high); sent only when the registry says the model takes it. */
  complexity?: string;
  /** JSON surface only (OpenAI): content moderation strictness, low|auto. */
  moderation?: string;
  /** 2.6 models: a transparent RGBA overlay of `image`'s size marking where to edit (sent as the `markup` file). */
  markup?: Raster & { channels: 4 };
  outputFormat?: 'png' | 'jpeg' | 'webp';
  /** Extra images after the base one; the mask applies only to the first image. */
  references?: ReferenceImage[];
  /** Stream partial images; each arrives through onPartial before the final result. */
  partialImages?: number;
  onPartial?: (partial: { index: number; b64: string; outputFormat: string }) => void;
  /** Already-uploaded inputs for the json/responses surfaces. */
  imageFileId?: string;
  maskFileId?: string;
  /** Responses surface: continue from an earlier response. */
  previousResponseId?: string;
  /** Engine for the local provider. */
  engine?: string;
  /** Local provider only: where the engine may also sample from / must never sample from (same size as image). */
  sampleFrom?: EditMask;
  exclude?: EditMask;
  /** Native providers only: answer at the image's own size instead of `size`. */
  keepSize?: boolean;
  seed?: number;
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
}

export interface ProviderUsage {
  input_tokens?: number;
  output_tokens?: number;
  total_tokens?: number;
  input_tokens_details?: { image_tokens?: number; text_tokens?: number };
}

export interface ProviderResult {
  /** Decoded outputs, RGBA, at the size the model returned. */
  images: (Raster & { channels: 4 })[];
  usage?: ProviderUsage;
  /** Responses surface: the id to continue from. */
  responseId?: string;
  revisedPrompt?: string;
  /** What was actually sent (for the report), never secrets. */
  sent?: Record<string, unknown>;
}

export interface Provider {
  readonly name: ProviderName;
  readonly surface: Surface | 'engine';
  /**
   * Works at the input's own resolution (the embedded engine): the pipeline then sends the whole image unscaled
   * with `keepSize`, instead of a crop resized to a model size — nothing is lost to resampling and the engine
   * sees all the context there is.
   */
  readonly native?: boolean;
  edit(request: ProviderRequest): Promise<ProviderResult>;
}

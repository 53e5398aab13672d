/**
 * Provider lookup: `local` (embedded engine) or `openai` on one of its surfaces. Surfaces live in a table of
 * factories so a new one (the `responses` surface) is one entry; each module loads lazily, so `--provider local`
 * never loads the SDK.
 *
 * @example
 * const provider = await createProvider({ provider: 'openai', surface: 'json', apiKey, maxRetries: 3 });
 */
import { MaskeditError } from '../core/errors.js';
import type { Engine } from '../engines/engine.js';
import type { Provider, ProviderName, Surface } from './provider.js';

export * from './provider.js';
export { ProviderError } from './errors.js';

export interface CreateProviderOptions {
  provider: ProviderName;
  surface?: Surface;
  /** Local provider: engine name or object. */
  engine?: string | Engine;
  /** OpenAI: the API key (required; the library reads no environment — the CLI passes OPENAI_API_KEY). */
  apiKey?: string;
  /** OpenAI: default https://api.openai.com/v1 (the CLI passes OPENAI_BASE_URL). */
  baseURL?: string;
  /** Responses surface: the top-level model (default gpt-4.1; the CLI passes MASKEDIT_RESPONSES_MODEL). */
  responsesModel?: string;
  maxRetries?: number;
  timeoutMs?: number;
  /** json surface: send data URLs instead of uploading files. */
  dataUrls?: boolean;
}

type SurfaceFactory = (opts: CreateProviderOptions) => Promise<Provider>;

const clientOptions = (o: CreateProviderOptions) => ({
  ...(o.apiKey !== undefined ? { apiKey: o.apiKey } : {}),
  ...(o.baseURL !== undefined ? { baseURL: o.baseURL } : {}),
  ...(o.maxRetries !== undefined ? { maxRetries: o.maxRetries } : {}),
  ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
});

/** OpenAI surfaces by name. Add `responses` here (issue 9). */
export const SURFACES: Partial<Record<Surface, SurfaceFactory>> = {
  images: async (o) => (await import('./openai-images.js')).openaiImagesProvider(clientOptions(o)),
  json: async (o) => (await import('./openai-json.js')).openaiJsonProvider({ ...clientOptions(o), ...(o.dataUrls ? { dataUrls: true } : {}) }),
  responses: async (o) => (await import('./openai-responses.js')).openaiResponsesProvider({ ...clientOptions(o), ...(o.responsesModel ? { responsesModel: o.responsesModel } : {}) }),
};

export async function createProvider(opts: CreateProviderOptions): Promise<Provider> {
  if (opts.provider === 'local') {
    const { localProvider } = await import('./local.js');
    return localProvider(opts.engine !== undefined ? { engine: opts.engine } : {});
  }
  if (opts.provider !== 'openai') {
    throw new MaskeditError('PROVIDER_UNKNOWN', `unknown provider ${JSON.stringify(opts.provider)}; expected local or openai`, 'use --provider local (offline) or --provider openai');
  }
  const surface = opts.surface ?? 'images';
  const factory = SURFACES[surface];
  if (!factory) {
    const known = Object.keys(SURFACES).join(', ');
    throw new MaskeditError('SURFACE_UNAVAILABLE', `unknown surface ${JSON.stringify(surface)}; expected one of ${known}`, `use --surface images (the guide's default), json or responses`);
  }
  return factory(opts);
}

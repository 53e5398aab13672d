/**
 * The registry as `maskedit models --json` prints it, judged on a date, optionally overlaid with what
 * `GET /v1/models` answered (`--refresh`). OpenAI's model objects may carry `shutdown_date` (YYYY-MM-DD or null;
 * developers.openai.com/api/docs/deprecations): when present it wins over the registry's date; when absent the
 * registry stands. A registry model the API no longer lists is reported, never dropped.
 *
 * @example
 * modelsReport('2026-11-30').default // 'gpt-image-2.6-sunburst'
 */
import { MODELS, PARAM_NAMES, findModel, type ImageModel, type ParamName } from './models.js';
import { defaultModel, isIsoDate, liveReplacements, servedModels, statusOf, type ModelStatus } from './lifecycle.js';
import { pricesFor } from './prices.js';

export interface ModelRow {
  id: string;
  status: ModelStatus;
  shutdownDate: string | null;
  replacements: string[];
  params: Record<ParamName, (string | number)[] | null>;
  sizes:
    | { kind: 'fixed'; sizes: string[]; auto: boolean }
    | { kind: 'grid'; multiple: number; maxEdge: number; maxAspect: number; minPixels: number; maxPixels: number; experimentalAbovePixels: number; fixed: string[]; auto: boolean };
  /** USD per 1M tokens; null for a model billed per image (dall-e-2). */
  prices: { textInput: number | null; textCachedInput: number | null; imageInput: number | null; imageCachedInput: number | null; imageOutput: number | null };
  readOn: string;
  source: string;
}

export interface ModelsReport {
  today: string;
  default: string;
  models: ModelRow[];
}

/** What `GET /v1/models` said, as cached by `--refresh`. */
export interface ApiListing {
  /** YYYY-MM-DD the listing was fetched. */
  fetchedOn: string;
  models: { id: string; shutdown_date?: string | null }[];
}

export interface RefreshFindings {
  fetchedOn: string;
  /** Registry models (not shut down on the date) the API does not list any more. */
  notListed: string[];
  /** Image models the API lists that the registry does not know. */
  unknown: string[];
  /** Registry models whose shutdown date the API states differently: [id, registry, api]. */
  shutdownChanged: [string, string | null, string | null][];
}

/** The registry entry with the API's shutdown date overlaid (when the API gave a valid one). */
function overlaid(m: ImageModel, listing?: ApiListing): ImageModel {
  const api = listing?.models.find((x) => x.id === m.id);
  if (!api || api.shutdown_date === undefined) return m;
  const shutdown = api.shutdown_date === null ? null : isIsoDate(api.shutdown_date) ? api.shutdown_date : m.lifecycle.shutdown;
  if (shutdown === m.lifecycle.shutdown) return m;
  return { ...m, lifecycle: { ...m.lifecycle, shutdown, deprecated: m.lifecycle.deprecated ?? (shutdown ? m.lifecycle.released : null) } };
}

export function modelRow(m: ImageModel, today: string): ModelRow {
  const status = statusOf(m, today);
  const p = pricesFor(m.id);
  const r = m.flexibleSize;
  return {
    id: m.id,
    status,
    shutdownDate: m.lifecycle.shutdown,
    replacements: status === 'active' ? [] : liveReplacements(m.id, today),
    params: Object.fromEntries(PARAM_NAMES.map((n) => [n, m.params[n] ? [...m.params[n]!] : null])) as ModelRow['params'],
    sizes: r
      ? { kind: 'grid', multiple: r.multiple, maxEdge: r.maxEdge, maxAspect: r.maxAspect, minPixels: r.minPixels, maxPixels: r.maxPixels, experimentalAbovePixels: r.experimentalAbovePixels, fixed: [...m.sizes], auto: m.autoSize }
      : { kind: 'fixed', sizes: [...m.sizes], auto: m.autoSize },
    prices: p?.kind === 'tokens'
      ? { textInput: p.textInput, textCachedInput: p.cachedTextInput, imageInput: p.imageInput, imageCachedInput: p.cachedImageInput, imageOutput: p.imageOutput }
      : { textInput: null, textCachedInput: null, imageInput: null, imageCachedInput: null, imageOutput: null },
    readOn: p?.readOn ?? m.readOn,
    source: p?.source ?? m.source,
  };
}

/** Every registry model on `today` (with the API's listing overlaid when given). */
export function modelsReport(today: string, listing?: ApiListing): ModelsReport {
  return { today, default: defaultModel(today), models: MODELS.map((m) => modelRow(overlaid(m, listing), today)) };
}

/** What a refreshed listing says that the registry does not. */
export function refreshFindings(today: string, listing: ApiListing): RefreshFindings {
  const listed = new Set(listing.models.map((m) => m.id));
  const notListed = servedModels(today).filter((m) => !listed.has(m.id)).map((m) => m.id);
  // Image models by OpenAI's naming (gpt-image-*, chatgpt-image-*, dall-e-*) that the registry has no entry for.
  const unknown = listing.models.map((m) => m.id).filter((id) => /^(gpt-image|chatgpt-image|dall-e)/.test(id) && !findModel(id));
  const shutdownChanged = MODELS.flatMap((m): [string, string | null, string | null][] => {
    const api = listing.models.find((x) => x.id === m.id);
    if (!api || api.shutdown_date === undefined || api.shutdown_date === m.lifecycle.shutdown) return [];
    return [[m.id, m.lifecycle.shutdown, api.shutdown_date]];
  });
  return { fetchedOn: listing.fetchedOn, notListed, unknown, shutdownChanged };
}

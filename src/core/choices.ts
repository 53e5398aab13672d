/**
 * The enumerated values a request may carry, written once. The CLI's option tables (src/cli/options.ts), the
 * server's field checks (src/server/edit-options.ts) and the studio's form checks and `/api/config`
 * (src/studio/plugin.ts) all import them from here; nothing else writes one of these lists.
 *
 * Lists about the Images API's own parameters (quality, input_fidelity, background, complexity, moderation) are
 * derived from the model registry (models.ts): the union, in registry order, of what any model takes. Whether one
 * particular model takes a value is the registry's call (params.ts `resolveParams`), not these lists'.
 * The other lists are maskedit's own modes; each sits next to the type it spells out.
 */
import { MODELS, type ParamName } from './models.js';
import type { SeamMode } from './composite.js';
import type { PlanMode, RegionsMode } from './sizing.js';
import type { Polarity } from './maskops.js';
import type { FidelityRequest } from './fidelity.js';

export { SUBJECTS, type Subject } from './fidelity.js';

/** Every value of `param` that at least one registry model takes, in registry order (newest model first). */
export function registryValues(param: ParamName): string[] {
  const out: string[] = [];
  for (const m of MODELS) for (const v of m.params[param] ?? []) if (!out.includes(String(v))) out.push(String(v));
  return out;
}

/** `quality` across the registry: low, medium, high, xhigh, max, auto (gpt-image) and standard (dall-e-2). */
export const QUALITIES: readonly string[] = registryValues('quality');
/** `input_fidelity` across the registry (the 1.x models): low, high. */
export const INPUT_FIDELITIES: readonly ('low' | 'high')[] = registryValues('input_fidelity') as ('low' | 'high')[];
/** `background` across the registry: transparent, opaque, auto. */
export const BACKGROUNDS: readonly ('transparent' | 'opaque' | 'auto')[] = registryValues('background') as ('transparent' | 'opaque' | 'auto')[];
/** `complexity` across the registry (the 2.6 models): low, medium, high. */
export const COMPLEXITIES: readonly string[] = registryValues('complexity');
/** `moderation` across the registry: low, auto. */
export const MODERATIONS: readonly string[] = registryValues('moderation');

/** maskedit's fidelity request: auto lets the advisor choose (fidelity.ts), low/high are sent as input_fidelity. */
export const FIDELITY_REQUESTS: readonly FidelityRequest[] = ['auto', ...INPUT_FIDELITIES];

/** Who makes the pixels: the embedded engine or OpenAI (providers/provider.ts). */
export const PROVIDER_NAMES = ['local', 'openai'] as const;
export type ProviderChoice = (typeof PROVIDER_NAMES)[number];
/** OpenAI surfaces: multipart /v1/images/edits, its JSON body, the Responses API's image tool (docs/responses.md). */
export const SURFACES = ['images', 'json', 'responses'] as const;
export type SurfaceChoice = (typeof SURFACES)[number];
/** The embedded fill engines (engines/engine.ts implements them; docs/engines.md). */
export const ENGINE_NAMES = ['heal', 'patchmatch', 'telea', 'ns'] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];
export const DEFAULT_ENGINE: EngineName = 'heal';
/** crop auto: send a crop around the mask (sizing.ts); off: the whole image. */
export const CROP_MODES = ['auto', 'off'] as const;
/** How far-apart masked regions are planned (sizing.ts `RegionsMode`). */
export const REGIONS_MODES: readonly RegionsMode[] = ['merge', 'separate', 'auto'];
/** `maskedit plan --mode` (sizing.ts `PlanMode`). */
export const PLAN_MODES: readonly PlanMode[] = ['crop', 'whole'];
/** The stitch's seam treatment (composite.ts `SeamMode`). */
export const SEAM_MODES: readonly SeamMode[] = ['none', 'match', 'poisson'];
/** Which pixels of a mask without alpha are editable (maskops.ts `Polarity`). */
export const POLARITIES: readonly Polarity[] = ['auto', 'black', 'white'];

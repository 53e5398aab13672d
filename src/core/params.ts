/**
 * Every edit parameter goes through the registry before a request is built. For each parameter the user set,
 * one of three things happens:
 *
 * - **send**: the model takes the parameter with that value (registry `params`);
 * - **drop** (warning): the model, or the surface, does not take the parameter, and leaving it out keeps the
 *   edit meaningful — `input_fidelity` (the mask still gives the place; see the fidelity advisor), `markup` (the
 *   mask still says where), `moderation` off the JSON route (OpenAI's default applies);
 * - **refuse** (error, before any request): the value is not one the model allows, or the parameter changes the
 *   result so much that silently leaving it out would give the user something else — `quality`, `background`,
 *   `complexity`, `output_format`, `partial_images`, `n`. The message names the values the model allows.
 *
 * @example
 * resolveParams('gpt-image-2', { quality: 'xhigh' }, 'images').problems[0]!.code // 'MODEL_PARAM_UNSUPPORTED'
 * resolveParams('gpt-image-2.5-flare', { complexity: 'low' }, 'images').problems[0]!.code // 'MODEL_PARAM_UNSUPPORTED'
 * resolveParams('gpt-image-2', { inputFidelity: 'high' }, 'images').problems[0]!.code // 'MODEL_NO_INPUT_FIDELITY'
 */
import { getModel, type ImageModel, type ParamName } from './models.js';
import type { Problem } from './problems.js';

/** Where a request goes: an OpenAI surface, or the embedded engine (validated as OpenAI would, nothing sent). */
export type ParamSurface = 'images' | 'json' | 'responses' | 'engine';

export interface RequestedParams {
  quality?: string;
  inputFidelity?: string;
  background?: string;
  complexity?: string;
  /** True when a markup overlay is to be sent. */
  markup?: boolean;
  moderation?: string;
  outputFormat?: string;
  partialImages?: number;
  n?: number;
}

export type ParamAction = 'send' | 'drop' | 'refuse';

export interface ParamDecision {
  param: ParamName;
  value: string | number | boolean;
  action: ParamAction;
}

/** The codes {@link resolveParams} raises (rows of src/core/codes.ts). */
export type ParamCode = 'MODEL_NO_INPUT_FIDELITY' | 'MODEL_PARAM_DROPPED' | 'MODEL_PARAM_UNSUPPORTED';

export interface ResolvedParams {
  /** What to send: the requested params minus the dropped ones (a refused one makes `ok` false). */
  send: RequestedParams;
  decisions: ParamDecision[];
  /** Warnings for dropped params, errors for refused ones. */
  problems: Problem<ParamCode>[];
  ok: boolean;
}

/** What happens to a parameter a model does not take at all. */
export const WHEN_ABSENT: Readonly<Record<ParamName, 'drop' | 'refuse'>> = {
  quality: 'refuse',
  input_fidelity: 'drop',
  background: 'refuse',
  complexity: 'refuse',
  markup: 'drop',
  moderation: 'drop',
  output_format: 'refuse',
  partial_images: 'refuse',
  n: 'refuse',
};

/** Parameters only some surfaces carry. */
export const PARAM_SURFACES: Partial<Readonly<Record<ParamName, readonly ParamSurface[]>>> = {
  // The JSON edit body and the Responses tool (ImageGenTool.moderation) carry it; multipart does not.
  moderation: ['json', 'responses', 'engine'],
  // A file: the multipart body and the JSON body's image references; the Responses tool has no field for it.
  markup: ['images', 'json', 'engine'],
  // Not among the Responses tool's fields.
  complexity: ['images', 'json', 'engine'],
};

const KEY: Record<ParamName, keyof RequestedParams> = {
  quality: 'quality', input_fidelity: 'inputFidelity', background: 'background', complexity: 'complexity', markup: 'markup',
  moderation: 'moderation', output_format: 'outputFormat', partial_images: 'partialImages', n: 'n',
};
/** The CLI flag for each parameter, for fixes. */
export const PARAM_FLAGS: Record<ParamName, string> = {
  quality: '--quality', input_fidelity: '--fidelity', background: '--background', complexity: '--complexity', markup: '--markup',
  moderation: '--moderation', output_format: '--output-format', partial_images: '--partial-images', n: '--n',
};

/** Models that take a parameter (with a value, if given), for fixes: "use --model X". */
export function modelsTaking(param: ParamName, value?: string | number, among: readonly ImageModel[] = []): string[] {
  return among.filter((m) => {
    const allowed = m.params[param];
    return allowed !== null && (value === undefined || allowed.map(String).includes(String(value)));
  }).map((m) => m.id);
}

/**
 * Decides, parameter by parameter, what is sent to `modelId` on `surface`.
 *
 * @param candidates models to suggest in fixes (live ones, in the caller's order); empty = no suggestion.
 */
export function resolveParams(modelId: string, requested: RequestedParams, surface: ParamSurface, candidates: readonly ImageModel[] = []): ResolvedParams {
  const model = getModel(modelId);
  const send: RequestedParams = {};
  const decisions: ParamDecision[] = [];
  const problems: Problem<ParamCode>[] = [];
  const flagFor = (p: ParamName) => PARAM_FLAGS[p];
  for (const param of Object.keys(KEY) as ParamName[]) {
    const key = KEY[param];
    const raw = requested[key];
    if (raw === undefined || raw === false || (param === 'partial_images' && raw === 0)) continue;
    const value = raw;
    const allowed = model.params[param];
    const others = () => {
      const ids = modelsTaking(param, param === 'markup' ? undefined : value as string | number, candidates).filter((id) => id !== model.id);
      return ids.length ? `; or use --model ${ids[0]}, which takes it` : '';
    };
    const shown = param === 'markup' ? '' : ` ${value}`;
    if (allowed === null) {
      if (WHEN_ABSENT[param] === 'drop') {
        decisions.push({ param, value, action: 'drop' });
        problems.push({
          code: param === 'input_fidelity' ? 'MODEL_NO_INPUT_FIDELITY' : 'MODEL_PARAM_DROPPED', severity: 'warning',
          message: `${model.id} does not take ${param}; received ${flagFor(param)}${shown}, which will not be sent`,
          fix: `drop ${flagFor(param)}${others()}`,
        });
      } else {
        decisions.push({ param, value, action: 'refuse' });
        problems.push({
          code: 'MODEL_PARAM_UNSUPPORTED', severity: 'error',
          message: `${model.id} does not take ${param}; received ${flagFor(param)}${shown}`,
          fix: `drop ${flagFor(param)}${others()}`,
        });
      }
      continue;
    }
    if (param !== 'markup' && !allowed.map(String).includes(String(value))) {
      decisions.push({ param, value, action: 'refuse' });
      problems.push({
        code: 'MODEL_PARAM_UNSUPPORTED', severity: 'error',
        message: `${model.id} takes ${param} ${allowed.join(', ')}; received ${flagFor(param)} ${value}`,
        fix: `use ${flagFor(param)} with one of ${allowed.join(', ')}${others()}`,
      });
      continue;
    }
    // gif output (2.6): OpenAI takes no mask and no streaming with it — and a maskedit edit always has a mask.
    if (param === 'output_format' && value === 'gif') {
      decisions.push({ param, value, action: 'refuse' });
      problems.push({
        code: 'MODEL_PARAM_UNSUPPORTED', severity: 'error',
        message: `${model.id} makes gif output only without a mask, and a masked edit always sends one; received output_format gif`,
        fix: 'use png (or webp) for masked edits',
      });
      continue;
    }
    const surfaces = PARAM_SURFACES[param];
    if (surfaces && !surfaces.includes(surface)) {
      decisions.push({ param, value, action: 'drop' });
      problems.push({
        code: 'MODEL_PARAM_DROPPED', severity: 'warning',
        message: `${param} is taken on the ${surfaces.filter((s) => s !== 'engine').join(' and ')} surface${surfaces.length > 2 ? 's' : ''} only; received ${flagFor(param)}${shown} on the ${surface} surface, which will not be sent`,
        fix: `use --surface ${surfaces[0]}, or drop ${flagFor(param)}`,
      });
      continue;
    }
    decisions.push({ param, value, action: 'send' });
    (send as Record<string, unknown>)[key] = raw;
  }
  return { send, decisions, problems, ok: !problems.some((p) => p.severity === 'error') };
}

/**
 * The non-file fields of an image edit — from multipart (`CreateImageEditRequest`, every value a string) or
 * JSON (`EditImageBodyJsonParam`, typed values) — checked against the model registry and answered with
 * OpenAI's parameter errors (`missing_required_parameter`, `invalid_value`, `invalid_type`,
 * `integer_above_max_value`, `string_above_max_length`, `invalid_input_fidelity_model`, …), wording included.
 */
import { findModel, sizeProblem, type ImageModel } from '../core/models.js';
import { activeModels, defaultModel, isoDate, liveReplacements, servedModels, statusOf } from '../core/lifecycle.js';
import { BACKGROUNDS, INPUT_FIDELITIES } from '../core/choices.js';
import { ApiError } from './errors.js';

export type OutputFormat = 'png' | 'jpeg' | 'webp';
export type Background = 'transparent' | 'opaque' | 'auto';

/**
 * One edit request's parameters as the server validated them (OpenAI's field names, parsed). Not the library's
 * `EditOptions` (src/pipeline/edit.ts), which is what `edit()` takes.
 */
export interface EditParams {
  prompt: string;
  /** The id as sent (aliases kept), and its registry entry. */
  model: string;
  modelInfo: ImageModel;
  n: number;
  size?: string;
  quality?: string;
  background?: Background;
  outputFormat: OutputFormat;
  /** 0–100, for jpeg/webp (OpenAI's default 100). */
  outputCompression: number;
  inputFidelity?: 'low' | 'high';
  /** 2.6 models: low|medium|high. */
  complexity?: string;
  /** JSON route: low|auto (validated; the embedded engine has no moderation to relax). */
  moderation?: string;
  stream: boolean;
  partialImages: number;
  user?: string;
}

export type FieldSource = 'multipart' | 'json';

/** Fields an edit takes besides its files; anything else is OpenAI's `unknown_parameter`. */
const COMMON_FIELDS = ['prompt', 'model', 'n', 'size', 'quality', 'background', 'output_format', 'output_compression', 'input_fidelity', 'complexity', 'markup', 'stream', 'partial_images', 'user'];
const MULTIPART_ONLY = ['response_format'];
/**
 * `moderation` is accepted and ignored: the local engine makes no moderation decision to relax. `markup` is common:
 * a JSON reference or a multipart file part (edit-input.ts records its presence under this field name).
 */
const JSON_ONLY = ['moderation'];
/** What the server can encode (svg and gif output of the 2.6 models are not made by the embedded engine). */
const SERVED_FORMATS: readonly OutputFormat[] = ['png', 'jpeg', 'webp'];
/** OpenAI's answer for a retired model: 404 model_not_found, "The model `X` has been deprecated, learn more here: …". */
const DEPRECATIONS_URL = 'https://platform.openai.com/docs/deprecations';

const list = (values: readonly string[]) => values.length === 1 ? `'${values[0]}'` : values.length === 2 ? `'${values[0]}' and '${values[1]}'` : `${values.slice(0, -1).map((v) => `'${v}'`).join(', ')}, and '${values.at(-1)}'`;

export function invalidValue(param: string, value: unknown, supported: readonly string[], detail?: string): ApiError {
  return new ApiError({
    status: 400, apiCode: 'invalid_value', param, code: 'INVALID_VALUE',
    message: `Invalid value: '${String(value).slice(0, 100)}'. ${detail ?? `Supported values are: ${list(supported)}.`}`,
  });
}

export function missingParameter(param: string): ApiError {
  return new ApiError({ status: 400, apiCode: 'missing_required_parameter', param, code: 'MISSING_PARAMETER', message: `Missing required parameter: '${param}'.` });
}

function invalidType(param: string, expected: string, value: unknown): ApiError {
  const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : typeof value === 'number' ? (Number.isInteger(value) ? 'an integer' : 'a decimal') : `a ${typeof value}`;
  return new ApiError({ status: 400, apiCode: 'invalid_type', param, code: 'INVALID_TYPE', message: `Invalid type for '${param}': expected ${expected}, but got ${got} instead.` });
}

/** Reads typed fields from either source; multipart strings are converted, JSON types are enforced. */
class Fields {
  constructor(private readonly raw: Record<string, unknown>, private readonly from: FieldSource) {}

  has(name: string): boolean {
    const v = this.raw[name];
    return v !== undefined && v !== null && !(this.from === 'multipart' && v === '');
  }

  string(name: string): string | undefined {
    if (!this.has(name)) return undefined;
    const v = this.raw[name];
    if (typeof v !== 'string') throw invalidType(name, 'a string', v);
    return v;
  }

  choice<T extends string>(name: string, choices: readonly T[]): T | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    if (!(choices as readonly string[]).includes(v)) throw invalidValue(name, v, choices);
    return v as T;
  }

  integer(name: string, min: number, max: number): number | undefined {
    if (!this.has(name)) return undefined;
    const v = this.raw[name];
    let n: number;
    if (this.from === 'multipart' && typeof v === 'string' && /^\s*-?\d+\s*$/.test(v)) n = Number(v);
    else if (typeof v === 'number' && Number.isInteger(v)) n = v;
    // A multipart "1.5" is a decimal; "1e3" or "0x10" stays a string (Number() would call them integers).
    else throw invalidType(name, 'an integer', this.from === 'multipart' && typeof v === 'string' && Number.isFinite(Number(v)) && !Number.isInteger(Number(v)) ? Number(v) : v);
    if (n > max) throw new ApiError({ status: 400, apiCode: 'integer_above_max_value', param: name, code: 'INTEGER_ABOVE_MAX', message: `Invalid '${name}': integer above maximum value. Expected a value <= ${max}, but got ${n} instead.` });
    if (n < min) throw new ApiError({ status: 400, apiCode: 'integer_below_min_value', param: name, code: 'INTEGER_BELOW_MIN', message: `Invalid '${name}': integer below minimum value. Expected a value >= ${min}, but got ${n} instead.` });
    return n;
  }

  boolean(name: string): boolean | undefined {
    if (!this.has(name)) return undefined;
    const v = this.raw[name];
    if (typeof v === 'boolean') return v;
    if (this.from === 'multipart' && typeof v === 'string' && /^(true|false)$/i.test(v)) return v.toLowerCase() === 'true';
    throw invalidType(name, 'a boolean', v);
  }
}

/**
 * Validates the fields of one edit request.
 *
 * @example
 * parseEditOptions({ prompt: 'A lounge with a flamingo in the pool.', n: '2' }, 'multipart').n // 2
 */
export function parseEditOptions(raw: Record<string, unknown>, from: FieldSource, today: string = isoDate(new Date())): EditParams {
  const allowed = new Set([...COMMON_FIELDS, ...(from === 'multipart' ? MULTIPART_ONLY : JSON_ONLY)]);
  for (const key of Object.keys(raw)) {
    if (!allowed.has(key)) throw new ApiError({ status: 400, apiCode: 'unknown_parameter', param: key, code: 'UNKNOWN_PARAMETER', message: `Unknown parameter: '${key.slice(0, 100)}'.` });
  }
  const f = new Fields(raw, from);

  const model = f.string('model') ?? defaultModel(today);
  const modelInfo = findModel(model);
  // A shut-down model gets what OpenAI answers (404 model_not_found, its wording), plus the live replacement.
  if (modelInfo && statusOf(modelInfo, today) === 'shutdown') {
    const repl = liveReplacements(modelInfo.id, today);
    throw new ApiError({
      status: 404, apiCode: 'model_not_found', param: 'model', code: 'MODEL_SHUT_DOWN',
      message: `The model \`${model.slice(0, 100)}\` has been deprecated, learn more here: ${DEPRECATIONS_URL} (shut down on ${modelInfo.lifecycle.shutdown}; use '${repl[0]}'${repl.length > 1 ? ` or '${repl.slice(1).join("' or '")}'` : ''} instead).`,
    });
  }
  // Only the models that answer on the date are offered.
  const live = servedModels(today);
  const gptModels = live.filter((m) => m.family === 'gpt-image').map((m) => m.id);
  if (!modelInfo) throw invalidValue('model', model, from === 'json' ? gptModels : live.map((m) => m.id));
  if (from === 'json' && modelInfo.family !== 'gpt-image') {
    throw invalidValue('model', model, gptModels, `JSON edits support GPT image models only; DALL-E edits require multipart. Supported values are: ${list(gptModels)}.`);
  }

  if (!f.has('prompt')) throw missingParameter('prompt');
  const prompt = f.string('prompt')!;
  const chars = [...prompt].length;
  if (chars > modelInfo.maxPromptChars) {
    throw new ApiError({
      status: 400, apiCode: 'string_above_max_length', param: 'prompt', code: 'PROMPT_TOO_LONG',
      message: `Invalid 'prompt': string too long. Expected a string with maximum length ${modelInfo.maxPromptChars}, but got a string with length ${chars} instead.`,
    });
  }
  if (!prompt.trim()) {
    throw new ApiError({ status: 400, apiCode: 'empty_string', param: 'prompt', code: 'PROMPT_EMPTY', message: "Invalid 'prompt': empty string. Expected a string with minimum length 1, but got an empty string instead." });
  }

  const n = f.integer('n', 1, 10) ?? 1;

  const size = f.string('size');
  if (size !== undefined) {
    const why = sizeProblem(modelInfo, size);
    if (why) throw invalidValue('size', size, [...modelInfo.sizes, ...(modelInfo.autoSize ? ['auto'] : [])], modelInfo.flexibleSize ? `${why}.` : undefined);
  }

  const quality = f.choice('quality', modelInfo.qualities);
  const background = f.choice<Background>('background', BACKGROUNDS);
  const outputFormat = f.choice<OutputFormat>('output_format', modelInfo.outputFormats.filter((x): x is OutputFormat => (SERVED_FORMATS as readonly string[]).includes(x))) ?? 'png';
  if (background === 'transparent' && outputFormat === 'jpeg') {
    throw invalidValue('background', background, ['opaque', 'auto'], "Transparent backgrounds need output_format 'png' or 'webp'; JPEG has no alpha. Supported values with 'jpeg' are: 'opaque' and 'auto'.");
  }
  if (background !== undefined && background !== 'auto' && modelInfo.family !== 'gpt-image') {
    throw new ApiError({ status: 400, apiCode: 'invalid_value', param: 'background', code: 'INVALID_VALUE', message: `background is supported only for the GPT image models, not ${model}.` });
  }
  const outputCompression = f.integer('output_compression', 0, 100) ?? 100;

  const inputFidelity = f.choice<'low' | 'high'>('input_fidelity', INPUT_FIDELITIES);
  if (inputFidelity !== undefined && !modelInfo.inputFidelity) {
    const withIt = live.filter((m) => m.inputFidelity).map((m) => m.id);
    throw new ApiError({
      status: 400, apiCode: 'invalid_input_fidelity_model', param: 'input_fidelity', code: 'MODEL_NO_INPUT_FIDELITY',
      message: `Input fidelity is not supported for model '${model}'. Remove 'input_fidelity'${withIt.length ? ` or use one of ${list(withIt)}` : ''}.`,
    });
  }

  // complexity (2.6): validated against the registry; a model without it is an invalid_value naming those with it.
  let complexity: string | undefined;
  if (f.has('complexity')) {
    const allowed = modelInfo.params.complexity;
    if (!allowed) {
      const withIt = activeModels(today).filter((m) => m.params.complexity).map((m) => m.id);
      throw new ApiError({ status: 400, apiCode: 'invalid_value', param: 'complexity', code: 'MODEL_PARAM_UNSUPPORTED', message: `complexity is not supported for model '${model}'. Remove 'complexity' or use one of ${list(withIt)}.` });
    }
    complexity = f.choice('complexity', allowed.map(String));
  }

  const stream = f.boolean('stream') ?? false;
  if (stream && !modelInfo.streaming) {
    throw new ApiError({ status: 400, apiCode: 'invalid_value', param: 'stream', code: 'INVALID_VALUE', message: `Streaming is not supported for model '${model}'.` });
  }
  const partialImages = f.integer('partial_images', 0, 3) ?? 0;

  if (from === 'multipart') {
    const rf = f.choice('response_format', ['url', 'b64_json']);
    if (rf === 'url') throw invalidValue('response_format', rf, ['b64_json'], "maskedit serve returns images inline only. Supported values are: 'b64_json'.");
  }
  const moderation = from === 'json' ? f.choice('moderation', (modelInfo.params.moderation ?? []).map(String)) : undefined;
  if (raw.markup !== undefined && modelInfo.params.markup === null) {
    const withIt = activeModels(today).filter((m) => m.params.markup).map((m) => m.id);
    throw new ApiError({ status: 400, apiCode: 'invalid_value', param: 'markup', code: 'MODEL_PARAM_UNSUPPORTED', message: `markup is not supported for model '${model}'. Remove 'markup' or use one of ${list(withIt)}.` });
  }
  const user = f.string('user');

  return {
    prompt, model, modelInfo, n,
    ...(size !== undefined && { size }),
    ...(quality !== undefined && { quality }),
    ...(background !== undefined && { background }),
    outputFormat, outputCompression,
    ...(inputFidelity !== undefined && { inputFidelity }),
    ...(complexity !== undefined && { complexity }),
    ...(moderation !== undefined && { moderation }),
    stream, partialImages,
    ...(user !== undefined && { user }),
  };
}

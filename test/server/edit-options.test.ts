/**
 * The server's edit fields, row by row: every field with a good value on both sources, and every refusal with
 * its exact OpenAI answer (status, code, param, message). The route tests cover the same over HTTP; these run in
 * milliseconds, so `npm run mutate` can run them for every mutant.
 */
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/server/errors.js';
import { invalidValue, missingParameter, parseEditOptions, type FieldSource } from '../../src/server/edit-options.js';

const P = 'A lounge with a flamingo in the pool.';
/**
 * Judged on 2026-01-01, when gpt-image-1.5 was the default and dall-e-2 still served: these rows are about field
 * parsing on those models' rules. Today's default and the retired models are covered in test/core/lifecycle.test.ts
 * and test/server/routes/models.test.ts.
 */
const ON = '2026-01-01';

function refusal(raw: Record<string, unknown>, from: FieldSource): ApiError {
  try {
    parseEditOptions(raw, from, ON);
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}

describe('parseEditOptions: accepted values', () => {
  it.each<[string, FieldSource, Record<string, unknown>, Record<string, unknown>]>([
    ['defaults (multipart)', 'multipart', { prompt: P }, { prompt: P, model: 'gpt-image-1.5', n: 1, outputFormat: 'png', outputCompression: 100, stream: false, partialImages: 0 }],
    ['defaults (json)', 'json', { prompt: P }, { prompt: P, model: 'gpt-image-1.5', n: 1, outputFormat: 'png', outputCompression: 100, stream: false, partialImages: 0 }],
    ['n as a multipart string', 'multipart', { prompt: P, n: ' 2 ' }, { n: 2 }],
    ['n as a JSON number', 'json', { prompt: P, n: 10 }, { n: 10 }],
    ['an alias keeps its id', 'json', { prompt: P, model: 'chatgpt-image-latest' }, { model: 'chatgpt-image-latest' }],
    ['size', 'multipart', { prompt: P, size: '1536x1024' }, { size: '1536x1024' }],
    ['size auto', 'json', { prompt: P, size: 'auto' }, { size: 'auto' }],
    ['a flexible size on gpt-image-2', 'json', { prompt: P, model: 'gpt-image-2', size: '1600x912' }, { size: '1600x912' }],
    ['quality', 'multipart', { prompt: P, quality: 'high' }, { quality: 'high' }],
    ['background transparent with webp', 'json', { prompt: P, background: 'transparent', output_format: 'webp' }, { background: 'transparent', outputFormat: 'webp' }],
    ['background auto on dall-e-2', 'multipart', { prompt: P, model: 'dall-e-2', background: 'auto' }, { background: 'auto' }],
    ['output_compression 0', 'multipart', { prompt: P, output_format: 'jpeg', output_compression: '0' }, { outputFormat: 'jpeg', outputCompression: 0 }],
    ['input_fidelity', 'json', { prompt: P, input_fidelity: 'high' }, { inputFidelity: 'high' }],
    ['stream as a multipart string', 'multipart', { prompt: P, stream: 'TRUE', partial_images: '3' }, { stream: true, partialImages: 3 }],
    ['stream false', 'multipart', { prompt: P, stream: 'false' }, { stream: false }],
    ['stream as a JSON boolean', 'json', { prompt: P, stream: true }, { stream: true }],
    ['user', 'json', { prompt: P, user: 'u-1' }, { user: 'u-1' }],
    ['response_format b64_json (multipart)', 'multipart', { prompt: P, response_format: 'b64_json' }, { prompt: P }],
    ['moderation low (json)', 'json', { prompt: P, moderation: 'low' }, { prompt: P }],
    ['empty multipart strings count as absent', 'multipart', { prompt: P, size: '', n: '', quality: '' }, { n: 1 }],
    ['null JSON values count as absent', 'json', { prompt: P, size: null, n: null }, { n: 1 }],
  ])('%s', (_name, from, raw, expected) => {
    const o = parseEditOptions(raw, from, ON);
    expect(o).toMatchObject(expected);
    expect(o.modelInfo.id).toBe(raw.model === 'chatgpt-image-latest' || raw.model === undefined ? 'gpt-image-1.5' : raw.model);
  });

  it('leaves unset optional fields out', () => {
    expect(Object.keys(parseEditOptions({ prompt: P }, 'json', ON)).sort()).toEqual(['model', 'modelInfo', 'n', 'outputCompression', 'outputFormat', 'partialImages', 'prompt', 'stream']);
  });
});

describe('parseEditOptions: refusals', () => {
  it.each<[string, FieldSource, Record<string, unknown>, number, string, string, string]>([
    ['an unknown field', 'json', { prompt: P, colour: 'red' }, 400, 'unknown_parameter', 'colour', "Unknown parameter: 'colour'."],
    ['response_format on JSON', 'json', { prompt: P, response_format: 'url' }, 400, 'unknown_parameter', 'response_format', "Unknown parameter: 'response_format'."],
    ['moderation on multipart', 'multipart', { prompt: P, moderation: 'low' }, 400, 'unknown_parameter', 'moderation', "Unknown parameter: 'moderation'."],
    ['no prompt', 'multipart', {}, 400, 'missing_required_parameter', 'prompt', "Missing required parameter: 'prompt'."],
    ['an empty multipart prompt', 'multipart', { prompt: '' }, 400, 'missing_required_parameter', 'prompt', "Missing required parameter: 'prompt'."],
    ['a blank prompt', 'json', { prompt: '   ' }, 400, 'empty_string', 'prompt', "Invalid 'prompt': empty string. Expected a string with minimum length 1, but got an empty string instead."],
    ['a prompt over dall-e-2\'s 1000', 'multipart', { prompt: 'x'.repeat(1001), model: 'dall-e-2' }, 400, 'string_above_max_length', 'prompt', "Invalid 'prompt': string too long. Expected a string with maximum length 1000, but got a string with length 1001 instead."],
    ['a prompt of a number', 'json', { prompt: 5 }, 400, 'invalid_type', 'prompt', "Invalid type for 'prompt': expected a string, but got an integer instead."],
    // On 2026-01-01 (ON) the 2.x models were not released yet: they are not offered.
    ['an unknown model (multipart)', 'multipart', { prompt: P, model: 'gpt-4o' }, 400, 'invalid_value', 'model', "Invalid value: 'gpt-4o'. Supported values are: 'gpt-image-1.5', 'gpt-image-1-mini', 'gpt-image-1', and 'dall-e-2'."],
    ['an unknown model (json)', 'json', { prompt: P, model: 'gpt-4o' }, 400, 'invalid_value', 'model', "Invalid value: 'gpt-4o'. Supported values are: 'gpt-image-1.5', 'gpt-image-1-mini', and 'gpt-image-1'."],
    ['dall-e-2 on JSON', 'json', { prompt: P, model: 'dall-e-2' }, 400, 'invalid_value', 'model', "Invalid value: 'dall-e-2'. JSON edits support GPT image models only; DALL-E edits require multipart. Supported values are: 'gpt-image-1.5', 'gpt-image-1-mini', and 'gpt-image-1'."],
    ['model of a number', 'json', { prompt: P, model: 2 }, 400, 'invalid_type', 'model', "Invalid type for 'model': expected a string, but got an integer instead."],
    ['n of 11', 'json', { prompt: P, n: 11 }, 400, 'integer_above_max_value', 'n', "Invalid 'n': integer above maximum value. Expected a value <= 10, but got 11 instead."],
    ['n of 0', 'multipart', { prompt: P, n: '0' }, 400, 'integer_below_min_value', 'n', "Invalid 'n': integer below minimum value. Expected a value >= 1, but got 0 instead."],
    ['n of 1.5 (json)', 'json', { prompt: P, n: 1.5 }, 400, 'invalid_type', 'n', "Invalid type for 'n': expected an integer, but got a decimal instead."],
    ['n of "2.5" (multipart)', 'multipart', { prompt: P, n: '2.5' }, 400, 'invalid_type', 'n', "Invalid type for 'n': expected an integer, but got a decimal instead."],
    ['n of "two" (multipart)', 'multipart', { prompt: P, n: 'two' }, 400, 'invalid_type', 'n', "Invalid type for 'n': expected an integer, but got a string instead."],
    ['n of "2" (json)', 'json', { prompt: P, n: '2' }, 400, 'invalid_type', 'n', "Invalid type for 'n': expected an integer, but got a string instead."],
    ['n of null-ish array', 'json', { prompt: P, n: [1] }, 400, 'invalid_type', 'n', "Invalid type for 'n': expected an integer, but got an array instead."],
    ['n of an object', 'json', { prompt: P, n: { v: 1 } }, 400, 'invalid_type', 'n', "Invalid type for 'n': expected an integer, but got an object instead."],
    ['a size the model lacks', 'multipart', { prompt: P, size: '512x512' }, 400, 'invalid_value', 'size', "Invalid value: '512x512'. Supported values are: '1024x1024', '1536x1024', '1024x1536', and 'auto'."],
    ['size auto on dall-e-2', 'multipart', { prompt: P, model: 'dall-e-2', size: 'auto' }, 400, 'invalid_value', 'size', "Invalid value: 'auto'. Supported values are: '256x256', '512x512', and '1024x1024'."],
    ['a quality the model lacks', 'multipart', { prompt: P, quality: 'ultra' }, 400, 'invalid_value', 'quality', "Invalid value: 'ultra'. Supported values are: 'low', 'medium', 'high', and 'auto'."],
    ['quality on dall-e-2', 'multipart', { prompt: P, model: 'dall-e-2', quality: 'high' }, 400, 'invalid_value', 'quality', "Invalid value: 'high'. Supported values are: 'standard'."],
    ['a background value', 'json', { prompt: P, background: 'clear' }, 400, 'invalid_value', 'background', "Invalid value: 'clear'. Supported values are: 'transparent', 'opaque', and 'auto'."],
    ['transparent jpeg', 'json', { prompt: P, background: 'transparent', output_format: 'jpeg' }, 400, 'invalid_value', 'background', "Invalid value: 'transparent'. Transparent backgrounds need output_format 'png' or 'webp'; JPEG has no alpha. Supported values with 'jpeg' are: 'opaque' and 'auto'."],
    ['background on dall-e-2', 'multipart', { prompt: P, model: 'dall-e-2', background: 'opaque' }, 400, 'invalid_value', 'background', 'background is supported only for the GPT image models, not dall-e-2.'],
    ['an output format the model lacks', 'multipart', { prompt: P, model: 'dall-e-2', output_format: 'webp' }, 400, 'invalid_value', 'output_format', "Invalid value: 'webp'. Supported values are: 'png'."],
    ['output_compression 101', 'json', { prompt: P, output_compression: 101 }, 400, 'integer_above_max_value', 'output_compression', "Invalid 'output_compression': integer above maximum value. Expected a value <= 100, but got 101 instead."],
    ['output_compression -1', 'json', { prompt: P, output_compression: -1 }, 400, 'integer_below_min_value', 'output_compression', "Invalid 'output_compression': integer below minimum value. Expected a value >= 0, but got -1 instead."],
    ['an input_fidelity value', 'json', { prompt: P, input_fidelity: 'max' }, 400, 'invalid_value', 'input_fidelity', "Invalid value: 'max'. Supported values are: 'low' and 'high'."],
    ['input_fidelity on gpt-image-2', 'json', { prompt: P, model: 'gpt-image-2', input_fidelity: 'high' }, 400, 'invalid_input_fidelity_model', 'input_fidelity', "Input fidelity is not supported for model 'gpt-image-2'. Remove 'input_fidelity' or use one of 'gpt-image-1.5' and 'gpt-image-1'."],
    ['stream on dall-e-2', 'multipart', { prompt: P, model: 'dall-e-2', stream: 'true' }, 400, 'invalid_value', 'stream', "Streaming is not supported for model 'dall-e-2'."],
    ['stream of "yes"', 'multipart', { prompt: P, stream: 'yes' }, 400, 'invalid_type', 'stream', "Invalid type for 'stream': expected a boolean, but got a string instead."],
    ['stream of "true" on JSON', 'json', { prompt: P, stream: 'true' }, 400, 'invalid_type', 'stream', "Invalid type for 'stream': expected a boolean, but got a string instead."],
    ['partial_images 4', 'json', { prompt: P, stream: true, partial_images: 4 }, 400, 'integer_above_max_value', 'partial_images', "Invalid 'partial_images': integer above maximum value. Expected a value <= 3, but got 4 instead."],
    ['response_format url', 'multipart', { prompt: P, response_format: 'url' }, 400, 'invalid_value', 'response_format', "Invalid value: 'url'. maskedit serve returns images inline only. Supported values are: 'b64_json'."],
    ['response_format other', 'multipart', { prompt: P, response_format: 'png' }, 400, 'invalid_value', 'response_format', "Invalid value: 'png'. Supported values are: 'url' and 'b64_json'."],
    ['moderation other', 'json', { prompt: P, moderation: 'high' }, 400, 'invalid_value', 'moderation', "Invalid value: 'high'. Supported values are: 'low' and 'auto'."],
    ['user of a number', 'json', { prompt: P, user: 7 }, 400, 'invalid_type', 'user', "Invalid type for 'user': expected a string, but got an integer instead."],
  ])('%s', (_name, from, raw, status, apiCode, param, message) => {
    const e = refusal(raw, from);
    expect([e.status, e.apiCode, e.param, e.message, e.type]).toEqual([status, apiCode, param, message, 'invalid_request_error']);
  });

  it('cuts a long unknown parameter name and a long value to 100 characters', () => {
    expect(refusal({ prompt: P, ['k'.repeat(150)]: 1 }, 'json').message).toBe(`Unknown parameter: '${'k'.repeat(100)}'.`);
    expect(refusal({ prompt: P, quality: 'q'.repeat(150) }, 'json').message).toBe(`Invalid value: '${'q'.repeat(100)}'. Supported values are: 'low', 'medium', 'high', and 'auto'.`);
  });

  it('names null JSON types as null and booleans as booleans', () => {
    expect(refusal({ prompt: true }, 'json').message).toBe("Invalid type for 'prompt': expected a string, but got a boolean instead.");
  });
});

describe('the models offered on a date', () => {
  it.each<[string, FieldSource, string]>([
    ['2026-05-01', 'multipart', "'gpt-image-2', 'gpt-image-1.5', 'gpt-image-1-mini', 'gpt-image-1', and 'dall-e-2'"],
    ['2026-11-30', 'multipart', "'gpt-image-2.6-sunburst', 'gpt-image-2.6-flare', 'gpt-image-2.5-sunburst', 'gpt-image-2.5-flare', 'gpt-image-2', 'gpt-image-1.5', and 'gpt-image-1-mini'"],
    ['2026-12-01', 'json', "'gpt-image-2.6-sunburst', 'gpt-image-2.6-flare', 'gpt-image-2.5-sunburst', 'gpt-image-2.5-flare', and 'gpt-image-2'"],
  ])('on %s (%s): released and not shut down', (today, from, list) => {
    expect(() => parseEditOptions({ prompt: P, model: 'gpt-4o' }, from, today)).toThrow(`Invalid value: 'gpt-4o'. Supported values are: ${list}.`);
  });
});

describe('the shared refusals', () => {
  it('missingParameter', () => {
    expect(missingParameter('image')).toMatchObject({ status: 400, apiCode: 'missing_required_parameter', param: 'image', code: 'MISSING_PARAMETER', message: "Missing required parameter: 'image'." });
  });

  it.each<[string[], string]>([
    [['a'], "'a'"],
    [['a', 'b'], "'a' and 'b'"],
    [['a', 'b', 'c'], "'a', 'b', and 'c'"],
  ])('invalidValue lists %j as %s', (values, listed) => {
    expect(invalidValue('p', 'v', values)).toMatchObject({ status: 400, apiCode: 'invalid_value', param: 'p', code: 'INVALID_VALUE', message: `Invalid value: 'v'. Supported values are: ${listed}.` });
  });

  it('invalidValue with a detail sends the detail instead of the list', () => {
    expect(invalidValue('p', 'v', ['a'], 'Because.').message).toBe("Invalid value: 'v'. Because.");
  });
});

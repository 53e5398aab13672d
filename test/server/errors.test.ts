import { describe, expect, it } from 'vitest';
import { ImageError, MaskError, MaskeditError } from '../../src/core/errors.js';
import { problemToApiError, toApiError } from '../../src/server/errors.js';

describe('toApiError', () => {
  it.each<[string, unknown, number, string | null, string | null]>([
    ['MASK_SIZE_MISMATCH', new MaskError('MASK_SIZE_MISMATCH', 'mask is 1x1', 'resize'), 400, 'invalid_mask_image_format', 'mask'],
    ['MASK_NO_ALPHA', new MaskError('MASK_NO_ALPHA', 'no alpha', 'add'), 400, 'invalid_mask_image_format', 'mask'],
    ['IMAGE_FORMAT_UNSUPPORTED', new ImageError('IMAGE_FORMAT_UNSUPPORTED', 'image is GIF', 'convert'), 400, 'unsupported_file_mimetype', 'image'],
    ['MASK_NOT_PNG', new MaskError('MASK_NOT_PNG', 'mask is GIF', 'convert'), 400, 'unsupported_file_mimetype', 'mask'],
    ['IMAGE_UNREADABLE', new ImageError('IMAGE_UNREADABLE', 'bad', 'fix'), 400, 'invalid_image_file', 'image'],
    ['IMAGE_TOO_MANY_PIXELS', new ImageError('IMAGE_TOO_MANY_PIXELS', 'big', 'shrink'), 400, 'image_too_large', 'image'],
    ['MASK_ALL_EDITABLE (engine)', new MaskError('MASK_ALL_EDITABLE', 'all', 'paint'), 400, 'mask_all_editable', 'mask'],
    ['an unlisted MODEL_ code', new MaskeditError('MODEL_DALLE2_NOT_SQUARE', 'square', 'crop'), 400, 'model_dalle2_not_square', 'model'],
    ['ENGINE_UNKNOWN', new MaskeditError('ENGINE_UNKNOWN', 'x', 'y'), 500, 'engine_unknown', null],
    ['a fastify body limit', Object.assign(new Error('Request body is too large'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 }), 413, 'request_too_large', null],
    ['a plain bug', new TypeError('x is undefined'), 500, null, null],
  ])('%s', (_name, error, status, code, param) => {
    const e = toApiError(error, { image: 'image', mask: 'mask' });
    expect([e.status, e.apiCode, e.param]).toEqual([status, code, param]);
    expect(e.type).toBe(status >= 500 ? 'server_error' : 'invalid_request_error');
  });

  it('sends maskedit\'s message and fix where OpenAI has no wording', () => {
    expect(problemToApiError({ code: 'MODEL_DALLE2_NOT_SQUARE', severity: 'error', message: 'dall-e-2 takes only square images; image is 3x2', fix: 'crop it to a square' }).message)
      .toBe('dall-e-2 takes only square images; image is 3x2. Fix: crop it to a square');
  });

  it('names JSON params for JSON requests', () => {
    expect(problemToApiError({ code: 'IMAGE_UNREADABLE', severity: 'error', message: 'x', fix: 'y' }, { image: 'images[0]', mask: 'mask' }).param).toBe('images[0]');
  });
});

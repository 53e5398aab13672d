import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { ImageError, MaskError, MaskeditError } from '../../src/core/errors.js';
import { ApiError, installErrorBoundary, problemToApiError, sendApiError, toApiError } from '../../src/server/errors.js';

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

describe('toApiError: fastify, multipart and unknown errors', () => {
  const fst = (code: string, message: string, statusCode?: number) => Object.assign(new Error(message), { code, ...(statusCode === undefined ? {} : { statusCode }) });

  it.each<[string, unknown, number, string | null, string, string]>([
    ['body too large', fst('FST_ERR_CTP_BODY_TOO_LARGE', 'Request body is too large', 413), 413, 'request_too_large', 'REQUEST_TOO_LARGE', 'The request is too large: Request body is too large'],
    ['file too large', fst('FST_REQ_FILE_TOO_LARGE', 'request file too large'), 413, 'request_too_large', 'REQUEST_TOO_LARGE', 'The request is too large: request file too large'],
    ['too many parts', fst('FST_PARTS_LIMIT', 'reach parts limit'), 413, 'request_too_large', 'REQUEST_TOO_LARGE', 'The request is too large: reach parts limit'],
    ['too many fields', fst('FST_FIELDS_LIMIT', 'reach fields limit'), 413, 'request_too_large', 'REQUEST_TOO_LARGE', 'The request is too large: reach fields limit'],
    ['too many files', fst('FST_FILES_LIMIT', 'reach files limit'), 400, 'array_above_max_length', 'TOO_MANY_FILES', 'Too many files in one request.'],
    ['a media type', fst('FST_ERR_CTP_INVALID_MEDIA_TYPE', 'Unsupported Media Type: text/plain', 415), 400, 'unsupported_content_type', 'UNSUPPORTED_CONTENT_TYPE', 'Unsupported Content-Type "text/plain"; send multipart/form-data or application/json'],
    ['an empty JSON body', fst('FST_ERR_CTP_EMPTY_JSON_BODY', "Body cannot be empty when content-type is set to 'application/json'", 400), 400, 'invalid_json', 'INVALID_JSON', "We could not parse the JSON body of your request. (Body cannot be empty when content-type is set to 'application/json')"],
    ['bad JSON', fst('FST_ERR_CTP_INVALID_JSON_BODY', 'Unexpected token', 400), 400, 'invalid_json', 'INVALID_JSON', 'We could not parse the JSON body of your request. (Unexpected token)'],
    ['not multipart', fst('FST_INVALID_MULTIPART_CONTENT_TYPE', 'the request is not multipart', 406), 400, 'invalid_multipart', 'INVALID_MULTIPART', 'The request is not multipart/form-data'],
    ['another 4xx', fst('FST_SOMETHING', 'Bad header', 431), 431, 'invalid_request', 'BAD_REQUEST', 'Bad header'],
    ['a 413 without a known code', fst('FST_OTHER', 'too big', 413), 413, 'request_too_large', 'BAD_REQUEST', 'too big'],
    ['a 400 with only a status', Object.assign(new Error('Unexpected end of form'), { statusCode: 400 }), 400, 'invalid_request', 'BAD_REQUEST', 'Unexpected end of form'],
    ['busboy: end of form', new Error('Unexpected end of form'), 400, 'invalid_multipart', 'INVALID_MULTIPART', 'The multipart body is malformed: Unexpected end of form'],
    ['busboy: end of multipart data', new Error('Unexpected end of multipart data'), 400, 'invalid_multipart', 'INVALID_MULTIPART', 'The multipart body is malformed: Unexpected end of multipart data'],
    ['busboy: part header', new Error('Malformed part header'), 400, 'invalid_multipart', 'INVALID_MULTIPART', 'The multipart body is malformed: Malformed part header'],
    ['busboy: boundary', new Error('Multipart: Boundary not found'), 400, 'invalid_multipart', 'INVALID_MULTIPART', 'The multipart body is malformed: Multipart: Boundary not found'],
    ['a 5xx fastify error', fst('FST_INTERNAL', 'boom', 500), 500, null, 'INTERNAL', 'The server had an error while processing your request (request id req-7). The details are in the server log.'],
    ['a string thrown', 'boom', 500, null, 'INTERNAL', 'The server had an error while processing your request (request id req-7). The details are in the server log.'],
    ['null thrown', null, 500, null, 'INTERNAL', 'The server had an error while processing your request (request id req-7). The details are in the server log.'],
  ])('%s', (_name, error, status, apiCode, code, message) => {
    const e = toApiError(error, { image: 'image', mask: 'mask' }, 'req-7');
    expect([e.status, e.apiCode, e.code, e.message, e.param]).toEqual([status, apiCode, code, message, null]);
    expect(e.type).toBe(status >= 500 ? 'server_error' : 'invalid_request_error');
  });

  it('an unknown error without a request id names none', () => {
    expect(toApiError(new TypeError('x')).message).toBe('The server had an error while processing your request. The details are in the server log.');
  });

  it('passes an ApiError through as is', () => {
    const e = new ApiError({ code: 'QUEUE_FULL', message: 'busy', headers: { 'retry-after': '3' } });
    expect(toApiError(e)).toBe(e);
    expect(e.toJSON()).toEqual({ error: { message: 'busy', type: 'invalid_request_error', param: null, code: 'rate_limit_exceeded' } });
    expect([e.status, e.headers]).toEqual([429, { 'retry-after': '3' }]);
  });

  it('adds the fix after the message, without doubling the full stop', () => {
    expect(toApiError(new MaskeditError('SESSION_EMPTY', 'the session has no steps. ', 'run an edit first')).message).toBe('the session has no steps. Fix: run an edit first');
    expect(toApiError(new MaskeditError('SESSION_EMPTY', 'no steps', undefined)).message).toBe('no steps');
  });
});

describe('installErrorBoundary and sendApiError', () => {
  it('answers thrown errors and unknown routes in OpenAI\'s shape, with headers, on the request\'s param names', async () => {
    const app = Fastify({ logger: false });
    installErrorBoundary(app);
    app.get('/boom', async () => { throw new TypeError('secret detail'); });
    app.get('/busy', async () => { throw new ApiError({ code: 'QUEUE_FULL', message: 'busy', headers: { 'retry-after': '3' } }); });
    app.get('/json-image', async (request) => {
      (request as typeof request & { maskeditParams: { image: string; mask: string } }).maskeditParams = { image: 'images[0]', mask: 'mask' };
      throw new MaskError('IMAGE_UNREADABLE', 'truncated', 're-export');
    });
    app.get('/odd-status', async () => { throw new ApiError({ status: 302, apiCode: null, message: 'odd' }); });
    try {
      const boom = await app.inject({ method: 'GET', url: '/boom' });
      expect([boom.statusCode, boom.json().error.code, boom.body.includes('secret detail')]).toEqual([500, null, false]);
      expect(boom.json().error.message).toMatch(/^The server had an error while processing your request \(request id [^)]+\)\. The details are in the server log\.$/);
      const busy = await app.inject({ method: 'GET', url: '/busy' });
      expect([busy.statusCode, busy.headers['retry-after'], busy.json()]).toEqual([429, '3', { error: { message: 'busy', type: 'invalid_request_error', param: null, code: 'rate_limit_exceeded' } }]);
      const image = await app.inject({ method: 'GET', url: '/json-image' });
      expect([image.statusCode, image.json().error.param, image.json().error.message]).toEqual([400, 'images[0]', "Invalid image file or mode for 'images[0]', please check your image file (truncated)."]);
      const odd = await app.inject({ method: 'GET', url: '/odd-status' });
      expect(odd.statusCode).toBe(400);
      const missing = await app.inject({ method: 'POST', url: '/v1/foo?x=1' });
      expect([missing.statusCode, missing.json()]).toEqual([404, { error: { message: 'Invalid URL (POST /v1/foo)', type: 'invalid_request_error', param: null, code: null } }]);
    } finally {
      await app.close();
    }
  });

  it('sends nothing once the reply is sent or the socket is gone', () => {
    const err = new ApiError({ code: 'INTERNAL', message: 'm' });
    expect(sendApiError({ sent: true, raw: { destroyed: false } } as never, err)).toBeUndefined();
    expect(sendApiError({ sent: false, raw: { destroyed: true } } as never, err)).toBeUndefined();
  });
});

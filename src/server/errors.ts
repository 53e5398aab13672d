/**
 * The server's one error boundary. Every failure — a thrown {@link ApiError}, a maskedit error from the mask
 * doctor, the engines or a provider, a fastify or multipart error, or a plain bug — leaves the server as OpenAI's
 * error body `{ error: { message, type, param, code } }` (spec: `ErrorResponse`) with the status OpenAI would
 * use, so an OpenAI SDK raises the same `APIError` subclass it would against api.openai.com. Stack traces are
 * logged, never sent.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { MaskeditError, isMaskeditError } from '../core/errors.js';
import type { Problem } from '../core/problems.js';

/** OpenAI's error object (spec: `Error`). */
export interface OpenAIErrorObject {
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}

export interface OpenAIErrorBody {
  error: OpenAIErrorObject;
}

export interface ApiErrorInit {
  status: number;
  message: string;
  /** OpenAI's `error.code` (snake case), or null where OpenAI sends none. */
  apiCode: string | null;
  param?: string | null;
  /** OpenAI's `error.type`; `invalid_request_error` for 4xx, `server_error` for 5xx unless given. */
  type?: string;
  /** maskedit's own stable UPPER_SNAKE code (for logs and `MaskeditError.code`). */
  code?: string;
  fix?: string;
  headers?: Record<string, string>;
  cause?: unknown;
}

/**
 * An error that already knows its HTTP answer. Routes throw it; {@link toApiError} turns anything else into one.
 *
 * @example
 * throw new ApiError({ status: 400, apiCode: 'missing_required_parameter', param: 'prompt', message: "Missing required parameter: 'prompt'." });
 */
export class ApiError extends MaskeditError {
  readonly status: number;
  readonly type: string;
  readonly param: string | null;
  readonly apiCode: string | null;
  readonly headers: Record<string, string>;
  constructor(init: ApiErrorInit) {
    super(init.code ?? (init.apiCode ? init.apiCode.toUpperCase() : `HTTP_${init.status}`), init.message, init.fix, { cause: init.cause });
    this.name = 'ApiError';
    this.status = init.status;
    this.type = init.type ?? (init.status >= 500 ? 'server_error' : 'invalid_request_error');
    this.param = init.param ?? null;
    this.apiCode = init.apiCode;
    this.headers = init.headers ?? {};
  }

  toJSON(): OpenAIErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.apiCode } };
  }
}

/** Where a problem's subject lives in the request, e.g. `image` (multipart) or `images[0]` (JSON). */
export interface ParamNames {
  image: string;
  mask: string;
}

const MULTIPART_PARAMS: ParamNames = { image: 'image', mask: 'mask' };
const SUPPORTED_MIMES = "Supported file formats are 'image/jpeg', 'image/png', and 'image/webp'.";

interface Mapping {
  status?: number;
  apiCode: string;
  param: (p: ParamNames) => string | null;
  /** OpenAI's observed wording, when there is one; otherwise maskedit's message and fix are sent. */
  message?: (detail: string, p: ParamNames) => string;
}

/**
 * maskedit codes → OpenAI's codes, where OpenAI has one (DESIGN.md "OpenAI facts": the two
 * `invalid_mask_image_format` messages are OpenAI's observed text). Codes not listed are sent lower-cased with
 * maskedit's message and fix.
 */
const MAPPINGS: Record<string, Mapping> = {
  MASK_SIZE_MISMATCH: { apiCode: 'invalid_mask_image_format', param: (p) => p.mask, message: () => 'Invalid mask image format - mask size does not match image size' },
  MASK_NO_ALPHA: { apiCode: 'invalid_mask_image_format', param: (p) => p.mask, message: () => 'Invalid mask image format - mask image missing alpha channel' },
  MASK_NOT_PNG: { apiCode: 'unsupported_file_mimetype', param: (p) => p.mask, message: (d, p) => `Invalid file '${p.mask}': unsupported mimetype (${d}). ${SUPPORTED_MIMES}` },
  IMAGE_FORMAT_UNSUPPORTED: { apiCode: 'unsupported_file_mimetype', param: (p) => p.image, message: (d, p) => `Invalid file '${p.image}': unsupported mimetype (${d}). ${SUPPORTED_MIMES}` },
  IMAGE_UNREADABLE: { apiCode: 'invalid_image_file', param: (p) => p.image, message: (d, p) => `Invalid image file or mode for '${p.image}', please check your image file (${d}).` },
  MASK_UNREADABLE: { apiCode: 'invalid_image_file', param: (p) => p.mask, message: (d, p) => `Invalid image file or mode for '${p.mask}', please check your image file (${d}).` },
  IMAGE_TOO_LARGE: { status: 413, apiCode: 'image_too_large', param: (p) => p.image },
  MASK_TOO_LARGE: { status: 413, apiCode: 'image_too_large', param: (p) => p.mask },
  IMAGE_TOO_MANY_PIXELS: { apiCode: 'image_too_large', param: (p) => p.image },
  MASK_TOO_MANY_PIXELS: { apiCode: 'image_too_large', param: (p) => p.mask },
  MASK_NOTHING_EDITABLE: { apiCode: 'mask_nothing_editable', param: (p) => p.mask },
  MASK_ALL_EDITABLE: { apiCode: 'mask_all_editable', param: (p) => p.mask },
  PROMPT_TOO_LONG: { apiCode: 'string_above_max_length', param: () => 'prompt' },
  ENGINE_UNKNOWN: { status: 500, apiCode: 'engine_unknown', param: () => null },
};

/** Codes that are the server's fault, not the request's. */
const SERVER_CODES = new Set(['OUTPUT_WRITE_FAILED', 'INTERNAL', 'ENGINE_FAILED', 'ENGINE_UNKNOWN']);

function withFix(message: string, fix: string | undefined): string {
  return fix ? `${message.replace(/[.\s]+$/, '')}. Fix: ${fix}` : message;
}

function mapCoded(code: string, message: string, fix: string | undefined, params: ParamNames, cause?: unknown): ApiError {
  const prefixParam = code.startsWith('MASK_') ? params.mask : code.startsWith('IMAGE_') ? params.image : code.startsWith('PROMPT_') ? 'prompt' : code.startsWith('MODEL_') ? 'model' : null;
  const m = MAPPINGS[code];
  if (m) {
    return new ApiError({
      status: m.status ?? (SERVER_CODES.has(code) ? 500 : 400),
      apiCode: m.apiCode,
      param: m.param(params),
      message: m.message ? m.message(message, params) : withFix(message, fix),
      code, fix, cause,
    });
  }
  const status = code === 'ABORTED' ? 499 : SERVER_CODES.has(code) ? 500 : 400;
  return new ApiError({ status, apiCode: code.toLowerCase(), param: prefixParam, message: withFix(message, fix), code, fix, cause });
}

/**
 * The API error for a mask-doctor {@link Problem} (severity error).
 *
 * @example
 * problemToApiError({ code: 'MASK_NO_ALPHA', severity: 'error', message: '…', fix: '…' }).apiCode // 'invalid_mask_image_format'
 */
export function problemToApiError(problem: Problem, params: ParamNames = MULTIPART_PARAMS): ApiError {
  return mapCoded(problem.code, problem.message, problem.fix, params);
}

/** fastify / @fastify/multipart error codes → OpenAI-shaped answers. */
function mapFastify(e: FastifyError): ApiError | undefined {
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
    case 'FST_REQ_FILE_TOO_LARGE':
    case 'FST_PARTS_LIMIT':
    case 'FST_FIELDS_LIMIT':
      return new ApiError({ status: 413, apiCode: 'request_too_large', message: `The request is too large: ${e.message}`, code: 'REQUEST_TOO_LARGE', fix: 'send smaller images (each under 50 MB) or fewer of them', cause: e });
    case 'FST_FILES_LIMIT':
      // Routes that know which parameter holds the files answer this themselves; this is the fallback.
      return new ApiError({ status: 400, apiCode: 'array_above_max_length', message: 'Too many files in one request.', code: 'TOO_MANY_FILES', cause: e });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError({ status: 400, apiCode: 'unsupported_content_type', message: `Unsupported Content-Type ${JSON.stringify(e.message.replace(/^Unsupported Media Type: /, ''))}; send multipart/form-data or application/json`, code: 'UNSUPPORTED_CONTENT_TYPE', cause: e });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new ApiError({ status: 400, apiCode: 'invalid_json', message: `We could not parse the JSON body of your request. (${e.message})`, code: 'INVALID_JSON', cause: e });
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return new ApiError({ status: 400, apiCode: 'invalid_multipart', message: 'The request is not multipart/form-data', code: 'INVALID_MULTIPART', cause: e });
    default:
      break;
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    // Malformed multipart ("Unexpected end of form"), bad headers and friends: the client's fault, say so.
    return new ApiError({ status: e.statusCode, apiCode: e.statusCode === 413 ? 'request_too_large' : 'invalid_request', message: e.message, code: 'BAD_REQUEST', cause: e });
  }
  return undefined;
}

/**
 * Any thrown value → an {@link ApiError}. Unknown errors become a 500 whose message names the request id only.
 *
 * @example
 * const e = toApiError(new MaskError('MASK_NO_ALPHA', '…', '…')); // 400 invalid_mask_image_format
 */
export function toApiError(e: unknown, params: ParamNames = MULTIPART_PARAMS, requestId?: string): ApiError {
  if (e instanceof ApiError) return e;
  if (isMaskeditError(e)) return mapCoded(e.code, e.message, e.fix, params, e);
  const fe = e as Partial<FastifyError> | undefined;
  if (fe && typeof fe === 'object' && (typeof fe.code === 'string' || typeof fe.statusCode === 'number')) {
    const mapped = mapFastify(fe as FastifyError);
    if (mapped) return mapped;
  }
  // Busboy reports a truncated or malformed body as a plain Error.
  if (e instanceof Error && /Unexpected end of (form|multipart data)|Malformed part header|Multipart: Boundary not found/i.test(e.message)) {
    return new ApiError({ status: 400, apiCode: 'invalid_multipart', message: `The multipart body is malformed: ${e.message}`, code: 'INVALID_MULTIPART', cause: e });
  }
  return new ApiError({
    status: 500, apiCode: null, code: 'INTERNAL', cause: e,
    message: `The server had an error while processing your request${requestId ? ` (request id ${requestId})` : ''}. The details are in the server log.`,
  });
}

/** Sends an {@link ApiError} (headers included) unless the client is gone. */
export function sendApiError(reply: FastifyReply, err: ApiError): FastifyReply | undefined {
  if (reply.sent || reply.raw.destroyed) return undefined;
  for (const [k, v] of Object.entries(err.headers)) void reply.header(k, v);
  return reply.code(err.status >= 400 && err.status < 600 ? err.status : 400).send(err.toJSON());
}

/** Whether `error` only says the client went away (Node's "aborted", a reset, a premature close). */
function clientGone(request: FastifyRequest, error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | undefined;
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = typeof e?.message === 'string' ? e.message : '';
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ERR_STREAM_PREMATURE_CLOSE' || /^(aborted|Premature close|Request aborted)$/i.test(message)) return true;
  return request.raw.aborted === true || (request.raw.destroyed && !request.raw.complete);
}

/**
 * Installs the error and not-found handlers on `app` (the root, so routes added by plugins inherit them).
 * 404 uses OpenAI's wording: `Invalid URL (POST /v1/foo)`.
 */
export function installErrorBoundary(app: FastifyInstance): void {
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const params = (request as FastifyRequest & { maskeditParams?: ParamNames }).maskeditParams ?? MULTIPART_PARAMS;
    const err = toApiError(error, params, request.id);
    if (clientGone(request, error)) {
      // Not a server failure: the request-abort hook logs the 499 line; no stack, no error level.
      request.log.info({ code: 'CLIENT_DISCONNECTED' }, 'request ended: the client closed the connection');
      return sendApiError(reply, err);
    }
    if (err.status >= 500) request.log.error({ err: error instanceof Error ? { message: error.message, stack: error.stack } : String(error) }, 'request failed');
    else request.log.info({ code: err.code, apiCode: err.apiCode, status: err.status }, err.message.slice(0, 300));
    return sendApiError(reply, err);
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? request.url;
    return sendApiError(reply, new ApiError({ status: 404, apiCode: null, code: 'NOT_FOUND', message: `Invalid URL (${request.method} ${path})` }));
  });
}

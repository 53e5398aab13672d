/**
 * The server's one error boundary. Every failure — a thrown {@link ApiError}, a maskedit error from the mask
 * doctor, the engines or a provider, a fastify or multipart error, or a plain bug — leaves the server as OpenAI's
 * error body `{ error: { message, type, param, code } }` (spec: `ErrorResponse`) with the status OpenAI would
 * use, so an OpenAI SDK raises the same `APIError` subclass it would against api.openai.com. Stack traces are
 * logged, never sent.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { MaskeditError, isMaskeditError } from '../core/errors.js';
import { OPENAI_FAMILY, codeInfo, isTableCode, type Code, type CodeInfo, type CodeParam, type TableCode } from '../core/codes.js';
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
  /** Defaults to the code table's status for `code`. */
  status?: number;
  message: string;
  /** OpenAI's `error.code` (snake case), or null where OpenAI sends none; defaults to the code table's. */
  apiCode?: string | null;
  param?: string | null;
  /** OpenAI's `error.type`; `invalid_request_error` for 4xx, `server_error` for 5xx unless given. */
  type?: string;
  /** maskedit's own stable UPPER_SNAKE code (for logs and `MaskeditError.code`). */
  code?: Code;
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
    const row = init.code === undefined ? undefined : codeInfo(init.code);
    const status = init.status ?? row?.status ?? 400;
    const apiCode = init.apiCode !== undefined ? init.apiCode : row ? row.apiCode : null;
    super(init.code ?? ((apiCode ? apiCode.toUpperCase() : `HTTP_${status}`) as Code), init.message, init.fix, { cause: init.cause });
    this.name = 'ApiError';
    this.status = status;
    this.type = init.type ?? (status >= 500 ? 'server_error' : 'invalid_request_error');
    this.param = init.param ?? null;
    this.apiCode = apiCode;
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

/** OpenAI's observed wording for the codes that have one (docs/server.md, "Errors"); other codes send maskedit's message and fix. */
const WORDING: Partial<Record<TableCode, (detail: string, p: ParamNames) => string>> = {
  MASK_SIZE_MISMATCH: () => 'Invalid mask image format - mask size does not match image size',
  MASK_NO_ALPHA: () => 'Invalid mask image format - mask image missing alpha channel',
  MASK_NOT_PNG: (d, p) => `Invalid file '${p.mask}': unsupported mimetype (${d}). ${SUPPORTED_MIMES}`,
  IMAGE_FORMAT_UNSUPPORTED: (d, p) => `Invalid file '${p.image}': unsupported mimetype (${d}). ${SUPPORTED_MIMES}`,
  IMAGE_UNREADABLE: (d, p) => `Invalid image file or mode for '${p.image}', please check your image file (${d}).`,
  MASK_UNREADABLE: (d, p) => `Invalid image file or mode for '${p.mask}', please check your image file (${d}).`,
};

/** A code outside the table (a passed-through OpenAI code, or one a newer layer forgot to add): 400, lower-cased. */
function unlisted(code: string): CodeInfo {
  if (code.startsWith('OPENAI_')) return { ...OPENAI_FAMILY, apiCode: code.toLowerCase() };
  const param = code.startsWith('MASK_') ? 'mask' : code.startsWith('IMAGE_') ? 'image' : code.startsWith('PROMPT_') ? 'prompt' : code.startsWith('MODEL_') ? 'model' : null;
  return { severity: 'error', status: 400, apiCode: code.toLowerCase(), param, repairable: false, docs: '' };
}

/** The table's `param` in this request's names (`image` → `images[0]` on the JSON surface). */
export function resolveParam(param: CodeParam, params: ParamNames): string | null {
  return param === 'image' ? params.image : param === 'mask' ? params.mask : param;
}

/**
 * What the server answers for a maskedit code: the row of the code table (src/core/codes.ts), or for a code
 * outside it, 400 with the code lower-cased.
 */
export function serverAnswer(code: string): CodeInfo {
  return codeInfo(code) ?? unlisted(code);
}

function withFix(message: string, fix: string | undefined): string {
  return fix ? `${message.replace(/[.\s]+$/, '')}. Fix: ${fix}` : message;
}

function mapCoded(code: string, message: string, fix: string | undefined, params: ParamNames, cause?: unknown): ApiError {
  const row = serverAnswer(code);
  const wording = isTableCode(code) ? WORDING[code] : undefined;
  return new ApiError({
    status: row.status,
    apiCode: row.apiCode,
    param: resolveParam(row.param, params),
    message: wording ? wording(message, params) : withFix(message, fix),
    // A Problem's code is a plain string (core/problems); the code-table test keeps every raised one in the table.
    code: code as Code, fix, cause,
  });
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

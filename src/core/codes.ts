/**
 * Every error and warning code maskedit raises, in one table: its severity, what `maskedit serve` answers for
 * it (HTTP status, OpenAI's `error.code` and `param`), whether `--fix` can repair it, and the docs section that
 * explains it. The server's error mapping (`src/server/errors.ts`) and the pipeline's repairable set
 * (`src/pipeline/edit.ts`) are derived from it; `test/core/codes.test.ts` checks every row and fails when a
 * code string in src/ is missing here (docs/architecture.md, "Codes"). docs/codes.md lists the table.
 *
 * Adding a code: add its row here (keep the groups), then raise it as an `UPPER_SNAKE` string as before.
 */
import type { Severity } from './problems.js';

/**
 * Where `param` points. `image` and `mask` are placeholders the server fills with the request's own names
 * (`image`, `image[1]`, `images[0]`, `mask`); any other string is sent as is; null sends `param: null`.
 */
export type CodeParam = string | null;

export interface CodeInfo {
  /** `both`: the same code is an error past one limit and a warning past a softer one (MASK_TOO_LARGE). */
  readonly severity: Severity | 'both';
  /** The HTTP status `maskedit serve` answers with (499: the client went away). */
  readonly status: number;
  /** OpenAI's `error.code` the server sends (OpenAI's own where OpenAI has one), or null where OpenAI sends none. */
  readonly apiCode: string | null;
  readonly param: CodeParam;
  /** `maskedit edit --fix` (and the studio's repair) can repair the mask this code is about. */
  readonly repairable: boolean;
  /** The docs section that explains the code: `docs/<page>.md#<heading anchor>`. */
  readonly docs: string;
}

const DOCTOR = 'docs/mask-doctor.md#problem-codes';
const LINT = 'docs/prompt.md#lint-rules-lintprompt';
const FIDELITY = 'docs/prompt.md#input_fidelity-advice-advisefidelity';
const COST = 'docs/prompt.md#cost-estimate-estimatecost---max-cost';
const SERVER = 'docs/server.md#errors';
const SERVER_LIMITS = 'docs/server.md#limits-and-resources';
const SERVER_AUTH = 'docs/server.md#auth-and-logs';
const FILES = 'docs/server.md#file-store';
const BATCHES = 'docs/batch.md#openais-batch-api';
const RESPONSES = 'docs/responses.md#server-post-v1responses-in-maskedit-serve';
const PROVIDERS = 'docs/providers.md#retries-and-errors';
const ENGINES = 'docs/engines.md#api';
const SESSIONS = 'docs/sessions.md#layout';
const TRIAGE = 'docs/triage.md#output';
const STUDIO = 'docs/studio.md#http-api-srcserverstudiots';
const CLI = 'docs/codes.md#command-line-and-outputs';
const SERVE = 'docs/codes.md#starting-the-server';
const LIFECYCLE = 'docs/models.md#lifecycle-on-a-date';
const PARAMS = 'docs/models.md#parameters-through-the-registry';
const REFRESH = 'docs/models.md#--refresh-and-the-cache';
const SELECT = 'docs/mask-doctor.md#smart-selection-maskedit-mask-image---select-';
const SEC_FILES = 'docs/security.md#files-you-name-cli';
const SEC_SESSIONS = 'docs/security.md#session-folders';
const SEC_STORE = 'docs/security.md#the-file-store-server-and-studio';
const SEC_WEB = 'docs/security.md#web-pages-and-dns-rebinding';
const SEC_BODIES = 'docs/security.md#request-bodies';
const SEC_KEY = 'docs/security.md#the-servers-api-key';
const SEC_URLS = 'docs/security.md#fetching-image-urls';
const SEC_ENGINE = 'docs/security.md#engine-memory';
const SEC_STALLED = 'docs/security.md#stalled-and-trickling-uploads';
const STUDIO_APP = 'docs/studio.md#the-app';
const BATCH_JOBS = 'docs/batch.md#job-files';
const BATCH_JOURNAL = 'docs/batch.md#the-journal-resuming-without-paying-twice';
const BATCH_LIMITS = 'docs/batch.md#limits';
const BATCH_OUTPUT = 'docs/batch.md#output';
const BATCH_QUEUE = 'docs/batch.md#scale-out-on-bullmq-redis';

/** An error row; `warn` a warning row. Positional to keep one code per line. */
const err = (status: number, apiCode: string | null, param: CodeParam, docs: string, repairable = false): CodeInfo =>
  ({ severity: 'error', status, apiCode, param, repairable, docs });
const warn = (status: number, apiCode: string | null, param: CodeParam, docs: string): CodeInfo =>
  ({ severity: 'warning', status, apiCode, param, repairable: false, docs });

export const CODES = {
  // Input images (io/image, the doctor).
  IMAGE_NOT_FOUND: err(400, 'image_not_found', 'image', DOCTOR),
  IMAGE_UNREADABLE: err(400, 'invalid_image_file', 'image', DOCTOR),
  IMAGE_FORMAT_UNSUPPORTED: err(400, 'unsupported_file_mimetype', 'image', DOCTOR),
  IMAGE_TOO_MANY_PIXELS: err(400, 'image_too_large', 'image', DOCTOR),
  IMAGE_TOO_LARGE: err(413, 'image_too_large', 'image', DOCTOR),
  IMAGE_NOT_RGBA: err(400, 'image_not_rgba', 'image', ENGINES),
  IMAGE_REQUIRED: err(400, 'missing_required_parameter', 'image', SERVER),
  IMAGE_NOT_A_FILE: err(400, 'image_not_a_file', 'image', SEC_FILES),

  // Masks (io/mask, the doctor, mask building).
  MASK_NOT_FOUND: err(400, 'mask_not_found', 'mask', DOCTOR),
  MASK_UNREADABLE: err(400, 'invalid_image_file', 'mask', DOCTOR),
  MASK_NOT_PNG: err(400, 'unsupported_file_mimetype', 'mask', DOCTOR, true),
  MASK_TOO_MANY_PIXELS: err(400, 'image_too_large', 'mask', DOCTOR),
  MASK_TOO_LARGE: { ...err(413, 'image_too_large', 'mask', DOCTOR), severity: 'both' },
  MASK_SIZE_MISMATCH: err(400, 'invalid_mask_image_format', 'mask', DOCTOR, true),
  MASK_ORIENTATION_MISMATCH: err(400, 'mask_orientation_mismatch', 'mask', DOCTOR, true),
  MASK_NO_ALPHA: err(400, 'invalid_mask_image_format', 'mask', DOCTOR, true),
  MASK_NOTHING_EDITABLE: err(400, 'mask_nothing_editable', 'mask', DOCTOR, true),
  MASK_ALL_EDITABLE: warn(400, 'mask_all_editable', 'mask', DOCTOR),
  MASK_LIKELY_INVERTED: warn(400, 'mask_likely_inverted', 'mask', DOCTOR),
  MASK_PARTIAL_ALPHA: warn(400, 'mask_partial_alpha', 'mask', DOCTOR),
  MASK_FORMAT_DIFFERS: warn(400, 'mask_format_differs', 'mask', DOCTOR),
  IMAGE_ANIMATED: warn(400, 'image_animated', 'image', DOCTOR),
  MASK_ANIMATED: warn(400, 'mask_animated', 'mask', DOCTOR),
  MASK_EMPTY: err(400, 'mask_empty', 'mask', 'docs/mask-doctor.md#maskedit-mask-input--o-out-options'),
  MASK_NOT_SINGLE_CHANNEL: err(400, 'mask_not_single_channel', 'mask', 'docs/mask-doctor.md#maskedit-mask-input--o-out-options'),
  MASK_EXPAND_LARGE: warn(400, 'mask_expand_large', 'mask', 'docs/locality.md#maskedit-edit---expand-n-expand-the-region-that-is-replaced'),
  EXPAND_INVALID: err(400, 'invalid_value', 'expand', 'docs/locality.md#maskedit-edit---expand-n-expand-the-region-that-is-replaced'),
  MASK_RECT_INVALID: err(400, 'mask_rect_invalid', 'mask', 'docs/mask-doctor.md#maskedit-mask-input--o-out-options'),
  MASK_RECT_OUTSIDE: err(400, 'mask_rect_outside', 'mask', 'docs/mask-doctor.md#maskedit-mask-input--o-out-options'),
  MASK_REQUIRED: err(400, 'missing_required_parameter', 'mask', SERVER),
  MASK_REPEATED: err(400, 'invalid_value', 'mask', SERVER),
  MASK_NOT_A_FILE: err(400, 'mask_not_a_file', 'mask', SEC_FILES),

  // Smart selection (core/select, `maskedit mask --select`, the studio's select).
  // The studio answers OpenAI's invalid_value on 'select' for an empty or over-long list at its call site.
  SELECT_INVALID: err(400, 'select_invalid', null, SELECT),
  SELECT_OUTSIDE: err(400, 'select_outside', null, SELECT),
  SELECT_EMPTY: err(400, 'select_empty', null, SELECT),

  // Prompts (the linter).
  // The studio answers prompt_empty; the OpenAI edit route names OpenAI's own `empty_string` at its call site.
  PROMPT_EMPTY: err(400, 'prompt_empty', 'prompt', LINT),
  PROMPT_TOO_LONG: err(400, 'string_above_max_length', 'prompt', LINT),
  PROMPT_HOLE_ONLY: warn(400, 'prompt_hole_only', 'prompt', LINT),
  PROMPT_NO_PRESERVE: warn(400, 'prompt_no_preserve', 'prompt', LINT),
  PROMPT_MULTIPLE_CHANGES: warn(400, 'prompt_multiple_changes', 'prompt', LINT),
  PROMPT_CLOSING_DROPPED: warn(400, 'prompt_closing_dropped', 'prompt', LINT),

  // Markup overlays (core/markup, the 2.6 models' `markup`).
  // An overlay that cannot be decoded (pipeline/check renames decodeImage's IMAGE_ codes).
  MARKUP_UNREADABLE: err(400, 'markup_unreadable', null, PARAMS),
  MARKUP_FORMAT_UNSUPPORTED: err(400, 'markup_format_unsupported', null, PARAMS),
  MARKUP_TOO_MANY_PIXELS: err(400, 'markup_too_many_pixels', null, PARAMS),
  MARKUP_NOT_PNG: err(400, 'markup_not_png', null, PARAMS),
  MARKUP_SIZE_MISMATCH: err(400, 'markup_size_mismatch', null, PARAMS),
  MARKUP_NO_ALPHA: err(400, 'markup_no_alpha', null, PARAMS),
  MARKUP_OPAQUE: err(400, 'markup_opaque', null, PARAMS),
  MARKUP_EMPTY: warn(400, 'markup_empty', null, PARAMS),
  MARKUP_COVERS_IMAGE: warn(400, 'markup_covers_image', null, PARAMS),
  MARKUP_AWAY_FROM_MASK: warn(400, 'markup_away_from_mask', null, PARAMS),

  // Models (the registry's rules).
  MODEL_UNKNOWN: warn(400, 'model_unknown', 'model', DOCTOR),
  MODEL_NOT_FOUND: err(404, 'model_not_found', 'model', SERVER),
  MODEL_DALLE2_NOT_SQUARE: err(400, 'model_dalle2_not_square', 'model', DOCTOR),
  MODEL_DALLE2_TOO_LARGE: err(400, 'model_dalle2_too_large', 'model', DOCTOR),
  MODEL_SIZE_UNSUPPORTED: err(400, 'model_size_unsupported', 'model', SERVER),
  MODEL_N_UNSUPPORTED: err(400, 'model_n_unsupported', 'model', SERVER),
  MODEL_TOO_MANY_IMAGES: err(400, 'model_too_many_images', 'model', SERVER),
  MODEL_NO_INPUT_FIDELITY: warn(400, 'invalid_input_fidelity_model', 'input_fidelity', FIDELITY),
  MODEL_FIDELITY_IMAGES: warn(400, 'model_fidelity_images', 'model', FIDELITY),
  // A shut-down model is OpenAI's 404 model_not_found (the edit and models routes build it).
  MODEL_SHUT_DOWN: err(404, 'model_not_found', 'model', LIFECYCLE),
  MODEL_DEPRECATED: warn(400, 'model_deprecated', 'model', LIFECYCLE),
  // OpenAI's invalid_value; the route names the param (complexity, markup).
  MODEL_PARAM_UNSUPPORTED: err(400, 'invalid_value', null, PARAMS),
  MODEL_PARAM_DROPPED: warn(400, 'model_param_dropped', 'model', PARAMS),
  TODAY_INVALID: err(400, 'today_invalid', null, LIFECYCLE),

  // Request fields (the server; OpenAI's parameter errors — the route names the param).
  MISSING_PARAMETER: err(400, 'missing_required_parameter', null, SERVER),
  UNKNOWN_PARAMETER: err(400, 'unknown_parameter', null, SERVER),
  INVALID_VALUE: err(400, 'invalid_value', null, SERVER),
  INVALID_TYPE: err(400, 'invalid_type', null, SERVER),
  INTEGER_ABOVE_MAX: err(400, 'integer_above_max_value', null, SERVER),
  INTEGER_BELOW_MIN: err(400, 'integer_below_min_value', null, SERVER),
  STRING_TOO_LONG: err(400, 'string_above_max_length', null, SERVER),
  EMPTY_ARRAY: err(400, 'empty_array', 'images', SERVER),
  TOO_MANY_IMAGES: err(400, 'array_above_max_length', null, SERVER),
  TOO_MANY_FILES: err(400, 'array_above_max_length', null, SERVER),
  INVALID_IMAGE_REF: err(400, 'invalid_value', null, SERVER),
  INVALID_IMAGE_URL: err(400, 'invalid_value', null, SERVER),
  INVALID_DATA_URL: err(400, 'invalid_image_url', null, SERVER),
  URL_FETCH_DISABLED: err(400, 'image_url_fetch_disabled', null, SERVER_LIMITS),
  URL_FETCH_FAILED: err(400, 'image_url_fetch_failed', null, SERVER_LIMITS),
  URL_FETCH_BLOCKED: err(400, 'image_url_blocked', null, SEC_URLS),
  INVALID_JSON: err(400, 'invalid_json', null, SERVER),
  INVALID_MULTIPART: err(400, 'invalid_multipart', null, SERVER),
  MULTIPART_PART_WITHOUT_NAME: err(400, 'invalid_multipart', null, SEC_BODIES),
  DUPLICATE_PARAMETER: err(400, 'duplicate_parameter', null, SEC_BODIES),
  FIELD_TOO_LONG: err(400, 'string_above_max_length', null, SEC_BODIES),
  UNSUPPORTED_CONTENT_TYPE: err(400, 'unsupported_content_type', null, SERVER),
  BAD_REQUEST: err(400, 'invalid_request', null, SERVER),
  REQUEST_TOO_LARGE: err(413, 'request_too_large', null, SERVER_LIMITS),
  REQUEST_TIMEOUT: err(504, 'timeout', null, SERVER_LIMITS),
  // Logged when a stalled upload is cut off; the client gets Node's 408 answer in OpenAI's shape (server/client-errors).
  UPLOAD_STALLED: err(408, 'request_timeout', null, SEC_STALLED),
  UPLOAD_TOO_SLOW: err(408, 'request_timeout', null, SEC_STALLED),
  UPLOADS_FULL: err(429, 'rate_limit_exceeded', null, SEC_STALLED),
  PIXEL_BUDGET_EXCEEDED: err(413, 'pixel_budget_exceeded', null, SERVER_LIMITS),
  QUEUE_FULL: err(429, 'rate_limit_exceeded', null, SERVER_LIMITS),
  SERVER_SHUTTING_DOWN: err(503, 'server_shutting_down', null, SERVER_LIMITS),
  CLIENT_DISCONNECTED: err(400, 'client_disconnected', null, SERVER_LIMITS),
  AUTH_MISSING: err(401, null, null, SERVER_AUTH),
  AUTH_INVALID: err(401, 'invalid_api_key', null, SERVER_AUTH),
  HOST_NOT_ALLOWED: err(403, 'host_not_allowed', null, SEC_WEB),
  CROSS_ORIGIN_REFUSED: err(403, 'cross_origin_refused', null, SEC_WEB),
  NOT_FOUND: err(404, null, null, SERVER),
  INTERNAL: err(500, null, null, SERVER),

  // The file store and the Responses surface of the server.
  FILE_NOT_FOUND: err(404, null, null, FILES),
  FILE_TOO_LARGE: err(413, 'file_too_large', 'file', FILES),
  FILES_QUOTA_EXCEEDED: err(400, 'files_quota_exceeded', 'file', FILES),
  STORE_UNSAFE: err(400, 'store_unsafe', null, SEC_STORE),
  STORE_UNAVAILABLE: err(400, 'store_unavailable', null, SEC_STORE),
  BATCH_NOT_FOUND: err(404, null, null, BATCHES),
  BATCH_INVALID: err(400, 'invalid_value', null, BATCHES),
  BATCH_NOT_CANCELLABLE: err(409, null, null, BATCHES),
  BATCH_OPENAI_EXPIRED: err(400, 'batch_openai_expired', null, BATCHES),
  BATCH_OPENAI_CANCELLED: err(400, 'batch_openai_cancelled', null, BATCHES),
  BATCH_OPENAI_FAILED: err(400, 'batch_openai_failed', null, BATCHES),
  BATCH_OPENAI_NO_RESULT: err(400, 'batch_openai_no_result', null, BATCHES),
  RESPONSES_INVALID: err(400, 'invalid_value', null, RESPONSES),
  RESPONSES_UNSUPPORTED: err(400, 'unsupported_parameter', null, RESPONSES),
  RESPONSE_NOT_FOUND: err(404, 'not_found', null, RESPONSES),
  PREVIOUS_RESPONSE_NOT_FOUND: err(404, 'previous_response_not_found', 'previous_response_id', RESPONSES),

  // The studio.
  STUDIO_NOT_BUILT: err(503, 'studio_not_built', null, STUDIO),
  CHECK_FAILED: err(400, 'check_failed', null, STUDIO),
  STUDIO_BUILD_FAILED: err(400, 'studio_build_failed', null, 'docs/studio.md#studio'),
  // Raised in the browser only (web/src): a selection answer of the wrong size, a failed select request.
  SELECT_SIZE: err(400, 'select_size', null, STUDIO_APP),
  SELECT_FAILED: err(400, 'select_failed', null, STUDIO_APP),

  // Engines and providers.
  ENGINE_UNKNOWN: err(500, 'engine_unknown', null, ENGINES),
  ENGINE_UNAVAILABLE: err(400, 'engine_unavailable', null, ENGINES),
  ENGINE_FAILED: err(500, 'engine_failed', null, ENGINES),
  ENGINE_MEMORY_BUDGET: err(400, 'engine_memory_budget', null, SEC_ENGINE),
  PROVIDER_UNKNOWN: err(400, 'provider_unknown', null, PROVIDERS),
  PROVIDER_UNAVAILABLE: err(400, 'provider_unavailable', 'provider', PROVIDERS),
  PROVIDER_NO_IMAGE: err(400, 'provider_no_image', null, PROVIDERS),
  SURFACE_UNAVAILABLE: err(400, 'surface_unavailable', null, PROVIDERS),
  OPENAI_API_KEY_MISSING: err(400, 'openai_api_key_missing', null, PROVIDERS),
  // `maskedit models --refresh` without OPENAI_API_KEY.
  OPENAI_NO_KEY: err(400, 'openai_no_key', null, REFRESH),
  OPENAI_CONNECTION: err(400, 'openai_connection', null, PROVIDERS),
  OPENAI_TIMEOUT: err(400, 'openai_timeout', null, PROVIDERS),
  OPENAI_ERROR: err(400, 'openai_error', null, PROVIDERS),
  OPENAI_NO_IMAGE: err(400, 'openai_no_image', null, PROVIDERS),
  OPENAI_NO_IMAGE_CALL: err(400, 'openai_no_image_call', null, PROVIDERS),
  OPENAI_RESPONSE_FAILED: err(400, 'openai_response_failed', null, PROVIDERS),
  OPENAI_STREAM_INCOMPLETE: err(400, 'openai_stream_incomplete', null, PROVIDERS),

  // The command line, outputs, sessions, cost.
  USAGE: err(400, 'usage', null, CLI),
  ABORTED: err(499, 'aborted', null, CLI),
  OUTPUT_FORMAT_UNSUPPORTED: err(400, 'output_format_unsupported', null, CLI),
  OUTPUT_IS_INPUT: err(400, 'output_is_input', null, CLI),
  OUTPUT_PATHS_CLASH: err(400, 'output_paths_clash', null, CLI),
  OUTPUT_WRITE_FAILED: err(500, 'output_write_failed', null, CLI),
  STITCH_SIZE_MISMATCH: err(400, 'stitch_size_mismatch', null, CLI),
  STITCH_ASPECT_MISMATCH: err(400, 'stitch_aspect_mismatch', null, CLI),
  COST_ABOVE_LIMIT: err(400, 'cost_above_limit', null, COST),
  SESSION_UNREADABLE: err(400, 'session_unreadable', null, SESSIONS),
  SESSION_CORRUPT: err(400, 'session_corrupt', null, SESSIONS),
  SESSION_EMPTY: err(400, 'session_empty', null, SESSIONS),
  SESSION_NOT_FOUND: err(400, 'session_not_found', null, SESSIONS),
  SESSION_MANIFEST_NOT_FOUND: err(400, 'session_manifest_not_found', null, SEC_SESSIONS),
  SESSION_MANIFEST_NOT_A_FILE: err(400, 'session_manifest_not_a_file', null, SEC_SESSIONS),
  SESSION_MANIFEST_UNREADABLE: err(400, 'session_manifest_unreadable', null, SEC_SESSIONS),
  SESSION_MANIFEST_TOO_LARGE: err(400, 'session_manifest_too_large', null, SEC_SESSIONS),
  SERVER_HOST_NEEDS_KEY: err(400, 'server_host_needs_key', null, SERVE),
  SERVER_HOST_UNAVAILABLE: err(400, 'server_host_unavailable', null, SERVE),
  SERVER_PORT_DENIED: err(400, 'server_port_denied', null, SERVE),
  SERVER_PORT_IN_USE: err(400, 'server_port_in_use', null, SERVE),
  API_KEY_FILE_NOT_FOUND: err(400, 'api_key_file_not_found', null, SEC_KEY),
  API_KEY_FILE_NOT_A_FILE: err(400, 'api_key_file_not_a_file', null, SEC_KEY),
  API_KEY_FILE_UNREADABLE: err(400, 'api_key_file_unreadable', null, SEC_KEY),
  API_KEY_FILE_TOO_LARGE: err(400, 'api_key_file_too_large', null, SEC_KEY),
  API_KEY_FILE_UNSAFE: err(400, 'api_key_file_unsafe', null, SEC_KEY),
  API_KEY_FILE_INVALID: err(400, 'api_key_file_invalid', null, SEC_KEY),

  // Triage findings (`maskedit triage`).
  TRIAGE_REWRITTEN: err(400, 'triage_rewritten', null, TRIAGE),
  TRIAGE_SPILLED: warn(400, 'triage_spilled', null, TRIAGE),
  TRIAGE_MASK_IGNORED: warn(400, 'triage_mask_ignored', null, TRIAGE),
  TRIAGE_FIDELITY_UNAVAILABLE: warn(400, 'triage_fidelity_unavailable', null, TRIAGE),
  TRIAGE_FIDELITY_LOW: warn(400, 'triage_fidelity_low', null, TRIAGE),
  TRIAGE_FILE_IDS: warn(400, 'triage_file_ids', null, TRIAGE),
  TRIAGE_ITERATIVE: warn(400, 'triage_iterative', null, TRIAGE),

  // Batches (`maskedit batch`): job files, the journal, limits, the BullMQ queue. Outcomes of one job are
  // recorded in the journal and the report; none reaches the server.
  BATCH_JOBS_NOT_FOUND: err(400, 'batch_jobs_not_found', null, BATCH_JOBS),
  BATCH_JOBS_FORMAT: err(400, 'batch_jobs_format', null, BATCH_JOBS),
  BATCH_JOBS_EMPTY: err(400, 'batch_jobs_empty', null, BATCH_JOBS),
  BATCH_JOB_INVALID: err(400, 'batch_job_invalid', null, BATCH_JOBS),
  BATCH_ID_INVALID: err(400, 'batch_id_invalid', null, BATCH_JOBS),
  BATCH_ID_DUPLICATE: err(400, 'batch_id_duplicate', null, BATCH_JOBS),
  BATCH_OPTION_UNKNOWN: err(400, 'batch_option_unknown', null, BATCH_JOBS),
  BATCH_MASK_MISSING: err(400, 'batch_mask_missing', null, BATCH_JOBS),
  BATCH_PROMPT_MISSING: err(400, 'batch_prompt_missing', null, BATCH_JOBS),
  BATCH_OPTION_INVALID: err(400, 'batch_option_invalid', null, BATCH_LIMITS),
  BATCH_BUDGET_REACHED: err(400, 'batch_budget_reached', null, BATCH_LIMITS),
  BATCH_JOURNAL_UNUSABLE: err(500, 'batch_journal_unusable', null, BATCH_JOURNAL),
  BATCH_INTERRUPTED: err(400, 'batch_interrupted', null, BATCH_JOURNAL),
  BATCH_OUTDIR_UNUSABLE: err(500, 'batch_outdir_unusable', null, BATCH_OUTPUT),
  BATCH_JOB_CRASHED: err(500, 'batch_job_crashed', null, BATCH_OUTPUT),
  BATCH_QUEUE_URL_INVALID: err(400, 'batch_queue_url_invalid', null, BATCH_QUEUE),
  BATCH_QUEUE_UNREACHABLE: err(500, 'batch_queue_unreachable', null, BATCH_QUEUE),
  BATCH_QUEUE_JOB_FAILED: err(500, 'batch_queue_job_failed', null, BATCH_QUEUE),
} as const satisfies Record<string, CodeInfo>;

/** A code in the table. */
export type TableCode = keyof typeof CODES;

/**
 * OpenAI's own error codes pass through a provider as `OPENAI_<UPPER(code)>` (`OPENAI_MODERATION_BLOCKED`) or
 * `OPENAI_HTTP_<status>`; they are a family, not rows. The server answers them like {@link OPENAI_FAMILY}.
 */
export type ProviderCode = `OPENAI_${string}`;

/** Every code maskedit raises. */
export type Code = TableCode | ProviderCode;

/** How the server answers a passed-through OpenAI code it has no row for: 400, the code lower-cased, no param. */
export const OPENAI_FAMILY: Omit<CodeInfo, 'apiCode'> = { severity: 'error', status: 400, param: null, repairable: false, docs: PROVIDERS };

export function isTableCode(code: string): code is TableCode {
  return Object.hasOwn(CODES, code);
}

/** The row of `code`, or undefined for a code outside the table (a provider pass-through, or a bug). */
export function codeInfo(code: string): CodeInfo | undefined {
  return isTableCode(code) ? CODES[code] : undefined;
}

/** Codes `--fix` repairs (derived from the table). */
export const REPAIRABLE_CODES: ReadonlySet<string> = new Set(Object.entries(CODES).filter(([, r]) => r.repairable).map(([c]) => c));

/**
 * The code table (src/core/codes.ts) row by row: what the server answers, whether --fix repairs it, and that
 * its docs section exists. Then a scan of src/ and web/src for code strings, so a code raised anywhere (also by
 * a branch merged later) without a row fails here.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CODES, OPENAI_FAMILY, REPAIRABLE_CODES, codeInfo, isTableCode, type TableCode } from '../../src/core/codes.js';
import { MaskeditError } from '../../src/core/errors.js';
import { modelCode } from '../../src/core/doctor.js';
import { MODELS } from '../../src/core/models.js';
import { ApiError, problemToApiError, serverAnswer, toApiError } from '../../src/server/errors.js';

const ROOT = join(import.meta.dirname, '../..');

/**
 * The expected answer for every code, written out (not derived): [code, severity, status, OpenAI code, param on a
 * multipart request, param on a JSON request, --fix repairs it].
 */
const EXPECTED: [TableCode, string, number, string | null, string | null, string | null, boolean][] = [
    ['IMAGE_NOT_FOUND', 'error', 400, 'image_not_found', 'image', 'images[0]', false],
    ['IMAGE_UNREADABLE', 'error', 400, 'invalid_image_file', 'image', 'images[0]', false],
    ['IMAGE_FORMAT_UNSUPPORTED', 'error', 400, 'unsupported_file_mimetype', 'image', 'images[0]', false],
    ['IMAGE_TOO_MANY_PIXELS', 'error', 400, 'image_too_large', 'image', 'images[0]', false],
    ['IMAGE_TOO_LARGE', 'error', 413, 'image_too_large', 'image', 'images[0]', false],
    ['IMAGE_NOT_RGBA', 'error', 400, 'image_not_rgba', 'image', 'images[0]', false],
    ['IMAGE_REQUIRED', 'error', 400, 'missing_required_parameter', 'image', 'images[0]', false],
    ['MASK_NOT_FOUND', 'error', 400, 'mask_not_found', 'mask', 'mask', false],
    ['MASK_UNREADABLE', 'error', 400, 'invalid_image_file', 'mask', 'mask', false],
    ['MASK_NOT_PNG', 'error', 400, 'unsupported_file_mimetype', 'mask', 'mask', true],
    ['MASK_TOO_MANY_PIXELS', 'error', 400, 'image_too_large', 'mask', 'mask', false],
    ['MASK_TOO_LARGE', 'both', 413, 'image_too_large', 'mask', 'mask', false],
    ['MASK_SIZE_MISMATCH', 'error', 400, 'invalid_mask_image_format', 'mask', 'mask', true],
    ['MASK_ORIENTATION_MISMATCH', 'error', 400, 'mask_orientation_mismatch', 'mask', 'mask', true],
    ['MASK_NO_ALPHA', 'error', 400, 'invalid_mask_image_format', 'mask', 'mask', true],
    ['MASK_NOTHING_EDITABLE', 'error', 400, 'mask_nothing_editable', 'mask', 'mask', true],
    ['MASK_ALL_EDITABLE', 'warning', 400, 'mask_all_editable', 'mask', 'mask', false],
    ['MASK_LIKELY_INVERTED', 'warning', 400, 'mask_likely_inverted', 'mask', 'mask', false],
    ['MASK_PARTIAL_ALPHA', 'warning', 400, 'mask_partial_alpha', 'mask', 'mask', false],
    ['MASK_FORMAT_DIFFERS', 'warning', 400, 'mask_format_differs', 'mask', 'mask', false],
    ['IMAGE_ANIMATED', 'warning', 400, 'image_animated', 'image', 'images[0]', false],
    ['MASK_ANIMATED', 'warning', 400, 'mask_animated', 'mask', 'mask', false],
    ['MASK_EMPTY', 'error', 400, 'mask_empty', 'mask', 'mask', false],
    ['MASK_NOT_SINGLE_CHANNEL', 'error', 400, 'mask_not_single_channel', 'mask', 'mask', false],
    ['MASK_EXPAND_LARGE', 'warning', 400, 'mask_expand_large', 'mask', 'mask', false],
    ['EXPAND_INVALID', 'error', 400, 'invalid_value', 'expand', 'expand', false],
    ['MASK_RECT_INVALID', 'error', 400, 'mask_rect_invalid', 'mask', 'mask', false],
    ['MASK_RECT_OUTSIDE', 'error', 400, 'mask_rect_outside', 'mask', 'mask', false],
    ['MASK_REQUIRED', 'error', 400, 'missing_required_parameter', 'mask', 'mask', false],
    ['MASK_REPEATED', 'error', 400, 'invalid_value', 'mask', 'mask', false],
    ['PROMPT_EMPTY', 'error', 400, 'prompt_empty', 'prompt', 'prompt', false],
    ['PROMPT_TOO_LONG', 'error', 400, 'string_above_max_length', 'prompt', 'prompt', false],
    ['PROMPT_HOLE_ONLY', 'warning', 400, 'prompt_hole_only', 'prompt', 'prompt', false],
    ['PROMPT_NO_PRESERVE', 'warning', 400, 'prompt_no_preserve', 'prompt', 'prompt', false],
    ['PROMPT_MULTIPLE_CHANGES', 'warning', 400, 'prompt_multiple_changes', 'prompt', 'prompt', false],
    ['PROMPT_CLOSING_DROPPED', 'warning', 400, 'prompt_closing_dropped', 'prompt', 'prompt', false],
    ['MODEL_UNKNOWN', 'warning', 400, 'model_unknown', 'model', 'model', false],
    ['MODEL_NOT_FOUND', 'error', 404, 'model_not_found', 'model', 'model', false],
    ['MODEL_DALLE2_NOT_SQUARE', 'error', 400, 'model_dalle2_not_square', 'model', 'model', false],
    ['MODEL_DALLE2_TOO_LARGE', 'error', 400, 'model_dalle2_too_large', 'model', 'model', false],
    ['MODEL_SIZE_UNSUPPORTED', 'error', 400, 'model_size_unsupported', 'model', 'model', false],
    ['MODEL_N_UNSUPPORTED', 'error', 400, 'model_n_unsupported', 'model', 'model', false],
    ['MODEL_TOO_MANY_IMAGES', 'error', 400, 'model_too_many_images', 'model', 'model', false],
    ['MODEL_NO_INPUT_FIDELITY', 'warning', 400, 'invalid_input_fidelity_model', 'input_fidelity', 'input_fidelity', false],
    ['MODEL_FIDELITY_IMAGES', 'warning', 400, 'model_fidelity_images', 'model', 'model', false],
    ['MISSING_PARAMETER', 'error', 400, 'missing_required_parameter', null, null, false],
    ['UNKNOWN_PARAMETER', 'error', 400, 'unknown_parameter', null, null, false],
    ['INVALID_VALUE', 'error', 400, 'invalid_value', null, null, false],
    ['INVALID_TYPE', 'error', 400, 'invalid_type', null, null, false],
    ['INTEGER_ABOVE_MAX', 'error', 400, 'integer_above_max_value', null, null, false],
    ['INTEGER_BELOW_MIN', 'error', 400, 'integer_below_min_value', null, null, false],
    ['STRING_TOO_LONG', 'error', 400, 'string_above_max_length', null, null, false],
    ['EMPTY_ARRAY', 'error', 400, 'empty_array', 'images', 'images', false],
    ['TOO_MANY_IMAGES', 'error', 400, 'array_above_max_length', null, null, false],
    ['TOO_MANY_FILES', 'error', 400, 'array_above_max_length', null, null, false],
    ['INVALID_IMAGE_REF', 'error', 400, 'invalid_value', null, null, false],
    ['INVALID_IMAGE_URL', 'error', 400, 'invalid_value', null, null, false],
    ['INVALID_DATA_URL', 'error', 400, 'invalid_image_url', null, null, false],
    ['URL_FETCH_DISABLED', 'error', 400, 'image_url_fetch_disabled', null, null, false],
    ['URL_FETCH_FAILED', 'error', 400, 'image_url_fetch_failed', null, null, false],
    ['INVALID_JSON', 'error', 400, 'invalid_json', null, null, false],
    ['INVALID_MULTIPART', 'error', 400, 'invalid_multipart', null, null, false],
    ['UNSUPPORTED_CONTENT_TYPE', 'error', 400, 'unsupported_content_type', null, null, false],
    ['BAD_REQUEST', 'error', 400, 'invalid_request', null, null, false],
    ['REQUEST_TOO_LARGE', 'error', 413, 'request_too_large', null, null, false],
    ['REQUEST_TIMEOUT', 'error', 504, 'timeout', null, null, false],
    ['QUEUE_FULL', 'error', 429, 'rate_limit_exceeded', null, null, false],
    ['SERVER_SHUTTING_DOWN', 'error', 503, 'server_shutting_down', null, null, false],
    ['CLIENT_DISCONNECTED', 'error', 400, 'client_disconnected', null, null, false],
    ['AUTH_MISSING', 'error', 401, null, null, null, false],
    ['AUTH_INVALID', 'error', 401, 'invalid_api_key', null, null, false],
    ['NOT_FOUND', 'error', 404, null, null, null, false],
    ['INTERNAL', 'error', 500, null, null, null, false],
    ['FILE_NOT_FOUND', 'error', 404, null, null, null, false],
    ['FILE_TOO_LARGE', 'error', 413, 'file_too_large', 'file', 'file', false],
    ['FILES_QUOTA_EXCEEDED', 'error', 400, 'files_quota_exceeded', 'file', 'file', false],
    ['BATCH_NOT_FOUND', 'error', 404, null, null, null, false],
    ['BATCH_INVALID', 'error', 400, 'invalid_value', null, null, false],
    ['BATCH_NOT_CANCELLABLE', 'error', 409, null, null, null, false],
    ['BATCH_OPENAI_EXPIRED', 'error', 400, 'batch_openai_expired', null, null, false],
    ['BATCH_OPENAI_CANCELLED', 'error', 400, 'batch_openai_cancelled', null, null, false],
    ['BATCH_OPENAI_FAILED', 'error', 400, 'batch_openai_failed', null, null, false],
    ['BATCH_OPENAI_NO_RESULT', 'error', 400, 'batch_openai_no_result', null, null, false],
    ['RESPONSES_INVALID', 'error', 400, 'invalid_value', null, null, false],
    ['RESPONSES_UNSUPPORTED', 'error', 400, 'unsupported_parameter', null, null, false],
    ['RESPONSE_NOT_FOUND', 'error', 404, 'not_found', null, null, false],
    ['PREVIOUS_RESPONSE_NOT_FOUND', 'error', 404, 'previous_response_not_found', 'previous_response_id', 'previous_response_id', false],
    ['STUDIO_NOT_BUILT', 'error', 503, 'studio_not_built', null, null, false],
    ['CHECK_FAILED', 'error', 400, 'check_failed', null, null, false],
    ['ENGINE_UNKNOWN', 'error', 500, 'engine_unknown', null, null, false],
    ['ENGINE_UNAVAILABLE', 'error', 400, 'engine_unavailable', null, null, false],
    ['ENGINE_FAILED', 'error', 500, 'engine_failed', null, null, false],
    ['PROVIDER_UNKNOWN', 'error', 400, 'provider_unknown', null, null, false],
    ['PROVIDER_UNAVAILABLE', 'error', 400, 'provider_unavailable', 'provider', 'provider', false],
    ['PROVIDER_NO_IMAGE', 'error', 400, 'provider_no_image', null, null, false],
    ['SURFACE_UNAVAILABLE', 'error', 400, 'surface_unavailable', null, null, false],
    ['OPENAI_API_KEY_MISSING', 'error', 400, 'openai_api_key_missing', null, null, false],
    ['OPENAI_CONNECTION', 'error', 400, 'openai_connection', null, null, false],
    ['OPENAI_TIMEOUT', 'error', 400, 'openai_timeout', null, null, false],
    ['OPENAI_ERROR', 'error', 400, 'openai_error', null, null, false],
    ['OPENAI_NO_IMAGE', 'error', 400, 'openai_no_image', null, null, false],
    ['OPENAI_NO_IMAGE_CALL', 'error', 400, 'openai_no_image_call', null, null, false],
    ['OPENAI_RESPONSE_FAILED', 'error', 400, 'openai_response_failed', null, null, false],
    ['OPENAI_STREAM_INCOMPLETE', 'error', 400, 'openai_stream_incomplete', null, null, false],
    ['USAGE', 'error', 400, 'usage', null, null, false],
    ['ABORTED', 'error', 499, 'aborted', null, null, false],
    ['OUTPUT_FORMAT_UNSUPPORTED', 'error', 400, 'output_format_unsupported', null, null, false],
    ['OUTPUT_IS_INPUT', 'error', 400, 'output_is_input', null, null, false],
    ['OUTPUT_PATHS_CLASH', 'error', 400, 'output_paths_clash', null, null, false],
    ['OUTPUT_WRITE_FAILED', 'error', 500, 'output_write_failed', null, null, false],
    ['STITCH_SIZE_MISMATCH', 'error', 400, 'stitch_size_mismatch', null, null, false],
    ['COST_ABOVE_LIMIT', 'error', 400, 'cost_above_limit', null, null, false],
    ['SESSION_UNREADABLE', 'error', 400, 'session_unreadable', null, null, false],
    ['SESSION_CORRUPT', 'error', 400, 'session_corrupt', null, null, false],
    ['SESSION_EMPTY', 'error', 400, 'session_empty', null, null, false],
    ['SERVER_HOST_NEEDS_KEY', 'error', 400, 'server_host_needs_key', null, null, false],
    ['SERVER_HOST_UNAVAILABLE', 'error', 400, 'server_host_unavailable', null, null, false],
    ['SERVER_PORT_DENIED', 'error', 400, 'server_port_denied', null, null, false],
    ['SERVER_PORT_IN_USE', 'error', 400, 'server_port_in_use', null, null, false],
    ['TRIAGE_REWRITTEN', 'error', 400, 'triage_rewritten', null, null, false],
    ['TRIAGE_SPILLED', 'warning', 400, 'triage_spilled', null, null, false],
    ['TRIAGE_MASK_IGNORED', 'warning', 400, 'triage_mask_ignored', null, null, false],
    ['TRIAGE_FIDELITY_UNAVAILABLE', 'warning', 400, 'triage_fidelity_unavailable', null, null, false],
    ['TRIAGE_FIDELITY_LOW', 'warning', 400, 'triage_fidelity_low', null, null, false],
    ['TRIAGE_FILE_IDS', 'warning', 400, 'triage_file_ids', null, null, false],
    ['TRIAGE_ITERATIVE', 'warning', 400, 'triage_iterative', null, null, false],
    ['IMAGE_NOT_A_FILE', 'error', 400, 'image_not_a_file', 'image', 'images[0]', false],
    ['MASK_NOT_A_FILE', 'error', 400, 'mask_not_a_file', 'mask', 'mask', false],
    ['SELECT_INVALID', 'error', 400, 'select_invalid', null, null, false],
    ['SELECT_OUTSIDE', 'error', 400, 'select_outside', null, null, false],
    ['SELECT_EMPTY', 'error', 400, 'select_empty', null, null, false],
    ['MARKUP_UNREADABLE', 'error', 400, 'markup_unreadable', null, null, false],
    ['MARKUP_FORMAT_UNSUPPORTED', 'error', 400, 'markup_format_unsupported', null, null, false],
    ['MARKUP_TOO_MANY_PIXELS', 'error', 400, 'markup_too_many_pixels', null, null, false],
    ['MARKUP_NOT_PNG', 'error', 400, 'markup_not_png', null, null, false],
    ['MARKUP_SIZE_MISMATCH', 'error', 400, 'markup_size_mismatch', null, null, false],
    ['MARKUP_NO_ALPHA', 'error', 400, 'markup_no_alpha', null, null, false],
    ['MARKUP_OPAQUE', 'error', 400, 'markup_opaque', null, null, false],
    ['MARKUP_EMPTY', 'warning', 400, 'markup_empty', null, null, false],
    ['MARKUP_COVERS_IMAGE', 'warning', 400, 'markup_covers_image', null, null, false],
    ['MARKUP_AWAY_FROM_MASK', 'warning', 400, 'markup_away_from_mask', null, null, false],
    ['MODEL_SHUT_DOWN', 'error', 404, 'model_not_found', 'model', 'model', false],
    ['MODEL_DEPRECATED', 'warning', 400, 'model_deprecated', 'model', 'model', false],
    ['MODEL_PARAM_UNSUPPORTED', 'error', 400, 'invalid_value', null, null, false],
    ['MODEL_PARAM_DROPPED', 'warning', 400, 'model_param_dropped', 'model', 'model', false],
    ['TODAY_INVALID', 'error', 400, 'today_invalid', null, null, false],
    ['URL_FETCH_BLOCKED', 'error', 400, 'image_url_blocked', null, null, false],
    ['MULTIPART_PART_WITHOUT_NAME', 'error', 400, 'invalid_multipart', null, null, false],
    ['DUPLICATE_PARAMETER', 'error', 400, 'duplicate_parameter', null, null, false],
    ['FIELD_TOO_LONG', 'error', 400, 'string_above_max_length', null, null, false],
    ['UPLOAD_STALLED', 'error', 408, 'request_timeout', null, null, false],
    ['UPLOAD_TOO_SLOW', 'error', 408, 'request_timeout', null, null, false],
    ['UPLOADS_FULL', 'error', 429, 'rate_limit_exceeded', null, null, false],
    ['PIXEL_BUDGET_EXCEEDED', 'error', 413, 'pixel_budget_exceeded', null, null, false],
    ['HOST_NOT_ALLOWED', 'error', 403, 'host_not_allowed', null, null, false],
    ['CROSS_ORIGIN_REFUSED', 'error', 403, 'cross_origin_refused', null, null, false],
    ['STORE_UNSAFE', 'error', 400, 'store_unsafe', null, null, false],
    ['STORE_UNAVAILABLE', 'error', 400, 'store_unavailable', null, null, false],
    ['STUDIO_BUILD_FAILED', 'error', 400, 'studio_build_failed', null, null, false],
    ['SELECT_SIZE', 'error', 400, 'select_size', null, null, false],
    ['SELECT_FAILED', 'error', 400, 'select_failed', null, null, false],
    ['ENGINE_MEMORY_BUDGET', 'error', 400, 'engine_memory_budget', null, null, false],
    ['OPENAI_NO_KEY', 'error', 400, 'openai_no_key', null, null, false],
    ['STITCH_ASPECT_MISMATCH', 'error', 400, 'stitch_aspect_mismatch', null, null, false],
    ['SESSION_NOT_FOUND', 'error', 400, 'session_not_found', null, null, false],
    ['SESSION_MANIFEST_NOT_FOUND', 'error', 400, 'session_manifest_not_found', null, null, false],
    ['SESSION_MANIFEST_NOT_A_FILE', 'error', 400, 'session_manifest_not_a_file', null, null, false],
    ['SESSION_MANIFEST_UNREADABLE', 'error', 400, 'session_manifest_unreadable', null, null, false],
    ['SESSION_MANIFEST_TOO_LARGE', 'error', 400, 'session_manifest_too_large', null, null, false],
    ['API_KEY_FILE_NOT_FOUND', 'error', 400, 'api_key_file_not_found', null, null, false],
    ['API_KEY_FILE_NOT_A_FILE', 'error', 400, 'api_key_file_not_a_file', null, null, false],
    ['API_KEY_FILE_UNREADABLE', 'error', 400, 'api_key_file_unreadable', null, null, false],
    ['API_KEY_FILE_TOO_LARGE', 'error', 400, 'api_key_file_too_large', null, null, false],
    ['API_KEY_FILE_UNSAFE', 'error', 400, 'api_key_file_unsafe', null, null, false],
    ['API_KEY_FILE_INVALID', 'error', 400, 'api_key_file_invalid', null, null, false],
    ['BATCH_JOBS_NOT_FOUND', 'error', 400, 'batch_jobs_not_found', null, null, false],
    ['BATCH_JOBS_FORMAT', 'error', 400, 'batch_jobs_format', null, null, false],
    ['BATCH_JOBS_EMPTY', 'error', 400, 'batch_jobs_empty', null, null, false],
    ['BATCH_JOB_INVALID', 'error', 400, 'batch_job_invalid', null, null, false],
    ['BATCH_ID_INVALID', 'error', 400, 'batch_id_invalid', null, null, false],
    ['BATCH_ID_DUPLICATE', 'error', 400, 'batch_id_duplicate', null, null, false],
    ['BATCH_OPTION_UNKNOWN', 'error', 400, 'batch_option_unknown', null, null, false],
    ['BATCH_MASK_MISSING', 'error', 400, 'batch_mask_missing', null, null, false],
    ['BATCH_PROMPT_MISSING', 'error', 400, 'batch_prompt_missing', null, null, false],
    ['BATCH_OPTION_INVALID', 'error', 400, 'batch_option_invalid', null, null, false],
    ['BATCH_BUDGET_REACHED', 'error', 400, 'batch_budget_reached', null, null, false],
    ['BATCH_JOURNAL_UNUSABLE', 'error', 500, 'batch_journal_unusable', null, null, false],
    ['BATCH_INTERRUPTED', 'error', 400, 'batch_interrupted', null, null, false],
    ['BATCH_OUTDIR_UNUSABLE', 'error', 500, 'batch_outdir_unusable', null, null, false],
    ['BATCH_JOB_CRASHED', 'error', 500, 'batch_job_crashed', null, null, false],
    ['BATCH_QUEUE_URL_INVALID', 'error', 400, 'batch_queue_url_invalid', null, null, false],
    ['BATCH_QUEUE_UNREACHABLE', 'error', 500, 'batch_queue_unreachable', null, null, false],
    ['BATCH_QUEUE_JOB_FAILED', 'error', 500, 'batch_queue_job_failed', null, null, false],
];

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function anchors(markdown: string): Set<string> {
  const out = new Set<string>();
  let inFence = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) inFence = !inFence;
    const m = !inFence && /^#{1,6}\s+(.*)$/.exec(line);
    if (m) out.add(m[1]!.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-'));
  }
  return out;
}

describe('the code table', () => {
  it('has exactly the expected rows', () => {
    expect(Object.keys(CODES).sort()).toEqual(EXPECTED.map((r) => r[0]).sort());
  });

  it.each(EXPECTED)('%s: %s, server answers %i %s (param %s / %s), repairable %s', (code, severity, status, apiCode, paramMultipart, paramJson, repairable) => {
    const row = CODES[code];
    expect([row.severity, row.status, row.apiCode, row.repairable]).toEqual([severity, status, apiCode, repairable]);
    // The server's mapping of a thrown maskedit error, on both surfaces.
    const multipart = toApiError(new MaskeditError(code, 'what went wrong', 'what to do'), { image: 'image', mask: 'mask' });
    expect([multipart.status, multipart.apiCode, multipart.param, multipart.code]).toEqual([status, apiCode, paramMultipart, code]);
    expect(multipart.type).toBe(status >= 500 ? 'server_error' : 'invalid_request_error');
    const json = problemToApiError({ code, severity: 'error', message: 'what went wrong', fix: 'what to do' }, { image: 'images[0]', mask: 'mask' });
    expect([json.status, json.apiCode, json.param]).toEqual([status, apiCode, paramJson]);
    // A route's ApiError naming only the code gets the same answer.
    const route = new ApiError({ code, message: 'm' });
    expect([route.status, route.apiCode]).toEqual([status, apiCode]);
    // The pipeline's --fix set.
    expect(REPAIRABLE_CODES.has(code)).toBe(repairable);
    // The docs section exists.
    const [page, anchor] = row.docs.split('#') as [string, string];
    expect(page).toMatch(/^docs\/[a-z-]+\.md$/);
    expect([...anchors(readFileSync(join(ROOT, page), 'utf8'))]).toContain(anchor);
    // docs/codes.md lists it with the same facts.
    expect(readFileSync(join(ROOT, 'docs/codes.md'), 'utf8')).toContain(`| \`${code}\` | ${severity} | ${status} | ${apiCode === null ? 'null' : `\`${apiCode}\``} |`);
  });

  it('sends maskedit\'s message and fix for codes without OpenAI wording, OpenAI\'s wording for the rest', () => {
    expect(toApiError(new MaskeditError('MASK_NOTHING_EDITABLE', 'no pixel has alpha 0.', 'paint the area')).message).toBe('no pixel has alpha 0. Fix: paint the area');
    expect(toApiError(new MaskeditError('MASK_NO_ALPHA', 'x', 'y')).message).toBe('Invalid mask image format - mask image missing alpha channel');
    expect(toApiError(new MaskeditError('MASK_SIZE_MISMATCH', 'x', 'y')).message).toBe('Invalid mask image format - mask size does not match image size');
    expect(toApiError(new MaskeditError('MASK_NOT_PNG', 'GIF', 'y'), { image: 'images[0]', mask: 'mask' }).message)
      .toBe("Invalid file 'mask': unsupported mimetype (GIF). Supported file formats are 'image/jpeg', 'image/png', and 'image/webp'.");
    expect(toApiError(new MaskeditError('IMAGE_FORMAT_UNSUPPORTED', 'GIF', 'y'), { image: 'images[0]', mask: 'mask' }).message)
      .toBe("Invalid file 'images[0]': unsupported mimetype (GIF). Supported file formats are 'image/jpeg', 'image/png', and 'image/webp'.");
    expect(toApiError(new MaskeditError('IMAGE_UNREADABLE', 'truncated', 'y'), { image: 'image[1]', mask: 'mask' }).message)
      .toBe("Invalid image file or mode for 'image[1]', please check your image file (truncated).");
    expect(toApiError(new MaskeditError('MASK_UNREADABLE', 'truncated', 'y')).message)
      .toBe("Invalid image file or mode for 'mask', please check your image file (truncated).");
    expect(toApiError(new MaskeditError('INTERNAL', 'no fix here')).message).toBe('no fix here');
  });

  it.each([
    ['OPENAI_MODERATION_BLOCKED', 400, 'openai_moderation_blocked', null],
    ['OPENAI_HTTP_502', 400, 'openai_http_502', null],
    // Codes outside the table keep the old answer: 400, lower-cased, param from the prefix.
    ['MASK_SOMETHING_NEW', 400, 'mask_something_new', 'mask'],
    ['IMAGE_SOMETHING_NEW', 400, 'image_something_new', 'images[0]'],
    ['PROMPT_SOMETHING_NEW', 400, 'prompt_something_new', 'prompt'],
    ['MODEL_SOMETHING_NEW', 400, 'model_something_new', 'model'],
    ['SOMETHING_NEW', 400, 'something_new', null],
  ] as const)('a code outside the table: %s → %i %s', (code, status, apiCode, param) => {
    expect(isTableCode(code)).toBe(false);
    expect(codeInfo(code)).toBeUndefined();
    const e = problemToApiError({ code, severity: 'error', message: 'm', fix: 'f' }, { image: 'images[0]', mask: 'mask' });
    expect([e.status, e.apiCode, e.param, e.message]).toEqual([status, apiCode, param, 'm. Fix: f']);
    expect(serverAnswer(code).repairable).toBe(false);
  });

  it('the OpenAI family answers 400 with no param and points at the providers page', () => {
    expect(OPENAI_FAMILY).toEqual({ severity: 'error', status: 400, param: null, repairable: false, docs: 'docs/providers.md#retries-and-errors' });
  });

  it('an ApiError without a code or status is a 400 named after its OpenAI code; explicit values win over the table', () => {
    expect(new ApiError({ apiCode: 'invalid_value', message: 'm' })).toMatchObject({ status: 400, code: 'INVALID_VALUE', apiCode: 'invalid_value' });
    expect(new ApiError({ status: 418, apiCode: null, message: 'm' })).toMatchObject({ status: 418, code: 'HTTP_418', apiCode: null, type: 'invalid_request_error' });
    expect(new ApiError({ status: 400, apiCode: 'invalid_value', code: 'TOO_MANY_FILES', message: 'm', param: 'file' })).toMatchObject({ status: 400, apiCode: 'invalid_value', param: 'file' });
    expect(new ApiError({ code: 'AUTH_MISSING', message: 'm' })).toMatchObject({ status: 401, apiCode: null });
  });

  it('every model-specific doctor code the registry can produce has a row', () => {
    const needed = MODELS.flatMap((m) => [
      ...(m.squareOnly ? [`MODEL_${modelCode(m)}_NOT_SQUARE`] : []),
      ...(m.maxImageBytes < 50 * 1024 * 1024 || m.maxMaskBytes < 50 * 1024 * 1024 ? [`MODEL_${modelCode(m)}_TOO_LARGE`] : []),
    ]);
    expect(needed.length).toBeGreaterThan(0);
    for (const code of needed) expect(Object.keys(CODES)).toContain(code);
  });
});

/** Every .ts file under `dir`. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sources(p) : /\.tsx?$/.test(name) ? [p] : [];
  });
}

/**
 * Upper-snake strings in src/ that are not maskedit codes: fastify's own error codes (FST_*); Node's (ERR_*) and
 * its HTTP parser's (HPE_*), which server/client-errors.ts answers in OpenAI's shape; OpenAI's own codes that
 * batch/runner.ts matches on a passed-through error (the OPENAI_ family, not rows); environment variables
 * (MASKEDIT_*); the `kind` parts of io/image's `IMAGE_${kind}`; and the prefixes given to io/safe-read's
 * `${opts.code}_…` (listed in TEMPLATES).
 */
const NOT_CODES = /^(FST_.*|ERR_.*|HPE_.*|OPENAI_INSUFFICIENT_QUOTA|OPENAI_BILLING_HARD_LIMIT_REACHED|MASKEDIT_.*|FORMAT_UNSUPPORTED|TOO_MANY_PIXELS|IMAGE|SESSION_MANIFEST|API_KEY_FILE)$/;

/**
 * Codes built from a template, and every code each can produce. A new template code fails the scan until it is
 * listed here with its expansions (each of which must be a row).
 */
const TEMPLATES: Record<string, string[]> = {
  'MASK_${kind}': ['MASK_UNREADABLE', 'MASK_TOO_MANY_PIXELS'],
  'IMAGE_${kind}': ['IMAGE_UNREADABLE', 'IMAGE_FORMAT_UNSUPPORTED', 'IMAGE_TOO_MANY_PIXELS'],
  'MODEL_${mc}_TOO_LARGE': ['MODEL_DALLE2_TOO_LARGE'],
  '${role}_ANIMATED': ['IMAGE_ANIMATED', 'MASK_ANIMATED'],
  'MODEL_${mc}_NOT_SQUARE': ['MODEL_DALLE2_NOT_SQUARE'],
  // io/safe-read, for each SafeReadPrefix (IMAGE, MASK, SESSION_MANIFEST, API_KEY_FILE).
  '${opts.code}_NOT_FOUND': ['IMAGE_NOT_FOUND', 'MASK_NOT_FOUND', 'SESSION_MANIFEST_NOT_FOUND', 'API_KEY_FILE_NOT_FOUND'],
  '${opts.code}_NOT_A_FILE': ['IMAGE_NOT_A_FILE', 'MASK_NOT_A_FILE', 'SESSION_MANIFEST_NOT_A_FILE', 'API_KEY_FILE_NOT_A_FILE'],
  '${opts.code}_UNREADABLE': ['IMAGE_UNREADABLE', 'MASK_UNREADABLE', 'SESSION_MANIFEST_UNREADABLE', 'API_KEY_FILE_UNREADABLE'],
  '${opts.code}_TOO_LARGE': ['IMAGE_TOO_LARGE', 'MASK_TOO_LARGE', 'SESSION_MANIFEST_TOO_LARGE', 'API_KEY_FILE_TOO_LARGE'],
  // OpenAI's codes passed through (the family), and an ApiError's fallback name.
  "OPENAI_${openaiCode.replace(/[^A-Za-z0-9]+/g, '_').toUpperCase()}": [],
  "OPENAI_${code.replace(/[^A-Za-z0-9]+/g, '_').toUpperCase()}": [],
  'OPENAI_HTTP_${status}': [],
  'HTTP_${status}': [],
  'OPENAI_${string}': [], // the ProviderCode type in src/core/codes.ts
};

/** Under `npm run mutate` the sources are Stryker's instrumented copies; the scans read the real ones only. */
const INSTRUMENTED = Boolean(process.env.MASKEDIT_MUTATE);

describe.skipIf(INSTRUMENTED)('codes raised in src/ and web/src', () => {
  const files = [...sources(join(ROOT, 'src')), ...sources(join(ROOT, 'web/src'))];
  const found = new Map<string, string>();
  const templates = new Map<string, string>();
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const rel = file.slice(ROOT.length + 1);
    // Quoted upper-snake strings with at least one underscore are codes wherever they appear.
    for (const m of text.matchAll(/(['"])([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)\1/g)) if (!NOT_CODES.test(m[2]!)) found.set(m[2]!, rel);
    // One-word codes are codes where they are raised: `code: 'X'`, `Error('X'`, `add('X'`.
    for (const m of text.matchAll(/(?:\bcode:\s*|Error\(\s*|\badd\(\s*)'([A-Z][A-Z0-9]+)'/g)) if (!NOT_CODES.test(m[1]!)) found.set(m[1]!, rel);
    // Template codes: `PREFIX_${…}` or `${…}_SUFFIX`.
    for (const m of text.matchAll(/`((?:[A-Z][A-Z0-9]*_)+\$\{[^}`]+\}(?:_[A-Z0-9]+)*|\$\{[^}`]+\}(?:_[A-Z0-9]+)+)`/g)) templates.set(m[1]!, rel);
  }

  it('found the codes (the scan works)', () => {
    expect(found.size).toBeGreaterThan(80);
    expect(found.get('MASK_NO_ALPHA')).toBeDefined();
    // A one-word code: raised by the CLI and by server/api-key.ts (serve's key flags); the scan keeps the last file.
    expect(found.get('USAGE')).toMatch(/^src\/(cli|server)\//);
    expect(found.has('IMAGE')).toBe(false);
    expect(found.has('ERR_HTTP_REQUEST_TIMEOUT')).toBe(false);
    expect(found.has('FST_FILES_LIMIT')).toBe(false);
  });

  it.each([...found].sort())('%s (%s) has a row in src/core/codes.ts', (code) => {
    expect(Object.keys(CODES)).toContain(code);
  });

  it.each([...templates].sort())('template code %s (%s) is known and expands to rows', (template) => {
    expect(Object.keys(TEMPLATES)).toContain(template);
    for (const code of TEMPLATES[template]!) expect(Object.keys(CODES)).toContain(code);
  });
});

/**
 * Routes that build their ApiError by hand with a status or OpenAI code: each must match the code's row, except
 * these, where OpenAI's route answers differently from the code's general answer (file: code → reason).
 */
const ROUTE_OVERRIDES: Record<string, string> = {
  'src/server/edit-options.ts: PROMPT_EMPTY': "OpenAI's edit route says empty_string; the studio says prompt_empty",
  'src/server/routes/files.ts: TOO_MANY_FILES': "a second file part in one upload is OpenAI's invalid_value on 'file'",
  'src/server/edit-run.ts: PROVIDER_NO_IMAGE': 'the server route treats an empty provider answer as its own 500',
  'src/server/studio.ts: SELECT_INVALID': "an empty or over-long select list is OpenAI's invalid_value on 'select'; a malformed selection is select_invalid",
};

describe.skipIf(INSTRUMENTED)('hand-built ApiErrors in src/server agree with the table', () => {
  const sites: [string, string, number | undefined, string | null | undefined][] = [];
  for (const file of sources(join(ROOT, 'src/server'))) {
    const rel = file.slice(ROOT.length + 1);
    for (const m of readFileSync(file, 'utf8').matchAll(/new ApiError\(\{([\s\S]*?)\}\)/g)) {
      const body = m[1]!;
      const code = /\bcode: '([A-Z0-9_]+)'/.exec(body)?.[1];
      if (!code) continue;
      const status = /\bstatus: (\d+)/.exec(body)?.[1];
      const api = /\bapiCode: ('([a-z0-9_]+)'|null)/.exec(body);
      sites.push([`${rel}: ${code}`, code, status === undefined ? undefined : Number(status), api ? (api[1] === 'null' ? null : api[2]!) : undefined]);
    }
  }

  it('found the call sites', () => {
    expect(sites.length).toBeGreaterThan(40);
  });

  it.each(sites.filter(([where]) => !ROUTE_OVERRIDES[where]))('%s', (_where, code, status, apiCode) => {
    const row = CODES[code as TableCode];
    expect(row).toBeDefined();
    // A site that leaves a field out takes the table's value.
    expect([status ?? row.status, apiCode === undefined ? row.apiCode : apiCode]).toEqual([row.status, row.apiCode]);
  });

  it.each(Object.keys(ROUTE_OVERRIDES))('override %s is still in use', (where) => {
    expect(sites.map((s) => s[0])).toContain(where);
  });
});


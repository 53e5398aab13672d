/**
 * The providers' error table row by row: every OpenAI code with a triage hint, every HTTP status with one, and
 * the code and redaction helpers. Each hint must name the step that fixes it (a command, a flag or a page).
 */
import { describe, expect, it } from 'vitest';
import { HINTS, ProviderError, hintForStatus, providerCode, redactSecrets } from '../../src/providers/errors.js';

describe('HINTS', () => {
  const rows: [string, string][] = [
    ['moderation_blocked', 'rephrase the prompt'],
    ['invalid_mask_image_format', 'maskedit mask MASK -o mask.png --match IMAGE'],
    ['invalid_image_file', 're-export it as PNG, JPEG or WebP'],
    ['unsupported_file_mimetype', 'check --ref files'],
    ['invalid_image_format', 'dall-e-2 takes only one square PNG under 4 MB'],
    ['image_too_large', '--crop auto'],
    ['string_above_max_length', 'maskedit prompt --lint'],
    ['invalid_input_fidelity_model', 'drop --fidelity'],
    ['invalid_value', 'maskedit check --model M'],
    ['invalid_api_key', 'https://platform.openai.com/api-keys'],
    ['insufficient_quota', 'https://platform.openai.com/settings/organization/billing'],
    ['rate_limit_exceeded', 'maskedit already retried with backoff'],
    ['model_not_found', 'OPENAI_BASE_URL'],
    ['billing_hard_limit_reached', 'https://platform.openai.com/settings/organization/limits'],
  ];

  it('has exactly these rows', () => {
    expect(Object.keys(HINTS).sort()).toEqual(rows.map((r) => r[0]).sort());
  });

  it.each(rows)('%s → a hint naming %s', (code, step) => {
    expect(HINTS[code]).toContain(step);
  });
});

describe('hintForStatus', () => {
  it.each<[number | undefined, string]>([
    [400, 'run `maskedit check IMAGE MASK --model M`'],
    [401, 'check OPENAI_API_KEY'],
    [403, 'organization verification'],
    [404, 'it should end in /v1'],
    [413, '--crop auto'],
    [429, 'rate limited'],
    [500, 'https://status.openai.com'],
    [503, 'https://status.openai.com'],
    [418, 'MASKEDIT_DEBUG=1'],
    [undefined, 'MASKEDIT_DEBUG=1'],
  ])('%s → %s', (status, step) => {
    expect(hintForStatus(status)).toContain(step);
  });

  it('499 is not a server error', () => {
    expect(hintForStatus(499)).toBe('see the message above; rerun with MASKEDIT_DEBUG=1 for details');
  });
});

describe('providerCode', () => {
  it.each<[string | null | undefined, number | undefined, string]>([
    ['moderation_blocked', 400, 'OPENAI_MODERATION_BLOCKED'],
    ['invalid-thing.x', 400, 'OPENAI_INVALID_THING_X'],
    ['a..b', undefined, 'OPENAI_A_B'],
    ['', 502, 'OPENAI_HTTP_502'],
    [null, 502, 'OPENAI_HTTP_502'],
    [undefined, undefined, 'OPENAI_ERROR'],
    [null, 0, 'OPENAI_HTTP_0'],
  ])('providerCode(%j, %j) = %s', (c, s, out) => {
    expect(providerCode(c, s)).toBe(out);
  });
});

describe('ProviderError', () => {
  it('keeps OpenAI\'s code, param, type, status and request id', () => {
    const cause = new Error('x');
    const e = new ProviderError('OPENAI_INVALID_VALUE', 'm', 'f', { status: 400, openaiCode: 'invalid_value', param: 'size', type: 'invalid_request_error', requestId: 'req_1', cause });
    expect(e).toMatchObject({ name: 'ProviderError', code: 'OPENAI_INVALID_VALUE', message: 'm', fix: 'f', status: 400, openaiCode: 'invalid_value', param: 'size', type: 'invalid_request_error', requestId: 'req_1' });
    expect(e.cause).toBe(cause);
    expect('cause' in new ProviderError('OPENAI_ERROR', 'm', undefined)).toBe(false);
  });
});

describe('redactSecrets', () => {
  it.each<[string, (string | undefined)[], string]>([
    ['Incorrect API key provided: sk-proj-abc123456789.', [], 'Incorrect API key provided: sk-….'],
    ['sess-abcdefgh1234 expired', [], 'sess-… expired'],
    ['sk-short is too short to be a key', [], 'sk-short is too short to be a key'],
    ['task-1234567 is fine', [], 'task-1234567 is fine'],
    ['bad key local-key-1234 for k', ['local-key-1234', 'k', undefined], 'bad key [redacted] for k'],
    ['a 7-char secret 1234567 stays', ['1234567'], 'a 7-char secret 1234567 stays'],
    ['an 8-char secret 12345678 goes, twice: 12345678', ['12345678'], 'an 8-char secret [redacted] goes, twice: [redacted]'],
    ['fetch https://user:pass@example.com/v1 failed', [], 'fetch https://…@example.com/v1 failed'],
    ['https://example.com/v1 has no credentials', [], 'https://example.com/v1 has no credentials'],
  ])('%s', (text, secrets, out) => {
    expect(redactSecrets(text, secrets)).toBe(out);
  });
});

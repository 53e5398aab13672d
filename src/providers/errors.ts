/**
 * Errors from the OpenAI surfaces, with OpenAI's own `code`, `param` and `type` kept and a triage hint in `fix`.
 * Our code is `OPENAI_<UPPER(openai code)>` (e.g. `OPENAI_MODERATION_BLOCKED`) or `OPENAI_HTTP_<status>` when
 * the body has none; the raw OpenAI code stays in `openaiCode` so callers can match on either.
 *
 * The hints follow the error codes observed on /v1/images/edits (docs/server.md, "Errors"; docs/architecture.md) and the mask edit
 * guide's triage order: mask validity first, then prompt scope, then preservation.
 */
import type { Code, ProviderCode } from '../core/codes.js';
import { MaskeditError } from '../core/errors.js';

export interface ProviderErrorDetails {
  status?: number;
  openaiCode?: string;
  param?: string;
  type?: string;
  requestId?: string;
  cause?: unknown;
}

export class ProviderError extends MaskeditError {
  readonly status: number | undefined;
  /** OpenAI's `error.code` as sent (`invalid_mask_image_format`), when there was one. */
  readonly openaiCode: string | undefined;
  readonly param: string | undefined;
  readonly type: string | undefined;
  readonly requestId: string | undefined;
  constructor(code: Code, message: string, fix: string | undefined, details: ProviderErrorDetails = {}) {
    super(code, message, fix, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'ProviderError';
    this.status = details.status;
    this.openaiCode = details.openaiCode;
    this.param = details.param;
    this.type = details.type;
    this.requestId = details.requestId;
  }
}

/** Triage hints by OpenAI error code. */
export const HINTS: Readonly<Record<string, string>> = {
  moderation_blocked: 'the request was blocked by OpenAI\'s safety system; rephrase the prompt or use a different image (retrying the same request will not help)',
  invalid_mask_image_format: 'the mask must be a PNG with an alpha channel and exactly the image\'s size; check it with `maskedit check IMAGE MASK` and rebuild it with `maskedit mask MASK -o mask.png --match IMAGE`',
  invalid_image_file: 'OpenAI could not decode an input image; re-export it as PNG, JPEG or WebP and check it with `maskedit check IMAGE MASK`',
  unsupported_file_mimetype: 'send PNG, JPEG or WebP with a matching MIME type (maskedit does this for files it encodes; check --ref files)',
  invalid_image_format: 'send PNG, JPEG or WebP; dall-e-2 takes only one square PNG under 4 MB',
  image_too_large: 'images must be under 50 MB (dall-e-2: 4 MB); let maskedit crop (--crop auto) or downscale the input',
  string_above_max_length: 'the prompt is too long for the model (32000 characters, dall-e-2 1000); check it with `maskedit prompt --lint "…" --model M`',
  invalid_input_fidelity_model: 'this model does not take input_fidelity; drop --fidelity (maskedit drops it for the models whose registry entry has none: `maskedit models`)',
  invalid_value: 'a field has a value the model does not take; check --size and --quality against `maskedit check --model M`',
  invalid_api_key: 'OPENAI_API_KEY is not a valid key; create one at https://platform.openai.com/api-keys and export it in your shell',
  insufficient_quota: 'the account is out of credit or over its monthly budget; check billing at https://platform.openai.com/settings/organization/billing',
  rate_limit_exceeded: 'too many requests; maskedit already retried with backoff, so wait a minute or lower your request rate',
  model_not_found: 'the model is unknown to this server or your organization lacks access; check --model, and OPENAI_BASE_URL if it is set',
  billing_hard_limit_reached: 'the billing hard limit is reached; raise it at https://platform.openai.com/settings/organization/limits',
};

/** Triage hints by HTTP status, when the code has none. */
export function hintForStatus(status: number | undefined): string {
  switch (status) {
    case 400: return 'OpenAI rejected the request; run `maskedit check IMAGE MASK --model M` to find what it dislikes';
    case 401: return 'the API key was refused; check OPENAI_API_KEY (export a valid key in your shell) and, for other servers, OPENAI_BASE_URL';
    case 403: return 'the key has no access to this model or endpoint; GPT image models may need organization verification at https://platform.openai.com/settings/organization/general';
    case 404: return 'the endpoint or model was not found; check --model and OPENAI_BASE_URL (it should end in /v1)';
    case 413: return 'the request is too large; let maskedit crop (--crop auto) or send smaller images';
    case 429: return 'rate limited; maskedit retried with backoff — wait a minute, lower the request rate, or check your quota';
    default:
      if (status !== undefined && status >= 500) return 'OpenAI had a server error; maskedit retried with backoff — try again in a minute or check https://status.openai.com';
      return 'see the message above; rerun with MASKEDIT_DEBUG=1 for details';
  }
}

/** `moderation_blocked` → `OPENAI_MODERATION_BLOCKED`; no code → `OPENAI_HTTP_<status>`. */
export function providerCode(openaiCode: string | undefined | null, status: number | undefined): ProviderCode {
  if (openaiCode) return `OPENAI_${openaiCode.replace(/[^A-Za-z0-9]+/g, '_').toUpperCase()}`;
  return status === undefined ? 'OPENAI_ERROR' : `OPENAI_HTTP_${status}`;
}

/**
 * Masks anything that looks like an OpenAI key ("sk-…") and every exact `secret` given (the key in use, which
 * on an OpenAI-compatible server need not start with "sk-"), and the credentials of a URL (`https://user:pass@…`),
 * so a key echoed by a server or by fetch never reaches a log.
 *
 * @example
 * redactSecrets('bad key local-key-1234', ['local-key-1234']) // 'bad key [redacted]'
 */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text;
  // Very short "keys" (a test server's 'k') would mask ordinary words; real keys are long.
  for (const s of secrets) if (s && s.length >= 8) out = out.split(s).join('[redacted]');
  return out.replace(/\b(sk|sess)-[A-Za-z0-9_*-]{6,}/g, '$1-…').replace(/(:\/\/)[^/@\s]*@/g, '$1…@');
}

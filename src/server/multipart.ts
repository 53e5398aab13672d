/**
 * Every multipart body the server reads goes through {@link checkedParts}: a part without a field name (a
 * `Content-Disposition` with no `name=`, or none at all) and a text field sent twice are the client's mistake,
 * answered 400 in OpenAI's shape, never a 500 from code that assumed a name. Files may repeat only under an
 * array name (`image[]`) or a name the route lists in `repeatable`.
 *
 * @example
 * for await (const part of checkedParts(request, { limits: { files: 1 } })) { … part.fieldname is a non-empty string … }
 */
import type { FastifyRequest } from 'fastify';
import type { Multipart } from '@fastify/multipart';
import { ApiError } from './errors.js';

export interface CheckedPartsOptions {
  limits?: NonNullable<Parameters<FastifyRequest['parts']>[0]>['limits'];
  /** File field names that may appear more than once (e.g. `image`, which OpenAI accepts repeated). */
  repeatable?: readonly string[];
}

export function missingPartName(): ApiError {
  return new ApiError({
    status: 400, apiCode: 'invalid_multipart', code: 'MULTIPART_PART_WITHOUT_NAME',
    message: 'A part of the multipart body has no field name (expected Content-Disposition: form-data; name="…").',
    fix: 'give every part a name, e.g. with the SDK or curl -F image=@photo.png',
  });
}

export function duplicateField(name: string): ApiError {
  const shown = name.slice(0, 100);
  return new ApiError({
    status: 400, apiCode: 'duplicate_parameter', param: shown, code: 'DUPLICATE_PARAMETER',
    message: `Duplicate parameter: '${shown}' was sent more than once; expected it once.`,
    fix: `send ${shown} once (for several images use image[] parts)`,
  });
}

export function fieldTooLong(name: string, limit: number | undefined): ApiError {
  const shown = name.slice(0, 100);
  return new ApiError({
    status: 400, apiCode: 'string_above_max_length', param: shown, code: 'FIELD_TOO_LONG',
    message: `Invalid '${shown}': the field is longer than the ${limit ?? 1048576} bytes this server reads per multipart field.`,
    fix: `shorten ${shown}`,
  });
}

/** `request.parts(…)` with every part's name checked, and text fields unique. */
export async function* checkedParts(request: FastifyRequest, opts: CheckedPartsOptions = {}): AsyncGenerator<Multipart> {
  const seen = new Set<string>();
  const repeatable = new Set(opts.repeatable ?? []);
  for await (const part of request.parts(opts.limits ? { limits: opts.limits } : undefined)) {
    const name = part.fieldname as unknown;
    if (typeof name !== 'string' || name === '') {
      if (part.type === 'file') part.file.resume();
      throw missingPartName();
    }
    if (!name.endsWith('[]') && !(part.type === 'file' && repeatable.has(name))) {
      if (seen.has(name)) {
        if (part.type === 'file') part.file.resume();
        throw duplicateField(name);
      }
      seen.add(name);
    }
    // busboy cuts a text field at fieldSize and flags it: refuse rather than use (or measure) a truncated value.
    if (part.type === 'field' && (part as { valueTruncated?: boolean }).valueTruncated) throw fieldTooLong(name, opts.limits?.fieldSize);
    yield part;
  }
}

/**
 * JSON for responses that carry images. `JSON.stringify` scans every character of a string for escapes, which
 * for a 7 MB `b64_json` costs more than the base64 encoding itself; base64's alphabet never needs escaping, so
 * those strings are spliced in after the rest of the object is stringified.
 */
import { randomBytes } from 'node:crypto';

/**
 * `JSON.stringify(value)` with every `b64_json` string inserted verbatim (it must be base64, as it always is here).
 *
 * @example
 * stringifyWithBase64({ data: [{ b64_json: 'iVBORw0KGgo=' }] }) // '{"data":[{"b64_json":"iVBORw0KGgo="}]}'
 */
export function stringifyWithBase64(value: unknown): string {
  const blobs: string[] = [];
  const token = `__maskedit_b64_${randomBytes(6).toString('hex')}_`;
  const json = JSON.stringify(value, (key, v: unknown) => {
    if (key === 'b64_json' && typeof v === 'string') {
      blobs.push(v);
      return `${token}${blobs.length - 1}`;
    }
    return v;
  });
  if (!blobs.length) return json;
  return json.replace(new RegExp(`"${token}(\\d+)"`, 'g'), (_, i: string) => `"${blobs[Number(i)]}"`);
}

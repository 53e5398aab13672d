/**
 * PNG's framing, for code that writes PNG bytes without a codec (the studio's mask encoder in the browser, test
 * fixtures that forge headers): the CRC-32 of ISO 3309 / PNG spec §5.5 and a chunk with its length and CRC; and
 * for the one fact libvips does not report: whether a PNG is an animated PNG (APNG) and how many frames it has.
 *
 * @example
 * const iend = pngChunk('IEND', new Uint8Array(0));
 */
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export const PNG_SIGNATURE_BYTES: readonly number[] = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** One chunk: big-endian length, the 4-letter type, the data, the CRC over type and data. */
export function pngChunk(type: string, data: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/**
 * The frame count of an animated PNG (the `num_frames` of its `acTL` chunk, which must come before the first
 * `IDAT`), or 1 for a still PNG, a damaged one or bytes that are not PNG. Decoders that do not know APNG (libvips
 * among them) show only the default image, so the other frames are silently ignored.
 *
 * @example
 * apngFrames(stillPngBytes) // 1
 */
export function apngFrames(bytes: Uint8Array): number {
  if (bytes.length < 8 || PNG_SIGNATURE_BYTES.some((b, i) => bytes[i] !== b)) return 1;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 8; at + 12 <= bytes.length;) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(bytes[at + 4]!, bytes[at + 5]!, bytes[at + 6]!, bytes[at + 7]!);
    if (type === 'IDAT' || type === 'IEND') return 1;
    if (type === 'acTL') return length >= 8 && at + 16 <= bytes.length ? Math.max(1, view.getUint32(at + 8)) : 1;
    at += 12 + length;
  }
  return 1;
}

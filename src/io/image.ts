/**
 * Decoding and encoding through sharp (libvips). Formats are recognised by their bytes, never by file name;
 * only PNG, JPEG and WebP reach sharp, so SVG, PDF and friends are never rendered. The pixel limit is checked
 * from the header before any pixel is decoded, so a decompression bomb fails fast.
 */
import sharp, { type Metadata } from 'sharp';
import { stat } from 'node:fs/promises';
import { readRegularFile, type SafeReadOptions } from './safe-read.js';
import { ImageError, MaskError, type MaskeditError } from '../core/errors.js';
import type { Raster } from '../core/raster.js';
import type { ImageFacts } from '../core/doctor.js';
import { apngFrames } from '../core/png-chunks.js';
import { settings } from './settings.js';

export type ImageFormat = 'png' | 'jpeg' | 'webp';
export type Role = 'image' | 'mask';

export { DEFAULT_MAX_PIXELS } from './settings.js';

// Decoding big images is the hot path; libvips' operation cache only costs memory here.
sharp.cache(false);

/** What a file's header says; the pure `ImageFacts` of core/doctor, narrowed to the formats maskedit reads. */
export interface ImageInfo extends ImageFacts {
  format: ImageFormat;
  /** Channels in the file (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA; palette images report what they expand to). */
  channels: number;
  bitDepth: number;
  palette: boolean;
}

export interface DecodedImage {
  /** RGBA, 8 bits per channel, displayed orientation. */
  raster: Raster & { channels: 4 };
  info: ImageInfo;
}

export interface DecodeOptions {
  /** 'mask' switches error codes to MASK_*. */
  role?: Role;
  /** Refuse images with more pixels than this (default: io/settings.ts `maxPixels` — 100 MP, or MASKEDIT_MAX_PIXELS read by the CLI). */
  maxPixels?: number;
  /** A name for messages, usually the path. */
  label?: string;
}

/** What a file's first bytes say it is. */
export function sniffFormat(bytes: Uint8Array): { format: ImageFormat } | { other: string } | null {
  const b = bytes;
  const ascii = (start: number, s: string) => s.split('').every((ch, i) => b[start + i] === ch.charCodeAt(0));
  if (b.length >= 8 && b[0] === 0x89 && ascii(1, 'PNG\r\n\x1a\n')) return { format: 'png' };
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return { format: 'jpeg' };
  if (b.length >= 12 && ascii(0, 'RIFF') && ascii(8, 'WEBP')) return { format: 'webp' };
  if (ascii(0, 'GIF8')) return { other: 'GIF' };
  if (ascii(0, 'BM')) return { other: 'BMP' };
  if (ascii(0, 'II*\0') || ascii(0, 'MM\0*')) return { other: 'TIFF' };
  if (ascii(0, '%PDF')) return { other: 'PDF' };
  if (b.length >= 12 && ascii(4, 'ftyp')) {
    const brand = String.fromCharCode(...b.subarray(8, 12));
    return { other: /avif|avis/.test(brand) ? 'AVIF' : 'HEIC' };
  }
  const head = Buffer.from(b.subarray(0, 512)).toString('utf8').trimStart().toLowerCase();
  if (head.startsWith('<svg') || (head.startsWith('<?xml') && head.includes('<svg'))) return { other: 'SVG' };
  if (head.startsWith('<')) return { other: 'XML/HTML' };
  return null;
}

/** The process's pixel limit: MASKEDIT_MAX_PIXELS as the entry point read it (io/settings.ts), else 100 MP. */
export function defaultMaxPixels(): number {
  return settings().maxPixels;
}

function fail(role: Role, kind: 'UNREADABLE' | 'FORMAT_UNSUPPORTED' | 'TOO_MANY_PIXELS', message: string, fix: string, cause?: unknown): MaskeditError {
  if (role === 'mask') {
    const code = kind === 'FORMAT_UNSUPPORTED' ? 'MASK_NOT_PNG' : `MASK_${kind}` as const;
    return new MaskError(code, message, fix, { cause });
  }
  return new ImageError(`IMAGE_${kind}`, message, fix, { cause });
}

/**
 * maskedit reads only PNG/JPEG/WebP, so `maskedit mask` cannot convert a GIF (or BMP, TIFF…) either: the fix
 * converts the file with a common tool, and for a mask then names the command that makes it an API mask.
 */
const CONVERT_FIX = (label: string, role: Role = 'image') => {
  const dot = label.lastIndexOf('.'), slash = Math.max(label.lastIndexOf('/'), label.lastIndexOf('\\'));
  const png = `${dot > slash + 1 ? label.slice(0, dot) : label}.png`;
  const q = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  const convert = `convert it to PNG first (its first frame), e.g. \`convert ${q(label)}[0] ${q(png)}\` (ImageMagick) or "Export as PNG" in any editor`;
  return role === 'mask' ? `${convert}, then make it an API mask: maskedit mask ${q(png)} -o ${q(png.replace(/\.png$/, '.fixed.png'))}` : `${convert}, then use ${q(png)} as the image`;
};

/**
 * Reads the header only: format, sizes, orientation, alpha. Throws an {@link ImageError}/{@link MaskError}
 * with a stable code for anything maskedit cannot use.
 *
 * @example
 * const info = await probeImage(await readFile('photo.jpg'));
 */
export async function probeImage(bytes: Uint8Array, opts: DecodeOptions = {}): Promise<ImageInfo> {
  const role = opts.role ?? 'image';
  const label = opts.label ?? role;
  const maxPixels = opts.maxPixels ?? defaultMaxPixels();
  const sniffed = sniffFormat(bytes);
  if (!sniffed) {
    throw fail(role, 'UNREADABLE', `${label} is not an image maskedit can read (expected PNG, JPEG or WebP bytes; received ${describeBytes(bytes)})`, `check that ${label} is a complete PNG, JPEG or WebP file`);
  }
  if ('other' in sniffed) {
    throw fail(role, 'FORMAT_UNSUPPORTED', `${label} is ${sniffed.other}; expected PNG, JPEG or WebP`, CONVERT_FIX(label, role));
  }
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (cause) {
    throw fail(role, 'UNREADABLE', `${label} looks like ${sniffed.format.toUpperCase()} but its header cannot be read (${errorText(cause)})`, `re-export ${label}; the file is damaged or truncated`, cause);
  }
  const storedWidth = meta.width ?? 0;
  const storedHeight = meta.height ?? 0;
  if (!storedWidth || !storedHeight) {
    throw fail(role, 'UNREADABLE', `${label} has no usable dimensions`, `re-export ${label}`);
  }
  if (storedWidth * storedHeight > maxPixels) {
    throw fail(role, 'TOO_MANY_PIXELS',
      `${label} is ${storedWidth}x${storedHeight} (${fmtMp(storedWidth * storedHeight)}); the limit is ${fmtMp(maxPixels)}`,
      `downscale it, e.g. to 4096 px on the long side, or raise the limit with MASKEDIT_MAX_PIXELS if you trust the file`);
  }
  const orientation = meta.orientation && meta.orientation >= 1 && meta.orientation <= 8 ? meta.orientation : 1;
  const swapped = orientation >= 5;
  return {
    format: sniffed.format,
    bytes: bytes.length,
    width: swapped ? storedHeight : storedWidth,
    height: swapped ? storedWidth : storedHeight,
    storedWidth,
    storedHeight,
    orientation,
    hasAlpha: Boolean(meta.hasAlpha),
    channels: meta.channels ?? 0,
    bitDepth: meta.depth === 'ushort' ? 16 : 8,
    palette: Boolean(meta.isPalette),
    frames: sniffed.format === 'png' ? apngFrames(bytes) : Math.max(1, meta.pages ?? 1),
  };
}

/** Stored width × height from the header alone (no pixel decoded, no limit applied); 0 when it cannot be read. */
export async function headerPixels(bytes: Uint8Array): Promise<number> {
  try {
    const meta = await sharp(bytes, { limitInputPixels: false }).metadata();
    return (meta.width ?? 0) * (meta.height ?? 0);
  } catch {
    return 0;
  }
}

/**
 * Probes, then decodes to 8-bit RGBA in displayed orientation.
 *
 * @example
 * const { raster, info } = await decodeImage(await readFile('photo.jpg'));
 */
export async function decodeImage(bytes: Uint8Array, opts: DecodeOptions = {}): Promise<DecodedImage> {
  const info = await probeImage(bytes, opts);
  const raster = await decodeRaw(bytes, info, opts, true);
  return { raster, info };
}

/** {@link decodeImage} for bytes already probed with {@link probeImage} (the header is not read twice). */
export async function decodeProbed(bytes: Uint8Array, info: ImageInfo, opts: DecodeOptions = {}): Promise<DecodedImage> {
  return { raster: await decodeRaw(bytes, info, opts, true), info };
}

/** Decodes without applying EXIF orientation (the pixels as stored). */
export async function decodeStored(bytes: Uint8Array, opts: DecodeOptions = {}): Promise<DecodedImage> {
  const info = await probeImage(bytes, opts);
  return { raster: await decodeRaw(bytes, info, opts, false), info };
}

async function decodeRaw(bytes: Uint8Array, info: ImageInfo, opts: DecodeOptions, orient: boolean): Promise<Raster & { channels: 4 }> {
  const role = opts.role ?? 'image';
  const label = opts.label ?? role;
  try {
    let pipeline = sharp(bytes, { limitInputPixels: opts.maxPixels ?? defaultMaxPixels(), failOn: 'error' });
    // autoOrient costs a copy even for orientation 1 (about 15 % of a 4096² JPEG decode), so only when needed.
    if (orient && info.orientation !== 1) pipeline = pipeline.autoOrient();
    const { data, info: out } = await pipeline
      .toColourspace('srgb')
      .ensureAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (out.channels !== 4) throw new Error(`decoder returned ${out.channels} channels`);
    return { width: out.width, height: out.height, channels: 4, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  } catch (cause) {
    throw fail(role, 'UNREADABLE', `${label} (${info.format.toUpperCase()} ${info.storedWidth}x${info.storedHeight}) cannot be decoded: ${errorText(cause)}`, `re-export ${label}; the file is damaged or truncated`, cause);
  }
}

/**
 * Decodes only the alpha channel, in displayed orientation: the same bytes as the alpha of
 * {@link decodeImage}'s RGBA (255 where the file has no alpha), a quarter of the memory, and for 8-bit files
 * without the colour conversion for 8-bit RGBA files (libvips' sRGB conversion of an 8-bit file leaves its alpha as it is). For the
 * mask doctor, which reads only alpha unless something is wrong.
 *
 * @example
 * const info = await probeImage(maskBytes, { role: 'mask' });
 * const alpha = await decodeAlpha(maskBytes, info, { role: 'mask' });
 */
export async function decodeAlpha(bytes: Uint8Array, info: ImageInfo, opts: DecodeOptions = {}): Promise<Raster & { channels: 1 }> {
  const role = opts.role ?? 'image';
  const label = opts.label ?? role;
  try {
    let pipeline = sharp(bytes, { limitInputPixels: opts.maxPixels ?? defaultMaxPixels(), failOn: 'error' });
    if (info.orientation !== 1) pipeline = pipeline.autoOrient();
    const direct = info.hasAlpha && info.bitDepth === 8 && info.channels === 4 && !info.palette;
    if (direct) pipeline = pipeline.extractChannel(3);
    else pipeline = pipeline.toColourspace('srgb').ensureAlpha().extractChannel(3);
    const { data, info: out } = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    if (out.channels !== 1) throw new Error(`decoder returned ${out.channels} channels`);
    return { width: out.width, height: out.height, channels: 1, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  } catch (cause) {
    throw fail(role, 'UNREADABLE', `${label} (${info.format.toUpperCase()} ${info.storedWidth}x${info.storedHeight}) cannot be decoded: ${errorText(cause)}`, `re-export ${label}; the file is damaged or truncated`, cause);
  }
}

/**
 * Decodes every pixel and keeps none: whether the file is readable to its end, at the cost of the decode alone
 * (no RGBA expansion). Throws like {@link decodeImage}.
 */
export async function verifyDecodes(bytes: Uint8Array, info: ImageInfo, opts: DecodeOptions = {}): Promise<void> {
  const role = opts.role ?? 'image';
  const label = opts.label ?? role;
  try {
    // decodeImage's pipeline without the alpha expansion, so a file fails here exactly when it fails there.
    await sharp(bytes, { limitInputPixels: opts.maxPixels ?? defaultMaxPixels(), failOn: 'error' }).toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer();
  } catch (cause) {
    throw fail(role, 'UNREADABLE', `${label} (${info.format.toUpperCase()} ${info.storedWidth}x${info.storedHeight}) cannot be decoded: ${errorText(cause)}`, `re-export ${label}; the file is damaged or truncated`, cause);
  }
}

/** Reads a file and decodes it; a missing file is `IMAGE_NOT_FOUND` / `MASK_NOT_FOUND`. */
export async function readImageFile(path: string, opts: DecodeOptions = {}): Promise<DecodedImage & { bytes: Uint8Array }> {
  const bytes = await readInputFile(path, opts.role ?? 'image');
  const decoded = await decodeImage(bytes, { label: path, ...opts });
  return { ...decoded, bytes };
}

/**
 * Reads an input file through {@link readRegularFile}: regular files only (a FIFO, device or folder is
 * `IMAGE_NOT_A_FILE`/`MASK_NOT_A_FILE`), at most 2 GiB (`*_TOO_LARGE`), and a file whose first bytes are not
 * PNG, JPEG or WebP is refused from its header, before the rest is read.
 */
export async function readInputFile(path: string, role: Role = 'image'): Promise<Uint8Array> {
  const opts: Omit<SafeReadOptions, 'maxBytes' | 'headBytes'> = { code: role === 'mask' ? 'MASK' : 'IMAGE', what: role === 'mask' ? 'a mask image file' : 'an image file', errorClass: role === 'mask' ? MaskError : ImageError };
  const head = await readRegularFile(path, { ...opts, headBytes: 4096 });
  const sniffed = sniffFormat(head);
  if (!sniffed || 'other' in sniffed) {
    // The same codes and words as probeImage, without buffering a large file that is not an image at all.
    const { size } = await stat(path).catch(() => ({ size: head.length }));
    if (!sniffed) throw fail(role, 'UNREADABLE', `${path} is not an image maskedit can read (expected PNG, JPEG or WebP bytes; received ${describeBytes(head, size)})`, `check that ${path} is a complete PNG, JPEG or WebP file`);
    throw fail(role, 'FORMAT_UNSUPPORTED', `${path} is ${sniffed.other}; expected PNG, JPEG or WebP`, CONVERT_FIX(path));
  }
  return readRegularFile(path, opts);
}

export interface EncodeOptions {
  format?: ImageFormat;
  /** JPEG/WebP quality 1–100 (default 92). */
  quality?: number;
  /** PNG zlib level 0–9 (default 6). */
  compressionLevel?: number;
}

/**
 * Encodes a raster (1–4 channels) to PNG, JPEG or WebP.
 *
 * @example
 * await writeFileAtomic('out.png', await encodeImage(raster));
 */
export async function encodeImage(raster: Raster, opts: EncodeOptions = {}): Promise<Buffer> {
  let input = sharp(raster.data, { raw: { width: raster.width, height: raster.height, channels: raster.channels } });
  // Without this libvips writes 1- and 2-channel rasters as RGB(A), three times the bytes for a gray mask.
  if (raster.channels <= 2) input = input.toColourspace('b-w');
  const format = opts.format ?? 'png';
  if (format === 'png') return input.png({ compressionLevel: opts.compressionLevel ?? 6 }).toBuffer();
  if (format === 'jpeg') return input.jpeg({ quality: opts.quality ?? 92 }).toBuffer();
  return input.webp({ quality: opts.quality ?? 92 }).toBuffer();
}

export function formatFromPath(path: string): ImageFormat | undefined {
  const ext = path.toLowerCase().split('.').pop();
  if (ext === 'png') return 'png';
  if (ext === 'jpg' || ext === 'jpeg') return 'jpeg';
  if (ext === 'webp') return 'webp';
  return undefined;
}

export const MIME: Record<ImageFormat, string> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' };

function describeBytes(b: Uint8Array, total = b.length): string {
  if (total === 0) return 'an empty file';
  const hex = Buffer.from(b.subarray(0, 8)).toString('hex').replace(/(..)/g, '$1 ').trim();
  return `${total} bytes starting ${hex}`;
}

function fmtMp(px: number): string {
  if (px < 100_000) return `${px} pixels`;
  return `${(px / 1e6).toFixed(px < 1e7 ? 1 : 0)} MP`;
}

function errorText(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0]!.replace(/^Input (buffer|file) /, '').slice(0, 200);
}

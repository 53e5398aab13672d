/**
 * Turning an edit request into bytes and options, for both bodies OpenAI accepts on `/v1/images/edits`:
 * multipart (`CreateImageEditRequest`: `image` or `image[]` up to 16, `mask`, fields) and JSON
 * (`EditImageBodyJsonParam`: `images: [{ file_id } | { image_url }]`, `mask`). Image references resolve from the
 * file store, from data URLs, and — only when the server was started with `--allow-url-fetch` — from http(s).
 * Exported for other routes that take the same references (`POST /v1/responses`, the studio).
 */
import type { FastifyRequest } from 'fastify';
import type { Multipart } from '@fastify/multipart';
import { ApiError, type ParamNames } from './errors.js';
import { checkedParts } from './multipart.js';
import type { IncomingMessage } from 'node:http';
import { guardedGet, UrlFetchRefused } from './url-fetch.js';
import { parseEditOptions, missingParameter, type EditParams } from './edit-options.js';
import type { FileStore } from './files.js';

/** One uploaded or referenced image, still encoded. */
export interface InputFile {
  bytes: Uint8Array;
  /** Where it came from in the request, for error `param`s: `image`, `image[2]`, `images[0]`, `mask`. */
  param: string;
  filename?: string;
}

export interface EditInput {
  options: EditParams;
  /** The base image first (the mask applies to it), then references. */
  images: InputFile[];
  mask?: InputFile;
  /** `param` names for problems with the base image and the mask. */
  params: ParamNames;
}

export interface InputLimits {
  /** Per image, bytes (default 50 MB, OpenAI's limit for GPT image models). */
  maxImageBytes: number;
  /** The whole request body, bytes. */
  maxBodyBytes: number;
  /** Images per request (OpenAI: 16). */
  maxImages: number;
}

export interface RefContext {
  files: FileStore;
  allowUrlFetch: boolean;
  /** With allowUrlFetch: also fetch loopback, private and link-local addresses (off: see url-fetch.ts). */
  allowPrivateUrls?: boolean;
  maxImageBytes: number;
  /**
   * All images of one request together, bytes (the server passes its body limit). A JSON body is small even
   * when it names one 50 MB file_id sixteen times; this bounds what it makes the server read.
   */
  maxTotalBytes?: number;
  /** Fetch timeout for http(s) image URLs, ms. */
  fetchTimeoutMs?: number;
  signal?: AbortSignal;
}

const MB = 1024 * 1024;
export const DEFAULT_INPUT_LIMITS: InputLimits = { maxImageBytes: 50 * MB, maxBodyBytes: 100 * MB, maxImages: 16 };
/** `ImageRefParam.image_url.maxLength`. */
const MAX_IMAGE_URL_CHARS = 20_971_520;

function tooManyImages(param: string, count: number, max: number): ApiError {
  return new ApiError({
    status: 400, apiCode: 'array_above_max_length', param, code: 'TOO_MANY_IMAGES',
    message: `Invalid '${param}': array too long. Expected an array with maximum length ${max}, but got an array with length ${count} instead.`,
  });
}

function imageTooLarge(param: string, bytes: number, max: number): ApiError {
  return new ApiError({
    status: 413, apiCode: 'image_too_large', param, code: 'IMAGE_TOO_LARGE',
    message: `Invalid '${param}': the image is ${bytes > max ? `more than ${max}` : bytes} bytes; images must be under ${Math.round(max / MB)} MB.`,
    fix: 'downscale the image or re-encode it (JPEG or WebP are much smaller than PNG for photos)',
  });
}

function imagesTooLarge(bytes: number, max: number): ApiError {
  return new ApiError({
    status: 413, apiCode: 'request_too_large', code: 'REQUEST_TOO_LARGE',
    message: `The images of this request come to ${bytes} bytes together; this server takes at most ${max} bytes per request.`,
    fix: 'send fewer or smaller images, or start the server with a larger body limit',
  });
}

function bodyTooLarge(max: number): ApiError {
  return new ApiError({
    status: 413, apiCode: 'request_too_large', code: 'REQUEST_TOO_LARGE',
    message: `The request body is larger than this server's limit of ${Math.round(max / MB)} MB.`,
    fix: 'send fewer or smaller images, or start the server with a larger body limit',
  });
}

/**
 * Reads a multipart edit: every file part is buffered (each capped at `maxImageBytes`, all parts together at
 * `maxBodyBytes`), fields are collected, then {@link parseEditOptions} checks them.
 *
 * @example
 * const input = await readMultipartEdit(request, DEFAULT_INPUT_LIMITS);
 */
export async function readMultipartEdit(request: FastifyRequest, limits: InputLimits = DEFAULT_INPUT_LIMITS, today?: string): Promise<EditInput> {
  if (!request.isMultipart()) throw new ApiError({ status: 400, apiCode: 'invalid_multipart', code: 'INVALID_MULTIPART', message: 'Expected a multipart/form-data body.' });
  const images: InputFile[] = [];
  let mask: InputFile | undefined;
  let markup: InputFile | undefined;
  const fields: Record<string, unknown> = {};
  let total = 0;
  const parts: AsyncIterableIterator<Multipart> = checkedParts(request, { repeatable: ['image', 'mask'], limits: { fileSize: limits.maxImageBytes, files: limits.maxImages + 2, fields: 64, fieldSize: 1 * MB, parts: limits.maxImages + 66 } });
  for await (const part of parts) {
    if (part.type === 'file') {
      const name = part.fieldname;
      if (name !== 'image' && name !== 'image[]' && name !== 'mask' && name !== 'markup') {
        part.file.resume();
        throw new ApiError({ status: 400, apiCode: 'unknown_parameter', param: name.slice(0, 100), code: 'UNKNOWN_PARAMETER', message: `Unknown parameter: '${name.slice(0, 100)}'.` });
      }
      let bytes: Buffer;
      try {
        bytes = await part.toBuffer();
      } catch (e) {
        if ((e as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') throw imageTooLarge(name === 'mask' ? 'mask' : 'image', limits.maxImageBytes + 1, limits.maxImageBytes);
        throw e;
      }
      total += bytes.length;
      if (total > limits.maxBodyBytes) throw bodyTooLarge(limits.maxBodyBytes);
      const file: InputFile = { bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length), param: 'image', ...(part.filename ? { filename: part.filename } : {}) };
      if (name === 'markup') {
        // The 2.6 models' overlay marking where to edit (one part: checkedParts refuses a second): checked per model
        // like every field; the embedded engine fills from the mask alone, so the file itself is not used further.
        markup = { ...file, param: 'markup' };
      } else if (name === 'mask') {
        if (mask) throw new ApiError({ status: 400, apiCode: 'invalid_value', param: 'mask', code: 'MASK_REPEATED', message: "Invalid 'mask': expected one mask file, but got more than one." });
        mask = { ...file, param: 'mask' };
      } else {
        images.push(file);
        if (images.length > limits.maxImages) throw tooManyImages('image', images.length, limits.maxImages);
      }
    } else {
      if (part.fieldname === 'image' || part.fieldname === 'image[]' || part.fieldname === 'mask' || part.fieldname === 'markup') {
        throw new ApiError({ status: 400, apiCode: 'invalid_type', param: part.fieldname, code: 'INVALID_TYPE', message: `Invalid type for '${part.fieldname}': expected a file, but got a string instead.` });
      }
      total += Buffer.byteLength(String(part.value));
      if (total > limits.maxBodyBytes) throw bodyTooLarge(limits.maxBodyBytes);
      fields[part.fieldname] = part.value;
    }
  }
  const options = parseEditOptions(markup ? { ...fields, markup: 'file' } : fields, 'multipart', today);
  if (!images.length) throw missingParameter('image');
  // With several images the SDK sends `image[]`; name them like OpenAI's array params.
  if (images.length > 1) images.forEach((im, i) => { im.param = `image[${i}]`; });
  checkModelImageCount(options, images.length, 'image');
  return { options, images, ...(mask ? { mask } : {}), params: { image: images[0]!.param, mask: 'mask' } };
}

function checkModelImageCount(options: EditParams, count: number, param: string): void {
  const max = options.modelInfo.maxImages;
  if (count > max) throw tooManyImages(param, count, max);
}

/**
 * Reads a JSON edit (`EditImageBodyJsonParam`) and resolves its image references.
 *
 * @example
 * const input = await readJsonEdit({ prompt: '…', images: [{ file_id: 'file-…' }] }, { files, allowUrlFetch: false, maxImageBytes: 50 << 20 });
 */
export async function readJsonEdit(body: unknown, ctx: RefContext, maxImages = DEFAULT_INPUT_LIMITS.maxImages, today?: string): Promise<EditInput> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new ApiError({ status: 400, apiCode: 'invalid_type', code: 'INVALID_TYPE', message: 'Invalid body: expected a JSON object.' });
  }
  const { images: rawImages, mask: rawMask, ...rest } = body as Record<string, unknown>;
  const options = parseEditOptions(rest, 'json', today);
  if (rawImages === undefined || rawImages === null) throw missingParameter('images');
  if (!Array.isArray(rawImages)) throw new ApiError({ status: 400, apiCode: 'invalid_type', param: 'images', code: 'INVALID_TYPE', message: "Invalid type for 'images': expected an array of image references, but got something else instead." });
  if (rawImages.length === 0) throw new ApiError({ status: 400, apiCode: 'empty_array', param: 'images', code: 'EMPTY_ARRAY', message: "Invalid 'images': empty array. Expected an array with minimum length 1, but got an empty array instead." });
  if (rawImages.length > maxImages) throw tooManyImages('images', rawImages.length, maxImages);
  checkModelImageCount(options, rawImages.length, 'images');
  const hasMask = rawMask !== undefined && rawMask !== null;
  const files = await resolveImageRefs([...rawImages.map((ref, i) => ({ ref, param: `images[${i}]` })), ...(hasMask ? [{ ref: rawMask, param: 'mask' }] : [])], ctx);
  const mask = hasMask ? files.pop() : undefined;
  const images = files;
  return { options, images, ...(mask ? { mask } : {}), params: { image: 'images[0]', mask: 'mask' } };
}

/**
 * Resolves several references, in order, keeping their bytes together under `ctx.maxTotalBytes`: stored files
 * and data URLs are sized before anything is read, fetched images as they arrive.
 *
 * @example
 * const [image, mask] = await resolveImageRefs([{ ref: { file_id }, param: 'images[0]' }, { ref: { image_url }, param: 'mask' }], ctx);
 */
export async function resolveImageRefs(refs: readonly { ref: unknown; param: string }[], ctx: RefContext): Promise<InputFile[]> {
  const max = ctx.maxTotalBytes ?? Number.POSITIVE_INFINITY;
  const known = refs.reduce((sum, { ref }) => sum + knownBytes(ref, ctx), 0);
  if (known > max) throw imagesTooLarge(known, max);
  const out: InputFile[] = [];
  let total = 0;
  for (const { ref, param } of refs) {
    const file = await resolveImageRef(ref, param, ctx);
    total += file.bytes.length;
    if (total > max) throw imagesTooLarge(total, max);
    out.push(file);
  }
  return out;
}

/** The bytes a reference will resolve to when that is known without reading it (stored file, data URL), else 0. */
function knownBytes(ref: unknown, ctx: RefContext): number {
  if (!ref || typeof ref !== 'object') return 0;
  const { file_id: id, image_url: url } = ref as Record<string, unknown>;
  if (typeof id === 'string') return ctx.files.get(id)?.bytes ?? 0;
  if (typeof url === 'string' && /^data:/i.test(url)) return Math.floor((url.length - url.indexOf(',') - 1) * 3 / 4);
  return 0;
}

/**
 * Resolves one `ImageRefParam` (`{ file_id }` xor `{ image_url }`) to bytes. `param` names it in errors.
 *
 * @example
 * const { bytes } = await resolveImageRef({ image_url: 'data:image/png;base64,iVBOR…' }, 'images[0]', ctx);
 */
export async function resolveImageRef(ref: unknown, param: string, ctx: RefContext): Promise<InputFile> {
  if (!ref || typeof ref !== 'object' || Array.isArray(ref)) {
    throw new ApiError({ status: 400, apiCode: 'invalid_type', param, code: 'INVALID_TYPE', message: `Invalid type for '${param}': expected an object with 'file_id' or 'image_url'.` });
  }
  const r = ref as Record<string, unknown>;
  const extra = Object.keys(r).find((k) => k !== 'file_id' && k !== 'image_url');
  if (extra) throw new ApiError({ status: 400, apiCode: 'unknown_parameter', param: `${param}.${extra.slice(0, 100)}`, code: 'UNKNOWN_PARAMETER', message: `Unknown parameter: '${param}.${extra.slice(0, 100)}'.` });
  const hasFile = r.file_id !== undefined && r.file_id !== null;
  const hasUrl = r.image_url !== undefined && r.image_url !== null;
  if (hasFile === hasUrl) {
    throw new ApiError({ status: 400, apiCode: 'invalid_value', param, code: 'INVALID_IMAGE_REF', message: `Invalid '${param}': provide exactly one of 'file_id' or 'image_url'.` });
  }
  if (hasFile) {
    const id = r.file_id;
    if (typeof id !== 'string') throw new ApiError({ status: 400, apiCode: 'invalid_type', param: `${param}.file_id`, code: 'INVALID_TYPE', message: `Invalid type for '${param}.file_id': expected a string.` });
    const file = ctx.files.require(id, `${param}.file_id`);
    // Checked before reading: the store's file limit may be larger than this request's image limit.
    if (file.bytes > ctx.maxImageBytes) throw imageTooLarge(param, file.bytes, ctx.maxImageBytes);
    return { bytes: await ctx.files.read(id, `${param}.file_id`), param, filename: file.filename };
  }
  const url = r.image_url;
  const urlParam = `${param}.image_url`;
  if (typeof url !== 'string') throw new ApiError({ status: 400, apiCode: 'invalid_type', param: urlParam, code: 'INVALID_TYPE', message: `Invalid type for '${urlParam}': expected a string.` });
  if (url.length > MAX_IMAGE_URL_CHARS) {
    throw new ApiError({ status: 400, apiCode: 'string_above_max_length', param: urlParam, code: 'STRING_TOO_LONG', message: `Invalid '${urlParam}': string too long. Expected a string with maximum length ${MAX_IMAGE_URL_CHARS}, but got a string with length ${url.length} instead.` });
  }
  if (/^data:/i.test(url)) return { bytes: decodeDataUrl(url, urlParam, ctx.maxImageBytes), param };
  if (/^https?:\/\//i.test(url)) {
    if (!ctx.allowUrlFetch) {
      throw new ApiError({
        status: 400, apiCode: 'image_url_fetch_disabled', param: urlParam, code: 'URL_FETCH_DISABLED',
        message: `Invalid '${urlParam}': this maskedit server does not fetch http(s) URLs. Send the image as a data URL (data:image/png;base64,…), upload it with POST /v1/files and pass its file_id, or start the server with --allow-url-fetch.`,
      });
    }
    return { bytes: await fetchImage(url, urlParam, ctx), param };
  }
  throw new ApiError({ status: 400, apiCode: 'invalid_value', param: urlParam, code: 'INVALID_IMAGE_URL', message: `Invalid '${urlParam}': expected a data URL or an http(s) URL, received '${url.slice(0, 40)}…'.` });
}

/**
 * `data:[<mime>][;base64],<data>` (RFC 2397). Only base64 payloads carry binary images; the declared MIME is
 * not trusted — the decoder sniffs the bytes.
 */
export function decodeDataUrl(url: string, param: string, maxBytes: number): Uint8Array {
  const comma = url.indexOf(',');
  const head = comma < 0 ? '' : url.slice(5, comma);
  if (comma < 0 || !/;base64$/i.test(head)) {
    throw new ApiError({ status: 400, apiCode: 'invalid_image_url', param, code: 'INVALID_DATA_URL', message: `Invalid '${param}': expected a base64 data URL like 'data:image/png;base64,iVBORw0…'.` });
  }
  const payload = url.slice(comma + 1);
  if (!payload.trim() || /[^A-Za-z0-9+/=_\-\s]/.test(payload)) {
    throw new ApiError({ status: 400, apiCode: 'invalid_image_url', param, code: 'INVALID_DATA_URL', message: `Invalid '${param}': the data URL's payload is not valid base64.` });
  }
  if (Math.floor(payload.length * 3 / 4) > maxBytes + 3) throw imageTooLarge(param.replace(/\.image_url$/, ''), maxBytes + 1, maxBytes);
  const buf = Buffer.from(payload, 'base64');
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
}

async function fetchImage(url: string, param: string, ctx: RefContext): Promise<Uint8Array> {
  // The reason, never the fetched bytes: an error body must not become a way to read what the server can reach.
  const failed = (why: string) => new ApiError({ status: 400, apiCode: 'image_url_fetch_failed', param, code: 'URL_FETCH_FAILED', message: `Invalid '${param}': could not fetch the image (${why}).` });
  const timeout = AbortSignal.timeout(ctx.fetchTimeoutMs ?? 30_000);
  const signal = ctx.signal ? AbortSignal.any([ctx.signal, timeout]) : timeout;
  let res: IncomingMessage;
  try {
    res = await guardedGet(url, { signal, allowPrivate: ctx.allowPrivateUrls ?? false });
  } catch (e) {
    if (e instanceof UrlFetchRefused) throw new ApiError({ status: 400, apiCode: 'image_url_blocked', param, code: 'URL_FETCH_BLOCKED', message: `Invalid '${param}': ${e.message}; this server does not fetch such URLs.`, fix: e.fix ?? '' });
    throw failed(e instanceof Error ? (e as NodeJS.ErrnoException).code ?? e.name : 'network error');
  }
  const status = res.statusCode ?? 0;
  if (status < 200 || status >= 300) {
    res.destroy();
    throw failed(`the server answered HTTP ${status}`);
  }
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > ctx.maxImageBytes) {
    res.destroy();
    throw imageTooLarge(param.replace(/\.image_url$/, ''), declared, ctx.maxImageBytes);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > ctx.maxImageBytes) throw imageTooLarge(param.replace(/\.image_url$/, ''), size, ctx.maxImageBytes);
      chunks.push(chunk);
    }
  } catch (e) {
    res.destroy();
    if (e instanceof ApiError) throw e;
    throw failed(e instanceof Error ? (e as NodeJS.ErrnoException).code ?? e.name : 'network error');
  }
  return new Uint8Array(Buffer.concat(chunks));
}

/**
 * The one way maskedit reads a file a user (or a forged folder) names: open without blocking, fstat the open
 * descriptor, accept a regular file only, refuse anything larger than the cap before a byte is buffered, and
 * read at most the cap even when the file grows while it is read. A FIFO, a socket, /dev/zero or a folder
 * get `NOT_A_FILE`, never a hang or an endless read. Every input read (images, masks, references, session
 * manifests, the API key file) goes through {@link readRegularFile}.
 *
 * @example
 * const bytes = await readRegularFile('photo.png', { code: 'IMAGE', what: 'an image file' });
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { Code } from '../core/codes.js';
import { MaskeditError } from '../core/errors.js';

/** Node cannot hold one buffer of 2 GiB or more; nothing maskedit reads is that large. */
export const MAX_READ_BYTES = 2 ** 31 - 1;

/** The files read through here; each prefix has the four rows `<prefix>_NOT_FOUND|_NOT_A_FILE|_UNREADABLE|_TOO_LARGE` in src/core/codes.ts. */
export type SafeReadPrefix = 'IMAGE' | 'MASK' | 'SESSION_MANIFEST' | 'API_KEY_FILE';

export interface SafeReadOptions {
  /** Code prefix: `IMAGE` gives IMAGE_NOT_FOUND, IMAGE_NOT_A_FILE, IMAGE_TOO_LARGE, IMAGE_UNREADABLE. */
  code: SafeReadPrefix;
  /** What the file should be, for messages: "an image file". */
  what: string;
  /** Largest size accepted (default and ceiling: {@link MAX_READ_BYTES}). */
  maxBytes?: number;
  /** Read only this many bytes from the start (a header), after the same checks. */
  headBytes?: number;
  /** Error class to raise (default MaskeditError); ImageError/MaskError keep their layer visible. */
  errorClass?: new (code: Code, message: string, fix?: string, options?: { cause?: unknown }) => MaskeditError;
}

export interface OpenedFile {
  handle: FileHandle;
  size: number;
}

function fmtBytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(1)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}

function kindOf(s: { isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean }): string {
  if (s.isDirectory()) return 'a folder';
  if (s.isFIFO()) return 'a named pipe (FIFO)';
  if (s.isSocket()) return 'a socket';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

/**
 * Opens `path` for reading and checks it is a regular file within the cap; the caller closes the handle.
 * O_NONBLOCK keeps a FIFO with no writer from blocking the open; it has no effect on regular files.
 */
export async function openRegularFile(path: string, opts: SafeReadOptions): Promise<OpenedFile> {
  const Err = opts.errorClass ?? MaskeditError;
  const max = Math.min(opts.maxBytes ?? MAX_READ_BYTES, MAX_READ_BYTES);
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Err(`${opts.code}_NOT_FOUND`, `${path} does not exist`, `check the path (relative paths start from ${process.cwd()})`);
    if (code === 'ENOTDIR') throw new Err(`${opts.code}_NOT_FOUND`, `${path} does not exist (a part of the path is a file, not a folder)`, `check the path (relative paths start from ${process.cwd()})`);
    if (code === 'ENXIO') throw new Err(`${opts.code}_NOT_A_FILE`, `${path} is a socket; expected ${opts.what}`, `pass the path of ${opts.what}`);
    if (code === 'EACCES' || code === 'EPERM') throw new Err(`${opts.code}_UNREADABLE`, `${path} cannot be read (permission denied)`, `check the file's permissions (ls -l ${path})`);
    throw new Err(`${opts.code}_UNREADABLE`, `${path} cannot be read (${code ?? (e as Error).message})`, `check that ${path} is ${opts.what} you can read`);
  }
  try {
    const s = await handle.stat();
    if (!s.isFile()) {
      throw new Err(`${opts.code}_NOT_A_FILE`, `${path} is ${kindOf(s)}; expected ${opts.what}`, `pass the path of ${opts.what}`);
    }
    if (s.size > max) {
      throw new Err(`${opts.code}_TOO_LARGE`, `${path} is ${fmtBytes(s.size)}; the limit is ${fmtBytes(max)}`, max === MAX_READ_BYTES ? `maskedit reads files under 2 GiB; pass a smaller ${opts.what.replace(/^an? /, '')}` : `pass a smaller ${opts.what.replace(/^an? /, '')} (at most ${fmtBytes(max)})`);
    }
    return { handle, size: s.size };
  } catch (e) {
    await handle.close().catch(() => {});
    throw e;
  }
}

/** Reads a regular file whole (or its first `headBytes`), never more than the cap. */
export async function readRegularFile(path: string, opts: SafeReadOptions): Promise<Uint8Array> {
  const Err = opts.errorClass ?? MaskeditError;
  const max = Math.min(opts.maxBytes ?? MAX_READ_BYTES, MAX_READ_BYTES);
  const { handle, size } = await openRegularFile(path, opts);
  try {
    const want = opts.headBytes !== undefined ? Math.min(opts.headBytes, max) : size;
    // One byte beyond the stat size tells a file that grew since (e.g. a log being written) from one that did not.
    const limit = opts.headBytes !== undefined ? want : Math.min(size + 1, max + 1);
    let buf = Buffer.allocUnsafe(Math.max(limit, 1));
    let got = 0;
    for (;;) {
      if (got === buf.length) {
        if (opts.headBytes !== undefined || buf.length > max) break;
        // The file grew: keep reading in steps, up to the cap.
        const next = Buffer.allocUnsafe(Math.min(buf.length * 2, max + 1));
        buf.copy(next, 0, 0, got);
        buf = next;
      }
      const { bytesRead } = await handle.read(buf, got, buf.length - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    if (got > max) {
      throw new Err(`${opts.code}_TOO_LARGE`, `${path} grew beyond the limit of ${fmtBytes(max)} while it was read`, `pass a file that is not being written to`);
    }
    const out = new Uint8Array(buf.buffer, buf.byteOffset, Math.min(got, opts.headBytes ?? got));
    return out;
  } catch (e) {
    if (e instanceof MaskeditError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new Err(`${opts.code}_UNREADABLE`, `${path} cannot be read (${code ?? (e as Error).message})`, `check that ${path} is ${opts.what} you can read`);
  } finally {
    await handle.close().catch(() => {});
  }
}

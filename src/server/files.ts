/**
 * The on-disk file store behind `/v1/files`. Each file is two entries in one folder: `<id>` (the bytes) and
 * `<id>.json` (its OpenAIFile object). Ids are random (`file-` + 24 base62 characters) and checked against
 * {@link FILE_ID_PATTERN} before any path is built, so no request can name a path. Uploads stream into
 * `.tmp/` and are renamed into place only when complete, so a failed or aborted upload leaves nothing behind.
 * The store keeps a byte and a count quota and removes files past their `expires_at` (swept on a timer).
 */
import { randomBytes, randomInt } from 'node:crypto';
import { constants, openSync, createReadStream, createWriteStream, type ReadStream } from 'node:fs';
import { lstat, open, readdir, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { openPrivateDir, openPrivateSubdir, storeDir } from '../store/location.js';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ApiError } from './errors.js';

/** OpenAI's file object (spec: `OpenAIFile`). */
export interface FileObject {
  id: string;
  object: 'file';
  bytes: number;
  created_at: number;
  expires_at: number;
  filename: string;
  purpose: string;
  status: 'processed';
  status_details: null;
}

export const FILE_ID_PATTERN = /^file-[A-Za-z0-9]{24}$/;
/** `CreateFileRequest.purpose`. */
export const FILE_PURPOSES = ['assistants', 'batch', 'fine-tune', 'vision', 'user_data', 'evals'] as const;

export interface FileStoreOptions {
  /** Folder (created 0700 if missing; refused when not owned by the user or writable by others). Default: {@link defaultFilesDir}. */
  dir?: string;
  /** Largest single file, bytes (default 50 MB, OpenAI's image limit). */
  maxFileBytes?: number;
  /** All files together, bytes (default 2 GB). */
  maxTotalBytes?: number;
  /** Number of files (default 1000). */
  maxFiles?: number;
  /** Lifetime of a file, seconds (default 24 h). */
  ttlSeconds?: number;
  /** Sweep interval, ms (default 60 s; 0 disables the timer). */
  sweepIntervalMs?: number;
  /** Clock in ms (tests). */
  now?: () => number;
}

/** What the client says about an upload. */
export interface FileMeta {
  filename: string;
  purpose: string;
  /** `expires_after.seconds`; capped at the store's lifetime. */
  ttlSeconds?: number;
}

/** An upload streamed to `.tmp/`, not yet in the store. */
export interface StagedFile {
  path: string;
  bytes: number;
  done: boolean;
}

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const MB = 1024 * 1024;

/** `$XDG_DATA_HOME/maskedit/files` or `~/.local/share/maskedit/files`: private to the user (src/store/location.ts). */
export function defaultFilesDir(): string {
  return storeDir('files');
}

/** A fresh `file-…` id: 24 base62 characters ≈ 143 bits from the CSPRNG. */
export function newFileId(): string {
  let s = 'file-';
  for (let i = 0; i < 24; i++) s += BASE62[randomInt(62)];
  return s;
}

export function isFileId(id: string): boolean {
  return FILE_ID_PATTERN.test(id);
}

/** OpenAI's 404 for an unknown file. */
export function noSuchFile(id: string, param = 'file_id'): ApiError {
  return new ApiError({ status: 404, apiCode: null, param, code: 'FILE_NOT_FOUND', message: `No such File object: ${id.slice(0, 100)}` });
}

/**
 * @example
 * const store = await FileStore.open({ dir: '/tmp/maskedit-files' });
 * const file = await store.put(fs.createReadStream('photo.png'), { filename: 'photo.png', purpose: 'vision' });
 * const bytes = await store.read(file.id);
 */
export class FileStore {
  readonly dir: string;
  readonly maxFileBytes: number;
  readonly maxTotalBytes: number;
  readonly maxFiles: number;
  readonly ttlSeconds: number;
  private readonly now: () => number;
  private readonly files = new Map<string, FileObject>();
  /** Bytes promised to uploads in flight, so parallel uploads cannot overrun the quota together. */
  private pendingBytes = 0;
  private pendingFiles = 0;
  private timer: NodeJS.Timeout | undefined;

  private constructor(opts: FileStoreOptions, dir: string) {
    this.dir = dir;
    this.maxFileBytes = opts.maxFileBytes ?? 50 * MB;
    this.maxTotalBytes = opts.maxTotalBytes ?? 2048 * MB;
    this.maxFiles = opts.maxFiles ?? 1000;
    this.ttlSeconds = opts.ttlSeconds ?? 24 * 3600;
    this.now = opts.now ?? Date.now;
  }

  /** Creates the folder, clears half-written uploads of an earlier run, loads and sweeps existing files. */
  static async open(opts: FileStoreOptions = {}): Promise<FileStore> {
    // A private folder owned by this user (STORE_UNSAFE otherwise); every path below is built from its real path.
    const store = new FileStore(opts, await openPrivateDir(opts.dir ?? defaultFilesDir()));
    await openPrivateSubdir(store.dir, '.tmp');
    // Half-written uploads of an earlier run: unlink removes a file or a link itself, never what a link names.
    for (const name of await readdir(store.tmpDir)) {
      const s = await lstat(join(store.tmpDir, name)).catch(() => undefined);
      if (s && !s.isDirectory()) await unlink(join(store.tmpDir, name)).catch(() => {});
    }
    for (const name of await readdir(store.dir)) {
      const id = name.replace(/\.json$/, '');
      if (!name.endsWith('.json') || !isFileId(id)) continue;
      try {
        const meta = JSON.parse(Buffer.from(await readNoFollow(join(store.dir, name))).toString('utf8')) as FileObject;
        const s = await lstat(store.pathOf(id));
        if (meta.id === id && s.isFile() && s.size === meta.bytes) store.files.set(id, meta);
        else await store.removeEntries(id);
      } catch {
        await store.removeEntries(id);
      }
    }
    await store.sweep();
    const every = opts.sweepIntervalMs ?? 60_000;
    if (every > 0) {
      store.timer = setInterval(() => void store.sweep().catch(() => undefined), every);
      store.timer.unref();
    }
    return store;
  }

  private get tmpDir(): string {
    return join(this.dir, '.tmp');
  }

  /** The data path of a valid id; throws for anything else, so raw input never reaches `join`. */
  private pathOf(id: string): string {
    if (!isFileId(id)) throw new Error(`not a file id: ${JSON.stringify(id)}`);
    return join(this.dir, id);
  }

  private async removeEntries(id: string): Promise<void> {
    await rm(this.pathOf(id), { force: true });
    await rm(`${this.pathOf(id)}.json`, { force: true });
  }

  usage(): { files: number; bytes: number } {
    let bytes = 0;
    for (const f of this.files.values()) bytes += f.bytes;
    return { files: this.files.size, bytes };
  }

  private quotaError(what: string): ApiError {
    return new ApiError({
      status: 400, apiCode: 'files_quota_exceeded', param: 'file', code: 'FILES_QUOTA_EXCEEDED',
      message: `The file store is full: ${what}.`,
      fix: 'delete files you no longer need (DELETE /v1/files/{id}) or restart maskedit serve with a larger --files-dir quota',
    });
  }

  /**
   * Streams `source` into the store in one step ({@link stage} then {@link commit}).
   *
   * @example
   * const file = await store.put(stream, { filename: 'a.png', purpose: 'vision' });
   */
  async put(source: Readable, meta: FileMeta): Promise<FileObject> {
    const staged = await this.stage(source);
    try {
      return await this.commit(staged, meta);
    } catch (e) {
      await this.discard(staged);
      throw e;
    }
  }

  /**
   * Streams `source` into `.tmp/` under the size limit and the quota. On any error (size limit, quota, a client
   * that went away) the temp file is removed and the error rethrown. The bytes count against the quota until
   * {@link commit} or {@link discard}.
   */
  async stage(source: Readable): Promise<StagedFile> {
    const usage = this.usage();
    if (usage.files + this.pendingFiles >= this.maxFiles) {
      source.resume();
      throw this.quotaError(`${this.maxFiles} files stored`);
    }
    const room = this.maxTotalBytes - usage.bytes - this.pendingBytes;
    if (room <= 0) {
      source.resume();
      throw this.quotaError(`${usage.bytes} of ${this.maxTotalBytes} bytes used`);
    }
    const limit = Math.min(this.maxFileBytes, room);
    const staged: StagedFile = { path: join(this.tmpDir, randomBytes(12).toString('hex')), bytes: 0, done: false };
    this.pendingFiles++;
    const counter = new Transform({
      transform: (chunk: Buffer, _enc, done) => {
        staged.bytes += chunk.length;
        this.pendingBytes += chunk.length;
        if (staged.bytes > limit) {
          done(staged.bytes > this.maxFileBytes
            ? new ApiError({ status: 413, apiCode: 'file_too_large', param: 'file', code: 'FILE_TOO_LARGE', message: `The file is larger than this server's limit of ${this.maxFileBytes} bytes.`, fix: 'upload a smaller image (PNG, JPEG or WebP under 50 MB)' })
            : this.quotaError(`the upload does not fit in the remaining ${room} bytes`));
          return;
        }
        done(null, chunk);
      },
    });
    try {
      await pipeline(source, counter, createWriteStream(staged.path, { flags: 'wx', mode: 0o600 }));
      return staged;
    } catch (e) {
      await this.discard(staged);
      throw e;
    }
  }

  /** Moves a staged upload into the store under a new id. */
  async commit(staged: StagedFile, meta: FileMeta): Promise<FileObject> {
    if (staged.done) throw new Error('staged file already committed or discarded');
    const created = Math.floor(this.now() / 1000);
    const id = newFileId();
    const ttl = Math.min(this.ttlSeconds, meta.ttlSeconds ?? this.ttlSeconds);
    const file: FileObject = {
      id, object: 'file', bytes: staged.bytes, created_at: created, expires_at: created + ttl,
      filename: sanitizeFilename(meta.filename), purpose: meta.purpose, status: 'processed', status_details: null,
    };
    try {
      await writeFile(`${this.pathOf(id)}.json`, JSON.stringify(file), { mode: 0o600 });
      await rename(staged.path, this.pathOf(id));
    } catch (e) {
      await this.removeEntries(id);
      throw e;
    }
    this.release(staged);
    this.files.set(id, file);
    return file;
  }

  /** Removes a staged upload (safe to call twice). */
  async discard(staged: StagedFile): Promise<void> {
    if (staged.done) return;
    this.release(staged);
    await rm(staged.path, { force: true });
  }

  private release(staged: StagedFile): void {
    if (staged.done) return;
    staged.done = true;
    this.pendingFiles--;
    this.pendingBytes -= staged.bytes;
  }

  /** The file object, or undefined for unknown, malformed or expired ids. */
  get(id: string): FileObject | undefined {
    if (!isFileId(id)) return undefined;
    const f = this.files.get(id);
    if (!f || f.expires_at * 1000 <= this.now()) return undefined;
    return f;
  }

  /** Like {@link get} but throws OpenAI's 404. */
  require(id: string, param = 'file_id'): FileObject {
    const f = this.get(id);
    if (!f) throw noSuchFile(id, param);
    return f;
  }

  list(): FileObject[] {
    return [...this.files.keys()].map((id) => this.get(id)).filter((f): f is FileObject => f !== undefined)
      .sort((a, b) => b.created_at - a.created_at);
  }

  async read(id: string, param = 'file_id'): Promise<Uint8Array> {
    this.require(id, param);
    return readNoFollow(this.pathOf(id));
  }

  /** The first `n` bytes (to sniff the format without reading the whole file). */
  async head(id: string, n = 512): Promise<Uint8Array> {
    this.require(id);
    const fh = await open(this.pathOf(id), constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      const buf = Buffer.alloc(n);
      const { bytesRead } = await fh.read(buf, 0, n, 0);
      return new Uint8Array(buf.buffer, buf.byteOffset, bytesRead);
    } finally {
      await fh.close();
    }
  }

  stream(id: string): ReadStream {
    this.require(id);
    return createReadStream('', { fd: openSync(this.pathOf(id), constants.O_RDONLY | constants.O_NOFOLLOW) });
  }

  /** Removes a file; false when there was none. */
  async delete(id: string): Promise<boolean> {
    if (!this.get(id)) return false;
    this.files.delete(id);
    await this.removeEntries(id);
    return true;
  }

  /** Removes expired files; returns how many. */
  async sweep(): Promise<number> {
    const nowS = this.now() / 1000;
    let removed = 0;
    for (const [id, f] of [...this.files]) {
      if (f.expires_at <= nowS) {
        this.files.delete(id);
        await this.removeEntries(id);
        removed++;
      }
    }
    return removed;
  }

  /** Stops the sweep timer (files stay on disk for the next run until they expire). */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** Reads a store entry; a symlink planted in the store is refused (ELOOP), never followed. */
async function readNoFollow(path: string): Promise<Uint8Array> {
  const fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const s = await fh.stat();
    if (!s.isFile()) throw new Error(`${path} is not a regular file`);
    return new Uint8Array(await fh.readFile());
  } finally {
    await fh.close();
  }
}

/** Keeps the client's file name for display only: no folders, no control characters, at most 255 chars. */
export function sanitizeFilename(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const clean = base.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 255);
  return clean || 'upload';
}

/**
 * What every route of the server shares, hung on the fastify instance as `app.maskedit`: the file store, the
 * edit queue, the provider and the limits. Routes added later from their own files (the studio's `/api/*`,
 * `POST /v1/responses`) read it instead of building their own, so they get the same queue, quota and limits.
 */
import type { Provider } from '../providers/provider.js';
import type { PixelPool } from '../pipeline/pixel-pool.js';
import type { EditQueue, Ticket } from './queue.js';
import type { UploadGate } from './uploads.js';
import type { UploadWatchOptions } from './upload-watch.js';
import type { FileStore } from './files.js';
import type { InputLimits, RefContext } from './edit-input.js';
import type { ParamNames } from './errors.js';

export interface ServerContext {
  files: FileStore;
  queue: EditQueue;
  provider: Provider;
  /** The worker that runs edits' pixel loops off the event loop (pipeline/pixel-pool.ts). */
  pixels: PixelPool;
  /** Engine name for the local provider (undefined: the provider's default). */
  engine: string | undefined;
  limits: InputLimits;
  allowUrlFetch: boolean;
  /** Per-request budget, ms: body, queue wait and the edit together. */
  requestTimeoutMs: number;
  /** Uploads in progress (their bodies arriving), limited apart from the queue (uploads.ts). */
  uploads: UploadGate;
  /** When an arriving body is answered 408: stalled or below the minimum rate (upload-watch.ts). */
  uploadWatch: UploadWatchOptions;
  maxPixels: number | undefined;
  /** The date models are judged on: `ServerOptions.today` (MASKEDIT_TODAY) when pinned, else the clock's UTC date per call. */
  today(): string;
  /** When the server started, Unix seconds. */
  startedAt: number;
  /** Image references (`file_id`, data URL, http(s) if allowed) resolve through this. */
  refContext(signal?: AbortSignal): RefContext;
  /**
   * An AbortSignal for one request's work: fires when the client disconnects, when `requestTimeoutMs` passes
   * (reason: a 504 ApiError) or when the server shuts down (reason: a 503 ApiError). Call `done()` at the end.
   */
  track(raw: { on(event: 'close', fn: () => void): unknown; off(event: 'close', fn: () => void): unknown; writableFinished: boolean }): { signal: AbortSignal; done(): void };
}

declare module 'fastify' {
  interface FastifyInstance {
    maskedit: ServerContext;
  }
  interface FastifyRequest {
    /** Error `param` names for this request's images (set by the edit route). */
    maskeditParams?: ParamNames;
    /** The edit-queue place, taken once the body has arrived (queued-route.ts `admit`). */
    maskeditTicket?: Ticket;
    /** Gives back the upload place held while the body arrives (idempotent). */
    maskeditUpload?: () => void;
  }
}

/**
 * `buildServer`: the OpenAI-compatible maskedit server as a fastify instance, ready for `inject` in tests or
 * `listen` (see {@link startServer}). The routes of other features plug in through `options.plugins`; each
 * plugin is an ordinary fastify plugin registered after the core routes, and finds the shared pieces on
 * `app.maskedit` (file store, queue, provider, limits, request tracking). Hooks installed here apply to its
 * routes too: the error boundary (OpenAI's error body), Bearer auth (opt out per route with
 * `config: { public: true }`), `x-request-id`, and one log line per request.
 *
 * @example
 * const app = await buildServer({ engine: 'telea', plugins: [async (app) => {
 *   app.get('/api/hello', async () => ({ queue: app.maskedit.queue.stats() }));
 * }] });
 */
import { isoDate } from '../core/lifecycle.js';
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import type { Writable } from 'node:stream';
import Fastify, { LogController, type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import multipart from '@fastify/multipart';
import pino, { type Logger } from 'pino';
import { MaskeditError } from '../core/errors.js';
import type { Provider } from '../providers/provider.js';
import { localProvider } from '../providers/local.js';
import { DEFAULT_ENGINE, THREADED_ENGINES } from '../engines/engine.js';
import { installAuth } from './auth.js';
import type { ServerContext } from './context.js';
import { DEFAULT_INPUT_LIMITS, type InputLimits } from './edit-input.js';
import { ApiError, installErrorBoundary } from './errors.js';
import { FileStore, type FileStoreOptions } from './files.js';
import { EditQueue } from './queue.js';
import { batchesRoutes, type BatchesOptions } from './routes/batches.js';
import { defaultMaxPixels } from '../io/image.js';
import { UploadGate } from './uploads.js';
import { DEFAULT_UPLOAD_WATCH } from './upload-watch.js';
import { editsRoutes } from './routes/edits.js';
import { filesRoutes } from './routes/files.js';
import { healthRoutes } from './routes/health.js';
import { modelsRoutes } from './routes/models.js';
import { limitProvider } from './provider-limit.js';
import { installRequestGuard } from './request-guard.js';
import { openAIClientErrorHandler } from './client-errors.js';
import { createPixelPool, type PixelPool } from '../pipeline/pixel-pool.js';

export interface ServerOptions {
  /** The worker for edits' pixel loops (default: one the server starts on first use and ends on close). */
  pixels?: PixelPool;
  /** `/v1/batches`: completion window and clock (tests). */
  batches?: BatchesOptions;
  /** The address the server binds to (default 127.0.0.1); on loopback only loopback Host names are answered. */
  host?: string;
  /** Host names accepted besides loopback ones, and origins allowed to POST besides the server's own (request-guard.ts). */
  allowedHosts?: string[];
  allowedOrigins?: string[];
  /** Bearer key required on every non-public route; none → no auth (only allowed on loopback, see startServer). */
  apiKey?: string;
  /** Engine for the local provider: patchmatch (default), telea, ns. */
  engine?: string;
  /** Replaces the local provider (tests, or a proxy to another surface). */
  provider?: Provider;
  /** File store: folder, quota, expiry. */
  files?: FileStoreOptions;
  /** Edits running at once (default: available cores). */
  concurrency?: number;
  /** Edits allowed to wait beyond the running ones before 429 (default 32). */
  queue?: number;
  /**
   * Decoded pixels (image + mask, probed from headers) the running edits may hold together; a request larger
   * than this is refused with 413 PIXEL_BUDGET_EXCEEDED (default: twice the per-image pixel limit, i.e. one
   * edit at the limit at a time).
   */
  pixelBudget?: number;
  /**
   * `provider.edit` calls at once (default: `concurrency`, but 1 for the patchmatch engine, whose helper threads
   * serve one fill at a time; see provider-limit.ts). Decoding and encoding still overlap up to `concurrency`.
   */
  providerConcurrency?: number;
  /** Per-request limits: 50 MB per image, 16 images, 100 MB per body by default. */
  limits?: Partial<InputLimits>;
  /** Fetch http(s) `image_url`s in JSON edits (off by default: the server would fetch any URL a client names). */
  allowUrlFetch?: boolean;
  /** With allowUrlFetch: also fetch loopback, private, link-local and metadata addresses (off by default). */
  allowPrivateUrls?: boolean;
  /** An upload body that stalls (no byte received) this long gets 408 (default 30 000 ms). */
  uploadIdleMs?: number;
  /** An upload body averaging fewer bytes/s than this over `uploadRateWindowMs` gets 408 (default 64; 0: off). */
  uploadMinBytesPerSec?: number;
  /** The window the upload rate is measured over (default 30 000 ms). */
  uploadRateWindowMs?: number;
  /** Uploads arriving at once before 429 (default 64); an upload takes a queue place only once it has arrived. */
  maxUploads?: number;
  /** Budget per request, ms: upload, queue wait and edit together (default 300 000). */
  requestTimeoutMs?: number;
  /** Pixel limit per decoded image (default: io/settings.ts `maxPixels`, 100 MP unless the CLI read MASKEDIT_MAX_PIXELS). */
  maxPixels?: number;
  /** Judge models on this date (YYYY-MM-DD; `maskedit serve` passes MASKEDIT_TODAY); default: each request's UTC date. */
  today?: string;
  /** `false` for no logs; otherwise pino at `level` (default info) to `stream` (default stderr). */
  logger?: false | { level?: string; stream?: Writable };
  /** Extra routes from other features, registered after the core routes. */
  plugins?: FastifyPluginAsync[];
}

/** Paths pino replaces with "[redacted]": the key must never reach a log, whatever logs a request. */
export const REDACT_PATHS = ['req.headers.authorization', 'headers.authorization', 'request.headers.authorization', 'authorization', 'apiKey', '*.apiKey'];

function makeLogger(opt: ServerOptions['logger']): Logger | undefined {
  if (opt === false) return undefined;
  return pino({
    level: opt?.level ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    // Requests are logged by the onResponse hook below: id, method, route, status, ms — no headers, no body.
    serializers: { req: (req: { method?: string; url?: string }) => ({ method: req.method, url: req.url?.split('?')[0] }) },
  }, opt?.stream ?? process.stderr);
}

/**
 * Builds the server (routes, hooks, file store opened). Nothing listens until `app.listen` or
 * {@link startServer}; `app.close()` stops the store's sweep timer and cancels running edits.
 *
 * @example
 * const app = await buildServer({ engine: 'telea', logger: false });
 * const res = await app.inject({ method: 'GET', url: '/v1/models' });
 */
export async function buildServer(options: ServerOptions = {}): Promise<FastifyInstance> {
  const limits: InputLimits = { ...DEFAULT_INPUT_LIMITS, ...options.limits };
  const requestTimeoutMs = options.requestTimeoutMs ?? 300_000;
  const logger = makeLogger(options.logger);
  const app = Fastify({
    ...(logger ? { loggerInstance: logger } : { logger: false }),
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => `req_${randomBytes(12).toString('hex')}`,
    requestIdHeader: false,
    bodyLimit: limits.maxBodyBytes,
    // Node's own limit for receiving a request; the edit budget below covers the work after it.
    requestTimeout: requestTimeoutMs + 5_000,
    // Requests that arrive while closing get OpenAI's error shape from the hook below, not fastify's own body.
    return503OnClosing: false,
    // Node's own 400/408/431 answers in OpenAI's error shape too.
    clientErrorHandler: openAIClientErrorHandler,
  }) as unknown as FastifyInstance;

  const files = await FileStore.open({ maxFileBytes: limits.maxImageBytes, ...options.files });
  const queue = new EditQueue({ concurrency: options.concurrency ?? availableParallelism(), maxQueued: options.queue ?? 32, pixelBudget: options.pixelBudget ?? 2 * (options.maxPixels ?? defaultMaxPixels()) });
  const fills = options.providerConcurrency ?? (!options.provider && THREADED_ENGINES.includes(options.engine ?? DEFAULT_ENGINE) ? 1 : queue.concurrency);
  const provider = limitProvider(options.provider ?? localProvider(options.engine !== undefined ? { engine: options.engine } : {}), fills);
  const inFlight = new Set<AbortController>();
  const pixels = options.pixels ?? createPixelPool();

  const context: ServerContext = {
    files, queue, provider, limits, requestTimeoutMs, pixels,
    uploads: new UploadGate(options.maxUploads ?? 64),
    uploadWatch: {
      idleMs: options.uploadIdleMs ?? DEFAULT_UPLOAD_WATCH.idleMs,
      minBytesPerSec: options.uploadMinBytesPerSec ?? DEFAULT_UPLOAD_WATCH.minBytesPerSec,
      windowMs: options.uploadRateWindowMs ?? DEFAULT_UPLOAD_WATCH.windowMs,
    },
    engine: options.engine,
    allowUrlFetch: options.allowUrlFetch ?? false,
    maxPixels: options.maxPixels,
    startedAt: Math.floor(Date.now() / 1000),
    today: () => options.today ?? isoDate(new Date()),
    refContext: (signal) => ({ files, allowUrlFetch: options.allowUrlFetch ?? false, allowPrivateUrls: options.allowPrivateUrls ?? false, maxImageBytes: limits.maxImageBytes, maxTotalBytes: limits.maxBodyBytes, ...(signal && { signal }) }),
    track(raw) {
      const controller = new AbortController();
      inFlight.add(controller);
      const onClose = () => {
        if (!raw.writableFinished) controller.abort(new MaskeditError('CLIENT_DISCONNECTED', 'the client closed the connection'));
      };
      raw.on('close', onClose);
      const timer = setTimeout(() => controller.abort(new ApiError({
        status: 504, apiCode: 'timeout', code: 'REQUEST_TIMEOUT', type: 'server_error',
        message: `The request took longer than this server's limit of ${requestTimeoutMs < 10_000 ? `${requestTimeoutMs} ms` : `${Math.round(requestTimeoutMs / 1000)} s`} and was cancelled.`,
        fix: 'send a smaller image or mask, use a faster engine (--engine telea), or start the server with a longer timeout',
      })), requestTimeoutMs);
      timer.unref();
      return {
        signal: controller.signal,
        done: () => {
          clearTimeout(timer);
          raw.off('close', onClose);
          inFlight.delete(controller);
        },
      };
    },
  };
  app.decorate('maskedit', context);

  installErrorBoundary(app);
  const started = new WeakMap<object, number>();
  app.addHook('onRequest', async (request, reply) => {
    started.set(request, performance.now());
    void reply.header('x-request-id', request.id);
  });
  installRequestGuard(app, { ...(options.host !== undefined && { host: options.host }), ...(options.allowedHosts && { allowedHosts: options.allowedHosts }), ...(options.allowedOrigins && { allowedOrigins: options.allowedOrigins }) });
  installAuth(app, options.apiKey);
  app.addHook('onResponse', async (request, reply) => {
    request.log.info({ method: request.method, route: request.routeOptions.url ?? 'unmatched', status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
  });
  app.addHook('onRequestAbort', async (request) => {
    request.log.info({ method: request.method, route: request.routeOptions.url ?? 'unmatched', status: 499, ms: Math.round(performance.now() - (started.get(request) ?? performance.now())) }, 'client closed the connection');
  });
  // Shutdown: running edits stop now instead of holding app.close() until they finish; late requests get 503.
  let closing = false;
  const shuttingDown = () => new ApiError({ status: 503, apiCode: 'server_shutting_down', code: 'SERVER_SHUTTING_DOWN', type: 'server_error', message: 'The maskedit server is shutting down; the request was cancelled.' });
  app.addHook('onRequest', async () => {
    if (closing) throw shuttingDown();
  });
  app.addHook('preClose', async () => {
    closing = true;
    for (const c of inFlight) c.abort(shuttingDown());
  });
  app.addHook('onClose', async () => files.close());
  // The pixel worker ends with the server (a pool the caller passed in is the caller's to close).
  if (!options.pixels) app.addHook('onClose', async () => pixels.close());

  await app.register(multipart, { throwFileSizeLimit: true, limits: { fileSize: limits.maxImageBytes } });
  await app.register(healthRoutes);
  await app.register(modelsRoutes);
  await app.register(filesRoutes);
  await app.register(editsRoutes);
  await app.register(batchesRoutes(options.batches));
  for (const plugin of options.plugins ?? []) await app.register(plugin);
  return app;
}

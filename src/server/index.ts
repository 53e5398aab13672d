/**
 * maskedit/server: the OpenAI-compatible server, and the deliberate list of pieces a plugin's routes reuse
 * (docs/server.md, "Using the server from code"). Internals (auth checks, the error boundary's installer, file
 * id minting, output encoding, SSE framing) stay unexported; test/server/exports.test.ts pins this list.
 */
// The server.
export { buildServer, type ServerOptions } from './app.js';
export { startServer, DEFAULT_HOST, DEFAULT_PORT, type ListenOptions, type RunningServer } from './listen.js';
export type { ServerContext } from './context.js';
export { assertBindable, isLoopbackHost } from './auth.js';

// Errors in OpenAI's shape.
export { ApiError, toApiError, problemToApiError, sendApiError, type OpenAIErrorBody, type OpenAIErrorObject, type ParamNames } from './errors.js';

// What a plugin route reads and runs (through `app.maskedit`).
export type { QueueOptions, QueueStats, Ticket, EditQueue } from './queue.js';
export { FILE_ID_PATTERN, FILE_PURPOSES, type FileStore, type FileObject, type FileStoreOptions, type FileMeta, type StagedFile } from './files.js';
export { parseEditOptions, type EditParams, type OutputFormat, type Background } from './edit-options.js';
export { readMultipartEdit, readJsonEdit, resolveImageRef, decodeDataUrl, type EditInput, type InputFile, type InputLimits, type RefContext } from './edit-input.js';
export { runEdit, type ImagesResponse, type EditOutcome, type RunEditOptions, type PartialImage } from './edit-run.js';
export { openSse, type SseStream } from './sse.js';
export { WARNINGS_HEADER } from './routes/edits.js';
export { limitProvider } from './provider-limit.js';
export { stringifyWithBase64 } from './json.js';

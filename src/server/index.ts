/** maskedit/server: the OpenAI-compatible server and the pieces other routes reuse. */
export { buildServer, REDACT_PATHS, type ServerOptions } from './app.js';
export { startServer, DEFAULT_HOST, DEFAULT_PORT, type ListenOptions, type RunningServer } from './listen.js';
export type { ServerContext } from './context.js';
export { ApiError, toApiError, problemToApiError, sendApiError, installErrorBoundary, type OpenAIErrorBody, type OpenAIErrorObject, type ParamNames } from './errors.js';
export { installAuth, assertBindable, isLoopbackHost, keysMatch, bearerToken } from './auth.js';
export { EditQueue, type QueueOptions, type QueueStats, type Ticket } from './queue.js';
export { FileStore, FILE_ID_PATTERN, FILE_PURPOSES, isFileId, newFileId, defaultFilesDir, type FileObject, type FileStoreOptions, type FileMeta, type StagedFile } from './files.js';
export { parseEditOptions, type EditOptions, type OutputFormat, type Background } from './edit-options.js';
export { readMultipartEdit, readJsonEdit, resolveImageRef, resolveImageRefs, decodeDataUrl, DEFAULT_INPUT_LIMITS, type EditInput, type InputFile, type InputLimits, type RefContext } from './edit-input.js';
export { runEdit, encodeOutput, applyBackground, progressivePreviews, type ImagesResponse, type EditOutcome, type RunEditOptions, type PartialImage } from './edit-run.js';
export { openSse, sseFrame, type SseStream } from './sse.js';
export { WARNINGS_HEADER } from './routes/edits.js';
export { limitProvider } from './provider-limit.js';
export { stringifyWithBase64 } from './json.js';

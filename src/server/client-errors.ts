/**
 * Node's HTTP parser answers some requests before fastify sees them: a malformed request line or header
 * (400), headers over the size limit (431), a request not received within `requestTimeout` (408). By default
 * those answers have an empty or plain-text body; this handler gives them OpenAI's error shape like every
 * other answer of the server. A reset connection gets no answer (nobody is listening for it).
 *
 * @example
 * Fastify({ clientErrorHandler: openAIClientErrorHandler });
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';

const ANSWERS: Record<string, [number, string, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'request_header_fields_too_large', 'The request headers are larger than this server accepts.'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'request_timeout', 'The request was not received in time; the upload stalled or was too slow.'],
};

/** The raw HTTP response for a client error code (exported for tests). */
export function clientErrorResponse(code: string | undefined, messageOverride?: string): string {
  const [status, apiCode, standard] = ANSWERS[code ?? ''] ?? [400, 'invalid_request', `The HTTP request is malformed (${code ?? 'parse error'}).`];
  const message = messageOverride ?? standard;
  const body = JSON.stringify({ error: { message, type: 'invalid_request_error', param: null, code: apiCode } });
  return `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

export function openAIClientErrorHandler(err: Error, socket: Socket): void {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ECONNRESET' || code === 'EPIPE' || !socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(clientErrorResponse(code));
}

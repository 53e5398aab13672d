/**
 * Stalled uploads must not hold queue places: a request whose body stops arriving (a trickling or frozen
 * client) is answered 408 in OpenAI's shape after `idleMs` without a byte, and its connection closed, which
 * releases its queue ticket through the route's abort hook. Progress is read from the socket's byte counter,
 * so the body stream is never touched (no listener that could switch it to flowing mode).
 *
 * @example
 * watchUpload(request, 30_000); // in a route's onRequest
 */
import { Socket } from 'node:net';
import type { FastifyRequest } from 'fastify';
import { clientErrorResponse } from './client-errors.js';

export function watchUpload(request: FastifyRequest, idleMs: number): void {
  const raw = request.raw;
  const socket = raw.socket;
  // Only a real connection has a byte counter (fastify's inject uses a stand-in without one).
  if (raw.complete || !(socket instanceof Socket) || typeof socket.bytesRead !== 'number' || idleMs <= 0) return;
  const step = Math.max(10, Math.min(1000, Math.floor(idleMs / 4)));
  let last = socket.bytesRead;
  let idleSince = Date.now();
  const timer = setInterval(() => {
    if (raw.complete || raw.destroyed || socket.destroyed) {
      clearInterval(timer);
      return;
    }
    const now = socket.bytesRead;
    if (now !== last) {
      last = now;
      idleSince = Date.now();
      return;
    }
    if (Date.now() - idleSince >= idleMs) {
      clearInterval(timer);
      request.log.info({ code: 'UPLOAD_STALLED', status: 408 }, 'upload stalled; answered 408');
      try {
        socket.end(clientErrorResponse('ERR_HTTP_REQUEST_TIMEOUT'));
      } catch {
        socket.destroy();
      }
    }
  }, step);
  timer.unref();
  raw.once('close', () => clearInterval(timer));
}

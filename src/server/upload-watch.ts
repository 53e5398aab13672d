/**
 * Slow uploads must not hold the server: while a request's body arrives the watch reads the socket's byte
 * counter (the body stream is never touched, so no listener can switch it to flowing mode) and answers 408 in
 * OpenAI's shape, closing the connection, when
 *
 * - no byte arrived for `idleMs` (a body that stopped), or
 * - fewer than `minBytesPerSec × windowMs` bytes arrived over the last `windowMs` (a trickle: one byte every
 *   few seconds is not idle, but is far below any honest upload).
 *
 * The close releases the request's upload place through the route's abort hook. A tick that runs late (the
 * server's own event loop was blocked, e.g. by a decode under load) restarts both clocks: bytes waiting in the
 * kernel are read only after the timers run, so judging that tick would blame the client for the server's stall.
 *
 * @example
 * watchUpload(request, { idleMs: 30_000, minBytesPerSec: 1024, windowMs: 10_000 }); // in a route's onRequest
 */
import { Socket } from 'node:net';
import type { FastifyRequest } from 'fastify';
import { clientErrorResponse } from './client-errors.js';

export interface UploadWatchOptions {
  /** No byte for this long → 408 (default 30 000 ms; 0 turns the idle check off). */
  idleMs: number;
  /** Minimum average rate over any `windowMs`, bytes/s (default 64; 0 turns the rate check off). */
  minBytesPerSec: number;
  /** The window the rate is measured over, ms (default 30 000). */
  windowMs: number;
}

export const DEFAULT_UPLOAD_WATCH: UploadWatchOptions = { idleMs: 30_000, minBytesPerSec: 64, windowMs: 30_000 };

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

export function watchUpload(request: FastifyRequest, opts: UploadWatchOptions = DEFAULT_UPLOAD_WATCH): void {
  const raw = request.raw;
  const socket = raw.socket;
  const { idleMs, minBytesPerSec, windowMs } = opts;
  const rateOn = minBytesPerSec > 0 && windowMs > 0;
  // Only a real connection has a byte counter (fastify's inject uses a stand-in without one).
  if (raw.complete || !(socket instanceof Socket) || typeof socket.bytesRead !== 'number' || (idleMs <= 0 && !rateOn)) return;
  const shortest = Math.min(idleMs > 0 ? idleMs : Infinity, rateOn ? windowMs : Infinity);
  const step = Math.max(10, Math.min(1000, Math.floor(shortest / 4)));
  const start = Date.now();
  let last = socket.bytesRead;
  let idleSince = start;
  /** [time, bytesRead] samples, oldest first, covering at least the last window. */
  let samples: [number, number][] = [[start, last]];
  let prevTick = start;
  const answer = (code: string, message: string) => {
    clearInterval(timer);
    request.log.info({ code, status: 408 }, 'slow upload answered 408');
    try {
      socket.end(clientErrorResponse('ERR_HTTP_REQUEST_TIMEOUT', message));
    } catch {
      socket.destroy();
    }
  };
  const timer = setInterval(() => {
    if (raw.complete || raw.destroyed || socket.destroyed) {
      clearInterval(timer);
      return;
    }
    const t = Date.now();
    const now = socket.bytesRead;
    const late = t - prevTick > 2 * step + 50;
    prevTick = t;
    if (late) {
      last = now;
      idleSince = t;
      samples = [[t, now]];
      return;
    }
    if (now !== last) {
      last = now;
      idleSince = t;
    } else if (idleMs > 0 && t - idleSince >= idleMs) {
      answer('UPLOAD_STALLED', `The upload stalled: no byte arrived for ${seconds(idleMs)}. Send the whole body without pauses.`);
      return;
    }
    if (!rateOn) return;
    samples.push([t, now]);
    // Keep the newest sample that is at least a window old, and everything after it.
    while (samples.length > 1 && t - samples[1]![0] >= windowMs) samples.shift();
    const [t0, b0] = samples[0]!;
    if (t - t0 >= windowMs && (now - b0) * 1000 < minBytesPerSec * (t - t0)) {
      answer('UPLOAD_TOO_SLOW', `The upload was too slow: fewer than ${minBytesPerSec} bytes/s arrived over ${seconds(windowMs)}. Send the body at a steady rate, or ask the operator to lower --upload-min-rate.`);
    }
  }, step);
  timer.unref();
  raw.once('close', () => clearInterval(timer));
}

/**
 * Two checks every request passes before any route runs (installed by buildServer, so plugins inherit them):
 *
 * - **Host** (DNS rebinding): a server bound to loopback answers only requests whose `Host` is a loopback
 *   name (`localhost`, `127.x.x.x`, `[::1]`). A page on `evil.example` that re-points its name at 127.0.0.1 sends
 *   `Host: evil.example` and gets 403 `HOST_NOT_ALLOWED`. A server bound beyond loopback needs an API key
 *   anyway; it accepts any Host unless `allowedHosts` lists them.
 * - **Origin** (cross-site requests): a browser sends `Origin` (and `Sec-Fetch-Site`) with a state-changing
 *   request. One from another origin is refused with 403 `CROSS_ORIGIN_REFUSED`, so a web page cannot make the
 *   studio spend the user's OpenAI key or fill the server's queue. SDKs and curl send no Origin and pass.
 *   `allowedOrigins` lists extra origins (a front end served elsewhere).
 *
 * @example
 * installRequestGuard(app, { host: '127.0.0.1' });
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isLoopbackHost } from './auth.js';
import { ApiError } from './errors.js';

export interface RequestGuardOptions {
  /** The address the server binds to (default 127.0.0.1). */
  host?: string;
  /** Host names accepted beyond the loopback ones (lower case, no port). */
  allowedHosts?: readonly string[];
  /** Origins allowed to send state-changing requests besides the server's own (`https://app.example`). */
  allowedOrigins?: readonly string[];
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** `127.0.0.1:8787` → `127.0.0.1`; `[::1]:8787` → `::1`; undefined for a missing or malformed header. */
export function hostName(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const h = header.trim().toLowerCase();
  const m = /^\[([0-9a-f:.]+)\](?::\d{1,5})?$/.exec(h) ?? /^([a-z0-9.-]+)(?::\d{1,5})?$/.exec(h);
  return m?.[1]?.replace(/\.$/, '');
}

function refuse(code: 'HOST_NOT_ALLOWED' | 'CROSS_ORIGIN_REFUSED', message: string, fix: string): ApiError {
  return new ApiError({ status: 403, apiCode: code.toLowerCase(), code, message, fix, type: 'invalid_request_error' });
}

/** Throws the 403 a request gets, or returns when it may pass. */
export function checkRequest(request: Pick<FastifyRequest, 'headers' | 'method'>, opts: RequestGuardOptions = {}): void {
  const loopbackBound = isLoopbackHost(opts.host ?? '127.0.0.1');
  const rawHost = typeof request.headers.host === 'string' ? request.headers.host : undefined;
  const name = hostName(rawHost);
  const listed = name !== undefined && (opts.allowedHosts ?? []).includes(name);
  if (loopbackBound && !listed && (name === undefined || !isLoopbackHost(name))) {
    throw refuse('HOST_NOT_ALLOWED',
      `This server listens on loopback and answers only requests for localhost, 127.0.0.1 or [::1]; received Host ${JSON.stringify((rawHost ?? '').slice(0, 100))}.`,
      'open it as http://127.0.0.1:PORT/ (a page on another name reaching it is a DNS-rebinding attempt); to serve other names, bind to a network address with an API key');
  }
  if (!loopbackBound && opts.allowedHosts?.length && !listed) {
    throw refuse('HOST_NOT_ALLOWED', `Host ${JSON.stringify((rawHost ?? '').slice(0, 100))} is not one this server answers.`, 'use a host name the server was started with');
  }
  if (SAFE_METHODS.has(request.method)) return;
  const origin = typeof request.headers.origin === 'string' ? request.headers.origin : undefined;
  const site = request.headers['sec-fetch-site'];
  if (origin !== undefined) {
    const own = rawHost !== undefined && (origin.toLowerCase() === `http://${rawHost.toLowerCase()}` || origin.toLowerCase() === `https://${rawHost.toLowerCase()}`);
    if (!own && !(opts.allowedOrigins ?? []).includes(origin)) {
      throw refuse('CROSS_ORIGIN_REFUSED', `A ${request.method} from origin ${JSON.stringify(origin.slice(0, 100))} was refused: this server accepts state-changing requests only from its own pages.`,
        'send the request from the studio page itself, or from a program (SDK, curl) rather than a web page on another site');
    }
  } else if (site === 'cross-site' || site === 'same-site') {
    throw refuse('CROSS_ORIGIN_REFUSED', `A ${request.method} from another site (Sec-Fetch-Site: ${site}) was refused.`, 'send the request from the studio page itself, or from a program (SDK, curl)');
  }
}

export function installRequestGuard(app: FastifyInstance, opts: RequestGuardOptions = {}): void {
  app.addHook('onRequest', async (request) => checkRequest(request, opts));
}

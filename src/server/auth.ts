/**
 * Bearer authentication and the bind rule. With an API key every route except those marked
 * `config: { public: true }` (only `/healthz` here) needs `Authorization: Bearer KEY`; keys are compared in
 * constant time (both sides hashed first, so even the length does not leak). Without a key the server is only
 * safe on loopback, so {@link assertBindable} refuses any other host.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { MaskeditError } from '../core/errors.js';
import { ApiError } from './errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Route answers without the API key (health checks, the studio's static files). */
    public?: boolean;
  }
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * True when `presented` equals `expected`, in time independent of where they differ.
 *
 * @example
 * keysMatch('sk-local', 'sk-local') // true
 */
export function keysMatch(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}

/** The key from `Authorization: Bearer KEY` (case-insensitive scheme), or undefined. */
export function bearerToken(request: Pick<FastifyRequest, 'headers'>): string | undefined {
  const h = request.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = /^Bearer[ \t]+(\S.*)$/i.exec(h.trim());
  return m ? m[1]!.trim() : undefined;
}

/**
 * Adds the onRequest hook that enforces the key (OpenAI's 401 bodies; the presented key is never echoed).
 *
 * @example
 * installAuth(app, process.env.MASKEDIT_API_KEY);
 */
export function installAuth(app: FastifyInstance, apiKey: string | undefined): void {
  if (!apiKey) return;
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config?.public) return;
    const token = bearerToken(request);
    if (token === undefined) {
      throw new ApiError({
        status: 401, apiCode: null, code: 'AUTH_MISSING',
        message: "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
        fix: 'pass the key the server was started with (MASKEDIT_API_KEY / --api-key-file) as the SDK apiKey',
      });
    }
    if (!keysMatch(token, apiKey)) {
      throw new ApiError({
        status: 401, apiCode: 'invalid_api_key', code: 'AUTH_INVALID',
        message: 'Incorrect API key provided. Use the key this maskedit server was started with (MASKEDIT_API_KEY or --api-key-file).',
      });
    }
  });
}

/** True for 127.0.0.0/8, ::1, ::ffff:127.x and `localhost`. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || /^::ffff:127\./.test(h) || h === '0:0:0:0:0:0:0:1';
  return false;
}

/**
 * Refuses to listen beyond loopback without an API key: anyone on the network could otherwise use the CPU
 * and read uploaded files.
 *
 * @example
 * assertBindable('0.0.0.0', undefined) // throws SERVER_HOST_NEEDS_KEY
 */
export function assertBindable(host: string, apiKey: string | undefined): void {
  if (apiKey || isLoopbackHost(host)) return;
  throw new MaskeditError('SERVER_HOST_NEEDS_KEY',
    `--host ${host} would expose the server beyond this machine without an API key; without a key maskedit serve binds to loopback (127.0.0.1, ::1, localhost) only`,
    `set a key without putting it on the command line: openssl rand -hex 24 > ~/.maskedit-key && chmod 600 ~/.maskedit-key && maskedit serve --host ${host} --api-key-file ~/.maskedit-key (or export MASKEDIT_API_KEY), or drop --host to stay on 127.0.0.1`);
}

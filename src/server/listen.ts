/**
 * `startServer`: build, check the bind rule, listen, and report the base URL — what `maskedit serve` runs.
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { MaskeditError } from '../core/errors.js';
import { buildServer, type ServerOptions } from './app.js';
import { assertBindable } from './auth.js';

export interface ListenOptions extends ServerOptions {
  /** Default 127.0.0.1; anything beyond loopback needs `apiKey`. */
  host?: string;
  /** Default 8787; 0 picks a free port. */
  port?: number;
}

export interface RunningServer {
  app: FastifyInstance;
  /** `http://127.0.0.1:8787` */
  origin: string;
  /** `http://127.0.0.1:8787/v1` — the `baseURL` for an OpenAI SDK. */
  baseURL: string;
  close(): Promise<void>;
}

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 8787;

/**
 * @example
 * const server = await startServer({ port: 0, engine: 'telea' });
 * const client = new OpenAI({ baseURL: server.baseURL, apiKey: 'unused' });
 * await server.close();
 */
export async function startServer(options: ListenOptions = {}): Promise<RunningServer> {
  const host = options.host ?? DEFAULT_HOST;
  const port = options.port ?? DEFAULT_PORT;
  assertBindable(host, options.apiKey);
  const app = await buildServer(options);
  try {
    await app.listen({ host, port });
  } catch (e) {
    await app.close();
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new MaskeditError('SERVER_PORT_IN_USE', `port ${port} on ${host} is already in use`, `stop the other server or pick another port: maskedit serve --port ${port + 1}`, { cause: e });
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new MaskeditError('SERVER_HOST_UNAVAILABLE', `cannot listen on ${host}: no such address on this machine`, 'use --host 127.0.0.1 (the default) or an address of this machine', { cause: e });
    if (code === 'EACCES') throw new MaskeditError('SERVER_PORT_DENIED', `not allowed to listen on port ${port}`, 'use a port above 1023, e.g. --port 8787', { cause: e });
    throw e;
  }
  const addr = app.server.address() as AddressInfo;
  const shown = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const origin = `http://${shown}:${addr.port}`;
  return { app, origin, baseURL: `${origin}/v1`, close: () => app.close() };
}

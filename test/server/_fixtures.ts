/** Shared pieces of the server tests: generated images, multipart bodies for `inject`, a throwaway server. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { buildServer, type ServerOptions } from '../../src/server/index.js';

/** A noisy RGBA PNG (noise keeps fills honest: a flat image fills trivially). */
export async function noisyPng(width = 256, height = 256, format: 'png' | 'jpeg' | 'webp' = 'png'): Promise<Buffer> {
  const data = Buffer.alloc(width * height * 4);
  let s = 12345;
  for (let i = 0; i < data.length; i += 4) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    data[i] = (i / 4) % width;
    data[i + 1] = (s >> 8) & 255;
    data[i + 2] = 128;
    data[i + 3] = 255;
  }
  const img = sharp(data, { raw: { width, height, channels: 4 } });
  return format === 'png' ? img.png().toBuffer() : format === 'jpeg' ? img.jpeg().toBuffer() : img.webp().toBuffer();
}

/** An RGBA mask: alpha 0 (editable) inside the box, 255 elsewhere. */
export async function boxMask(width = 256, height = 256, box = { x: 96, y: 96, w: 64, h: 64 }, opts: { alpha?: boolean } = {}): Promise<Buffer> {
  const channels = opts.alpha === false ? 3 : 4;
  const data = Buffer.alloc(width * height * channels, 255);
  for (let y = box.y; y < box.y + box.h; y++) {
    for (let x = box.x; x < box.x + box.w; x++) {
      const i = (y * width + x) * channels;
      if (channels === 4) data[i + 3] = 0;
      else data[i] = data[i + 1] = data[i + 2] = 0;
    }
  }
  return sharp(data, { raw: { width, height, channels } }).png().toBuffer();
}

export type Part = string | { bytes: Uint8Array; filename?: string; type?: string };

/** A multipart body for `app.inject`, encoded by the platform's FormData (as a browser or undici would). */
export async function multipart(fields: [string, Part][]): Promise<{ headers: Record<string, string>; payload: Buffer }> {
  const fd = new FormData();
  for (const [name, value] of fields) {
    if (typeof value === 'string') fd.append(name, value);
    else fd.append(name, new Blob([value.bytes], { type: value.type ?? 'image/png' }), value.filename ?? `${name.replace(/\W/g, '')}.png`);
  }
  const req = new Request('http://localhost/', { method: 'POST', body: fd });
  return { headers: { 'content-type': req.headers.get('content-type')! }, payload: Buffer.from(await req.arrayBuffer()) };
}

export interface TestServer {
  app: FastifyInstance;
  filesDir: string;
  close(): Promise<void>;
}

/** A server on a fresh files folder with the fast engine and no logs, unless `options` say otherwise. */
export async function testServer(options: ServerOptions = {}): Promise<TestServer> {
  const filesDir = await mkdtemp(join(tmpdir(), 'maskedit-server-test-'));
  const app = await buildServer({ engine: 'telea', logger: false, concurrency: 2, ...options, files: { dir: filesDir, sweepIntervalMs: 0, ...options.files } });
  return {
    app, filesDir,
    close: async () => {
      await app.close();
      await rm(filesDir, { recursive: true, force: true });
    },
  };
}

/** `app.inject` for a multipart POST. */
export async function postMultipart(app: FastifyInstance, url: string, fields: [string, Part][], extra: Partial<InjectOptions> = {}) {
  const { headers, payload } = await multipart(fields);
  return app.inject({ method: 'POST', url, payload, ...extra, headers: { ...headers, ...(extra.headers as Record<string, string> | undefined) } });
}

export function dataUrl(bytes: Uint8Array, mime = 'image/png'): string {
  return `data:${mime};base64,${Buffer.from(bytes).toString('base64')}`;
}

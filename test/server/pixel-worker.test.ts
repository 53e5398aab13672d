/**
 * The server runs an edit's pixel loops in its pixel worker (src/pipeline/pixel-pool.ts): while a studio edit's
 * finish is held in the worker, GET /healthz and GET /v1/models are answered; the edit then completes with the
 * same result as without the worker; and the server ends the worker it started when it closes.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { studioPlugin, type StudioResult } from '../../src/studio/plugin.js';
import { createPixelPool } from '../../src/pipeline/pixel-pool.js';
import { boxMask, noisyPng, postMultipart, testServer, type Part } from './_fixtures.js';
import { until } from '../_helpers/wait.js';

const W = 640, H = 480;
let dist: string;
let image: Buffer;
let mask: Buffer;

const fields = (): [string, Part][] => [
  ['image', { bytes: image }], ['mask', { bytes: mask }], ['prompt', 'A noisy test card. Remove the square.'], ['engine', 'telea'],
];

beforeAll(async () => {
  dist = await mkdtemp(join(tmpdir(), 'maskedit-pixel-worker-dist-'));
  await writeFile(join(dist, 'index.html'), '<!doctype html><title>maskedit studio</title>');
  image = await noisyPng(W, H);
  mask = await boxMask(W, H, { x: 300, y: 200, w: 90, h: 70 });
});

afterAll(async () => {
  await rm(dist, { recursive: true, force: true });
});

describe('a big edit does not hold up other requests', () => {
  it('answers /healthz and /v1/models while the edit\'s finish runs in the worker, then finishes the edit as without it', async () => {
    let release: (() => void) | undefined;
    const pixels = createPixelPool({ onHold: (r, task) => { if (task === 'finish') release = r; else r(); } });
    const server = await testServer({ pixels, plugins: [studioPlugin({ distDir: dist })] });
    const plain = await testServer({ plugins: [studioPlugin({ distDir: dist })] });
    try {
      let editDone = false;
      const editing = postMultipart(server.app, '/api/edit', fields()).then((r) => { editDone = true; return r; });
      await until(() => release !== undefined, 'the edit\'s finish to start in the pixel worker');
      const health = await server.app.inject({ method: 'GET', url: '/healthz' });
      const models = await server.app.inject({ method: 'GET', url: '/v1/models' });
      expect([health.statusCode, models.statusCode, editDone]).toEqual([200, 200, false]);
      release!();
      const res = await editing;
      expect(res.statusCode).toBe(200);
      const body = res.json<StudioResult>();
      const same = await postMultipart(plain.app, '/api/edit', fields());
      const want = same.json<StudioResult>();
      expect(body.images.result).toBe(want.images.result);
      expect({ ...(body.report as object), timingsMs: {} }).toEqual({ ...(want.report as object), timingsMs: {} });
      expect((body.report as { finalOutsideChangedPixels: number }).finalOutsideChangedPixels).toBe(0);
    } finally {
      await server.close();
      await plain.close();
    }
    // A pool passed in is the caller's: the server left it running.
    expect(pixels.started).toBe(true);
    await pixels.close();
    expect(pixels.started).toBe(false);
  });

  it('ends the worker it started when it closes', async () => {
    const server = await testServer({ plugins: [studioPlugin({ distDir: dist })] });
    const res = await postMultipart(server.app, '/api/edit', fields());
    expect(res.statusCode).toBe(200);
    const pixels = server.app.maskedit.pixels;
    expect(pixels.started).toBe(true);
    await server.close();
    expect(pixels.started).toBe(false);
  });
});

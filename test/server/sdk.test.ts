/**
 * End to end with the official openai SDK over a real socket: the server must be indistinguishable from
 * api.openai.com for the calls maskedit users make.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI, { toFile } from 'openai';
import sharp from 'sharp';
import { getEngine } from '../../src/engines/index.js';
import type { Engine } from '../../src/engines/engine.js';
import { localProvider } from '../../src/providers/local.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { boxMask, dataUrl, noisyPng } from './_fixtures.js';
import { until } from '../_helpers/wait.js';

const KEY = 'sk-maskedit-e2e';
const PROMPT = 'A plain studio wall. Preserve the lighting. Do not change anything else.';
let server: RunningServer;
let client: OpenAI;
let filesDir: string;
let image: Buffer;
let mask: Buffer;

beforeAll(async () => {
  filesDir = await mkdtemp(join(tmpdir(), 'maskedit-sdk-'));
  // Judged on a fixed date: the calls below name gpt-image-1.5 and -mini (deprecated then, shut down 2026-12-01).
  server = await startServer({ port: 0, apiKey: KEY, engine: 'telea', logger: false, today: '2026-11-30', files: { dir: filesDir, sweepIntervalMs: 0 } });
  client = new OpenAI({ baseURL: server.baseURL, apiKey: KEY, maxRetries: 0 });
  image = await noisyPng();
  mask = await boxMask();
});
afterAll(async () => {
  await server.close();
  await rm(filesDir, { recursive: true, force: true });
});

describe('openai SDK against maskedit serve', () => {
  it('images.edit: multipart with a mask', async () => {
    const res = await client.images.edit({
      model: 'gpt-image-1.5',
      image: await toFile(image, 'photo.png', { type: 'image/png' }),
      mask: await toFile(mask, 'mask.png', { type: 'image/png' }),
      prompt: PROMPT,
      size: '1536x1024',
      quality: 'low',
      output_format: 'webp',
    });
    expect(res).toMatchObject({ size: '1536x1024', quality: 'low', output_format: 'webp', background: 'opaque' });
    expect(res.usage?.output_tokens).toBe(400);
    const meta = await sharp(Buffer.from(res.data![0]!.b64_json!, 'base64')).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['webp', 1536, 1024]);
    expect(res._request_id).toMatch(/^req_/);
  });

  it('files.create then a JSON edit by file_id', async () => {
    const img = await client.files.create({ file: await toFile(image, 'photo.png', { type: 'image/png' }), purpose: 'vision' });
    const msk = await client.files.create({ file: await toFile(mask, 'mask.png', { type: 'image/png' }), purpose: 'vision' });
    expect(img).toMatchObject({ object: 'file', filename: 'photo.png', purpose: 'vision', bytes: image.length });
    expect(await client.files.retrieve(img.id)).toEqual(img);
    expect(Buffer.from(await (await client.files.content(img.id)).arrayBuffer()).equals(image)).toBe(true);
    const res = await client.post<OpenAI.ImagesResponse>('/images/edits', { body: { images: [{ file_id: img.id }], mask: { file_id: msk.id }, prompt: PROMPT, size: '1024x1024' } });
    expect(res.size).toBe('1024x1024');
    expect(res.data![0]!.b64_json!.length).toBeGreaterThan(1000);
    expect(await client.files.delete(img.id)).toEqual({ id: img.id, object: 'file', deleted: true });
  });

  it('a JSON edit with data URLs', async () => {
    const res = await client.post<OpenAI.ImagesResponse>('/images/edits', { body: { images: [{ image_url: dataUrl(image) }], mask: { image_url: dataUrl(mask) }, prompt: PROMPT, output_format: 'jpeg', output_compression: 60 } });
    expect(res.output_format).toBe('jpeg');
    expect((await sharp(Buffer.from(res.data![0]!.b64_json!, 'base64')).metadata()).format).toBe('jpeg');
  });

  it('images.edit with stream: true yields partial images, then the completed image', async () => {
    const stream = await client.images.edit({
      image: await toFile(image, 'photo.png', { type: 'image/png' }),
      mask: await toFile(mask, 'mask.png', { type: 'image/png' }),
      prompt: PROMPT, stream: true, partial_images: 3, size: '1024x1024',
    });
    const events: OpenAI.ImageEditStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    expect(events.map((e) => e.type)).toEqual(['image_edit.partial_image', 'image_edit.partial_image', 'image_edit.partial_image', 'image_edit.completed']);
    expect(events.slice(0, 3).map((e) => (e as OpenAI.ImageEditPartialImageEvent).partial_image_index)).toEqual([0, 1, 2]);
    const done = events[3] as OpenAI.ImageEditCompletedEvent;
    expect(done).toMatchObject({ size: '1024x1024', output_format: 'png' });
    expect(done.usage.output_tokens).toBe(4160 + 3 * 100);
  });

  it('models.list and models.retrieve', async () => {
    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(m.id);
    expect(ids).toEqual(['gpt-image-2.6-sunburst', 'gpt-image-2.6-flare', 'gpt-image-2.5-sunburst', 'gpt-image-2.5-flare', 'gpt-image-2', 'gpt-image-1.5', 'gpt-image-1-mini']);
    expect(await client.models.retrieve('gpt-image-2')).toMatchObject({ id: 'gpt-image-2', object: 'model', owned_by: 'maskedit', shutdown_date: null });
    expect(await client.models.retrieve('gpt-image-1.5')).toMatchObject({ shutdown_date: '2026-12-01', lifecycle: { status: 'deprecated', deprecated_on: '2026-06-02', replacements: ['gpt-image-2.6-sunburst', 'gpt-image-2.6-flare'] } });
  });

  it.each<[string, () => Promise<unknown>, number, string | null, string | null, abstract new (...args: never[]) => Error]>([
    ['mask size mismatch', async () => client.images.edit({ image: await toFile(image, 'a.png'), mask: await toFile(await boxMask(128, 128, { x: 1, y: 1, w: 9, h: 9 }), 'm.png'), prompt: PROMPT }), 400, 'invalid_mask_image_format', 'mask', OpenAI.BadRequestError],
    ['long prompt', async () => client.images.edit({ image: await toFile(image, 'a.png'), mask: await toFile(mask, 'm.png'), prompt: 'x'.repeat(32001) }), 400, 'string_above_max_length', 'prompt', OpenAI.BadRequestError],
    ['input_fidelity on gpt-image-1-mini', async () => client.images.edit({ image: await toFile(image, 'a.png'), mask: await toFile(mask, 'm.png'), prompt: PROMPT, model: 'gpt-image-1-mini', input_fidelity: 'high' }), 400, 'invalid_input_fidelity_model', 'input_fidelity', OpenAI.BadRequestError],
    ['unknown file', async () => client.files.retrieve('file-AAAAAAAAAAAAAAAAAAAAAAAA'), 404, null, 'id', OpenAI.NotFoundError],
    ['wrong key', async () => new OpenAI({ baseURL: server.baseURL, apiKey: 'sk-wrong', maxRetries: 0 }).models.list(), 401, 'invalid_api_key', null, OpenAI.AuthenticationError],
  ])('%s surfaces as APIError with status, code and param', async (_name, call, status, code, param, Class) => {
    const err = await call().then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(Class);
    expect(err).toMatchObject({ status, code, param });
  });
});

describe('cancellation', () => {
  it('a client that disconnects stops the engine and frees the queue slot', async () => {
    const patchmatch = await getEngine('patchmatch');
    // The real engine, watched through events (no clock): did its signal fire, and did the fill end with ABORTED
    // instead of completing its 600² hole?
    let markStarted!: () => void;
    const started = new Promise<void>((r) => { markStarted = r; });
    type Outcome = { aborted: boolean; error: unknown; completed: boolean };
    let markSettled!: (outcome: Outcome) => void;
    const settled = new Promise<Outcome>((r) => { markSettled = r; });
    const watched: Engine = {
      name: 'patchmatch-watched',
      async fill(img, m, options, signal, onProgress) {
        let aborted = false;
        signal?.addEventListener('abort', () => { aborted = true; }, { once: true });
        markStarted();
        try {
          const out = await patchmatch.fill(img, m, options, signal, onProgress);
          markSettled({ aborted, error: undefined, completed: true });
          return out;
        } catch (e) {
          markSettled({ aborted, error: e, completed: false });
          throw e;
        }
      },
    };
    const dir = await mkdtemp(join(tmpdir(), 'maskedit-cancel-'));
    const live = await startServer({ port: 0, provider: localProvider({ engine: watched }), logger: false, concurrency: 1, files: { dir, sweepIntervalMs: 0 } });
    try {
      const big = await noisyPng(1024, 1024);
      const bigMask = await boxMask(1024, 1024, { x: 200, y: 200, w: 600, h: 600 });
      const controller = new AbortController();
      const c = new OpenAI({ baseURL: live.baseURL, apiKey: 'unused', maxRetries: 0 });
      const pending = c.images.edit({ image: await toFile(big, 'a.png'), mask: await toFile(bigMask, 'm.png'), prompt: PROMPT }, { signal: controller.signal }).catch((e: unknown) => e);
      await started;
      controller.abort();
      expect(await pending).toBeInstanceOf(OpenAI.APIUserAbortError);
      // The engine's signal fired and the fill stopped with ABORTED: it did not run its 600² hole to the end.
      expect(await settled).toMatchObject({ aborted: true, completed: false, error: { code: 'ABORTED' } });
      // The slot is given back once the job's promise settles (bounded: at most 100 turns of the event loop).
      for (let i = 0; i < 100 && live.app.maskedit.queue.stats().running; i++) await new Promise((r) => setImmediate(r));
      expect(live.app.maskedit.queue.stats()).toMatchObject({ running: 0, waiting: 0 });
    } finally {
      await live.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

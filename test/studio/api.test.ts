/**
 * The studio plugin's HTTP contract through `app.inject` (and once over a socket for cancel): config never
 * carries the key, edits return the report and images, bad input answers with OpenAI's error body, the doctor
 * offers repairs, static files stay inside dist.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AbortError } from '../../src/core/errors.js';
import type { Provider } from '../../src/providers/provider.js';
import { studioPlugin, type StudioCheck, type StudioConfig, type StudioResult } from '../../src/server/studio.js';
import { startServer } from '../../src/server/listen.js';
import { startFakeOpenAI, type FakeOpenAI } from '../_helpers/fake-openai.js';
import { boxMask, noisyPng, postMultipart, testServer, type Part, type TestServer } from '../server/_fixtures.js';

const KEY = 'sk-test-studio-DO-NOT-LEAK-0123456789abcdef';
const W = 160, H = 120;
const BOX = { x: 50, y: 40, w: 40, h: 30 };

let dist: string;
let image: Buffer;
let mask: Buffer;
let server: TestServer;

async function decodeDataUrl(url: string) {
  expect(url.startsWith('data:image/png;base64,')).toBe(true);
  const { data, info } = await sharp(Buffer.from(url.split(',')[1]!, 'base64')).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

const fields = (extra: [string, Part][] = []): [string, Part][] => [
  ['image', { bytes: image }], ['mask', { bytes: mask }],
  ['scene', 'A noisy test card with a clean patch'], ['change', 'Remove the square'], ['preserve', 'the noise; the borders'],
  ['engine', 'telea'], ...extra,
];

beforeAll(async () => {
  dist = await mkdtemp(join(tmpdir(), 'maskedit-studio-dist-'));
  await mkdir(join(dist, 'assets'));
  await writeFile(join(dist, 'index.html'), '<!doctype html><title>maskedit studio</title>');
  await writeFile(join(dist, 'assets', 'app-123.js'), 'console.log(1)');
  image = await noisyPng(W, H);
  mask = await boxMask(W, H, BOX);
  server = await testServer({ plugins: [studioPlugin({ distDir: dist, env: { OPENAI_API_KEY: KEY } })] });
});

afterAll(async () => {
  await server?.close();
  await rm(dist, { recursive: true, force: true });
});

describe('GET /api/config', () => {
  it('offers OpenAI when the server has a key and never sends any part of it', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/api/config' });
    expect(res.statusCode).toBe(200);
    const body = res.json<StudioConfig>();
    expect(body.providers.map((p) => [p.id, p.available])).toEqual([['local', true], ['openai', true]]);
    expect(body.defaultEngine).toBe('telea');
    // No 8-character window of the key appears anywhere in the answer (headers included).
    const text = res.body + JSON.stringify(res.headers);
    for (let i = 0; i + 8 <= KEY.length; i++) expect(text).not.toContain(KEY.slice(i, i + 8));
  });

  it('reads only the env it is given (never process.env) and says how to enable OpenAI without a key', async () => {
    const saved = process.env.OPENAI_API_KEY;
    process.env.OPENAI_API_KEY = KEY;
    const noEnv = await testServer({ plugins: [studioPlugin({ distDir: dist })] });
    try {
      const res = await noEnv.app.inject({ method: 'GET', url: '/api/config' });
      expect(res.json<StudioConfig>().providers[1]!.available).toBe(false);
      expect(res.body).not.toContain(KEY.slice(0, 12));
      expect(res.body).not.toContain(KEY.slice(-12));
    } finally {
      await noEnv.close();
      if (saved === undefined) delete process.env.OPENAI_API_KEY;
      else process.env.OPENAI_API_KEY = saved;
    }
    const without = await testServer({ plugins: [studioPlugin({ distDir: dist, env: {} })] });
    try {
      const openai = (await without.app.inject({ method: 'GET', url: '/api/config' })).json<StudioConfig>().providers[1]!;
      expect(openai).toEqual({ id: 'openai', label: 'OpenAI', available: false, reason: 'start the studio with OPENAI_API_KEY set in its environment' });
    } finally {
      await without.close();
    }
  });
});

describe('POST /api/edit', () => {
  it('returns the images at the input size, the report and the crop plan; outside the mask nothing changed', async () => {
    const res = await postMultipart(server.app, '/api/edit', fields());
    expect(res.statusCode).toBe(200);
    const body = res.json<StudioResult>();
    expect([body.width, body.height]).toEqual([W, H]);
    const report = body.report as { finalOutsideChangedPixels: number; provider: string; engine: string; request: { prompt: string }; strict: boolean };
    expect(report).toMatchObject({ finalOutsideChangedPixels: 0, provider: 'local', engine: 'telea', strict: true });
    expect(report.request.prompt).toBe('A noisy test card with a clean patch. Remove the square. Preserve the noise and the borders. Do not change anything else.');
    expect(body.crops).toHaveLength(1);
    const crop = body.crops[0]!;
    expect(crop.x <= BOX.x && crop.y <= BOX.y && crop.x + crop.width >= BOX.x + BOX.w && crop.y + crop.height >= BOX.y + BOX.h).toBe(true);

    const input = await sharp(image).ensureAlpha().raw().toBuffer();
    const out = await decodeDataUrl(body.images.result);
    expect([out.width, out.height]).toEqual([W, H]);
    let outsideDiff = 0, insideDiff = 0;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const i = (y * W + x) * 4;
        const same = out.data.subarray(i, i + 4).equals(input.subarray(i, i + 4));
        const inside = x >= BOX.x && x < BOX.x + BOX.w && y >= BOX.y && y < BOX.y + BOX.h;
        if (!same && inside) insideDiff++;
        if (!same && !inside) outsideDiff++;
      }
    }
    expect(outsideDiff).toBe(0);
    expect(insideDiff).toBeGreaterThan(BOX.w * BOX.h * 0.5);
    for (const k of ['raw', 'heatmap', 'plan'] as const) {
      const im = await decodeDataUrl(body.images[k]);
      expect([k, im.width, im.height]).toEqual([k, W, H]);
    }
  });

  it('streams progress events and ends with the result when asked for text/event-stream', async () => {
    const res = await postMultipart(server.app, '/api/edit', fields(), { headers: { accept: 'text/event-stream' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    const events = res.body.trim().split('\n\n').map((frame) => ({ event: /^event: (.*)$/m.exec(frame)![1], data: JSON.parse(/^data: (.*)$/m.exec(frame)![1]!) as Record<string, unknown> }));
    const steps = events.filter((e) => e.event === 'progress').map((e) => e.data.step);
    expect(steps).toEqual(expect.arrayContaining(['check', 'plan', 'provider', 'spillover', 'stitch']));
    expect(steps.indexOf('check')).toBeLessThan(steps.indexOf('plan'));
    const last = events.at(-1)!;
    expect(last.event).toBe('result');
    expect((last.data.report as { finalOutsideChangedPixels: number }).finalOutsideChangedPixels).toBe(0);
  });

  it.each<[string, () => [string, Part][], number, { code: string | null; param: string | null }]>([
    ['no mask', () => fields().filter(([k]) => k !== 'mask'), 400, { code: 'missing_required_parameter', param: 'mask' }],
    ['no image', () => fields().filter(([k]) => k !== 'image'), 400, { code: 'missing_required_parameter', param: 'image' }],
    ['a mask of another size', () => fields().map(([k, v]): [string, Part] => [k, k === 'mask' ? { bytes: smallMask } : v]), 400, { code: 'invalid_mask_image_format', param: 'mask' }],
    ['a mask without alpha', () => fields().map(([k, v]): [string, Part] => [k, k === 'mask' ? { bytes: noAlphaMask } : v]), 400, { code: 'invalid_mask_image_format', param: 'mask' }],
    ['an unknown engine', () => fields([['engine', 'magic']]).filter(([k, v]) => k !== 'engine' || v === 'magic'), 400, { code: 'invalid_value', param: 'engine' }],
    ['partial_images out of range', () => fields([['partial_images', '9']]), 400, { code: 'invalid_value', param: 'partial_images' }],
    ['an empty prompt', () => fields().filter(([k]) => !['scene', 'change', 'preserve'].includes(k)), 400, { code: 'prompt_empty', param: 'prompt' }],
    ['an undecodable image', () => fields().map(([k, v]): [string, Part] => [k, k === 'image' ? { bytes: new TextEncoder().encode('not an image at all') } : v]), 400, { code: 'invalid_image_file', param: 'image' }],
  ])('answers %s with OpenAI\'s error body', async (_name, build, status, expected) => {
    for (const accept of ['application/json', 'text/event-stream']) {
      const res = await postMultipart(server.app, '/api/edit', build(), { headers: { accept } });
      expect(res.statusCode).toBe(status);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const body = res.json<{ error: { message: string; type: string; param: string | null; code: string | null } }>();
      expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
      expect(body.error).toMatchObject({ ...expected, type: 'invalid_request_error' });
      expect(body.error.message.length).toBeGreaterThan(10);
    }
  });

  it('takes the Expand field: the replaced region grows by that many px and the report says so', async () => {
    const res = await postMultipart(server.app, '/api/edit', fields([['expand', '3']]));
    expect(res.statusCode).toBe(200);
    // A 40x30 box grown by 3 px (Euclidean): 2·(40+30)·3 on the sides plus 4 lattice points per corner.
    expect((res.json<StudioResult>().report as { expand: unknown }).expand).toEqual({ pixels: 3, editableBefore: 1200, editableAfter: 1636, addedPixels: 436 });
  });

  it.each([['x'], ['-1'], ['2.5'], ['257']])('refuses expand=%s with invalid_value', async (v) => {
    const res = await postMultipart(server.app, '/api/edit', fields([['expand', v]]));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: { message: `Invalid value for 'expand': expected a whole number of pixels from 0 to 256, received ${JSON.stringify(v)}.`, type: 'invalid_request_error', param: 'expand', code: 'invalid_value' } });
  });

  it('refuses OpenAI when the server has no key, naming the fix', async () => {
    const noKey = await testServer({ plugins: [studioPlugin({ distDir: dist, env: {} })] });
    try {
      const res = await postMultipart(noKey.app, '/api/edit', fields([['provider', 'openai']]));
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ error: {
        message: 'This studio server has no OPENAI_API_KEY, so it cannot run edits on OpenAI. Fix: restart it with the key in its environment (OPENAI_API_KEY=sk-… maskedit studio), or pick the embedded engine', type: 'invalid_request_error', param: 'provider', code: 'provider_unavailable',
      } });
    } finally {
      await noKey.close();
    }
  });

  it('rejects a body that is not multipart', async () => {
    const res = await server.app.inject({ method: 'POST', url: '/api/edit', payload: { image: 'x' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('invalid_multipart');
  });
});

describe('POST /api/edit on OpenAI (fake server)', () => {
  let fake: FakeOpenAI;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
  });
  afterAll(async () => fake?.close());

  it('streams the partial images the model sends, then the stitched result; the key goes only to OpenAI', async () => {
    const app = await testServer({ plugins: [studioPlugin({ distDir: dist, env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: fake.url } })] });
    try {
      const res = await postMultipart(app.app, '/api/edit', fields([['provider', 'openai'], ['partial_images', '2'], ['quality', 'low']]).filter(([k]) => k !== 'engine'), { headers: { accept: 'text/event-stream' } });
      expect(res.statusCode).toBe(200);
      const events = res.body.trim().split('\n\n').map((f) => /^event: (.*)$/m.exec(f)![1]);
      expect(events.filter((e) => e === 'partial')).toHaveLength(2);
      expect(events.at(-1)).toBe('result');
      expect(res.body).not.toContain(KEY.slice(0, 12));
      const sent = fake.edits().at(-1)!;
      expect(sent.authorization).toBe(`Bearer ${KEY}`);
      expect(sent.fields.partial_images).toBe('2');
      const result = JSON.parse(/^data: (.*)$/m.exec(res.body.trim().split('\n\n').at(-1)!)![1]!) as StudioResult;
      expect(result.report).toMatchObject({ provider: 'openai', finalOutsideChangedPixels: 0, billed: true });
    } finally {
      await app.close();
    }
  });
});

describe('cancel', () => {
  it('aborts the running edit when the client goes away', async () => {
    let started!: () => void;
    const running = new Promise<void>((r) => { started = r; });
    let sawAbort = false;
    const hanging: Provider = {
      name: 'local', surface: 'engine',
      edit: (req) => new Promise((_resolve, reject) => {
        started();
        req.signal?.addEventListener('abort', () => {
          sawAbort = true;
          reject(new AbortError());
        }, { once: true });
      }),
    };
    const live = await startServer({ port: 0, logger: false, provider: hanging, plugins: [studioPlugin({ distDir: dist, env: {} })] });
    try {
      const form = new FormData();
      for (const [k, v] of fields()) {
        if (typeof v === 'string') form.append(k, v);
        else form.append(k, new Blob([v.bytes], { type: 'image/png' }), `${k}.png`);
      }
      const controller = new AbortController();
      const req = fetch(`${live.origin}/api/edit`, { method: 'POST', body: form, headers: { accept: 'text/event-stream' }, signal: controller.signal });
      const res = await req;
      expect(res.headers.get('content-type')).toMatch(/event-stream/);
      await running;
      controller.abort();
      await expect(res.text()).rejects.toThrow();
      await expect.poll(() => sawAbort, { timeout: 5000 }).toBe(true);
      await expect.poll(() => live.app.maskedit.queue.stats().running, { timeout: 5000 }).toBe(0);
    } finally {
      // undici may keep the aborted socket half-open for a few seconds; the server need not wait for it here.
      live.app.server.closeAllConnections();
      await live.close();
    }
  });
});

describe('POST /api/check', () => {
  it('reports a black-and-white mask without alpha and offers the repair', async () => {
    const res = await postMultipart(server.app, '/api/check', [['image', { bytes: image }], ['mask', { bytes: noAlphaMask }]]);
    expect(res.statusCode).toBe(200);
    const body = res.json<StudioCheck>();
    expect(body.report.ok).toBe(false);
    expect(body.report.problems.map((p) => p.code)).toContain('MASK_NO_ALPHA');
    expect(body.mask).toBeNull();
    expect(body.repair!.applied.join(' ')).toMatch(/no alpha channel/);
    const repaired = await decodeDataUrl(body.repair!.mask);
    expect([repaired.width, repaired.height]).toEqual([W, H]);
    const at = (x: number, y: number) => repaired.data[(y * W + x) * 4]!;
    expect([at(BOX.x + 5, BOX.y + 5), at(2, 2)]).toEqual([255, 0]);
  });

  it('passes a good mask and returns it as OpenAI reads it', async () => {
    const body = (await postMultipart(server.app, '/api/check', [['image', { bytes: image }], ['mask', { bytes: mask }]])).json<StudioCheck>();
    expect(body.report.ok).toBe(true);
    expect(body.repair).toBeNull();
    const m = await decodeDataUrl(body.mask!);
    let editable = 0;
    for (let i = 0; i < m.data.length; i += 4) if (m.data[i] === 255) editable++;
    expect(editable).toBe(BOX.w * BOX.h);
  });

  it('says why a mask of another aspect cannot be repaired', async () => {
    const body = (await postMultipart(server.app, '/api/check', [['image', { bytes: image }], ['mask', { bytes: await boxMask(50, 50, { x: 5, y: 5, w: 10, h: 10 }) }]])).json<StudioCheck>();
    expect(body.report.problems[0]!.code).toBe('MASK_SIZE_MISMATCH');
    expect(body.repair).toBeNull();
    expect(body.repairError?.code).toBe('MASK_SIZE_MISMATCH');
  });
});

describe('static files', () => {
  it.each([
    ['/', 200, 'text/html; charset=utf-8'],
    ['/assets/app-123.js', 200, 'text/javascript; charset=utf-8'],
    ['/assets/missing.js', 404, 'application/json; charset=utf-8'],
    ['/assets/..%2F..%2Fetc%2Fpasswd', 404, 'application/json; charset=utf-8'],
    ['/assets/%2e%2e/index.html', 404, 'application/json; charset=utf-8'],
  ])('GET %s → %i', async (url, status, type) => {
    const res = await server.app.inject({ method: 'GET', url });
    expect([res.statusCode, res.headers['content-type']]).toEqual([status, type]);
  });

  it('answers 503 with the build command when web/dist is missing', async () => {
    const empty = await testServer({ plugins: [studioPlugin({ distDir: join(dist, 'nowhere') })] });
    try {
      const res = await empty.app.inject({ method: 'GET', url: '/' });
      expect(res.statusCode).toBe(503);
      expect(res.json().error.code).toBe('studio_not_built');
      expect(res.json().error.message).toMatch(/npm run build/);
    } finally {
      await empty.close();
    }
  });

  it('keeps the page public but the API behind the server key', async () => {
    const locked = await testServer({ apiKey: 'server-key', plugins: [studioPlugin({ distDir: dist, env: {} })] });
    try {
      expect((await locked.app.inject({ method: 'GET', url: '/' })).statusCode).toBe(200);
      expect((await locked.app.inject({ method: 'GET', url: '/api/config' })).statusCode).toBe(401);
      expect((await locked.app.inject({ method: 'GET', url: '/api/config', headers: { authorization: 'Bearer server-key' } })).statusCode).toBe(200);
    } finally {
      await locked.close();
    }
  });
});

let smallMask: Buffer;
let noAlphaMask: Buffer;
beforeAll(async () => {
  smallMask = await boxMask(W / 2, H / 2, { x: 10, y: 10, w: 10, h: 10 });
  noAlphaMask = await boxMask(W, H, BOX, { alpha: false });
});

/**
 * The "done when": a default edit today sends a live model and a size it takes; a shut-down model is
 * refused before any request, naming the replacement; a deprecated one edits with a warning; refused params are
 * usage errors before any request; `maskedit models --json` and `--refresh` against an in-test /v1/models.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../_helpers/cli.js';
import { startFakeOpenAI, type FakeOpenAI } from '../_helpers/fake-openai.js';
import { maskRaster, noise, png } from '../_helpers/images.js';
import { defaultModel, isoDate, statusOf } from '../../src/core/lifecycle.js';
import { getModel, sizeProblem } from '../../src/core/models.js';

let fake: FakeOpenAI;
let dir: string;
let image: string, mask: string;
const saved = { key: process.env.OPENAI_API_KEY, base: process.env.OPENAI_BASE_URL };
beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: 'test-key' });
  dir = await mkdtemp(join(tmpdir(), 'maskedit-models-'));
  image = join(dir, 'photo.png');
  mask = join(dir, 'mask.png');
  await writeFile(image, await png(noise(640, 480, 3)));
  await writeFile(mask, await png(maskRaster({ width: 640, height: 480, boxes: [{ x: 200, y: 150, width: 120, height: 100 }] })));
  // Set in the process environment too: the CLI must ignore them (it reads the env it is given).
  process.env.OPENAI_API_KEY = 'test-key';
  process.env.OPENAI_BASE_URL = fake.url;
});
afterAll(async () => {
  await fake.close();
  await rm(dir, { recursive: true, force: true });
  if (saved.key === undefined) delete process.env.OPENAI_API_KEY; else process.env.OPENAI_API_KEY = saved.key;
  if (saved.base === undefined) delete process.env.OPENAI_BASE_URL; else process.env.OPENAI_BASE_URL = saved.base;
});

const PROMPT = 'A noisy test card with a patch in it. Replace the patch with a flat grey square. Preserve everything else.';
const env = (extra: NodeJS.ProcessEnv = {}) => ({ OPENAI_API_KEY: 'test-key', OPENAI_BASE_URL: fake.url, ...extra });
const editArgs = (...extra: string[]) => ['edit', image, '--mask', mask, '--prompt', PROMPT, '--provider', 'openai', '-o', join(dir, `out-${Math.random().toString(36).slice(2)}.png`), '-q', ...extra];
const edits = () => fake.requests.filter((r) => r.path.endsWith('/images/edits'));

describe('edit judged on a date', () => {
  it('a default edit today sends a live model and a size that model takes', async () => {
    const before = edits().length;
    const r = await runCli(editArgs('--json'), { env: env() });
    expect(r.code).toBe(0);
    const sent = edits().slice(before);
    expect(sent).toHaveLength(1);
    const today = isoDate(new Date());
    const model = sent[0]!.fields.model as string;
    expect(model).toBe(defaultModel(today));
    expect(statusOf(getModel(model), today)).toBe('active');
    expect(sizeProblem(getModel(model), sent[0]!.fields.size as string)).toBeNull();
  });

  it('--model gpt-image-1.5 on 2026-12-02: refused before any request, naming the replacement (exit 1)', async () => {
    const before = fake.requests.length;
    const r = await runCli(editArgs('--model', 'gpt-image-1.5'), { env: env({ MASKEDIT_TODAY: '2026-12-02' }) });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('MODEL_SHUT_DOWN: gpt-image-1.5 was shut down on 2026-12-01 (judged on 2026-12-02)');
    expect(r.stderr).toContain('fix: use --model gpt-image-2.6-sunburst (or --model gpt-image-2.6-flare)');
    expect(fake.requests.length).toBe(before);
  });

  it('--model gpt-image-1.5 on 2026-11-20: edits, with MODEL_DEPRECATED', async () => {
    const before = edits().length;
    const r = await runCli(editArgs('--model', 'gpt-image-1.5', '--json'), { env: env({ MASKEDIT_TODAY: '2026-11-20' }) });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { problems: { code: string; message: string }[]; lifecycle: unknown };
    expect(report.problems.find((p) => p.code === 'MODEL_DEPRECATED')!.message).toBe('gpt-image-1.5 is deprecated: OpenAI shuts it down on 2026-12-01 (in 11 days, judged on 2026-11-20)');
    expect(report.lifecycle).toEqual({ today: '2026-11-20', status: 'deprecated' });
    const sent = edits().slice(before);
    expect(sent.map((s) => [s.fields.model, s.fields.size])).toEqual([['gpt-image-1.5', sent[0]!.fields.size]]);
    expect(['1024x1024', '1536x1024', '1024x1536']).toContain(sent[0]!.fields.size);
  });

  it.each([
    [['--model', 'gpt-image-2', '--quality', 'xhigh'], 'MODEL_PARAM_UNSUPPORTED: gpt-image-2 takes quality low, medium, high, auto; received --quality xhigh'],
    [['--model', 'gpt-image-2.5-flare', '--complexity', 'low'], 'MODEL_PARAM_UNSUPPORTED: gpt-image-2.5-flare does not take complexity; received --complexity low'],
  ])('%j is a usage error before any request', async (flags, message) => {
    const before = fake.requests.length;
    const r = await runCli(editArgs(...flags), { env: env({ MASKEDIT_TODAY: '2026-11-30' }) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(fake.requests.length).toBe(before);
  });

  it('2.6 sends complexity and an auto markup overlay of the sent image\'s size; moderation off the json surface is dropped with a warning', async () => {
    const before = edits().length;
    const r = await runCli(editArgs('--model', 'gpt-image-2.6-flare', '--complexity', 'low', '--markup', 'auto', '--moderation', 'low', '--json'), { env: env({ MASKEDIT_TODAY: '2026-11-30' }) });
    expect(r.code).toBe(0);
    const sent = edits().slice(before)[0]!;
    expect(sent.fields.complexity).toBe('low');
    expect(sent.fields.moderation).toBeUndefined();
    const markup = sent.files.find((f) => f.field === 'markup')!;
    const img = sent.files.find((f) => f.field === 'image')!;
    expect([markup.type, markup.width, markup.height, markup.hasAlpha]).toEqual(['image/png', img.width, img.height, true]);
    const report = JSON.parse(r.stdout) as { problems: { code: string }[]; params: { param: string; action: string }[] };
    expect(report.problems.map((p) => p.code)).toContain('MODEL_PARAM_DROPPED');
    expect(report.params).toEqual([
      { param: 'complexity', value: 'low', action: 'send' },
      { param: 'markup', value: true, action: 'send' },
      { param: 'moderation', value: 'low', action: 'drop' },
      { param: 'n', value: 1, action: 'send' },
    ]);
  });

  it('--markup FILE of the wrong size is refused before any request (MARKUP_SIZE_MISMATCH)', async () => {
    const bad = join(dir, 'markup-small.png');
    await writeFile(bad, await png(maskRaster({ width: 320, height: 240, boxes: [{ x: 10, y: 10, width: 20, height: 20 }] })));
    const before = fake.requests.length;
    const r = await runCli(editArgs('--model', 'gpt-image-2.6-sunburst', '--markup', bad), { env: env({ MASKEDIT_TODAY: '2026-11-30' }) });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`MARKUP_SIZE_MISMATCH: ${bad} is 320x240 but the image is 640x480`);
    expect(fake.requests.length).toBe(before);
  });

  it('--markup on a model without it is dropped with a warning, and the edit goes through', async () => {
    const before = edits().length;
    const r = await runCli(editArgs('--model', 'gpt-image-2.5-sunburst', '--markup', 'auto', '--json'), { env: env({ MASKEDIT_TODAY: '2026-11-30' }) });
    expect(r.code).toBe(0);
    const sent = edits().slice(before)[0]!;
    expect(sent.files.map((f) => f.field)).toEqual(['image', 'mask']);
    expect((JSON.parse(r.stdout) as { problems: { code: string; message: string }[] }).problems.find((p) => p.code === 'MODEL_PARAM_DROPPED')!.message)
      .toBe('gpt-image-2.5-sunburst does not take markup; received --markup, which will not be sent');
  });

  it.each(['2026-13-01', 'tomorrow'])('MASKEDIT_TODAY=%s is a usage error (exit 2)', async (d) => {
    const r = await runCli(['models'], { env: { MASKEDIT_TODAY: d } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`TODAY_INVALID: MASKEDIT_TODAY must be a date written YYYY-MM-DD, received ${JSON.stringify(d)}`);
  });
});

describe('maskedit models', () => {
  it('--json: the issue\'s shape, judged on MASKEDIT_TODAY', async () => {
    const r = await runCli(['models', '--json'], { env: { MASKEDIT_TODAY: '2026-12-02', XDG_CACHE_HOME: join(dir, 'empty-cache') } });
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { today: string; default: string; models: Record<string, unknown>[] };
    expect([j.today, j.default]).toEqual(['2026-12-02', 'gpt-image-2.6-sunburst']);
    for (const m of j.models) expect(Object.keys(m)).toEqual(['id', 'status', 'shutdownDate', 'replacements', 'params', 'sizes', 'prices', 'readOn', 'source']);
    const one = j.models.find((m) => m.id === 'gpt-image-1.5')!;
    expect([one.status, one.shutdownDate, one.replacements]).toEqual(['shutdown', '2026-12-01', ['gpt-image-2.6-sunburst', 'gpt-image-2.6-flare']]);
    const sun = j.models.find((m) => m.id === 'gpt-image-2.6-sunburst')!;
    expect(sun.prices).toEqual({ textInput: 5, textCachedInput: 1.25, imageInput: 8, imageCachedInput: 2, imageOutput: 30 });
    expect((sun.params as Record<string, unknown>).complexity).toEqual(['low', 'medium', 'high']);
    expect((sun.params as Record<string, unknown>).input_fidelity).toBeNull();
    expect([sun.readOn, sun.source]).toEqual(['2026-11-30', 'https://developers.openai.com/api/docs/models/gpt-image-2.6-sunburst']);
  });

  it('--refresh: GET /v1/models through the SDK, overlay, report what the API no longer lists, cache it', async () => {
    let auth = '';
    const api: Server = createServer((req, res) => {
      auth = String(req.headers.authorization);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ object: 'list', data: [
        { id: 'gpt-image-2.6-sunburst', object: 'model', created: 1, owned_by: 'openai', shutdown_date: null },
        { id: 'gpt-image-2.6-flare', object: 'model', created: 1, owned_by: 'openai' },
        { id: 'gpt-image-2.5-sunburst', object: 'model', created: 1, owned_by: 'openai' },
        { id: 'gpt-image-2', object: 'model', created: 1, owned_by: 'openai', shutdown_date: '2027-04-21' },
        { id: 'gpt-image-1.5', object: 'model', created: 1, owned_by: 'openai', shutdown_date: '2026-12-01' },
        { id: 'gpt-image-1-mini', object: 'model', created: 1, owned_by: 'openai', shutdown_date: '2026-12-01' },
        { id: 'gpt-image-3-preview', object: 'model', created: 1, owned_by: 'openai' },
        { id: 'gpt-6.1-sol', object: 'model', created: 1, owned_by: 'openai' },
      ] }));
    });
    await new Promise<void>((ok) => api.listen(0, '127.0.0.1', ok));
    const port = (api.address() as { port: number }).port;
    const cache = join(dir, 'cache');
    try {
      const r = await runCli(['models', '--refresh', '--json'], { env: { MASKEDIT_TODAY: '2026-11-30', XDG_CACHE_HOME: cache, OPENAI_API_KEY: 'sk-refresh', OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1` } });
      expect(r.code).toBe(0);
      expect(auth).toBe('Bearer sk-refresh');
      const j = JSON.parse(r.stdout) as { models: { id: string; status: string; shutdownDate: string | null }[]; refresh: Record<string, unknown> };
      expect(j.refresh).toEqual({
        fetchedOn: '2026-11-30', notListed: ['gpt-image-2.5-flare'], unknown: ['gpt-image-3-preview'],
        shutdownChanged: [['gpt-image-2', null, '2027-04-21']], cache: join(cache, 'maskedit', 'models.json'),
      });
      // A shutdown date from the API means OpenAI has announced the retirement: deprecated from then on.
      expect(j.models.find((m) => m.id === 'gpt-image-2')).toMatchObject({ status: 'deprecated', shutdownDate: '2027-04-21' });
      const cached = JSON.parse(await readFile(join(cache, 'maskedit', 'models.json'), 'utf8')) as { fetchedOn: string; models: unknown[] };
      expect([cached.fetchedOn, cached.models.length]).toEqual(['2026-11-30', 8]);
      expect(JSON.stringify(cached)).not.toContain('sk-refresh');
      // A later run without a key shows the cached overlay.
      const again = await runCli(['models'], { env: { MASKEDIT_TODAY: '2026-11-30', XDG_CACHE_HOME: cache } });
      expect(again.stdout).toContain('no longer listed by the API: gpt-image-2.5-flare');
    } finally {
      await new Promise((ok) => api.close(ok));
    }
  });

  it('--refresh without a key says what to do', async () => {
    const r = await runCli(['models', '--refresh'], { env: { XDG_CACHE_HOME: join(dir, 'c2') } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('OPENAI_NO_KEY: --refresh reads GET /v1/models and needs OPENAI_API_KEY, which is not set');
  });
});

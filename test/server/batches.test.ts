/**
 * `/v1/batches` of maskedit serve through the official openai SDK over a real socket: create, retrieve, list,
 * cancel, the output and error files in OpenAI's line shape, and the error answers (404, 409, 400, expired).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI, { NotFoundError, toFile } from 'openai';
import sharp from 'sharp';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { boxMask, noisyPng } from './_fixtures.js';

const KEY = 'sk-maskedit-batch';
const PROMPT = 'A plain studio wall. Preserve the lighting. Do not change anything else.';
let server: RunningServer;
let client: OpenAI;
let filesDir: string;
let imageId: string;
let maskId: string;

beforeAll(async () => {
  filesDir = await mkdtemp(join(tmpdir(), 'maskedit-batches-'));
  server = await startServer({ port: 0, apiKey: KEY, engine: 'telea', logger: false, today: '2026-11-30', files: { dir: filesDir, sweepIntervalMs: 0 }, });
  client = new OpenAI({ baseURL: server.baseURL, apiKey: KEY, maxRetries: 0 });
  imageId = (await client.files.create({ file: await toFile(await noisyPng(), 'photo.png', { type: 'image/png' }), purpose: 'vision' })).id;
  maskId = (await client.files.create({ file: await toFile(await boxMask(), 'mask.png', { type: 'image/png' }), purpose: 'vision' })).id;
});
afterAll(async () => {
  await server.close();
  await rm(filesDir, { recursive: true, force: true });
});

const line = (custom_id: string, body: Record<string, unknown> = {}) => JSON.stringify({
  custom_id, method: 'POST', url: '/v1/images/edits',
  body: { model: 'gpt-image-1.5', prompt: PROMPT, size: '1024x1024', quality: 'low', images: [{ file_id: imageId }], mask: { file_id: maskId }, ...body },
});
const upload = async (lines: string[]) => (await client.files.create({ file: await toFile(Buffer.from(`${lines.join('\n')}\n`), 'in.jsonl', { type: 'application/jsonl' }), purpose: 'batch' })).id;
const create = async (lines: string[]) => client.batches.create({ input_file_id: await upload(lines), endpoint: '/v1/images/edits' as never, completion_window: '24h' });
const TERMINAL = ['completed', 'failed', 'expired', 'cancelled'];
/** Polls until the batch ends: at most 600 polls of 50 ms (30 s), each request bounded by 10 s. */
async function poll(c: OpenAI, id: string) {
  for (let i = 0; i < 600; i++) {
    const b = await c.batches.retrieve(id, { timeout: 10_000 });
    if (TERMINAL.includes(b.status)) return b;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`batch ${id} did not end within 600 polls`);
}
const finished = (id: string) => poll(client, id);
const lines = async (fileId: string) => (await (await client.files.content(fileId)).text()).trim().split('\n').map((s) => JSON.parse(s) as Record<string, any>);

describe('/v1/batches through the openai SDK', () => {
  it('runs every line through the edit route: output file in OpenAI\'s shape, a failing line in the error file', async () => {
    const created = await create([line('a'), line('bad', { quality: 'ultra' }), line('b', { output_format: 'webp' })]);
    expect(created).toMatchObject({ object: 'batch', endpoint: '/v1/images/edits', status: 'validating', completion_window: '24h', output_file_id: null });
    expect(created.id).toMatch(/^batch_[0-9a-f]{32}$/);
    const b = await finished(created.id);
    expect(b.status).toBe('completed');
    expect(b.request_counts).toEqual({ total: 3, completed: 2, failed: 1 });
    expect(b.completed_at).toBeGreaterThanOrEqual(b.created_at);
    const out = await lines(b.output_file_id!);
    expect(out.map((l) => [l.custom_id, l.response.status_code, l.error])).toEqual([['a', 200, null], ['b', 200, null]]);
    expect(out[0]!.id).toMatch(/^batch_req_/);
    expect(out[0]!.response.request_id).toMatch(/^req_/);
    const meta = await sharp(Buffer.from(out[1]!.response.body.data[0].b64_json, 'base64')).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['webp', 1024, 1024]);
    const errs = await lines(b.error_file_id!);
    expect(errs.map((l) => [l.custom_id, l.response.status_code, l.response.body.error.code, l.response.body.error.param, l.error])).toEqual([['bad', 400, 'invalid_value', 'quality', null]]);
    const file = await client.files.retrieve(b.output_file_id!);
    expect(file.purpose).toBe('batch_output');
  });

  it('lists newest first and pages with after', async () => {
    const x = await create([line('x')]);
    const y = await create([line('y')]);
    await finished(x.id);
    await finished(y.id);
    const first = await client.batches.list({ limit: 1 });
    expect(first.data.map((b) => b.id)).toEqual([y.id]);
    const next = await client.batches.list({ limit: 1, after: y.id });
    expect(next.data.map((b) => b.id)).toEqual([x.id]);
    const all = await client.batches.list({ limit: 100 });
    expect(all.data.slice(0, 2).map((b) => b.id)).toEqual([y.id, x.id]);
    const e = await client.batches.list({ limit: 0 }).catch((z: unknown) => z) as { status: number; error: { code: string; param: string } };
    expect([e.status, e.error.code, e.error.param]).toEqual([400, 'invalid_value', 'limit']);
  });

  it('an unknown batch id is 404 in OpenAI\'s shape (retrieve and cancel)', async () => {
    for (const call of [() => client.batches.retrieve('batch_nope'), () => client.batches.cancel('batch_nope')]) {
      const e = await call().catch((x: unknown) => x);
      expect(e).toBeInstanceOf(NotFoundError);
      expect((e as NotFoundError).status).toBe(404);
      expect((e as NotFoundError).error).toEqual({ message: "No batch found with id 'batch_nope'.", type: 'invalid_request_error', param: null, code: null });
    }
  });

  it('a batch file that is not valid fails the batch with the line named', async () => {
    const b = await finished((await create([line('a'), '{not json'])).id);
    expect(b.status).toBe('failed');
    expect(b.errors?.data).toEqual([{ code: 'invalid_json_line', message: 'Line 2 is not valid JSON.', param: null, line: 2 }]);
    expect(b.output_file_id).toBeNull();
    const dup = await finished((await create([line('a'), line('a')])).id);
    expect(dup.errors?.data?.[0]).toMatchObject({ code: 'duplicate_custom_id', line: 2 });
  });

  it.each([
    [{ endpoint: '/v1/chat/completions' }, 400, 'invalid_value', 'endpoint'],
    [{ completion_window: '1h' }, 400, 'invalid_value', 'completion_window'],
    [{ input_file_id: 'file-AAAAAAAAAAAAAAAAAAAAAAAA' }, 404, null, 'input_file_id'],
    [{ input_file_id: 'VISION' }, 400, 'invalid_value', 'input_file_id'],
  ])('create %j → %i %s (param %s)', async (over, status, code, param) => {
    const input = await upload([line('a')]);
    const body = { input_file_id: input, endpoint: '/v1/images/edits', completion_window: '24h', ...over } as Record<string, string>;
    if (body.input_file_id === 'VISION') body.input_file_id = imageId;
    const e = await client.batches.create(body as never).catch((x: unknown) => x) as { status: number; error: { code: string | null; param: string | null } };
    expect([e.status, e.error.code, e.error.param]).toEqual([status, code, param]);
  });

  it('cancel: the lines not run are in the error file as batch_cancelled; cancelling again an ended batch is 409', async () => {
    const created = await create(Array.from({ length: 6 }, (_, i) => line(`c${i}`)));
    const c = await client.batches.cancel(created.id);
    expect(c.status).toBe('cancelling');
    const b = await finished(created.id);
    expect(b.status).toBe('cancelled');
    expect(b.cancelled_at).toBeGreaterThanOrEqual(b.created_at);
    const errs = await lines(b.error_file_id!);
    expect(errs.length).toBe(b.request_counts!.failed);
    expect(b.request_counts!.completed + b.request_counts!.failed).toBe(6);
    expect(errs.at(-1)).toMatchObject({ custom_id: 'c5', response: null, error: { code: 'batch_cancelled' } });
    const e = await client.batches.cancel(created.id).catch((x: unknown) => x) as { status: number; error: { message: string } };
    expect([e.status, e.error.message]).toEqual([409, "Cannot cancel a batch with status 'cancelled'."]);
  });

  it('expired: past the completion window the lines not run fail as batch_expired', async () => {
    // A server whose window is already over when a batch starts: every line expires, none runs.
    const dir = await mkdtemp(join(tmpdir(), 'maskedit-batches-exp-'));
    const short = await startServer({ port: 0, apiKey: KEY, engine: 'telea', logger: false, today: '2026-11-30', files: { dir, sweepIntervalMs: 0 }, batches: { windowMs: 0 } });
    try {
      const c = new OpenAI({ baseURL: short.baseURL, apiKey: KEY, maxRetries: 0 });
      const input = await c.files.create({ file: await toFile(Buffer.from(`${line('e0')}\n${line('e1')}\n`), 'in.jsonl'), purpose: 'batch' });
      const created = await c.batches.create({ input_file_id: input.id, endpoint: '/v1/images/edits' as never, completion_window: '24h' });
      const b = await poll(c, created.id);
      expect(b.status).toBe('expired');
      expect(b.request_counts).toEqual({ total: 2, completed: 0, failed: 2 });
      expect(b.output_file_id).toBeNull();
      const errs = (await (await c.files.content(b.error_file_id!)).text()).trim().split('\n').map((x) => JSON.parse(x) as Record<string, any>);
      expect(errs.map((l) => [l.custom_id, l.response, l.error.code])).toEqual([['e0', null, 'batch_expired'], ['e1', null, 'batch_expired']]);
    } finally {
      // A keep-alive socket of the SDK client could hold close() open (seen under load): close them all.
      const closing = short.close();
      short.app.server.closeAllConnections();
      await closing;
      await rm(dir, { recursive: true, force: true });
    }
  });
});

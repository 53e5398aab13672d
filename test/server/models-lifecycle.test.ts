/** The server judged on a date, through the official SDK over a real socket: what OpenAI answers for a retired model. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI, { NotFoundError, BadRequestError, toFile } from 'openai';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { boxMask, noisyPng } from './_fixtures.js';

let server: RunningServer;
let client: OpenAI;
let filesDir: string;
beforeAll(async () => {
  filesDir = await mkdtemp(join(tmpdir(), 'maskedit-lifecycle-'));
  server = await startServer({ port: 0, engine: 'telea', logger: false, today: '2026-12-02', files: { dir: filesDir, sweepIntervalMs: 0 } });
  client = new OpenAI({ baseURL: server.baseURL, apiKey: 'unused', maxRetries: 0 });
});
afterAll(async () => {
  await server.close();
  await rm(filesDir, { recursive: true, force: true });
});

describe('maskedit serve on 2026-12-02', () => {
  it('models.list: only models not shut down, each with shutdown_date and lifecycle', async () => {
    const ids: string[] = [];
    const rows: Record<string, unknown>[] = [];
    for await (const m of client.models.list()) { ids.push(m.id); rows.push(m as unknown as Record<string, unknown>); }
    expect(ids).toEqual(['gpt-image-2.6-sunburst', 'gpt-image-2.6-flare', 'gpt-image-2.5-sunburst', 'gpt-image-2.5-flare', 'gpt-image-2']);
    expect(rows[0]).toMatchObject({ shutdown_date: null, lifecycle: { status: 'active', deprecated_on: null, replacements: [] } });
  });

  it('models.retrieve of a shut-down model: 404 model_not_found with the replacement', async () => {
    const e = await client.models.retrieve('gpt-image-1.5').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(NotFoundError);
    expect((e as NotFoundError).code).toBe('model_not_found');
  });

  it.each(['gpt-image-1.5', 'chatgpt-image-latest', 'gpt-image-1', 'dall-e-2'])('images.edit with %s: 404 model_not_found in OpenAI\'s shape, replacement in the message', async (model) => {
    const e = await client.images.edit({
      model, prompt: 'A plain wall. Preserve the lighting.',
      image: await toFile(await noisyPng(), 'photo.png', { type: 'image/png' }),
      mask: await toFile(await boxMask(), 'mask.png', { type: 'image/png' }),
    }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(NotFoundError);
    const err = e as NotFoundError;
    expect([err.status, err.code, err.type, err.param]).toEqual([404, 'model_not_found', 'invalid_request_error', 'model']);
    expect(err.message).toContain(`The model \`${model}\` has been deprecated, learn more here: https://platform.openai.com/docs/deprecations`);
    expect(err.message).toContain("use 'gpt-image-2.6-sunburst' or 'gpt-image-2.6-flare' instead");
  });

  it('the default model edits (no model named), and 2.6 takes complexity; 2.5 refuses it with invalid_value', async () => {
    const ok = await client.images.edit({
      prompt: 'A plain wall. Preserve the lighting.',
      image: await toFile(await noisyPng(), 'photo.png', { type: 'image/png' }),
      mask: await toFile(await boxMask(), 'mask.png', { type: 'image/png' }),
      complexity: 'low', quality: 'xhigh',
    } as never);
    expect(ok.data?.length).toBe(1);
    const e = await client.images.edit({
      model: 'gpt-image-2.5-flare', prompt: 'A plain wall. Preserve the lighting.',
      image: await toFile(await noisyPng(), 'photo.png', { type: 'image/png' }),
      mask: await toFile(await boxMask(), 'mask.png', { type: 'image/png' }),
      complexity: 'low',
    } as never).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(BadRequestError);
    expect([(e as BadRequestError).code, (e as BadRequestError).param]).toEqual(['invalid_value', 'complexity']);
    expect((e as BadRequestError).message).toContain("complexity is not supported for model 'gpt-image-2.5-flare'");
  });
});

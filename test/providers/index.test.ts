import { afterEach, describe, expect, it } from 'vitest';
import { createProvider, SURFACES } from '../../src/providers/index.js';

const savedKey = process.env.OPENAI_API_KEY;
afterEach(() => {
  if (savedKey === undefined) delete process.env.OPENAI_API_KEY;
  else process.env.OPENAI_API_KEY = savedKey;
});

describe('createProvider', () => {
  it.each([
    [{ provider: 'local' as const }, 'local', 'engine'],
    [{ provider: 'openai' as const, apiKey: 'test-key' }, 'openai', 'images'],
    [{ provider: 'openai' as const, surface: 'images' as const, apiKey: 'test-key' }, 'openai', 'images'],
    [{ provider: 'openai' as const, surface: 'json' as const, apiKey: 'test-key' }, 'openai', 'json'],
    [{ provider: 'openai' as const, surface: 'responses' as const, apiKey: 'test-key' }, 'openai', 'responses'],
  ])('%j → %s/%s', async (opts, name, surface) => {
    const p = await createProvider(opts);
    expect([p.name, p.surface]).toEqual([name, surface]);
  });

  it('needs a key for openai, passed in: the environment is the entry point\'s to read', async () => {
    process.env.OPENAI_API_KEY = 'test-env-key';
    await expect(createProvider({ provider: 'openai' })).rejects.toMatchObject({ code: 'OPENAI_API_KEY_MISSING' });
    await expect(createProvider({ provider: 'openai', surface: 'json', apiKey: 'test-key' })).resolves.toMatchObject({ surface: 'json' });
  });

  it('names the surfaces it knows when given another', async () => {
    expect(Object.keys(SURFACES)).toEqual(['images', 'json', 'responses']);
    await expect(createProvider({ provider: 'openai', surface: 'nope' as 'images', apiKey: 'test-key' })).rejects.toMatchObject({
      code: 'SURFACE_UNAVAILABLE',
      message: 'unknown surface "nope"; expected one of images, json, responses',
    });
  });

  it('rejects an unknown provider', async () => {
    await expect(createProvider({ provider: 'nope' as 'local' })).rejects.toMatchObject({ code: 'PROVIDER_UNKNOWN' });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/providers/errors.js';
import { openaiJsonProvider, type OpenAIJsonOptions } from '../../src/providers/openai-json.js';
import { startFakeOpenAI, type FakeOpenAI } from '../_helpers/fake-openai.js';
import { request, runProviderContract } from './provider.case.js';

const KEY = 'test-key-json';
let fake: FakeOpenAI;
beforeAll(async () => { fake = await startFakeOpenAI({ apiKey: KEY }); });
afterAll(async () => { await fake.close(); });

const make = (extra: Partial<OpenAIJsonOptions> = {}) => openaiJsonProvider({ apiKey: KEY, baseURL: fake.url, maxRetries: 0, ...extra });

runProviderContract({
  name: 'openai json (file ids)',
  make: () => make(),
  lastSent: () => fake.edits().at(-1)?.fields,
  bad: { request: { prompt: 'x'.repeat(32001) }, code: 'OPENAI_STRING_ABOVE_MAX_LENGTH' },
});

describe('openaiJsonProvider', () => {
  it('uploads image and mask with purpose vision, sends EditImageBodyJsonParam, then deletes the uploads', async () => {
    const start = fake.requests.length;
    const result = await make().edit(request({ size: '1024x1024', quality: 'low', inputFidelity: 'low' }));
    const reqs = fake.requests.slice(start);
    expect(reqs.map((r) => `${r.method} ${r.path.replace(/file-fake\d+/, 'ID')}`)).toEqual([
      'POST /v1/files', 'POST /v1/files', 'POST /v1/images/edits', 'DELETE /v1/files/ID', 'DELETE /v1/files/ID',
    ]);
    // The two uploads run in parallel: either may arrive first.
    const uploads = reqs.slice(0, 2).sort((a, b) => a.files[0]!.name.localeCompare(b.files[0]!.name));
    expect(uploads.map((u) => [u.fields.purpose, u.files[0]!.name, u.files[0]!.type, u.files[0]!.hasAlpha])).toEqual([
      ['vision', 'image.png', 'image/png', true],
      ['vision', 'mask.png', 'image/png', true],
    ]);
    const edit = reqs[2]!;
    expect(edit.contentType).toMatch(/^application\/json/);
    const ids = [...fake.deleted.slice(-2)].sort();
    expect(edit.json).toEqual({
      model: 'gpt-image-1.5', prompt: request().prompt, size: '1024x1024', quality: 'low', input_fidelity: 'low',
      images: [{ file_id: expect.stringMatching(/^file-fake\d+$/) }], mask: { file_id: expect.stringMatching(/^file-fake\d+$/) },
    });
    const j = edit.json as { images: { file_id: string }[]; mask: { file_id: string } };
    expect([j.images[0]!.file_id, j.mask.file_id].sort()).toEqual(ids);
    expect(result.sent).toMatchObject({ surface: 'json', images: [j.images[0]!.file_id], mask: j.mask.file_id });
  });

  it('uses already-uploaded file ids without uploading', async () => {
    // Upload through a first edit that keeps its files, then reuse their ids.
    await make({ keepUploads: true }).edit(request({ size: '1024x1024' }));
    const [imageFileId, maskFileId] = [...fake.files.keys()].slice(-2) as [string, string];
    const start = fake.requests.length;
    const result = await make().edit(request({ size: '1024x1024', imageFileId, maskFileId }));
    const reqs = fake.requests.slice(start);
    expect(reqs.map((r) => r.path)).toEqual(['/v1/images/edits']);
    expect(reqs[0]!.json).toMatchObject({ images: [{ file_id: imageFileId }], mask: { file_id: maskFileId } });
    expect(fake.files.has(imageFileId)).toBe(true);
    expect(result.images).toHaveLength(1);
  });

  it('sends data URLs when asked, with no upload', async () => {
    const start = fake.requests.length;
    const result = await make({ dataUrls: true }).edit(request({ size: '1536x1024' }));
    const reqs = fake.requests.slice(start);
    expect(reqs.map((r) => r.path)).toEqual(['/v1/images/edits']);
    const j = reqs[0]!.json as { images: { image_url: string }[]; mask: { image_url: string } };
    expect(j.images[0]!.image_url).toMatch(/^data:image\/png;base64,iVBORw0KGgo/);
    expect(j.mask.image_url).toMatch(/^data:image\/png;base64,iVBORw0KGgo/);
    expect(result.sent).toMatchObject({ images: ['data:image/png;base64,…'], mask: 'data:image/png;base64,…' });
    expect([result.images[0]!.width, result.images[0]!.height]).toEqual([1536, 1024]);
  });

  it('streams partial images over the JSON surface too', async () => {
    const seen: number[] = [];
    const result = await make({ dataUrls: true }).edit(request({ size: '1024x1024', quality: 'low', partialImages: 3, onPartial: (p) => seen.push(p.index) }));
    expect(fake.edits().at(-1)!.json).toMatchObject({ stream: true, partial_images: 3 });
    expect(seen).toEqual([0, 1, 2]);
    expect(result.usage?.output_tokens).toBe(272 + 300);
  });

  it('retries a 429 with Retry-After on the edit, and cleans up after a 400', async () => {
    fake.failNext({ status: 429, code: 'rate_limit_exceeded', retryAfter: 0.05, path: '/images/edits' });
    const before = fake.edits().length;
    await make({ maxRetries: 1 }).edit(request({ size: '1024x1024' }));
    expect(fake.edits().slice(before).map((r) => r.failed ?? 200)).toEqual([429, 200]);

    const filesBefore = fake.files.size;
    fake.failNext({ status: 400, code: 'invalid_image_file', message: 'Invalid image file or mode for image 1, please check your image file.', param: 'images', path: '/images/edits' });
    const err = await make({ maxRetries: 1 }).edit(request()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ code: 'OPENAI_INVALID_IMAGE_FILE', param: 'images', fix: expect.stringContaining('maskedit check') });
    expect(fake.files.size).toBe(filesBefore);
  });
});

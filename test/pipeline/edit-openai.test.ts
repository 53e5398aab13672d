/**
 * The whole pipeline over a real socket: the official SDK talks to an in-test server that speaks OpenAI's
 * contract and behaves like a GPT image model (redraws the whole frame with drift, answers at its own size).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage } from '../../src/io/image.js';
import { edit } from '../../src/pipeline/edit.js';
import { defaultModel, isoDate, statusOf } from '../../src/core/lifecycle.js';
import { getModel, sizeProblem } from '../../src/core/models.js';
import { createProvider } from '../../src/providers/index.js';
import { EDIT_COLOUR, startFakeOpenAI, type FakeOpenAI } from '../_helpers/fake-openai.js';
import { maskRaster, noise, png, withOrientation } from '../_helpers/images.js';

let fake: FakeOpenAI;
beforeAll(async () => { fake = await startFakeOpenAI({ apiKey: 'test-key', drift: [9, -7, 5], noise: 4 }); });
afterAll(async () => { await fake.close(); });

const PROMPT = 'A garden path at noon with a red bench beside it. Add a red bench beside the path. Preserve the path, the trees and the light.';

describe('edit() on the openai images surface', () => {
  it('edits an EXIF-rotated 3000x2000 JPEG: full size back, every pixel outside the mask bit-identical', async () => {
    const displayed = noise(2000, 3000, 11);
    const image = await withOrientation(displayed, 6, 'jpeg');
    const box = { x: 1200, y: 400, width: 600, height: 500 };
    const mask = await png(maskRaster({ width: 2000, height: 3000, boxes: [box] }));
    const provider = await createProvider({ provider: 'openai', surface: 'images', apiKey: 'test-key', baseURL: fake.url, maxRetries: 0 });
    const { outputs, report } = await edit({ image, mask, prompt: PROMPT, provider, quality: 'low' });

    const input = (await decodeImage(image)).raster;
    const out = outputs[0]!;
    expect([out.width, out.height]).toEqual([2000, 3000]);
    let outside = 0, insideEdited = 0;
    for (let y = 0; y < 3000; y++) for (let x = 0; x < 2000; x++) {
      const i = (y * 2000 + x) * 4;
      const inMask = x >= box.x && x < box.x + box.width && y >= box.y && y < box.y + box.height;
      const same = input.data[i] === out.data[i] && input.data[i + 1] === out.data[i + 1] && input.data[i + 2] === out.data[i + 2] && input.data[i + 3] === out.data[i + 3];
      if (!inMask && !same) outside++;
      if (inMask && Math.abs(out.data[i]! - EDIT_COLOUR[0]) < 40 && Math.abs(out.data[i + 2]! - EDIT_COLOUR[2]) < 40) insideEdited++;
    }
    expect(outside).toBe(0);
    expect(insideEdited / (box.width * box.height)).toBeGreaterThan(0.9);
    expect(report.finalOutsideChangedPixels).toBe(0);
    // What the server received: one crop at a model size, a PNG mask with alpha at the same size, the prompt.
    const sent = fake.edits().at(-1)!;
    // No --model: the registry's default on today's date, a live model, at a size it takes.
    const today = isoDate(new Date());
    expect(sent.fields.model).toBe(defaultModel(today));
    expect(statusOf(getModel(sent.fields.model as string), today)).toBe('active');
    expect(sizeProblem(getModel(sent.fields.model as string), sent.fields.size as string)).toBeNull();
    expect(sent.fields.prompt).toBe(report.request.prompt);
    expect(sent.fields.quality).toBe('low');
    const [img, msk] = [sent.files.find((f) => f.field.startsWith('image'))!, sent.files.find((f) => f.field === 'mask')!];
    expect(msk.type).toBe('image/png');
    expect(msk.hasAlpha).toBe(true);
    expect([msk.width, msk.height]).toEqual([img.width, img.height]);
    // The model redrew what it saw: the raw output drifted, and the report measured it.
    expect(report.crops[0]!.spillover.outside.changedFraction).toBeGreaterThan(0.3);
    expect(report.usage?.output_tokens).toBeGreaterThan(0);
    expect(JSON.stringify(report)).not.toContain('test-key');
  });

  it('surfaces OpenAI errors with their code and a triage hint', async () => {
    fake.failNext({ status: 400, code: 'moderation_blocked', message: 'Your request was rejected by the safety system.', path: '/images/edits' });
    const provider = await createProvider({ provider: 'openai', surface: 'images', apiKey: 'test-key', baseURL: fake.url, maxRetries: 0 });
    const img = noise(64, 64, 2);
    await expect(edit({ image: await png(img), mask: await png(maskRaster({ width: 64, height: 64, boxes: [{ x: 8, y: 8, width: 8, height: 8 }] })), prompt: PROMPT, provider }))
      .rejects.toMatchObject({ code: 'OPENAI_MODERATION_BLOCKED', openaiCode: 'moderation_blocked', status: 400 });
  });
});

import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloneRaster } from '../../src/core/raster.js';
import type { Engine } from '../../src/engines/engine.js';
import { decodeImage } from '../../src/io/image.js';
import { edit, type EditResult } from '../../src/pipeline/edit.js';
import { continuation, MANIFEST, readSession, recordStep, undoStep } from '../../src/pipeline/session.js';
import { localProvider } from '../../src/providers/local.js';
import { gradient, maskRaster, png } from '../_helpers/images.js';

/** Fills holes with a colour per call, so each step's output differs. */
function stepEngine(): Engine {
  let calls = 0;
  return {
    name: 'steps',
    async fill(image, mask) {
      calls++;
      const out = cloneRaster(image);
      for (let i = 0; i < mask.data.length; i++) if (mask.data[i]) out.data.set([calls * 40, 0, 255, 255], i * 4);
      return out;
    },
  };
}

let dir: string;
let image: Buffer;
let mask: Buffer;
const provider = localProvider({ engine: stepEngine() });
const PROMPT = 'A gradient with a blue square. Preserve the gradient.';
const run = (img: string | Uint8Array, m: string | Uint8Array, prompt = PROMPT): Promise<EditResult> => edit({ image: img, mask: m, prompt, provider, crop: 'off', size: '1024x1024', seam: 'none' });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'maskedit-session-'));
  image = await png(gradient(64, 64));
  mask = await png(maskRaster({ width: 64, height: 64, boxes: [{ x: 20, y: 20, width: 16, height: 16 }] }));
  await writeFile(join(dir, 'in.png'), image);
  await writeFile(join(dir, 'mask.png'), mask);
});
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

describe('sessions', () => {
  const sess = () => join(dir, 'sess');

  it('records steps, continues from the last output, and undoes back to the step before', async () => {
    expect(await readSession(sess())).toEqual({ version: 1, steps: [] });
    const first = await run(join(dir, 'in.png'), join(dir, 'mask.png'));
    const s1 = await recordStep(sess(), { image: join(dir, 'in.png'), mask: join(dir, 'mask.png'), prompt: PROMPT, options: { engine: 'steps' }, result: first });
    expect(s1).toMatchObject({
      index: 1, input: 'step-001/input.png', mask: 'step-001/mask.png', output: 'step-001/output.png', report: 'step-001/report.json',
      prompt: PROMPT, options: { engine: 'steps' }, provider: 'local', surface: 'engine', finalOutsideChangedPixels: 0,
      source: { image: join(dir, 'in.png'), mask: join(dir, 'mask.png') },
    });
    expect(await readFile(join(sess(), s1.input))).toEqual(image);
    expect(JSON.parse(await readFile(join(sess(), s1.report), 'utf8'))).toMatchObject({ provider: 'local', finalOutsideChangedPixels: 0 });

    // Continue: the next edit starts from step 1's output with step 1's mask.
    const next = await continuation(sess());
    expect([next.image, next.mask, next.previousResponseId]).toEqual([join(sess(), 'step-001/output.png'), join(sess(), 'step-001/mask.png'), undefined]);
    const second = await run(next.image, next.mask, 'Keep everything the same, but make the square lighter.');
    const s2 = await recordStep(sess(), { image: next.image, mask: next.mask, prompt: 'Keep everything the same, but make the square lighter.', result: second });
    expect(s2.index).toBe(2);
    // Step 2's input is exactly step 1's output, and step 2 changed only the masked square.
    expect(await readFile(join(sess(), s2.input))).toEqual(await readFile(join(sess(), s1.output)));
    const [o1, o2] = await Promise.all([s1, s2].map(async (s) => (await decodeImage(await readFile(join(sess(), s.output)))).raster));
    const px = (r: typeof o1, x: number, y: number) => Array.from(r!.data.subarray((y * 64 + x) * 4, (y * 64 + x) * 4 + 4));
    expect(px(o2, 0, 0)).toEqual(px(o1, 0, 0));
    expect(px(o1, 28, 28)).toEqual([40, 0, 255, 255]);
    expect(px(o2, 28, 28)).toEqual([80, 0, 255, 255]);

    // Undo drops step 2 and its folder; the next continue starts from step 1 again.
    const dropped = await undoStep(sess());
    expect(dropped.index).toBe(2);
    expect((await readSession(sess())).steps.map((s) => s.index)).toEqual([1]);
    expect((await readdir(sess())).sort()).toEqual([MANIFEST, 'step-001']);
    expect((await continuation(sess())).image).toBe(join(sess(), 'step-001/output.png'));
    await undoStep(sess());
    await expect(undoStep(sess())).rejects.toMatchObject({ code: 'SESSION_EMPTY', fix: expect.stringContaining('--session') });
    await expect(continuation(sess())).rejects.toMatchObject({ code: 'SESSION_EMPTY' });
  });

  it('keeps the response id for the next step to chain from', async () => {
    const result = await run(image, mask);
    result.report.responseId = 'resp_abc';
    const s = await recordStep(join(dir, 'chain'), { image, mask, prompt: PROMPT, result });
    expect(s.source).toEqual({ image: '(bytes)', mask: '(bytes)' });
    expect((await continuation(join(dir, 'chain'))).previousResponseId).toBe('resp_abc');
  });

  it('names a vanished input file with its code, and records nothing', async () => {
    const d = join(dir, 'vanished');
    const result = await run(image, mask);
    await expect(recordStep(d, { image: join(dir, 'gone.png'), mask, prompt: PROMPT, result })).rejects.toMatchObject({
      code: 'IMAGE_NOT_FOUND', message: `${join(dir, 'gone.png')} does not exist`,
    });
    expect((await readSession(d)).steps).toEqual([]);
  });

  it.each([
    ['not JSON', '{', 'SESSION_CORRUPT'],
    ['another shape', '{"steps": 3}', 'SESSION_CORRUPT'],
  ])('refuses a manifest that is %s', async (_n, text, code) => {
    const d = join(dir, `bad-${code}-${text.length}`);
    await recordStep(d, { image, mask, prompt: PROMPT, result: await run(image, mask) });
    await writeFile(join(d, MANIFEST), text);
    await expect(readSession(d)).rejects.toMatchObject({ code });
  });
});

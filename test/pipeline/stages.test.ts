/**
 * Each stage of the edit flow (src/pipeline/stages.ts) on its own: given inputs → exact outputs.
 */
import { describe, expect, it } from 'vitest';
import { getModel, sizeProblem } from '../../src/core/models.js';
import { boundingBox, cloneRaster, countNonZero } from '../../src/core/raster.js';
import { resize } from '../../src/core/resize.js';
import { modelMaskFor } from '../../src/core/composite.js';
import { MIME } from '../../src/io/image.js';
import {
  EditRefusedError, finish, plan, planPassthrough, prepare, ReferenceInputError, send, stageRun, type Prepared,
} from '../../src/pipeline/stages.js';
import { localProvider } from '../../src/providers/local.js';
import type { Provider, ProviderRequest } from '../../src/providers/provider.js';
import type { Engine } from '../../src/engines/engine.js';
import { maskRaster, noise, png, solid } from '../_helpers/images.js';

const W = 320, H = 240;
const BOX = { x: 100, y: 80, width: 60, height: 40 };
const TODAY = '2026-11-30';
const PROMPT = 'A noisy test card. Replace the patch with flat grey. Do not change anything else.';

const image = () => png(noise(W, H, 5));
const mask = () => png(maskRaster({ width: W, height: H, boxes: [BOX] }));

/** Answers at the size asked (or the image's with keepSize), painting the editable area green. */
function recorder(opts: { native?: boolean; images?: number } = {}): Provider & { requests: ProviderRequest[] } {
  const requests: ProviderRequest[] = [];
  return {
    name: opts.native ? 'local' : 'openai', surface: opts.native ? 'engine' : 'images', requests, ...(opts.native ? { native: true } : {}),
    async edit(req) {
      requests.push(req);
      const [w, h] = req.keepSize || !req.size ? [req.image.width, req.image.height] : req.size.split('x').map(Number) as [number, number];
      const out = resize(req.image, w, h, 'bilinear');
      const m = resize(req.mask, w, h, 'nearest');
      for (let i = 0; i < m.data.length; i++) if (m.data[i]) out.data.set([20, 200, 40, 255], i * 4);
      return { images: Array.from({ length: opts.images ?? req.n ?? 1 }, () => cloneRaster(out)), usage: { input_tokens: 10, output_tokens: 20, total_tokens: 30 } };
    },
  };
}

describe('stageRun', () => {
  it('adds each step\'s time under its name and reports it, once per call', async () => {
    const events: { step: string; message?: string }[] = [];
    const run = stageRun({ onProgress: (e) => events.push({ step: e.step, ...(e.message ? { message: e.message } : {}) }) });
    expect(await run.step('a', () => 1, (v) => `got ${v}`)).toBe(1);
    expect(await run.step('a', async () => 2)).toBe(2);
    expect(Object.keys(run.timings)).toEqual(['a']);
    expect(events).toEqual([{ step: 'a', message: 'got 1' }, { step: 'a' }]);
  });

  it('refuses to start a step once the signal is aborted (ABORTED)', async () => {
    const controller = new AbortController();
    controller.abort();
    const run = stageRun({ signal: controller.signal });
    let ran = false;
    await expect(run.step('x', () => { ran = true; })).rejects.toMatchObject({ code: 'ABORTED' });
    expect(ran).toBe(false);
  });
});

describe('prepare', () => {
  it('decodes, checks and builds the prompt: exact model, prompt, mask and problems', async () => {
    const p = await prepare({ image: await image(), mask: await mask(), scene: 'a noisy test card', change: 'replace the patch with flat grey', preserve: 'the noise', today: TODAY });
    expect(p.modelId).toBe('gpt-image-2.6-sunburst');
    expect([p.today, p.lifecycle, p.n]).toEqual([TODAY, 'active', 1]);
    expect(p.prompt).toBe('A noisy test card. Replace the patch with flat grey. Preserve the noise. Do not change anything else.');
    expect([p.original.width, p.original.height, p.input.info.format]).toEqual([W, H, 'png']);
    expect(countNonZero(p.editMask)).toBe(BOX.width * BOX.height);
    expect([p.repairs, p.expanded, p.references, p.sampling]).toEqual([[], undefined, [], {}]);
    // The mask's box and count, found while its alpha was read, for plan.
    expect(p.editStats).toEqual({ box: BOX, count: BOX.width * BOX.height });
    expect(boundingBox(p.editMask)).toEqual(BOX);
  });

  it('expand: the mask changed, so its box and count are not handed on (plan scans the expanded mask)', async () => {
    const p = await prepare({ image: await image(), mask: await mask(), prompt: PROMPT, expand: 2, today: TODAY });
    expect(p.editStats).toBeUndefined();
    expect(boundingBox(p.editMask)).toEqual({ x: BOX.x - 2, y: BOX.y - 2, width: BOX.width + 4, height: BOX.height + 4 });
    const planned = await plan(p, { provider: recorder() });
    expect(planned.crops[0]!.region).toEqual({ x: BOX.x - 2, y: BOX.y - 2, width: BOX.width + 4, height: BOX.height + 4 });
    expect(p.fidelity.value).toBe(undefined);
    expect(p.problems.map((x) => x.code)).toEqual([]);
  });

  it('promptAsIs sends the prompt exactly as written; adviseFidelity false sends no fidelity unless asked', async () => {
    const p = await prepare({ image: await image(), mask: await mask(), prompt: 'put a flamingo in the pool', promptAsIs: true, adviseFidelity: false, model: 'gpt-image-1.5', today: '2026-11-20' });
    expect(p.prompt).toBe('put a flamingo in the pool');
    expect(p.fidelity).toEqual({ value: undefined, reason: 'not requested' });
    expect(p.lifecycle).toBe('deprecated');
    expect(p.problems.map((x) => x.code)).toEqual(['MODEL_DEPRECATED', 'PROMPT_HOLE_ONLY']);
    const asked = await prepare({ image: await image(), mask: await mask(), prompt: 'put a flamingo in the pool', promptAsIs: true, adviseFidelity: false, fidelity: 'high', model: 'gpt-image-1.5', today: '2026-11-20' });
    expect(asked.fidelity.value).toBe('high');
  });

  it('the library advises fidelity on a model that takes it', async () => {
    const p = await prepare({ image: await image(), mask: await mask(), prompt: PROMPT, model: 'gpt-image-1.5', today: '2026-11-20' });
    expect(p.fidelity.value).toBe('low');
  });

  it('raises EditRefusedError with the doctor\'s problems, naming --fix when it can repair', async () => {
    const noAlpha = await png(maskRaster({ width: W, height: H, boxes: [BOX], style: 'black' }), { alpha: false });
    const err = await prepare({ image: await image(), mask: noAlpha, prompt: PROMPT, today: TODAY }).catch((e: unknown) => e) as EditRefusedError;
    expect(err).toBeInstanceOf(EditRefusedError);
    expect(err.code).toBe('MASK_NO_ALPHA');
    expect(err.fix).toMatch(/; or rerun with --fix to repair the mask automatically$/);
    const fixed = await prepare({ image: await image(), mask: noAlpha, prompt: PROMPT, today: TODAY, fix: true });
    expect(fixed.repairs.length).toBe(1);
    expect(countNonZero(fixed.editMask)).toBe(BOX.width * BOX.height);
  });

  it('refuses an empty prompt with the linter\'s PROMPT_EMPTY', async () => {
    await expect(prepare({ image: await image(), mask: await mask(), prompt: '   ', today: TODAY })).rejects.toMatchObject({ code: 'PROMPT_EMPTY' });
  });

  it('probes references (size, mime, name) and counts them against the model', async () => {
    const ref = await png(solid(64, 48));
    const p = await prepare({ image: await image(), mask: await mask(), prompt: PROMPT, today: TODAY, references: [ref, { bytes: ref, label: 'image[1]', name: 'cup.png' }] });
    expect(p.references.map((r) => [r.size, r.ref.mime, r.ref.name])).toEqual([
      [{ width: 64, height: 48 }, MIME.png, 'ref-1.png'],
      [{ width: 64, height: 48 }, MIME.png, 'cup.png'],
    ]);
  });

  it('probes references under the same pixel limit as the image (ReferenceInputError with its index)', async () => {
    const big = await png(solid(400, 400));
    const err = await prepare({ image: await image(), mask: await mask(), prompt: PROMPT, today: TODAY, maxPixels: W * H, references: [await png(solid(8, 8)), big] }).catch((e: unknown) => e) as ReferenceInputError;
    expect(err).toBeInstanceOf(ReferenceInputError);
    expect([err.code, err.index]).toEqual(['IMAGE_TOO_MANY_PIXELS', 1]);
    expect(err.message).toBe(`reference 2 is 400x400 (0.2 MP); the limit is ${W * H} pixels`);
  });

  it('refuses a shut-down model before reading any file (MODEL_SHUT_DOWN)', async () => {
    await expect(prepare({ image: '/nonexistent/a.png', mask: '/nonexistent/m.png', prompt: PROMPT, model: 'gpt-image-1.5', today: '2026-12-02' })).rejects.toMatchObject({ code: 'MODEL_SHUT_DOWN' });
  });

  it.each([[0], [11], [2.5]])('refuses n = %s (MODEL_N_UNSUPPORTED)', async (n) => {
    await expect(prepare({ image: await image(), mask: await mask(), prompt: PROMPT, today: TODAY, n })).rejects.toMatchObject({ code: 'MODEL_N_UNSUPPORTED' });
  });
});

describe('plan', () => {
  const prepared = async (extra: Partial<Parameters<typeof prepare>[0]> = {}): Promise<Prepared> => prepare({ image: await image(), mask: await mask(), prompt: PROMPT, today: TODAY, ...extra });

  it('the embedded engine fills natively: the whole image, unscaled, mask not grown', async () => {
    const pl = await plan(await prepared(), { provider: recorder({ native: true }) });
    expect(pl.mode).toBe('native');
    expect(pl.crops).toEqual([{ x: 0, y: 0, width: W, height: H, sendWidth: W, sendHeight: H, region: BOX }]);
    expect([pl.grow, pl.providerName, pl.detail]).toEqual([0, 'local', { crop: 1, whole: 1 }]);
  });

  it('a model gets a crop around the mask at a size it takes, the mask grown by 8 px', async () => {
    const p = await prepared();
    const pl = await plan(p, { provider: recorder(), quality: 'low' });
    expect(pl.mode).toBe('crop');
    expect(pl.crops.length).toBe(1);
    const c = pl.crops[0]!;
    expect(c.region).toEqual(BOX);
    expect(c.x <= BOX.x && c.y <= BOX.y && c.x + c.width >= BOX.x + BOX.width && c.y + c.height >= BOX.y + BOX.height).toBe(true);
    expect(sizeProblem(getModel(p.modelId), `${c.sendWidth}x${c.sendHeight}`)).toBe(null);
    expect([pl.grow, pl.send.quality, pl.send.n]).toEqual([8, 'low', 1]);
    expect(pl.decisions).toEqual([{ param: 'quality', value: 'low', action: 'send' }, { param: 'n', value: 1, action: 'send' }]);
    expect(pl.estimate.usd).toBeGreaterThan(0);
  });

  it('--size pins the whole image at that size; a size the model refuses is MODEL_SIZE_UNSUPPORTED', async () => {
    const p = await prepared({ model: 'gpt-image-1.5', today: '2026-11-20' });
    const pl = await plan(p, { provider: recorder(), size: '1536x1024' });
    expect(pl.mode).toBe('whole');
    expect(pl.crops.map((c) => [c.x, c.y, c.width, c.height, c.sendWidth, c.sendHeight])).toEqual([[0, 0, W, H, 1536, 1024]]);
    await expect(plan(p, { provider: recorder(), size: '999x999' })).rejects.toMatchObject({ code: 'MODEL_SIZE_UNSUPPORTED' });
  });

  it('refuses a parameter the model does not take before any request (MODEL_PARAM_UNSUPPORTED)', async () => {
    const provider = recorder();
    await expect(plan(await prepared({ model: 'gpt-image-2', today: TODAY }), { provider, complexity: 'low' })).rejects.toMatchObject({ code: 'MODEL_PARAM_UNSUPPORTED' });
    expect(provider.requests).toEqual([]);
  });

  it('refuses an OpenAI request above maxCostUsd (COST_ABOVE_LIMIT)', async () => {
    await expect(plan(await prepared(), { provider: recorder(), maxCostUsd: 0.000001 })).rejects.toMatchObject({ code: 'COST_ABOVE_LIMIT' });
  });

  it('planPassthrough sends the whole image as it came, at the size the client asked', async () => {
    const p = await prepared({ promptAsIs: true, adviseFidelity: false });
    const provider = recorder();
    const pl = planPassthrough(p, provider, { size: '1024x1024', quality: 'high', background: 'opaque', outputFormat: 'webp', partialImages: 2 });
    expect([pl.mode, pl.size, pl.grow, pl.providerName]).toEqual(['passthrough', '1024x1024', 0, 'openai']);
    expect(pl.crops).toEqual([{ x: 0, y: 0, width: W, height: H, sendWidth: W, sendHeight: H, region: BOX }]);
    expect(pl.send).toEqual({ quality: 'high', background: 'opaque', outputFormat: 'webp', partialImages: 2, n: 1 });
  });
});

describe('send', () => {
  it('sends each crop at its planned size with the grown mask, and sums the usage', async () => {
    const p = await prepare({ image: await image(), mask: await mask(), prompt: PROMPT, today: TODAY, n: 2 });
    const provider = recorder();
    const pl = await plan(p, { provider, regions: 'separate' });
    const sent = await send(p, pl, { seed: 7 });
    expect(provider.requests.map((r) => [r.size, r.n, r.prompt, r.model, r.seed, r.keepSize])).toEqual(pl.crops.map((c) => [`${c.sendWidth}x${c.sendHeight}`, 2, PROMPT, p.modelId, 7, undefined]));
    expect(provider.requests.map((r) => [r.image.width, r.image.height, r.mask.width, r.mask.height])).toEqual(pl.crops.map((c) => [c.sendWidth, c.sendHeight, c.sendWidth, c.sendHeight]));
    expect(sent.answers.map((a) => [a.crop, a.images.length])).toEqual(pl.crops.map((_, i) => [i, 2]));
    expect(sent.usage).toEqual({ input_tokens: 10 * pl.crops.length, output_tokens: 20 * pl.crops.length, total_tokens: 30 * pl.crops.length, ...(pl.crops.length > 1 ? { input_tokens_details: { image_tokens: 0, text_tokens: 0 } } : {}) });
    // The model mask is the user's mask grown by 8 px (core/composite.ts modelMaskFor).
    expect(countNonZero(sent.modelMask)).toBe(countNonZero(modelMaskFor(p.editMask, { grow: 8 })));
    // …built on first read from its parts, one per crop, each where its crop lies.
    expect(sent.modelMaskParts!.map((m) => m.at)).toEqual(pl.crops.map((c) => ({ x: c.x, y: c.y, width: c.width, height: c.height })));
    expect(sent.modelMaskParts!.reduce((n, m) => n + countNonZero(m.mask), 0)).toBe(countNonZero(sent.modelMask));
  });

  it('native: the whole image with keepSize and the exact mask', async () => {
    const p = await prepare({ image: await image(), mask: await mask(), prompt: PROMPT, today: TODAY });
    const provider = recorder({ native: true });
    const sent = await send(p, await plan(p, { provider }), { engine: 'telea' });
    expect(provider.requests.map((r) => [r.size, r.keepSize, r.engine, r.image.width, r.image.height])).toEqual([[`${W}x${H}`, true, 'telea', W, H]]);
    expect(countNonZero(sent.modelMask)).toBe(BOX.width * BOX.height);
  });

  it('passthrough: the decoded image and mask themselves, the size and output format as asked', async () => {
    const p = await prepare({ image: await image(), mask: await mask(), prompt: 'as is', promptAsIs: true, adviseFidelity: false, today: TODAY });
    const provider = recorder();
    const partials: number[] = [];
    await send(p, planPassthrough(p, provider, { outputFormat: 'jpeg', partialImages: 1 }), { onPartial: (x) => partials.push(x.index) });
    const r = provider.requests[0]!;
    expect(r.image).toBe(p.original);
    expect(r.mask).toBe(p.editMask);
    expect([r.size, r.outputFormat, r.partialImages, r.prompt]).toEqual([undefined, 'jpeg', 1, 'as is']);
  });

  it('a provider that answers without an image is PROVIDER_NO_IMAGE', async () => {
    const p = await prepare({ image: await image(), mask: await mask(), prompt: PROMPT, today: TODAY });
    await expect(send(p, await plan(p, { provider: recorder({ images: 0 }) }))).rejects.toMatchObject({ code: 'PROVIDER_NO_IMAGE' });
  });
});

describe('finish', () => {
  const flat: Engine = {
    name: 'flat',
    async fill(img, m) {
      const out = cloneRaster(img);
      for (let i = 0; i < m.data.length; i++) if (m.data[i]) out.data.set([255, 0, 255, 255], i * 4);
      return out;
    },
  };

  it('maps back, stitches strictly and reports: nothing outside the mask changes', async () => {
    const run = stageRun();
    const p = await prepare({ image: await image(), mask: await mask(), prompt: PROMPT, today: TODAY }, run);
    const pl = await plan(p, { provider: localProvider({ engine: flat }) }, run);
    const sent = await send(p, pl, {}, run);
    const result = await finish(p, pl, sent, { engine: 'flat' }, run);
    const out = result.outputs[0]!;
    let outsideSame = 0;
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      const i = (y * W + x) * 4;
      const inBox = x >= BOX.x && x < BOX.x + BOX.width && y >= BOX.y && y < BOX.y + BOX.height;
      if (!inBox && out.data.subarray(i, i + 4).every((v, c) => v === p.original.data[i + c])) outsideSame++;
    }
    expect(outsideSame).toBe(W * H - BOX.width * BOX.height);
    // The middle of the hole is the engine's fill (the inward feather blends only the outer 4 px).
    const mid = ((BOX.y + 20) * W + BOX.x + 30) * 4;
    expect([...out.data.subarray(mid, mid + 4)]).toEqual([255, 0, 255, 255]);
    const r = result.report;
    expect([r.finalOutsideChangedPixels, r.provider, r.surface, r.engine, r.model, r.strict, r.plan.mode]).toEqual([0, 'local', 'engine', 'flat', p.modelId, true, 'native']);
    expect(r.crops.map((c) => [c.x, c.y, c.width, c.height, c.sendWidth, c.sendHeight])).toEqual([[0, 0, W, H, W, H]]);
    expect(r.request).toEqual({ size: `${W}x${H}`, quality: undefined, inputFidelity: undefined, prompt: PROMPT, n: 1 });
    expect(r.stitch).toEqual({ seam: 'match', feather: 4, direction: 'inward', outwardBand: 0 });
    expect(Object.keys(r.timingsMs)).toEqual(['check', 'plan', 'encode', 'provider', 'mapback', 'spillover', 'stitch']);
    expect([r.billed, r.usage !== undefined]).toEqual([false, true]);
  });

  it('strict: false keeps the raw output; a passthrough plan is the server\'s to finish (INTERNAL)', async () => {
    const p = await prepare({ image: await image(), mask: await mask(), prompt: PROMPT, today: TODAY });
    const provider = recorder();
    const pl = await plan(p, { provider });
    const sent = await send(p, pl);
    const loose = await finish(p, pl, sent, { strict: false });
    expect([loose.report.strict, loose.report.stitch]).toEqual([false, null]);
    expect(loose.outputs[0]).toBe(loose.raw[0]);
    const pass = planPassthrough(p, provider, {});
    await expect(finish(p, pass, await send(p, pass))).rejects.toMatchObject({ code: 'INTERNAL' });
  });
});

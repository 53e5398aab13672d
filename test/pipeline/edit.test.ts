import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage } from '../../src/io/image.js';
import { countOutsideChanged, edit, EditRefusedError } from '../../src/pipeline/edit.js';
import { outputPaths, writeEditResult } from '../../src/pipeline/write.js';
import { localProvider } from '../../src/providers/local.js';
import type { Engine } from '../../src/engines/engine.js';
import type { ProgressEvent } from '../../src/core/progress.js';
import type { Provider, ProviderRequest } from '../../src/providers/provider.js';
import { resize } from '../../src/core/resize.js';
import { cloneRaster, createRaster, type EditMask, type Raster } from '../../src/core/raster.js';
import { getModel, sizeProblem } from '../../src/core/models.js';
import { renderHeatmap } from '../../src/core/heatmap.js';
import { spillover } from '../../src/core/spillover.js';
import { blendMaskFor, stitch } from '../../src/core/composite.js';
import { fillBox, gradient, maskRaster, noise, png, solid, withOrientation } from '../_helpers/images.js';

/** Fills holes with a flat colour: fast, and obviously different from the input. */
const flatEngine: Engine = {
  name: 'flat',
  async fill(image, mask) {
    const out = cloneRaster(image);
    for (let i = 0; i < mask.data.length; i++) if (mask.data[i]) out.data.set([255, 0, 255, 255], i * 4);
    return out;
  },
};

/**
 * Behaves like a GPT image model: answers at the requested size (or 1024x1024), redraws the whole frame with a
 * small global drift, and records what it was sent.
 */
function driftingProvider(drift = 12): Provider & { requests: ProviderRequest[] } {
  const requests: ProviderRequest[] = [];
  return {
    name: 'openai', surface: 'images', requests,
    async edit(req) {
      requests.push(req);
      const [w, h] = (req.size ?? '1024x1024').split('x').map(Number) as [number, number];
      const out = resize(req.image, w, h, 'bilinear');
      for (let i = 0; i < out.data.length; i++) if (i % 4 !== 3) out.data[i] = Math.min(255, out.data[i]! + drift);
      // Paint the editable region so "inside" visibly changes.
      const m = resize(req.mask, w, h, 'nearest');
      for (let i = 0; i < m.data.length; i++) if (m.data[i]) out.data.set([20, 200, 40, 255], i * 4);
      return { images: Array.from({ length: req.n ?? 1 }, () => cloneRaster(out)), usage: { input_tokens: 10, output_tokens: 20, total_tokens: 30 } };
    },
  };
}

/** Displayed-orientation edit mask (255 editable) for a box. */
function editMaskOf(width: number, height: number, box: { x: number; y: number; width: number; height: number }): EditMask {
  const m = createRaster(width, height, 1);
  for (let y = box.y; y < box.y + box.height; y++) m.data.fill(255, y * width + box.x, y * width + box.x + box.width);
  return m;
}

/** The seam correction may shift the model's colours by its measured cast (here +12), no more. */
function expectNear(got: number[], want: number[], tolerance: number): void {
  expect(got.map((v, i) => Math.abs(v - want[i]!) <= tolerance), `${got} vs ${want} ± ${tolerance}`).toEqual(want.map(() => true));
}

function outsideDiffers(a: Raster, b: Raster, mask: EditMask): number {
  let n = 0;
  for (let i = 0; i < mask.data.length; i++) {
    if (mask.data[i]) continue;
    for (let c = 0; c < 4; c++) if (a.data[i * 4 + c] !== b.data[i * 4 + c]) { n++; break; }
  }
  return n;
}

let dir: string;
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'maskedit-edit-')); });
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

const PROMPT = 'A quiet room with a green plant on the table. Add a green plant on the table. Preserve the walls, the light and the camera angle.';

describe('edit() locality', () => {
  it('brings an EXIF-rotated 3000x2000 JPEG back at full displayed size, bit-identical outside the mask', async () => {
    // Stored 3000x2000, orientation 6 (rotate 90° clockwise to display): displayed 2000x3000.
    const displayed = noise(2000, 3000, 3);
    const image = await withOrientation(displayed, 6, 'jpeg');
    const box = { x: 700, y: 1900, width: 500, height: 400 };
    const mask = await png(maskRaster({ width: 2000, height: 3000, boxes: [box] }));
    const provider = driftingProvider();
    const { outputs, report, input } = await edit({ image, mask, prompt: PROMPT, provider });

    const decoded = (await decodeImage(image)).raster;
    expect(input.info.orientation).toBe(6);
    expect(outputs[0]!.width).toBe(2000);
    expect(outputs[0]!.height).toBe(3000);
    const em = editMaskOf(2000, 3000, box);
    expect(outsideDiffers(decoded, outputs[0]!, em)).toBe(0);
    expect(report.finalOutsideChangedPixels).toBe(0);
    // The model redrew everything it saw: the raw output spilled, and the report says by how much.
    expect(report.crops[0]!.spillover.outside.changedFraction).toBeGreaterThan(0.5);
    expect(report.spillover.verdict).not.toBe('local');
    // Inside the mask the edit arrived.
    const centre = ((box.y + 200) * 2000 + box.x + 250) * 4;
    expectNear([...outputs[0]!.data.subarray(centre, centre + 3)], [20, 200, 40], 16);
    // It sent a crop around the mask at a size the model takes, not the whole 6 MP image.
    const sent = provider.requests[0]!;
    expect(sizeProblem(getModel(report.model), sent.size!)).toBeNull();
    expect(sent.size).not.toBe('2000x3000');
    expect(report.plan.mode).toBe('crop');
    expect(report.crops[0]!.width).toBeLessThan(2000);
  });

  it('renders the heatmap on first read, once, from the raw output mapped back onto the input', async () => {
    const img = gradient(640, 480);
    const box = { x: 100, y: 100, width: 120, height: 80 };
    const result = await edit({ image: await png(img), mask: await png(maskRaster({ width: 640, height: 480, boxes: [box] })), prompt: PROMPT, provider: driftingProvider() });
    const want = renderHeatmap(result.input.raster, spillover(result.input.raster, result.raw[0]!, result.editMask).changeMap, result.editMask);
    const first = result.heatmap;
    expect(Buffer.from(first.data).equals(Buffer.from(want.data))).toBe(true);
    expect(result.heatmap).toBe(first);
  });

  it('keeps the raw output with strict: false, and the report counts what changed outside', async () => {
    const img = gradient(640, 480);
    const box = { x: 100, y: 100, width: 120, height: 80 };
    const { outputs, report } = await edit({
      image: await png(img), mask: await png(maskRaster({ width: 640, height: 480, boxes: [box] })), prompt: PROMPT,
      provider: driftingProvider(), strict: false,
    });
    expect(report.strict).toBe(false);
    expect(report.stitch).toBeNull();
    expect(report.finalOutsideChangedPixels).toBeGreaterThan(1000);
    expect(outsideDiffers(img, outputs[0]!, editMaskOf(640, 480, box))).toBe(report.finalOutsideChangedPixels);
  });

  it('sends the whole image with crop: off and maps it back', async () => {
    const img = gradient(900, 600);
    const box = { x: 10, y: 10, width: 50, height: 50 };
    const provider = driftingProvider();
    const { outputs, report } = await edit({ image: await png(img), mask: await png(maskRaster({ width: 900, height: 600, boxes: [box] })), prompt: PROMPT, provider, crop: 'off' });
    expect(report.plan.mode).toBe('whole');
    expect(provider.requests[0]!.image.width * provider.requests[0]!.image.height).toBeGreaterThan(1_000_000);
    expect(outputs[0]!.width).toBe(900);
    expect(report.finalOutsideChangedPixels).toBe(0);
  });

  it('plans one crop per far-apart region with regions: separate', async () => {
    const boxes = [{ x: 20, y: 20, width: 60, height: 60 }, { x: 1800, y: 1300, width: 60, height: 60 }];
    const provider = driftingProvider();
    const { report, outputs } = await edit({
      image: await png(gradient(1920, 1440)), mask: await png(maskRaster({ width: 1920, height: 1440, boxes })), prompt: PROMPT, provider, regions: 'separate',
    });
    expect(report.crops).toHaveLength(2);
    expect(provider.requests).toHaveLength(2);
    for (const b of boxes) {
      const c = ((b.y + 30) * 1920 + b.x + 30) * 4;
      expectNear([...outputs[0]!.data.subarray(c, c + 3)], [20, 200, 40], 16);
    }
    expect(report.finalOutsideChangedPixels).toBe(0);
    expect(report.usage?.total_tokens).toBe(60);
  });

  it('keeps each region the work of its own crop when separate crops overlap', async () => {
    // About gpt-image-1.5's fixed sizes (judged before its shutdown): two thin strokes 140 px apart, their crops
    // grown to the 2:3 model aspect overlap by 150 px.
    const boxes = [{ x: 300, y: 200, width: 10, height: 300 }, { x: 450, y: 200, width: 10, height: 300 }];
    const colours = [[255, 0, 0, 255], [0, 0, 255, 255]] as const;
    const requests: ProviderRequest[] = [];
    // Paints what it was asked to edit in its own colour: red for the first call, blue for the second.
    const provider: Provider = {
      name: 'openai', surface: 'images',
      async edit(req) {
        const out = cloneRaster(req.image);
        for (let i = 0; i < req.mask.data.length; i++) if (req.mask.data[i]) out.data.set(colours[requests.length]!, i * 4);
        requests.push(req);
        return { images: [out] };
      },
    };
    const { report, outputs } = await edit({
      image: await png(gradient(1000, 800)), mask: await png(maskRaster({ width: 1000, height: 800, boxes })), prompt: PROMPT, provider, model: 'gpt-image-1.5', today: '2026-11-20',
      regions: 'separate', seam: 'none', feather: 0, grow: 0,
    });
    expect(report.crops.map((c) => [c.x, c.width])).toEqual([[155, 300], [305, 300]]);
    // Away from the strokes' edges, where resampling to the send size and back mixes in the neighbours.
    boxes.forEach((b, k) => {
      const wrong: string[] = [];
      for (let y = b.y + 2; y < b.y + b.height - 2; y++) {
        for (let x = b.x + 2; x < b.x + b.width - 2; x++) {
          const px = [...outputs[0]!.data.subarray((y * 1000 + x) * 4, (y * 1000 + x) * 4 + 4)];
          if (px.join() !== colours[k]!.join()) wrong.push(`${x},${y}`);
        }
      }
      expect(wrong, `region ${k + 1}`).toEqual([]);
    });
    expect(report.finalOutsideChangedPixels).toBe(0);
  });

  it.each([
    ['one crop', { regions: undefined }],
    ['two overlapping crops', { regions: 'separate' as const }],
  ])('writes the stitch into the raw output\'s buffer and still hands back the raw outputs unchanged (%s, n 2)', async (_, { regions }) => {
    // Two thin strokes whose separate crops overlap (see above), or one crop around both.
    const boxes = [{ x: 300, y: 200, width: 10, height: 300 }, { x: 450, y: 200, width: 10, height: 300 }];
    const image = await png(gradient(1000, 800)), mask = await png(maskRaster({ width: 1000, height: 800, boxes }));
    const common = { image, mask, prompt: PROMPT, model: 'gpt-image-1.5', today: '2026-11-20', n: 2, seam: 'none' as const, ...(regions ? { regions } : {}) };
    const loose = await edit({ ...common, provider: driftingProvider(), strict: false });
    const strict = await edit({ ...common, provider: driftingProvider() });
    expect(strict.report.crops).toHaveLength(regions ? 2 : 1);
    // The raw outputs, rebuilt from their crops, are byte for byte those of the unstitched run.
    expect(strict.raw.map((r, i) => Buffer.from(r.data).equals(Buffer.from(loose.outputs[i]!.data)))).toEqual([true, true]);
    // The outputs are a fresh stitch of those raw outputs onto the input (no buffer reused). Seam none here:
    // the reuse is the same for every seam (test/core/hotpath.test.ts checks all three against a reference).
    const { blend } = blendMaskFor(strict.editMask);
    strict.outputs.forEach((o, i) => {
      const want = stitch(strict.input.raster, strict.raw[i]!, blend, { seam: 'none' });
      expect(Buffer.from(o.data).equals(Buffer.from(want.data)), `output ${i}`).toBe(true);
    });
    expect(strict.raw).toBe(strict.raw); // rebuilt once, on first read
  });

  it('returns n outputs, each strict', async () => {
    const { outputs, report } = await edit({
      image: await png(gradient(300, 200)), mask: await png(maskRaster({ width: 300, height: 200, boxes: [{ x: 50, y: 50, width: 40, height: 40 }] })),
      prompt: PROMPT, provider: driftingProvider(), n: 3,
    });
    expect(outputs).toHaveLength(3);
    expect(report.outputs.map((o) => o.finalOutsideChangedPixels)).toEqual([0, 0, 0]);
  });

  it('runs on the local provider (embedded engine) with no network', async () => {
    const img = noise(256, 192, 5);
    const box = { x: 60, y: 40, width: 50, height: 30 };
    const steps: ProgressEvent[] = [];
    const { outputs, report } = await edit({ image: await png(img), mask: await png(maskRaster({ width: 256, height: 192, boxes: [box] })), prompt: PROMPT, provider: localProvider({ engine: flatEngine }), onProgress: (e) => steps.push(e) });
    expect(report.provider).toBe('local');
    // The engine works at the input's own resolution: no crop, no resampling, the exact mask.
    expect(report.plan.mode).toBe('native');
    expect(steps.find((e) => e.step === 'plan')?.message).toMatch(/^native: the engine fills the whole 256x192 image/);
    expect(report.crops[0]).toMatchObject({ x: 0, y: 0, width: 256, height: 192, sendWidth: 256, sendHeight: 192 });
    expect(report.billed).toBe(false);
    expect(report.estimatedCostUsd).toBeGreaterThan(0);
    expect(outsideDiffers(img, outputs[0]!, editMaskOf(256, 192, box))).toBe(0);
    // Inside, the engine's fill arrives untouched by any resampling.
    const c = ((box.y + 10) * 256 + box.x + 10) * 4;
    expect([...outputs[0]!.data.subarray(c, c + 4)]).toEqual([255, 0, 255, 255]);
  });

  it('runs the local provider like a model with crop: off', async () => {
    const { report } = await edit({
      image: await png(noise(300, 200, 5)), mask: await png(maskRaster({ width: 300, height: 200, boxes: [{ x: 60, y: 40, width: 50, height: 30 }] })),
      prompt: PROMPT, provider: localProvider({ engine: flatEngine }), crop: 'off',
    });
    expect(report.plan.mode).toBe('whole');
    expect(report.crops[0]).toMatchObject({ sendWidth: 1536, sendHeight: 1024 });
  });
});

describe('edit() sampling areas for the embedded engine', () => {
  let tmp: string;
  beforeAll(async () => { tmp = await mkdtemp(join(tmpdir(), 'maskedit-sampling-')); });
  afterAll(async () => { await rm(tmp, { recursive: true, force: true }); });

  it('reads --sample-from and --exclude masks like the edit mask and hands them to the engine', async () => {
    const seen: Record<string, unknown>[] = [];
    const capturing: Engine = { name: 'capturing', async fill(image, _mask, options) { seen.push({ ...options }); return cloneRaster(image); } };
    await writeFile(join(tmp, 'from.png'), await png(maskRaster({ width: 64, height: 48, boxes: [{ x: 0, y: 0, width: 8, height: 4 }] })));
    await writeFile(join(tmp, 'not.png'), await png(maskRaster({ width: 64, height: 48, boxes: [{ x: 40, y: 10, width: 3, height: 2 }] })));
    await edit({
      image: await png(noise(64, 48, 3)), mask: await png(maskRaster({ width: 64, height: 48, boxes: [{ x: 20, y: 20, width: 10, height: 10 }] })),
      prompt: PROMPT, provider: localProvider({ engine: capturing }), sampleFrom: join(tmp, 'from.png'), exclude: join(tmp, 'not.png'),
    });
    expect(seen).toHaveLength(1);
    const from = seen[0]!.sampleFrom as EditMask, not = seen[0]!.exclude as EditMask;
    expect([from.width, from.height, not.width, not.height]).toEqual([64, 48, 64, 48]);
    expect([...from.data.keys()].filter((i) => from.data[i])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 64, 65, 66, 67, 68, 69, 70, 71, 128, 129, 130, 131, 132, 133, 134, 135, 192, 193, 194, 195, 196, 197, 198, 199]);
    expect([...not.data.keys()].filter((i) => not.data[i])).toEqual([680, 681, 682, 744, 745, 746]);
  });

  it('refuses a sampling mask of another size with MASK_SIZE_MISMATCH before any fill', async () => {
    await writeFile(join(tmp, 'small.png'), await png(maskRaster({ width: 32, height: 24 })));
    const p = edit({
      image: await png(noise(64, 48, 3)), mask: await png(maskRaster({ width: 64, height: 48, boxes: [{ x: 20, y: 20, width: 10, height: 10 }] })),
      prompt: PROMPT, provider: localProvider({ engine: flatEngine }), exclude: join(tmp, 'small.png'),
    });
    await expect(p).rejects.toMatchObject({ code: 'MASK_SIZE_MISMATCH', message: `--exclude mask ${join(tmp, 'small.png')} is 32x24 but the image is 64x48` });
  });
});

describe('countOutsideChanged', () => {
  it.each([
    ['no boxes (the whole image)', undefined],
    ['disjoint boxes', [{ x: 0, y: 0, width: 4, height: 8 }, { x: 4, y: 0, width: 4, height: 8 }]],
    ['overlapping boxes', [{ x: 0, y: 0, width: 6, height: 8 }, { x: 2, y: 0, width: 6, height: 8 }]],
  ])('counts each changed kept pixel once with %s', (_name, boxes) => {
    const original = solid(8, 8, [10, 20, 30, 255]);
    const output = fillBox(solid(8, 8, [10, 20, 30, 255]), { x: 3, y: 3, width: 2, height: 2 }, [0, 0, 0, 255]);
    const mask = editMaskOf(8, 8, { x: 0, y: 0, width: 1, height: 1 });
    expect(countOutsideChanged(original, output, mask, boxes)).toBe(4);
  });
});

describe('edit() refusals', () => {
  const img = gradient(200, 100);

  it('stops on mask doctor errors with every problem attached', async () => {
    const mask = await png(maskRaster({ width: 100, height: 50, boxes: [{ x: 10, y: 10, width: 10, height: 10 }] }));
    const err = await edit({ image: await png(img), mask, prompt: PROMPT, provider: driftingProvider() }).catch((e) => e);
    expect(err).toBeInstanceOf(EditRefusedError);
    expect(err.code).toBe('MASK_SIZE_MISMATCH');
    expect(err.problems.map((p: { code: string }) => p.code)).toContain('MASK_SIZE_MISMATCH');
  });

  it('says --fix would repair a mask it can repair, and not for one it cannot', async () => {
    const bw = await png(maskRaster({ width: 100, height: 50, boxes: [{ x: 10, y: 10, width: 10, height: 10 }], style: 'white' }), { alpha: false });
    const err = await edit({ image: await png(img), mask: bw, prompt: PROMPT, provider: driftingProvider() }).catch((e) => e);
    expect(err).toBeInstanceOf(EditRefusedError);
    expect(err.fix).toMatch(/rerun with --fix/);
    const otherAspect = await png(maskRaster({ width: 100, height: 100, boxes: [{ x: 10, y: 10, width: 10, height: 10 }] }));
    const err2 = await edit({ image: await png(img), mask: otherAspect, prompt: PROMPT, provider: driftingProvider() }).catch((e) => e);
    expect(err2.code).toBe('MASK_SIZE_MISMATCH');
    expect(err2.fix).not.toMatch(/--fix/);
  });

  it('lints what the user wrote, not the closing sentence it adds: a hole-only prompt is flagged', async () => {
    const mask = await png(maskRaster({ width: 200, height: 100, boxes: [{ x: 10, y: 10, width: 10, height: 10 }] }));
    const { report } = await edit({ image: await png(img), mask, prompt: 'Put a flamingo in the pool.', provider: driftingProvider() });
    expect(report.request.prompt).toMatch(/Do not change anything else\.$/);
    expect(report.problems.map((p) => p.code)).toContain('PROMPT_HOLE_ONLY');
    const good = await edit({ image: await png(img), mask, prompt: PROMPT, provider: driftingProvider() });
    expect(good.report.problems.map((p) => p.code)).not.toContain('PROMPT_HOLE_ONLY');
  });

  it('repairs a same-aspect, no-alpha mask with fix: true and says what it did', async () => {
    const bw = await png(maskRaster({ width: 100, height: 50, boxes: [{ x: 10, y: 10, width: 10, height: 10 }], style: 'white' }), { alpha: false });
    const { report, outputs } = await edit({ image: await png(img), mask: bw, prompt: PROMPT, provider: driftingProvider(), fix: true });
    expect(report.repairs.length).toBeGreaterThanOrEqual(2);
    expect(outputs[0]!.width).toBe(200);
    expect(report.finalOutsideChangedPixels).toBe(0);
  });

  it('sends a prompt at the model\'s limit as written: the closing sentence is dropped with a warning, never over the limit', async () => {
    const provider = driftingProvider();
    const mask = await png(maskRaster({ width: 200, height: 100, boxes: [{ x: 10, y: 10, width: 10, height: 10 }] }));
    const prompt = `${'A lounge with a flamingo, keep the walls. '.repeat(800).slice(0, 31999)}.`;
    const { report } = await edit({ image: await png(img), mask, prompt, provider, model: 'gpt-image-2' });
    expect([...report.request.prompt].length).toBe(32000);
    expect(report.request.prompt).toBe(prompt.replace(/\s+/g, ' '));
    expect(report.problems.map((p) => p.code)).toContain('PROMPT_CLOSING_DROPPED');
    expect(provider.requests).toHaveLength(1);
  });

  it.each([
    { prompt: '', code: 'PROMPT_EMPTY' },
    { prompt: 'x'.repeat(40000), code: 'PROMPT_TOO_LONG' },
  ])('refuses a bad prompt with $code', async ({ prompt, code }) => {
    const mask = await png(maskRaster({ width: 200, height: 100, boxes: [{ x: 10, y: 10, width: 10, height: 10 }] }));
    await expect(edit({ image: await png(img), mask, prompt, provider: driftingProvider() })).rejects.toMatchObject({ code });
  });

  it.each([0, 2.5, Number.NaN, 11])('refuses n = %s with MODEL_N_UNSUPPORTED before sending anything', async (n) => {
    const provider = driftingProvider();
    const mask = await png(maskRaster({ width: 200, height: 100, boxes: [{ x: 10, y: 10, width: 10, height: 10 }] }));
    await expect(edit({ image: await png(img), mask, prompt: PROMPT, provider, n })).rejects.toMatchObject({
      code: 'MODEL_N_UNSUPPORTED', message: `n must be a whole number from 1 to 10, received ${n}`,
    });
    expect(provider.requests).toHaveLength(0);
  });

  it('refuses a request above --max-cost before sending it', async () => {
    const provider = driftingProvider();
    const mask = await png(maskRaster({ width: 200, height: 100, boxes: [{ x: 10, y: 10, width: 10, height: 10 }] }));
    await expect(edit({ image: await png(img), mask, prompt: PROMPT, provider, maxCostUsd: 0.0001 })).rejects.toMatchObject({ code: 'COST_ABOVE_LIMIT' });
    expect(provider.requests).toHaveLength(0);
  });

  it('stops when the signal is aborted', async () => {
    const mask = await png(maskRaster({ width: 200, height: 100, boxes: [{ x: 10, y: 10, width: 10, height: 10 }] }));
    const ac = new AbortController();
    ac.abort();
    await expect(edit({ image: await png(img), mask, prompt: PROMPT, provider: driftingProvider(), signal: ac.signal })).rejects.toMatchObject({ code: 'ABORTED' });
  });
});

describe('writeEditResult', () => {
  it('numbers outputs, writes report and heatmap atomically and leaves no temp files', async () => {
    const out = join(dir, 'w');
    const imagePath = join(dir, 'in.png');
    const maskPath = join(dir, 'mask.png');
    await writeFile(imagePath, await png(gradient(120, 80)));
    await writeFile(maskPath, await png(maskRaster({ width: 120, height: 80, boxes: [{ x: 5, y: 5, width: 20, height: 20 }] })));
    const result = await edit({ image: imagePath, mask: maskPath, prompt: PROMPT, provider: driftingProvider(), n: 2 });
    const written = await writeEditResult(result, { output: `${out}.png`, reportPath: `${out}.json`, heatmapPath: `${out}.heat.png`, inputs: [imagePath, maskPath] });
    expect(written.outputs).toEqual(outputPaths(`${out}.png`, 2));
    expect(written.outputs).toEqual([`${out}-1.png`, `${out}-2.png`]);
    const report = JSON.parse(await readFile(`${out}.json`, 'utf8'));
    expect(report.outputs[1].path).toBe(`${out}-2.png`);
    expect(report.finalOutsideChangedPixels).toBe(0);
    expect(JSON.stringify(report)).not.toMatch(/sk-|OPENAI_API_KEY/);
    const heat = await decodeImage(await readFile(`${out}.heat.png`));
    // The map (120x80) plus the legend panel below it, widened to the legend's title (core/legend.ts).
    expect([heat.info.width, heat.info.height]).toEqual([261, 142]);
    expect((await readdir(dir)).filter((f) => f.includes('maskedit-tmp'))).toEqual([]);
  });

  it.each([
    { output: 'out.gif', code: 'OUTPUT_FORMAT_UNSUPPORTED' },
    { output: 'same.png', heatmap: './same.png', code: 'OUTPUT_PATHS_CLASH' },
  ])('refuses $output with $code and writes nothing', async ({ output, heatmap, code }) => {
    const imagePath = join(dir, 'fmt.png');
    const maskPath = join(dir, 'fmt-mask.png');
    await writeFile(imagePath, await png(gradient(60, 40)));
    await writeFile(maskPath, await png(maskRaster({ width: 60, height: 40, boxes: [{ x: 5, y: 5, width: 10, height: 10 }] })));
    const result = await edit({ image: imagePath, mask: maskPath, prompt: PROMPT, provider: driftingProvider() });
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      await expect(writeEditResult(result, { output, ...(heatmap ? { heatmapPath: heatmap } : {}), inputs: [imagePath, maskPath] })).rejects.toMatchObject({ code });
    } finally {
      process.chdir(cwd);
    }
    expect((await readdir(dir)).filter((f) => f === output || f === 'same.png')).toEqual([]);
  });

  it('refuses to write over an input', async () => {
    const imagePath = join(dir, 'keep.png');
    const maskPath = join(dir, 'keep-mask.png');
    const original = await png(gradient(60, 40));
    await writeFile(imagePath, original);
    await writeFile(maskPath, await png(maskRaster({ width: 60, height: 40, boxes: [{ x: 5, y: 5, width: 10, height: 10 }] })));
    const result = await edit({ image: imagePath, mask: maskPath, prompt: PROMPT, provider: driftingProvider() });
    await expect(writeEditResult(result, { output: imagePath, inputs: [imagePath, maskPath] })).rejects.toMatchObject({ code: 'OUTPUT_IS_INPUT' });
    expect(Buffer.compare(await readFile(imagePath), original)).toBe(0);
  });
});



import { describe, expect, it } from 'vitest';
import { createEditMask, createRaster, type EditMask, type Raster } from '../../src/core/raster.js';
import { FILE_ID_BYTES, localityFacts, triage, TRIAGE_STEPS, type LocalityFacts, type TriageFacts } from '../../src/core/triage.js';

const GOOD_PROMPT = 'A sunlit lounge with a pool containing a flamingo. Preserve the walls, the reflections and the camera angle.';

function facts(over: Partial<TriageFacts> = {}): TriageFacts {
  return {
    labels: { image: 'in.png', mask: 'mask.png' },
    prompt: GOOD_PROMPT,
    mask: { problems: [], editableFraction: 0.092 },
    promptProblems: [],
    fidelity: { model: 'gpt-image-1.5', modelTakesFidelity: true, sent: undefined, subject: 'scene' },
    surface: { used: 'images', imageBytes: 1_000_000, references: 0 },
    ...over,
  };
}

const local: LocalityFacts = { outsideChangedFraction: 0.001, insideChangedFraction: 0.9, verdict: 'local', seamDrift: 1, driftOutsideCrop: 0, cropAreaFraction: 0.3, resized: false };

describe('triage', () => {
  it('lists every step in the guide\'s order and stops nowhere when all pass', () => {
    const r = triage(facts({ locality: local }));
    expect(r.findings.map((f) => [f.step, f.severity])).toEqual(TRIAGE_STEPS.map((s) => [s, 'ok']));
    expect(r.stoppedAt).toBeNull();
    expect(r.findings.every((f) => f.fix === null)).toBe(true);
  });

  it.each<[string, Partial<TriageFacts>, string, string, string | undefined, RegExp]>([
    ['a mask of the wrong size', { mask: { problems: [{ code: 'MASK_SIZE_MISMATCH', severity: 'error', message: 'mask is 512x512 but image is 1024x1024', fix: 'maskedit mask m.png --match in.png' }] } },
      'mask', 'error', 'MASK_SIZE_MISMATCH', /--match/],
    ['a mask the result ignored', { locality: { ...local, insideChangedFraction: 0.001 } },
      'mask', 'warning', 'TRIAGE_MASK_IGNORED', /alpha 0/],
    ['a hole-only prompt', { promptProblems: [{ code: 'PROMPT_HOLE_ONLY', severity: 'warning', message: 'only the change', fix: 'describe the whole result' }] },
      'prompt', 'warning', 'PROMPT_HOLE_ONLY', /whole result/],
    ['a logo without high fidelity', { fidelity: { model: 'gpt-image-1.5', modelTakesFidelity: true, sent: 'low', subject: 'logo', matched: 'logo' } },
      'fidelity', 'warning', 'TRIAGE_FIDELITY_LOW', /--fidelity high/],
    ['a face on a model without input_fidelity', { fidelity: { model: 'gpt-image-2', modelTakesFidelity: false, sent: undefined, subject: 'face', matched: 'portrait' } },
      'fidelity', 'warning', 'TRIAGE_FIDELITY_UNAVAILABLE', /--model gpt-image-1\.5 --fidelity high/],
    ['a spilled result', { locality: { ...local, outsideChangedFraction: 0.08, verdict: 'spilled' } },
      'locality', 'warning', 'TRIAGE_SPILLED', /maskedit stitch in\.png RESULT\.png --mask mask\.png -o fixed\.png/],
    ['a rewritten result', { locality: { ...local, outsideChangedFraction: 0.52, verdict: 'rewritten', seamDrift: 14 } },
      'locality', 'error', 'TRIAGE_REWRITTEN', /--seam match/],
    ['drift mostly outside the crop', { locality: { ...local, outsideChangedFraction: 0.4, verdict: 'rewritten', driftOutsideCrop: 0.85, cropAreaFraction: 0.25 } },
      'locality', 'error', 'TRIAGE_REWRITTEN', /a tighter crop fixes 85\.0 % of it: .*--crop auto.* sends only 25\.0 % of the image/],
  ])('stops at the step that explains %s', (_name, over, step, severity, code, fix) => {
    const r = triage(facts({ locality: local, ...over }));
    expect(r.stoppedAt).toBe(step);
    const f = r.findings.find((x) => x.step === step && x.severity === severity)!;
    expect(f).toMatchObject({ step, severity, ...(code ? { code } : {}) });
    expect(f.fix).toMatch(fix);
    // The rest is still listed, in order.
    expect([...new Set(r.findings.map((x) => x.step))]).toEqual(TRIAGE_STEPS);
  });

  it('stops at the earliest failing step when several fail', () => {
    const r = triage(facts({
      promptProblems: [{ code: 'PROMPT_NO_PRESERVE', severity: 'warning', message: 'm', fix: 'f' }],
      locality: { ...local, outsideChangedFraction: 0.6, verdict: 'rewritten' },
    }));
    expect(r.stoppedAt).toBe('prompt');
    expect(r.findings.filter((f) => f.severity !== 'ok').map((f) => f.step)).toEqual(['prompt', 'locality']);
  });

  it('says the locality step was skipped without a result', () => {
    const f = triage(facts()).findings.find((x) => x.step === 'locality')!;
    expect(f).toEqual({ step: 'locality', severity: 'info', message: 'not measured: no --result given', fix: 'rerun with --result OUT.png (the raw model output) to measure spillover outside the mask' });
  });

  it.each<[string, Partial<TriageFacts>, string[]]>([
    ['a follow-up correction', { prompt: 'Keep everything the same, but enlarge the logo slightly.' }, ['TRIAGE_ITERATIVE']],
    ['a follow-up already on responses', { prompt: 'Keep everything the same, but enlarge the logo slightly.', surface: { used: 'responses', imageBytes: 1, references: 0 } }, []],
    ['a big image', { surface: { used: 'images', imageBytes: FILE_ID_BYTES + 1, references: 0 } }, ['TRIAGE_FILE_IDS']],
    ['many references', { surface: { used: 'images', imageBytes: 1, references: 5 } }, ['TRIAGE_FILE_IDS']],
    ['a one-shot edit', {}, []],
  ])('surface: %s', (_n, over, codes) => {
    const s = triage(facts(over)).findings.filter((f) => f.step === 'surface');
    expect(s.filter((f) => f.code).map((f) => f.code)).toEqual(codes);
    expect(s.map((f) => f.severity)).toEqual(codes.length ? codes.map(() => 'info') : ['ok']);
    expect(s.filter((f) => f.code && !f.fix)).toEqual([]);
  });
});

describe('localityFacts', () => {
  const W = 200, H = 100;
  function image(): Raster & { channels: 4 } {
    const r = createRaster(W, H, 4);
    for (let i = 0; i < W * H; i++) r.data.set([(i % W), (i / W) | 0, 100, 255], i * 4);
    return r;
  }
  function mask(): EditMask {
    const m = createEditMask(W, H);
    for (let y = 40; y < 60; y++) for (let x = 20; x < 40; x++) m.data[y * W + x] = 255;
    return m;
  }

  it.each([
    // [what the "model" did, verdict, share of the drift outside the crop, seam drift above 6]
    ['changed only the masked square', (r: Raster, m: EditMask) => { for (let i = 0; i < m.data.length; i++) if (m.data[i]) r.data[i * 4] = 255 - r.data[i * 4]!; }, 'local', 0, false],
    ['shifted everything by 20 levels', (r: Raster) => { for (let i = 0; i < r.data.length; i++) if (i % 4 !== 3) r.data[i] = Math.min(255, r.data[i]! + 20); }, 'rewritten', 'uniform', true],
    ['changed a far corner only', (r: Raster, m: EditMask) => {
      for (let i = 0; i < m.data.length; i++) if (m.data[i]) r.data[i * 4] = 0;
      for (let y = 0; y < 30; y++) for (let x = 160; x < 200; x++) r.data[(y * W + x) * 4 + 1] = 255;
    }, 'spilled', 1, false],
  ] as const)('measures a result that %s', (_n, mutate, verdict, outsideCrop, seam) => {
    const original = image();
    const result = image();
    mutate(result, mask());
    const f = localityFacts(original, result, mask(), 'gpt-image-1.5');
    expect(f.verdict).toBe(verdict);
    expect(f.seamDrift > 6).toBe(seam);
    expect(f.cropAreaFraction).toBeGreaterThan(0);
    expect(f.cropAreaFraction).toBeLessThan(1);
    // A uniform shift changes every kept pixel: the share outside the crop is the kept area outside it.
    const expected = outsideCrop === 'uniform' ? ((1 - f.cropAreaFraction) * W * H) / (W * H - 400) : outsideCrop;
    expect(f.driftOutsideCrop).toBeCloseTo(expected, 6);
    expect(f.resized).toBe(false);
  });
});

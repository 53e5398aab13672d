/** `maskedit triage` end to end on generated files: JSON shape, order, exit codes, the text rendering. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fillBox, gradient, maskRaster, png } from '../_helpers/images.js';
import { runCli } from '../_helpers/cli.js';

// Judged on 2026-01-01, when the default model (gpt-image-1.5) took input_fidelity: the fidelity step is about it.
const PINNED = { env: { MASKEDIT_TODAY: '2026-01-01' } };

let dir: string;
const f = (name: string) => join(dir, name);
const GOOD = 'A gradient with a blue square in the middle. Preserve the gradient and its colours. Do not change anything else.';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'maskedit-triage-'));
  const box = { x: 40, y: 24, width: 16, height: 16 };
  await writeFile(f('in.png'), await png(gradient(96, 64)));
  await writeFile(f('mask.png'), await png(maskRaster({ width: 96, height: 64, boxes: [box] })));
  await writeFile(f('small-mask.png'), await png(maskRaster({ width: 48, height: 32, boxes: [{ x: 4, y: 4, width: 8, height: 8 }] })));
  // A result that edited the square and left the rest alone…
  await writeFile(f('local.png'), await png(fillBox(gradient(96, 64), box, [0, 0, 255, 255])));
  // …and one a model rewrote everywhere (a global colour shift), at a model size.
  const shifted = fillBox(gradient(96, 64), box, [0, 0, 255, 255]);
  for (let i = 0; i < shifted.data.length; i++) if (i % 4 !== 3) shifted.data[i] = Math.min(255, shifted.data[i]! + 30);
  await writeFile(f('rewritten.png'), await png(shifted));
});
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

interface Json { stoppedAt: string | null; findings: { step: string; severity: string; message: string; fix: string | null; code?: string }[] }

describe('maskedit triage', () => {
  it.each([
    ['a mask of the wrong size', ['small-mask.png', '--prompt', GOOD], 1, 'mask', 'MASK_SIZE_MISMATCH'],
    ['a hole-only prompt', ['mask.png', '--prompt', 'Put a blue square in it.'], 0, 'prompt', 'PROMPT_HOLE_ONLY'],
    ['a logo without high fidelity', ['mask.png', '--prompt', 'A gradient poster with the brand logo in the middle. Preserve the gradient.', '--fidelity', 'low'], 0, 'fidelity', 'TRIAGE_FIDELITY_LOW'],
    ['a rewritten result', ['mask.png', '--prompt', GOOD, '--result', 'rewritten.png'], 1, 'locality', 'TRIAGE_REWRITTEN'],
    ['a clean edit', ['mask.png', '--prompt', GOOD, '--result', 'local.png'], 0, null, undefined],
  ] as const)('stops at the right step for %s', async (_n, args, code, stoppedAt, findingCode) => {
    const argv = ['triage', f('in.png'), ...args.map((a) => (a.endsWith('.png') ? f(a) : a)), '--json'];
    const r = await runCli(argv, PINNED);
    expect(r.code, r.stderr).toBe(code);
    const json = JSON.parse(r.stdout) as Json;
    expect(json.stoppedAt).toBe(stoppedAt);
    // Findings come in the guide's order, every step present.
    const steps = json.findings.map((x) => x.step);
    expect([...new Set(steps)]).toEqual(['mask', 'prompt', 'fidelity', 'locality', 'surface']);
    expect(steps).toEqual([...steps].sort((a, b) => ['mask', 'prompt', 'fidelity', 'locality', 'surface'].indexOf(a) - ['mask', 'prompt', 'fidelity', 'locality', 'surface'].indexOf(b)));
    for (const x of json.findings) expect(Object.keys(x).sort()).toEqual(x.code ? ['code', 'fix', 'message', 'severity', 'step'] : ['fix', 'message', 'severity', 'step']);
    // The step it stopped at carries the expected code (a clean edit stops nowhere and carries none).
    expect(json.findings.filter((x) => x.step === stoppedAt && x.code === findingCode).length).toBe(findingCode ? 1 : 0);
  });

  it('names the stitch command with the user\'s paths for a rewritten result', async () => {
    const r = await runCli(['triage', f('in.png'), f('mask.png'), '--prompt', GOOD, '--result', f('rewritten.png'), '--json'], PINNED);
    const loc = (JSON.parse(r.stdout) as Json).findings.find((x) => x.step === 'locality')!;
    expect(loc.message).toMatch(/^the result changed 100\.0 % of the pixels outside the mask \(rewritten\)$/);
    expect(loc.fix).toContain(`maskedit stitch ${f('in.png')} ${f('rewritten.png')} --mask ${f('mask.png')} --seam match -o fixed.png`);
  });

  it('renders the steps with the first failing one marked', async () => {
    const r = await runCli(['triage', f('in.png'), f('mask.png'), '--prompt', 'Put a blue square in it.'], PINNED);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('triage in the guide\'s order: mask → prompt → fidelity → locality → surface');
    expect(lines.find((l) => l.includes('← start here'))).toMatch(/^ {2}! prompt {3}the prompt only names the change/);
    expect(lines.at(-2)).toBe('first step to fix: prompt');
  });

  it.each([
    [['triage', 'a.png'], 'missing MASK'],
    [['triage', 'a.png', 'b.png'], 'missing --prompt TEXT'],
    [['triage', 'a.png', 'b.png', '--prompt', 'p', '--fidelity', 'max'], '--fidelity expects one of low, high, received "max"'],
  ])('usage errors exit 2: %j', async (argv, message) => {
    const r = await runCli(argv, PINNED);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });
});

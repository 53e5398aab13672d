import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '', err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  // Judged on 2026-01-01, when the default was gpt-image-1.5 and dall-e-2 was deprecated (shut down 2026-05-12).
  const code = await run(argv, { stdout, stderr, env: { NO_COLOR: '1', MASKEDIT_TODAY: '2026-01-01' }, signal: new AbortController().signal });
  return { code, stdout: out, stderr: err };
}

describe('maskedit prompt', () => {
  it('builds the guide-shaped prompt and advises fidelity with its reason', async () => {
    const r = await cli('prompt', '--scene', 'a portrait of a woman on a balcony wearing round sunglasses', '--preserve', 'her face; the balcony', '--preserve', 'the light');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe([
      'prompt (135 characters, gpt-image-1.5):',
      '  A portrait of a woman on a balcony wearing round sunglasses. Preserve her face, the balcony and the light. Do not change anything else.',
      'input_fidelity: high — high for faces: identity drift is expensive and the guide names faces as the main preservation case (the prompt mentions "face"); it costs about 4160 extra input tokens per square image (6240 non-square)',
      'ok',
      '',
    ].join('\n'));
  });

  it('lints a hole-only prompt: warning, exit 0', async () => {
    const r = await cli('prompt', '--lint', 'Put a flamingo in the pool.');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('warning PROMPT_HOLE_ONLY: the prompt only names the change ("Put a flamingo in the pool")');
    expect(r.stdout).toContain('  fix: describe the whole result and what stays');
    expect(r.stdout).toMatch(/ok \(0 errors, 1 warning\)\n$/);
  });

  it('exits 1 on a lint error (too long for dall-e-2) and prints JSON', async () => {
    const text = `A quiet harbour at dawn with fishing boats. Keep the boats. ${'Calm water. '.repeat(90)}`;
    const r = await cli('prompt', '--lint', text, '--model', 'dall-e-2', '--json');
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.ok).toBe(false);
    expect(j.model).toBe('dall-e-2');
    expect(j.problems.map((p: { code: string }) => p.code)).toEqual(['PROMPT_TOO_LONG', 'MODEL_DEPRECATED']);
    expect(j.fidelity).toEqual({ value: null, reason: 'dall-e-2 has no input_fidelity parameter, so none is sent (the prompt names no face, logo, product or text)', subject: 'scene' });
  });

  it('extends a linted prompt with --preserve without repeating what it says', async () => {
    const r = await cli('prompt', '--lint', 'A red kite over the beach. Preserve the sea.', '--preserve', 'the sea; the people', '--json');
    expect(JSON.parse(r.stdout).prompt).toBe('A red kite over the beach. Preserve the sea. Preserve the people. Do not change anything else.');
  });

  it.each([
    [['prompt', '--model', 'gpt-image-1'], 'nothing to build or lint: give --scene/--change/--preserve, or --lint TEXT'],
    [['prompt', '--lint', 'x', '--subject', 'cat'], '--subject expects one of face, logo, product, text, scene, received "cat"'],
    [['prompt', '--lint', 'x', '--fidelity', 'max'], '--fidelity expects one of auto, low, high, received "max"'],
    [['prompt', 'stray'], 'unexpected argument "stray"'],
  ])('usage error for %j', async (argv, message) => {
    const r = await cli(...argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error USAGE: ${message}`);
  });

  it('warns about an unknown model and a fidelity the model does not take', async () => {
    const r = await cli('prompt', '--lint', 'A lounge with a flamingo. Keep the walls.', '--model', 'gpt-image-2', '--fidelity', 'high', '--json');
    const j = JSON.parse(r.stdout);
    expect(r.code).toBe(0);
    expect(j.problems.map((p: { code: string }) => p.code)).toEqual(['MODEL_NO_INPUT_FIDELITY']);
    const u = JSON.parse((await cli('prompt', '--lint', 'A lounge. Keep the walls.', '--model', 'imagen-9', '--json')).stdout);
    expect(u.problems[0]).toMatchObject({ code: 'MODEL_UNKNOWN', severity: 'warning' });
  });
});

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, spawnCli } from '../_helpers/cli.js';
import { animatedWebp, gradient, maskRaster, png, solid, withOrientation } from '../_helpers/images.js';

let dir: string;
const p = (name: string) => join(dir, name);
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'maskedit-cli-check-'));
  await writeFile(p('photo.png'), await png(gradient(64, 48)));
  await writeFile(p('mask.png'), await png(maskRaster({ width: 64, height: 48, boxes: [{ x: 0, y: 0, width: 16, height: 12 }] })));
  await writeFile(p('small.png'), await png(maskRaster({ width: 32, height: 24, boxes: [{ x: 0, y: 0, width: 8, height: 6 }] })));
  await writeFile(p('bw.png'), await png(maskRaster({ width: 64, height: 48, boxes: [{ x: 0, y: 0, width: 16, height: 12 }], style: 'white' }), { alpha: false }));
  await writeFile(p('rotated.jpg'), await withOrientation(gradient(64, 48), 8, 'jpeg'));
  await writeFile(p('animated.webp'), await animatedWebp([gradient(64, 48), solid(64, 48)]));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('maskedit check (in process)', () => {
  it('warns that an animated WebP keeps only its first frame (exit 0: a warning)', async () => {
    const r = await runCli(['check', p('animated.webp'), p('mask.png'), '--json']);
    expect(r.code).toBe(0);
    const codes = (JSON.parse(r.stdout) as { problems: { code: string; severity: string }[] }).problems.map((x) => `${x.severity}:${x.code}`);
    expect(codes).toEqual(['warning:IMAGE_ANIMATED', 'warning:MASK_FORMAT_DIFFERS']);
  });

  it('prints a header line and ok for a good pair, exit 0', async () => {
    const r = await runCli(['check', p('photo.png'), p('mask.png')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${p('photo.png')} 64x48 PNG ${r.stdout.match(/PNG (\S+ \S?B)/)![1]} · mask ${p('mask.png')} 64x48 PNG ${r.stdout.match(/mask \S+ 64x48 PNG (\S+ \S?B)/)![1]} · 6.3 % editable\nok\n`);
    expect(r.stderr).toBe('');
  });

  it('prints one line per problem with its fix under it, exit 1', async () => {
    const r = await runCli(['check', p('photo.png'), p('small.png')]);
    expect(r.code).toBe(1);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.slice(1)).toEqual([
      `error MASK_SIZE_MISMATCH: ${p('small.png')} is 32x24 but ${p('photo.png')} is 64x48 (same aspect ratio)`,
      `  fix: resize it (nearest neighbour): maskedit mask ${p('small.png')} --match ${p('photo.png')} -o ${p('small.fixed.png')}`,
      '1 error, 0 warnings',
    ]);
  });

  it('--json prints exactly the CheckReport', async () => {
    // Judged while gpt-image-1 was still active (before 2026-04-21), so only the mask's problems show.
    const r = await runCli(['check', p('rotated.jpg'), p('bw.png'), '--json', '--model', 'gpt-image-1'], { env: { MASKEDIT_TODAY: '2026-03-01' } });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(Object.keys(report)).toEqual(['ok', 'image', 'mask', 'problems', 'fix']);
    expect(report.fix).toBe(`maskedit mask ${p('bw.png')} -o ${p('bw.fixed.png')}`);
    expect(report.ok).toBe(false);
    expect(report.image).toMatchObject({ width: 64, height: 48, format: 'jpeg', orientation: 8 });
    expect(Object.keys(report.image)).toEqual(['width', 'height', 'format', 'bytes', 'orientation']);
    expect(report.mask).toMatchObject({ width: 64, height: 48, format: 'png', hasAlpha: false, editableFraction: 0 });
    expect(Object.keys(report.mask)).toEqual(['width', 'height', 'format', 'bytes', 'hasAlpha', 'editableFraction', 'repairedFraction']);
    expect(report.mask.repairedFraction).toBeNull();
    expect(report.problems.map((x: { code: string }) => x.code)).toEqual(['MASK_NO_ALPHA', 'MASK_FORMAT_DIFFERS']);
    for (const prob of report.problems) expect(Object.keys(prob)).toEqual(['code', 'severity', 'message', 'fix']);
  });

  it('warnings alone still exit 0', async () => {
    const r = await runCli(['check', p('photo.png'), p('mask.png'), '--model', 'gpt-image-42']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('warning MODEL_UNKNOWN: model "gpt-image-42" is not in maskedit\'s registry');
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('ok (0 errors, 1 warning)');
  });

  it.each([
    // [date, model, exit, code of the first problem]
    ['2026-11-20', 'gpt-image-1.5', 0, 'MODEL_DEPRECATED'],
    ['2026-12-01', 'gpt-image-1.5', 1, 'MODEL_SHUT_DOWN'],
    ['2026-12-01', 'gpt-image-2.6-flare', 0, undefined],
  ] as const)('judged on %s, --model %s exits %i (%s)', async (today, model, code, first) => {
    const r = await runCli(['check', p('photo.png'), p('mask.png'), '--model', model, '--json'], { env: { MASKEDIT_TODAY: today } });
    expect(r.code).toBe(code);
    expect(JSON.parse(r.stdout).problems[0]?.code).toBe(first);
  });

  it('a missing file is a problem in the report', async () => {
    const r = await runCli(['check', p('nope.png'), p('mask.png'), '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).problems[0]).toMatchObject({ code: 'IMAGE_NOT_FOUND', severity: 'error' });
  });

  it.each([
    [['check', 'only-one.png'], 'error USAGE: missing MASK'],
    [['check', 'a.png', 'b.png', 'c.png'], 'error USAGE: unexpected argument "c.png"'],
    [['check', 'a.png', 'b.png', '--colour'], "error USAGE: Unknown option '--colour'"],
  ])('usage error %j exits 2', async (argv, message) => {
    const r = await runCli(argv);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(message);
    expect(r.stderr).toContain('fix: usage: maskedit check IMAGE MASK [--model M] [--markup FILE] [--json]');
  });

  it('colours only on a terminal, and never with NO_COLOR', async () => {
    const tty = await runCli(['check', p('photo.png'), p('small.png')], { tty: true });
    expect(tty.stdout).toContain('\x1b[31merror\x1b[39m');
    const noColor = await runCli(['check', p('photo.png'), p('small.png')], { tty: true, env: { NO_COLOR: '1' } });
    expect(noColor.stdout).not.toContain('\x1b[');
  });
});

describe('maskedit check (spawned)', () => {
  it('checks the bundled example: exit 0, 9.2 % editable', async () => {
    const r = await spawnCli(['check', 'examples/lounge.png', 'examples/lounge-mask.png']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^examples\/lounge\.png 1024x1024 PNG 1\.1 MB · mask examples\/lounge-mask\.png 1024x1024 PNG 7\.1 KB · 9\.2 % editable\nok\n$/);
  });

  it('exits 1 with JSON on stdout when the mask has no alpha', async () => {
    const r = await spawnCli(['check', p('photo.png'), p('bw.png'), '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).problems[0].code).toBe('MASK_NO_ALPHA');
  });
});

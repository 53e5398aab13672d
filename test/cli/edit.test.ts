/**
 * `maskedit edit` and `maskedit demo` as a user runs them: real processes, real exit codes, files on disk, the
 * OpenAI surface through the official SDK against an in-test server that speaks the contract.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage } from '../../src/io/image.js';
import { BIN, ROOT, runCli, spawnCli } from '../_helpers/cli.js';
import { startFakeOpenAI, type FakeOpenAI } from '../_helpers/fake-openai.js';
import { gradient, maskRaster, png } from '../_helpers/images.js';

const KEY = 'sk-test-do-not-print-0123456789';
const PROMPT = 'A garden at noon with a stone bench. Add a stone bench on the grass. Preserve the trees and the path.';
let dir: string;
let fake: FakeOpenAI;
const p = (name: string) => join(dir, name);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'maskedit-cli-edit-'));
  fake = await startFakeOpenAI({ apiKey: KEY });
  await writeFile(p('in.png'), await png(gradient(320, 240)));
  await writeFile(p('mask.png'), await png(maskRaster({ width: 320, height: 240, boxes: [{ x: 100, y: 80, width: 60, height: 50 }] })));
  await writeFile(p('small-mask.png'), await png(maskRaster({ width: 160, height: 120, boxes: [{ x: 50, y: 40, width: 30, height: 25 }] })));
});
afterAll(async () => {
  await fake.close();
  await rm(dir, { recursive: true, force: true });
});

const openaiEnv = () => ({ OPENAI_API_KEY: KEY, OPENAI_BASE_URL: fake.url });

describe('maskedit edit', () => {
  it('edits on OpenAI with streaming previews, writes output, report and heatmap, never prints the key', async () => {
    const r = await spawnCli(['edit', p('in.png'), '--mask', p('mask.png'), '--prompt', PROMPT, '--stream', '--partial-images', '2',
      '-o', p('out.png'), '--report', p('report.json'), '--heatmap', p('heat.png'), '--json'], { env: openaiEnv() });
    expect(r.stderr).not.toContain(KEY);
    expect(r.stdout).not.toContain(KEY);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ output: p('out.png'), provider: 'openai', surface: 'images', strict: true, finalOutsideChangedPixels: 0, billed: true });
    expect(report.spillover.verdict).toMatch(/local|spilled|rewritten/);
    expect(await readFile(p('report.json'), 'utf8')).not.toContain(KEY);
    const out = await decodeImage(await readFile(p('out.png')));
    expect([out.info.width, out.info.height]).toEqual([320, 240]);
    const files = await readdir(dir);
    expect(files.filter((f) => f.startsWith('out.partial-'))).toHaveLength(2);
    expect(files.filter((f) => f.includes('maskedit-tmp'))).toEqual([]);
    const sent = fake.edits().at(-1)!;
    expect(sent.fields.stream).toBe('true');
    expect(sent.fields.partial_images).toBe('2');
    // Progress and the summary went to stderr, step by step.
    expect(r.stderr).toMatch(/check .* ms/);
    expect(r.stderr).toMatch(/provider .* ms/);
  });

  it('runs on the embedded engine without a key, with the engine asked for', async () => {
    const r = await runCli(['edit', p('in.png'), '--mask', p('mask.png'), '--prompt', PROMPT, '--engine', 'telea', '-o', p('local.png'), '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ provider: 'local', engine: 'telea', billed: false, finalOutsideChangedPixels: 0, plan: { mode: 'native' } });
  });

  it.each([
    { args: ['edit', 'in.png', '--prompt', PROMPT], message: /missing --mask MASK/ },
    { args: ['edit', 'in.png', '--mask', 'mask.png'], message: /missing --prompt TEXT/ },
    { args: ['edit', 'in.png', '--mask', 'mask.png', '--prompt', PROMPT, '--crop', 'sideways'], message: /--crop expects one of auto, off, received "sideways"/ },
    { args: ['edit', 'in.png', '--mask', 'mask.png', '--prompt', PROMPT, '--partial-images', '2'], message: /--partial-images needs --stream/ },
    { args: ['edit', 'in.png', '--mask', 'mask.png', '--prompt', PROMPT, '--bogus'], message: /Unknown option '--bogus'/ },
  ])('exits 2 on a usage error: $message', async ({ args, message }) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('exits 1 with the doctor\'s code and fix when the mask is wrong, and writes nothing', async () => {
    const r = await runCli(['edit', p('in.png'), '--mask', p('small-mask.png'), '--prompt', PROMPT, '-o', p('never.png'), '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'MASK_SIZE_MISMATCH' });
    expect(r.stderr).toMatch(/fix: .*maskedit mask/);
    expect((await readdir(dir)).includes('never.png')).toBe(false);
  });

  it('exits 1 with MASK_SIZE_MISMATCH when an --exclude mask has another size, and writes nothing', async () => {
    const r = await runCli(['edit', p('in.png'), '--mask', p('mask.png'), '--exclude', p('small-mask.png'), '--prompt', PROMPT, '--provider', 'local', '-o', p('never2.png'), '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'MASK_SIZE_MISMATCH', message: `--exclude mask ${p('small-mask.png')} is 160x120 but the image is 320x240` });
    expect((await readdir(dir)).includes('never2.png')).toBe(false);
  });

  it('notes that --sample-from and --exclude apply to the embedded engine only', async () => {
    const r = await spawnCli(['edit', p('in.png'), '--mask', p('mask.png'), '--exclude', p('mask.png'), '--sample-from', p('mask.png'), '--prompt', PROMPT, '-o', p('openai-note.png'), '-q'], { env: openaiEnv() });
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('note:');
    const loud = await spawnCli(['edit', p('in.png'), '--mask', p('mask.png'), '--exclude', p('mask.png'), '--prompt', PROMPT, '-o', p('openai-note2.png')], { env: openaiEnv() });
    expect(loud.code).toBe(0);
    expect(loud.stderr).toMatch(/^note: --exclude applies to the embedded engine \(--provider local\) only; OpenAI ignores it$/m);
  });

  it('with --fix repairs a same-aspect mask and names the repaired code once, not as an error', async () => {
    const r = await runCli(['edit', p('in.png'), '--mask', p('small-mask.png'), '--prompt', PROMPT, '--fix', '--engine', 'telea', '-o', p('fixed.png')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^repaired {5}MASK_SIZE_MISMATCH: /m);
    expect(r.stderr).not.toMatch(/^error /m);
  });

  it('-q prints nothing but errors: no progress, no summary', async () => {
    const ok = await runCli(['edit', p('in.png'), '--mask', p('small-mask.png'), '--prompt', PROMPT, '--fix', '--engine', 'telea', '-o', p('quiet.png'), '-q']);
    expect([ok.code, ok.stdout, ok.stderr]).toEqual([0, '', '']);
    const bad = await runCli(['edit', p('in.png'), '--mask', p('small-mask.png'), '--prompt', PROMPT, '--engine', 'telea', '-o', p('quiet-bad.png'), '-q']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/MASK_SIZE_MISMATCH/);
  });

  it('notes OpenAI-only flags the embedded engine ignores', async () => {
    const r = await runCli(['edit', p('in.png'), '--mask', p('mask.png'), '--prompt', PROMPT, '--provider', 'local', '--surface', 'json', '--max-cost', '1', '--engine', 'telea', '-o', p('noted.png')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('note: --surface, --max-cost apply to --provider openai only; the embedded engine ignores them');
  });

  it('refuses to write over its input', async () => {
    const before = await readFile(p('in.png'));
    const r = await runCli(['edit', p('in.png'), '--mask', p('mask.png'), '--prompt', PROMPT, '-o', p('in.png'), '--engine', 'telea']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/OUTPUT_IS_INPUT/);
    expect(Buffer.compare(await readFile(p('in.png')), before)).toBe(0);
  });

  it('stops on Ctrl-C with exit 130 and leaves no temp files', async () => {
    const slow = await startFakeOpenAI({ apiKey: KEY, delayMs: 20_000 });
    try {
      const child = spawn(process.execPath, [BIN, 'edit', p('in.png'), '--mask', p('mask.png'), '--prompt', PROMPT, '-o', p('interrupted.png')], {
        cwd: ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME, OPENAI_API_KEY: KEY, OPENAI_BASE_URL: slow.url }, stdio: ['ignore', 'pipe', 'pipe'],
      });
      let err = '';
      child.stderr.on('data', (d) => (err += d));
      // Interrupt once the request is on its way.
      const deadline = Date.now() + 20_000;
      while (slow.edits().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(slow.edits().length).toBe(1);
      child.kill('SIGINT');
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(code).toBe(130);
      expect(err).not.toContain(KEY);
      const files = await readdir(dir);
      expect(files.includes('interrupted.png')).toBe(false);
      expect(files.filter((f) => f.includes('maskedit-tmp'))).toEqual([]);
    } finally {
      await slow.close();
    }
  });
});

describe('maskedit demo', () => {
  it('runs the bundled example offline and writes result, report and heatmap', async () => {
    const out = p('demo');
    // Judged on a pinned date: the plan and price below are the default model's of that day.
    const r = await spawnCli(['demo', '--out', out, '--engine', 'telea', '--json'], { env: { MASKEDIT_TODAY: '2026-11-30' } });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ provider: 'local', finalOutsideChangedPixels: 0, output: join(out, 'result.png') });
    expect((await readdir(out)).sort()).toEqual(['heatmap.png', 'report.json', 'result.png']);
    const result = await decodeImage(await readFile(join(out, 'result.png')));
    // The bundled public-domain photo (examples/rocket.png), filled at its own size.
    expect([result.info.width, result.info.height]).toEqual([640, 427]);
    // The guide's lounge edit as OpenAI would get it on that day: one 567x532 crop sent at 1296x1216 (the 16-px
    // grid of gpt-image-2.6-sunburst, above its 655,360-pixel floor), priced, nothing sent.
    expect(report.openaiExample).toMatchObject({ model: 'gpt-image-2.6-sunburst', crops: [{ x: 270, y: 377, width: 567, height: 532, sendWidth: 1296, sendHeight: 1216 }] });
    expect(report.openaiExample.usd).toBeGreaterThan(0);
  });
});

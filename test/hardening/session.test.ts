/**
 * Forged session folders: a manifest is input like any other. Every variant must give SESSION_CORRUPT (or
 * SESSION_NOT_FOUND) and touch nothing outside the session folder — checked through the real CLI.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { validateManifest } from '../../src/pipeline/session.js';
import { runCli, spawnCli } from '../_helpers/cli.js';
import { gradient, maskRaster, png } from '../_helpers/images.js';

let root: string;
let victim: string;
let sess: string;
const step = (over: Record<string, unknown> = {}) => ({
  index: 1, createdAt: '2026-11-30T00:00:00.000Z', input: 'step-001/input.png', mask: 'step-001/mask.png', output: 'step-001/output.png',
  report: 'step-001/report.json', source: { image: 'in.png', mask: 'mask.png' }, prompt: 'p', options: {}, provider: 'local', surface: 'engine',
  model: 'patchmatch', finalOutsideChangedPixels: 0, rawOutsideChangedFraction: 0, verdict: 'local', ...over,
});

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'maskedit-hard-sess-'));
  victim = join(root, 'victim2');
});
afterAll(() => rm(root, { recursive: true, force: true }));
beforeEach(async () => {
  await rm(victim, { recursive: true, force: true });
  await mkdir(victim);
  await writeFile(join(victim, 'precious.txt'), 'keep me');
  sess = await mkdtemp(join(root, 'sess-'));
  await mkdir(join(sess, 'step-001'));
  await writeFile(join(sess, 'step-001', 'output.png'), await png(gradient(32, 32)));
  await writeFile(join(sess, 'step-001', 'mask.png'), await png(maskRaster({ width: 32, height: 32, boxes: [{ x: 4, y: 4, width: 8, height: 8 }] })));
});

const writeManifest = (m: unknown) => writeFile(join(sess, 'manifest.json'), typeof m === 'string' ? m : JSON.stringify(m));

describe('forged manifests are SESSION_CORRUPT', () => {
  it.each<[string, () => unknown]>([
    ['a string index escaping the session', () => ({ version: 1, steps: [step({ index: '/../../victim2' })] })],
    ['a fractional index', () => ({ version: 1, steps: [step({ index: 1.5 })] })],
    ['a negative index', () => ({ version: 1, steps: [step({ index: -1 })] })],
    ['a huge index', () => ({ version: 1, steps: [step({ index: 1e300 })] })],
    ['decreasing indexes', () => ({ version: 1, steps: [step({ index: 2, input: 'step-002/input.png', mask: 'step-002/mask.png', output: 'step-002/output.png', report: 'step-002/report.json' }), step()] })],
    ['an output path outside', () => ({ version: 1, steps: [step({ output: '../victim2/precious.txt' })] })],
    ['an absolute mask path', () => ({ version: 1, steps: [step({ mask: '/etc/passwd' })] })],
    ['a file of another step', () => ({ version: 1, steps: [step({ output: 'step-002/output.png' })] })],
    ['a missing prompt', () => ({ version: 1, steps: [step({ prompt: undefined })] })],
    ['options not an object', () => ({ version: 1, steps: [step({ options: 'x' })] })],
    ['a step that is null', () => ({ version: 1, steps: [null] })],
    ['version 2', () => ({ version: 2, steps: [] })],
    ['steps not an array', () => ({ version: 1, steps: {} })],
    ['not JSON', () => '{"version": 1, "steps": ['],
    ['JSON null', () => 'null'],
  ])('%s', async (_, forged) => {
    await writeManifest(forged());
    for (const argv of [['session', 'undo', sess, '--json'], ['session', 'show', sess, '--json'], ['edit', '--continue', sess, '--prompt', 'x', '--engine', 'telea', '--json']]) {
      const r = await runCli(argv);
      expect(r.code).toBe(1);
      expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'SESSION_CORRUPT', fix: expect.stringContaining('--session NEW_DIR') });
    }
    expect(await readFile(join(victim, 'precious.txt'), 'utf8')).toBe('keep me');
  });

  it('a step folder that is a symlink out of the session is refused for undo and continue (real process)', async () => {
    await rm(join(sess, 'step-001'), { recursive: true });
    await mkdir(join(victim, 'step'));
    await writeFile(join(victim, 'step', 'output.png'), await png(gradient(32, 32)));
    await writeFile(join(victim, 'step', 'mask.png'), await png(maskRaster({ width: 32, height: 32, boxes: [{ x: 4, y: 4, width: 8, height: 8 }] })));
    await symlink(join(victim, 'step'), join(sess, 'step-001'));
    await writeManifest({ version: 1, steps: [step()] });
    const undo = await spawnCli(['session', 'undo', sess, '--json']);
    expect(undo.code).toBe(1);
    expect(JSON.parse(undo.stdout).error.code).toBe('SESSION_CORRUPT');
    const cont = await runCli(['edit', '--continue', sess, '--prompt', 'x', '--engine', 'telea', '--json']);
    expect(JSON.parse(cont.stdout).error.code).toBe('SESSION_CORRUPT');
    expect((await readdir(join(victim, 'step'))).sort()).toEqual(['mask.png', 'output.png']);
  });

  it('edit --continue does not write through a planted next-step symlink', async () => {
    await writeManifest({ version: 1, steps: [step()] });
    await symlink(victim, join(sess, 'step-002'));
    const r = await runCli(['edit', '--continue', sess, '--prompt', 'A gradient. Add a square.', '--engine', 'telea', '-o', join(root, 'o.png'), '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error.code).toBe('SESSION_CORRUPT');
    expect(await readdir(victim)).toEqual(['precious.txt']);
  });

  it('a manifest that is a FIFO or folder is SESSION_CORRUPT, not a hang', async () => {
    await mkdir(join(sess, 'manifest.json'));
    const r = await runCli(['session', 'show', sess, '--json']);
    expect(JSON.parse(r.stdout).error.code).toBe('SESSION_CORRUPT');
  });

  it('session show and undo on a missing folder exit 1 with SESSION_NOT_FOUND', async () => {
    for (const action of ['show', 'undo']) {
      const r = await runCli(['session', action, join(root, 'nope'), '--json']);
      expect(r.code).toBe(1);
      expect(JSON.parse(r.stdout).error.code).toBe('SESSION_NOT_FOUND');
    }
  });

  it('a manifest maskedit wrote passes validation unchanged', () => {
    const m = { version: 1, steps: [step(), step({ index: 3, input: 'step-003/input.jpg', mask: 'step-003/mask.png', output: 'step-003/output.png', report: 'step-003/report.json', responseId: 'resp_1' })] };
    expect(validateManifest('d', m)).toEqual(m);
  });
});

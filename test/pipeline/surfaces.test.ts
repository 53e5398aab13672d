/**
 * The CLI (`maskedit edit`), the server's OpenAI route (`POST /v1/images/edits`) and the studio (`POST /api/edit`)
 * run the same stages (src/pipeline/stages.ts): the stages are wrapped to record each call, the same image, mask,
 * prompt and model go through each surface, and what `prepare` made of them must be identical; the CLI's and
 * the studio's reports must agree field by field. The server finishes as OpenAI answers (no stitch), so it runs
 * prepare → planPassthrough → send.
 */
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { countNonZero } from '../../src/core/raster.js';
import type { Prepared } from '../../src/pipeline/stages.js';
import { studioPlugin, type StudioResult } from '../../src/server/studio.js';
import { WARNINGS_HEADER } from '../../src/server/index.js';
import { runCli } from '../_helpers/cli.js';
import { boxMask, noisyPng, postMultipart, testServer, type TestServer } from '../server/_fixtures.js';

const calls = vi.hoisted(() => [] as { stage: string; prepared?: Record<string, unknown> }[]);

vi.mock('../../src/pipeline/stages.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/pipeline/stages.js')>();
  const summary = (p: Prepared) => ({
    modelId: p.modelId, today: p.today, lifecycle: p.lifecycle, n: p.n, prompt: p.prompt,
    size: [p.original.width, p.original.height], editable: countNonZero(p.editMask), problems: p.problems.map((x) => x.code),
    references: p.references.length,
  });
  return {
    ...real,
    prepare: async (...a: Parameters<typeof real.prepare>) => {
      const p = await real.prepare(...a);
      calls.push({ stage: 'prepare', prepared: summary(p) });
      return p;
    },
    plan: async (...a: Parameters<typeof real.plan>) => { calls.push({ stage: 'plan' }); return real.plan(...a); },
    planPassthrough: (...a: Parameters<typeof real.planPassthrough>) => { calls.push({ stage: 'planPassthrough' }); return real.planPassthrough(...a); },
    send: async (...a: Parameters<typeof real.send>) => { calls.push({ stage: 'send' }); return real.send(...a); },
    finish: async (...a: Parameters<typeof real.finish>) => { calls.push({ stage: 'finish' }); return real.finish(...a); },
  };
});

const W = 160, H = 120;
const TODAY = '2026-11-20';
// A deprecated model on TODAY: every surface must warn (MODEL_DEPRECATED) — the server did not before the stages.
const MODEL = 'gpt-image-1.5';
// Already a finished prompt: the CLI's and the studio's prompt builder leave it as it is, the server sends it as is.
const PROMPT = 'A noisy test card. Replace the square with flat grey. Do not change anything else.';

let dir: string, imagePath: string, maskPath: string;
let image: Buffer, mask: Buffer;
let server: TestServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'maskedit-surfaces-'));
  image = await noisyPng(W, H);
  mask = await boxMask(W, H, { x: 50, y: 40, w: 40, h: 30 });
  imagePath = join(dir, 'in.png');
  maskPath = join(dir, 'mask.png');
  await writeFile(imagePath, image);
  await writeFile(maskPath, mask);
  const dist = join(dir, 'dist');
  await mkdir(dist);
  await writeFile(join(dist, 'index.html'), '<!doctype html>');
  server = await testServer({ engine: 'telea', today: TODAY, plugins: [studioPlugin({ distDir: dist, env: {} })] });
});

afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

/** The stage calls one surface made (and clears the record). */
function taken(): typeof calls {
  return calls.splice(0);
}

describe('one input through the CLI, the server route and the studio route', () => {
  const runs: Record<string, { stages: string[]; prepared: Record<string, unknown> | undefined }> = {};
  let cliReport: Record<string, unknown>;
  let studioReport: Record<string, unknown>;
  let serverWarnings: string | undefined;

  beforeAll(async () => {
    taken();
    const cli = await runCli(['edit', imagePath, '--mask', maskPath, '--prompt', PROMPT, '--model', MODEL, '--provider', 'local', '--engine', 'telea', '-o', join(dir, 'out.png'), '--json', '-q'], { env: { MASKEDIT_TODAY: TODAY } });
    expect(cli.code, cli.stderr).toBe(0);
    cliReport = JSON.parse(cli.stdout) as Record<string, unknown>;
    let c = taken();
    runs.cli = { stages: c.map((x) => x.stage), prepared: c[0]?.prepared };

    const res = await postMultipart(server.app, '/v1/images/edits', [['image', { bytes: image }], ['mask', { bytes: mask }], ['prompt', PROMPT], ['model', MODEL]]);
    expect(res.statusCode, res.body).toBe(200);
    serverWarnings = res.headers[WARNINGS_HEADER] as string | undefined;
    c = taken();
    runs.server = { stages: c.map((x) => x.stage), prepared: c[0]?.prepared };

    const st = await postMultipart(server.app, '/api/edit', [['image', { bytes: image }], ['mask', { bytes: mask }], ['prompt', PROMPT], ['model', MODEL], ['engine', 'telea']]);
    expect(st.statusCode, st.body).toBe(200);
    studioReport = (st.json<StudioResult>().report as Record<string, unknown>);
    c = taken();
    runs.studio = { stages: c.map((x) => x.stage), prepared: c[0]?.prepared };
  });

  it.each([
    ['cli', ['prepare', 'plan', 'send', 'finish']],
    ['studio', ['prepare', 'plan', 'send', 'finish']],
    ['server', ['prepare', 'planPassthrough', 'send']],
  ])('%s runs the stages %j', (surface, stages) => {
    expect(runs[surface]!.stages).toEqual(stages);
  });

  it('prepare made the same of the same input on every surface', () => {
    const expected = {
      modelId: MODEL, today: TODAY, lifecycle: 'deprecated', n: 1, prompt: PROMPT, size: [W, H], editable: 40 * 30,
      problems: ['MODEL_DEPRECATED'], references: 0,
    };
    expect(runs.cli!.prepared).toEqual(expected);
    expect(runs.server!.prepared).toEqual(expected);
    expect(runs.studio!.prepared).toEqual(expected);
  });

  it('the server names the same warnings in its header', () => {
    expect(serverWarnings).toBe('MODEL_DEPRECATED');
  });

  it.each(['provider', 'surface', 'engine', 'model', 'image', 'request', 'lifecycle', 'params', 'fidelity', 'plan', 'crops', 'strict', 'expand', 'stitch', 'finalOutsideChangedPixels', 'estimatedCostUsd', 'billed', 'cost', 'repairs'])(
    'the CLI\'s and the studio\'s reports agree on %s', (field) => {
      expect(cliReport[field]).toBeDefined();
      expect(studioReport[field]).toEqual(cliReport[field]);
    },
  );

  it('the reports agree on the problems', () => {
    const codes = (r: Record<string, unknown>) => (r.problems as { code: string }[]).map((p) => p.code);
    expect(codes(cliReport)).toEqual(['MODEL_DEPRECATED']);
    expect(codes(studioReport)).toEqual(codes(cliReport));
  });

  it('the CLI wrote the output it reported', async () => {
    expect((await readFile(join(dir, 'out.png'))).subarray(1, 4).toString()).toBe('PNG');
  });
});

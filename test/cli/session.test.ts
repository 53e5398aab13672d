/**
 * `maskedit edit --session/--continue` and `maskedit session show|undo`, in-process: offline with the telea
 * engine, and on the responses surface against maskedit's own server (previous_response_id chained).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionStep } from '../../src/pipeline/session.js';
import { responsesRoutes } from '../../src/server/routes/responses.js';
import { runCli } from '../_helpers/cli.js';
import { gradient, maskRaster, png } from '../_helpers/images.js';
import { testServer, type TestServer } from '../server/_fixtures.js';

let dir: string;
let img: string;
let mask: string;
const PROMPT = 'A gradient with the square filled in. Preserve the gradient.';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'maskedit-cli-session-'));
  img = join(dir, 'in.png');
  mask = join(dir, 'mask.png');
  await writeFile(img, await png(gradient(96, 64)));
  await writeFile(mask, await png(maskRaster({ width: 96, height: 64, boxes: [{ x: 40, y: 24, width: 16, height: 16 }] })));
});
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

async function show(sess: string): Promise<SessionStep[]> {
  const r = await runCli(['session', 'show', sess, '--json']);
  expect(r.code).toBe(0);
  return (JSON.parse(r.stdout) as { steps: SessionStep[] }).steps;
}

describe('maskedit edit --session / --continue (local engine)', () => {
  it('records, continues with the same mask and flags, shows and undoes', async () => {
    const sess = join(dir, 's1');
    const a = await runCli(['edit', img, '--mask', mask, '--prompt', PROMPT, '--provider', 'local', '--engine', 'telea', '--crop', 'off', '--session', sess, '-q']);
    expect(a.code, a.stderr).toBe(0);
    const b = await runCli(['edit', '--continue', sess, '--prompt', 'Keep everything the same, but smooth the square slightly.', '-q', '--json']);
    expect(b.code, b.stderr).toBe(0);
    // The default output of a continued step is the step's own file; the report says which engine ran.
    expect(JSON.parse(b.stdout)).toMatchObject({ output: join(sess, 'step-002', 'output.png'), provider: 'local', engine: 'telea', finalOutsideChangedPixels: 0 });
    const steps = await show(sess);
    expect(steps.map((s) => [s.index, s.prompt, s.options])).toEqual([
      // The prompt as sent: buildPrompt closes it with "Do not change anything else."
      [1, `${PROMPT} Do not change anything else.`, { provider: 'local', engine: 'telea', crop: 'off' }],
      [2, 'Keep everything the same, but smooth the square slightly. Do not change anything else.', { provider: 'local', engine: 'telea', crop: 'off' }],
    ]);
    expect(steps[1]!.source).toEqual({ image: join(sess, 'step-001', 'output.png'), mask: join(sess, 'step-001', 'mask.png') });
    expect(await readFile(join(sess, steps[1]!.mask))).toEqual(await readFile(mask));

    const text = await runCli(['session', 'show', sess]);
    expect(text.stdout).toContain('2 steps');
    expect(text.stdout).toContain('"Keep everything the same, but smooth the square slightly. Do not change anything else."');

    const u = await runCli(['session', 'undo', sess]);
    expect(u.code).toBe(0);
    expect(u.stdout).toContain(`the next --continue starts from step 1 (${join(sess, 'step-001', 'output.png')})`);
    expect((await show(sess)).map((s) => s.index)).toEqual([1]);
  });

  it.each([
    [['edit', 'x.png', '--continue', 'S', '--prompt', 'p'], 2, '--continue edits the last result recorded in S; drop the IMAGE argument ("x.png")'],
    [['edit', 'x.png', '--session', 'A', '--continue', 'B', '--prompt', 'p'], 2, '--session and --continue both name a session'],
    [['edit', '--continue', 'EMPTY', '--prompt', 'p'], 1, 'has no recorded steps'],
    [['session', 'undo', 'EMPTY'], 1, 'does not exist'],
    [['session', 'redo', 'S'], 2, 'expected show or undo, received "redo"'],
    [['session', 'show'], 2, 'missing DIR'],
  ])('maskedit %j exits %i', async (argv, code, message) => {
    const r = await runCli(argv.map((a) => (a === 'EMPTY' ? join(dir, 'empty') : a)));
    expect(r.code).toBe(code);
    expect(r.stderr).toContain(message.replace('EMPTY', join(dir, 'empty')));
  });
});

describe('maskedit edit --continue on the responses surface', () => {
  let server: TestServer;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    server = await testServer({ plugins: [responsesRoutes()] });
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    // The CLI reads the key and base URL from the environment run() is given (main.ts), not from process.env.
    env = { OPENAI_API_KEY: 'unused', OPENAI_BASE_URL: `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}/v1` };
  });
  afterAll(async () => {
    await server.close();
  });

  it('chains previous_response_id from the last step', async () => {
    const sess = join(dir, 's2');
    const a = await runCli(['edit', img, '--mask', mask, '--prompt', PROMPT, '--provider', 'openai', '--surface', 'responses', '--quality', 'low', '--session', sess, '-q'], { env });
    expect(a.code, a.stderr).toBe(0);
    const b = await runCli(['edit', '--continue', sess, '--prompt', 'Keep everything the same, but enlarge the square slightly.', '-q'], { env });
    expect(b.code, b.stderr).toBe(0);
    const [s1, s2] = await show(sess);
    expect(s1!.responseId).toMatch(/^resp_/);
    expect(s2).toMatchObject({ surface: 'responses', options: { provider: 'openai', surface: 'responses', quality: 'low' } });
    const stored = await server.app.inject({ method: 'GET', url: `/v1/responses/${s2!.responseId}` });
    expect(stored.json()).toMatchObject({ previous_response_id: s1!.responseId });
  });
});

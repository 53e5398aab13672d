import { describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { run } from '../../src/cli/main.js';
import { until } from '../_helpers/wait.js';

function sink() {
  let text = '';
  const stream = Object.assign(new Writable({ write(chunk, _enc, done) { text += String(chunk); done(); } }), { isTTY: false });
  return { stream, text: () => text };
}

describe('maskedit serve', () => {
  it('prints the base URL and the SDK hint, serves, and returns only after closing on abort', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'maskedit-serve-cli-'));
    const out = sink();
    const err = sink();
    const controller = new AbortController();
    const done = run(['serve', '--port', '0', '--engine', 'telea', '--files-dir', dir, '--queue', '4', '--log-level', 'silent'], { stdout: out.stream, stderr: err.stream, env: {}, signal: controller.signal });
    try {
      await until(() => out.text().includes('Ctrl-C'), 'the server banner');
      const baseURL = /listening on (http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(out.text())?.[1];
      expect(baseURL).toBeDefined();
      expect(out.text()).toContain(`new OpenAI({ baseURL: '${baseURL}', apiKey: 'unused' })`);
      expect(out.text()).toContain(`export OPENAI_BASE_URL=${baseURL}`);
      expect(out.text()).toContain(`files in ${dir}`);
      const health = await fetch(`${baseURL!.replace(/\/v1$/, '')}/healthz`);
      expect(((await health.json()) as { queue: { maxQueued: number } }).queue.maxQueued).toBe(4);
      controller.abort();
      expect(await done).toBe(0);
      await expect(fetch(`${baseURL}/models`)).rejects.toThrow();
    } finally {
      controller.abort();
      await done;
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.each([
    [['serve', '--host', '0.0.0.0'], 1, 'error SERVER_HOST_NEEDS_KEY: --host 0.0.0.0 would expose the server beyond this machine without an API key'],
    [['serve', '--port', 'abc'], 2, 'error USAGE: --port expects a whole number from 0 to 65535, received "abc"'],
    [['serve', '--engine', 'magic'], 2, 'error USAGE: --engine expects one of heal, patchmatch, telea, ns, received "magic"'],
    [['serve', '--max-uploads', '0'], 2, 'error USAGE: --max-uploads expects a whole number from 1 to 100000, received "0"'],
    [['serve', '--pixel-budget', '0'], 2, 'error USAGE: --pixel-budget expects a number from 0.01 to 100000, received "0"'],
    [['serve', '--upload-min-rate', 'fast'], 2, 'error USAGE: --upload-min-rate expects a whole number from 0 to 1000000000, received "fast"'],
  ])('%j exits %i', async (argv, code, message) => {
    const out = sink();
    const err = sink();
    expect(await run(argv, { stdout: out.stream, stderr: err.stream, env: {}, signal: new AbortController().signal })).toBe(code);
    expect(err.text()).toContain(message);
  });
});

/**
 * `maskedit studio [--port P] [--host H] [--engine E] [--open|--no-open] [--verbose]`: serves the web studio
 * (built into web/dist by `npm run build`; nothing is built at run time) together with the OpenAI-compatible
 * API on one local server, prints the URL, and opens a browser when asked or when it obviously can. Stops on
 * Ctrl+C. OpenAI is offered in the studio only when this process has OPENAI_API_KEY; the key stays here.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MaskeditError } from '../../core/errors.js';
import { DEFAULT_ENGINE, ENGINE_NAMES } from '../../core/choices.js';
import { isLoopbackHost } from '../../server/auth.js';
import { startServer, type ListenOptions } from '../../server/listen.js';
import { DEFAULT_DIST_DIR, studioPlugin } from '../../studio/plugin.js';
import { defineCommand, EXIT, requirePositionals } from '../_context.js';
import { defineOptions, readOptions } from '../options.js';
import { painter } from '../_output.js';
import { ensureStudioBuilt } from '../../studio/build.js';

/** One above `maskedit serve`'s 8787, so both can run side by side. */
export const DEFAULT_STUDIO_PORT = 8788;

export const STUDIO_OPTIONS = defineOptions({
  port: { type: 'int', min: 0, max: 65535, description: 'The port (0 picks a free one).', default: DEFAULT_STUDIO_PORT, to: 'port' },
  host: { type: 'string', metavar: '127.0.0.1', description: 'The loopback address to bind (the studio has no login, so nothing else is allowed).', default: '127.0.0.1', to: 'host' },
  engine: { type: 'enum', choices: ENGINE_NAMES, description: 'The embedded fill engine.', defaultLabel: `default ${DEFAULT_ENGINE}`, to: 'engine' },
  'files-dir': { type: 'path', metavar: 'DIR', description: 'The private upload store.', defaultLabel: 'default ~/.local/share/maskedit/files', to: 'files.dir' },
  open: { type: 'boolean', description: 'Open a browser on the URL.' },
  'no-open': { type: 'boolean', description: 'Never open a browser (default: open one on an interactive desktop session).' },
  verbose: { type: 'boolean', description: 'Log every request (info level) on stderr.' },
});

const command = defineCommand({
  name: 'studio',
  summary: 'Paint masks, write the prompt, run and compare in the browser (local web app)',
  details: [
    'Serves web/dist and the studio API on one local server and prints its URL; without web/dist (a fresh clone) the web app is built once with vite into ~/.cache/maskedit (MASKEDIT_CACHE_DIR).',
    'Runs edits on the embedded engine; OpenAI too when OPENAI_API_KEY is set in this shell (the key never reaches the browser).',
    'A browser is opened with --open, or by default on an interactive desktop session; --no-open never opens one.',
    '--port 0 picks a free port. --files-dir: the private upload store (default ~/.local/share/maskedit/files, see docs/security.md). Stop with Ctrl+C.',
  ].join('\n'),
  options: STUDIO_OPTIONS,
  async run(ctx) {
    requirePositionals(ctx, [], command);
    const { values, options } = readOptions<typeof STUDIO_OPTIONS, ListenOptions & { host: string; port: number }>(command, ctx);
    const { host, port, engine } = options;
    // The studio has no login (and no --api-key), so serve's advice to set a key does not apply here.
    if (!isLoopbackHost(host)) {
      throw new MaskeditError('SERVER_HOST_NEEDS_KEY', `--host ${host} would expose the studio beyond this machine; it has no login, so it binds to loopback (127.0.0.1, ::1, localhost) only`,
        `drop --host, and from another machine use an SSH tunnel: ssh -L ${port || DEFAULT_STUDIO_PORT}:127.0.0.1:${port || DEFAULT_STUDIO_PORT} THIS_HOST, then open http://127.0.0.1:${port || DEFAULT_STUDIO_PORT}/`);
    }
    let distDir = ctx.env.MASKEDIT_STUDIO_DIST ?? DEFAULT_DIST_DIR;
    if (ctx.env.MASKEDIT_STUDIO_DIST) {
      if (!existsSync(join(distDir, 'index.html'))) {
        throw new MaskeditError('STUDIO_NOT_BUILT', `the studio's web app is not built (no index.html in ${distDir}, named by MASKEDIT_STUDIO_DIST)`,
          'point MASKEDIT_STUDIO_DIST at a built web/dist, or unset it');
      }
    } else {
      // A fresh clone has no web/dist: build it once into the cache (see src/studio/build.ts).
      distDir = (await ensureStudioBuilt(distDir, ctx.env, (line) => ctx.stderr.write(line))).dir;
    }
    const server = await startServer({
      ...options,
      ...(ctx.env.MASKEDIT_TODAY !== undefined ? { today: ctx.today } : {}),
      logger: { level: values.verbose ? 'info' : 'warn', stream: ctx.stderr },
      plugins: [studioPlugin({ distDir, env: ctx.env })],
    });
    const url = `${server.origin}/`;
    const p = painter(ctx.stdout, ctx.env);
    ctx.stdout.write(`maskedit studio: ${p.bold(url)}\n`);
    const openai = Boolean(ctx.env.OPENAI_API_KEY?.trim());
    ctx.stderr.write(`engine ${engine ?? DEFAULT_ENGINE}${openai ? ', OpenAI available (key stays on this machine)' : ', OpenAI off (set OPENAI_API_KEY to enable)'} · Ctrl+C to stop\n`);
    if (shouldOpen(values.open === true, values['no-open'] === true, ctx)) openBrowser(url);
    await new Promise<void>((resolve) => {
      if (ctx.signal.aborted) return resolve();
      ctx.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await server.close();
    return EXIT.ok;
  },
});

/** --open forces, --no-open forbids; otherwise only on an interactive desktop session outside CI. */
function shouldOpen(open: boolean, noOpen: boolean, ctx: { stdout: { isTTY?: boolean }; env: NodeJS.ProcessEnv }): boolean {
  if (noOpen) return false;
  if (open) return true;
  if (!ctx.stdout.isTTY || ctx.env.CI) return false;
  if (process.platform === 'darwin' || process.platform === 'win32') return true;
  return Boolean(ctx.env.DISPLAY || ctx.env.WAYLAND_DISPLAY);
}

/** Best effort: a missing opener (no xdg-open on a server) is ignored, the URL is already printed. */
function openBrowser(url: string): void {
  const [cmd, args] = process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  try {
    const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
    child.on('error', () => {});
    child.unref();
  } catch {
    // the URL is printed; opening is a convenience
  }
}

export default command;

/**
 * `maskedit serve [--host 127.0.0.1] [--port 8787] [--api-key-file F] [--files-dir D] [--queue N] [--concurrency N]
 * [--engine E] [--allow-url-fetch [--allow-private-urls]] [--timeout S] [--log-level L]`: the OpenAI-compatible server (docs/server.md).
 * Prints the base URL and how to point the openai SDK at it, then runs until SIGINT/SIGTERM; `run` resolves
 * only after the server has closed.
 */
import { DEFAULT_ENGINE, ENGINE_NAMES } from '../../core/choices.js';
import { DEFAULT_HOST, DEFAULT_PORT, startServer, type ListenOptions } from '../../server/listen.js';
import { defaultFilesDir } from '../../server/files.js';
import { resolveServerKey } from '../../server/api-key.js';
import { defineCommand, EXIT, requirePositionals } from '../_context.js';
import { defineOptions, readOptions } from '../options.js';
import { painter } from '../_output.js';

const LOG_LEVELS = ['silent', 'error', 'warn', 'info', 'debug'] as const;

/** Every `maskedit serve` flag and the startServer() option it sets. */
export const SERVE_OPTIONS = defineOptions({
  host: { type: 'string', metavar: 'HOST', description: 'The address to bind; beyond loopback a key is required.', default: DEFAULT_HOST, to: 'host' },
  port: { type: 'int', min: 0, max: 65535, description: 'The port (0 picks a free one).', default: DEFAULT_PORT, to: 'port' },
  'api-key': { type: 'string', metavar: 'KEY', description: 'The server\'s key (discouraged, with a warning: argv is readable by every local user; prefer MASKEDIT_API_KEY or --api-key-file).' },
  'api-key-file': { type: 'path', metavar: 'F', description: 'Read the server\'s key from F (mode 600); every route but /healthz then needs "Authorization: Bearer KEY".' },
  'files-dir': { type: 'path', metavar: 'D', description: 'Where /v1/files keeps uploads (24 h expiry).', defaultLabel: 'default ~/.local/share/maskedit/files', to: 'files.dir' },
  queue: { type: 'int', min: 0, max: 10_000, description: 'Edits waiting beyond the running ones before 429.', defaultLabel: 'default 32', to: 'queue' },
  concurrency: { type: 'int', min: 1, max: 256, description: 'Edits at once.', defaultLabel: 'default: CPU cores', to: 'concurrency' },
  engine: { type: 'enum', choices: ENGINE_NAMES, description: 'The embedded fill engine.', defaultLabel: `default ${DEFAULT_ENGINE}`, to: 'engine' },
  'allow-url-fetch': { type: 'boolean', description: 'Let JSON edits name http(s) image URLs the server fetches (public addresses only).', default: false, to: 'allowUrlFetch' },
  'allow-private-urls': { type: 'boolean', description: 'With --allow-url-fetch: private and loopback addresses too.', default: false, to: 'allowPrivateUrls' },
  timeout: { type: 'number', metavar: 'SECONDS', min: 1, max: 86_400, description: 'Answer an edit still running after SECONDS with a timeout.', to: (s: number) => ({ requestTimeoutMs: s * 1000 }) },
  'max-uploads': { type: 'int', min: 1, max: 100_000, description: 'Bodies arriving at once before 429.', defaultLabel: 'default 64', to: 'maxUploads' },
  'upload-min-rate': { type: 'int', metavar: 'BYTES/S', min: 0, max: 1_000_000_000, description: 'A body averaging fewer bytes/s over 30 s is answered 408 (0 turns it off).', defaultLabel: 'default 64', to: 'uploadMinBytesPerSec' },
  'pixel-budget': { type: 'number', metavar: 'MP', min: 0.01, max: 100_000, description: 'Megapixels (image + mask) the running edits may decode together; larger requests get 413.', defaultLabel: 'default: 2 × the pixel limit', to: (mp: number) => ({ pixelBudget: Math.round(mp * 1_000_000) }) },
  'log-level': { type: 'enum', choices: LOG_LEVELS, metavar: 'info', description: 'JSON log lines on stderr at this level and above.', default: 'info' },
});

const command = defineCommand({
  name: 'serve',
  summary: 'Run an OpenAI-compatible server (POST /v1/images/edits, /v1/files, /v1/models) on the embedded engine',
  details: [
    'Point any OpenAI SDK at it: baseURL http://127.0.0.1:8787/v1 (or OPENAI_BASE_URL). Runs until Ctrl-C.',
    'MASKEDIT_API_KEY or --api-key-file F (mode 600) makes every route but /healthz require "Authorization: Bearer KEY"; without a key',
    'the server binds to loopback only. --queue: edits waiting beyond the running ones before 429 (default 32);',
    '--concurrency: edits at once (default: CPU cores). --files-dir: where /v1/files keeps uploads (default',
    `${defaultFilesDir()}, 24 h expiry). --allow-url-fetch lets JSON edits name http(s) image URLs the server fetches (public addresses only, unless --allow-private-urls).`,
    '--max-uploads: bodies arriving at once before 429 (default 64; an upload takes a queue place only once it has arrived).',
    '--pixel-budget: megapixels (image + mask) the running edits may decode together; larger requests get 413 (default: 2 × the pixel limit).',
    '--upload-min-rate: a body averaging fewer bytes/s over 30 s is answered 408 (default 64; 0 turns it off).',
    'Logs: JSON lines on stderr (request id, route, status, ms; never keys or image bytes).',
  ].join('\n'),
  options: SERVE_OPTIONS,
  async run(ctx) {
    requirePositionals(ctx, [], command);
    const { values, options } = readOptions<typeof SERVE_OPTIONS, ListenOptions & { host: string; port: number }>(command, ctx);
    const resolved = await resolveServerKey({ env: ctx.env, ...(values['api-key-file'] !== undefined && { file: values['api-key-file'] }), ...(values['api-key'] !== undefined && { argv: values['api-key'] }) });
    if (resolved.warning) ctx.stderr.write(`${resolved.warning}\n`);
    const apiKey = resolved.key;
    const { engine } = options;
    const level = values['log-level']!;

    const server = await startServer({
      ...options,
      ...(apiKey !== undefined && { apiKey }),
      // MASKEDIT_TODAY pins the date models are judged on; otherwise each request is judged on its own day.
      ...(ctx.env.MASKEDIT_TODAY !== undefined && { today: ctx.today }),
      plugins: [(await import('../../server/routes/responses.js')).responsesPlugin],
      logger: level === 'silent' ? false : { level, stream: ctx.stderr },
    });
    const { queue: q, files } = server.app.maskedit;
    const p = painter(ctx.stdout, ctx.env);
    ctx.stdout.write([
      `${p.green('maskedit serve')} listening on ${p.bold(server.baseURL)}`,
      `  engine ${engine ?? DEFAULT_ENGINE} · ${q.concurrency} at once + ${q.maxQueued} queued · files in ${files.dir} · auth ${apiKey ? 'Bearer key required' : 'off (loopback only)'}${options.allowUrlFetch ? ' · http(s) image URLs fetched' : ''}`,
      '',
      'Point the openai SDK at it:',
      `  const client = new OpenAI({ baseURL: '${server.baseURL}', apiKey: ${apiKey ? 'process.env.MASKEDIT_API_KEY' : "'unused'"} });`,
      `  const res = await client.images.edit({ image: fs.createReadStream('photo.png'), mask: fs.createReadStream('mask.png'), prompt: '…' });`,
      `  or: export OPENAI_BASE_URL=${server.baseURL}`,
      '',
      'Ctrl-C to stop.',
      '',
    ].join('\n'));

    await new Promise<void>((resolve) => {
      if (ctx.signal.aborted) return resolve();
      ctx.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await server.close();
    ctx.stderr.write('maskedit serve stopped\n');
    return EXIT.ok;
  },
});

export default command;

/**
 * `maskedit serve [--host 127.0.0.1] [--port 8787] [--api-key-file F] [--files-dir D] [--queue N] [--concurrency N]
 * [--engine E] [--allow-url-fetch [--allow-private-urls]] [--timeout S] [--log-level L]`: the OpenAI-compatible server (docs/server.md).
 * Prints the base URL and how to point the openai SDK at it, then runs until SIGINT/SIGTERM; `run` resolves
 * only after the server has closed.
 */
import { DEFAULT_ENGINE, ENGINE_NAMES } from '../../engines/engine.js';
import { DEFAULT_HOST, DEFAULT_PORT, startServer } from '../../server/listen.js';
import { defaultFilesDir } from '../../server/files.js';
import { resolveServerKey } from '../../server/api-key.js';
import { choiceOption, EXIT, numberOption, requirePositionals, stringOption, type Command } from '../_context.js';
import { painter } from '../_output.js';

const LOG_LEVELS = ['silent', 'error', 'warn', 'info', 'debug'] as const;

const command: Command = {
  name: 'serve',
  summary: 'Run an OpenAI-compatible server (POST /v1/images/edits, /v1/files, /v1/models) on the embedded engine',
  usage: 'maskedit serve [--host 127.0.0.1] [--port 8787] [--api-key-file F] [--files-dir D] [--queue N] [--concurrency N] [--engine heal|patchmatch|telea|ns] [--allow-url-fetch [--allow-private-urls]] [--timeout SECONDS] [--max-uploads N] [--upload-min-rate BYTES_PER_S] [--pixel-budget MP] [--log-level info]',
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
  options: {
    host: { type: 'string' },
    port: { type: 'string' },
    'api-key': { type: 'string' },
    'api-key-file': { type: 'string' },
    'files-dir': { type: 'string' },
    queue: { type: 'string' },
    concurrency: { type: 'string' },
    engine: { type: 'string' },
    'allow-url-fetch': { type: 'boolean' },
    'allow-private-urls': { type: 'boolean' },
    timeout: { type: 'string' },
    'max-uploads': { type: 'string' },
    'upload-min-rate': { type: 'string' },
    'pixel-budget': { type: 'string' },
    'log-level': { type: 'string' },
  },
  async run(ctx) {
    requirePositionals(ctx, [], command);
    const host = stringOption(ctx, 'host') ?? DEFAULT_HOST;
    const port = numberOption(ctx, 'port', command, { integer: true, min: 0, max: 65535 }) ?? DEFAULT_PORT;
    const resolved = await resolveServerKey({ env: ctx.env, ...(stringOption(ctx, 'api-key-file') !== undefined && { file: stringOption(ctx, 'api-key-file')! }), ...(stringOption(ctx, 'api-key') !== undefined && { argv: stringOption(ctx, 'api-key')! }) });
    if (resolved.warning) ctx.stderr.write(`${resolved.warning}\n`);
    const apiKey = resolved.key;
    const filesDir = stringOption(ctx, 'files-dir');
    const queue = numberOption(ctx, 'queue', command, { integer: true, min: 0, max: 10_000 });
    const concurrency = numberOption(ctx, 'concurrency', command, { integer: true, min: 1, max: 256 });
    const engine = choiceOption(ctx, 'engine', ENGINE_NAMES, command);
    const timeout = numberOption(ctx, 'timeout', command, { min: 1, max: 86_400 });
    const level = choiceOption(ctx, 'log-level', LOG_LEVELS, command) ?? 'info';
    const maxUploads = numberOption(ctx, 'max-uploads', command, { integer: true, min: 1, max: 100_000 });
    const pixelBudgetMp = numberOption(ctx, 'pixel-budget', command, { min: 0.01, max: 100_000 });
    const uploadMinRate = numberOption(ctx, 'upload-min-rate', command, { integer: true, min: 0, max: 1_000_000_000 });

    const server = await startServer({
      host, port,
      ...(apiKey !== undefined && { apiKey }),
      ...(engine !== undefined && { engine }),
      ...(filesDir !== undefined && { files: { dir: filesDir } }),
      ...(queue !== undefined && { queue }),
      ...(concurrency !== undefined && { concurrency }),
      ...(timeout !== undefined && { requestTimeoutMs: timeout * 1000 }),
      ...(maxUploads !== undefined && { maxUploads }),
      ...(pixelBudgetMp !== undefined && { pixelBudget: Math.round(pixelBudgetMp * 1_000_000) }),
      ...(uploadMinRate !== undefined && { uploadMinBytesPerSec: uploadMinRate }),
      allowUrlFetch: ctx.values['allow-url-fetch'] === true,
      // MASKEDIT_TODAY pins the date models are judged on; otherwise each request is judged on its own day.
      ...(ctx.env.MASKEDIT_TODAY !== undefined && { today: ctx.today }),
      allowPrivateUrls: ctx.values['allow-private-urls'] === true,
      plugins: [(await import('../../server/routes/responses.js')).responsesPlugin],
      logger: level === 'silent' ? false : { level, stream: ctx.stderr },
    });
    const { queue: q, files } = server.app.maskedit;
    const p = painter(ctx.stdout, ctx.env);
    ctx.stdout.write([
      `${p.green('maskedit serve')} listening on ${p.bold(server.baseURL)}`,
      `  engine ${engine ?? DEFAULT_ENGINE} · ${q.concurrency} at once + ${q.maxQueued} queued · files in ${files.dir} · auth ${apiKey ? 'Bearer key required' : 'off (loopback only)'}${ctx.values['allow-url-fetch'] ? ' · http(s) image URLs fetched' : ''}`,
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
};

export default command;

/**
 * `maskedit worker --queue redis://HOST:PORT [--concurrency N]`: runs batch jobs from BullMQ until interrupted.
 * Outputs go to each batch's OUTDIR, which this machine must reach at the same path. See docs/batch.md.
 */
import { defineCommand, EXIT, usageError } from '../_context.js';
import { COMMON, defineOptions, readOptions } from '../options.js';

export const WORKER_OPTIONS = defineOptions({
  queue: { type: 'string', metavar: 'redis://HOST:PORT', required: true, description: 'The BullMQ queue (Redis) `maskedit batch --queue` fills.', to: 'queue' },
  concurrency: { type: 'int', min: 1, max: 256, description: 'Jobs at once.', default: 4, to: 'concurrency' },
  'lock-ms': { type: 'int', metavar: 'MS', min: 500, description: 'A killed worker\'s jobs are picked up by the others after MS.', defaultLabel: 'default 30000', to: 'lockMs' },
  quiet: { ...COMMON.quiet, description: 'Print failures and rate limits only, not each job done.' },
});

const command = defineCommand({
  name: 'worker',
  summary: 'Run batch jobs from a BullMQ queue (Redis) until interrupted',
  details: 'Jobs come from `maskedit batch … --queue URL`; the rate limit is the queue\'s (BullMQ global limiter). A killed worker\'s jobs are picked up by the others after --lock-ms (default 30000).',
  options: WORKER_OPTIONS,
  async run(ctx) {
    const { values, options } = readOptions<typeof WORKER_OPTIONS, { queue: string; concurrency: number; lockMs?: number }>(command, ctx);
    const { queue: url, concurrency, lockMs } = options;
    if (ctx.positionals.length) throw usageError(`unexpected argument ${JSON.stringify(ctx.positionals[0])}`, command.usage);
    const { startWorker, connectionFrom } = await import('../../batch/queue.js');
    connectionFrom(url);
    const quiet = Boolean(values.quiet);
    const { worker } = startWorker({
      queue: url, concurrency, today: ctx.today, ...(lockMs ? { lockMs } : {}),
      openai: { apiKey: ctx.env.OPENAI_API_KEY, baseURL: ctx.env.OPENAI_BASE_URL || undefined, responsesModel: ctx.env.MASKEDIT_RESPONSES_MODEL || undefined },
      onEvent: (e) => {
        if (quiet && e.type === 'done') return;
        ctx.stderr.write(e.type === 'done' ? `done   ${e.id}\n` : e.type === 'rate-limited' ? `429    ${e.id}: the queue waits ${((e.waitMs ?? 0) / 1000).toFixed(1)} s\n` : `failed ${e.id}: ${e.code}\n`);
      },
    });
    await worker.waitUntilReady();
    if (!quiet) ctx.stderr.write(`worker: taking jobs from ${url.replace(/\/\/[^@/]*@/, '//…@')} (concurrency ${concurrency}); Ctrl-C to stop\n`);
    await new Promise<void>((resolve) => {
      if (ctx.signal.aborted) resolve();
      ctx.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    // Finish the jobs in hand (their locks would otherwise make others wait out --lock-ms).
    await worker.close();
    return EXIT.interrupted;
  },
});

export default command;

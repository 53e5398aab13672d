/**
 * `maskedit batch JOBS -o OUTDIR […]`: every job of a .jsonl / .csv file or a folder, resumable through the
 * journal in OUTDIR/.maskedit/. Progress: one live line on a terminal, a line per job in a pipe, NDJSON events
 * on stdout with --json. Exit 0 all done, 1 some failed, 2 usage, 130 interrupted.
 */
import { batch, type BatchEvent, type BatchOptions } from '../../batch/runner.js';
import { formatUsd } from '../../core/cost.js';
import { ENGINE_NAMES, PROVIDER_NAMES, QUALITIES, SURFACES } from '../../core/choices.js';
import { defineCommand, EXIT, stringOption, usageError, type CommandContext } from '../_context.js';
import { COMMON, defaultProvider, defineOptions, readOptions } from '../options.js';
import { painter } from '../_output.js';

/** Every `maskedit batch` flag and the BatchOptions field it sets. */
export const BATCH_OPTIONS = defineOptions({
  output: { type: 'path', short: 'o', preferShort: true, metavar: 'OUTDIR', required: 'the folder for outputs, reports and the journal', description: 'The folder for outputs, reports, summaries and the journal.', to: 'outdir' },
  queue: { type: 'string', metavar: 'redis://HOST:PORT', description: 'Run the jobs on BullMQ (Redis) instead of the embedded journal.', to: 'queue' },
  workers: { type: 'int', min: 0, max: 64, description: 'With --queue: workers in this process (0: enqueue and wait for `maskedit worker`).', defaultLabel: 'default 1', to: 'workers' },
  'openai-batch': { type: 'boolean', description: 'Send the OpenAI jobs through OpenAI\'s Batch API (half price, up to 24 h).', to: 'openaiBatch' },
  prompt: { type: 'string', description: 'The prompt of every job that has none (a folder of images needs it).', to: 'prompt' },
  concurrency: { type: 'int', min: 1, max: 256, description: 'Jobs at once.', to: 'concurrency' },
  rpm: { type: 'number', min: 1, description: 'Requests per minute (default: unpaced).', to: 'rpm' },
  'max-cost': { type: 'number', metavar: 'USD', min: 0, description: 'Stop sending OpenAI requests before the spend would pass USD.', to: 'maxCostUsd' },
  retries: { type: 'int', min: 0, max: 20, description: 'Retries of a 5xx or a timeout.', to: 'retries' },
  'lock-ms': { type: 'int', metavar: 'MS', min: 500, description: 'With --queue: a dead worker\'s jobs are picked up after MS.', defaultLabel: 'default 30000', to: 'lockMs' },
  provider: { type: 'enum', choices: PROVIDER_NAMES, description: 'Default provider of the jobs.', default: defaultProvider, defaultLabel: 'default openai when OPENAI_API_KEY is set, else local', to: 'defaults.provider' },
  surface: { type: 'enum', choices: SURFACES, description: 'Default OpenAI surface of the jobs.', to: 'defaults.surface' },
  model: { ...COMMON.model, description: 'Default model of the jobs.', to: 'defaults.model' },
  quality: { type: 'enum', choices: QUALITIES, metavar: 'Q', description: 'Default quality of the jobs.', to: 'defaults.quality' },
  engine: { type: 'enum', choices: ENGINE_NAMES, metavar: 'E', description: 'Default embedded engine of the jobs.', to: 'defaults.engine' },
  json: { type: 'boolean', description: 'Print NDJSON events on stdout.' },
  quiet: COMMON.quiet,
});

const command = defineCommand({
  name: 'batch',
  args: 'JOBS',
  summary: 'Run many edits from a .jsonl/.csv job file or a folder; resumable, rate-limited, inside a budget',
  details: [
    'JOBS: a .jsonl file (one {"id"?, "image", "mask", "prompt", …edit options} per line), a .csv with a header row,',
    'or a folder of images NAME.ext with masks NAME.mask.png and one --prompt. Relative paths resolve against JOBS.',
    'Writes OUTDIR/<id>.png, <id>.report.json, summary.json, summary.csv and index.html (contact sheet).',
    'Rerun the same command to resume: done jobs are never sent again (journal: OUTDIR/.maskedit/journal.sqlite).',
    '--rpm paces requests; a 429 pauses every job (Retry-After honoured); 5xx/timeouts are retried --retries times.',
    '--max-cost USD stops sending OpenAI requests before the spend would pass USD.',
    '--queue redis://HOST:PORT runs the jobs on BullMQ; --workers N local workers (0: enqueue and wait for `maskedit worker`).',
    '--openai-batch sends the OpenAI jobs through OpenAI\'s Batch API (half price, up to 24 h); a rerun polls the same batch.',
    '--max-cost cannot be combined with --queue (workers on other machines spend independently).',
    '`maskedit batch status --queue URL` shows the queue\'s job counts. See docs/batch.md.',
  ].join('\n'),
  options: BATCH_OPTIONS,
  async run(ctx) {
    if (ctx.positionals[0] === 'status') return status(ctx);
    if (ctx.positionals.length !== 1) throw usageError(ctx.positionals.length ? `expected one JOBS file or folder, received ${ctx.positionals.length} arguments` : 'missing JOBS (a .jsonl or .csv file, or a folder)', command.usage);
    const { options } = readOptions<typeof BATCH_OPTIONS, BatchOptions>(command, ctx);
    const provider = options.defaults!.provider!;
    const opts: BatchOptions = {
      ...options,
      // The key and base URL come from this run's environment only, and go no further than the SDK client.
      openai: { apiKey: ctx.env.OPENAI_API_KEY, baseURL: ctx.env.OPENAI_BASE_URL || undefined, responsesModel: ctx.env.MASKEDIT_RESPONSES_MODEL || undefined },
      today: ctx.today,
      signal: ctx.signal,
    };
    if (opts.workers !== undefined && !opts.queue) throw usageError('--workers needs --queue redis://HOST:PORT', command.usage);
    if (opts.maxCostUsd !== undefined && opts.queue) throw usageError('--max-cost cannot be used with --queue: workers on other machines spend independently, so the limit could not be kept; run the batch without --queue (the embedded journal enforces it) or leave --max-cost out', command.usage);
    if (opts.openaiBatch && opts.queue) throw usageError('--openai-batch and --queue cannot be combined: OpenAI runs the batch, there is nothing for workers to do', command.usage);
    if (opts.openaiBatch && provider !== 'openai') throw usageError('--openai-batch needs the openai provider (set OPENAI_API_KEY or pass --provider openai)', command.usage);
    const render = renderer(ctx);
    let exit: number = EXIT.ok;
    for await (const ev of batch(ctx.positionals[0]!, opts)) {
      render(ev);
      if (ev.type === 'end') exit = ev.interrupted ? EXIT.interrupted : ev.summary.failed > 0 ? EXIT.failed : EXIT.ok;
    }
    return exit;
  },
});

/** `maskedit batch status --queue URL`. */
async function status(ctx: CommandContext): Promise<number> {
  const url = stringOption(ctx, 'queue');
  if (!url) throw usageError('batch status needs --queue redis://HOST:PORT', 'maskedit batch status --queue redis://HOST:PORT [--json]');
  const { queueStatus } = await import('../../batch/queue.js');
  const s = await queueStatus(url);
  if (ctx.values.json) ctx.stdout.write(`${JSON.stringify(s)}\n`);
  else ctx.stdout.write(`waiting ${s.waiting + s.prioritized} · active ${s.active} · delayed (retrying) ${s.delayed} · completed ${s.completed} · failed ${s.failed}${s.rateLimitedForMs ? ` · rate-limited for ${(s.rateLimitedForMs / 1000).toFixed(1)} s` : ''}\n`);
  return EXIT.ok;
}

/** Events → output: NDJSON with --json; else one live line on a TTY, or one line per job in a pipe. */
function renderer(ctx: CommandContext): (ev: BatchEvent) => void {
  if (ctx.values.json) return (ev) => { if (ev.type !== 'progress') ctx.stdout.write(`${JSON.stringify(ev)}\n`); };
  const err = ctx.stderr;
  const quiet = Boolean(ctx.values.quiet);
  const tty = Boolean(err.isTTY);
  const p = painter(err, ctx.env);
  let total = 0, pendingAtStart = 0, startedAt = Date.now(), live = false;
  const line = (s: string) => { if (live) { err.write('\r\x1b[K'); live = false; } err.write(`${s}\n`); };
  return (ev) => {
    switch (ev.type) {
      case 'start':
        total = ev.total; pendingAtStart = ev.pending; startedAt = Date.now();
        if (!quiet) line(`batch: ${ev.total} job(s), ${ev.alreadyDone} already done, ${ev.pending} to run${ev.recovered ? ` (${ev.recovered} interrupted last time, running again)` : ''}${ev.estimateUsd > 0 ? `; estimate $${formatUsd(ev.estimateUsd)}` : ''}${ev.maxCostUsd !== undefined ? `, limit $${formatUsd(ev.maxCostUsd)}` : ''}`);
        if (ev.maxCostUsd !== undefined && ev.estimateUsd > ev.maxCostUsd && !quiet) line(`${p.yellow('note')} the estimate is above --max-cost: sending stops before the spend passes $${formatUsd(ev.maxCostUsd)}`);
        break;
      case 'job-done':
        if (!tty && !quiet) line(`${p.green('done')}   ${ev.id} → ${ev.output} (${ev.verdict}, ${Math.round(ev.ms)} ms${ev.costUsd ? `, $${formatUsd(ev.costUsd)}` : ''})`);
        break;
      case 'job-failed':
        line(`${p.red('failed')} ${ev.id}: ${p.bold(ev.code)} ${ev.message}${ev.fix ? `\n  ${p.dim('fix:')} ${ev.fix}` : ''}`);
        break;
      case 'rate-limited':
        if (!tty && !quiet) line(`${p.yellow('429')}    ${ev.id}: every job waits ${(ev.waitMs / 1000).toFixed(1)} s`);
        break;
      case 'job-retry':
        if (!tty && !quiet) line(`${p.yellow('retry')}  ${ev.id}: ${ev.code}, retry ${ev.attempt} in ${(ev.waitMs / 1000).toFixed(1)} s`);
        break;
      case 'openai-batch':
        if (!quiet) line(`${p.dim('openai')} batch ${ev.batchId}: ${ev.status}${ev.total ? ` (${ev.completed}/${ev.total} done, ${ev.failed} failed)` : ''}${ev.resumed ? ' — resumed from the journal, not submitted again' : ''}`);
        break;
      case 'budget-stop':
        line(`${p.yellow('budget')} spent $${formatUsd(ev.spentUsd)} of $${formatUsd(ev.maxCostUsd)}: no more requests are sent${ev.unsent ? ` (${ev.unsent} job(s) not sent)` : ''}`);
        break;
      case 'progress': {
        if (!tty || quiet) break;
        const finished = ev.done + ev.failed;
        const mins = (Date.now() - startedAt) / 60_000;
        const rate = mins > 0 ? finished / mins : 0;
        const eta = rate > 0 ? Math.round(((pendingAtStart - finished) / rate) * 60) : undefined;
        err.write(`\r${p.dim('·')} done ${ev.done}/${pendingAtStart} · failed ${ev.failed} · running ${ev.running} · ${rate.toFixed(1)}/min · ETA ${eta === undefined ? '?' : `${Math.floor(eta / 60)}m${String(eta % 60).padStart(2, '0')}s`} · $${formatUsd(ev.spentUsd)}\x1b[K`);
        live = true;
        break;
      }
      case 'end': {
        const s = ev.summary;
        line(`${ev.interrupted ? p.yellow('interrupted') : s.failed ? p.red('finished') : p.green('finished')}: ${s.done}/${total} done, ${s.failed} failed, spend $${formatUsd(s.costUsd)} → ${ev.outdir}/index.html${ev.interrupted ? ' (rerun the same command to resume)' : ''}`);
        break;
      }
      default:
        break;
    }
  };
}

export default command;

/**
 * `maskedit batch JOBS -o OUTDIR […]`: every job of a .jsonl / .csv file or a folder, resumable through the
 * journal in OUTDIR/.maskedit/. Progress: one live line on a terminal, a line per job in a pipe, NDJSON events
 * on stdout with --json. Exit 0 all done, 1 some failed, 2 usage, 130 interrupted.
 */
import { batch, type BatchEvent, type BatchOptions } from '../../batch/runner.js';
import { formatUsd } from '../../core/cost.js';
import { ENGINE_NAMES } from '../../engines/engine.js';
import { choiceOption, EXIT, numberOption, stringOption, usageError, type Command, type CommandContext } from '../_context.js';
import { painter } from '../_output.js';

const command: Command = {
  name: 'batch',
  summary: 'Run many edits from a .jsonl/.csv job file or a folder; resumable, rate-limited, inside a budget',
  usage: 'maskedit batch JOBS -o OUTDIR [--queue redis://HOST:PORT [--workers N] | --openai-batch] [--prompt TEXT] [--concurrency N] [--rpm N] [--max-cost USD] [--retries N] [--provider local|openai] [--surface images|json|responses] [--model M] [--quality Q] [--engine E] [--json] [-q]',
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
  options: {
    output: { type: 'string', short: 'o' },
    prompt: { type: 'string' },
    concurrency: { type: 'string' },
    rpm: { type: 'string' },
    'max-cost': { type: 'string' },
    retries: { type: 'string' },
    provider: { type: 'string' },
    surface: { type: 'string' },
    model: { type: 'string' },
    quality: { type: 'string' },
    engine: { type: 'string' },
    queue: { type: 'string' },
    workers: { type: 'string' },
    'lock-ms': { type: 'string' },
    'openai-batch': { type: 'boolean' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean', short: 'q' },
  },
  async run(ctx) {
    if (ctx.positionals[0] === 'status') return status(ctx);
    if (ctx.positionals.length !== 1) throw usageError(ctx.positionals.length ? `expected one JOBS file or folder, received ${ctx.positionals.length} arguments` : 'missing JOBS (a .jsonl or .csv file, or a folder)', command.usage);
    const outdir = stringOption(ctx, 'output');
    if (!outdir) throw usageError('missing -o OUTDIR (the folder for outputs, reports and the journal)', command.usage);
    const provider = choiceOption(ctx, 'provider', ['local', 'openai'] as const, command) ?? (ctx.env.OPENAI_API_KEY ? 'openai' : 'local');
    const pick = <T>(v: T | undefined, key: string) => (v === undefined ? {} : { [key]: v });
    const opts: BatchOptions = {
      outdir,
      ...pick(stringOption(ctx, 'prompt'), 'prompt'),
      ...pick(numberOption(ctx, 'concurrency', command, { integer: true, min: 1, max: 256 }), 'concurrency'),
      ...pick(numberOption(ctx, 'rpm', command, { min: 1 }), 'rpm'),
      ...pick(numberOption(ctx, 'max-cost', command, { min: 0 }), 'maxCostUsd'),
      ...pick(numberOption(ctx, 'retries', command, { integer: true, min: 0, max: 20 }), 'retries'),
      defaults: {
        provider,
        ...pick(choiceOption(ctx, 'surface', ['images', 'json', 'responses'] as const, command), 'surface'),
        ...pick(stringOption(ctx, 'model'), 'model'),
        ...pick(choiceOption(ctx, 'quality', ['low', 'medium', 'high', 'auto', 'standard'] as const, command), 'quality'),
        ...pick(choiceOption(ctx, 'engine', ENGINE_NAMES, command), 'engine'),
      },
      ...pick(stringOption(ctx, 'queue'), 'queue'),
      ...(ctx.values['openai-batch'] ? { openaiBatch: true } : {}),
      ...pick(numberOption(ctx, 'workers', command, { integer: true, min: 0, max: 64 }), 'workers'),
      ...pick(numberOption(ctx, 'lock-ms', command, { integer: true, min: 500 }), 'lockMs'),
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
};

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

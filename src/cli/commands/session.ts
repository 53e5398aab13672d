/**
 * `maskedit session show DIR [--json]` and `maskedit session undo DIR [--json]`, plus {@link sessionFor}, which
 * gives `maskedit edit` its `--session DIR` / `--continue DIR` behaviour (docs/sessions.md).
 */
import { join } from 'node:path';
import type { ProgressCallback } from '../../core/progress.js';
import type { EditOptions, EditResult } from '../../pipeline/edit.js';
import { assertSessionExists, continuation, nextIndex, readSession, recordStep, stepDir, undoStep, type SessionStep } from '../../pipeline/session.js';
import { DEFAULT_ENGINE } from '../../engines/engine.js';
import { defineCommand, EXIT, stringOption, usageError, type Command, type CommandContext } from '../_context.js';
import { defineOptions, readOptions } from '../options.js';
import { formatPercent, painter, writeJson, type Painter } from '../_output.js';

/** Edit flags a `--continue` reuses from the last step unless given again. The prompt and mask are per step. */
export const CARRIED_FLAGS = ['model', 'fidelity', 'subject', 'size', 'quality', 'crop', 'regions', 'context', 'no-strict', 'seam', 'feather',
  'feather-outward', 'grow', 'provider', 'surface', 'engine', 'max-cost'] as const;

export interface EditSession {
  dir: string;
  /** The index the step will get. */
  index: number;
  /** Extra edit() options: the Responses id to chain from. */
  editOptions: Pick<EditOptions, 'previousResponseId'>;
  record(result: EditResult, opts: EditOptions, onProgress?: ProgressCallback): Promise<SessionStep>;
}

/**
 * Reads `--session DIR` / `--continue DIR` for `maskedit edit`. With `--continue`, fills in IMAGE (the last
 * output), `--mask` (the last mask) and the last step's flags that were not given, and defaults `-o` to the
 * new step's own output file. Returns undefined when neither flag is set.
 *
 * @example
 * const session = await sessionFor(ctx, command); // before editOptionsFrom(ctx, …)
 */
export async function sessionFor(ctx: CommandContext, cmd: Command): Promise<EditSession | undefined> {
  const recordIn = stringOption(ctx, 'session');
  const cont = stringOption(ctx, 'continue');
  if (recordIn !== undefined && cont !== undefined) throw usageError('--session and --continue both name a session; --continue DIR already records the step in DIR', cmd.usage);
  const dir = cont ?? recordIn;
  if (dir === undefined) return undefined;
  let previousResponseId: string | undefined;
  if (cont !== undefined) {
    if (ctx.positionals.length) throw usageError(`--continue edits the last result recorded in ${cont}; drop the IMAGE argument (${JSON.stringify(ctx.positionals[0])})`, cmd.usage);
    const next = await continuation(cont);
    ctx.positionals.push(next.image);
    if (ctx.values.mask === undefined) ctx.values.mask = next.mask;
    for (const flag of CARRIED_FLAGS) {
      if (flag === 'no-strict' && ctx.values.strict) continue;
      const v = next.options[flag];
      if (ctx.values[flag] === undefined && (typeof v === 'string' || typeof v === 'boolean')) ctx.values[flag] = v;
    }
    // previous_response_id only means something to the Responses API.
    if (ctx.values.surface === 'responses') previousResponseId = next.previousResponseId;
  }
  const index = nextIndex(await readSession(dir));
  if (ctx.values.output === undefined) ctx.values.output = join(dir, stepDir(index), 'output.png');
  const options = Object.fromEntries(CARRIED_FLAGS.filter((f) => ctx.values[f] !== undefined).map((f) => [f, ctx.values[f]]));
  return {
    dir, index,
    editOptions: previousResponseId ? { previousResponseId } : {},
    async record(result, opts, onProgress) {
      const step = await recordStep(dir, { image: opts.image, mask: opts.mask, prompt: result.report.request.prompt, options, result });
      onProgress?.({ step: 'session', message: `step ${step.index} recorded in ${dir}${step.responseId ? ` (${step.responseId})` : ''}; next: maskedit edit --continue ${dir} --prompt "Keep everything the same, but …"` });
      return step;
    },
  };
}

function renderSteps(dir: string, steps: readonly SessionStep[], p: Painter): string {
  if (!steps.length) return `${p.bold(dir)}: no steps yet (maskedit edit IMAGE --mask MASK --prompt TEXT --session ${dir})\n`;
  const lines = [`${p.bold(dir)}: ${steps.length} step${steps.length > 1 ? 's' : ''}`];
  for (const s of steps) {
    const prompt = s.prompt.length > 120 ? `${s.prompt.slice(0, 117)}…` : s.prompt;
    // The local provider's surface is always "engine"; which engine filled is the useful part.
    const who = s.provider === 'local' ? `local/${typeof s.options.engine === 'string' ? s.options.engine : DEFAULT_ENGINE}` : `${s.provider}/${s.surface}`;
    lines.push(`  ${p.bold(String(s.index).padStart(2))}  ${s.createdAt.replace('T', ' ').slice(0, 19)}  ${who} ${s.model}${s.responseId ? `  ${s.responseId}` : ''}`);
    lines.push(`      "${prompt}"`);
    lines.push(`      → ${join(dir, s.output)} · raw output changed ${formatPercent(s.rawOutsideChangedFraction)} of kept pixels (${s.verdict}) · ${s.finalOutsideChangedPixels} changed after stitch`);
  }
  lines.push(`  next: maskedit edit --continue ${dir} --prompt "Keep everything the same, but …"`);
  return `${lines.join('\n')}\n`;
}

export const SESSION_OPTIONS = defineOptions({
  json: { type: 'boolean', description: 'Print { steps } (show) or { dropped, steps } (undo) as JSON.' },
});

const command = defineCommand({
  name: 'session',
  args: 'show|undo DIR',
  summary: 'Show or undo the steps of an iterative edit session (maskedit edit --session/--continue)',
  details: [
    'show: every step (prompt, surface, response id, output, spillover); --json prints { steps: [...] }.',
    'undo: drops the last step and its files; the next `maskedit edit --continue DIR` starts from the step before.',
  ].join('\n'),
  options: SESSION_OPTIONS,
  async run(ctx) {
    const [action, dir, ...extra] = ctx.positionals;
    if (action !== 'show' && action !== 'undo') throw usageError(action === undefined ? 'missing show or undo' : `expected show or undo, received ${JSON.stringify(action)}`, command.usage);
    if (dir === undefined) throw usageError('missing DIR', command.usage);
    if (extra.length) throw usageError(`unexpected argument ${JSON.stringify(extra[0])}`, command.usage);
    const json = Boolean(readOptions(command, ctx).values.json);
    await assertSessionExists(dir);
    if (action === 'show') {
      const { steps } = await readSession(dir);
      if (json) writeJson(ctx.stdout, { steps });
      else ctx.stdout.write(renderSteps(dir, steps, painter(ctx.stdout, ctx.env)));
      return EXIT.ok;
    }
    const dropped = await undoStep(dir);
    const { steps } = await readSession(dir);
    if (json) writeJson(ctx.stdout, { dropped, steps });
    else {
      const last = steps.at(-1);
      ctx.stdout.write(`dropped step ${dropped.index} ("${dropped.prompt.slice(0, 60)}${dropped.prompt.length > 60 ? '…' : ''}"); ${last
        ? `the next --continue starts from step ${last.index} (${join(dir, last.output)})`
        : `${dir} is empty now; start again with maskedit edit IMAGE --mask MASK --prompt TEXT --session ${dir}`}\n`);
    }
    return EXIT.ok;
  },
});

export default command;

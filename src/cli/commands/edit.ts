/**
 * `maskedit edit IMAGE --mask MASK --prompt TEXT […]`: the main job. Validates, plans, sends, stitches, writes.
 * Progress goes to stderr; `--json` prints the report on stdout.
 */
import { SUBJECTS } from '../../core/fidelity.js';
import { defaultModel, statusOf } from '../../core/lifecycle.js';
import { MODELS } from '../../core/models.js';
import { resolveParams } from '../../core/params.js';
import { edit, type EditOptions } from '../../pipeline/edit.js';
import { checkEditOutputs, reportJson, writeEditResult } from '../../pipeline/write.js';
import { assertNotInput, suggestOutput, writeFileAtomic } from '../../io/atomic.js';
import { ENGINE_NAMES } from '../../engines/engine.js';
import { CliError, choiceOption, EXIT, numberOption, stringOption, usageError, type Command, type CommandContext } from '../_context.js';
import { painter, writeJson } from '../_output.js';
import { progressPrinter } from '../_progress.js';
import { renderEditSummary } from '../_summary.js';
import { sessionFor } from './session.js';
import { openaiEnv } from '../_env.js';

const SEAM_MODES = ['none', 'match', 'poisson'] as const;

export const EDIT_OPTIONS = {
  mask: { type: 'string' },
  prompt: { type: 'string' },
  scene: { type: 'string' },
  change: { type: 'string' },
  preserve: { type: 'string' },
  model: { type: 'string' },
  fidelity: { type: 'string' },
  subject: { type: 'string' },
  size: { type: 'string' },
  quality: { type: 'string' },
  complexity: { type: 'string' },
  moderation: { type: 'string' },
  markup: { type: 'string' },
  n: { type: 'string' },
  crop: { type: 'string' },
  regions: { type: 'string' },
  context: { type: 'string' },
  strict: { type: 'boolean' },
  'no-strict': { type: 'boolean' },
  seam: { type: 'string' },
  feather: { type: 'string' },
  'feather-outward': { type: 'string' },
  grow: { type: 'string' },
  expand: { type: 'string' },
  provider: { type: 'string' },
  surface: { type: 'string' },
  engine: { type: 'string' },
  'sample-from': { type: 'string' },
  exclude: { type: 'string' },
  ref: { type: 'string', multiple: true },
  fix: { type: 'boolean' },
  'max-cost': { type: 'string' },
  stream: { type: 'boolean' },
  'partial-images': { type: 'string' },
  seed: { type: 'string' },
  output: { type: 'string', short: 'o' },
  report: { type: 'string' },
  heatmap: { type: 'string' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  session: { type: 'string' },
  continue: { type: 'string' },
} as const;

/**
 * A parameter the chosen model refuses is a usage error (exit 2) before anything is read or sent, naming the
 * values the model takes (core/params.ts). Dropped parameters are left to the pipeline's warnings.
 */
export function assertParamsTaken(opts: EditOptions, today: string): void {
  const model = opts.model ?? defaultModel(today);
  const provider = typeof opts.provider === 'string' ? opts.provider : 'local';
  const surface = provider === 'local' ? 'engine' : opts.surface ?? 'images';
  const resolved = resolveParams(model, {
    ...(opts.quality !== undefined ? { quality: opts.quality } : {}),
    ...(opts.background !== undefined ? { background: opts.background } : {}),
    ...(opts.complexity !== undefined ? { complexity: opts.complexity } : {}),
    ...(opts.moderation !== undefined ? { moderation: opts.moderation } : {}),
    ...(opts.markup !== undefined ? { markup: true } : {}),
    ...(opts.partialImages ? { partialImages: opts.partialImages } : {}),
    ...(opts.n !== undefined ? { n: opts.n } : {}),
  }, surface, MODELS.filter((m) => statusOf(m, today) === 'active'));
  const refused = resolved.problems.find((p) => p.severity === 'error');
  if (refused) throw new CliError(refused.code, refused.message, refused.fix);
}

/** Turns parsed flags into EditOptions (shared with commands that wrap edit). */
export function editOptionsFrom(ctx: CommandContext, cmd: Command, image: string): EditOptions {
  const mask = stringOption(ctx, 'mask');
  if (!mask) throw usageError('missing --mask MASK', cmd.usage);
  const prompt = stringOption(ctx, 'prompt');
  if (prompt === undefined && !stringOption(ctx, 'scene') && !stringOption(ctx, 'change')) {
    throw usageError('missing --prompt TEXT (or --scene/--change)', cmd.usage);
  }
  if (ctx.values.strict && ctx.values['no-strict']) throw usageError('--strict and --no-strict contradict each other', cmd.usage);
  if (stringOption(ctx, 'model')?.trim() === '') throw usageError('--model is empty; name a model (maskedit models lists them) or drop --model for the default', cmd.usage);
  const partial = numberOption(ctx, 'partial-images', cmd, { integer: true, min: 0, max: 3 });
  if (partial && !ctx.values.stream) throw usageError('--partial-images needs --stream', cmd.usage);
  const pick = <T>(v: T | undefined, key: string) => (v === undefined ? {} : { [key]: v });
  return {
    image,
    mask,
    ...pick(prompt, 'prompt'),
    ...pick(stringOption(ctx, 'scene'), 'scene'),
    ...pick(stringOption(ctx, 'change'), 'change'),
    ...pick(stringOption(ctx, 'preserve'), 'preserve'),
    ...pick(stringOption(ctx, 'model'), 'model'),
    ...pick(choiceOption(ctx, 'fidelity', ['auto', 'low', 'high'] as const, cmd), 'fidelity'),
    ...pick(choiceOption(ctx, 'subject', SUBJECTS, cmd), 'subject'),
    ...pick(stringOption(ctx, 'size'), 'size'),
    // CreateImageEditRequest.quality: standard (dall-e-2), low, medium, high, auto; xhigh, max on 2.5/2.6.
    // Whether the chosen model takes the value is the registry's call (assertParamsTaken).
    ...pick(choiceOption(ctx, 'quality', ['low', 'medium', 'high', 'xhigh', 'max', 'auto', 'standard'] as const, cmd), 'quality'),
    ...pick(choiceOption(ctx, 'complexity', ['low', 'medium', 'high'] as const, cmd), 'complexity'),
    ...pick(choiceOption(ctx, 'moderation', ['low', 'auto'] as const, cmd), 'moderation'),
    ...pick(stringOption(ctx, 'markup'), 'markup'),
    today: ctx.today,
    ...pick(numberOption(ctx, 'n', cmd, { integer: true, min: 1, max: 10 }), 'n'),
    ...pick(choiceOption(ctx, 'crop', ['auto', 'off'] as const, cmd), 'crop'),
    ...pick(choiceOption(ctx, 'regions', ['merge', 'separate', 'auto'] as const, cmd), 'regions'),
    // A fraction of the mask's box side on each side, like `maskedit plan --context`.
    ...pick(numberOption(ctx, 'context', cmd, { min: 0, max: 4 }), 'context'),
    ...(ctx.values['no-strict'] ? { strict: false } : {}),
    ...pick(choiceOption(ctx, 'seam', SEAM_MODES, cmd), 'seam'),
    ...pick(numberOption(ctx, 'feather', cmd, { min: 0, max: 256 }), 'feather'),
    ...pick(numberOption(ctx, 'feather-outward', cmd, { min: 0, max: 256 }), 'featherOutward'),
    ...pick(numberOption(ctx, 'grow', cmd, { min: 0, max: 512 }), 'grow'),
    ...pick(numberOption(ctx, 'expand', cmd, { integer: true, min: 0, max: 256 }), 'expand'),
    // The provider default (docs/providers.md, docs/architecture.md): openai when OPENAI_API_KEY is set, else the embedded engine (read from this run's environment).
    provider: choiceOption(ctx, 'provider', ['local', 'openai'] as const, cmd) ?? (ctx.env.OPENAI_API_KEY ? 'openai' : 'local'),
    ...pick(choiceOption(ctx, 'surface', ['images', 'json', 'responses'] as const, cmd), 'surface'),
    ...pick(choiceOption(ctx, 'engine', ENGINE_NAMES, cmd), 'engine'),
    ...pick(stringOption(ctx, 'sample-from'), 'sampleFrom'),
    ...pick(stringOption(ctx, 'exclude'), 'exclude'),
    ...(Array.isArray(ctx.values.ref) ? { references: ctx.values.ref as string[] } : {}),
    ...(ctx.values.fix ? { fix: true } : {}),
    ...pick(numberOption(ctx, 'max-cost', cmd, { min: 0 }), 'maxCostUsd'),
    ...pick(partial, 'partialImages'),
    ...pick(numberOption(ctx, 'seed', cmd, { integer: true, min: 0 }), 'seed'),
    signal: ctx.signal,
  };
}

const command: Command = {
  name: 'edit',
  summary: 'Edit IMAGE where MASK is transparent; everything outside the mask stays bit-identical',
  usage: 'maskedit edit IMAGE --mask MASK --prompt TEXT [--scene TEXT] [--change TEXT] [--preserve "a; b"] [--model M] [--fidelity auto|low|high] [--subject face|logo|product|text|scene] [--size S] [--quality low|medium|high|xhigh|max|auto] [--complexity low|medium|high] [--moderation low|auto] [--markup auto|FILE] [--n N] [--ref IMG]… [--crop auto|off] [--regions merge|separate|auto] [--context F] [--strict|--no-strict] [--seam none|match|poisson] [--feather N|--feather-outward N] [--grow N] [--expand N] [--provider local|openai] [--surface images|json|responses] [--engine heal|patchmatch|telea|ns] [--sample-from MASK] [--exclude MASK] [--fix] [--max-cost USD] [--stream --partial-images N] [--seed N] [--session DIR | --continue DIR] [-o OUT] [--report R.json] [--heatmap H.png] [--json] [-q]',
  details: [
    'Provider: openai when OPENAI_API_KEY is set, else local (the embedded engine; no network).',
    'Output: PNG at the input\'s displayed size (default IMAGE.edited.png); n > 1 writes OUT-1.png, OUT-2.png, …',
    '--crop auto sends a crop around the mask at a size the model takes; --crop off sends the whole image.',
    '--no-strict keeps the raw model output (resized to the input) instead of stitching it inside the mask.',
    '--fix repairs a mask the doctor can repair safely (no alpha, painted on an opaque layer, same-aspect size, EXIF orientation, not PNG) and says what it did.',
    '--expand N widens the region that is REPLACED by N px (the tight mask\'s edge ring is redrawn too; everything outside the expanded mask stays bit-identical); --grow N only widens the mask sent to the model.',
    '--context F: crop margin as a fraction of the mask box\'s side (default 0.25, at least 64 px), as in `maskedit plan`.',
    'Model: default = the newest active model recommended for edits on today\'s date (MASKEDIT_TODAY=YYYY-MM-DD to pin it; `maskedit models` lists them). A shut-down model is refused before anything is sent; a deprecated one warns.',
    'Parameters go through the registry: one the model does not take is dropped with a warning (--fidelity on 2.x, --markup before 2.6, --moderation off the json/responses surfaces) or refused before any request (--quality xhigh on gpt-image-2, --complexity before 2.6).',
    '--markup auto draws the mask\'s outline and a pointer on a transparent overlay (2.6 models); --markup FILE sends your own RGBA PNG of the image\'s size.',
    '--sample-from MASK / --exclude MASK (embedded engine): where the fill may also copy from / must never copy from; masks in the --mask format (the transparent area is the area).',
    '--session DIR records the step in DIR; --continue DIR (no IMAGE) edits the last result with its mask and flags (docs/sessions.md).',
  ].join('\n'),
  options: EDIT_OPTIONS,
  async run(ctx) {
    const session = await sessionFor(ctx, command);
    if (ctx.positionals.length !== 1) throw usageError(ctx.positionals.length ? `expected one IMAGE, received ${ctx.positionals.length} arguments` : 'missing IMAGE', command.usage);
    const image = ctx.positionals[0]!;
    const opts = editOptionsFrom(ctx, command, image);
    assertParamsTaken(opts, ctx.today);
    const output = stringOption(ctx, 'output') ?? suggestOutput(image, 'edited', '.png');
    const json = Boolean(ctx.values.json);
    // Say so when OpenAI-only flags meet the embedded engine, rather than dropping them silently.
    const openaiOnly = (['surface', 'stream', 'partial-images', 'max-cost', 'ref'] as const).filter((f) => ctx.values[f] !== undefined);
    const localOnly = (['sample-from', 'exclude'] as const).filter((f) => ctx.values[f] !== undefined);
    if (opts.provider === 'openai' && localOnly.length && !ctx.values.quiet) {
      ctx.stderr.write(`note: ${localOnly.map((f) => `--${f}`).join(', ')} ${localOnly.length > 1 ? 'apply' : 'applies'} to the embedded engine (--provider local) only; OpenAI ignores ${localOnly.length > 1 ? 'them' : 'it'}\n`);
    }
    if (opts.provider === 'local' && openaiOnly.length && !ctx.values.quiet) {
      ctx.stderr.write(`note: ${openaiOnly.map((f) => `--${f}`).join(', ')} ${openaiOnly.length > 1 ? 'apply' : 'applies'} to --provider openai only; the embedded engine ignores ${openaiOnly.length > 1 ? 'them' : 'it'}${ctx.env.OPENAI_API_KEY ? '' : ' (OPENAI_API_KEY is not set)'}\n`);
    }
    // Every path this run writes is checked before the provider is called: a refusal after a paid request
    // would throw the result away.
    const writeOpts = {
      output,
      ...(stringOption(ctx, 'report') ? { reportPath: stringOption(ctx, 'report')! } : {}),
      ...(stringOption(ctx, 'heatmap') ? { heatmapPath: stringOption(ctx, 'heatmap')! } : {}),
      inputs: [image, opts.mask as string, ...((opts.references as string[] | undefined) ?? [])],
    };
    checkEditOutputs(writeOpts, opts.n ?? 1);
    const onProgress = progressPrinter(ctx.stderr, { quiet: Boolean(ctx.values.quiet), env: ctx.env });
    const partialWrites: Promise<void>[] = [];
    const result = await edit({
      ...opts,
      // The OpenAI key, base URL and Responses model come from this run's environment (read once in main.ts).
      ...(opts.provider === 'openai' ? openaiEnv(ctx.env) : {}),
      ...session?.editOptions,
      onProgress,
      ...(opts.partialImages ? {
        onPartial: (p) => {
          const path = suggestOutput(output, `partial-${p.crop + 1}-${p.index + 1}`, `.${p.outputFormat === 'jpeg' ? 'jpg' : p.outputFormat}`);
          assertNotInput(path, writeOpts.inputs);
          partialWrites.push(writeFileAtomic(path, p.bytes).then(() => onProgress({ step: 'partial', message: `preview ${p.index + 1} → ${path}` })));
        },
      } : {}),
    });
    await Promise.all(partialWrites);
    const written = await writeEditResult(result, writeOpts);
    if (session) await session.record(result, opts, onProgress);
    if (json) writeJson(ctx.stdout, reportJson(result, written));
    // -q: nothing but errors (the summary included); the written files and the exit code say it worked.
    else if (!ctx.values.quiet) ctx.stderr.write(renderEditSummary(result.report, written, painter(ctx.stderr, ctx.env)));
    return EXIT.ok;
  },
};

export default command;

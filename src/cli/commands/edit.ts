/**
 * `maskedit edit IMAGE --mask MASK --prompt TEXT […]`: the main job. Validates, plans, sends, stitches, writes.
 * Progress goes to stderr; `--json` prints the report on stdout.
 */
import { COMPLEXITIES, CROP_MODES, ENGINE_NAMES, FIDELITY_REQUESTS, MODERATIONS, PROVIDER_NAMES, QUALITIES, REGIONS_MODES, SEAM_MODES, SUBJECTS, SURFACES } from '../../core/choices.js';
import { DEFAULT_FEATHER, DEFAULT_MODEL_GROW, DEFAULT_SEAM } from '../../core/composite.js';
import { activeModels, defaultModel } from '../../core/lifecycle.js';
import { resolveParams } from '../../core/params.js';
import { DEFAULT_CONTEXT } from '../../core/sizing.js';
import { edit, type EditOptions } from '../../pipeline/edit.js';
import { checkEditOutputs, reportJson, writeEditResult } from '../../pipeline/write.js';
import { assertNotInput, suggestOutput, writeFileAtomic } from '../../io/atomic.js';
import { CliError, defineCommand, EXIT, stringOption, usageError, type Command, type CommandContext } from '../_context.js';
import { COMMON, defaultProvider, defineOptions, readOptions } from '../options.js';
import { painter, writeJson } from '../_output.js';
import { progressPrinter } from '../_progress.js';
import { renderEditSummary } from '../_summary.js';
import { sessionFor } from './session.js';
import { openaiEnv } from '../_env.js';

/** Every `maskedit edit` flag and the EditOptions field it sets (`to`); flags without `to` are the command's own. */
export const EDIT_OPTIONS = defineOptions({
  mask: { type: 'path', metavar: 'MASK', required: true, description: 'The mask: RGBA PNG, transparent (alpha 0) where the image may change (maskedit mask writes one).', to: 'mask' },
  prompt: { type: 'string', description: 'The whole prompt: describe the full final image, the one change, and what stays.', to: 'prompt' },
  scene: { type: 'string', description: 'Build the prompt: the full final image.', to: 'scene' },
  change: { type: 'string', description: 'Build the prompt: the one change inside the mask.', to: 'change' },
  preserve: { type: 'string', metavar: '"a; b"', description: 'Build the prompt: what must stay, separated by semicolons.', to: 'preserve' },
  model: COMMON.model,
  fidelity: { type: 'enum', choices: FIDELITY_REQUESTS, description: 'input_fidelity: auto lets the advisor choose from the prompt and subject (1.x models; dropped with a warning on 2.x).', defaultLabel: 'default auto', to: 'fidelity' },
  subject: { type: 'enum', choices: SUBJECTS, description: 'What is being kept or edited, for the fidelity advice (default: read from the prompt).', to: 'subject' },
  size: { type: 'string', metavar: 'S', description: 'The size sent to the model, WxH or auto (default: planned from the crop).', to: 'size' },
  quality: { type: 'enum', choices: QUALITIES, description: 'quality; whether the model takes the value is the registry\'s call (`maskedit models`).', to: 'quality' },
  complexity: { type: 'enum', choices: COMPLEXITIES, description: 'complexity (2.6 models; refused on others).', to: 'complexity' },
  moderation: { type: 'enum', choices: MODERATIONS, description: 'moderation (json/responses surfaces; dropped with a warning on images).', to: 'moderation' },
  markup: { type: 'string', metavar: 'auto|FILE', description: 'auto draws the mask\'s outline and a pointer on an overlay; FILE sends your own RGBA PNG of the image\'s size (2.6 models).', to: 'markup' },
  n: { type: 'int', min: 1, max: 10, description: 'How many results (OUT-1.png, OUT-2.png, …).', defaultLabel: 'default 1', to: 'n' },
  ref: { type: 'path', metavar: 'IMG', repeatable: true, description: 'A reference image sent after the image (OpenAI only).', to: 'references' },
  crop: { type: 'enum', choices: CROP_MODES, description: 'auto sends a crop around the mask at a size the model takes; off sends the whole image.', defaultLabel: 'default auto', to: 'crop' },
  regions: { type: 'enum', choices: REGIONS_MODES, description: 'Far-apart masked regions: one crop (merge), one each (separate), or decided by their spread (auto).', defaultLabel: 'default auto', to: 'regions' },
  context: { type: 'number', metavar: 'F', min: 0, max: 4, description: 'Crop margin as a fraction of the mask box\'s side, at least 64 px.', defaultLabel: `default ${DEFAULT_CONTEXT}`, to: 'context' },
  strict: { type: 'boolean', description: 'Stitch the output inside the mask: everything outside stays bit-identical (the default).', to: 'strict' },
  'no-strict': { type: 'boolean', description: 'Keep the raw model output (resized to the input) instead of stitching it.', to: () => ({ strict: false }) },
  seam: { type: 'enum', choices: SEAM_MODES, description: 'Seam treatment: paste, remove the colour cast, or gradient-domain blend.', defaultLabel: `default ${DEFAULT_SEAM}`, to: 'seam' },
  feather: { type: 'number', min: 0, max: 256, description: 'Blend ramp width in px inside the mask (0 = hard edge).', defaultLabel: `default ${DEFAULT_FEATHER}`, to: 'feather' },
  'feather-outward': { type: 'number', min: 0, max: 256, description: 'Blend ramp width in px outside the mask instead (those pixels may change).', to: 'featherOutward' },
  grow: { type: 'number', min: 0, max: 512, description: 'Widen only the mask sent to the model by N px.', defaultLabel: `default ${DEFAULT_MODEL_GROW}`, to: 'grow' },
  expand: { type: 'int', min: 0, max: 256, description: 'Widen the region that is replaced by N px (outside the expanded mask stays bit-identical).', to: 'expand' },
  provider: { type: 'enum', choices: PROVIDER_NAMES, description: 'Who edits: the embedded engine (local, no network) or OpenAI.', default: defaultProvider, defaultLabel: 'default openai when OPENAI_API_KEY is set, else local', to: 'provider' },
  surface: { type: 'enum', choices: SURFACES, description: 'OpenAI surface: multipart /v1/images/edits, its JSON body, or the Responses API.', defaultLabel: 'default images', to: 'surface' },
  engine: { type: 'enum', choices: ENGINE_NAMES, description: 'The embedded fill engine (--provider local).', defaultLabel: 'default heal', to: 'engine' },
  'sample-from': { type: 'path', metavar: 'MASK', description: 'Embedded engine: where the fill may also copy from (a mask in the --mask format).', to: 'sampleFrom' },
  exclude: { type: 'path', metavar: 'MASK', description: 'Embedded engine: where the fill must never copy from (a mask in the --mask format).', to: 'exclude' },
  fix: { type: 'boolean', description: 'Repair a mask the doctor can repair safely, and say what was done.', to: 'fix' },
  'max-cost': { type: 'number', metavar: 'USD', min: 0, description: 'Refuse before sending when the estimate is above USD.', to: 'maxCostUsd' },
  stream: { type: 'boolean', description: 'Stream the request (needed by --partial-images).' },
  'partial-images': { type: 'int', min: 0, max: 3, description: 'Write N preview images as they arrive (OUT.partial-C-I.png; needs --stream).', to: 'partialImages' },
  seed: { type: 'int', min: 0, description: 'Seed of the embedded engine: the same seed gives the same output.', to: 'seed' },
  session: { type: 'path', metavar: 'DIR', description: 'Record this step in the session folder DIR (docs/sessions.md).' },
  continue: { type: 'path', metavar: 'DIR', description: 'Edit the last result recorded in DIR with its mask and flags (no IMAGE).' },
  output: { type: 'path', short: 'o', preferShort: true, metavar: 'OUT', description: 'The PNG to write.', defaultLabel: 'default IMAGE.edited.png' },
  report: { type: 'path', metavar: 'R.json', description: 'Write the edit report (JSON) here.' },
  heatmap: { type: 'path', metavar: 'H.png', description: 'Write the spillover heatmap here.' },
  json: COMMON.json,
  quiet: COMMON.quiet,
});

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
  }, surface, activeModels(today));
  const refused = resolved.problems.find((p) => p.severity === 'error');
  if (refused) throw new CliError(refused.code, refused.message, refused.fix);
}

/**
 * Turns parsed flags into EditOptions (shared with commands that wrap edit): the table's mapping plus the checks
 * that read several flags at once.
 */
export function editOptionsFrom(ctx: CommandContext, cmd: Command<typeof EDIT_OPTIONS>, image: string): EditOptions {
  const { values, options } = readOptions<typeof EDIT_OPTIONS, Omit<EditOptions, 'image'>>(cmd, ctx);
  if (values.prompt === undefined && !values.scene && !values.change) {
    throw usageError('missing --prompt TEXT (or --scene/--change)', cmd.usage);
  }
  if (values.strict && values['no-strict']) throw usageError('--strict and --no-strict contradict each other', cmd.usage);
  if (values.model?.trim() === '') throw usageError('--model is empty; name a model (maskedit models lists them) or drop --model for the default', cmd.usage);
  if (values['partial-images'] && !values.stream) throw usageError('--partial-images needs --stream', cmd.usage);
  return { image, ...options, today: ctx.today, signal: ctx.signal };
}

const command = defineCommand({
  name: 'edit',
  args: 'IMAGE',
  summary: 'Edit IMAGE where MASK is transparent; everything outside the mask stays bit-identical',
  details: [
    'Provider: openai when OPENAI_API_KEY is set, else local (the embedded engine; no network).',
    'Output: PNG at the input\'s displayed size (default IMAGE.edited.png); n > 1 writes OUT-1.png, OUT-2.png, …',
    '--fix repairs a mask the doctor can repair safely (no alpha, painted on an opaque layer, same-aspect size, EXIF orientation, not PNG) and says what it did.',
    '--expand N widens the region that is REPLACED by N px (the tight mask\'s edge ring is redrawn too; everything outside the expanded mask stays bit-identical); --grow N only widens the mask sent to the model.',
    'Model: default = the newest active model recommended for edits on today\'s date (MASKEDIT_TODAY=YYYY-MM-DD to pin it; `maskedit models` lists them). A shut-down model is refused before anything is sent; a deprecated one warns.',
    'Parameters go through the registry: one the model does not take is dropped with a warning (--fidelity on 2.x, --markup before 2.6, --moderation off the json/responses surfaces) or refused before any request (--quality xhigh on gpt-image-2, --complexity before 2.6).',
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
});

export default command;

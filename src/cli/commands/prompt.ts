/**
 * `maskedit prompt [--scene …] [--change …] [--preserve …] [--lint TEXT] [--model M] [--subject S]
 * [--fidelity auto|low|high] [--json]`: builds a masked-edit prompt the guide's way, lints it, and advises
 * `input_fidelity`. Exit 0 without lint errors (warnings allowed), 1 with errors, 2 on usage errors.
 */
import { FIDELITY_REQUESTS, SUBJECTS } from '../../core/choices.js';
import { adviseFidelity, type FidelityRequest, type Subject } from '../../core/fidelity.js';
import { defaultModel, lifecycleProblems } from '../../core/lifecycle.js';
import { analyzePrompt, composePrompt, lintPrompt } from '../../core/prompt.js';
import { hasErrors, sortProblems, type Problem } from '../../core/problems.js';
import { defineCommand, EXIT, requirePositionals, usageError } from '../_context.js';
import { COMMON, defineOptions, readOptions } from '../options.js';
import { formatProblems, painter, writeJson } from '../_output.js';

/** What `maskedit prompt` builds, lints and advises on (buildPrompt, lintPrompt, adviseFidelity inputs). */
export interface PromptOptions {
  scene?: string;
  change?: string;
  preserve?: string[];
  lint?: string;
  model?: string;
  subject?: Subject;
  requested?: FidelityRequest;
}

export const PROMPT_OPTIONS = defineOptions({
  scene: { type: 'string', description: 'The full final image, described as a scene.', to: 'scene' },
  change: { type: 'string', description: 'The one change inside the mask.', to: 'change' },
  preserve: { type: 'string', metavar: '"a; b"', repeatable: true, description: 'What must stay, separated by semicolons.', to: 'preserve' },
  lint: { type: 'string', metavar: 'TEXT', description: 'A prompt you wrote: lint it (the build flags add to it).', to: 'lint' },
  model: COMMON.model,
  subject: { type: 'enum', choices: SUBJECTS, description: 'What is being kept or edited, for the fidelity advice (default: read from the prompt).', to: 'subject' },
  fidelity: { type: 'enum', choices: FIDELITY_REQUESTS, description: 'The input_fidelity you plan to send; auto asks the advisor.', to: 'requested' },
  json: COMMON.json,
});

const command = defineCommand({
  name: 'prompt',
  summary: 'Build a masked-edit prompt (full final image + one change + what stays), lint it and advise input_fidelity',
  details: [
    '--lint TEXT lints a prompt you wrote; --scene/--change/--preserve build one (and add to --lint TEXT when both are given).',
    '--preserve takes "a; b" and may be repeated. Exit 0: no errors (warnings allowed); 1: errors; 2: usage error.',
    '--json prints { ok, prompt, chars, model, problems, fidelity: { value, reason, subject }, analysis }.',
  ].join('\n'),
  options: PROMPT_OPTIONS,
  async run(ctx) {
    requirePositionals(ctx, [], command);
    const { values, options } = readOptions<typeof PROMPT_OPTIONS, PromptOptions>(command, ctx);
    const { scene, change, lint, preserve = [], subject, requested } = options;
    if (scene === undefined && change === undefined && lint === undefined && !preserve.length) {
      throw usageError('nothing to build or lint: give --scene/--change/--preserve, or --lint TEXT', command.usage);
    }
    const model = options.model ?? defaultModel(ctx.today);

    // --lint alone is checked as written; with build flags it is the user's whole prompt that they extend.
    const onlyLint = lint !== undefined && scene === undefined && change === undefined && !preserve.length;
    const composed = onlyLint ? { text: lint, problems: [] } : composePrompt({
      ...(lint !== undefined ? { prompt: lint } : {}),
      ...(scene !== undefined ? { scene } : {}),
      ...(change !== undefined ? { change } : {}),
      preserve,
    }, { model });
    const prompt = composed.text;
    const problems: Problem[] = [...composed.problems];
    // The model judged on the date: unknown (warning, closest ids), deprecated (warning), shut down (error).
    problems.push(...lifecycleProblems(model, ctx.today));
    problems.push(...lintPrompt(prompt, { model }));
    const fidelity = adviseFidelity({ model, prompt, ...(subject ? { subject } : {}), ...(requested ? { requested } : {}) });
    problems.push(...fidelity.problems);
    const sorted = sortProblems(problems);
    const ok = !hasErrors(sorted);
    const analysis = analyzePrompt(prompt);

    if (values.json) {
      writeJson(ctx.stdout, {
        ok, prompt, chars: analysis.chars, model, problems: sorted,
        fidelity: { value: fidelity.value ?? null, reason: fidelity.reason, subject: fidelity.subject },
        analysis: { changes: analysis.changes, preserves: analysis.preserves, scene: analysis.scene },
      });
    } else {
      const p = painter(ctx.stdout, ctx.env);
      const lines = [p.bold(`prompt (${analysis.chars} characters, ${model}):`), prompt ? `  ${prompt}` : p.dim('  (empty)')];
      if (sorted.length) lines.push(formatProblems(sorted, p));
      lines.push(`${p.bold('input_fidelity:')} ${fidelity.value ?? 'not sent'} — ${fidelity.reason}`);
      const errors = sorted.filter((x) => x.severity === 'error').length;
      const warnings = sorted.length - errors;
      const tally = `${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`;
      lines.push(ok ? p.green(`ok${warnings ? ` (${tally})` : ''}`) : p.red(tally));
      ctx.stdout.write(`${lines.join('\n')}\n`);
    }
    return ok ? EXIT.ok : EXIT.failed;
  },
});

export default command;

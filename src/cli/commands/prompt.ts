/**
 * `maskedit prompt [--scene …] [--change …] [--preserve …] [--lint TEXT] [--model M] [--subject S]
 * [--fidelity auto|low|high] [--json]`: builds a masked-edit prompt the guide's way, lints it, and advises
 * `input_fidelity`. Exit 0 without lint errors (warnings allowed), 1 with errors, 2 on usage errors.
 */
import { adviseFidelity, SUBJECTS, type FidelityRequest, type Subject } from '../../core/fidelity.js';
import { defaultModel, lifecycleProblems } from '../../core/lifecycle.js';
import { analyzePrompt, composePrompt, lintPrompt } from '../../core/prompt.js';
import { hasErrors, sortProblems, type Problem } from '../../core/problems.js';
import { choiceOption, EXIT, requirePositionals, stringOption, usageError, type Command } from '../_context.js';
import { formatProblems, painter, writeJson } from '../_output.js';

const command: Command = {
  name: 'prompt',
  summary: 'Build a masked-edit prompt (full final image + one change + what stays), lint it and advise input_fidelity',
  usage: 'maskedit prompt [--scene TEXT] [--change TEXT] [--preserve "a; b"] [--lint TEXT] [--model M] [--subject face|logo|product|text|scene] [--fidelity auto|low|high] [--json]',
  details: [
    '--lint TEXT lints a prompt you wrote; --scene/--change/--preserve build one (and add to --lint TEXT when both are given).',
    '--preserve takes "a; b" and may be repeated. Exit 0: no errors (warnings allowed); 1: errors; 2: usage error.',
    '--json prints { ok, prompt, chars, model, problems, fidelity: { value, reason, subject }, analysis }.',
  ].join('\n'),
  options: {
    scene: { type: 'string' },
    change: { type: 'string' },
    preserve: { type: 'string', multiple: true },
    lint: { type: 'string' },
    model: { type: 'string' },
    subject: { type: 'string' },
    fidelity: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(ctx) {
    requirePositionals(ctx, [], command);
    const scene = stringOption(ctx, 'scene');
    const change = stringOption(ctx, 'change');
    const lint = stringOption(ctx, 'lint');
    const preserve = (ctx.values.preserve as string[] | undefined) ?? [];
    if (scene === undefined && change === undefined && lint === undefined && !preserve.length) {
      throw usageError('nothing to build or lint: give --scene/--change/--preserve, or --lint TEXT', command.usage);
    }
    const model = stringOption(ctx, 'model') ?? defaultModel(ctx.today);
    const subject = choiceOption<Subject>(ctx, 'subject', SUBJECTS, command);
    const requested = choiceOption<FidelityRequest>(ctx, 'fidelity', ['auto', 'low', 'high'], command);

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

    if (ctx.values.json) {
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
};

export default command;

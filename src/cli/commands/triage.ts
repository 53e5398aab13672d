/**
 * `maskedit triage IMAGE MASK --prompt TEXT [--result OUT] [--model M] [--fidelity low|high]
 * [--surface images|json|responses] [--json]`: walks the guide's troubleshooting order (mask → prompt →
 * fidelity → locality → surface), marks the first step that explains the failure and lists the rest.
 * Exit codes like `check`: 0 no errors, 1 errors, 2 usage.
 */
import { TRIAGE_STEPS, type Finding } from '../../core/triage.js';
import { triageFiles, type TriageOptions } from '../../pipeline/triage.js';
import { INPUT_FIDELITIES, SURFACES } from '../../core/choices.js';
import { defineCommand, EXIT, requirePositionals } from '../_context.js';
import { COMMON, defineOptions, readOptions } from '../options.js';
import { painter, writeJson, type Painter } from '../_output.js';

function render(findings: readonly Finding[], stoppedAt: string | null, p: Painter): string {
  const mark = (f: Finding) => f.severity === 'error' ? p.red('✗') : f.severity === 'warning' ? p.yellow('!') : f.severity === 'ok' ? p.green('✓') : p.dim('·');
  const lines = [`triage in the guide's order: ${TRIAGE_STEPS.join(' → ')}`];
  let marked = false;
  for (const f of findings) {
    const here = !marked && f.step === stoppedAt && (f.severity === 'error' || f.severity === 'warning');
    if (here) marked = true;
    lines.push(`  ${mark(f)} ${f.step.padEnd(8)} ${f.message}${here ? p.bold('  ← start here') : ''}`);
    if (f.fix) lines.push(`             ${p.dim('fix:')} ${f.fix}`);
  }
  lines.push(stoppedAt ? `first step to fix: ${p.bold(stoppedAt)}` : p.green('every step passed'));
  return `${lines.join('\n')}\n`;
}

export const TRIAGE_OPTIONS = defineOptions({
  prompt: { type: 'string', metavar: 'TEXT', required: 'the prompt the failing edit used', description: 'The prompt the failing edit used.', to: 'prompt' },
  result: { type: 'path', metavar: 'OUT', description: 'The model output that went wrong (any size); enables the locality step.', to: 'result' },
  model: COMMON.model,
  fidelity: { type: 'enum', choices: INPUT_FIDELITIES, description: 'The input_fidelity the failing request sent (default: not sent).', to: 'fidelity' },
  surface: { type: 'enum', choices: SURFACES, description: 'The surface the failing request used.', defaultLabel: 'default images', to: 'surface' },
  json: COMMON.json,
});

const command = defineCommand({
  name: 'triage',
  args: 'IMAGE MASK',
  summary: 'Find why a masked edit failed, in the guide\'s order: mask → prompt → fidelity → locality → surface',
  details: [
    '--result: the model output that went wrong (any size); enables the locality step (spillover, stitch, crop).',
    '--fidelity / --surface: what the failing request used (default: input_fidelity not sent, the images surface).',
    'JSON: { stoppedAt, findings: [{ step, severity: error|warning|info|ok, message, fix, code? }] } in step order.',
  ].join('\n'),
  options: TRIAGE_OPTIONS,
  async run(ctx) {
    const [image, mask] = requirePositionals(ctx, ['IMAGE', 'MASK'], command);
    const { values, options } = readOptions<typeof TRIAGE_OPTIONS, Omit<TriageOptions, 'image' | 'mask' | 'today'>>(command, ctx);
    const report = await triageFiles({ image: image!, mask: mask!, ...options, today: ctx.today });
    if (values.json) writeJson(ctx.stdout, { stoppedAt: report.stoppedAt, findings: report.findings });
    else ctx.stdout.write(render(report.findings, report.stoppedAt, painter(ctx.stdout, ctx.env)));
    return report.findings.some((f) => f.severity === 'error') ? EXIT.failed : EXIT.ok;
  },
});

export default command;

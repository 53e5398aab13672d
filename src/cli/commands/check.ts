/** `maskedit check IMAGE MASK [--model M] [--json]`: the mask doctor. Exit 0 without errors, 1 with errors. */
import { checkFiles, type CheckReport } from '../../pipeline/check.js';
import { readInputFile } from '../../io/image.js';
import { defineCommand, EXIT, requirePositionals } from '../_context.js';
import { COMMON, defineOptions, readOptions } from '../options.js';
import { formatBytes, formatPercent, formatProblems, painter, writeJson, type Painter } from '../_output.js';

export const CHECK_OPTIONS = defineOptions({
  model: COMMON.model,
  markup: { type: 'path', description: 'Also check this markup overlay (2.6 models): an RGBA PNG of the image\'s size, transparent background.', to: 'markupLabel' },
  json: COMMON.json,
});

const command = defineCommand({
  name: 'check',
  args: 'IMAGE MASK',
  summary: 'Find every reason OpenAI would reject or misread a mask, with the command that fixes it',
  details: 'Exit 0: no errors (warnings allowed); 1: errors found; 2: usage error. --json prints { ok, image, mask, problems, fix } (fix: one command that repairs every repairable problem, or null).\nThe model is judged on today\'s date (or MASKEDIT_TODAY): a shut-down model is an error, a deprecated one a warning.\n--markup FILE also checks a markup overlay for the 2.6 models (same size as the image, transparent background).',
  options: CHECK_OPTIONS,
  async run(ctx) {
    const [imagePath, maskPath] = requirePositionals(ctx, ['IMAGE', 'MASK'], command);
    const { values, options } = readOptions<typeof CHECK_OPTIONS, { model?: string; markupLabel?: string }>(command, ctx);
    const markup = options.markupLabel !== undefined ? await readInputFile(options.markupLabel, 'image') : undefined;
    const { report } = await checkFiles(imagePath!, maskPath!, {
      ...(options.model !== undefined ? { model: options.model } : {}), today: ctx.today, ...(markup ? { markup, markupLabel: options.markupLabel! } : {}),
    });
    if (values.json) writeJson(ctx.stdout, report);
    else ctx.stdout.write(renderReport(report, imagePath!, maskPath!, painter(ctx.stdout, ctx.env)));
    return report.ok ? EXIT.ok : EXIT.failed;
  },
});

/** A header line with both files' sizes and the editable share, one line per problem with its fix, a tally. */
export function renderReport(report: CheckReport, imagePath: string, maskPath: string, p: Painter): string {
  const { image, mask } = report;
  const img = image
    ? `${imagePath} ${image.width}x${image.height} ${image.format.toUpperCase()} ${formatBytes(image.bytes)}${image.orientation !== 1 ? ` (EXIF orientation ${image.orientation})` : ''}`
    : `${imagePath} (unreadable)`;
  const msk = mask
    ? `mask ${maskPath} ${mask.width}x${mask.height} ${mask.format.toUpperCase()} ${formatBytes(mask.bytes)} ${mask.hasAlpha ? `· ${formatPercent(mask.editableFraction)} editable${mask.repairedFraction !== null && mask.repairedFraction !== mask.editableFraction ? ` (${formatPercent(mask.repairedFraction)} once repaired)` : ''}` : '· no alpha'}`
    : `mask ${maskPath} (unreadable)`;
  const lines = [`${p.bold(img)} · ${msk}`];
  if (report.problems.length) lines.push(formatProblems(report.problems, p));
  // Several repairable problems: their own fixes all write the same file, so one command does them together.
  const repairable = report.problems.filter((x) => /maskedit mask /.test(x.fix)).length;
  if (report.fix && repairable > 1) lines.push(`${p.bold('fix all at once:')} ${report.fix}`);
  const errors = report.problems.filter((x) => x.severity === 'error').length;
  const warnings = report.problems.length - errors;
  const tally = `${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`;
  lines.push(report.ok ? p.green(`ok${warnings ? ` (${tally})` : ''}`) : p.red(tally));
  return `${lines.join('\n')}\n`;
}

export default command;

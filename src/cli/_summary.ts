/** The one-screen summary printed after an edit. */
import type { EditReport } from '../pipeline/edit.js';
import type { Written } from '../pipeline/write.js';
import { formatProblems, formatPercent, type Painter } from './_output.js';
import { DEFAULT_ENGINE } from '../engines/engine.js';
import { describeEncodeLoss } from '../core/encode-loss.js';

export function renderEditSummary(report: EditReport, written: Written, p: Painter): string {
  const lines: string[] = [];
  const who = report.provider === 'local' ? `local/${report.engine ?? DEFAULT_ENGINE}` : `openai/${report.surface}`;
  const crops = report.plan.mode === 'native'
    ? `${report.image.width}x${report.image.height} at its own resolution`
    : report.crops.map((c) => `${c.width}x${c.height} → ${c.sendWidth}x${c.sendHeight}`).join(', ');
  lines.push(p.bold(`maskedit edit · ${who} · ${report.model} · ${report.plan.mode} ${crops}`));
  const s = report.spillover;
  lines.push(`raw output   ${formatPercent(s.outside.changedFraction)} of kept pixels changed (${verdictColour(s.verdict, p)}), ${formatPercent(s.inside.changedFraction)} inside the mask`);
  if (report.strict && report.stitch) {
    const band = report.stitch.outwardBand ? `, ${report.stitch.outwardBand} px outward band` : '';
    const stitched = `(strict stitch, seam ${report.stitch.seam}, feather ${report.stitch.feather} px ${report.stitch.direction}${band})`;
    // A lossy file: the stitch kept them in memory, the encode changed them; say what the file holds.
    if (report.encoding) lines.push(`final        ${p.yellow(describeEncodeLoss(report.encoding))} (the stitch changed ${report.finalOutsideChangedPixels} ${stitched})`);
    else lines.push(`final        ${report.finalOutsideChangedPixels === 0 ? p.green('0') : p.yellow(String(report.finalOutsideChangedPixels))} pixels outside the mask changed ${stitched}`);
  } else {
    lines.push(`final        ${p.yellow(String(report.finalOutsideChangedPixels))} pixels outside the mask changed (--no-strict: raw output kept)`);
  }
  if (report.expand) lines.push(`expand       ${report.expand.pixels} px: ${report.expand.addedPixels} pixels added to the replaced region (${report.expand.editableBefore} → ${report.expand.editableAfter} editable)`);
  lines.push(`fidelity     ${report.fidelity.value ?? 'not sent'} — ${report.fidelity.reason}`);
  const cost = `$${report.estimatedCostUsd.toFixed(4)}`;
  lines.push(`cost         ${report.billed ? `~${cost} (estimate)` : `${cost} on OpenAI (estimate; the embedded engine is free)`}, prices read ${report.cost.pricesReadOn}`);
  const total = Object.values(report.timingsMs).reduce((a, b) => a + b, 0);
  lines.push(`time         ${Math.round(total)} ms (${Object.entries(report.timingsMs).map(([k, v]) => `${k} ${v}`).join(', ')})`);
  lines.push(`wrote        ${[...written.outputs, written.report, written.heatmap].filter(Boolean).join(', ')}${written.lossy && !report.encoding ? p.yellow(' (lossy format: pixels outside the mask are no longer bit-exact; use .png)') : ''}`);
  // An edit that ran has no unrepaired errors: the error-severity problems left in the report are the ones
  // --fix repaired, so they are named on the repaired line instead of being printed as errors.
  const repaired = report.repairs.length ? report.problems.filter((pr) => pr.severity === 'error') : [];
  if (report.repairs.length) lines.push(`repaired     ${repaired.length ? `${repaired.map((pr) => pr.code).join(', ')}: ` : ''}${report.repairs.join('; ')}`);
  if (report.provider === 'local') lines.push(p.dim('note         the embedded engine continues the background and ignores the prompt; use --provider openai to draw what the prompt asks'));
  const left = report.problems.filter((pr) => !repaired.includes(pr));
  if (left.length) lines.push(formatProblems(left, p));
  return `${lines.join('\n')}\n`;
}

function verdictColour(v: string, p: Painter): string {
  return v === 'local' ? p.green(v) : v === 'spilled' ? p.yellow(v) : p.red(v);
}

/**
 * Triage of a masked edit that went wrong, in the guide's fixed order ("Troubleshooting: Why The Mask Still
 * Fails Or Overreaches"): `mask` (the API rejects or ignores it: size, format, alpha) → `prompt` (the whole
 * scene changed: describe the full final image and list what stays) → `fidelity` (faces, logos, products drift:
 * `input_fidelity=high`) → `locality` (the edit spills past the mask: measured on the result, and whether strict
 * stitching or a tighter crop fixes it) → `surface` (iterative edits with stored references: Responses or JSON
 * file ids — "do not move surfaces earlier than that").
 *
 * Every step yields at least one finding, so the whole path is listed; `stoppedAt` is the first step with an
 * error or warning, the one to fix first. Pure: the facts come in (pipeline/triage.ts gathers them).
 *
 * @example
 * const { findings, stoppedAt } = triage(facts);
 * stoppedAt // 'prompt'
 */
import type { Subject } from './fidelity.js';
import { dilate } from './morphology.js';
import type { Problem } from './problems.js';
import type { EditMask, Raster } from './raster.js';
import { planCrops } from './sizing.js';
import { DEFAULT_THRESHOLD, spillover, type Verdict } from './spillover.js';

export type TriageStep = 'mask' | 'prompt' | 'fidelity' | 'locality' | 'surface';
export const TRIAGE_STEPS: readonly TriageStep[] = ['mask', 'prompt', 'fidelity', 'locality', 'surface'];

/** `ok`: the step found nothing; `info`: nothing wrong, but something to know (or the step was skipped). */
export type FindingSeverity = 'error' | 'warning' | 'info' | 'ok';

export interface Finding {
  step: TriageStep;
  severity: FindingSeverity;
  message: string;
  /** A command or concrete action; null when there is nothing to do. */
  fix: string | null;
  /** The underlying problem code, when one exists (MASK_*, PROMPT_*, …). */
  code?: string;
}

export interface TriageReport {
  findings: Finding[];
  /** The first step with an error or warning; null when every step passed. */
  stoppedAt: TriageStep | null;
}

/** What the locality step measured on a result. */
export interface LocalityFacts {
  outsideChangedFraction: number;
  insideChangedFraction: number;
  verdict: Verdict;
  /** Mean largest channel difference in a ring just outside the mask: what a plain stitch shows as a seam. */
  seamDrift: number;
  /** Share of the changed kept pixels that lie outside the crop(s) maskedit would send. */
  driftOutsideCrop: number;
  /** The planned crops' area as a share of the image (1 when the plan sends the whole image). */
  cropAreaFraction: number;
  /** The result had another size and was resampled onto the image's grid. */
  resized: boolean;
}

export interface TriageFacts {
  /** Paths (or names) used in fix commands. */
  labels: { image: string; mask: string; result?: string };
  prompt: string;
  /** The mask doctor's problems and the editable share when the mask decoded. */
  mask: { problems: Problem[]; editableFraction?: number };
  /** The prompt linter's problems. */
  promptProblems: Problem[];
  fidelity: { model: string; modelTakesFidelity: boolean; sent: 'low' | 'high' | undefined; subject: Subject; matched?: string };
  locality?: LocalityFacts;
  surface: { used: 'images' | 'json' | 'responses'; imageBytes: number; references: number };
}

/** Seam drift (0–255 levels) above which a plain stitch shows an edge and a seam mode is advised. */
export const SEAM_DRIFT_LEVELS = 6;
/** Inside changed share below which the mask was probably ignored (the guide's step 1). */
export const IGNORED_INSIDE_MAX = 0.02;
/** Editable share above which the guide's "keep the masked region as narrow as the job allows" applies. */
export const WIDE_MASK = 0.3;
/** Images above this many bytes are worth uploading once and referencing by file id when edited repeatedly. */
export const FILE_ID_BYTES = 10 * 1024 * 1024;
/** A prompt that reads like a follow-up correction ("Keep everything the same, but …"). */
export const FOLLOW_UP_PATTERN = /\bkeep (everything|it|all|the rest)( else)? (the same|as is|unchanged)\b|\b(same as before|this time|once more|again)\b/i;

const pct = (f: number) => `${(f * 100).toFixed(f < 0.001 && f > 0 ? 3 : 1)} %`;

/**
 * Measures a result against the image and mask: spillover outside the mask, the drift right at its edge, and
 * how much of the drift the crop planner's crop would have excluded.
 *
 * @example
 * const facts = localityFacts(original, result, editMask, 'gpt-image-1.5');
 * facts.verdict // 'spilled'
 */
export function localityFacts(original: Raster & { channels: 4 }, result: Raster & { channels: 4 }, editMask: EditMask, model: string): LocalityFacts {
  const s = spillover(original, result, editMask);
  const { width, height } = original;
  const ring = dilate(editMask, Math.max(4, Math.round(Math.min(width, height) / 128)));
  let ringSum = 0, ringN = 0;
  const plan = planCrops(original, editMask, model);
  const inCrop = new Uint8Array(width * height);
  let cropArea = 0;
  for (const c of plan.crops) {
    cropArea += c.width * c.height;
    for (let y = c.y; y < c.y + c.height; y++) inCrop.fill(1, y * width + c.x, y * width + c.x + c.width);
  }
  let changedKept = 0, changedOutsideCrop = 0;
  const cm = s.changeMap.data, m = editMask.data, r = ring.data;
  for (let i = 0; i < m.length; i++) {
    if (m[i]) continue;
    if (r[i]) { ringSum += cm[i]!; ringN++; }
    if (cm[i]! > DEFAULT_THRESHOLD) {
      changedKept++;
      if (!inCrop[i]) changedOutsideCrop++;
    }
  }
  return {
    outsideChangedFraction: s.outside.changedFraction,
    insideChangedFraction: s.inside.changedFraction,
    verdict: s.verdict,
    seamDrift: ringN ? ringSum / ringN : 0,
    driftOutsideCrop: changedKept ? changedOutsideCrop / changedKept : 0,
    cropAreaFraction: plan.mode === 'whole' ? 1 : Math.min(1, cropArea / (width * height)),
    resized: s.resized !== false,
  };
}

const fromProblem = (step: TriageStep, p: Problem): Finding => ({ step, severity: p.severity, message: p.message, fix: p.fix, code: p.code });

function maskStep(f: TriageFacts): Finding[] {
  const out = f.mask.problems.map((p) => fromProblem('mask', p));
  if (out.some((x) => x.severity === 'error')) return out;
  const loc = f.locality;
  if (loc && loc.insideChangedFraction < IGNORED_INSIDE_MAX) {
    out.push({
      step: 'mask', severity: 'warning', code: 'TRIAGE_MASK_IGNORED',
      message: `the result changed only ${pct(loc.insideChangedFraction)} of the editable pixels: the mask was probably ignored or read inverted`,
      fix: `check that the editable area is transparent (alpha 0), not painted white: \`maskedit check ${f.labels.image} ${f.labels.mask}\`; rebuild with \`maskedit mask ${f.labels.mask} -o mask.png --match ${f.labels.image} --edit white\` (or --edit black)`,
    });
  }
  if (!out.length) {
    const frac = f.mask.editableFraction;
    out.push({ step: 'mask', severity: 'ok', message: `the mask is valid: same size as the image, real alpha${frac !== undefined ? `, ${pct(frac)} editable` : ''}`, fix: null });
  }
  return out;
}

function promptStep(f: TriageFacts): Finding[] {
  const out = f.promptProblems.map((p) => fromProblem('prompt', p));
  return out.length ? out : [{ step: 'prompt', severity: 'ok', message: 'the prompt describes the final image and says what must stay', fix: null }];
}

function fidelityStep(f: TriageFacts): Finding[] {
  const { subject, matched, model, modelTakesFidelity, sent } = f.fidelity;
  const why = `the prompt mentions "${matched ?? subject}"`;
  if (subject === 'scene') {
    return [{ step: 'fidelity', severity: 'ok', message: 'no face, logo, product or text is named: the default input_fidelity (low) is fine', fix: null }];
  }
  if (!modelTakesFidelity) {
    return [{
      step: 'fidelity', severity: 'warning', code: 'TRIAGE_FIDELITY_UNAVAILABLE',
      message: `${why} (${subject}), but ${model} has no input_fidelity, so details can drift even with a correct mask`,
      fix: 'use a model that takes it: --model gpt-image-1.5 --fidelity high, and name the details to keep in the prompt',
    }];
  }
  if (sent !== 'high') {
    return [{
      step: 'fidelity', severity: 'warning', code: 'TRIAGE_FIDELITY_LOW',
      message: `${why} (${subject}) but input_fidelity was ${sent ?? 'not sent (low)'}: this is a preservation problem, not a masking problem`,
      fix: `add --fidelity high (input_fidelity: "high"; about 4160 extra input tokens per square image) and name the ${subject} details to keep in the prompt`,
    }];
  }
  return [{ step: 'fidelity', severity: 'ok', message: `${why} and input_fidelity is already high`, fix: null }];
}

function localityStep(f: TriageFacts): Finding[] {
  const loc = f.locality;
  if (!loc) {
    return [{ step: 'locality', severity: 'info', message: 'not measured: no --result given', fix: `rerun with --result OUT.png (the raw model output) to measure spillover outside the mask` }];
  }
  const scaled = loc.resized ? ' (the result was resampled to the image size first)' : '';
  if (loc.verdict === 'local') {
    return [{ step: 'locality', severity: 'ok', message: `the result changed ${pct(loc.outsideChangedFraction)} of the kept pixels: the edit stayed local${scaled}`, fix: null }];
  }
  const { image, mask } = f.labels;
  const result = f.labels.result ?? 'RESULT.png';
  const seam = loc.seamDrift > SEAM_DRIFT_LEVELS ? ' --seam match' : '';
  const fixes = [`strict stitching fixes it: \`maskedit stitch ${image} ${result} --mask ${mask}${seam} -o fixed.png\` keeps every pixel outside the mask bit-identical${seam ? ` (--seam match: the colours right at the mask edge moved by ${loc.seamDrift.toFixed(1)} levels, a plain stitch would show the edge)` : ''}`];
  const out: Finding[] = [{
    step: 'locality', severity: loc.verdict === 'rewritten' ? 'error' : 'warning', code: loc.verdict === 'rewritten' ? 'TRIAGE_REWRITTEN' : 'TRIAGE_SPILLED',
    message: `the result changed ${pct(loc.outsideChangedFraction)} of the pixels outside the mask (${loc.verdict})${scaled}`,
    fix: '',
  }];
  if (loc.cropAreaFraction < 1 && loc.driftOutsideCrop >= 0.5) {
    fixes.push(`a tighter crop fixes ${pct(loc.driftOutsideCrop)} of it: \`maskedit edit ${image} --mask ${mask} --crop auto …\` sends only ${pct(loc.cropAreaFraction)} of the image, and pixels outside the crop cannot change`);
  }
  if (f.mask.editableFraction !== undefined && f.mask.editableFraction > WIDE_MASK) {
    fixes.push(`the mask covers ${pct(f.mask.editableFraction)} of the image: shrink it to what must change (\`maskedit mask ${mask} -o tight.png --shrink 8\`) and ask for less change per step`);
  }
  out[0]!.fix = fixes.join('; ');
  return out;
}

function surfaceStep(f: TriageFacts): Finding[] {
  const out: Finding[] = [];
  const { used, imageBytes, references } = f.surface;
  if (FOLLOW_UP_PATTERN.test(f.prompt) && used !== 'responses') {
    out.push({
      step: 'surface', severity: 'info', code: 'TRIAGE_ITERATIVE',
      message: 'this reads like a follow-up correction; iterative edits keep their state better in a session, and the Responses API carries the conversation',
      fix: `record the first edit with \`maskedit edit ${f.labels.image} --mask ${f.labels.mask} --prompt "…" --session DIR\`, then \`maskedit edit --continue DIR --prompt "Keep everything the same, but …"\` (add --surface responses to chain previous_response_id)`,
    });
  }
  if (imageBytes > FILE_ID_BYTES || references >= 4) {
    out.push({
      step: 'surface', severity: 'info', code: 'TRIAGE_FILE_IDS',
      message: `${imageBytes > FILE_ID_BYTES ? `the image is ${(imageBytes / 1048576).toFixed(1)} MB` : `${references} reference images`}: repeated edits re-upload it every time`,
      fix: 'upload once and reference by file id: --surface json (JSON /v1/images/edits with file_id inputs), or --surface responses for a multi-turn flow',
    });
  }
  if (!out.length) {
    out.push({ step: 'surface', severity: 'ok', message: `the ${used === 'images' ? 'direct Images API' : `${used} surface`} fits a one-shot masked edit; the guide says not to move surfaces earlier than needed`, fix: null });
  }
  return out;
}

/**
 * Runs the ordered rules over the facts.
 *
 * @example
 * triage(facts).findings.map((f) => f.step) // ['mask', 'prompt', 'fidelity', 'locality', 'surface']
 */
export function triage(facts: TriageFacts): TriageReport {
  const findings = [...maskStep(facts), ...promptStep(facts), ...fidelityStep(facts), ...localityStep(facts), ...surfaceStep(facts)];
  const first = findings.find((x) => x.severity === 'error' || x.severity === 'warning');
  return { findings, stoppedAt: first?.step ?? null };
}

/**
 * Gathers the facts for core/triage.ts from files: the mask doctor on IMAGE + MASK, the prompt linter, the
 * fidelity advisor's reading of the prompt, the spillover of `--result` (when given) and the input's size.
 *
 * @example
 * const report = await triageFiles({ image: 'photo.png', mask: 'mask.png', prompt: 'Put a flamingo in the pool.', result: 'out.png' });
 * report.stoppedAt // 'prompt'
 */
import { stat } from 'node:fs/promises';
import { adviseFidelity } from '../core/fidelity.js';
import { getModel, NEWEST_MODEL } from '../core/models.js';
import { defaultModel } from '../core/lifecycle.js';
import { lintPrompt } from '../core/prompt.js';
import { localityFacts, triage, type TriageReport } from '../core/triage.js';
import { readImageFile } from '../io/image.js';
import { checkFiles } from './check.js';

export interface TriageOptions {
  image: string;
  mask: string;
  prompt: string;
  /** The model output that went wrong (raw, any size). */
  result?: string;
  model?: string;
  /** The input_fidelity the failing request used (default: not sent, i.e. OpenAI's low). */
  fidelity?: 'low' | 'high';
  /** The surface the failing request used (default images). */
  surface?: 'images' | 'json' | 'responses';
  references?: number;
  /** Judge the model on this date: a shut-down or deprecated model is part of the diagnosis. */
  today?: string;
}

export async function triageFiles(opts: TriageOptions): Promise<TriageReport & { model: string }> {
  const model = opts.model ?? (opts.today ? defaultModel(opts.today) : NEWEST_MODEL);
  const { report, decoded } = await checkFiles(opts.image, opts.mask, { model, ...(opts.today ? { today: opts.today } : {}) });
  const promptProblems = lintPrompt(opts.prompt, { model });
  const advice = adviseFidelity({ model, prompt: opts.prompt, requested: 'auto' });
  let locality;
  if (opts.result && decoded.image && decoded.editMask && !report.problems.some((p) => p.severity === 'error')) {
    const result = await readImageFile(opts.result, { label: opts.result });
    locality = localityFacts(decoded.image.raster, result.raster, decoded.editMask, model);
  }
  const imageBytes = report.image?.bytes ?? (await stat(opts.image).catch(() => ({ size: 0 }))).size;
  const out = triage({
    labels: { image: opts.image, mask: opts.mask, ...(opts.result ? { result: opts.result } : {}) },
    prompt: opts.prompt,
    mask: { problems: report.problems, ...(report.mask?.editableFraction !== undefined ? { editableFraction: report.mask.editableFraction } : {}) },
    promptProblems,
    fidelity: { model, modelTakesFidelity: getModel(model).inputFidelity, sent: opts.fidelity, subject: advice.subject, ...(advice.matched ? { matched: advice.matched } : {}) },
    ...(locality ? { locality } : {}),
    surface: { used: opts.surface ?? 'images', imageBytes, references: opts.references ?? 0 },
  });
  return { model, ...out };
}

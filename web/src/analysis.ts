/**
 * Live checks in the browser, from the same pure `src/core` the server runs: the mask doctor's rules on the
 * painted mask, the prompt builder and linter, the fidelity advisor, the crop planner and the cost model. No
 * round trip: everything here is a function of the painted mask and the form.
 */
import { diagnose, type ImageFacts, adviseFidelity, type FidelityAdvice, type FidelityRequest, estimateCost, formatUsd, composePrompt, lintPrompt, planCrops, type Plan, parseSize, sizeProblem, getModel, type Problem } from 'maskedit/client';
import type { MaskBuffer } from './mask.js';

export interface ImageMeta {
  name: string;
  format: string;
  bytes: number;
  width: number;
  height: number;
}

/**
 * The doctor's findings for the painted mask. The studio writes the mask itself (an RGBA PNG at the image's
 * size), so format and geometry are right by construction; what is left are the alpha rules: nothing
 * editable, everything editable, probably inverted.
 */
export function maskFindings(image: ImageMeta, mask: MaskBuffer, editable: number, model: string): Problem[] {
  const facts = (f: Partial<ImageFacts>): ImageFacts => ({
    format: 'png', bytes: 0, width: image.width, height: image.height, storedWidth: image.width, storedHeight: image.height,
    orientation: 1, hasAlpha: true, ...f,
  });
  const pixels = mask.width * mask.height;
  const problems = diagnose({
    image: facts({ format: image.format, bytes: image.bytes }),
    mask: facts({}),
    alpha: { pixels, transparent: editable, partial: 0, opaque: pixels - editable, soft: editable },
    model,
    imageLabel: image.name,
    maskLabel: 'the painted mask',
  });
  // Painted strokes are PNG by construction and the studio uploads the image as it is: the format note is noise.
  // The doctor's fixes name CLI commands; here the fix is a button or a key in the studio.
  return problems.filter((p) => p.code !== 'MASK_FORMAT_DIFFERS').map((p) => ({
    ...p,
    ...(p.code === 'MASK_NOTHING_EDITABLE' ? { message: 'nothing is painted yet, so nothing would be edited' } : {}),
    ...(STUDIO_FIXES[p.code] ? { fix: STUDIO_FIXES[p.code]! } : {}),
  }));
}

const STUDIO_FIXES: Record<string, string> = {
  MASK_NOTHING_EDITABLE: 'paint the area to change with the brush (B), a rectangle (R) or the lasso (L)',
  MASK_LIKELY_INVERTED: 'if the painted part is what should stay, press Invert (I)',
  MASK_ALL_EDITABLE: 'fine for a full regeneration; otherwise erase (E) what should stay, or Clear and paint only the change',
};

export interface PromptParts {
  scene: string;
  change: string;
  preserve: string;
}

export interface PromptView {
  text: string;
  problems: Problem[];
}

/**
 * The prompt the studio sends and its lint. The builder always closes with "Do not change anything else.",
 * which the linter counts as a preserve sentence, so a change with no description of the final image would
 * pass; the user's own words (scene + change) are linted for that case before the builder's additions.
 *
 * @example
 * promptView({ scene: '', change: 'remove the chair', preserve: '' }, 'gpt-image-1.5').problems[0]?.code // 'PROMPT_HOLE_ONLY'
 */
export function promptView(parts: PromptParts, model: string): PromptView {
  // The model's limit counts the whole prompt sent: composePrompt leaves the closing sentence out (and says so)
  // rather than build a prompt over it.
  const composed = composePrompt({ scene: parts.scene, change: parts.change, preserve: parts.preserve }, { model });
  const text = composed.text;
  const own = [parts.scene, parts.change].map((s) => s.trim()).filter(Boolean).join('. ');
  const holeOnly = own ? lintPrompt(own, { model }).filter((p) => p.code === 'PROMPT_HOLE_ONLY') : [];
  return {
    text,
    problems: [
      ...composed.problems,
      ...holeOnly.map((p) => ({ ...p, fix: 'describe the whole picture after the edit in "The full final image", e.g. "A sunlit lounge with a pool and an empty tiled floor"' })),
      ...lintPrompt(text, { model }).filter((p) => !holeOnly.length || p.code !== 'PROMPT_HOLE_ONLY'),
    ],
  };
}

export function fidelityView(model: string, prompt: string, requested: FidelityRequest): FidelityAdvice {
  return adviseFidelity({ model, prompt, requested });
}

export interface PlanView {
  plan: Plan | null;
  error: string | null;
  /** Dollars for the same request on OpenAI, summed over the crops. */
  usd: number | null;
  summary: string;
  notes: string[];
}

/**
 * What `edit()` will send: the crop plan (or the whole image when a size is forced), and its cost.
 *
 * @example
 * planView(meta, mask, { model: 'gpt-image-1.5', size: 'auto', quality: 'medium', fidelity: 'low', prompt }).summary
 */
export function planView(image: ImageMeta, mask: MaskBuffer, o: { model: string; size: string; quality: string; fidelity: 'low' | 'high' | undefined; prompt: string; partialImages: number }): PlanView {
  let plan: Plan;
  const forced = o.size && o.size !== 'auto' ? o.size : undefined;
  try {
    if (forced) {
      const problem = sizeProblem(getModel(o.model), forced);
      if (problem) return { plan: null, error: problem, usd: null, summary: '', notes: [] };
    }
    plan = planCrops(image, mask, o.model, { mode: forced ? 'whole' : 'crop' });
  } catch (e) {
    return { plan: null, error: e instanceof Error ? e.message : String(e), usd: null, summary: '', notes: [] };
  }
  if (forced) {
    const s = parseSize(forced)!;
    plan = { ...plan, crops: plan.crops.map((c) => ({ ...c, sendWidth: s.width, sendHeight: s.height })) };
  }
  let usd = 0;
  const notes = new Set<string>();
  for (const c of plan.crops) {
    const e = estimateCost({
      model: o.model, size: `${c.sendWidth}x${c.sendHeight}`, quality: o.quality,
      ...(o.fidelity ? { inputFidelity: o.fidelity } : {}), partialImages: o.partialImages,
      inputImages: [{ width: c.sendWidth, height: c.sendHeight }], promptChars: [...o.prompt].length,
    });
    usd += e.usd;
    for (const n of e.notes) notes.add(n);
  }
  const crops = plan.crops.map((c) => `${c.width}×${c.height} → ${c.sendWidth}×${c.sendHeight}`).join(', ');
  const summary = `${plan.mode === 'crop' ? `${plan.crops.length} crop${plan.crops.length > 1 ? 's' : ''}` : 'whole image'}: ${crops}`;
  return { plan, error: null, usd, summary, notes: [...notes] };
}

export { formatUsd };

/**
 * The `input_fidelity` advisor: the mask edit guide's table as code. The mask controls *where* the model edits;
 * `input_fidelity="high"` controls how hard it works to preserve detail from the inputs, at the price of more
 * image input tokens (about 4160 per square image, 6240 non-square). The guide's rule:
 *
 * | situation                                         | advice |
 * |---------------------------------------------------|--------|
 * | replace a simple object in a casual scene          | low (the default; the mask handles location) |
 * | add or restyle something near a face               | high (identity drift is expensive) |
 * | place a logo on packaging, clothing or signage     | high |
 * | edit a branded product hero shot                   | high |
 * | text / layout-sensitive details                    | high |
 *
 * The subject comes from `--subject` or, failing that, from words in the prompt ({@link SUBJECT_WORDS}).
 * Models without the parameter (the 2.x models, gpt-image-1-mini, dall-e-2 — registry `params.input_fidelity`)
 * get no value and, when the user asked for one, a MODEL_NO_INPUT_FIDELITY warning: maskedit never sends it to
 * them (the API would answer 400 `invalid_input_fidelity_model`). For a detail-critical subject the advice says
 * what helps instead on that model: the preserve list, `--markup auto` where the model takes markup, xhigh
 * quality where it exists, and a tight crop.
 *
 * @example
 * adviseFidelity({ model: 'gpt-image-1.5', prompt: 'Add sunglasses to her face.' }).value // 'high'
 */
import { getModel, type ImageModel } from './models.js';
import type { Problem } from './problems.js';

export type Subject = 'face' | 'logo' | 'product' | 'text' | 'scene';
export const SUBJECTS: readonly Subject[] = ['face', 'logo', 'product', 'text', 'scene'];
export type FidelityRequest = 'auto' | 'low' | 'high';

export interface FidelityInput {
  model: string;
  prompt?: string;
  subject?: Subject;
  /** What the user asked for; `auto` (or nothing) lets the advisor decide. */
  requested?: FidelityRequest;
}

export interface FidelityAdvice {
  /** What to send; undefined = do not send `input_fidelity` at all. */
  value: 'low' | 'high' | undefined;
  reason: string;
  problems: Problem[];
  /** The subject the advice is based on, and the prompt word that gave it away (if any). */
  subject: Subject;
  matched?: string;
  /** On models without input_fidelity: what preserves detail instead (preserve list, markup, a tight crop). */
  instead?: string[];
}

/** What keeps detail on a model without input_fidelity, from what the registry says it takes. */
export function insteadOfFidelity(model: ImageModel): string[] {
  return [
    'a preserve list (--preserve)',
    ...(model.params.markup ? ['--markup auto (an outline and pointer at the mask)'] : []),
    ...(model.params.quality?.includes('xhigh') ? ['--quality xhigh'] : []),
    'a tight crop (--crop auto, the default)',
  ];
}

/**
 * Words that reveal a detail-critical subject, in priority order (faces first: identity drift is the most
 * expensive). Matched as whole words, case-insensitively. Ambiguous words are left out on purpose: "can"
 * (modal verb), "box" (any container), "sign" (verb), "face" as in "south-facing" is avoided by whole-word
 * matching.
 */
export const SUBJECT_WORDS: Readonly<Record<Exclude<Subject, 'scene'>, readonly string[]>> = {
  face: ['face', 'faces', 'facial', 'portrait', 'portraits', 'headshot', 'selfie', 'person', 'people', 'man', 'men', 'woman', 'women',
    'child', 'children', 'kid', 'kids', 'baby', 'boy', 'girl', 'bride', 'groom', 'identity', 'eyes', 'smile'],
  logo: ['logo', 'logos', 'logotype', 'wordmark', 'emblem', 'trademark', 'brand', 'branding', 'monogram'],
  product: ['product', 'products', 'packaging', 'package', 'label', 'labels', 'bottle', 'bottles', 'jar', 'carton', 'pouch',
    'wrapper', 'branded', 'sneaker', 'sneakers', 'perfume', 'cosmetics'],
  text: ['text', 'lettering', 'typography', 'font', 'caption', 'headline', 'title', 'signage', 'signboard', 'poster', 'menu',
    'words', 'letters', 'writing', 'layout', 'chart', 'diagram', 'infographic'],
};

const WHY: Record<Subject, string> = {
  face: 'faces: identity drift is expensive and the guide names faces as the main preservation case',
  logo: 'logos: the mask gives the position, fidelity keeps the logo recognisable',
  product: 'packaging and branded products: geometry, reflections and labels must stay the same object',
  text: 'text and layout-sensitive details: letters and alignment drift at low fidelity',
  scene: 'a simple replacement in a casual scene: the mask handles location and the rest is not detail-critical',
};

/** The detail-critical subject a prompt mentions, with the word that matched; `scene` when none. */
export function subjectFromPrompt(prompt: string | undefined): { subject: Subject; matched?: string } {
  const words = new Set((prompt ?? '').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []);
  for (const subject of ['face', 'logo', 'product', 'text'] as const) {
    const hit = SUBJECT_WORDS[subject].find((w) => words.has(w));
    if (hit) return { subject, matched: hit };
  }
  return { subject: 'scene' };
}

/**
 * Advice for `input_fidelity`, with the reason in words.
 *
 * @example
 * adviseFidelity({ model: 'gpt-image-2', requested: 'high' })
 * // { value: undefined, problems: [{ code: 'MODEL_NO_INPUT_FIDELITY', … }], … }
 */
export function adviseFidelity(input: FidelityInput): FidelityAdvice {
  const model = getModel(input.model);
  const fromPrompt = input.subject ? { subject: input.subject } : subjectFromPrompt(input.prompt);
  const subject = fromPrompt.subject;
  const matched = 'matched' in fromPrompt ? fromPrompt.matched : undefined;
  const advised: 'low' | 'high' = subject === 'scene' ? 'low' : 'high';
  const basis = input.subject ? `--subject ${subject}` : matched ? `the prompt mentions "${matched}"` : 'the prompt names no face, logo, product or text';
  const requested = input.requested ?? 'auto';

  if (!model.inputFidelity) {
    // No input_fidelity (the 2.x models, mini, dall-e-2): say what preserves detail on this model instead.
    const instead = insteadOfFidelity(model);
    const problems: Problem[] = requested === 'auto' ? [] : [{
      code: 'MODEL_NO_INPUT_FIDELITY', severity: 'warning',
      message: `${model.id} does not take input_fidelity; received --fidelity ${requested}, which will not be sent`,
      fix: `drop --fidelity; on ${model.id} detail is kept by ${instead.join(', ')}`,
    }];
    const tip = subject === 'scene' ? '' : `; for ${WHY[subject].split(':')[0]}, keep detail with ${instead.join(', ')}`;
    return { value: undefined, reason: `${model.id} has no input_fidelity parameter, so none is sent (${basis})${tip}`, problems, subject, instead, ...(matched ? { matched } : {}) };
  }
  if (requested !== 'auto') {
    const agree = requested === advised;
    const reason = agree
      ? `you asked for ${requested}, which matches the advice for ${WHY[subject]} (${basis})`
      : `you asked for ${requested}; the advice would be ${advised} for ${WHY[subject]} (${basis})`;
    return { value: requested, reason, problems: [], subject, ...(matched ? { matched } : {}) };
  }
  const cost = advised === 'high' ? '; it costs about 4160 extra input tokens per square image (6240 non-square)' : '';
  return { value: advised, reason: `${advised} for ${WHY[subject]} (${basis})${cost}`, problems: [], subject, ...(matched ? { matched } : {}) };
}

/**
 * Prompt builder and linter for masked edits, following the mask edit guide: "describe the full new image, not
 * only the erased area" — the prompt names the full final image, the one change, what must stay, and ends with
 * "Do not change anything else."
 *
 * The linter's heuristics are deliberately simple and documented so users can predict them (docs/prompt.md):
 * - a prompt is split into sentences (`.`, `!`, `?` followed by space, or a line break) and each sentence into
 *   clauses (`;`, `,` and the connectors `and`, `then`, `but`, `also`, `plus`);
 * - a clause is a **change** when its first word (after fillers such as "please", "just", "only", "then") is an
 *   edit verb from {@link EDIT_VERBS};
 * - a sentence is a **preserve** sentence when it matches {@link PRESERVE_PATTERN} (preserve, keep, maintain,
 *   retain, unchanged, intact, "do not change/alter/redesign …", "leave … as is", "the same");
 * - a sentence that is neither a change nor a preserve sentence describes the **scene**.
 *
 * @example
 * buildPrompt({ scene: 'A sunlit lounge with a pool containing a flamingo', preserve: 'the walls; the reflections' })
 * // 'A sunlit lounge with a pool containing a flamingo. Preserve the walls and the reflections. Do not change anything else.'
 */
import { getModel } from './models.js';
import type { Problem } from './problems.js';

export interface PromptParts {
  /** The full final image, change included ("A sunlit lounge with a pool containing a flamingo"). */
  scene?: string;
  /** The one change ("Add a flamingo floating in the pool"). */
  change?: string;
  /** What must stay: an array, or one string separated by `;` (or new lines). */
  preserve?: string[] | string;
  /** A whole prompt written by the user; `preserve` items it does not mention yet are added to it. */
  prompt?: string;
}

/** The closing sentence the guide recommends; added unless the prompt already says it in its own words. */
export const DO_NOT_CHANGE = 'Do not change anything else.';

/**
 * Verbs that start a change request. Imperative edit verbs from the guide's examples ("Put …", "Replace …",
 * "enlarge …") and the usual inpainting vocabulary. Words that are also nouns in scene descriptions ("light",
 * "paint" as in "fresh paint") are avoided or only counted at the start of a clause.
 */
export const EDIT_VERBS: readonly string[] = [
  'add', 'put', 'place', 'insert', 'include', 'draw', 'paint', 'write', 'show',
  'remove', 'erase', 'delete', 'hide', 'eliminate',
  'replace', 'swap', 'substitute', 'exchange',
  'change', 'turn', 'make', 'convert', 'transform', 'recolor', 'recolour', 'restyle', 'redo', 'redesign',
  'move', 'shift', 'rotate', 'flip', 'resize', 'enlarge', 'shrink', 'extend', 'widen', 'lengthen', 'shorten',
  'fill', 'give', 'fix', 'repair', 'brighten', 'darken', 'blur', 'sharpen',
];

/** Words that may precede the verb of a change clause without making it something else. */
const FILLERS = new Set(['please', 'just', 'only', 'then', 'also', 'now', 'and', 'but', 'plus', 'next', 'finally', 'first', 'second', 'lastly', 'simply', 'kindly', 'so']);

/** Phrases that state what must stay. */
export const PRESERVE_PATTERN = /\b(preserve[sd]?|preserving|keep(s|ing)?|kept|maintain(s|ing)?|retain(s|ing)?|unchanged|untouched|intact|as[ -]is|the same|leave\b[^.]*\b(alone|as)\b|(do not|don't|dont|never|without) (change|changing|alter|altering|modify|modifying|touch|touching|redesign|redesigning|move|moving|edit|editing|rewrite|rewriting|affect|affecting|redraw|redrawing))\b/i;

/** A closing that keeps "everything else" without naming anything: it cannot stand in for a description. */
export const GENERIC_PRESERVE = /^(please\s+)?((do not|don't|dont|never)\s+(change|alter|modify|touch)\s+anything\s+else|keep\s+everything\s+else(\s+(the\s+same|unchanged|as[ -]is))?|leave\s+everything\s+else\s+(unchanged|as[ -]is|alone))[.!]?$/i;

/** Sentences at most this many words long, made only of change clauses, are "hole only". */
export const HOLE_ONLY_MAX_WORDS = 20;

/**
 * Splits a preserve list: `"the walls; the reflections"` → `['the walls', 'the reflections']`. Items are
 * separated by `;` or new lines (commas stay inside an item: "the bottle's cap, glass and label" is one item).
 *
 * @example
 * parsePreserve('the room; lighting;; camera angle ') // ['the room', 'lighting', 'camera angle']
 */
export function parsePreserve(list: string | readonly string[] | undefined): string[] {
  if (list === undefined) return [];
  const parts = typeof list === 'string' ? list.split(/[;\n]/) : list.flatMap((s) => s.split(/[;\n]/));
  const out: string[] = [];
  for (const raw of parts) {
    const item = raw.trim().replace(/[.!]+$/, '').trim();
    if (item && !out.some((o) => o.toLowerCase() === item.toLowerCase())) out.push(item);
  }
  return out;
}

/**
 * One prompt from its parts: scene, change, "Preserve a, b and c.", "Do not change anything else." A user's
 * whole `prompt` comes first; preserve items it already mentions are not repeated, and the closing sentence is
 * not added when it already says "do not change …" or "keep everything else …". Returns '' when every part
 * is empty (the linter reports PROMPT_EMPTY).
 *
 * @example
 * buildPrompt({ prompt: 'A lounge with a flamingo. Preserve the walls.', preserve: 'the walls; the tiles' })
 * // 'A lounge with a flamingo. Preserve the walls. Preserve the tiles. Do not change anything else.'
 */
export function buildPrompt(parts: PromptParts): string {
  const { own, closing } = promptSentences(parts);
  return closing ? `${own} ${DO_NOT_CHANGE}` : own;
}

/** The user's parts as sentences, and whether maskedit's closing sentence belongs after them. */
function promptSentences(parts: PromptParts): { own: string; closing: boolean } {
  const sentences = [parts.prompt, parts.scene, parts.change].map((s) => sentence(s ?? '')).filter(Boolean);
  const base = sentences.join(' ');
  const lower = base.toLowerCase();
  const items = parsePreserve(parts.preserve).filter((item) => !lower.includes(item.toLowerCase()));
  if (items.length) sentences.push(`Preserve ${joinList(items)}.`);
  return { own: sentences.join(' '), closing: sentences.length > 0 && !saysNothingElse(base) };
}

/** A prompt built for one model: the text to send and what maskedit did to keep it within the model's limit. */
export interface ComposedPrompt {
  /** The prompt to send. */
  text: string;
  /** Characters of `text` that maskedit added on its own (the closing sentence), 0 when it added none. */
  added: number;
  /** PROMPT_CLOSING_DROPPED when the closing sentence was left out to stay within the limit. */
  problems: Problem[];
}

/**
 * {@link buildPrompt} for a model with a prompt limit. The limit applies to the whole prompt sent, maskedit's
 * closing sentence included, so a prompt that fits only without the closing is sent without it, with a
 * PROMPT_CLOSING_DROPPED warning; maskedit never sends more than the limit and never cuts the user's words. A
 * prompt whose own text is over the limit keeps its own length (the linter's PROMPT_TOO_LONG reports it).
 *
 * @example
 * composePrompt({ prompt: 'x'.repeat(32000) }, { model: 'gpt-image-2' }).problems[0].code // 'PROMPT_CLOSING_DROPPED'
 */
export function composePrompt(parts: PromptParts, opts: LintOptions = {}): ComposedPrompt {
  const model = getModel(opts.model);
  const { own, closing } = promptSentences(parts);
  if (!closing) return { text: own, added: 0, problems: [] };
  const full = `${own} ${DO_NOT_CHANGE}`;
  const ownChars = codePoints(own);
  const fullChars = codePoints(full);
  if (fullChars <= model.maxPromptChars) return { text: full, added: fullChars - ownChars, problems: [] };
  if (ownChars > model.maxPromptChars) return { text: own, added: 0, problems: [] };
  return {
    text: own,
    added: 0,
    problems: [{
      code: 'PROMPT_CLOSING_DROPPED', severity: 'warning',
      message: `maskedit left out its closing sentence "${DO_NOT_CHANGE}": with it the prompt would be ${fullChars} characters, over ${model.id}'s limit of ${model.maxPromptChars} for the whole prompt sent; your ${ownChars} characters are sent as written`,
      fix: `to keep the closing, cut your prompt to ${model.maxPromptChars - (fullChars - ownChars)} characters, or end it with your own "keep everything else the same" sentence`,
    }],
  };
}

function codePoints(text: string): number {
  return [...text].length;
}

/** Trims, collapses whitespace, capitalises the first letter and ends with a full stop. */
function sentence(s: string): string {
  const t = s.trim().replace(/\s+/g, ' ');
  if (!t) return '';
  const cap = t[0]!.toUpperCase() + t.slice(1);
  return /[.!?]["')\]]?$/.test(cap) ? cap : `${cap}.`;
}

function joinList(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** "Do not change anything else", "don't alter the rest", "keep everything else the same", … */
function saysNothingElse(text: string): boolean {
  return /\b(do not|don't|dont|never)\b[^.]*\b(anything else|everything else|the rest|any other|nothing else)\b/i.test(text)
    || /\b(keep|preserve|leave)\b[^.]*\b(everything else|the rest|all else)\b/i.test(text);
}

// ---------------------------------------------------------------------------------------------------------
// Linter

export interface LintOptions {
  /** Model id for the length limit (registry `maxPromptChars`); default gpt-image-1.5. */
  model?: string;
}

/** What the linter saw, exported for the CLI's --json and for tests. */
export interface PromptAnalysis {
  chars: number;
  words: number;
  sentences: string[];
  /** Change clauses in order ("Put a flamingo in the pool"). */
  changes: string[];
  /** Sentences that say what must stay. */
  preserves: string[];
  /** Sentences that describe the picture. */
  scene: string[];
}

export function splitSentences(text: string): string[] {
  return text
    .split(/(?<=[.!?])["')\]]?\s+|\n+/)
    .map((s) => s.trim())
    .filter((s) => /[\p{L}\p{N}]/u.test(s));
}

function words(text: string): string[] {
  return text.match(/[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu) ?? [];
}

/** Clauses split at `;`, `,`, `:` and the connectors and/then/but/also/plus. */
function clauses(s: string): string[] {
  return s
    .split(/[;,:]\s*|\s+(?=(?:and|then|but|also|plus)\b)/i)
    .map((c) => c.trim())
    .filter(Boolean);
}

/** The change a clause asks for, or null when it does not start with an edit verb. */
function changeOf(clause: string): string | null {
  const w = words(clause).map((x) => x.toLowerCase());
  let i = 0;
  while (i < w.length && FILLERS.has(w[i]!)) i++;
  const verb = w[i];
  if (!verb || !EDIT_VERBS.includes(verb)) return null;
  // "make sure the lighting matches" is an instruction about quality, not a change.
  if (verb === 'make' && w[i + 1] === 'sure') return null;
  // Report the change from its verb on: "but enlarge the logo" → "enlarge the logo".
  const start = clause.search(new RegExp(`\\b${verb}\\b`, 'i'));
  return clause.slice(Math.max(0, start)).replace(/[.!?]+$/, '');
}

/**
 * Classifies a prompt's sentences into scene, changes and preserve statements (the rules in the file header).
 *
 * @example
 * analyzePrompt('Put a flamingo in the pool.').changes // ['Put a flamingo in the pool']
 */
export function analyzePrompt(text: string): PromptAnalysis {
  const sentences = splitSentences(text);
  const changes: string[] = [];
  const preserves: string[] = [];
  const scene: string[] = [];
  for (const s of sentences) {
    const isPreserve = PRESERVE_PATTERN.test(s);
    // Preserve sentences can carry one change ("Keep everything the same, but enlarge the logo slightly."),
    // but their negated verbs ("do not change …") are never changes: changeOf only reads clause-initial verbs.
    const found = clauses(s).map(changeOf).filter((c): c is string => c !== null);
    changes.push(...found);
    if (isPreserve) preserves.push(s);
    else if (!found.length) scene.push(s);
  }
  return { chars: [...text].length, words: words(text).length, sentences, changes, preserves, scene };
}

const SHAPE = 'A <the whole final image, change included>. Preserve <what must stay: subject, lighting, reflections, camera angle>. Do not change anything else.';

/**
 * Problems with a prompt for a masked edit, each with a fix showing a better shape. Codes:
 * PROMPT_EMPTY (error), PROMPT_TOO_LONG (error; the model's limit), PROMPT_HOLE_ONLY, PROMPT_NO_PRESERVE,
 * PROMPT_MULTIPLE_CHANGES (warnings). PROMPT_NO_PRESERVE is not repeated when PROMPT_HOLE_ONLY already fires
 * (its fix includes the preserve list).
 *
 * @example
 * lintPrompt('Put a flamingo in the pool.').map((p) => p.code) // ['PROMPT_HOLE_ONLY']
 */
export function lintPrompt(text: string, opts: LintOptions = {}): Problem[] {
  const model = getModel(opts.model);
  const trimmed = text.trim();
  if (!trimmed) {
    return [{
      code: 'PROMPT_EMPTY', severity: 'error',
      message: 'the prompt is empty; a masked edit needs a description of the final image',
      fix: `write the full final image and what must stay, e.g. \`maskedit prompt --scene "A sunlit lounge with a pool containing a flamingo" --preserve "the walls; the reflections"\``,
    }];
  }
  const problems: Problem[] = [];
  const a = analyzePrompt(trimmed);
  if (a.chars > model.maxPromptChars) {
    problems.push({
      code: 'PROMPT_TOO_LONG', severity: 'error',
      message: `the prompt is ${a.chars} characters; ${model.id} takes at most ${model.maxPromptChars}, counted over the whole prompt sent (scene, change, preserve list and any closing sentence)`,
      fix: `cut it to ${model.maxPromptChars} characters: keep one sentence for the final image, one change and a short preserve list`,
    });
  }
  // A bare closing ("Do not change anything else.", which buildPrompt itself appends) names nothing to keep, so
  // it does not rescue a prompt that only names the change.
  const specific = a.preserves.filter((x) => !GENERIC_PRESERVE.test(x));
  const ownWords = a.words - a.preserves.filter((x) => GENERIC_PRESERVE.test(x)).reduce((n, x) => n + words(x).length, 0);
  const holeOnly = a.changes.length > 0 && a.scene.length === 0 && specific.length === 0 && ownWords <= HOLE_ONLY_MAX_WORDS;
  if (holeOnly) {
    problems.push({
      code: 'PROMPT_HOLE_ONLY', severity: 'warning',
      message: `the prompt only names the change (${quote(a.changes.join('; '))}); GPT image edits rewrite the whole picture, so describe the full final image`,
      fix: `describe the whole result and what stays: "${SHAPE}" — or build it: \`maskedit prompt --scene "…the whole final image…" --change ${JSON.stringify(a.changes[0] ?? trimmed)} --preserve "…; …"\``,
    });
  }
  if (!holeOnly && a.preserves.length === 0) {
    problems.push({
      code: 'PROMPT_NO_PRESERVE', severity: 'warning',
      message: 'the prompt does not say what must stay unchanged (no preserve/keep/"do not change" sentence)',
      fix: `add a preserve list and a closing sentence: "… Preserve <the room, lighting, reflections, camera angle>. ${DO_NOT_CHANGE}" (\`--preserve "a; b"\` adds it)`,
    });
  }
  if (a.changes.length > 1) {
    problems.push({
      code: 'PROMPT_MULTIPLE_CHANGES', severity: 'warning',
      message: `the prompt asks for ${a.changes.length} changes (${a.changes.map(quote).join(', ')}); one change per edit drifts less`,
      fix: `edit once per change: keep ${quote(a.changes[0]!)} in this prompt and run the others as follow-up edits ("Keep everything the same, but …")`,
    });
  }
  return problems;
}

function quote(s: string): string {
  const t = s.length > 60 ? `${s.slice(0, 57)}…` : s;
  return `"${t}"`;
}

/**
 * The registry judged on a date. A model is `active` until OpenAI announces its deprecation, `deprecated` from
 * the notice until the day before its shutdown date, and `shutdown` from the shutdown date on (OpenAI: "At the
 * time of the shut down, the model … will no longer be accessible" — developers.openai.com/api/docs/deprecations).
 *
 * The date is a `YYYY-MM-DD` string the entry points pass down (the clock, or `MASKEDIT_TODAY`); nothing here
 * reads a clock, so every answer is reproducible.
 *
 * @example
 * modelStatus('gpt-image-1.5', '2026-11-20') // 'deprecated'
 * defaultModel('2026-11-30')                 // 'gpt-image-2.6-sunburst'
 * lifecycleProblems('gpt-image-1.5', '2026-12-02')[0]?.code // 'MODEL_SHUT_DOWN'
 */
import { MaskeditError } from './errors.js';
import { findModel, MODELS, modelIds, type ImageModel } from './models.js';
import type { Problem } from './problems.js';

export type ModelStatus = 'active' | 'deprecated' | 'shutdown';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar date written YYYY-MM-DD. */
export function isIsoDate(s: string): boolean {
  const m = DATE.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

/**
 * Validates a date for judging the registry (`MASKEDIT_TODAY`); throws TODAY_INVALID naming the expected form.
 *
 * @example
 * parseToday('2026-12-02', 'MASKEDIT_TODAY') // '2026-12-02'
 */
export function parseToday(value: string, label = 'MASKEDIT_TODAY'): string {
  if (!isIsoDate(value)) {
    throw new MaskeditError('TODAY_INVALID', `${label} must be a date written YYYY-MM-DD, received ${JSON.stringify(value)}`,
      `set ${label}=2026-12-02 (or unset it to judge models on today's date)`);
  }
  return value;
}

/** The UTC calendar date of an instant, YYYY-MM-DD (the entry points pass `new Date()`). */
export function isoDate(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** Whole days from `from` to `to` (both YYYY-MM-DD). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** The status of a registry entry on `today`. */
export function statusOf(model: ImageModel, today: string): ModelStatus {
  const { deprecated, shutdown } = model.lifecycle;
  if (shutdown !== null && today >= shutdown) return 'shutdown';
  if (deprecated !== null && today >= deprecated) return 'deprecated';
  return 'active';
}

/**
 * The models that answer on a date: released by then and not shut down (deprecated ones still answer). What the
 * server lists and names in "Supported values", so a date in the past never offers a model from its future.
 */
export function servedModels(today: string): ImageModel[] {
  return MODELS.filter((m) => m.lifecycle.released <= today && statusOf(m, today) !== 'shutdown');
}

/** {@link servedModels} without the deprecated ones: the models to suggest and to check parameters against. */
export function activeModels(today: string): ImageModel[] {
  return servedModels(today).filter((m) => statusOf(m, today) === 'active');
}

/** The status of a model id (snapshots and aliases resolved), or undefined when maskedit does not know it. */
export function modelStatus(id: string, today: string): ModelStatus | undefined {
  const m = findModel(id);
  return m ? statusOf(m, today) : undefined;
}

/**
 * The default model on a date: the newest active model recommended for edits (registry `recommendedForEdits`;
 * ties go to registry order). Never a deprecated or shut-down model while any recommended one is active.
 *
 * Why sunburst and not flare: a masked photo edit must keep the detail around the hole (texture, faces, text);
 * OpenAI describes sunburst as the model for detailed work and flare for fast iteration. Pick flare with --model
 * when speed matters more than detail.
 */
export function defaultModel(today: string): string {
  // Only models already released on the date (a date in the past must not pick a model from its future).
  const out = MODELS.filter((m) => m.lifecycle.released <= today);
  const candidates = out.filter((m) => m.recommendedForEdits && statusOf(m, today) === 'active');
  const pool = candidates.length ? candidates : out.filter((m) => statusOf(m, today) !== 'shutdown');
  let best = pool[0] ?? MODELS[0]!;
  for (const m of pool) if (m.lifecycle.released > best.lifecycle.released) best = m;
  return best.id;
}

/**
 * The replacements of a model that are live on the date, following replacement chains (gpt-image-1 →
 * gpt-image-1.5 → gpt-image-2.6-sunburst). Falls back to the default model when the chain ends in retired ids.
 */
export function liveReplacements(id: string, today: string): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const walk = (mid: string) => {
    const m = findModel(mid);
    if (!m || seen.has(m.id)) return;
    seen.add(m.id);
    for (const r of m.lifecycle.replacements) {
      const rm = findModel(r);
      if (!rm) continue;
      if (statusOf(rm, today) === 'active' && rm.lifecycle.released <= today) { if (!out.includes(rm.id)) out.push(rm.id); } else walk(rm.id);
    }
  };
  walk(id);
  return out.length ? out : [defaultModel(today)];
}

/** Known ids (with snapshots and aliases) closest to `id` by edit distance, nearest first. */
export function closestModels(id: string, max = 3): string[] {
  const scored = modelIds({ withAliases: true }).map((k) => ({ k, d: editDistance(id.toLowerCase(), k) }));
  scored.sort((a, b) => a.d - b.d || a.k.localeCompare(b.k));
  return scored.slice(0, max).map((s) => s.k);
}

/** Levenshtein distance; used for "did you mean" suggestions (model ids here, options and commands in the CLI). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = row;
  }
  return prev[b.length]!;
}

/** The codes {@link lifecycleProblems} raises (rows of src/core/codes.ts). */
export type LifecycleCode = 'MODEL_UNKNOWN' | 'MODEL_DEPRECATED' | 'MODEL_SHUT_DOWN';

/**
 * What the user must hear about a model on a date: nothing (active), MODEL_DEPRECATED (warning: shutdown date,
 * days left, the replacement flag), MODEL_SHUT_DOWN (error: nothing may be sent) or MODEL_UNKNOWN (warning:
 * the closest known ids; the id is sent as given, since new models appear before the data knows them).
 *
 * @example
 * lifecycleProblems('gpt-image-1.5', '2026-11-20')[0]!.message
 * // 'gpt-image-1.5 is deprecated: OpenAI shuts it down on 2026-12-01 (in 11 days); …'
 */
export function lifecycleProblems(id: string, today: string): Problem<LifecycleCode>[] {
  const m = findModel(id);
  if (!m) {
    const close = closestModels(id);
    return [{
      code: 'MODEL_UNKNOWN', severity: 'warning',
      message: `model ${JSON.stringify(id)} is not in maskedit's registry (data read ${latestReadOn()}); it is sent as given and checked with ${findModel(defaultModel(today))!.id}'s rules; closest known: ${close.join(', ')}`,
      fix: `check the spelling (did you mean --model ${close[0]}?), or run \`maskedit models --refresh\` to see what the API lists`,
    }];
  }
  const status = statusOf(m, today);
  if (status === 'active') return [];
  const repl = liveReplacements(m.id, today);
  const flag = `--model ${repl[0]}`;
  const alias = m.id === id ? id : `${id} (${m.id})`;
  if (status === 'shutdown') {
    return [{
      code: 'MODEL_SHUT_DOWN', severity: 'error',
      message: `${alias} was shut down on ${m.lifecycle.shutdown} (judged on ${today}); OpenAI no longer accepts it, so nothing was sent`,
      fix: `use ${flag}${repl.length > 1 ? ` (or ${repl.slice(1).map((r) => `--model ${r}`).join(', ')})` : ''}`,
    }];
  }
  const days = daysBetween(today, m.lifecycle.shutdown!);
  return [{
    code: 'MODEL_DEPRECATED', severity: 'warning',
    message: `${alias} is deprecated: OpenAI shuts it down on ${m.lifecycle.shutdown} (in ${days} day${days === 1 ? '' : 's'}, judged on ${today})`,
    fix: `move to ${flag}${repl.length > 1 ? ` (or ${repl.slice(1).map((r) => `--model ${r}`).join(', ')})` : ''} before ${m.lifecycle.shutdown}`,
  }];
}

/**
 * Throws MODEL_SHUT_DOWN (a MaskeditError) when the model is shut down on the date; returns the warnings
 * otherwise. Call it before anything is sent.
 */
export function assertModelLive(id: string, today: string): Problem[] {
  const problems = lifecycleProblems(id, today);
  const dead = problems.find((p) => p.code === 'MODEL_SHUT_DOWN');
  if (dead) throw new MaskeditError(dead.code, dead.message, dead.fix);
  return problems;
}

function latestReadOn(): string {
  return MODELS.reduce((a, m) => (m.readOn > a ? m.readOn : a), '');
}

/**
 * Iterative sessions: the guide's "ask for one correction at a time" as a folder. Each edit step is recorded
 * in `DIR/step-NNN/` (the input and mask it was given, the output, the report) and listed in
 * `DIR/manifest.json` with its prompt, options and the Responses `responseId`; the next correction starts from
 * the last step's output, with its mask, and on the responses surface chains `previous_response_id`. Undo
 * drops the last step. Every file is written atomically and the manifest last, so an interrupted step leaves
 * the session as it was.
 *
 * @example
 * await recordStep('sess', { image: 'photo.png', mask: 'mask.png', prompt, options: { surface: 'responses' }, result });
 * const next = await continuation('sess'); // { image: 'sess/step-001/output.png', mask: …, previousResponseId: 'resp_…' }
 * await undoStep('sess');
 */
import { lstat, rm, stat } from 'node:fs/promises';
import { readRegularFile } from '../io/safe-read.js';
import { join, resolve } from 'node:path';
import { MaskeditError } from '../core/errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { encodeImage, readInputFile, sniffFormat } from '../io/image.js';
import type { EditResult } from './edit.js';
import { reportJson } from './write.js';

export const MANIFEST = 'manifest.json';

export interface SessionStep {
  /** 1-based; after an undo the next step takes the freed number. */
  index: number;
  createdAt: string;
  /** Files of the step, relative to the session folder. */
  input: string;
  mask: string;
  output: string;
  report: string;
  /** Where the input and mask came from (the user's paths, or the previous step's files). */
  source: { image: string; mask: string };
  prompt: string;
  /** The flags that shaped the edit; a continue reuses them unless overridden. */
  options: Record<string, unknown>;
  provider: string;
  surface: string;
  model: string;
  /** Responses surface: the id a follow-up chains from. */
  responseId?: string;
  finalOutsideChangedPixels: number;
  /** Share of kept pixels the raw model output changed, and its verdict. */
  rawOutsideChangedFraction: number;
  verdict: string;
}

export interface SessionManifest {
  version: 1;
  steps: SessionStep[];
}

export interface RecordInput {
  /** Path or bytes of the image this step edited, and of its mask. */
  image: string | Uint8Array;
  mask: string | Uint8Array;
  prompt: string;
  options?: Record<string, unknown>;
  result: EditResult;
}

export interface Continuation {
  step: SessionStep;
  /** Absolute paths of the last output and its mask. */
  image: string;
  mask: string;
  previousResponseId?: string;
  options: Record<string, unknown>;
}

const pad = (n: number) => String(n).padStart(3, '0');

/** The step folder name for index n: `step-001`. */
export const stepDir = (n: number) => `step-${pad(n)}`;

/**
 * The manifest; an empty session when the folder or manifest does not exist yet.
 *
 * @example
 * (await readSession('sess')).steps.length // 2
 */
export async function readSession(dir: string): Promise<SessionManifest> {
  const path = join(dir, MANIFEST);
  let text: string;
  try {
    text = Buffer.from(await readRegularFile(path, { code: 'SESSION_MANIFEST', what: 'a session manifest (JSON file)', maxBytes: MAX_MANIFEST_BYTES })).toString('utf8');
  } catch (e) {
    const code = (e as MaskeditError).code;
    if (code === 'SESSION_MANIFEST_NOT_FOUND') return { version: 1, steps: [] };
    if (code === 'SESSION_MANIFEST_NOT_A_FILE' || code === 'SESSION_MANIFEST_TOO_LARGE') throw corrupt(dir, (e as Error).message);
    throw new MaskeditError('SESSION_UNREADABLE', `cannot read ${path} (${(e as Error).message})`, `check that ${dir} is a maskedit session folder you can read`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw corrupt(dir, `not JSON: ${(e as Error).message}`);
  }
  return validateManifest(dir, raw);
}

/** Manifests are small (a few KB per step); anything larger is not one maskedit wrote. */
const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;
const MAX_STEPS = 9999;

function corrupt(dir: string, why: string): MaskeditError {
  return new MaskeditError('SESSION_CORRUPT', `${join(dir, MANIFEST)} is not a maskedit session manifest (${why})`,
    `maskedit does not repair a changed session; start a new one in another folder: maskedit edit IMAGE --mask MASK --prompt TEXT --session NEW_DIR (the step files in ${dir} stay as they are)`);
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const typeName = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `a ${typeof v} (${JSON.stringify(v)?.slice(0, 40)})`);

/**
 * Checks a parsed manifest against the shape maskedit writes: integer indexes in increasing order, the fixed
 * file names of each step's folder (so no path in it can point outside the session), and every field's type.
 * Anything else is SESSION_CORRUPT: a forged manifest must not steer a write or a delete.
 */
export function validateManifest(dir: string, raw: unknown): SessionManifest {
  if (!isObj(raw)) throw corrupt(dir, `expected an object, received ${typeName(raw)}`);
  if (raw.version !== 1) throw corrupt(dir, `expected "version": 1, received ${typeName(raw.version)}`);
  if (!Array.isArray(raw.steps)) throw corrupt(dir, `expected "steps" to be an array, received ${typeName(raw.steps)}`);
  if (raw.steps.length > MAX_STEPS) throw corrupt(dir, `expected at most ${MAX_STEPS} steps, received ${raw.steps.length}`);
  let last = 0;
  raw.steps.forEach((step: unknown, i: number) => {
    const at = `steps[${i}]`;
    if (!isObj(step)) throw corrupt(dir, `${at}: expected an object, received ${typeName(step)}`);
    const idx = step.index;
    if (typeof idx !== 'number' || !Number.isInteger(idx) || idx < 1 || idx > MAX_STEPS) throw corrupt(dir, `${at}.index: expected an integer from 1 to ${MAX_STEPS}, received ${typeName(idx)}`);
    if (idx <= last) throw corrupt(dir, `${at}.index: expected more than ${last} (indexes increase), received ${idx}`);
    last = idx;
    const folder = stepDir(idx);
    const fixed: Record<string, RegExp> = {
      input: new RegExp(`^${folder}/input\\.(png|jpg|webp|bin)$`),
      mask: new RegExp(`^${folder}/mask\\.png$`),
      output: new RegExp(`^${folder}/output\\.png$`),
      report: new RegExp(`^${folder}/report\\.json$`),
    };
    for (const [field, re] of Object.entries(fixed)) {
      if (typeof step[field] !== 'string' || !re.test(step[field] as string)) throw corrupt(dir, `${at}.${field}: expected "${folder}/${field === 'input' ? 'input.png' : field === 'report' ? 'report.json' : `${field}.png`}", received ${typeName(step[field])}`);
    }
    for (const field of ['createdAt', 'prompt', 'provider', 'surface', 'model', 'verdict']) {
      if (typeof step[field] !== 'string') throw corrupt(dir, `${at}.${field}: expected a string, received ${typeName(step[field])}`);
    }
    for (const field of ['finalOutsideChangedPixels', 'rawOutsideChangedFraction']) {
      if (typeof step[field] !== 'number' || !Number.isFinite(step[field])) throw corrupt(dir, `${at}.${field}: expected a number, received ${typeName(step[field])}`);
    }
    if (step.responseId !== undefined && typeof step.responseId !== 'string') throw corrupt(dir, `${at}.responseId: expected a string, received ${typeName(step.responseId)}`);
    if (!isObj(step.options)) throw corrupt(dir, `${at}.options: expected an object, received ${typeName(step.options)}`);
    const src = step.source;
    if (!isObj(src) || typeof src.image !== 'string' || typeof src.mask !== 'string') throw corrupt(dir, `${at}.source: expected { "image": string, "mask": string }, received ${typeName(src)}`);
  });
  return raw as unknown as SessionManifest;
}

/**
 * A step's folder must be a real folder inside the session (not a symlink that leads elsewhere), or not exist
 * yet when a step is about to be written.
 */
async function assertStepFolder(dir: string, index: number, mustExist: boolean): Promise<void> {
  const path = join(dir, stepDir(index));
  try {
    const s = await lstat(path);
    if (!s.isDirectory()) throw corrupt(dir, `${stepDir(index)} is ${s.isSymbolicLink() ? 'a symlink' : 'not a folder'}; a step folder is a plain folder maskedit made`);
  } catch (e) {
    if (e instanceof MaskeditError) throw e;
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' && !mustExist) return;
    throw corrupt(dir, `${stepDir(index)} cannot be used (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** Throws SESSION_NOT_FOUND when `dir` does not exist (show and undo name an existing session). */
export async function assertSessionExists(dir: string): Promise<void> {
  try {
    const s = await stat(dir);
    if (!s.isDirectory()) throw new MaskeditError('SESSION_NOT_FOUND', `${dir} is not a folder`, 'pass the session folder given to maskedit edit --session DIR');
  } catch (e) {
    if (e instanceof MaskeditError) throw e;
    throw new MaskeditError('SESSION_NOT_FOUND', `${dir} does not exist`, `check the path, or start a session: maskedit edit IMAGE --mask MASK --prompt TEXT --session ${dir}`);
  }
}

/** The next step's index: one past the last. */
export function nextIndex(m: SessionManifest): number {
  return (m.steps.at(-1)?.index ?? 0) + 1;
}

async function bytesOf(x: string | Uint8Array, role: 'image' | 'mask'): Promise<Uint8Array> {
  return typeof x === 'string' ? readInputFile(x, role) : x;
}

function extOf(bytes: Uint8Array): string {
  const s = sniffFormat(bytes);
  return s && 'format' in s ? (s.format === 'jpeg' ? '.jpg' : `.${s.format}`) : '.bin';
}

/**
 * Records one finished edit as the next step. The output kept in the session is the first output as PNG
 * (lossless: the next step's bit-exact guarantee depends on it).
 *
 * @example
 * const step = await recordStep('sess', { image: 'photo.png', mask: 'mask.png', prompt: 'A lounge… Preserve…', result });
 */
export async function recordStep(dir: string, input: RecordInput): Promise<SessionStep> {
  const manifest = await readSession(dir);
  const index = nextIndex(manifest);
  const folder = stepDir(index);
  // A step folder that already exists (left by an interrupted run, or planted as a symlink) is not written into.
  await assertStepFolder(dir, index, false);
  const [image, mask] = await Promise.all([bytesOf(input.image, 'image'), bytesOf(input.mask, 'mask')]);
  const files = {
    input: `${folder}/input${extOf(image)}`,
    mask: `${folder}/mask.png`,
    output: `${folder}/output.png`,
    report: `${folder}/report.json`,
  };
  const { report } = input.result;
  await writeFileAtomic(join(dir, files.input), image);
  await writeFileAtomic(join(dir, files.mask), mask);
  await writeFileAtomic(join(dir, files.output), await encodeImage(input.result.outputs[0]!, { format: 'png' }));
  await writeFileAtomic(join(dir, files.report), `${JSON.stringify(reportJson(input.result), null, 2)}\n`);
  const step: SessionStep = {
    index, createdAt: new Date().toISOString(), ...files,
    source: { image: typeof input.image === 'string' ? input.image : '(bytes)', mask: typeof input.mask === 'string' ? input.mask : '(bytes)' },
    prompt: input.prompt,
    options: input.options ?? {},
    provider: report.provider, surface: report.surface, model: report.model,
    ...(report.responseId ? { responseId: report.responseId } : {}),
    finalOutsideChangedPixels: report.finalOutsideChangedPixels,
    rawOutsideChangedFraction: report.spillover.outside.changedFraction,
    verdict: report.spillover.verdict,
  };
  await writeManifest(dir, { version: 1, steps: [...manifest.steps, step] });
  return step;
}

async function writeManifest(dir: string, m: SessionManifest): Promise<void> {
  await writeFileAtomic(join(dir, MANIFEST), `${JSON.stringify(m, null, 2)}\n`);
}

function emptySession(dir: string): MaskeditError {
  return new MaskeditError('SESSION_EMPTY', `${dir} has no recorded steps`, `record a first step: maskedit edit IMAGE --mask MASK --prompt TEXT --session ${dir}`);
}

/**
 * Where the next correction starts: the last step's output and mask, its options and response id.
 *
 * @example
 * const { image, mask, previousResponseId } = await continuation('sess');
 */
export async function continuation(dir: string): Promise<Continuation> {
  const m = await readSession(dir);
  const step = m.steps.at(-1);
  if (!step) throw emptySession(dir);
  await assertStepFolder(dir, step.index, true);
  return {
    step,
    image: resolve(dir, step.output),
    mask: resolve(dir, step.mask),
    ...(step.responseId ? { previousResponseId: step.responseId } : {}),
    options: step.options,
  };
}

/**
 * Drops the last step: the manifest first (atomically), then its folder. Returns the dropped step.
 *
 * @example
 * const dropped = await undoStep('sess'); // the next continue starts from the step before
 */
export async function undoStep(dir: string): Promise<SessionStep> {
  const m = await readSession(dir);
  const step = m.steps.at(-1);
  if (!step) throw emptySession(dir);
  await assertStepFolder(dir, step.index, false);
  await writeManifest(dir, { version: 1, steps: m.steps.slice(0, -1) });
  await rm(join(dir, stepDir(step.index)), { recursive: true, force: true });
  return step;
}

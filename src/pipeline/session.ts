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
import { readFile, rm } from 'node:fs/promises';
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
  let text: string;
  try {
    text = await readFile(join(dir, MANIFEST), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, steps: [] };
    throw new MaskeditError('SESSION_UNREADABLE', `cannot read ${join(dir, MANIFEST)} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, `check that ${dir} is a maskedit session folder you can read`);
  }
  try {
    const m = JSON.parse(text) as SessionManifest;
    if (m.version !== 1 || !Array.isArray(m.steps)) throw new Error('unexpected shape');
    return m;
  } catch (e) {
    throw new MaskeditError('SESSION_CORRUPT', `${join(dir, MANIFEST)} is not a maskedit session manifest (${(e as Error).message})`, `start a new session in another folder: maskedit edit IMAGE --mask MASK --prompt TEXT --session NEW_DIR`);
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
  await writeManifest(dir, { version: 1, steps: m.steps.slice(0, -1) });
  await rm(join(dir, stepDir(step.index)), { recursive: true, force: true });
  return step;
}

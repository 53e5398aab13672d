/**
 * Job files for `maskedit batch`: a `.jsonl` file (one job object per line), a `.csv` with a header row, or a
 * folder of images paired with `NAME.mask.png` masks and one `--prompt` for all. Relative paths resolve against
 * the job file's folder (or the folder itself), so a job file moves with its images. Every job gets an id (the
 * image's base name unless given) that names its outputs: ids are unique and safe as file names.
 *
 * @example
 * const jobs = await readJobs('catalog/jobs.jsonl');
 * // [{ id: 'shoe-1', image: '/abs/catalog/shoe-1.jpg', mask: '/abs/catalog/shoe-1.mask.png', options: { prompt: '…' } }]
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, join, resolve } from 'node:path';
import type { Code } from '../core/codes.js';
import { MaskeditError } from '../core/errors.js';
import type { EditOptions } from '../pipeline/edit.js';

/** The edit options a job may set, by their library name, and the type each takes. */
export const JOB_OPTIONS = {
  prompt: 'string', scene: 'string', change: 'string', preserve: 'string', model: 'string', fidelity: 'string',
  subject: 'string', size: 'string', quality: 'string', background: 'string', crop: 'string', regions: 'string',
  context: 'number', strict: 'boolean', seam: 'string', feather: 'number', featherOutward: 'number', grow: 'number',
  provider: 'string', surface: 'string', engine: 'string', fix: 'boolean', seed: 'number',
} as const satisfies Record<string, 'string' | 'number' | 'boolean'>;

export type JobOptionName = keyof typeof JOB_OPTIONS;
export type JobOptions = Pick<EditOptions, JobOptionName>;

/** One edit of a batch, paths absolute. */
export interface BatchJob {
  id: string;
  image: string;
  mask: string;
  options: JobOptions;
}

/** A job as a library caller or a job file gives it: paths may be relative to `base`. */
export interface JobSpec extends Partial<Record<JobOptionName, unknown>> {
  id?: string;
  image: string;
  mask: string;
}

export class BatchError extends MaskeditError {
  constructor(code: Code, message: string, fix?: string, options?: { cause?: unknown }) {
    super(code, message, fix, options);
    this.name = 'BatchError';
  }
}

const IMAGE_EXTS = new Set(['.png', '.jpg', '.jpeg', '.webp']);
/** Ids name files in OUTDIR: no separators, no leading dot, nothing a shell or a file system chokes on. */
const SAFE_ID = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

/**
 * Reads a job file or folder. `prompt` is required for a folder (and ignored otherwise).
 * Throws BATCH_JOBS_NOT_FOUND, BATCH_JOBS_FORMAT, BATCH_JOB_INVALID, BATCH_OPTION_UNKNOWN, BATCH_ID_INVALID,
 * BATCH_ID_DUPLICATE, BATCH_PROMPT_MISSING, BATCH_MASK_MISSING or BATCH_JOBS_EMPTY.
 */
export async function readJobs(path: string, opts: { prompt?: string } = {}): Promise<BatchJob[]> {
  let st;
  try {
    st = await stat(path);
  } catch {
    throw new BatchError('BATCH_JOBS_NOT_FOUND', `${path} does not exist`, 'pass a .jsonl or .csv job file, or a folder of images with NAME.mask.png masks');
  }
  if (st.isDirectory()) return folderJobs(path, opts.prompt);
  if (!st.isFile()) throw new BatchError('BATCH_JOBS_FORMAT', `${path} is not a regular file or a folder`, 'pass a .jsonl or .csv job file, or a folder');
  // A job file is text written by a person or a script: 64 MB is hundreds of thousands of jobs.
  if (st.size > 64 * 1024 * 1024) throw new BatchError('BATCH_JOBS_FORMAT', `${path} is ${st.size} bytes, expected a job file under 64 MB`, 'split the batch into several job files');
  const ext = extname(path).toLowerCase();
  const text = await readFile(path, 'utf8');
  const base = dirname(resolve(path));
  if (ext === '.jsonl' || ext === '.ndjson') return normalizeJobs(parseJsonl(text, path), base, path);
  if (ext === '.csv') return normalizeJobs(parseCsvJobs(text, path), base, path);
  throw new BatchError('BATCH_JOBS_FORMAT', `cannot read jobs from ${ext ? `a ${ext}` : 'an extension-less'} file (${path}); expected .jsonl, .csv or a folder`, 'write one JSON job per line to jobs.jsonl, or a CSV with a header row (image,mask,prompt,…)');
}

function parseJsonl(text: string, path: string): { spec: Record<string, unknown>; where: string }[] {
  const out: { spec: Record<string, unknown>; where: string }[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    const where = `${path}:${i + 1}`;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      throw new BatchError('BATCH_JOB_INVALID', `${where} is not valid JSON (${(e as Error).message})`, 'write one JSON object per line, e.g. {"image":"a.png","mask":"a.mask.png","prompt":"…"}');
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      throw new BatchError('BATCH_JOB_INVALID', `${where} is ${Array.isArray(v) ? 'an array' : v === null ? 'null' : typeof v}, expected a JSON object`, 'write one JSON object per line, e.g. {"image":"a.png","mask":"a.mask.png","prompt":"…"}');
    }
    out.push({ spec: v as Record<string, unknown>, where });
  });
  return out;
}

/** RFC 4180 CSV: quoted fields may hold commas, quotes ("") and newlines. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [], field = '', quoted = false, i = 0;
  const s = text.replace(/^\uFEFF/, '');
  while (i < s.length) {
    const c = s[i]!;
    if (quoted) {
      if (c === '"' && s[i + 1] === '"') { field += '"'; i += 2; continue; }
      if (c === '"') { quoted = false; i++; continue; }
      field += c; i++; continue;
    }
    if (c === '"' && field === '') { quoted = true; i++; continue; }
    if (c === ',') { row.push(field); field = ''; i++; continue; }
    if (c === '\r' && s[i + 1] === '\n') i++;
    if (c === '\n' || c === '\r') { row.push(field); rows.push(row); row = []; field = ''; i++; continue; }
    field += c; i++;
  }
  if (quoted) throw new BatchError('BATCH_JOB_INVALID', 'the CSV ends inside a quoted field (an opening " has no closing ")', 'close the quote, and write a quote inside a quoted field as ""');
  if (field !== '' || row.length) { row.push(field); rows.push(row); }
  return rows.filter((r) => r.some((f) => f.trim() !== ''));
}

function parseCsvJobs(text: string, path: string): { spec: Record<string, unknown>; where: string }[] {
  const rows = parseCsv(text);
  const header = rows[0]?.map((h) => h.trim());
  if (!header) return [];
  return rows.slice(1).map((r, i) => {
    const where = `${path} row ${i + 2}`;
    if (r.length > header.length) throw new BatchError('BATCH_JOB_INVALID', `${where} has ${r.length} fields, the header has ${header.length}`, 'quote fields that contain commas ("a, b")');
    const spec: Record<string, unknown> = {};
    header.forEach((h, j) => {
      const raw = r[j];
      // An empty cell means "not set", so a CSV can leave a column blank for some rows.
      if (raw === undefined || raw === '') return;
      const type = (JOB_OPTIONS as Record<string, string>)[h];
      spec[h] = type === 'number' ? (raw.trim() !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw) : type === 'boolean' ? (raw === 'true' ? true : raw === 'false' ? false : raw) : raw;
    });
    return { spec, where };
  });
}

async function folderJobs(dir: string, prompt: string | undefined): Promise<BatchJob[]> {
  if (!prompt) throw new BatchError('BATCH_PROMPT_MISSING', `${dir} is a folder, and a folder of images needs one --prompt for all of them`, `maskedit batch ${dir} -o OUT --prompt "…"`);
  const names = (await readdir(dir)).sort();
  const images = names.filter((n) => IMAGE_EXTS.has(extname(n).toLowerCase()) && !/\.mask\.[^.]+$/i.test(n));
  const specs = images.map((n) => {
    const stem = n.slice(0, -extname(n).length);
    const mask = names.find((m) => m.toLowerCase() === `${stem.toLowerCase()}.mask.png`);
    if (!mask) throw new BatchError('BATCH_MASK_MISSING', `${join(dir, n)} has no mask: expected ${join(dir, `${stem}.mask.png`)}`, `make one with \`maskedit mask ${join(dir, n)} --rect x,y,w,h -o ${join(dir, `${stem}.mask.png`)}\`, or move the image out of the folder`);
    return { spec: { image: n, mask, prompt } as Record<string, unknown>, where: join(dir, n) };
  });
  return normalizeJobs(specs, resolve(dir), dir);
}

/**
 * Checks and completes job specs: known options of the right type, image and mask given, ids unique and safe,
 * paths absolute (relative ones against `base`). Library callers use it through `batch()`.
 */
export function normalizeJobs(specs: readonly ({ spec: Record<string, unknown>; where: string } | JobSpec)[], base: string, source = 'jobs'): BatchJob[] {
  const jobs: BatchJob[] = [];
  const seen = new Map<string, string>();
  specs.forEach((entry, i) => {
    const { spec, where } = 'spec' in entry && 'where' in entry ? entry as { spec: Record<string, unknown>; where: string } : { spec: entry as unknown as Record<string, unknown>, where: `${source}[${i}]` };
    for (const key of ['image', 'mask'] as const) {
      if (typeof spec[key] !== 'string' || !spec[key]) throw new BatchError('BATCH_JOB_INVALID', `${where} has no "${key}" (expected a path string, received ${JSON.stringify(spec[key]) ?? 'nothing'})`, `give every job "image" and "mask" paths`);
    }
    const options: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(spec)) {
      if (k === 'id' || k === 'image' || k === 'mask') continue;
      const type = (JOB_OPTIONS as Record<string, string>)[k];
      if (!type) throw new BatchError('BATCH_OPTION_UNKNOWN', `${where} sets "${k}", which is not a batch job option; expected one of ${Object.keys(JOB_OPTIONS).join(', ')}`, 'use the library names of edit options (featherOutward, not --feather-outward)');
      if (k === 'preserve' && Array.isArray(v) && v.every((x) => typeof x === 'string')) { options[k] = v; continue; }
      if (typeof v !== type || (type === 'number' && !Number.isFinite(v))) throw new BatchError('BATCH_JOB_INVALID', `${where}: "${k}" must be a ${type}, received ${JSON.stringify(v)}`, `write "${k}" as a ${type}`);
      options[k] = v;
    }
    if (options.prompt === undefined && options.scene === undefined && options.change === undefined) {
      throw new BatchError('BATCH_JOB_INVALID', `${where} has no "prompt" (or "scene"/"change")`, 'give every job a "prompt", or pass --prompt for a folder');
    }
    const image = spec.image as string, mask = spec.mask as string;
    const id = spec.id === undefined ? basename(image).replace(/\.[^.]+$/, '') : spec.id;
    if (typeof id !== 'string' || !SAFE_ID.test(id)) throw new BatchError('BATCH_ID_INVALID', `${where}: id ${JSON.stringify(id)} cannot name an output file; expected letters, digits, '.', '_' or '-' (not first), at most 128`, 'set "id" to a plain name such as "shoe-01"');
    const prev = seen.get(id);
    if (prev) throw new BatchError('BATCH_ID_DUPLICATE', `${where} has id "${id}", already used by ${prev}`, 'give one of them a distinct "id" (ids name the output files)');
    seen.set(id, where);
    jobs.push({ id, image: isAbsolute(image) ? image : resolve(base, image), mask: isAbsolute(mask) ? mask : resolve(base, mask), options: options as JobOptions });
  });
  if (!jobs.length) throw new BatchError('BATCH_JOBS_EMPTY', `${source} holds no jobs`, 'add at least one job (image, mask, prompt)');
  return jobs;
}

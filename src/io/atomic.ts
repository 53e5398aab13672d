/**
 * Outputs are written to a temp file beside the target and renamed into place, so a crash or Ctrl-C never
 * leaves a half-written file under the user's name. Temp files still alive are tracked so the CLI can remove
 * them on SIGINT/SIGTERM.
 */
import { randomBytes } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { MaskeditError } from '../core/errors.js';

const live = new Set<string>();

/** Temp files created by {@link writeFileAtomic} and not yet renamed or removed. */
export function liveTempFiles(): readonly string[] {
  return [...live];
}

/** Removes every temp file still alive (synchronously safe to call from a signal handler via the returned promise). */
export async function cleanupTempFiles(): Promise<void> {
  await Promise.all([...live].map((p) => rm(p, { force: true }).finally(() => live.delete(p))));
}

export function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.maskedit-tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/**
 * Writes `data` to `path` atomically: temp file in the same folder, fsync, rename.
 *
 * @example
 * await writeFileAtomic('out/result.png', pngBytes);
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = tempPathFor(path);
  live.add(tmp);
  try {
    // Inside the try: a parent that is a file (ENOTDIR/EEXIST) must become OUTPUT_WRITE_FAILED, not a raw error.
    await mkdir(dirname(resolve(path)), { recursive: true });
    const fh = await open(tmp, 'wx', 0o644);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    // `force` ignores only ENOENT; under a parent that is a file rm fails too, and must not mask the real error.
    await rm(tmp, { force: true }).catch(() => {});
    const code = (e as NodeJS.ErrnoException).code;
    throw new MaskeditError('OUTPUT_WRITE_FAILED', `cannot write ${path} (${code ?? (e as Error).message})`, `check that the folder ${dirname(resolve(path))} exists and is writable`, { cause: e });
  } finally {
    live.delete(tmp);
  }
}

function canonical(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    // A path that does not exist yet: resolve its folder, keep its name.
    try {
      return join(realpathSync(dirname(resolve(p))), basename(p));
    } catch {
      return resolve(p);
    }
  }
}

/** Throws OUTPUT_IS_INPUT when `output` names the same file as one of `inputs` (after symlinks). */
export function assertNotInput(output: string, inputs: readonly (string | undefined)[]): void {
  const out = canonical(output);
  for (const input of inputs) {
    if (input && canonical(input) === out) {
      throw new MaskeditError('OUTPUT_IS_INPUT', `the output ${output} is the input ${input}; maskedit never overwrites an input`, `choose another output path, e.g. -o ${suggestOutput(input)}`);
    }
  }
}

export function suggestOutput(input: string, suffix = 'edited', ext?: string): string {
  const base = basename(input).replace(/\.[^.]+$/, '');
  const e = ext ?? (basename(input).match(/\.[^.]+$/)?.[0] ?? '.png');
  return join(dirname(input), `${base}.${suffix}${e}`);
}

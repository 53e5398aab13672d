/**
 * Outputs are written to a temp file beside the target and renamed into place, so a crash or Ctrl-C never
 * leaves a half-written file under the user's name. Temp files still alive are tracked so the CLI can remove
 * them on SIGINT/SIGTERM.
 */
import { randomBytes } from 'node:crypto';
import { realpathSync, statSync } from 'node:fs';
import { lstat, mkdir, open, readdir, rename, rm, unlink } from 'node:fs/promises';
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

const TEMP_NAME = /^\..+\.maskedit-tmp-(\d+)-[0-9a-f]{8}$/;

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes this program's hidden temp files left in `dir` by a run that was killed (kill -9, power loss): only
 * names maskedit makes, only regular files (never through a symlink), only files this user owns, and only
 * when the process that made them is gone.
 */
export async function removeStaleTempFiles(dir: string): Promise<string[]> {
  const removed: string[] = [];
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return removed;
  }
  const uid = process.getuid?.();
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (!m || Number(m[1]) === process.pid || pidAlive(Number(m[1]))) continue;
    const path = join(dir, name);
    try {
      const s = await lstat(path);
      if (!s.isFile() || (uid !== undefined && s.uid !== uid)) continue;
      await unlink(path);
      removed.push(path);
    } catch {
      // Gone already, or not ours to remove.
    }
  }
  return removed;
}

/**
 * Where a path really lands, as the kernel resolves it: the real path of its folder (through symlinks, with
 * `..` applied after them, which is not what `path.resolve` does) plus its name. A folder that does not exist
 * yet resolves through its nearest existing ancestor.
 *
 * @example
 * // with /tmp/r/link -> /tmp/r
 * resolveOutputPath('/tmp/r/link/../r/in.png') // '/tmp/r/in.png' (path.resolve says '/tmp/r/r/in.png')
 */
export function resolveOutputPath(p: string): string {
  const trimmed = p.length > 1 ? p.replace(/\/+$/, '') : p;
  const cut = trimmed.lastIndexOf('/');
  const name = cut < 0 ? trimmed : trimmed.slice(cut + 1);
  const parent = cut < 0 ? '.' : cut === 0 ? '/' : trimmed.slice(0, cut);
  return join(realParent(parent), name);
}

function realParent(dir: string): string {
  const missing: string[] = [];
  let cur = dir;
  for (;;) {
    try {
      const real = realpathSync.native(cur);
      return missing.length ? resolve(real, ...missing.reverse()) : real;
    } catch {
      if (cur === '.' || cur === '/') return resolve(dir);
      const cut = cur.replace(/\/+$/, '').lastIndexOf('/');
      if (cut < 0) {
        missing.push(cur);
        cur = '.';
        continue;
      }
      missing.push(cur.slice(cut + 1));
      cur = cut === 0 ? '/' : cur.slice(0, cut);
    }
  }
}

/**
 * Writes `data` to `path` atomically: temp file in the same folder, fsync, rename. The folder is resolved
 * first ({@link resolveOutputPath}) and both the temp file and the rename use the resolved folder, so the
 * file written is the file that was checked.
 *
 * @example
 * await writeFileAtomic('out/result.png', pngBytes);
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  let target: string;
  try {
    target = resolveOutputPath(path);
  } catch (e) {
    throw new MaskeditError('OUTPUT_WRITE_FAILED', `cannot write ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, `check that the folder of ${path} exists and is writable`, { cause: e });
  }
  const tmp = tempPathFor(target);
  live.add(tmp);
  try {
    // Inside the try: a parent that is a file (ENOTDIR/EEXIST) must become OUTPUT_WRITE_FAILED, not a raw error.
    await mkdir(dirname(target), { recursive: true });
    await removeStaleTempFiles(dirname(target));
    const fh = await open(tmp, 'wx', 0o644);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, target);
  } catch (e) {
    // `force` ignores only ENOENT; under a parent that is a file rm fails too, and must not mask the real error.
    await rm(tmp, { force: true }).catch(() => {});
    const code = (e as NodeJS.ErrnoException).code;
    throw new MaskeditError('OUTPUT_WRITE_FAILED', `cannot write ${path} (${code ?? (e as Error).message})`, `check that the folder ${dirname(target)} exists and is writable`, { cause: e });
  } finally {
    live.delete(tmp);
  }
}

function identity(p: string): string | undefined {
  try {
    const s = statSync(p);
    return `${s.dev}:${s.ino}`;
  } catch {
    return undefined;
  }
}

/**
 * Throws OUTPUT_IS_INPUT when `output` names the same file as one of `inputs`: compared by device and inode
 * (after symlinks, `..` through links and hard links), and by the resolved path for inputs that are missing.
 */
export function assertNotInput(output: string, inputs: readonly (string | undefined)[]): void {
  let target: string;
  try {
    target = resolveOutputPath(output);
  } catch {
    target = resolve(output);
  }
  const outId = identity(target);
  for (const input of inputs) {
    if (!input) continue;
    const inId = identity(input);
    const same = outId !== undefined && inId !== undefined ? outId === inId : samePathText(target, input);
    if (same) {
      throw new MaskeditError('OUTPUT_IS_INPUT', `the output ${output} is the input ${input}; maskedit never overwrites an input`, `choose another output path, e.g. -o ${suggestOutput(input)}`);
    }
  }
}

function samePathText(target: string, input: string): boolean {
  try {
    return resolveOutputPath(input) === target;
  } catch {
    return resolve(input) === target;
  }
}

/** Throws OUTPUT_PATHS_CLASH when two of `outputs` land on the same file. */
export function assertDistinctOutputs(outputs: readonly string[], fix = 'give every output a different path'): void {
  const seen = new Map<string, string>();
  for (const o of outputs) {
    let key: string;
    try {
      key = resolveOutputPath(o);
    } catch {
      key = resolve(o);
    }
    const id = identity(key) ?? key;
    const other = seen.get(id);
    if (other !== undefined) throw new MaskeditError('OUTPUT_PATHS_CLASH', `two outputs would be written to the same file (${other} and ${o})`, fix);
    seen.set(id, o);
  }
}

export function suggestOutput(input: string, suffix = 'edited', ext?: string): string {
  const base = basename(input).replace(/\.[^.]+$/, '');
  const e = ext ?? (basename(input).match(/\.[^.]+$/)?.[0] ?? '.png');
  return join(dirname(input), `${base}.${suffix}${e}`);
}

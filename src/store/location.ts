/**
 * Where maskedit keeps data between runs (the server's and the studio's `/v1/files` store, batch state):
 * one private folder per user, never a shared temp folder another local user could pre-create.
 *
 *   $XDG_DATA_HOME/maskedit   when XDG_DATA_HOME is an absolute path
 *   ~/.local/share/maskedit   otherwise
 *
 * {@link openPrivateDir} creates a folder with mode 0700 and refuses one that is not a plain folder owned by
 * this user, or that group or others can write (`STORE_UNSAFE`): such a folder lets another user swap files
 * or plant symlinks. Every feature that stores files resolves its folder here (one place to audit).
 *
 * @example
 * const dir = await openPrivateDir(storeDir('files'));  // ~/.local/share/maskedit/files, 0700
 */
import { lstat, mkdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MaskeditError } from '../core/errors.js';
import { dataHomeFrom, settings } from '../io/settings.js';

/**
 * The per-user data folder (not created): of `env` when given, else the process's (io/settings.ts, from the
 * environment the entry point read).
 */
export function dataHome(env?: Readonly<Record<string, string | undefined>>): string {
  return env ? dataHomeFrom(env) : settings().dataHome;
}

/** A named store under the data folder: `files` (server and studio uploads), `batches`, … */
export function storeDir(name: string, env?: Readonly<Record<string, string | undefined>>): string {
  return join(dataHome(env), name);
}

function unsafe(dir: string, why: string, fix: string): MaskeditError {
  return new MaskeditError('STORE_UNSAFE', `the file store ${dir} is unsafe: ${why}`, fix);
}

/**
 * Creates `dir` (and missing parents) with mode 0700, then checks the folder it names is a real folder,
 * owned by this user, not writable by group or others. Returns the folder's real path: callers build every
 * path from it, so a symlink swapped in later cannot redirect them.
 *
 * A `dir` the user gave may itself be a symlink they made (it is resolved once); every entry inside is then
 * handled without following links (see FileStore).
 */
export async function openPrivateDir(dir: string): Promise<string> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new MaskeditError('STORE_UNAVAILABLE', `cannot create the file store ${dir} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, 'pass a folder you can write with --files-dir DIR');
  }
  const real = await realpath(dir);
  const s = await stat(real);
  const uid = process.getuid?.();
  if (!s.isDirectory()) throw unsafe(dir, 'it is not a folder', 'pass a folder with --files-dir DIR');
  if (uid !== undefined && s.uid !== uid) {
    throw unsafe(dir, `it belongs to user id ${s.uid}, not to you (${uid})`, `remove it or pass a folder of your own with --files-dir DIR (the default is ${storeDir('files')})`);
  }
  if (s.mode & 0o022) {
    throw unsafe(dir, `group or others can write it (mode ${(s.mode & 0o777).toString(8)})`, `make it private: chmod 700 ${real}, or pass another folder with --files-dir DIR`);
  }
  return real;
}

/**
 * A sub-folder the store manages itself (e.g. `.tmp`): must be a plain folder, not a symlink, owned by this
 * user. Created 0700 when missing.
 */
export async function openPrivateSubdir(parent: string, name: string): Promise<string> {
  const path = join(parent, name);
  await mkdir(path, { mode: 0o700 }).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'EEXIST') throw e;
  });
  const s = await lstat(path);
  const uid = process.getuid?.();
  if (!s.isDirectory()) throw unsafe(path, s.isSymbolicLink() ? 'it is a symlink (someone may be redirecting deletes)' : 'it is not a folder', `remove ${path}; maskedit recreates it`);
  if (uid !== undefined && s.uid !== uid) throw unsafe(path, `it belongs to user id ${s.uid}`, `remove ${path}; maskedit recreates it`);
  if (s.mode & 0o022) throw unsafe(path, `group or others can write it (mode ${(s.mode & 0o777).toString(8)})`, `chmod 700 ${path}`);
  return path;
}

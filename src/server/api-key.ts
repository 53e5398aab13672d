/**
 * Where `maskedit serve` takes its API key from, safest first: `--api-key-file F` (a file only its owner can
 * read, mode 0600 or 0400), then `MASKEDIT_API_KEY`. `--api-key K` still works but puts the key in the process's
 * argv, which every local user can read in /proc/PID/cmdline or `ps`; it gets a warning on stderr.
 *
 * @example
 * const { key, warning } = await resolveServerKey({ file: '/run/secrets/maskedit-key', env: process.env });
 */
import { MaskeditError } from '../core/errors.js';
import { openRegularFile, readRegularFile, type SafeReadOptions } from '../io/safe-read.js';

export interface KeySources {
  /** `--api-key-file` */
  file?: string;
  /** `--api-key` (argv) */
  argv?: string;
  env: NodeJS.ProcessEnv;
}

export interface ResolvedKey {
  key?: string;
  source?: 'file' | 'env' | 'argv';
  warning?: string;
}

export const ARGV_KEY_WARNING = 'warning: --api-key puts the key in this process\'s command line, which every user of this machine can read (ps, /proc/PID/cmdline); use MASKEDIT_API_KEY or --api-key-file FILE (mode 600) instead';

/** Reads and checks a key file: regular, owned by this user, unreadable by group and others, one non-empty line. */
export async function readKeyFile(path: string): Promise<string> {
  const opts: SafeReadOptions = { code: 'API_KEY_FILE', what: 'a key file', maxBytes: 4096 };
  const { handle } = await openRegularFile(path, opts);
  let mode: number;
  let uid: number;
  try {
    ({ mode, uid } = await handle.stat());
  } finally {
    await handle.close();
  }
  if (mode & 0o077) {
    throw new MaskeditError('API_KEY_FILE_UNSAFE', `${path} can be read or written by other users (mode ${(mode & 0o777).toString(8)}); a key file must be private`, `chmod 600 ${path}`);
  }
  const me = process.getuid?.();
  if (me !== undefined && uid !== me) throw new MaskeditError('API_KEY_FILE_UNSAFE', `${path} belongs to user id ${uid}, not to you (${me})`, `use a key file of your own (chmod 600)`);
  const text = Buffer.from(await readRegularFile(path, opts)).toString('utf8').trim();
  if (!text || /\s/.test(text)) throw new MaskeditError('API_KEY_FILE_INVALID', `${path} must hold one key on one line (received ${text ? 'text with spaces or several lines' : 'an empty file'})`, `write the key alone: openssl rand -hex 24 > ${path} && chmod 600 ${path}`);
  return text;
}

export async function resolveServerKey(src: KeySources): Promise<ResolvedKey> {
  const given = [src.file !== undefined && '--api-key-file', src.argv !== undefined && '--api-key'].filter(Boolean);
  if (given.length > 1) throw new MaskeditError('USAGE', '--api-key and --api-key-file both give a key', 'keep --api-key-file (the key stays out of the command line)');
  if (src.file !== undefined) return { key: await readKeyFile(src.file), source: 'file' };
  if (src.argv !== undefined) {
    if (!src.argv.trim()) throw new MaskeditError('USAGE', '--api-key is empty', 'set MASKEDIT_API_KEY or pass --api-key-file FILE');
    return { key: src.argv, source: 'argv', warning: ARGV_KEY_WARNING };
  }
  const env = src.env.MASKEDIT_API_KEY?.trim();
  return env ? { key: env, source: 'env' } : {};
}

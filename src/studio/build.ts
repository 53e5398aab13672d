/**
 * `maskedit studio` on a fresh clone: the web app is built on first run, with vite (a dev dependency that
 * `npm ci` installs), into a private cache folder named by a hash of the app's sources — never into the
 * package folder, never over another build. A built `web/dist` (after `npm run build`, or in a published
 * package) is used as it is. The build is written to a temp folder and renamed into place, so an interrupted
 * build leaves nothing half-written behind.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MaskeditError } from '../core/errors.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Every file the web app is built from (web/ without dist, and what `maskedit/client` brings: src/client.ts, src/core, the studio's contract). */
function sourceFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (name === 'dist' || name === 'node_modules') continue;
      if (statSync(path).isDirectory()) walk(path);
      else out.push(path);
    }
  };
  walk(join(ROOT, 'web'));
  walk(join(ROOT, 'src', 'core'));
  out.push(join(ROOT, 'src', 'client.ts'), join(ROOT, 'src', 'studio', 'contract.ts'));
  return out;
}

/** A short hash of the web app's sources: a new checkout or an edited file gets its own build. */
export function studioSourceHash(): string {
  const h = createHash('sha256');
  for (const f of sourceFiles()) h.update(f.slice(ROOT.length)).update('\0').update(readFileSync(f)).update('\0');
  return h.digest('hex').slice(0, 16);
}

/** `$MASKEDIT_CACHE_DIR`, else `$XDG_CACHE_HOME/maskedit`, else `~/.cache/maskedit`. */
export function cacheDir(env: NodeJS.ProcessEnv): string {
  return env.MASKEDIT_CACHE_DIR ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'maskedit');
}

/**
 * The folder to serve: `distDir` when it holds a build, else the cached build for these sources, building it
 * first when missing. `log` gets one line when a build starts.
 *
 * @example
 * const { dir, built } = await ensureStudioBuilt('web/dist', process.env, (l) => process.stderr.write(l));
 */
export async function ensureStudioBuilt(distDir: string, env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<{ dir: string; built: boolean }> {
  if (existsSync(join(distDir, 'index.html'))) return { dir: distDir, built: false };
  const target = join(cacheDir(env), `studio-${studioSourceHash()}`);
  if (existsSync(join(target, 'index.html'))) return { dir: target, built: false };
  let build: typeof import('vite').build;
  try {
    ({ build } = await import('vite'));
  } catch (e) {
    throw new MaskeditError('STUDIO_NOT_BUILT', `the studio's web app is not built (no index.html in ${distDir}) and vite, which builds it, is not installed`,
      'in the maskedit folder run npm ci (it installs vite), or npm run build once', { cause: e });
  }
  log(`building the studio's web app once (vite) into ${target} …\n`);
  await mkdir(cacheDir(env), { recursive: true });
  const tmp = `${target}.tmp-${process.pid}`;
  try {
    await build({ configFile: join(ROOT, 'web', 'vite.config.ts'), logLevel: 'warn', build: { outDir: tmp, emptyOutDir: true } });
    await rename(tmp, target).catch(async (e: NodeJS.ErrnoException) => {
      // Another studio finished the same build first: theirs is as good.
      if (!existsSync(join(target, 'index.html'))) throw e;
    });
  } catch (e) {
    throw new MaskeditError('STUDIO_BUILD_FAILED', `building the studio's web app failed: ${(e as Error).message}`, 'run npm ci in the maskedit folder, then npm run build:web to see the full error', { cause: e });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return { dir: target, built: true };
}

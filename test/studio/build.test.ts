/** `maskedit studio` on a fresh clone: the web app is built once into the cache, then reused. */
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheDir, ensureStudioBuilt, studioSourceHash } from '../../src/studio/build.js';

let dir: string;
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'maskedit-studio-build-')); });
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('ensureStudioBuilt', () => {
  it('serves a built dist as it is', async () => {
    const dist = join(dir, 'dist');
    await mkdir(dist);
    await writeFile(join(dist, 'index.html'), '<!doctype html>');
    expect(await ensureStudioBuilt(dist, { MASKEDIT_CACHE_DIR: join(dir, 'unused') }, () => {})).toEqual({ dir: dist, built: false });
    expect(existsSync(join(dir, 'unused'))).toBe(false);
  });
  it('without a dist: builds once into the cache (named by the sources\' hash), then reuses it', async () => {
    const env = { MASKEDIT_CACHE_DIR: join(dir, 'cache') };
    const lines: string[] = [];
    const first = await ensureStudioBuilt(join(dir, 'nowhere'), env, (l) => lines.push(l));
    const want = join(dir, 'cache', `studio-${studioSourceHash()}`);
    expect(first).toEqual({ dir: want, built: true });
    expect(existsSync(join(want, 'index.html'))).toBe(true);
    expect(lines).toEqual([`building the studio's web app once (vite) into ${want} …\n`]);
    expect(await ensureStudioBuilt(join(dir, 'nowhere'), env, (l) => lines.push(l))).toEqual({ dir: want, built: false });
    expect(lines.length).toBe(1);
  }, 180_000);
  it.each([
    [{ MASKEDIT_CACHE_DIR: '/c/m' }, '/c/m'],
    [{ XDG_CACHE_HOME: '/x' }, '/x/maskedit'],
  ])('cache folder from %o', (env, want) => {
    expect(cacheDir(env)).toBe(want);
  });
});

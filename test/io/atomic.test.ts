import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertNotInput, cleanupTempFiles, liveTempFiles, suggestOutput, writeFileAtomic } from '../../src/io/atomic.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'maskedit-atomic-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('writeFileAtomic', () => {
  it('writes the bytes, creates missing folders and leaves no temp file', async () => {
    const path = join(dir, 'new', 'sub', 'out.png');
    await writeFileAtomic(path, Uint8Array.from([1, 2, 3]));
    expect([...(await readFile(path))]).toEqual([1, 2, 3]);
    expect(await readdir(join(dir, 'new', 'sub'))).toEqual(['out.png']);
    expect(liveTempFiles()).toEqual([]);
  });

  it('replaces an existing file whole', async () => {
    const path = join(dir, 'replace.txt');
    await writeFile(path, 'old content that is longer');
    await writeFileAtomic(path, 'new');
    expect(await readFile(path, 'utf8')).toBe('new');
  });

  it('fails with OUTPUT_WRITE_FAILED and removes its temp file when the rename fails', async () => {
    const target = join(dir, 'is-a-folder');
    await mkdir(join(target, 'child'), { recursive: true });
    await expect(writeFileAtomic(target, 'x')).rejects.toMatchObject({ code: 'OUTPUT_WRITE_FAILED' });
    expect((await readdir(dir)).filter((f) => f.includes('maskedit-tmp'))).toEqual([]);
    expect(liveTempFiles()).toEqual([]);
  });

  it('fails with OUTPUT_WRITE_FAILED when a parent is a file', async () => {
    await writeFile(join(dir, 'plain-file'), 'x');
    await expect(writeFileAtomic(join(dir, 'plain-file', 'out.png'), 'x')).rejects.toMatchObject({
      code: 'OUTPUT_WRITE_FAILED',
      fix: `check that the folder ${join(dir, 'plain-file')} exists and is writable`,
    });
  });

  it('cleanupTempFiles is safe to call with nothing alive', async () => {
    await expect(cleanupTempFiles()).resolves.toBeUndefined();
  });
});

describe('assertNotInput', () => {
  it.each<[string, (d: string) => [string, string[]]]>([
    ['the same path', (d) => [join(d, 'in.png'), [join(d, 'in.png')]]],
    ['a relative spelling of it', (d) => [relative(process.cwd(), join(d, 'in.png')), [join(d, 'in.png')]]],
    ['a path through ..', (d) => [join(d, 'new', '..', 'in.png'), [join(d, 'in.png')]]],
    ['a symlink to it', (d) => [join(d, 'link.png'), [join(d, 'in.png')]]],
  ])('refuses %s with OUTPUT_IS_INPUT', async (_, paths) => {
    await writeFile(join(dir, 'in.png'), 'x');
    await symlink(join(dir, 'in.png'), join(dir, 'link.png')).catch(() => {});
    const [out, inputs] = paths(dir);
    expect(() => assertNotInput(out, inputs)).toThrow(expect.objectContaining({
      code: 'OUTPUT_IS_INPUT',
      fix: `choose another output path, e.g. -o ${join(dir, 'in.edited.png')}`,
    }));
  });

  it('accepts a different or not-yet-existing output and skips missing inputs', () => {
    expect(() => assertNotInput(join(dir, 'fresh.png'), [join(dir, 'in.png'), undefined])).not.toThrow();
  });

  it('suggests a sibling name', () => {
    expect(suggestOutput('a/photo.jpg')).toBe(join('a', 'photo.edited.jpg'));
    expect(suggestOutput('a/photo.jpg', 'mask', '.png')).toBe(join('a', 'photo.mask.png'));
  });
});

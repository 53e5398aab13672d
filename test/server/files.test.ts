import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { FileStore, isFileId, newFileId, sanitizeFilename } from '../../src/server/files.js';

const dirs: string[] = [];
async function freshDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'maskedit-files-'));
  dirs.push(d);
  return d;
}
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

const meta = { filename: 'a.png', purpose: 'vision' };

describe('FileStore', () => {
  it('makes random ids that match the pattern, and rejects anything else', () => {
    const ids = new Set(Array.from({ length: 200 }, newFileId));
    expect(ids.size).toBe(200);
    for (const id of ids) expect(isFileId(id)).toBe(true);
    for (const bad of ['file-../../etc/passwd', 'file-AAAA', '../file-AAAAAAAAAAAAAAAAAAAAAAAA', 'file-AAAAAAAAAAAAAAAAAAAAAAA/', '']) expect(isFileId(bad)).toBe(false);
  });

  it('expires files after their lifetime and removes them from disk on sweep', async () => {
    let now = 1_000_000_000_000;
    const dir = await freshDir();
    const store = await FileStore.open({ dir, ttlSeconds: 60, sweepIntervalMs: 0, now: () => now });
    const f = await store.put(Readable.from([Buffer.from('hello')]), meta);
    expect(store.get(f.id)).toEqual(f);
    expect(Buffer.from(await store.read(f.id)).toString()).toBe('hello');
    now += 61_000;
    expect(store.get(f.id)).toBeUndefined();
    await expect(store.read(f.id)).rejects.toMatchObject({ status: 404, message: `No such File object: ${f.id}` });
    expect(await store.sweep()).toBe(1);
    expect((await readdir(dir)).filter((n) => n !== '.tmp')).toEqual([]);
  });

  it('reloads files from an earlier run and drops half-written ones', async () => {
    const dir = await freshDir();
    const first = await FileStore.open({ dir, sweepIntervalMs: 0 });
    const f = await first.put(Readable.from([Buffer.from('kept')]), meta);
    first.close();
    await writeFile(join(dir, '.tmp', 'leftover'), 'partial');
    const orphan = newFileId();
    await writeFile(join(dir, `${orphan}.json`), JSON.stringify({ ...f, id: orphan }));
    const second = await FileStore.open({ dir, sweepIntervalMs: 0 });
    expect(second.list().map((x) => x.id)).toEqual([f.id]);
    expect(await readdir(join(dir, '.tmp'))).toEqual([]);
    expect((await readdir(dir)).sort()).toEqual(['.tmp', f.id, `${f.id}.json`].sort());
    second.close();
  });

  it('keeps the byte quota across parallel uploads', async () => {
    const dir = await freshDir();
    const store = await FileStore.open({ dir, maxTotalBytes: 10, sweepIntervalMs: 0 });
    await store.put(Readable.from([Buffer.alloc(6)]), meta);
    await expect(store.put(Readable.from([Buffer.alloc(6)]), meta)).rejects.toMatchObject({ apiCode: 'files_quota_exceeded', message: 'The file store is full: the upload does not fit in the remaining 4 bytes.' });
    expect(store.usage()).toEqual({ files: 1, bytes: 6 });
    expect(await readdir(join(dir, '.tmp'))).toEqual([]);
  });

  it.each([
    ['../../etc/passwd', 'passwd'],
    ['C:\\Users\\me\\photo.png', 'photo.png'],
    ['a\u0000b\nc.png', 'abc.png'],
    ['', 'upload'],
  ])('sanitizes the file name %j to %j', (input, expected) => {
    expect(sanitizeFilename(input)).toBe(expected);
  });
});

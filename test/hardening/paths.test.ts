/**
 * Hostile paths, as a user's shell would hand them over: outputs that reach an input through a symlinked
 * folder and `..`, hard links, special files as inputs. Real processes (`node bin/maskedit.js`) for the
 * attacks that matter most; every output path is checked before a paid request is made.
 */
import { execFileSync } from 'node:child_process';
import { link, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertNotInput, removeStaleTempFiles, resolveOutputPath, writeFileAtomic } from '../../src/io/atomic.js';
import { readInputFile } from '../../src/io/image.js';
import { readRegularFile } from '../../src/io/safe-read.js';
import { runCli, spawnCli } from '../_helpers/cli.js';
import { startFakeOpenAI, type FakeOpenAI } from '../_helpers/fake-openai.js';
import { gradient, maskRaster, png } from '../_helpers/images.js';

const KEY = 'sk-test-hardening-0123456789';
const PROMPT = 'A garden at noon. Add a stone bench on the grass. Preserve the trees.';
let root: string;
let r: string;
let fake: FakeOpenAI;
let inBytes: Buffer;
let maskBytes: Buffer;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'maskedit-hard-paths-'));
  r = join(root, 'r');
  await mkdir(r);
  // r/link -> r: `r/link/..` is root to the kernel, `r` to path.resolve.
  await symlink(r, join(r, 'link'));
  inBytes = await png(gradient(160, 120));
  maskBytes = await png(maskRaster({ width: 160, height: 120, boxes: [{ x: 50, y: 40, width: 30, height: 25 }] }));
  await writeFile(join(r, 'in.png'), inBytes);
  await writeFile(join(r, 'mask.png'), maskBytes);
  await link(join(r, 'in.png'), join(r, 'hard.png'));
  fake = await startFakeOpenAI({ apiKey: KEY });
});
afterAll(async () => {
  await fake.close();
  await rm(root, { recursive: true, force: true });
});

/** `r/link/../r/NAME`: the kernel resolves it to r/NAME; path text says r/r/NAME. */
const viaLink = (name: string) => join(r, 'link') + `/../r/${name}`;

describe('outputs are compared with inputs by file identity', () => {
  it('resolveOutputPath applies .. after the symlink, as the kernel does', () => {
    expect(resolveOutputPath(viaLink('in.png'))).toBe(join(r, 'in.png'));
    expect(resolveOutputPath(join(r, 'new', 'deeper', 'x.png'))).toBe(join(r, 'new', 'deeper', 'x.png'));
  });

  it.each<[string, () => string, () => string[]]>([
    ['symlinked folder and ..', () => viaLink('in.png'), () => [join(r, 'in.png')]],
    ['the input named through the link', () => viaLink('mask.png'), () => [join(r, 'in.png'), join(r, 'link', 'mask.png')]],
    ['a hard link of the input', () => join(r, 'hard.png'), () => [join(r, 'in.png')]],
    ['a trailing slash spelling', () => `${r}//in.png`, () => [join(r, 'in.png')]],
  ])('assertNotInput refuses %s', (_, out, inputs) => {
    expect(() => assertNotInput(out(), inputs())).toThrow(expect.objectContaining({ code: 'OUTPUT_IS_INPUT' }));
  });

  it('writeFileAtomic renames into the resolved folder', async () => {
    await writeFileAtomic(viaLink('fresh.txt'), 'x');
    expect(await readFile(join(r, 'fresh.txt'), 'utf8')).toBe('x');
  });

  it.each<[string, (o: string) => string[]]>([
    ['edit -o', (o) => ['edit', join(r, 'in.png'), '--mask', join(r, 'mask.png'), '--prompt', PROMPT, '-o', o]],
    ['edit --report', (o) => ['edit', join(r, 'in.png'), '--mask', join(r, 'mask.png'), '--prompt', PROMPT, '-o', join(r, 'ok.png'), '--report', o]],
    ['edit --heatmap', (o) => ['edit', join(r, 'in.png'), '--mask', join(r, 'mask.png'), '--prompt', PROMPT, '-o', join(r, 'ok.png'), '--heatmap', o]],
    ['mask -o', (o) => ['mask', join(r, 'in.png'), '--rect', '1,1,5,5', '-o', o]],
    ['stitch -o', (o) => ['stitch', join(r, 'in.png'), join(r, 'hard.png'), '--mask', join(r, 'mask.png'), '-o', o]],
    ['plan --preview', (o) => ['plan', join(r, 'in.png'), '--mask', join(r, 'mask.png'), '--preview', o]],
    ['diff --heatmap', (o) => ['diff', join(r, 'in.png'), join(r, 'hard.png'), '--mask', join(r, 'mask.png'), '--heatmap', o]],
  ])('%s through link/.. is refused before any provider call, the input kept', async (_, argv) => {
    const before = fake.edits().length;
    // One real process (edit -o, the paid path); the rest in-process, same code.
    const env = { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: fake.url };
    const res = _ === 'edit -o' ? await spawnCli([...argv(viaLink('in.png')), '--json'], { env }) : await runCli([...argv(viaLink('in.png')), '--json'], { env });
    expect(res.code).toBe(1);
    expect(JSON.parse(res.stdout).error.code).toBe('OUTPUT_IS_INPUT');
    expect(Buffer.compare(await readFile(join(r, 'in.png')), inBytes)).toBe(0);
    expect(fake.edits().length).toBe(before);
  });
});

describe('special files as inputs', () => {
  let fifo: string;
  let sock: string;
  let server: Server;
  beforeAll(async () => {
    fifo = join(root, 'fifo.png');
    execFileSync('mkfifo', [fifo]);
    sock = join(root, 'sock.png');
    server = createServer();
    await new Promise<void>((res) => server.listen(sock, res));
  });
  afterAll(() => new Promise<void>((res) => server.close(() => res())));

  it.each<[string, () => string, string]>([
    ['/dev/zero', () => '/dev/zero', 'IMAGE_NOT_A_FILE'],
    ['/dev/null', () => '/dev/null', 'IMAGE_NOT_A_FILE'],
    ['a FIFO with no writer', () => fifo, 'IMAGE_NOT_A_FILE'],
    ['a unix socket', () => sock, 'IMAGE_NOT_A_FILE'],
    ['a folder', () => root, 'IMAGE_NOT_A_FILE'],
    ['a missing file', () => join(root, 'nope.png'), 'IMAGE_NOT_FOUND'],
  ])('readInputFile refuses %s', async (_, path, code) => {
    await expect(readInputFile(path())).rejects.toMatchObject({ code });
    await expect(readInputFile(path(), 'mask')).rejects.toMatchObject({ code: code.replace('IMAGE', 'MASK') });
  });

  it('a file over the cap is IMAGE_TOO_LARGE before a byte is buffered', async () => {
    const big = join(root, 'sparse.bin');
    execFileSync('truncate', ['-s', '3G', big]);
    await expect(readRegularFile(big, { code: 'IMAGE', what: 'an image file' })).rejects.toMatchObject({ code: 'IMAGE_TOO_LARGE', message: `${big} is 3.0 GiB; the limit is 2.0 GiB` });
    await expect(readRegularFile(join(r, 'in.png'), { code: 'IMAGE', what: 'an image file', maxBytes: 10 })).rejects.toMatchObject({ code: 'IMAGE_TOO_LARGE' });
    await rm(big);
  });

  it('a large file that is not an image is refused from its header, not read whole', async () => {
    const big = join(root, 'sparse-text.png');
    execFileSync('truncate', ['-s', '1900M', big]);
    await expect(readInputFile(big)).rejects.toMatchObject({ code: 'IMAGE_UNREADABLE', message: `${big} is not an image maskedit can read (expected PNG, JPEG or WebP bytes; received 1992294400 bytes starting 00 00 00 00 00 00 00 00)` });
    await rm(big);
  });

  it('check /dev/zero and a FIFO exit 1 with a coded error in a real process (no hang, no growth)', async () => {
    const a = await spawnCli(['check', '/dev/zero', join(r, 'mask.png'), '--json']);
    expect(a.code).toBe(1);
    expect(JSON.parse(a.stdout).problems.map((p: { code: string }) => p.code)).toContain('IMAGE_NOT_A_FILE');
    const b = await spawnCli(['check', join(r, 'in.png'), fifo, '--json']);
    expect(b.code).toBe(1);
    expect(JSON.parse(b.stdout).problems.map((p: { code: string }) => p.code)).toContain('MASK_NOT_A_FILE');
  });
});

describe('stale temp files', () => {
  it('removes this program\'s temp files of a dead process in the output folder, and nothing else', async () => {
    const d = join(root, 'stale');
    await mkdir(d);
    const stale = join(d, '.out.png.maskedit-tmp-999999-0badf00d');
    const other = join(d, '.out.png.other-tmp');
    const mine = join(d, `.out.png.maskedit-tmp-${process.pid}-aaaaaaaa`);
    await writeFile(stale, 'half');
    await writeFile(other, 'keep');
    await writeFile(mine, 'live');
    await symlink(join(r, 'in.png'), join(d, '.x.maskedit-tmp-999998-deadbeef'));
    expect(await removeStaleTempFiles(d)).toEqual([stale]);
    expect((await readdir(d)).sort()).toEqual(['.out.png.maskedit-tmp-' + process.pid + '-aaaaaaaa', '.out.png.other-tmp', '.x.maskedit-tmp-999998-deadbeef'].sort());
    await runCli(['mask', join(r, 'in.png'), '--rect', '1,1,5,5', '-o', join(d, 'm.png')]);
    expect(await readdir(d)).toContain('m.png');
  });
});

import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { undoOrientation } from '../../src/core/maskops.js';
import { decodeImage } from '../../src/io/image.js';
import { checkPair } from '../../src/pipeline/check.js';
import { runCli, spawnCli } from '../_helpers/cli.js';
import { fillBox, gradient, jpeg, maskRaster, png, withOrientation } from '../_helpers/images.js';

const W = 64, H = 48;
const BOX = { x: 8, y: 8, width: 16, height: 12 }; // 192 px
let dir: string;
const p = (name: string) => join(dir, name);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'maskedit-cli-mask-'));
  await writeFile(p('photo.png'), await png(gradient(W, H)));
  await writeFile(p('white-strokes.png'), await png(maskRaster({ width: W, height: H, boxes: [BOX], style: 'white' }), { alpha: false }));
  await writeFile(p('black-strokes.jpg'), await jpeg(maskRaster({ width: W, height: H, boxes: [BOX], style: 'black' }), { quality: 80 }));
  await writeFile(p('rgba.png'), await png(maskRaster({ width: W, height: H, boxes: [BOX] })));
  await writeFile(p('half.png'), await png(maskRaster({ width: W / 2, height: H / 2, boxes: [{ x: 4, y: 4, width: 8, height: 6 }] })));
  // A ring: editable border of a box with a 4x4 hole.
  await writeFile(p('ring.png'), await png(fillBox(maskRaster({ width: W, height: H, boxes: [BOX] }), { x: 14, y: 12, width: 4, height: 4 }, [0, 0, 0, 255])));
  const painted = fillBox(gradient(W, H), BOX, [255, 0, 255, 255]);
  await writeFile(p('original.jpg'), await jpeg(gradient(W, H), { quality: 85 }));
  await writeFile(p('painted.jpg'), await jpeg(painted, { quality: 85 }));
  await writeFile(p('painted.png'), await png(painted));
  await writeFile(p('rotated.png'), await withOrientation(gradient(W, H), 6));
  await writeFile(p('stored-layout-mask.png'), await png(undoOrientation(maskRaster({ width: W, height: H, boxes: [BOX] }), 6)));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** The written mask: only alpha 0/255, how many editable, and whether it passes check against photo.png. */
async function inspect(out: string, image = 'photo.png') {
  const bytes = await readFile(p(out));
  const { raster, info } = await decodeImage(bytes, { role: 'mask' });
  let editable = 0, other = 0;
  for (let i = 3; i < raster.data.length; i += 4) {
    if (raster.data[i] === 0) editable++;
    else if (raster.data[i] !== 255) other++;
  }
  const report = await checkPair({ image: await readFile(p(image)), mask: bytes });
  return { editable, other, hasAlpha: info.hasAlpha, format: info.format, size: `${info.width}x${info.height}`, ok: report.ok, problems: report.problems.map((x) => x.code) };
}

describe('maskedit mask (in process)', () => {
  it.each<[string, string[], number, string]>([
    ['white strokes, auto', ['white-strokes.png'], 192, 'made white editable, the smaller region (6.3 %; black would be 93.8 %); pass --edit black for the other'],
    ['black strokes in a JPEG, auto', ['black-strokes.jpg'], 192, 'made black editable, the smaller region (6.3 %; white would be 93.8 %); pass --edit white for the other'],
    ['--edit black on white strokes', ['white-strokes.png', '--edit', 'black'], W * H - 192, ''],
    ['RGBA mask keeps its alpha', ['rgba.png'], 192, ''],
    ['--invert', ['rgba.png', '--invert'], W * H - 192, ''],
    // Euclidean disc of radius 2: the box grows 2 px per side, minus 3 px per corner (offsets (1,2), (2,1), (2,2)).
    ['--grow 2', ['rgba.png', '--grow', '2'], 20 * 16 - 4 * 3, ''],
    ['--shrink 1', ['rgba.png', '--shrink', '1'], 14 * 10, ''],
    ['--fill-holes', ['ring.png', '--fill-holes'], 192, ''],
    ['--rect on the image', ['photo.png', '--rect', '8,8,16,12', '--rect', '60,40,10,10'], 192 + 4 * 8, '--rect 60,40,10,10 reaches past the 64x48 image and was clipped'],
    ['--rect with negative numbers (a box reaching past the top-left corner)', ['photo.png', '--rect', '-5,-5,20,20'], 15 * 15, '--rect -5,-5,20,20 reaches past the 64x48 image and was clipped'],
    ['--diff painted over a PNG copy', ['painted.png', '--diff', 'photo.png'], 192, ''],
    ['--match resizes a half-size mask', ['half.png', '--match', 'photo.png'], 192, 'resized 32x24 → 64x48 (nearest neighbour)'],
  ])('%s', async (_, args, editable, note) => {
    const out = `out-${_.replace(/\W+/g, '-')}.png`;
    const r = await runCli(['mask', ...args.map((a) => (/\.(png|jpg)$/.test(a) ? p(a) : a)), '-o', p(out)]);
    expect(r.stderr.replace(/^· /, '').trim()).toBe(note);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`wrote ${p(out)}: 64x48 RGBA PNG, ${((editable / (W * H)) * 100).toFixed(1)} % editable (alpha 0)\n`);
    const res = await inspect(out);
    expect(res).toMatchObject({ editable, other: 0, hasAlpha: true, format: 'png', size: '64x48' });
    // Everything written passes check; only the inverted ones (most of the picture editable) warn.
    expect(res.ok).toBe(true);
    expect(res.problems).toEqual(editable > (W * H) / 2 ? ['MASK_LIKELY_INVERTED'] : []);
  });

  it('a negative number as an option value is that option\'s coded range error, not "argument is ambiguous"', async () => {
    const r = await runCli(['mask', p('rgba.png'), '--grow', '-1', '-o', p('x.png'), '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'USAGE', message: '--grow expects a whole number from 0 to 4096, received "-1"' });
  });

  it('--diff over JPEG copies covers the strokes, plus at most the chroma bleed around them', async () => {
    const r = await runCli(['mask', p('painted.jpg'), '--diff', p('original.jpg'), '-o', p('diff-jpeg.png')]);
    expect(r.code).toBe(0);
    const { raster } = await decodeImage(await readFile(p('diff-jpeg.png')));
    const wrong: string[] = [];
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const editable = raster.data[(y * W + x) * 4 + 3] === 0;
        const inBox = x >= BOX.x && x < BOX.x + BOX.width && y >= BOX.y && y < BOX.y + BOX.height;
        // JPEG's 4:2:0 chroma subsampling smears the paint up to 2 px (one 2x2 chroma block plus the filter).
        const nearBox = x >= BOX.x - 3 && x < BOX.x + BOX.width + 3 && y >= BOX.y - 3 && y < BOX.y + BOX.height + 3;
        if ((inBox && !editable) || (!nearBox && editable)) wrong.push(`${x},${y}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('--threshold 255 makes soft alpha editable', async () => {
    await writeFile(p('soft.png'), await png(fillBox(maskRaster({ width: W, height: H, boxes: [BOX] }), { x: 7, y: 8, width: 1, height: 12 }, [0, 0, 0, 128])));
    expect((await runCli(['mask', p('soft.png'), '-o', p('soft-default.png')])).code).toBe(0);
    expect((await inspect('soft-default.png')).editable).toBe(192);
    expect((await runCli(['mask', p('soft.png'), '--threshold', '255', '-o', p('soft-255.png')])).code).toBe(0);
    expect((await inspect('soft-255.png')).editable).toBe(204);
  });

  it('--match orients a mask drawn on the stored pixels of a rotated photo', async () => {
    const r = await runCli(['mask', p('stored-layout-mask.png'), '--match', p('rotated.png'), '-o', p('oriented.png')]);
    expect(r.stderr).toBe('· oriented like the image (EXIF orientation 6: rotated 90° clockwise): 48x64 → 64x48\n');
    expect(await inspect('oriented.png', 'rotated.png')).toMatchObject({ editable: 192, size: '64x48', ok: true });
    const { raster } = await decodeImage(await readFile(p('oriented.png')));
    expect(raster.data[(8 * W + 8) * 4 + 3]).toBe(0);
  });

  it('--feather N writes a soft edge outside the region and check only warns', async () => {
    const r = await runCli(['mask', p('rgba.png'), '--feather', '3', '-o', p('feathered.png')]);
    expect(r.code).toBe(0);
    const res = await inspect('feathered.png');
    // The 16x12 box stays alpha 0; partial alpha wherever 0 < distance < 4: 3 px bands along the sides
    // (2·16·3 + 2·12·3 = 168) plus 8 of the 9 corner offsets (3,3 is 4.24 px away) at each corner (32).
    expect(res.editable).toBe(192);
    expect(res.other).toBe(200);
    expect(res.ok).toBe(true);
    expect(res.problems).toEqual(['MASK_PARTIAL_ALPHA']);
  });

  it('--json describes what was written', async () => {
    const r = await runCli(['mask', p('white-strokes.png'), '-o', p('json.png'), '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      ok: true, output: p('json.png'), width: 64, height: 48, editableFraction: 0.0625, source: 'white',
      notes: ['made white editable, the smaller region (6.3 %; black would be 93.8 %); pass --edit black for the other'],
    });
  });

  it.each<[string, string[], number, string]>([
    ['output is the input', ['rgba.png', '-o', 'rgba.png'], 1, 'OUTPUT_IS_INPUT'],
    ['output is the --match image', ['rgba.png', '--match', 'photo.png', '-o', 'photo.png'], 1, 'OUTPUT_IS_INPUT'],
    ['nothing editable', ['photo.png', '--rect', '10,10,4,4', '--shrink', '3', '-o', 'empty.png'], 1, 'MASK_NOTHING_EDITABLE'],
    ['a box outside the image', ['photo.png', '--rect', '100,100,5,5', '-o', 'outside.png'], 1, 'MASK_RECT_OUTSIDE'],
    ['a bad box', ['photo.png', '--rect', '1,2,3', '-o', 'bad.png'], 1, 'MASK_RECT_INVALID'],
    ['diff of different sizes', ['painted.jpg', '--diff', 'half.png', '-o', 'd.png'], 1, 'MASK_SIZE_MISMATCH'],
    ['missing -o', ['rgba.png'], 2, 'USAGE'],
    ['non-PNG output', ['rgba.png', '-o', 'mask.jpg'], 2, 'USAGE'],
    ['--rect with --diff', ['photo.png', '--rect', '0,0,4,4', '--diff', 'photo.png', '-o', 'x.png'], 2, 'USAGE'],
    ['--edit with --rect', ['photo.png', '--rect', '0,0,4,4', '--edit', 'white', '-o', 'x.png'], 2, 'USAGE'],
    ['bad --edit', ['rgba.png', '--edit', 'grey', '-o', 'x.png'], 2, 'USAGE'],
    ['bad --grow', ['rgba.png', '--grow', '-1', '-o', 'x.png'], 2, 'USAGE'],
    ['--tolerance without --diff', ['rgba.png', '--tolerance', '5', '-o', 'x.png'], 2, 'USAGE'],
    ['a missing input', ['nope.png', '-o', 'x.png'], 1, 'MASK_NOT_FOUND'],
  ])('%s: %j → exit %i, %s, nothing written', async (_, args, code, errCode) => {
    const before = await readdir(dir);
    const r = await runCli(['mask', ...args.map((a) => (/\.(png|jpg)$/.test(a) ? p(a) : a)), '--json']);
    expect(r.code).toBe(code);
    expect(JSON.parse(r.stdout).error.code).toBe(errCode);
    expect(r.stderr).toMatch(new RegExp(`^error ${errCode}: .+\n  fix: .+\n$`));
    expect(await readdir(dir)).toEqual(before);
  });
});

describe('maskedit mask (spawned)', () => {
  it('writes a mask from white strokes that check then accepts', async () => {
    const r = await spawnCli(['mask', p('white-strokes.png'), '--match', p('photo.png'), '-o', p('spawned.png')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('· made white editable, the smaller region (6.3 %; black would be 93.8 %); pass --edit black for the other\n');
    expect(existsSync(p('spawned.png'))).toBe(true);
    const c = await spawnCli(['check', p('photo.png'), p('spawned.png')]);
    expect(c.code).toBe(0);
    expect(c.stdout).toContain('· 6.3 % editable\nok\n');
  });
});

/**
 * `-o out.jpg` / `.webp`: the written bytes are decoded and compared with the input outside the mask; the report
 * and the summary say what the lossy encode changed instead of "0 pixels outside the mask changed".
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../_helpers/cli.js';
import { gradient, maskRaster, png } from '../_helpers/images.js';
import { describeEncodeLoss } from '../../src/core/encode-loss.js';

const PROMPT = 'A gradient wall. Remove the patch.';
const W = 160, H = 120;
const BOX = { x: 60, y: 40, width: 30, height: 24 };
let dir: string;
const p = (n: string) => join(dir, n);

/** The test's own count: decode the file with sharp and compare it with the input outside BOX. */
async function measure(file: string) {
  const input = gradient(W, H).data;
  const { data } = await sharp(await readFile(file)).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  let changed = 0, max = 0;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      if (x >= BOX.x && x < BOX.x + BOX.width && y >= BOX.y && y < BOX.y + BOX.height) continue;
      const o = (y * W + x) * 4;
      const d = Math.max(...[0, 1, 2, 3].map((c) => Math.abs(input[o + c]! - data[o + c]!)));
      if (d) changed++;
      max = Math.max(max, d);
    }
  }
  return { changed, max, kept: W * H - BOX.width * BOX.height };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'maskedit-lossy-'));
  await writeFile(p('in.png'), await png(gradient(W, H)));
  await writeFile(p('mask.png'), await png(maskRaster({ width: W, height: H, boxes: [BOX] })));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('edit -o out.jpg / out.webp', () => {
  it.each([['out.jpg', 'jpeg'], ['out.webp', 'webp']])('%s: the report holds what the %s encode changed outside the mask, measured on the file', async (name, format) => {
    const r = await runCli(['edit', p('in.png'), '--mask', p('mask.png'), '--prompt', PROMPT, '--engine', 'telea', '-o', p(name), '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    const m = await measure(p(name));
    expect(m.changed).toBeGreaterThan(0);
    expect(report.finalOutsideChangedPixels).toBe(0); // the stitch itself kept them
    expect(report.encoding).toMatchObject({ format, outsidePixels: m.kept, outsideChangedPixels: m.changed, outsideChangedFraction: m.changed / m.kept, maxAbsDiff: m.max });
    expect(report.outputs[0].encoding).toEqual(report.encoding);
    expect(report.lossyOutput).toBe(true);
  });

  it('the summary says what the JPEG encode changed, not "0 pixels outside the mask changed"', async () => {
    const r = await runCli(['edit', p('in.png'), '--mask', p('mask.png'), '--prompt', PROMPT, '--engine', 'telea', '-o', p('sum.jpg')]);
    expect(r.code).toBe(0);
    const m = await measure(p('sum.jpg'));
    const line = describeEncodeLoss({ format: 'jpeg', outsidePixels: m.kept, outsideChangedPixels: m.changed, outsideChangedFraction: m.changed / m.kept, maxAbsDiff: m.max, meanAbsDiff: 0 });
    expect(r.stderr).toContain(`final        ${line} (the stitch changed 0 (strict stitch`);
    expect(r.stderr).not.toContain('0 pixels outside the mask changed');
  });

  it('a PNG output has no encoding entry and still reports 0', async () => {
    const r = await runCli(['edit', p('in.png'), '--mask', p('mask.png'), '--prompt', PROMPT, '--engine', 'telea', '-o', p('out.png'), '--json']);
    const report = JSON.parse(r.stdout);
    expect([report.encoding, report.finalOutsideChangedPixels, (await measure(p('out.png'))).changed]).toEqual([undefined, 0, 0]);
  });
});

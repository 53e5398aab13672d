import { describe, expect, it } from 'vitest';
import { eachStripRows, resample, resampleEachStrip, resampleRegion, scaleInStrips, stripCount, type Kernel } from '../../src/io/resample.js';
import { createRaster } from '../../src/core/raster.js';

describe('resample', () => {
  it('scales RGBA and keeps flat colours exact', async () => {
    const r = createRaster(300, 200, 4);
    for (let i = 0; i < r.data.length; i += 4) r.data.set([200, 100, 50, 255], i);
    const out = await resample(r, 150, 400);
    expect([out.width, out.height, out.channels]).toEqual([150, 400, 4]);
    for (let i = 0; i < out.data.length; i += 4) expect([...out.data.subarray(i, i + 4)]).toEqual([200, 100, 50, 255]);
  });

  it('keeps a one-channel mask binary with the nearest kernel', async () => {
    const m = createRaster(64, 64, 1);
    for (let y = 16; y < 48; y++) m.data.fill(255, y * 64 + 16, y * 64 + 48);
    const out = await resample(m, 100, 100, 'nearest');
    expect(out.channels).toBe(1);
    expect(new Set(out.data)).toEqual(new Set([0, 255]));
    expect(out.data[50 * 100 + 50]).toBe(255);
    expect(out.data[5 * 100 + 5]).toBe(0);
  });

  it('does not bleed the colour of transparent pixels into opaque ones', async () => {
    const r = createRaster(2, 1, 4);
    r.data.set([255, 0, 0, 0, 0, 0, 255, 255]);
    const out = await resample(r, 8, 1);
    // Every opaque-enough output pixel is blue, not a purple mix with the invisible red.
    const opaque = [0, 1, 2, 3, 4, 5, 6, 7].filter((x) => out.data[x * 4 + 3]! > 128);
    expect(opaque.length).toBeGreaterThan(0);
    expect(opaque.filter((x) => out.data[x * 4]! >= 40)).toEqual([]);
  });

  it('returns the same raster when the size already matches', async () => {
    const r = createRaster(3, 3, 4);
    expect(await resample(r, 3, 3)).toBe(r);
  });

  it('returns rows of the right size for a region (one pipeline: extract, then resize)', async () => {
    const r = noise(90, 70, 4, 3);
    const out = await resampleRegion(r, { x: 10, y: 5, width: 60, height: 50 }, 30, 25);
    expect([out.width, out.height, out.channels, out.data.length]).toEqual([30, 25, 4, 30 * 25 * 4]);
    expect(out.data).toEqual((await scaleInStrips(r, { x: 10, y: 5, width: 60, height: 50 }, 30, 25, 'linear', 1)).data);
  });
});

/** A raster of pseudo-random bytes (alpha too: premultiplication must match across strips). */
function noise(w: number, h: number, channels: 1 | 2 | 3 | 4, seed: number) {
  const r = createRaster(w, h, channels);
  let x = seed >>> 0;
  for (let i = 0; i < r.data.length; i++) { x = (Math.imul(x, 1664525) + 1013904223) >>> 0; r.data[i] = x >>> 24; }
  return r;
}

describe('resample in strips', () => {
  const kernels: Kernel[] = ['nearest', 'linear', 'cubic', 'lanczos3'];
  for (const kernel of kernels) {
    for (const channels of [1, 3, 4] as const) {
      it(`${kernel}, ${channels} channel(s): 2, 3 and 4 strips are byte for byte one pipeline, up and down`, async () => {
        const r = noise(97, 83, channels, channels * 7 + kernel.length);
        for (const [w, h] of [[151, 129], [41, 37]] as const) {
          const one = await scaleInStrips(r, undefined, w, h, kernel, 1);
          expect([one.width, one.height, one.data.length]).toEqual([w, h, w * h * channels]);
          for (const strips of [2, 3, 4]) {
            const cut = await scaleInStrips(r, undefined, w, h, kernel, strips);
            expect([cut.width, cut.height, cut.channels]).toEqual([w, h, channels]);
            expect(Buffer.from(cut.data).equals(Buffer.from(one.data))).toBe(true);
          }
        }
      });
    }
  }

  it('cuts a region the same way', async () => {
    const r = noise(120, 100, 4, 11);
    const region = { x: 13, y: 9, width: 80, height: 71 };
    const one = await scaleInStrips(r, region, 57, 49, 'linear', 1);
    for (const strips of [2, 3]) expect(Buffer.from((await scaleInStrips(r, region, 57, 49, 'linear', strips)).data).equals(Buffer.from(one.data))).toBe(true);
  });

  it('a strip count that does not divide the height leaves no row out (7 rows in 3 strips)', async () => {
    const r = noise(20, 20, 3, 5);
    const one = await scaleInStrips(r, undefined, 10, 7, 'linear', 1);
    expect(Buffer.from((await scaleInStrips(r, undefined, 10, 7, 'linear', 3)).data).equals(Buffer.from(one.data))).toBe(true);
  });

  it('picks one strip per CPU, at most 4, each at least 2^18 output pixels, never more than the rows', () => {
    expect(stripCount(1495, 1160, 2)).toBe(2); // the pipeline's map-back: 1.73 MP
    expect(stripCount(1495, 1160, 1)).toBe(1);
    expect(stripCount(1495, 1160, 16)).toBe(4);
    expect(stripCount(512, 512, 8)).toBe(1); // exactly 2^18: one strip
    expect(stripCount(1024, 512, 8)).toBe(2);
    expect(stripCount(100, 100, 8)).toBe(1);
    expect(stripCount(1 << 20, 2, 8)).toBe(2); // no more strips than rows
  });
});


describe('resampleEachStrip', () => {
  it('hands over every row once, in order, in bands of whole 4-row cells, and returns the same bytes as resample', async () => {
    const r = noise(640, 500, 4, 31);
    // 1000 wide: 2^18 / 1000 → 264 rows a strip (a multiple of 4), so 999 rows come as 264, 264, 264, 207.
    expect(eachStripRows(1000, 999)).toBe(264);
    const seen: [number, number, number][] = [];
    const out = await resampleEachStrip(r, 1000, 999, 'linear', (rows, y0, count) => seen.push([y0, count, rows.length]));
    expect(seen).toEqual([[0, 264, 264 * 4000], [264, 264, 264 * 4000], [528, 264, 264 * 4000], [792, 207, 207 * 4000]]);
    expect(Buffer.from(out.data).equals(Buffer.from((await scaleInStrips(r, undefined, 1000, 999, 'linear', 1)).data))).toBe(true);
  });

  it('each band holds the output\'s own rows at the moment it is handed over', async () => {
    const r = noise(300, 260, 3, 32);
    const bands: Uint8Array[] = [];
    const out = await resampleEachStrip(r, 700, 600, 'cubic', (rows) => bands.push(new Uint8Array(rows)));
    expect(Buffer.from(Buffer.concat(bands)).equals(Buffer.from(out.data))).toBe(true);
    expect(bands.length).toBe(Math.ceil(600 / eachStripRows(700, 600)));
  });

  it('a band handler that throws rejects the call with its error (the strips still in flight are not left unhandled)', async () => {
    const r = noise(640, 500, 4, 34);
    await expect(resampleEachStrip(r, 1000, 999, 'linear', () => { throw new RangeError('measured wrong'); })).rejects.toThrow('measured wrong');
  });

  it('a raster already at the size is handed over whole, once, and returned as it is', async () => {
    const r = noise(40, 30, 4, 33);
    const seen: [number, number][] = [];
    expect(await resampleEachStrip(r, 40, 30, 'linear', (rows, y0, count) => { expect(rows).toBe(r.data); seen.push([y0, count]); })).toBe(r);
    expect(seen).toEqual([[0, 30]]);
  });

  it('strip rows: a multiple of 4 near 2^18 pixels, at least 4, at most the height', () => {
    expect(eachStripRows(1495, 1160)).toBe(176);
    expect(eachStripRows(100_000, 50)).toBe(4);
    expect(eachStripRows(100, 50)).toBe(50);
    expect(eachStripRows(4096, 4096)).toBe(64);
  });
});

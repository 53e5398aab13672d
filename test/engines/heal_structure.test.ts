import { describe, expect, it } from 'vitest';
import { continueStructure, MAX_ENDS } from '../../src/engines/_heal_structure.js';

// A 48×48 float RGBA level, background grey 120 (its hole pixels hold 0, "the smooth estimate"), a 16×16 hole at
// (16, 16), and dark bars drawn by `paint` (the truth of each pixel outside the hole).
const W = 48, H = 48, X0 = 16, Y0 = 16, S = 16, BG = 120, HOLE = 0;
type Paint = (x: number, y: number) => number | undefined;
function level(paint: Paint) {
  const img = new Float32Array(W * H * 4);
  const hole = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      hole[i] = x >= X0 && x < X0 + S && y >= Y0 && y < Y0 + S ? 1 : 0;
      const v = hole[i] ? HOLE : (paint(x, y) ?? BG);
      img.set([v, v, v, 255], i * 4);
    }
  }
  return { img, hole, allowed: Uint8Array.from(hole, (v) => 1 - v) };
}
/** A vertical bar of value v over columns [x0, x0 + 4) where `rows(y)` holds. */
const bar = (x0: number, v: number, rows: (y: number) => boolean = () => true): Paint => (x, y) => (x >= x0 && x < x0 + 4 && rows(y) ? v : undefined);
const both = (a: Paint, b: Paint): Paint => (x, y) => a(x, y) ?? b(x, y);
/** The hole pixels' values, row by row. */
function holeValues(img: Float32Array): number[][] {
  return Array.from({ length: S }, (_, r) => Array.from({ length: S }, (_, c) => img[((Y0 + r) * W + X0 + c) * 4]!));
}

describe('continueStructure', () => {
  it('draws a bar that crosses the hole across it, with the background beside it, and nothing else', () => {
    const { img, hole, allowed } = level(bar(22, 30));
    const set = continueStructure(img, hole, allowed, W, H);
    // Columns 22–25 are the bar. The structure tensor's 5×5 window (over central differences, which are non-zero
    // in columns 21, 22, 25 and 26) makes three columns on each side (19–21, 26–28) oriented too, and they carry
    // the background straight across. The rest keeps its estimate.
    const expected = Array.from({ length: S }, () => Array.from({ length: S }, (_, c) => (c + X0 >= 22 && c + X0 < 26 ? 30 : c + X0 >= 19 && c + X0 < 29 ? BG : HOLE)));
    expect(holeValues(img)).toEqual(expected);
    expect(set).toBe(10 * S);
    // Alpha (the texture feature's channel) is carried along too; known pixels are untouched.
    expect(img[(Y0 * W + 23) * 4 + 3]).toBe(255);
    expect(img[((Y0 - 1) * W + 23) * 4]).toBe(30);
  });

  it('blends the two ends of a structure whose colour changes along it', () => {
    const { img, hole, allowed } = level(both(bar(22, 30, (y) => y < Y0), bar(22, 60, (y) => y >= Y0)));
    continueStructure(img, hole, allowed, W, H);
    // From 30 (row Y0 − 1) to 60 (row Y0 + S): linear in the distance from the top end.
    const col = holeValues(img).map((row) => row[23 - X0]!);
    expect(col.map((v) => Math.round(v * 100) / 100)).toEqual(Array.from({ length: S }, (_, r) => Math.round((30 + (30 * (r + 1)) / (S + 1)) * 100) / 100));
  });

  it('does not join two ends more than 60 levels apart (their oriented background still joins)', () => {
    const { img, hole, allowed } = level(both(bar(22, 250, (y) => y < Y0), bar(22, 189, (y) => y >= Y0)));
    continueStructure(img, hole, allowed, W, H);
    const expected = Array.from({ length: S }, () => Array.from({ length: S }, (_, c) => (c + X0 >= 22 && c + X0 < 26 ? HOLE : c + X0 >= 19 && c + X0 < 29 ? BG : HOLE)));
    expect(holeValues(img)).toEqual(expected);
  });

  it.each([
    ['an edge that ends in the hole', bar(22, 30, (y) => y < Y0)],
    // Top: the bar in columns 16–19, its oriented background 20–22; bottom: 26–28, then the bar in 29–32. The
    // closest pair in line is 22 → 26: 4 px over 17 rows, 13° (the limit is 12°).
    ['two ends not in line', both(bar(16, 30, (y) => y < Y0), bar(29, 30, (y) => y >= Y0))],
    ['no orientation (a checkerboard of 2×2 squares)', (x: number, y: number) => (((x >> 1) + (y >> 1)) % 2 ? 60 : 180)],
  ])('changes nothing for %s', (_, paint) => {
    const { img, hole, allowed } = level(paint);
    const before = Float32Array.from(img);
    expect(continueStructure(img, hole, allowed, W, H)).toBe(0);
    expect(img).toEqual(before);
  });

  it('starts and ends rays only at allowed pixels', () => {
    const { img, hole, allowed } = level(bar(22, 30));
    for (let x = 0; x < W; x++) allowed[(Y0 + S) * W + x] = 0; // the row below the hole
    const before = Float32Array.from(img);
    expect(continueStructure(img, hole, allowed, W, H)).toBe(0);
    expect(img).toEqual(before);
  });
});

describe('continueStructure on a long, busy border', () => {
  it(`pairs only the ${MAX_ENDS} strongest ends`, () => {
    // A band-shaped hole (rows 4–11) across 5000 columns: flat for the first 3000, then vertical stripes 2 px
    // wide, 100 levels deep up to column 4000 and 50 levels after. That is 4000 strong ends (above and below the
    // band), of which the 3000 strongest are the 2000 of the deep stripes and 1000 of the shallow ones (the top
    // row's, the first by position): the shallow stripes' ends below the band are dropped, so they are not joined.
    const w = 5000, h = 16, y0 = 4, y1 = 12;
    const img = new Float32Array(w * h * 4);
    const hole = new Uint8Array(w * h);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = y * w + x;
        hole[i] = y >= y0 && y < y1 && x > 0 && x < w - 1 ? 1 : 0;
        const v = hole[i] ? 0 : x < 3000 ? 120 : 120 + ((x >> 1) % 2 ? 1 : -1) * (x < 4000 ? 50 : 25);
        img.set([v, v, v, 255], i * 4);
      }
    }
    const allowed = Uint8Array.from(hole, (v) => 1 - v);
    continueStructure(img, hole, allowed, w, h);
    const row = (y0 + y1) >> 1;
    const value = (x: number) => img[(row * w + x) * 4]!;
    // Deep stripes: drawn across (each column its own value, as above and below); shallow ones and the flat part
    // untouched (a few columns beside the deep stripes are oriented by them through the tensor's window).
    expect(Array.from({ length: 996 }, (_, k) => value(3002 + k))).toEqual(Array.from({ length: 996 }, (_, k) => img[((y0 - 1) * w + 3002 + k) * 4]!));
    expect(Array.from({ length: 990 }, (_, k) => value(4006 + k)).every((v) => v === 0)).toBe(true);
    expect(Array.from({ length: 2994 }, (_, k) => value(1 + k)).every((v) => v === 0)).toBe(true);
  });
});

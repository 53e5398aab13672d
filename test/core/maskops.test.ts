import { describe, expect, it } from 'vitest';
import {
  applyOrientation, diffMask, lumaSplit, maskFromAlpha, maskFromLuma, matchGeometry, orientedSize, parseRect,
  readMaskPixels, rectsMask, removeSpecks, resizeNearest, sameAspect, shellQuote, siblingName, undoOrientation,
  drawnOnStoredPixels, featheredApiRgba,
} from '../../src/core/maskops.js';
import { countNonZero, createEditMask, createRaster, type EditMask, type Raster } from '../../src/core/raster.js';
import { fillBox, gradient, maskRaster, solid } from '../_helpers/images.js';

function rows(m: EditMask): string[] {
  const out: string[] = [];
  for (let y = 0; y < m.height; y++) out.push([...m.data.subarray(y * m.width, (y + 1) * m.width)].map((v) => (v ? '#' : '.')).join(''));
  return out;
}
function maskFrom(r: string[]): EditMask {
  const m = createEditMask(r[0]!.length, r.length);
  r.forEach((line, y) => [...line].forEach((c, x) => (m.data[y * m.width + x] = c === '#' ? 255 : 0)));
  return m;
}
/** A 3x2 one-channel raster holding 1..6 row by row, to follow where each stored pixel lands. */
function numbered(): Raster & { channels: 1 } {
  const r = createRaster(3, 2, 1);
  r.data.set([1, 2, 3, 4, 5, 6]);
  return r;
}

describe('maskFromLuma', () => {
  // 10x10, a 2x5 white box on black: white covers 10 %.
  const bw = fillBox(solid(10, 10, [0, 0, 0, 255]), { x: 0, y: 0, width: 2, height: 5 }, [255, 255, 255, 255]);
  it.each([
    ['black', 'black', 90],
    ['white', 'white', 10],
    ['auto', 'white', 10],
  ] as const)('edit %s picks %s with %i editable pixels', (polarity, picked, n) => {
    const r = maskFromLuma(bw, polarity);
    expect(r.picked).toBe(picked);
    expect(countNonZero(r.mask)).toBe(n);
    expect(r.black).toBeCloseTo(0.9);
    expect(r.white).toBeCloseTo(0.1);
  });
  it('auto picks black when black is the minority', () => {
    const inverted = fillBox(solid(10, 10), { x: 0, y: 0, width: 2, height: 5 }, [0, 0, 0, 255]);
    expect(maskFromLuma(inverted).picked).toBe('black');
  });
  it('splits at the threshold (Rec. 601 luma)', () => {
    const grey = solid(4, 4, [100, 100, 100, 255]);
    expect(countNonZero(maskFromLuma(grey, 'black', 128).mask)).toBe(16);
    expect(countNonZero(maskFromLuma(grey, 'black', 100).mask)).toBe(0);
    expect(countNonZero(maskFromLuma(grey, 'black', 101).mask)).toBe(16);
  });
  it('lumaSplit counts mid-tones', () => {
    expect(lumaSplit(gradient(64, 1)).mid).toBeGreaterThan(0.5);
    expect(lumaSplit(bw)).toEqual({ dark: 0.9, light: 0.1, mid: 0 });
  });
});

describe('maskFromAlpha', () => {
  const r = solid(4, 1, [0, 0, 0, 255]);
  r.data.set([0, 0, 0, 0], 0);
  r.data.set([0, 0, 0, 1], 4);
  r.data.set([0, 0, 0, 254], 8);
  it.each([[1, '#...'], [2, '##..'], [255, '###.']])('threshold %i → %s', (t, expected) => {
    expect(rows(maskFromAlpha(r, t))).toEqual([expected]);
  });
  it('refuses a raster without alpha', () => {
    expect(() => maskFromAlpha(createRaster(2, 2, 3))).toThrow('an alpha mask needs 2 or 4 channels, received 3');
  });
});

describe('resizeNearest', () => {
  it('repeats each pixel exactly on a 2x upscale and samples back on the way down', () => {
    const m = maskFrom(['#.', '.#']);
    const up = resizeNearest(m, 4, 4);
    expect(rows(up)).toEqual(['##..', '##..', '..##', '..##']);
    expect(rows(resizeNearest(up, 2, 2))).toEqual(['#.', '.#']);
  });
  it('returns the same object when the size already matches', () => {
    const m = maskFrom(['#.']);
    expect(resizeNearest(m, 2, 1)).toBe(m);
  });
});

describe('sameAspect', () => {
  it.each([
    [512, 512, 1024, 1024, true],
    [1024, 683, 1536, 1024, true], // 1536x1024 scaled to 1024 wide is 682.7
    [1000, 750, 4000, 3000, true],
    [1024, 1024, 1536, 1024, false],
    [3024, 4032, 4032, 3024, false],
  ])('%ix%i vs %ix%i → %s', (w1, h1, w2, h2, expected) => {
    expect(sameAspect({ width: w1, height: h1 }, { width: w2, height: h2 })).toBe(expected);
    expect(sameAspect({ width: w2, height: h2 }, { width: w1, height: h1 })).toBe(expected);
  });
});

describe('EXIF orientation', () => {
  // Stored 3x2 picture [1 2 3 / 4 5 6]; the displayed pictures follow TIFF 6.0's orientation tag 274.
  it.each([
    [1, 3, [1, 2, 3, 4, 5, 6]],
    [2, 3, [3, 2, 1, 6, 5, 4]],
    [3, 3, [6, 5, 4, 3, 2, 1]],
    [4, 3, [4, 5, 6, 1, 2, 3]],
    [5, 2, [1, 4, 2, 5, 3, 6]],
    [6, 2, [4, 1, 5, 2, 6, 3]],
    [7, 2, [6, 3, 5, 2, 4, 1]],
    [8, 2, [3, 6, 2, 5, 1, 4]],
  ])('orientation %i displays as %i wide: %j', (o, width, expected) => {
    const shown = applyOrientation(numbered(), o);
    expect(shown.width).toBe(width);
    expect([...shown.data]).toEqual(expected);
    expect(orientedSize(3, 2, o).width).toBe(width);
    expect([...undoOrientation(shown, o).data]).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe('drawnOnStoredPixels', () => {
  const image = gradient(64, 64);
  it('spots a copy of the stored pixels of a flipped picture, not of the displayed ones', () => {
    expect(drawnOnStoredPixels(image, undoOrientation(image, 3), 3)).toBe(true);
    expect(drawnOnStoredPixels(image, image, 3)).toBe(false);
  });
  it('leaves a plain black mask alone', () => {
    expect(drawnOnStoredPixels(image, maskRaster({ width: 64, height: 64, boxes: [{ x: 0, y: 0, width: 8, height: 8 }] }), 3)).toBe(false);
  });
});

describe('parseRect / rectsMask', () => {
  it('parses x,y,w,h', () => {
    expect(parseRect(' 10,20, 30,40')).toEqual({ x: 10, y: 20, width: 30, height: 40 });
  });
  it.each([
    ['1,2,3', '--rect expects x,y,w,h as four whole numbers, received "1,2,3"'],
    ['1,2,3.5,4', '--rect expects x,y,w,h as four whole numbers, received "1,2,3.5,4"'],
    ['a,b,c,d', '--rect expects x,y,w,h as four whole numbers, received "a,b,c,d"'],
    ['0,0,0,5', '--rect 0,0,0,5 has a width or height of 0; both must be at least 1'],
  ])('%j → MASK_RECT_INVALID', (text, message) => {
    expect(() => parseRect(text)).toThrow(expect.objectContaining({ code: 'MASK_RECT_INVALID', message }));
  });
  it('unions boxes and clips the ones reaching past the picture', () => {
    const { mask, clipped } = rectsMask(5, 3, [{ x: 0, y: 0, width: 2, height: 1 }, { x: 3, y: 1, width: 5, height: 5 }]);
    expect(rows(mask)).toEqual(['##...', '...##', '...##']);
    expect(clipped).toEqual([{ x: 3, y: 1, width: 5, height: 5 }]);
  });
  it('refuses a box entirely outside', () => {
    expect(() => rectsMask(5, 3, [{ x: 5, y: 0, width: 2, height: 2 }]))
      .toThrow(expect.objectContaining({ code: 'MASK_RECT_OUTSIDE', message: '--rect 5,0,2,2 lies outside the 5x3 image' }));
  });
});

describe('diffMask / removeSpecks', () => {
  const original = gradient(8, 4);
  it('marks pixels whose RGB moved past the tolerance', () => {
    const painted = fillBox(gradient(8, 4), { x: 2, y: 1, width: 3, height: 2 }, [255, 0, 255, 255]);
    painted.data[0] = original.data[0]! + 20; // JPEG-like noise below the tolerance
    expect(rows(diffMask(painted, original))).toEqual(['........', '..###...', '..###...', '........']);
    expect(countNonZero(diffMask(painted, original, 10))).toBe(7);
  });
  it('refuses pictures of different sizes', () => {
    expect(() => diffMask(gradient(4, 4), original)).toThrow(expect.objectContaining({ code: 'MASK_SIZE_MISMATCH', message: 'the painted copy is 4x4 but the original is 8x4' }));
  });
  it('drops components smaller than the minimum area', () => {
    expect(rows(removeSpecks(maskFrom(['#....', '...##', '...##']), 2))).toEqual(['.....', '...##', '...##']);
  });
});

describe('readMaskPixels', () => {
  const box = { x: 0, y: 0, width: 2, height: 2 };
  it('keeps OpenAI\'s reading of an RGBA mask', () => {
    const r = readMaskPixels(maskRaster({ width: 4, height: 4, boxes: [box] }), true);
    expect([r.source, r.note, countNonZero(r.mask)]).toEqual(['alpha', null, 4]);
  });
  it('reads luminance when an alpha mask has no transparent pixel (painted on an opaque layer)', () => {
    const r = readMaskPixels(maskRaster({ width: 4, height: 4, boxes: [box], style: 'white' }), true);
    expect(r.source).toBe('white');
    expect(r.note).toBe('no pixel is transparent, so its luminance was read instead: made white editable, the smaller region (25.0 %; black would be 75.0 %); pass --edit black for the other');
    expect(countNonZero(r.mask)).toBe(4);
  });
  it.each([
    ['auto', 'black', 4, 'made black editable, the smaller region (25.0 %; white would be 75.0 %); pass --edit white for the other'],
    ['black', 'black', 4, null],
    ['white', 'white', 12, null],
  ] as const)('no alpha, --edit %s → %s', (edit, source, n, note) => {
    const r = readMaskPixels(maskRaster({ width: 4, height: 4, boxes: [box], style: 'black' }), false, { edit });
    expect([r.source, countNonZero(r.mask), r.note]).toEqual([source, n, note]);
  });
  it('an explicit --edit overrides the alpha channel', () => {
    const r = readMaskPixels(maskRaster({ width: 4, height: 4, boxes: [box], style: 'white' }), true, { edit: 'black' });
    expect([r.source, countNonZero(r.mask)]).toEqual(['black', 12]);
  });
});

describe('matchGeometry', () => {
  const m = maskFrom(['#..', '...']);
  const target = (width: number, height: number, orientation = 1, storedWidth = width, storedHeight = height) => ({ width, height, storedWidth, storedHeight, orientation });
  it('does nothing when the sizes match', () => {
    expect(matchGeometry(m, target(3, 2))).toEqual({ mask: m, note: null });
  });
  it('resizes a same-aspect mask', () => {
    const r = matchGeometry(m, target(6, 4));
    expect(r.note).toBe('resized 3x2 → 6x4 (nearest neighbour)');
    expect(rows(r.mask)).toEqual(['##....', '##....', '......', '......']);
  });
  it('orients a mask drawn on the stored pixels of a rotated photo', () => {
    const r = matchGeometry(m, target(2, 3, 6, 3, 2));
    expect(r.note).toBe('oriented like the image (EXIF orientation 6: rotated 90° clockwise): 3x2 → 2x3');
    expect(rows(r.mask)).toEqual(['.#', '..', '..']);
  });
  it('refuses to stretch unless asked', () => {
    expect(() => matchGeometry(m, target(4, 4))).toThrow(expect.objectContaining({ code: 'MASK_SIZE_MISMATCH', message: 'the mask is 3x2 but the image is 4x4, a different aspect ratio; resizing would stretch it' }));
    expect(matchGeometry(m, target(4, 4), { stretch: true }).note).toBe('resized 3x2 → 4x4 (nearest neighbour, stretched: the aspect ratios differ)');
  });
  it('orients a same-size mask cut from the stored pixels (orientation 3)', () => {
    const image = gradient(32, 32);
    const maskRgba = undoOrientation(image, 3);
    maskRgba.data.set([0, 0, 0, 0], 0); // transparent top-left pixel in the stored layout
    const edit = maskFromAlpha(maskRgba);
    const r = matchGeometry(edit, target(32, 32, 3), { maskRgba, imageRgba: image });
    expect(r.note).toBe('oriented like the image (EXIF orientation 3: rotated 180°); the mask matched its stored pixels');
    expect(r.mask.data[32 * 32 - 1]).toBe(255);
  });
});

describe('featheredApiRgba', () => {
  it('keeps alpha 0 on the editable pixels and ramps outward', () => {
    const rgba = featheredApiRgba(maskFrom(['#......']), 4);
    expect([...rgba.data.filter((_, i) => i % 4 === 3)]).toEqual([0, 51, 102, 153, 204, 255, 255]);
    expect(rgba.data.filter((_, i) => i % 4 !== 3).every((v) => v === 0)).toBe(true);
  });
});

describe('names for fix commands', () => {
  it.each([
    ['mask.png', 'mask.fixed.png'],
    ['dir.v2/mask', 'dir.v2/mask.fixed.png'],
    ['a/b.c.jpg', 'a/b.c.fixed.png'],
    ['.hidden', '.hidden.fixed.png'],
  ])('siblingName(%j) → %j', (p, expected) => expect(siblingName(p, 'fixed')).toBe(expected));
  it.each([
    ['plain/path-1.png', 'plain/path-1.png'],
    ['my mask.png', "'my mask.png'"],
    ["it's.png", "'it'\\''s.png'"],
  ])('shellQuote(%j) → %s', (s, expected) => expect(shellQuote(s)).toBe(expected));
});

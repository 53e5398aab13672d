import { describe, expect, it } from 'vitest';
import { alphaToEditMask, diagnose, editableFraction, modelCode, scanAlpha, scanAlphaPlane, type DiagnoseInput } from '../../src/core/doctor.js';
import { rng } from '../_helpers/random.js';
import { undoOrientation } from '../../src/core/maskops.js';
import { getModel } from '../../src/core/models.js';
import { boundingBox, createEditMask } from '../../src/core/raster.js';
import { fillBox, gradient, maskRaster, solid } from '../_helpers/images.js';
import { base, facts, goodMask, H, MB, W } from '../_helpers/doctor-input.js';

const codes = (input: DiagnoseInput) => diagnose(input).map((p) => `${p.severity}:${p.code}`);
const find = (input: DiagnoseInput, code: string) => diagnose(input).find((p) => p.code === code);

describe('diagnose', () => {
  it('finds nothing wrong with a good pair', () => {
    expect(diagnose(base())).toEqual([]);
  });

  it('says an animated image keeps only its first frame, with a fix', () => {
    expect(find(base({ image: facts({ format: 'webp', hasAlpha: false, frames: 3 }) }), 'IMAGE_ANIMATED')).toEqual({
      code: 'IMAGE_ANIMATED', severity: 'warning',
      message: 'photo.png is an animated WEBP with 3 frames; only its first frame is edited and the others are dropped',
      fix: 'nothing to do if the first frame is the one you mean; otherwise export the frame you want as a still PNG and pass that',
    });
    expect(find(base({ mask: facts({ frames: 2 }) }), 'MASK_ANIMATED')!.message).toBe('mask.png is an animated PNG with 2 frames; only its first frame is read and the others are dropped');
  });

  it.each<[string, Partial<DiagnoseInput>, string[]]>([
    ['image over 50 MB', { image: facts({ bytes: 51 * MB }) }, ['error:IMAGE_TOO_LARGE']],
    ['mask over 50 MB', { mask: facts({ bytes: 51 * MB }) }, ['error:MASK_TOO_LARGE']],
    ['mask over the spec\'s 4 MB', { mask: facts({ bytes: 5 * MB }) }, ['warning:MASK_TOO_LARGE']],
    ['dall-e-2 image over 4 MB', { model: 'dall-e-2', image: facts({ bytes: 5 * MB }) }, ['error:MODEL_DALLE2_TOO_LARGE']],
    ['dall-e-2 mask over 4 MB', { model: 'dall-e-2', mask: facts({ bytes: 5 * MB }) }, ['error:MODEL_DALLE2_TOO_LARGE']],
    ['dall-e-2 non-square', { model: 'dall-e-2', image: facts({ width: 60 }), mask: facts({ width: 60 }), maskRaster: maskRaster({ width: 60, height: H, boxes: [{ x: 0, y: 0, width: 6, height: 40 }] }) }, ['error:MODEL_DALLE2_NOT_SQUARE']],
    ['unknown model', { model: 'gpt-image-9' }, ['warning:MODEL_UNKNOWN']],
    ['WebP mask', { mask: facts({ format: 'webp' }) }, ['error:MASK_NOT_PNG']],
    ['JPEG image, PNG mask', { image: facts({ format: 'jpeg', hasAlpha: false }) }, ['warning:MASK_FORMAT_DIFFERS']],
    ['animated WebP image', { image: facts({ format: 'webp', hasAlpha: false, frames: 3 }) }, ['warning:IMAGE_ANIMATED', 'warning:MASK_FORMAT_DIFFERS']],
    ['animated PNG image', { image: facts({ hasAlpha: false, frames: 2 }) }, ['warning:IMAGE_ANIMATED']],
    ['animated PNG mask', { mask: facts({ frames: 4 }) }, ['warning:MASK_ANIMATED']],
    ['one frame is still', { image: facts({ hasAlpha: false, frames: 1 }), mask: facts({ frames: 1 }) }, []],
    ['half-size mask', { mask: facts({ width: 20, height: 20 }) }, ['error:MASK_SIZE_MISMATCH']],
    ['mask on stored pixels of a rotated photo', { image: facts({ width: 30, height: 40, storedWidth: 40, storedHeight: 30, orientation: 6 }), mask: facts({ width: 40, height: 30 }) }, ['error:MASK_ORIENTATION_MISMATCH']],
    ['no alpha', { mask: facts({ hasAlpha: false }), maskRaster: maskRaster({ width: W, height: H, boxes: [{ x: 0, y: 0, width: 40, height: 4 }], style: 'white' }) }, ['error:MASK_NO_ALPHA']],
    ['fully opaque, uniform', { maskRaster: solid(W, H, [0, 0, 0, 255]) }, ['error:MASK_NOTHING_EDITABLE']],
    ['all editable', { maskRaster: solid(W, H, [0, 0, 0, 0]) }, ['warning:MASK_ALL_EDITABLE']],
    ['mostly editable', { maskRaster: maskRaster({ width: W, height: H, boxes: [{ x: 0, y: 0, width: 40, height: 30 }] }) }, ['warning:MASK_LIKELY_INVERTED']],
    ['semi-transparent pixels', { maskRaster: fillBox(goodMask(), { x: 0, y: 10, width: 5, height: 1 }, [0, 0, 0, 128]) }, ['warning:MASK_PARTIAL_ALPHA']],
    ['several at once', { model: 'nope', image: facts({ format: 'jpeg', bytes: 60 * MB }), mask: facts({ width: 20, height: 20, bytes: 6 * MB }), maskRaster: maskRaster({ width: 20, height: 20 }) },
      ['error:IMAGE_TOO_LARGE', 'error:MASK_SIZE_MISMATCH', 'error:MASK_NOTHING_EDITABLE', 'warning:MODEL_UNKNOWN', 'warning:MASK_TOO_LARGE', 'warning:MASK_FORMAT_DIFFERS']],
  ])('%s', (_, over, expected) => {
    expect(codes(base(over))).toEqual(expected);
  });

  it('names expected and received sizes, and fixes with a runnable command', () => {
    expect(find(base({ mask: facts({ width: 20, height: 20 }) }), 'MASK_SIZE_MISMATCH')).toEqual({
      code: 'MASK_SIZE_MISMATCH', severity: 'error',
      message: 'mask.png is 20x20 but photo.png is 40x40 (same aspect ratio)',
      fix: 'resize it (nearest neighbour): maskedit mask mask.png --match photo.png -o mask.fixed.png',
    });
    expect(find(base({ mask: facts({ width: 40, height: 20 }), imageLabel: 'my photo.png' }), 'MASK_SIZE_MISMATCH')).toEqual({
      code: 'MASK_SIZE_MISMATCH', severity: 'error',
      message: 'mask.png is 40x20 but my photo.png is 40x40 (different aspect ratio)',
      fix: "re-export the mask at 40x40 from the same canvas as the image (maskedit mask mask.png --match 'my photo.png' -o mask.fixed.png would stretch it)",
    });
  });

  it('explains an orientation mismatch with the EXIF transform', () => {
    const p = find(base({ image: facts({ width: 30, height: 40, storedWidth: 40, storedHeight: 30, orientation: 6 }), mask: facts({ width: 40, height: 30 }) }), 'MASK_ORIENTATION_MISMATCH');
    expect(p?.message).toBe('mask.png is 40x30, the stored size of photo.png, but the image is displayed 30x40 (EXIF orientation 6: rotated 90° clockwise); the mask was drawn on the stored pixels');
    expect(p?.fix).toBe('orient it like the image: maskedit mask mask.png --match photo.png -o mask.fixed.png');
  });

  it('spots a same-size mask cut from the stored pixels of a flipped photo (orientation 3)', () => {
    const image = gradient(W, H);
    const copy = undoOrientation(image, 3);
    fillBox(copy, { x: 0, y: 0, width: 10, height: 4 }, [0, 0, 0, 0]);
    const input = base({ image: facts({ orientation: 3 }), imageRaster: image, maskRaster: copy });
    expect(codes(input)).toEqual(['error:MASK_ORIENTATION_MISMATCH']);
    // The same cut made from the displayed pixels is fine.
    expect(codes({ ...input, maskRaster: fillBox(gradient(W, H), { x: 0, y: 0, width: 10, height: 4 }, [0, 0, 0, 0]) })).toEqual([]);
  });

  it('says which polarity a mask without alpha would get', () => {
    const p = find(base({ mask: facts({ hasAlpha: false, channels: 3 }), maskRaster: maskRaster({ width: W, height: H, boxes: [{ x: 0, y: 0, width: 40, height: 4 }], style: 'white' }) }), 'MASK_NO_ALPHA');
    expect(p?.message).toBe('mask.png is an RGB PNG with no alpha channel (black covers 90.0 %, white 10.0 %); OpenAI edits only where alpha is 0 and rejects a mask without one');
    expect(p?.fix).toBe('make an RGBA mask: maskedit mask mask.png -o mask.fixed.png (picks white as editable; add --edit white or --edit black to choose)');
  });

  it.each([
    ['white strokes on an opaque layer', maskRaster({ width: W, height: H, boxes: [{ x: 0, y: 0, width: 40, height: 4 }], style: 'white' }),
      'mask.png looks painted on an opaque layer: every pixel has alpha 255, and its white strokes (10.0 %) are not transparent, so nothing would be edited',
      'turn the strokes into transparency: maskedit mask mask.png --edit white -o mask.fixed.png'],
    ['a photo with alpha', gradient(W, H),
      'mask.png is fully opaque (every pixel has alpha 255) and looks like a picture, not a mask (96.8 % mid-tones), so nothing would be edited',
      'if you painted over a copy of the image, build the mask from the difference: maskedit mask mask.png --diff photo.png -o mask.fixed.png; otherwise erase the region to edit to transparency'],
    ['only semi-transparent pixels', fillBox(solid(W, H, [0, 0, 0, 255]), { x: 0, y: 0, width: 10, height: 2 }, [0, 0, 0, 100]),
      'mask.png has no pixel with alpha 0; its 20 semi-transparent pixels (alpha 1–254) are kept by OpenAI',
      'read them with the one threshold (alpha below 128 editable): maskedit mask mask.png -o mask.fixed.png'],
    ['only light semi-transparent pixels', fillBox(solid(W, H, [0, 0, 0, 255]), { x: 0, y: 0, width: 10, height: 2 }, [0, 0, 0, 200]),
      'mask.png has no pixel with alpha 0; its 20 semi-transparent pixels (alpha 1–254) are kept by OpenAI',
      'they are all 128 or more, so count every one as editable: maskedit mask mask.png --threshold 255 -o mask.fixed.png'],
    ['uniform and opaque', solid(W, H, [255, 255, 255, 255]),
      'mask.png is fully opaque (every pixel has alpha 255), so nothing would be edited',
      'erase the region to edit to transparency, or build a mask from a box: maskedit mask photo.png --rect X,Y,W,H -o photo.mask.png'],
  ])('MASK_NOTHING_EDITABLE: %s', (_, maskRgba, message, fix) => {
    expect(diagnose(base({ maskRaster: maskRgba }))).toEqual([{ code: 'MASK_NOTHING_EDITABLE', severity: 'error', message, fix }]);
  });

  it('counts semi-transparent pixels', () => {
    const p = find(base({ maskRaster: fillBox(goodMask(), { x: 0, y: 10, width: 5, height: 1 }, [0, 0, 0, 128]) }), 'MASK_PARTIAL_ALPHA');
    expect(p?.message).toBe('5 pixels (0.3 %) of mask.png are semi-transparent (alpha 1–254); OpenAI edits only alpha 0, so it would edit 10.0 %; read at the one threshold (alpha below 128) the mask is 10.0 %');
    expect(p?.fix).toBe('make it 0/255 with alpha below 128 editable (what maskedit edit --fix does): maskedit mask mask.png -o mask.fixed.png');
    const q = find(base({ maskRaster: fillBox(goodMask(), { x: 0, y: 10, width: 40, height: 4 }, [0, 0, 0, 127]) }), 'MASK_PARTIAL_ALPHA');
    expect(q?.message).toBe('160 pixels (10.0 %) of mask.png are semi-transparent (alpha 1–254); OpenAI edits only alpha 0, so it would edit 10.0 %; read at the one threshold (alpha below 128) the mask is 20.0 %');
  });

  it('reports sizes against the right limit', () => {
    expect(find(base({ mask: facts({ bytes: 5 * MB }) }), 'MASK_TOO_LARGE')?.message).toBe('mask.png is 5 MB; the API spec asks for masks under 4 MB (the guide allows 50 MB)');
    expect(find(base({ image: facts({ bytes: 60.5 * MB }) }), 'IMAGE_TOO_LARGE')?.message).toBe('photo.png is 61 MB; the API takes images under 50 MB');
    expect(find(base({ model: 'dall-e-2', image: facts({ bytes: 4.5 * MB }) }), 'MODEL_DALLE2_TOO_LARGE')?.message).toBe('photo.png is 4.5 MB; dall-e-2 takes images under 4 MB');
  });

  it('reads the registry, not model names: model codes come from the id', () => {
    expect(modelCode(getModel('dall-e-2'))).toBe('DALLE2');
    expect(find(base({ model: 'gpt-image-9' }), 'MODEL_UNKNOWN')?.message).toBe('model "gpt-image-9" is not one maskedit knows (gpt-image-2.6-sunburst, gpt-image-2.6-flare, gpt-image-2.5-sunburst, gpt-image-2.5-flare, gpt-image-2, gpt-image-1.5, gpt-image-1-mini, gpt-image-1, dall-e-2); checking with gpt-image-2.6-sunburst\'s rules');
  });

  it.each([
    // [model, date, codes] — judged on a date when the caller gives one
    ['gpt-image-1.5', '2026-11-20', ['warning:MODEL_DEPRECATED']],
    ['gpt-image-1.5', '2026-12-01', ['error:MODEL_SHUT_DOWN']],
    ['gpt-image-2.6-sunburst', '2026-12-01', []],
    ['gpt-image-9', '2026-12-01', ['warning:MODEL_UNKNOWN']],
  ] as const)('%s on %s → %j', (model, today, want) => {
    expect(codes(base({ model, today }))).toEqual(want);
  });

  it('works with the image or the mask missing (their decode errors come from io)', () => {
    expect(codes(base({ image: null }))).toEqual([]);
    expect(codes(base({ mask: null, maskRaster: undefined }))).toEqual([]);
  });

  it('uses precomputed alpha stats instead of the raster', () => {
    expect(codes(base({ maskRaster: undefined, alpha: { pixels: 100, transparent: 0, partial: 0, opaque: 100, soft: 0 } }))).toEqual(['error:MASK_NOTHING_EDITABLE']);
  });
});

describe('scanAlpha / editableFraction', () => {
  it('gives the same answer on the 32-bit run path and the byte path (unaligned data)', () => {
    const n = 5000;
    const backing = new Uint8Array(n * 4 + 1);
    let seed = 9;
    for (let i = 0; i < n; i++) {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      const k = seed >>> 29; // runs of mixed length and value
      backing[1 + i * 4 + 3] = k < 3 ? 0 : k < 6 ? 255 : seed & 255;
    }
    const unaligned = { width: 100, height: 50, channels: 4 as const, data: backing.subarray(1) };
    const aligned = { ...unaligned, data: new Uint8Array(backing.subarray(1)) };
    const e1 = createEditMask(100, 50), e2 = createEditMask(100, 50);
    const s1 = scanAlpha(unaligned, e1), s2 = scanAlpha(aligned, e2);
    expect(s1).toEqual(s2);
    expect(s1.transparent).toBeGreaterThan(1000);
    expect(s1.partial).toBeGreaterThan(100);
    expect(Buffer.from(e1.data).equals(Buffer.from(e2.data))).toBe(true);
    for (let i = 0; i < n; i++) expect(e2.data[i]).toBe(aligned.data[i * 4 + 3] === 0 ? 255 : 0);
  });

  it('counts alpha classes and writes OpenAI\'s reading in the same pass', () => {
    const m = fillBox(goodMask(), { x: 0, y: 10, width: 5, height: 1 }, [0, 0, 0, 7]);
    const edit = createEditMask(W, H);
    expect(scanAlpha(m, edit)).toEqual({ pixels: 1600, transparent: 160, partial: 5, opaque: 1435, soft: 165 });
    expect(scanAlpha(fillBox(goodMask(), { x: 0, y: 10, width: 5, height: 1 }, [0, 0, 0, 128]))).toEqual({ pixels: 1600, transparent: 160, partial: 5, opaque: 1435, soft: 160 });
    expect(editableFraction(edit)).toBe(0.1);
    expect(editableFraction(m)).toBe(0.1);
    expect(editableFraction(scanAlpha(m))).toBe(0.1);
  });
});

describe('scanAlphaPlane and alphaToEditMask: the alpha plane\'s counts and edit mask equal scanAlpha\'s on RGBA', () => {
  it.each(Array.from({ length: 60 }, (_, i) => i + 1))('equals scanAlpha on random run-length alpha, case %i', (seed) => {
    const rand = rng(seed * 104729);
    const w = 1 + Math.floor(rand() * 50), h = 1 + Math.floor(rand() * 50), shift = seed % 4;
    const rgba = solid(w, h, [9, 9, 9, 255]);
    const plane = { width: w, height: h, channels: 1 as const, data: new Uint8Array(new ArrayBuffer(w * h + shift + 3), shift, w * h) };
    for (let i = 0; i < w * h;) {
      const run = 1 + Math.floor(rand() * 12), r = rand();
      const v = r < 0.4 ? 0 : r < 0.8 ? 255 : Math.floor(rand() * 256);
      for (let k = 0; k < run && i < w * h; k++, i++) { plane.data[i] = v; rgba.data[i * 4 + 3] = v; }
    }
    const a = createEditMask(w, h), b = createEditMask(w, h);
    expect(scanAlphaPlane(plane, a)).toEqual(scanAlpha(rgba, b));
    expect(Buffer.from(a.data).equals(Buffer.from(b.data))).toBe(true);
    expect(scanAlphaPlane(plane)).toEqual(scanAlpha(rgba));
    // In place: the same counts and mask bytes in the plane's own buffer, nothing outside its bytes touched.
    new Uint8Array(plane.data.buffer).fill(77, 0, shift);
    new Uint8Array(plane.data.buffer).fill(77, shift + w * h);
    const inPlace = alphaToEditMask(plane);
    expect(inPlace.stats).toEqual(scanAlpha(rgba));
    expect(inPlace.editMask.data).toBe(plane.data);
    expect(inPlace.box).toEqual(boundingBox(b));
    expect([inPlace.editMask.width, inPlace.editMask.height, inPlace.editMask.channels]).toEqual([w, h, 1]);
    expect(Buffer.from(plane.data).equals(Buffer.from(b.data))).toBe(true);
    expect(Array.from(new Uint8Array(plane.data.buffer)).filter((v, i) => (i < shift || i >= shift + w * h) && v !== 77)).toEqual([]);
  });
});

/**
 * Every problem the mask doctor reports, word for word: the message a user reads (expected vs received) and the
 * fix they run, and the one combined fix of `diagnoseWithFix`. test/core/doctor.test.ts checks which codes fire;
 * this file pins what each says.
 */
import { describe, expect, it } from 'vitest';
import { diagnoseWithFix, type DiagnoseInput, type ImageFacts } from '../../src/core/doctor.js';
import type { Problem } from '../../src/core/problems.js';
import { fillBox, maskRaster, solid } from '../_helpers/images.js';

const MB = 1024 * 1024;
const W = 40, H = 40;
const facts = (over: Partial<ImageFacts> = {}): ImageFacts => ({
  format: 'png', bytes: 1000, width: W, height: H, storedWidth: over.width ?? W, storedHeight: over.height ?? H, orientation: 1, hasAlpha: true, ...over,
});
/** 10 % editable: a 40x4 band. */
const goodMask = () => maskRaster({ width: W, height: H, boxes: [{ x: 0, y: 0, width: 40, height: 4 }] });
const base = (over: Partial<DiagnoseInput> = {}): DiagnoseInput => ({
  image: facts({ hasAlpha: false }), mask: facts(), maskRaster: goodMask(), imageLabel: 'photo.png', maskLabel: 'mask.png', ...over,
});

describe('diagnoseWithFix: each problem\'s message and fix, and the one combined fix', () => {
  it.each<[string, Partial<DiagnoseInput>, Problem[], string | null]>([
    ["image over 50 MB", { image: facts({ bytes: 51 * MB }) },
      [{ code: "IMAGE_TOO_LARGE", severity: "error",
        message: "photo.png is 51 MB; the API takes images under 50 MB",
        fix: "re-encode it smaller, e.g. as JPEG at quality 90, or downscale it to 4096 px on the long side" }],
      null],
    ["mask over 50 MB", { mask: facts({ bytes: 51 * MB }) },
      [{ code: "MASK_TOO_LARGE", severity: "error",
        message: "mask.png is 51 MB; the API takes masks under 50 MB",
        fix: "rewrite it as a compact 0/255 mask: maskedit mask mask.png -o mask.fixed.png" }],
      "maskedit mask mask.png -o mask.fixed.png"],
    ["mask over the spec's 4 MB", { mask: facts({ bytes: 5 * MB }) },
      [{ code: "MASK_TOO_LARGE", severity: "warning",
        message: "mask.png is 5 MB; the API spec asks for masks under 4 MB (the guide allows 50 MB)",
        fix: "rewrite it as a compact 0/255 mask: maskedit mask mask.png -o mask.fixed.png" }],
      "maskedit mask mask.png -o mask.fixed.png"],
    ["dall-e-2 image over 4 MB", { model: 'dall-e-2', image: facts({ bytes: 5.5 * MB }) },
      [{ code: "MODEL_DALLE2_TOO_LARGE", severity: "error",
        message: "photo.png is 5.5 MB; dall-e-2 takes images under 4 MB",
        fix: "downscale it (e.g. to 1024x1024), or use --model gpt-image-2.6-sunburst, which takes up to 50 MB" }],
      null],
    ["dall-e-2 mask over 4 MB", { model: 'dall-e-2', mask: facts({ bytes: 5 * MB }) },
      [{ code: "MODEL_DALLE2_TOO_LARGE", severity: "error",
        message: "mask.png is 5 MB; dall-e-2 takes masks under 4 MB",
        fix: "rewrite it as a compact 0/255 mask: maskedit mask mask.png -o mask.fixed.png" }],
      "maskedit mask mask.png -o mask.fixed.png"],
    ["dall-e-2 non-square", { model: 'dall-e-2', image: facts({ width: 60 }), mask: facts({ width: 60 }), maskRaster: maskRaster({ width: 60, height: H, boxes: [{ x: 0, y: 0, width: 6, height: 40 }] }) },
      [{ code: "MODEL_DALLE2_NOT_SQUARE", severity: "error",
        message: "dall-e-2 takes only square images; photo.png is 60x40",
        fix: "crop it to a square (e.g. 40x40), or use --model gpt-image-2.6-sunburst, which takes any aspect" }],
      null],
    ["unknown model", { model: 'gpt-image-9' },
      [{ code: "MODEL_UNKNOWN", severity: "warning",
        message: "model \"gpt-image-9\" is not one maskedit knows (gpt-image-2.6-sunburst, gpt-image-2.6-flare, gpt-image-2.5-sunburst, gpt-image-2.5-flare, gpt-image-2, gpt-image-1.5, gpt-image-1-mini, gpt-image-1, dall-e-2); checking with gpt-image-2.6-sunburst's rules",
        fix: "pass one of the known models, e.g. --model gpt-image-2.6-sunburst" }],
      null],
    ["WebP mask", { mask: facts({ format: 'webp' }) },
      [{ code: "MASK_NOT_PNG", severity: "error",
        message: "mask.png is WEBP; OpenAI reads the mask as a PNG with an alpha channel",
        fix: "convert it: maskedit mask mask.png -o mask.fixed.png" }],
      "maskedit mask mask.png -o mask.fixed.png"],
    ["JPEG image, PNG mask", { image: facts({ format: 'jpeg', hasAlpha: false }) },
      [{ code: "MASK_FORMAT_DIFFERS", severity: "warning",
        message: "the guide asks for the mask in the image's format; photo.png is JPEG, mask.png is PNG",
        fix: "nothing to do with maskedit edit, which uploads the image as PNG; calling the API yourself, send a PNG copy of photo.png" }],
      null],
    ["mask on stored pixels of a rotated photo", { image: facts({ width: 30, height: 40, storedWidth: 40, storedHeight: 30, orientation: 6 }), mask: facts({ width: 40, height: 30 }) },
      [{ code: "MASK_ORIENTATION_MISMATCH", severity: "error",
        message: "mask.png is 40x30, the stored size of photo.png, but the image is displayed 30x40 (EXIF orientation 6: rotated 90° clockwise); the mask was drawn on the stored pixels",
        fix: "orient it like the image: maskedit mask mask.png --match photo.png -o mask.fixed.png" }],
      "maskedit mask mask.png --match photo.png -o mask.fixed.png"],
    ["no alpha", { mask: facts({ hasAlpha: false, channels: 3 }), maskRaster: maskRaster({ width: W, height: H, boxes: [{ x: 0, y: 0, width: 40, height: 4 }], style: 'white' }) },
      [{ code: "MASK_NO_ALPHA", severity: "error",
        message: "mask.png is an RGB PNG with no alpha channel (black covers 90.0 %, white 10.0 %); OpenAI edits only where alpha is 0 and rejects a mask without one",
        fix: "make an RGBA mask: maskedit mask mask.png -o mask.fixed.png (picks white as editable; add --edit white or --edit black to choose)" }],
      "maskedit mask mask.png -o mask.fixed.png"],
    ["fully opaque, uniform", { maskRaster: solid(W, H, [0, 0, 0, 255]) },
      [{ code: "MASK_NOTHING_EDITABLE", severity: "error",
        message: "mask.png is fully opaque (every pixel has alpha 255), so nothing would be edited",
        fix: "erase the region to edit to transparency, or build a mask from a box: maskedit mask photo.png --rect X,Y,W,H -o photo.mask.png" }],
      null],
    ["all editable", { maskRaster: solid(W, H, [0, 0, 0, 0]) },
      [{ code: "MASK_ALL_EDITABLE", severity: "warning",
        message: "every pixel of mask.png has alpha 0, so the whole image may change",
        fix: "fine for a full regeneration; otherwise keep only the region to edit transparent, e.g. maskedit mask photo.png --rect X,Y,W,H -o photo.mask.png" }],
      null],
    ["mostly editable", { maskRaster: maskRaster({ width: W, height: H, boxes: [{ x: 0, y: 0, width: 40, height: 30 }] }) },
      [{ code: "MASK_LIKELY_INVERTED", severity: "warning",
        message: "75.0 % of mask.png is editable (alpha 0); edit regions are usually the minority, so the mask may be inverted",
        fix: "if the transparent part is what should stay, invert it: maskedit mask mask.png --invert -o mask.inverted.png" }],
      null],
    ["semi-transparent pixels", { maskRaster: fillBox(goodMask(), { x: 0, y: 10, width: 5, height: 1 }, [0, 0, 0, 128]) },
      [{ code: "MASK_PARTIAL_ALPHA", severity: "warning",
        message: "5 pixels (0.3 %) of mask.png are semi-transparent (alpha 1–254); OpenAI edits only alpha 0, so it would edit 10.0 %; read at the one threshold (alpha below 128) the mask is 10.0 %",
        fix: "make it 0/255 with alpha below 128 editable (what maskedit edit --fix does): maskedit mask mask.png -o mask.fixed.png" }],
      "maskedit mask mask.png -o mask.fixed.png"],
    ["half-size gray mask", { mask: facts({ width: 20, height: 20, hasAlpha: false, channels: 1 }), maskRaster: maskRaster({ width: 20, height: 20, boxes: [{ x: 0, y: 0, width: 20, height: 2 }], style: 'white' }) },
      [{ code: "MASK_SIZE_MISMATCH", severity: "error",
        message: "mask.png is 20x20 but photo.png is 40x40 (same aspect ratio)",
        fix: "resize it (nearest neighbour): maskedit mask mask.png --match photo.png -o mask.fixed.png" },
      { code: "MASK_NO_ALPHA", severity: "error",
        message: "mask.png is a grayscale PNG with no alpha channel (black covers 90.0 %, white 10.0 %); OpenAI edits only where alpha is 0 and rejects a mask without one",
        fix: "make an RGBA mask: maskedit mask mask.png -o mask.fixed.png (picks white as editable; add --edit white or --edit black to choose)" }],
      "maskedit mask mask.png --match photo.png -o mask.fixed.png"],
  ])('%s', (_, over, problems, fix) => {
    expect(diagnoseWithFix(base(over))).toEqual({ problems, fix });
  });
});

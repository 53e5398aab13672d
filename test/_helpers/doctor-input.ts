/**
 * The mask doctor's test inputs: a 40x40 PNG pair whose mask is 10 % editable, with any fact overridden.
 */
import type { DiagnoseInput, ImageFacts } from '../../src/core/doctor.js';
import { maskRaster } from './images.js';

export const MB = 1024 * 1024;
export const W = 40, H = 40;

export const facts = (over: Partial<ImageFacts> = {}): ImageFacts => ({
  format: 'png', bytes: 1000, width: W, height: H, storedWidth: over.width ?? W, storedHeight: over.height ?? H, orientation: 1, hasAlpha: true, ...over,
});

/** 10 % editable: a 40x4 band. */
export const goodMask = () => maskRaster({ width: W, height: H, boxes: [{ x: 0, y: 0, width: 40, height: 4 }] });

/** photo.png (no alpha) and mask.png (the 40x4 band), with `over` applied. */
export const base = (over: Partial<DiagnoseInput> = {}): DiagnoseInput => ({
  image: facts({ hasAlpha: false }), mask: facts(), maskRaster: goodMask(), imageLabel: 'photo.png', maskLabel: 'mask.png', ...over,
});

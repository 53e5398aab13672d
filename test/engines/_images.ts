/** Small synthetic images and masks for the engine tests, made from typed arrays. */
import type { EditMask, Raster } from '../../src/core/raster.js';

export type Rgba = Raster & { channels: 4 };

export function rgba(width: number, height: number, colour: (x: number, y: number) => [number, number, number]): Rgba {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = colour(x, y);
      data.set([r, g, b, 255], (y * width + x) * 4);
    }
  }
  return { width, height, channels: 4, data };
}

/** A textured, non-periodic photo stand-in: sums of sines with colour. */
export function texture(width: number, height: number): Rgba {
  return rgba(width, height, (x, y) => [
    Math.round(128 + 60 * Math.sin(x * 0.31) + 40 * Math.cos(y * 0.23 + x * 0.07)),
    Math.round(128 + 50 * Math.sin((x + y) * 0.17) + 30 * Math.sin(y * 0.41)),
    Math.round(128 + 70 * Math.cos(x * 0.11 - y * 0.19)),
  ]);
}

export function mask(width: number, height: number, editable: (x: number, y: number) => boolean, value = 255): EditMask {
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) if (editable(x, y)) data[y * width + x] = value;
  return { width, height, channels: 1, data };
}

export const disc = (cx: number, cy: number, r: number) => (x: number, y: number) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r;

/** Indices of pixels where the mask is 0 but the two images differ (should always be empty). */
export function changedOutside(a: Raster, b: Raster, m: EditMask): number[] {
  const bad: number[] = [];
  for (let i = 0; i < m.data.length; i++) {
    if (m.data[i]) continue;
    for (let c = 0; c < 4; c++) if (a.data[i * 4 + c] !== b.data[i * 4 + c]) { bad.push(i); break; }
  }
  return bad;
}

/** Mean absolute RGB error over the mask's editable pixels between a result and the truth. */
export function holeError(result: Raster, truth: Raster, m: EditMask): number {
  let sum = 0, n = 0;
  for (let i = 0; i < m.data.length; i++) {
    if (!m.data[i]) continue;
    for (let c = 0; c < 3; c++) { sum += Math.abs(result.data[i * 4 + c]! - truth.data[i * 4 + c]!); n++; }
  }
  return sum / n;
}

/** Paints the editable pixels magenta, so a fill that leaves them alone is caught. */
export function paintHole(img: Rgba, m: EditMask): Rgba {
  const data = new Uint8Array(img.data);
  for (let i = 0; i < m.data.length; i++) if (m.data[i]) data.set([255, 0, 255, 255], i * 4);
  return { ...img, data };
}

/**
 * Texture features for the heal engine's patch distance (Newson, Almansa, Fradet, Gousseau, Pérez, "Video
 * Inpainting of Complex Scenes", SIAM J. Imaging Sciences 2014, §4.2): each known pixel's mean gradient magnitude
 * over a window. Colour alone lets a smooth patch match a textured one about as well as a textured one does (the
 * coarse levels and the first estimates are smooth), so fills drift towards smooth sources and come out blurrier
 * than their surroundings. With the feature in the distance, a hole whose border is textured asks for textured
 * sources, and a smooth one for smooth sources.
 *
 * The feature is computed once, at full resolution, and rides along as a fourth channel: coarse levels average it
 * (so it still describes the fine texture under a coarse patch), the hole gets it from the diffusion at the
 * coarsest level and from its sources' after every vote or copy, exactly like the colours.
 */

/**
 * Writes `scale` × (mean gradient magnitude of the luma over the (2ρ+1)² window) into channel 3 of every known
 * pixel of `img` (w×h, RGBA floats). Gradients are central differences between known pixels; a window's mean is
 * over the gradients it holds (a pixel next to the hole is described by its known side).
 *
 * @example
 * textureToAlpha(img, hole, w, h, 3, 1); // img[4 * i + 3] = mean |∇luma| around pixel i
 */
export function textureToAlpha(img: Float32Array, hole: Uint8Array, w: number, h: number, radius: number, scale: number): void {
  const n = w * h;
  const g = new Float32Array(n);
  const k = new Float32Array(n);
  gradients(img, hole, w, h, g, k);
  const gs = new Float32Array(n), ks = new Float32Array(n);
  boxRows(g, k, w, h, radius, gs, ks);
  boxColumnsInto(gs, ks, hole, w, h, radius, scale, img);
}

/** Rec. 601 luma of pixel i of an RGBA float image (the heal engine's one definition). */
export function lumaAt(img: Float32Array, i: number): number {
  return 0.299 * img[i * 4]! + 0.587 * img[i * 4 + 1]! + 0.114 * img[i * 4 + 2]!;
}

/** g = luma gradient magnitude (central differences) where both neighbours on an axis are known; k = 1 there. */
function gradients(img: Float32Array, hole: Uint8Array, w: number, h: number, g: Float32Array, k: Float32Array): void {
  const luma = (i: number) => lumaAt(img, i);
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1, i = y * w + 1; x < w - 1; x++, i++) {
      if (hole[i] || hole[i - 1] || hole[i + 1] || hole[i - w] || hole[i + w]) continue;
      const gx = (luma(i + 1) - luma(i - 1)) / 2, gy = (luma(i + w) - luma(i - w)) / 2;
      g[i] = Math.sqrt(gx * gx + gy * gy);
      k[i] = 1;
    }
  }
}

/** Horizontal running sums over 2ρ+1 columns, per row. */
function boxRows(g: Float32Array, k: Float32Array, w: number, h: number, radius: number, gs: Float32Array, ks: Float32Array): void {
  for (let y = 0; y < h; y++) {
    const row = y * w;
    let sg = 0, sk = 0;
    for (let x = 0; x < Math.min(radius, w); x++) { sg += g[row + x]!; sk += k[row + x]!; }
    for (let x = 0; x < w; x++) {
      const add = x + radius, drop = x - radius - 1;
      if (add < w) { sg += g[row + add]!; sk += k[row + add]!; }
      if (drop >= 0) { sg -= g[row + drop]!; sk -= k[row + drop]!; }
      gs[row + x] = sg; ks[row + x] = sk;
    }
  }
}

/** Vertical running sums over 2ρ+1 rows of the row sums; the mean × scale into channel 3 of the known pixels. */
function boxColumnsInto(gs: Float32Array, ks: Float32Array, hole: Uint8Array, w: number, h: number, radius: number, scale: number, img: Float32Array): void {
  const sg = new Float64Array(w), sk = new Float64Array(w);
  for (let y = 0; y < Math.min(radius, h); y++) for (let x = 0; x < w; x++) { sg[x]! += gs[y * w + x]!; sk[x]! += ks[y * w + x]!; }
  for (let y = 0; y < h; y++) {
    const add = y + radius, drop = y - radius - 1;
    for (let x = 0; x < w; x++) {
      if (add < h) { sg[x]! += gs[add * w + x]!; sk[x]! += ks[add * w + x]!; }
      if (drop >= 0) { sg[x]! -= gs[drop * w + x]!; sk[x]! -= ks[drop * w + x]!; }
      const i = y * w + x;
      if (!hole[i]) img[i * 4 + 3] = sk[x]! > 0.5 ? (scale * sg[x]!) / sk[x]! : 0;
    }
  }
}

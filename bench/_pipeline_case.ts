/**
 * The pipeline benches' case (pipeline, event-loop, _compare): a 4000×3000 JPEG of OpenCV's home.jpg with a 5 %
 * elliptical mask off-centre (an RGBA PNG as editors export it), and an instant stand-in model.
 */
import sharp from 'sharp';
import { resize } from '../src/core/resize.js';
import { cloneRaster } from '../src/core/raster.js';
import type { Provider } from '../src/providers/provider.js';
import { photoPath } from './_photos.js';

export const W = 4000, H = 3000;
export const PROMPT = 'A living room with a lamp. Add a lamp. Preserve the room.';

/** The photo (JPEG q92) and its mask (PNG, transparent = editable). */
export async function pipelineInputs(): Promise<{ image: Buffer; mask: Buffer }> {
  const image = await sharp(photoPath('opencv/home.jpg')).resize(W, H, { fit: 'fill' }).jpeg({ quality: 92 }).toBuffer();
  const rx = Math.round(Math.sqrt(((0.05 * W * H) / Math.PI) * 1.3)), ry = Math.round(rx / 1.3);
  const alpha = Buffer.alloc(W * H * 4);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) alpha[(y * W + x) * 4 + 3] = ((x - 2600) / rx) ** 2 + ((y - 1200) / ry) ** 2 <= 1 ? 0 : 255;
  const mask = await sharp(alpha, { raw: { width: W, height: H, channels: 4 } }).png().toBuffer();
  return { image, mask };
}

/** An instant "model": the sent crop resized to the asked size with a small drift. */
export const instant: Provider = {
  name: 'openai', surface: 'images',
  async edit(req) {
    const [w, h] = (req.size ?? '1024x1024').split('x').map(Number) as [number, number];
    const out = cloneRaster(resize(req.image, w, h, 'bilinear'));
    for (let i = 0; i < out.data.length; i += 4) out.data[i] = Math.min(255, out.data[i]! + 5);
    return { images: [out] };
  },
};

import sharp from 'sharp';
import { performance } from 'node:perf_hooks';
import { edit } from '../src/pipeline/edit.js';
import { encodeImage, decodeImage } from '../src/io/image.js';
import { resize } from '../src/core/resize.js';
import { cloneRaster } from '../src/core/raster.js';
import type { Provider } from '../src/providers/provider.js';
import { photoPath } from './_photos.js';
const W = 4000, H = 3000;
const image = await sharp(photoPath('opencv/home.jpg')).resize(W, H, { fit: 'fill' }).jpeg({ quality: 92 }).toBuffer();
const rx = Math.round(Math.sqrt((0.05 * W * H) / Math.PI * 1.3)), ry = Math.round(rx / 1.3);
const svgFree = Buffer.alloc(W * H * 4);
for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
  const inside = ((x - 2600) / rx) ** 2 + ((y - 1200) / ry) ** 2 <= 1;
  svgFree[(y * W + x) * 4 + 3] = inside ? 0 : 255;
}
const mask = await sharp(svgFree, { raw: { width: W, height: H, channels: 4 } }).png().toBuffer();
const instant: Provider = {
  name: 'openai', surface: 'images',
  async edit(req) {
    const [w, h] = (req.size ?? '1024x1024').split('x').map(Number) as [number, number];
    const out = cloneRaster(resize(req.image, w, h, 'bilinear'));
    for (let i = 0; i < out.data.length; i += 4) out.data[i] = Math.min(255, out.data[i]! + 5);
    return { images: [out] };
  },
};
const T = async (label: string, f: () => Promise<unknown>) => { const t = performance.now(); const v = await f(); console.log(label, Math.round(performance.now() - t)); return v; };
const N = Number(process.env.N ?? 4);
for (let k = 0; k < N; k++) {
  const a = await T('decode', () => Promise.all([decodeImage(image), decodeImage(mask, { role: 'mask' })])) as any;
  await T('encode-in', () => encodeImage(a[0].raster));
  const r = await T('edit', () => edit({ image, mask, prompt: 'A living room with a lamp. Add a lamp. Preserve the room.', provider: instant })) as any;
  console.log(JSON.stringify(r.report.timingsMs));
  await T('encode-out', () => encodeImage(r.outputs[0]));
}

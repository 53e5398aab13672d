/**
 * Pipeline overhead: everything `maskedit edit` does except the provider call (decode + doctor, plan, crop and
 * resize, map back, spillover, strict stitch, encode the output) on a 4000×3000 photo with a 5 % mask, against
 * the floor of decoding the same image and mask and encoding the output once with sharp. Goal: ≤ 1.5× the floor
 * (the provider's own time is taken out; floor and pipeline run in turn, median of 5 each).
 */
import sharp from 'sharp';
import { performance } from 'node:perf_hooks';
import { loadavg } from 'node:os';
import { edit } from '../src/pipeline/edit.js';
import { encodeImage, decodeImage } from '../src/io/image.js';
import { resize } from '../src/core/resize.js';
import { cloneRaster } from '../src/core/raster.js';
import type { Provider } from '../src/providers/provider.js';
import { interleavedMedians, table, verdict } from './_util.js';
import { photoPath } from './_photos.js';

const W = 4000, H = 3000;
const image = await sharp(photoPath('opencv/home.jpg')).resize(W, H, { fit: 'fill' }).jpeg({ quality: 92 }).toBuffer();
// A 5 % elliptical mask off-centre.
const rx = Math.round(Math.sqrt((0.05 * W * H) / Math.PI * 1.3)), ry = Math.round(rx / 1.3);
const svgFree = Buffer.alloc(W * H * 4);
for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
  const inside = ((x - 2600) / rx) ** 2 + ((y - 1200) / ry) ** 2 <= 1;
  svgFree[(y * W + x) * 4 + 3] = inside ? 0 : 255;
}
const mask = await sharp(svgFree, { raw: { width: W, height: H, channels: 4 } }).png().toBuffer();

/** An instant "model": the sent crop resized to the asked size with a small drift. */
const instant: Provider = {
  name: 'openai', surface: 'images',
  async edit(req) {
    const [w, h] = (req.size ?? '1024x1024').split('x').map(Number) as [number, number];
    const out = cloneRaster(resize(req.image, w, h, 'bilinear'));
    for (let i = 0; i < out.data.length; i += 4) out.data[i] = Math.min(255, out.data[i]! + 5);
    return { images: [out] };
  },
};

const floorRun = async () => {
  const [a] = await Promise.all([decodeImage(image), decodeImage(mask, { role: 'mask' })]);
  await encodeImage(a.raster);
};
let providerMs: number[] = [];
const totalRun = async () => {
  const r = await edit({ image, mask, prompt: 'A living room with a lamp. Add a lamp. Preserve the room.', provider: instant });
  providerMs.push(r.report.timingsMs.provider ?? 0);
  await encodeImage(r.outputs[0]!);
};
// Floor and pipeline in turn (A, B, A, B, …): a burst on the shared machine slows both alike.
const [floor = NaN, totalMs = NaN] = await interleavedMedians([floorRun, totalRun], 5);
providerMs = providerMs.sort((a, b) => a - b);
const overhead = totalMs - providerMs[Math.floor(providerMs.length / 2)]!;
const t = performance.now();
const last = await edit({ image, mask, prompt: 'A living room with a lamp. Add a lamp. Preserve the room.', provider: instant });
const oneRun = performance.now() - t;
table([
  { what: 'decode image+mask, encode output (floor)', ms: Math.round(floor) },
  { what: 'edit() + encode, provider excluded', ms: Math.round(overhead) },
  ...Object.entries(last.report.timingsMs).map(([k, v]) => ({ what: `  step ${k}`, ms: v })),
]);
console.log(`one run: ${Math.round(oneRun)} ms; crop ${last.report.crops.map((c) => `${c.width}x${c.height}→${c.sendWidth}x${c.sendHeight}`).join(', ')}; final outside changed: ${last.report.finalOutsideChangedPixels}; load average ${loadavg()[0]!.toFixed(1)}`);
process.exit(verdict('pipeline overhead / (decode + encode floor)', overhead / floor, 1.5) ? 0 : 1);

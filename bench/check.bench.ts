/**
 * `npm run bench check`: `checkPair` on a 4096×4096 image + mask vs the floor — the time sharp needs to decode
 * both files to raw pixels in this process (both at once, as checkPair does). Goal: checkPair ≤ 1.1× the floor.
 * The image is a real photo (skimage's astronaut, from Debian's python3-skimage) upscaled to 4096², written as
 * PNG and as JPEG; the mask is an RGBA PNG with a soft-edged blob (so the partial-alpha rule has work to do).
 */
import sharp, { type Sharp } from 'sharp';
import { checkPair } from '../src/pipeline/check.js';
import { interleavedMedians, table, verdict } from './_util.js';
import { photoPath } from './_photos.js';

const SIZE = 4096;
const RUNS = 11;

async function photo(): Promise<Sharp> {
  try {
    return sharp(photoPath('skimage/astronaut.png')).resize(SIZE, SIZE, { kernel: 'lanczos3' });
  } catch (e) {
    // Offline: a synthetic picture keeps the bench runnable (and says so).
    console.log(`(no photo: ${(e as Error).message.split('\n')[0]}; using a synthetic gradient)`);
    const raw = Buffer.alloc(SIZE * SIZE * 3);
    for (let i = 0; i < SIZE * SIZE; i++) {
      const x = i % SIZE, y = (i - x) / SIZE;
      raw[i * 3] = (x * 255) / SIZE; raw[i * 3 + 1] = (y * 255) / SIZE; raw[i * 3 + 2] = ((x ^ y) & 255);
    }
    return sharp(raw, { raw: { width: SIZE, height: SIZE, channels: 3 } });
  }
}

function blobMask(): Buffer {
  // An ellipse covering ~9 % of the picture with a 6 px soft edge, alpha 0 inside: like a brushed mask.
  const data = Buffer.alloc(SIZE * SIZE * 4);
  const cx = SIZE * 0.55, cy = SIZE * 0.6, rx = SIZE * 0.2, ry = SIZE * 0.14;
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const d = Math.sqrt(((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2);
      const edge = (d - 1) * Math.min(rx, ry) / 6; // <0 inside, 0..1 across 6 px
      data[(y * SIZE + x) * 4 + 3] = edge <= 0 ? 0 : edge >= 1 ? 255 : Math.round(edge * 255);
    }
  }
  return data;
}

const base = await photo();
const imagePng = await base.clone().png({ compressionLevel: 6 }).toBuffer();
const imageJpeg = await base.clone().jpeg({ quality: 90 }).toBuffer();
const mask = await sharp(blobMask(), { raw: { width: SIZE, height: SIZE, channels: 4 } }).png().toBuffer();
const mb = (b: Uint8Array) => `${(b.length / 1024 / 1024).toFixed(1)} MB`;
console.log(`image PNG ${mb(imagePng)}, image JPEG ${mb(imageJpeg)}, mask PNG ${mb(mask)} (${SIZE}x${SIZE})`);

const floor = (image: Uint8Array) => Promise.all([
  sharp(image).raw().toBuffer(),
  sharp(mask).raw().toBuffer(),
]);

const rows: Record<string, string | number>[] = [];
let pass = true;
for (const [name, image] of [['PNG image', imagePng], ['JPEG image', imageJpeg]] as const) {
  const report = await checkPair({ image, mask });
  const [floorMs = NaN, checkMs = NaN] = await interleavedMedians([() => floor(image), () => checkPair({ image, mask })], RUNS);
  const ratio = checkMs / floorMs;
  rows.push({ pair: `${name} + PNG mask`, 'floor ms': Math.round(floorMs), 'checkPair ms': Math.round(checkMs), ratio: Number(ratio.toFixed(2)), problems: report.problems.map((p) => p.code).join(' ') || '-' });
  pass = verdict(`checkPair / sharp decode floor (${name})`, ratio, 1.1) && pass;
}
table(rows);
process.exit(pass ? 0 : 1);

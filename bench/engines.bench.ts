/**
 * `npm run bench engines`: the embedded fill engines on real photos with synthetic, seeded holes.
 *
 * Measured per photo, hole kind and engine:
 * - coherence: mean over sampled filled pixels of the per-pixel SSD from their 7×7 patch to the nearest fully
 *   known 7×7 patch of the image, found by an exact search here (not the engine's) — lower is better; blur and
 *   smears score badly because no known patch looks like them;
 * - PSNR over the hole pixels, reported for thin strokes where it means something;
 * - fill time.
 * Then: patchmatch's win rate over telea on coherence (goal ≥ 80 %), its PSNR gap on strokes (goal ≤ 1.5 dB)
 * and the median fill time of a 1024×768 image with a 10 % hole (goal ≤ 1.5 s). Side-by-side PNGs
 * (original | hole | telea | patchmatch) go to bench/out/engines/.
 */
import { mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { countNonZero, type EditMask, type Raster } from '../src/core/raster.js';
import { getEngine, type Engine } from '../src/engines/index.js';
import { closeHelpers } from '../src/engines/_patchmatch_pool.js';
import { rng } from '../src/engines/_patchmatch_kernel.js';
import { photoPath } from './_photos.js';
import { median, table, verdict } from './_util.js';

type Rgba = Raster & { channels: 4 };
const OUT = join('bench', 'out', 'engines');
const PHOTOS = ['skimage/coffee.png', 'skimage/astronaut.png', 'skimage/chelsea.png', 'skimage/rocket.jpg', 'skimage/motorcycle_left.png', 'skimage/brick.png', 'opencv/fruits.jpg', 'opencv/baboon.jpg', 'opencv/home.jpg'];
const KINDS = ['blob', 'box', 'strokes'] as const;
type Kind = (typeof KINDS)[number];
const ENGINES = ['telea', 'ns', 'patchmatch'] as const;
const SAMPLES = 300;

async function load(name: string, maxSide: number, exact?: { width: number; height: number }): Promise<Rgba> {
  let s = sharp(photoPath(name)).removeAlpha().toColourspace('srgb');
  s = exact ? s.resize(exact.width, exact.height, { fit: 'cover' }) : s.resize(maxSide, maxSide, { fit: 'inside', withoutEnlargement: true });
  const { data, info } = await s.ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: 4, data: new Uint8Array(data) };
}

/** Seeded synthetic holes: a blob of overlapping discs (~8 %), a box (~6 %), or thin strokes (~3 %). */
function makeHole(kind: Kind, W: number, H: number, seed: number, fraction?: number): EditMask {
  const m: EditMask = { width: W, height: H, channels: 1, data: new Uint8Array(W * H) };
  const rand = rng(seed);
  const area = () => { let n = 0; for (const v of m.data) if (v) n++; return n / (W * H); };
  const disc = (cx: number, cy: number, rad: number) => {
    for (let y = Math.max(0, Math.floor(cy - rad)); y <= Math.min(H - 1, Math.ceil(cy + rad)); y++) {
      for (let x = Math.max(0, Math.floor(cx - rad)); x <= Math.min(W - 1, Math.ceil(cx + rad)); x++) {
        if ((x - cx) ** 2 + (y - cy) ** 2 <= rad * rad) m.data[y * W + x] = 255;
      }
    }
  };
  if (kind === 'blob') {
    const goal = fraction ?? 0.08;
    const cx = W * (0.3 + 0.4 * rand()), cy = H * (0.3 + 0.4 * rand());
    const base = Math.sqrt(goal * W * H / Math.PI) * 0.55;
    while (area() < goal) disc(cx + (rand() - 0.5) * base * 1.6, cy + (rand() - 0.5) * base * 1.6, base * (0.5 + 0.5 * rand()));
  } else if (kind === 'box') {
    const bw = Math.round(W * (0.2 + 0.1 * rand())), bh = Math.round((0.06 * W * H) / bw);
    const x0 = Math.floor(rand() * (W - bw)), y0 = Math.floor(rand() * (H - bh));
    for (let y = y0; y < y0 + bh; y++) for (let x = x0; x < x0 + bw; x++) m.data[y * W + x] = 255;
  } else {
    while (area() < 0.03) {
      let x = rand() * W, y = rand() * H, a = rand() * Math.PI * 2;
      for (let i = 0; i < 120; i++) {
        disc(x, y, 2.5);
        a += (rand() - 0.5) * 0.3;
        x += Math.cos(a) * 2; y += Math.sin(a) * 2;
      }
    }
  }
  return m;
}

/** Per-channel patch means of every 7×7 patch (for the exact search's lower bound). */
function patchMeans(img: Rgba, r: number): Float32Array {
  const { width: W, height: H, data } = img;
  const S = new Float64Array((W + 1) * (H + 1) * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      for (let c = 0; c < 3; c++) {
        S[((y + 1) * (W + 1) + x + 1) * 3 + c] = data[(y * W + x) * 4 + c]! + S[(y * (W + 1) + x + 1) * 3 + c]! + S[((y + 1) * (W + 1) + x) * 3 + c]! - S[(y * (W + 1) + x) * 3 + c]!;
      }
    }
  }
  const out = new Float32Array(W * H * 3);
  const n = (2 * r + 1) ** 2;
  for (let y = r; y < H - r; y++) {
    for (let x = r; x < W - r; x++) {
      for (let c = 0; c < 3; c++) {
        const a = ((y + r + 1) * (W + 1) + x + r + 1) * 3 + c, b = ((y - r) * (W + 1) + x + r + 1) * 3 + c;
        const d = ((y + r + 1) * (W + 1) + x - r) * 3 + c, e = ((y - r) * (W + 1) + x - r) * 3 + c;
        out[(y * W + x) * 3 + c] = (S[a]! - S[b]! - S[d]! + S[e]!) / n;
      }
    }
  }
  return out;
}

/** Centres of the fully known 7×7 patches, and a seeded sample of hole pixels whose 7×7 patch fits the image. */
function plan(mask: EditMask, r: number, seed: number): { sources: Int32Array; samples: Int32Array } {
  const { width: W, height: H, data } = mask;
  const sources: number[] = [];
  const holes: number[] = [];
  for (let y = r; y < H - r; y++) {
    for (let x = r; x < W - r; x++) {
      if (data[y * W + x]) holes.push(y * W + x);
      let known = true;
      for (let dy = -r; dy <= r && known; dy++) for (let dx = -r; dx <= r; dx++) if (data[(y + dy) * W + x + dx]) { known = false; break; }
      if (known) sources.push(y * W + x);
    }
  }
  const rand = rng(seed);
  for (let i = holes.length - 1; i > 0; i--) { const j = Math.floor(rand() * (i + 1)); [holes[i], holes[j]] = [holes[j]!, holes[i]!]; }
  return { sources: Int32Array.from(sources), samples: Int32Array.from(holes.slice(0, SAMPLES)) };
}

/**
 * Exact nearest known patch by brute force: SSD ≥ n·|Δmean|² prunes most candidates, the rest stop early.
 * Returns the mean per-pixel RGB SSD (over the 49 pixels) of the sampled filled patches.
 */
function coherence(img: Rgba, sources: Int32Array, samples: Int32Array, r: number): number {
  const { width: W, data } = img;
  const means = patchMeans(img, r);
  const n = (2 * r + 1) ** 2;
  let total = 0;
  for (const p of samples) {
    const m0 = means[p * 3]!, m1 = means[p * 3 + 1]!, m2 = means[p * 3 + 2]!;
    let best = Infinity;
    for (const s of sources) {
      const a = means[s * 3]! - m0, b = means[s * 3 + 1]! - m1, c = means[s * 3 + 2]! - m2;
      if (n * (a * a + b * b + c * c) >= best) continue;
      let sum = 0;
      for (let dy = -r; dy <= r && sum < best; dy++) {
        let i = ((p + dy * W - r) * 4), j = ((s + dy * W - r) * 4);
        for (let dx = -r; dx <= r; dx++, i += 4, j += 4) {
          const d0 = data[i]! - data[j]!, d1 = data[i + 1]! - data[j + 1]!, d2 = data[i + 2]! - data[j + 2]!;
          sum += d0 * d0 + d1 * d1 + d2 * d2;
        }
      }
      if (sum < best) best = sum;
    }
    total += best / n;
  }
  return total / samples.length;
}

function psnr(a: Rgba, b: Rgba, mask: EditMask): number {
  let se = 0, k = 0;
  for (let i = 0; i < mask.data.length; i++) {
    if (!mask.data[i]) continue;
    for (let c = 0; c < 3; c++) { const d = a.data[i * 4 + c]! - b.data[i * 4 + c]!; se += d * d; k++; }
  }
  return 10 * Math.log10((255 * 255) / (se / k));
}

async function sideBySide(file: string, original: Rgba, mask: EditMask, fills: Rgba[]): Promise<void> {
  const holed = new Uint8Array(original.data);
  for (let i = 0; i < mask.data.length; i++) if (mask.data[i]) { holed[i * 4] = 255; holed[i * 4 + 1] = 0; holed[i * 4 + 2] = 255; }
  const tiles = [original.data, holed, ...fills.map((f) => f.data)];
  const { width: W, height: H } = original;
  const inputs = await Promise.all(tiles.map((t) => sharp(Buffer.from(t), { raw: { width: W, height: H, channels: 4 } }).png().toBuffer()));
  await sharp({ create: { width: W * tiles.length, height: H, channels: 4, background: '#000' } })
    .composite(inputs.map((input, i) => ({ input, left: i * W, top: 0 })))
    .png().toFile(file);
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const engines = Object.fromEntries(await Promise.all(ENGINES.map(async (n) => [n, await getEngine(n)] as const))) as Record<(typeof ENGINES)[number], Engine>;
  const r = 3;
  const rows: Record<string, string | number>[] = [];
  let wins = 0, cases = 0;
  const strokeGap: number[] = [];
  // MASKEDIT_BENCH_ENGINES=speed skips the quality part (for re-measuring speed when the machine is quieter).
  const speedOnly = process.env.MASKEDIT_BENCH_ENGINES === 'speed';
  for (const [pi, name] of (speedOnly ? [] : PHOTOS).entries()) {
    const img = await load(name, 512);
    for (const [ki, kind] of KINDS.entries()) {
      const seed = 1000 + pi * 10 + ki;
      const mask = makeHole(kind, img.width, img.height, seed);
      const { sources, samples } = plan(mask, r, seed);
      const result: Record<string, { coh: number; psnr: number; ms: number; out: Rgba }> = {};
      for (const e of ENGINES) {
        const t = performance.now();
        const out = await engines[e].fill(img, mask, { seed });
        const ms = performance.now() - t;
        result[e] = { coh: coherence(out, sources, samples, r), psnr: psnr(out, img, mask), ms, out };
      }
      const hole = countNonZero(mask) / mask.data.length;
      for (const e of ENGINES) {
        rows.push({ photo: name, size: `${img.width}x${img.height}`, hole: `${kind} ${(hole * 100).toFixed(1)}%`, engine: e, coherence: Number(result[e]!.coh.toFixed(1)), psnr: Number(result[e]!.psnr.toFixed(2)), ms: Math.round(result[e]!.ms) });
      }
      cases++;
      if (result.patchmatch!.coh < result.telea!.coh) wins++;
      if (kind === 'strokes') strokeGap.push(result.telea!.psnr - result.patchmatch!.psnr);
      await sideBySide(join(OUT, `${name.replace(/[/.]/g, '_')}-${kind}.png`), img, mask, [result.telea!.out, result.patchmatch!.out]);
    }
  }
  table(rows);

  // Speed: 1024×768, 10 % blob, fill only.
  const big = await load('opencv/aero1.jpg', 1024, { width: 1024, height: 768 });
  const bigMask = makeHole('blob', 1024, 768, 77, 0.10);
  const holeFrac = countNonZero(bigMask) / bigMask.data.length;
  const load0 = loadavg()[0]!;
  const speed: Record<string, number> = {};
  const variants: [string, Engine, Record<string, unknown>][] = [
    ['patchmatch (auto threads)', engines.patchmatch, {}],
    ['patchmatch (main thread only)', engines.patchmatch, { workers: 0 }],
    ['telea', engines.telea, {}],
  ];
  const cpu: Record<string, number> = {};
  for (const [label, e, o] of variants) {
    const c0 = process.cpuUsage();
    speed[label] = await median(() => e.fill(big, bigMask, { seed: 5, ...o }), 5, 1);
    const c = process.cpuUsage(c0);
    cpu[label] = (c.user + c.system) / 1000 / 6;
  }
  // CPU time per fill (all threads of this process) is far less sensitive than wall time to other load.
  table(Object.entries(speed).map(([k, v]) => ({ 'speed 1024x768': k, hole: `${(holeFrac * 100).toFixed(1)}%`, 'median wall ms (5 runs)': Math.round(v), 'mean CPU ms per fill': Math.round(cpu[k]!) })));
  console.log(`load average before the speed runs: ${load0.toFixed(2)} (1 min), after: ${loadavg()[0]!.toFixed(2)}; CPUs: 2`);

  strokeGap.sort((a, b) => a - b);
  const meanGap = strokeGap.reduce((a, b) => a + b, 0) / strokeGap.length;
  if (!speedOnly) console.log(`\npatchmatch beats telea on coherence in ${wins}/${cases} cases`);
  const ok = [
    ...(speedOnly ? [] : [
      verdict('coherence win rate patchmatch vs telea', wins / cases, 0.8, '>='),
      verdict('stroke PSNR gap telea − patchmatch, mean dB', meanGap, 1.5, '<='),
    ]),
    verdict('1024x768 10% hole, patchmatch median seconds', speed['patchmatch (auto threads)']! / 1000, 1.5, '<='),
  ];
  console.log(`side-by-side images (original | hole | telea | patchmatch): ${OUT}/`);
  await closeHelpers();
  process.exitCode = ok.every(Boolean) ? 0 : 1;
}

await main();

/**
 * `npm run bench -- engines`: object removal on real photos with known ground truth, and a distractor.
 *
 * Each case takes a real photo (Debian's python3-skimage / opencv-doc, ≤ 1024 px), places a distinctive
 * **distractor** object (a striped disc of a colour far from the photo's) next to where the hole will be — it is
 * part of the scene, so it is in the ground truth too — then paints a synthetic object into a seeded hole (blob,
 * box, or thin strokes) and masks it. A good fill rebuilds the photo's background in the hole and does not copy
 * the distractor into it.
 *
 * Per engine (heal, patchmatch, telea, and G'MIC `inpaint_matchpatch` run as a process; G'MIC is only a
 * yardstick here, never a dependency): SSIM and GMSD in the hole against the ground truth, sharpness ratio
 * (gradient inside the hole, fill / truth), seam ratio (gradient on the hole's outline, fill / truth),
 * transplant fraction (hole pixels in the distractor's colour), wall and CPU time; and, for reference, sharpness
 * vs ring (gradient inside the hole over gradient on the ring 3–12 px around it, in the same image; the truth's
 * own value is printed), which unlike the sharpness ratio does not punish leaving out an object the truth had. Montages of the hole's
 * neighbourhood (input | heal | patchmatch | telea | gmic | truth) go to bench/out/engines/.
 *
 * Then speed: heal's median on 1024×768 with a 10 % hole, and a 12 MP photo with a 5 % hole in a child process
 * (wall time and peak RSS). Environment: MASKEDIT_BENCH_SIZE (default 1024), MASKEDIT_BENCH_ENGINES=speed (skip
 * quality) or =quality (skip speed), MASKEDIT_BENCH_PHOTOS=n (first n photos) or =brick,home (photos by name), MASKEDIT_BENCH_GMIC=0 (skip G'MIC),
 * MASKEDIT_BENCH_FILL=heal,telea (which local engines the quality part runs; default all three),
 * MASKEDIT_BENCH_GMIC_CACHE=DIR (keep G'MIC's outputs and times by input hash; a rerun reuses them),
 * MASKEDIT_BENCH_OPTS='{"texture":0}' (options for every local engine in the quality part, as JSON: to try a setting).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { boundingBox, countNonZero, type EditMask, type Raster } from '../src/core/raster.js';
import { getEngine, type Engine } from '../src/engines/index.js';
import { closeHelpers } from '../src/engines/_patchmatch_pool.js';
import { rng } from '../src/engines/_patchmatch_kernel.js';
import { photoPath } from './_photos.js';
import { median, table, verdict } from './_util.js';
import { gmsdInHole, ringSharpness, seamRatio, sharpnessRatio, ssimInHole, transplantFraction } from './_fill_metrics.js';

type Rgba = Raster & { channels: 4 };
const OUT = process.env.MASKEDIT_BENCH_OUT ?? join('bench', 'out', 'engines');
const PHOTOS = ['skimage/coffee.png', 'skimage/astronaut.png', 'skimage/chelsea.png', 'skimage/rocket.jpg', 'skimage/motorcycle_left.png', 'skimage/brick.png', 'skimage/grass.png', 'opencv/fruits.jpg', 'opencv/baboon.jpg', 'opencv/home.jpg'];
const KINDS = ['blob', 'box', 'strokes'] as const;
type Kind = (typeof KINDS)[number];
const ALL_LOCAL = ['heal', 'patchmatch', 'telea'] as const;
const LOCAL = (process.env.MASKEDIT_BENCH_FILL ?? ALL_LOCAL.join(',')).split(',').filter((n): n is (typeof ALL_LOCAL)[number] => (ALL_LOCAL as readonly string[]).includes(n));
const PALETTE: [number, number, number][] = [[0, 230, 255], [255, 40, 200], [40, 255, 40], [255, 230, 0], [30, 60, 255], [255, 90, 0]];
const SIZE = Number(process.env.MASKEDIT_BENCH_SIZE ?? 1024);
const USE_GMIC = process.env.MASKEDIT_BENCH_GMIC !== '0';
const OPTS = JSON.parse(process.env.MASKEDIT_BENCH_OPTS ?? '{}') as Record<string, unknown>;

async function load(name: string, maxSide: number, exact?: { width: number; height: number }): Promise<Rgba> {
  let s = sharp(photoPath(name)).removeAlpha().toColourspace('srgb');
  s = exact ? s.resize(exact.width, exact.height, { fit: 'cover' }) : s.resize(maxSide, maxSide, { fit: 'inside', withoutEnlargement: false });
  const { data, info } = await s.ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: 4, data: new Uint8Array(data) };
}

/** Seeded holes: a blob of overlapping discs, a box, or thin strokes (~5 px wide). */
function makeHole(kind: Kind, W: number, H: number, seed: number, fraction?: number): EditMask {
  const m: EditMask = { width: W, height: H, channels: 1, data: new Uint8Array(W * H) };
  const rand = rng(seed);
  const area = () => countNonZero(m) / (W * H);
  const disc = (cx: number, cy: number, rad: number) => {
    for (let y = Math.max(0, Math.floor(cy - rad)); y <= Math.min(H - 1, Math.ceil(cy + rad)); y++) {
      for (let x = Math.max(0, Math.floor(cx - rad)); x <= Math.min(W - 1, Math.ceil(cx + rad)); x++) {
        if ((x - cx) ** 2 + (y - cy) ** 2 <= rad * rad) m.data[y * W + x] = 255;
      }
    }
  };
  if (kind === 'blob') {
    const goal = fraction ?? 0.05;
    const cx = W * (0.35 + 0.3 * rand()), cy = H * (0.35 + 0.3 * rand());
    const base = Math.sqrt((goal * W * H) / Math.PI) * 0.6;
    while (area() < goal) disc(cx + (rand() - 0.5) * base * 1.4, cy + (rand() - 0.5) * base * 1.4, base * (0.5 + 0.5 * rand()));
  } else if (kind === 'box') {
    const bw = Math.round(W * (0.15 + 0.1 * rand())), bh = Math.round((0.04 * W * H) / bw);
    const x0 = Math.floor(W * 0.2 + rand() * (W * 0.6 - bw)), y0 = Math.floor(H * 0.2 + rand() * (H * 0.6 - bh));
    for (let y = y0; y < y0 + bh; y++) for (let x = x0; x < x0 + bw; x++) m.data[y * W + x] = 255;
  } else {
    while (area() < 0.025) {
      let x = W * (0.15 + 0.7 * rand()), y = H * (0.15 + 0.7 * rand()), a = rand() * Math.PI * 2;
      for (let i = 0; i < 80; i++) {
        disc(x, y, 2.5);
        a += (rand() - 0.5) * 0.3;
        x += Math.cos(a) * 2; y += Math.sin(a) * 2;
      }
    }
  }
  return m;
}

/** The palette colour farthest from every pixel of the photo (so the distractor is unmistakable). */
function distinctColour(img: Rgba): [number, number, number] {
  let best = PALETTE[0]!, bestD = -1;
  for (const c of PALETTE) {
    let d = Infinity;
    for (let i = 0; i < img.data.length; i += 4 * 7) d = Math.min(d, Math.hypot(img.data[i]! - c[0], img.data[i + 1]! - c[1], img.data[i + 2]! - c[2]));
    if (d > bestD) { bestD = d; best = c; }
  }
  return best;
}

/**
 * Paints the distractor, a striped disc, just outside the hole: right of its box (or left when that does not
 * fit), `gap` pixels off the hole's nearest pixel on that row. Returns its colour.
 */
function placeDistractor(img: Rgba, m: EditMask, rad: number, colour: [number, number, number]): void {
  const W = img.width, H = img.height, b = boundingBox(m)!;
  const cy = Math.round(b.y + b.height / 2);
  // The hole's extent on the distractor's row decides where "just outside" is.
  let right = -1, left = W;
  for (let y = Math.max(0, cy - rad); y <= Math.min(H - 1, cy + rad); y++) for (let x = 0; x < W; x++) if (m.data[y * W + x]) { right = Math.max(right, x); left = Math.min(left, x); }
  const gap = 6;
  const cx = right + gap + rad < W ? right + gap + rad : left - gap - rad;
  for (let y = Math.max(0, cy - rad); y <= Math.min(H - 1, cy + rad); y++) {
    for (let x = Math.max(0, cx - rad); x <= Math.min(W - 1, cx + rad); x++) {
      if ((x - cx) ** 2 + (y - cy) ** 2 > rad * rad || m.data[y * W + x]) continue;
      const stripe = Math.floor((x - cx + rad) / Math.max(2, rad / 3)) % 2 === 1;
      const shade = stripe ? 0.55 : 1;
      img.data.set([Math.round(colour[0] * shade), Math.round(colour[1] * shade), Math.round(colour[2] * shade), 255], (y * W + x) * 4);
    }
  }
}

/** The object to remove: a shaded grey blob over the hole (only what the montage's input shows). */
function paintObject(img: Rgba, m: EditMask): Rgba {
  const out = { ...img, data: new Uint8Array(img.data) };
  const b = boundingBox(m)!;
  for (let y = b.y; y < b.y + b.height; y++) {
    for (let x = b.x; x < b.x + b.width; x++) {
      if (!m.data[y * img.width + x]) continue;
      const v = Math.round(70 + 90 * ((x - b.x) / Math.max(1, b.width)) * (1 - (y - b.y) / Math.max(1, b.height)));
      out.data.set([v, v - 10, v + 15, 255], (y * img.width + x) * 4);
    }
  }
  return out;
}

async function toPng(img: Raster, file: string): Promise<void> {
  await sharp(Buffer.from(img.data), { raw: { width: img.width, height: img.height, channels: img.channels } }).png().toFile(file);
}

/** G'MIC's inpaint_matchpatch as a process: returns the fill and the process's wall and CPU ms. */
async function gmicFill(input: Rgba, m: EditMask, dir: string): Promise<{ out: Rgba; ms: number; cpuMs: number }> {
  const rgb = { width: input.width, height: input.height, channels: 3 as const, data: new Uint8Array(input.width * input.height * 3) };
  for (let i = 0; i < input.width * input.height; i++) rgb.data.set(input.data.subarray(i * 4, i * 4 + 3), i * 3);
  // G'MIC takes 20–100 s a case: its output and times are kept by input hash (MASKEDIT_BENCH_GMIC_CACHE, a folder),
  // so a rerun after changing maskedit's engines does not run it again. The times are those of the first run.
  const cacheDir = process.env.MASKEDIT_BENCH_GMIC_CACHE;
  const key = createHash('sha256').update(rgb.data).update(m.data).update(`${input.width}x${input.height}`).digest('hex').slice(0, 24);
  const cached = cacheDir ? join(cacheDir, `${key}.png`) : undefined;
  if (cached && existsSync(cached)) {
    const { ms, cpuMs } = JSON.parse(readFileSync(`${cached}.json`, 'utf8')) as { ms: number; cpuMs: number };
    return { out: await gmicOutput(cached, input, m), ms, cpuMs };
  }
  await toPng(rgb, join(dir, 'in.png'));
  await toPng(m, join(dir, 'mask.png'));
  const t = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S', 'gmic', '-v', '-1', '-network', '0', join(dir, 'in.png'), join(dir, 'mask.png'), 'inpaint_matchpatch[0]', '[1]', 'keep[0]', 'o', join(dir, 'out.png')], { encoding: 'utf8' });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`gmic failed: ${r.stderr}`);
  const [u, s] = r.stderr.trim().split(/\s+/).slice(-2).map(Number) as [number, number];
  const cpuMs = (u + s) * 1000;
  if (cached) {
    mkdirSync(cacheDir!, { recursive: true });
    copyFileSync(join(dir, 'out.png'), cached);
    writeFileSync(`${cached}.json`, JSON.stringify({ ms, cpuMs }));
  }
  return { out: await gmicOutput(join(dir, 'out.png'), input, m), ms, cpuMs };
}

/** G'MIC's output file pasted into the hole of `input`. */
async function gmicOutput(file: string, input: Rgba, m: EditMask): Promise<Rgba> {
  const { data } = await sharp(file).removeAlpha().ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const out: Rgba = { ...input, data: new Uint8Array(input.data) };
  for (let i = 0; i < m.data.length; i++) if (m.data[i]) out.data.set(data.subarray(i * 4, i * 4 + 3), i * 4);
  return out;
}

/** input | each fill | truth, cropped to the hole's neighbourhood, with a label strip. */
async function montage(file: string, tiles: { label: string; img: Rgba }[], m: EditMask): Promise<void> {
  const b = boundingBox(m)!;
  const pad = Math.round(Math.max(b.width, b.height) * 0.5) + 24;
  const x0 = Math.max(0, b.x - pad), y0 = Math.max(0, b.y - pad);
  const cw = Math.min(tiles[0]!.img.width, b.x + b.width + pad) - x0, ch = Math.min(tiles[0]!.img.height, b.y + b.height + pad) - y0;
  const scale = Math.min(1, 420 / Math.max(cw, ch));
  const tw = Math.max(1, Math.round(cw * scale)), th = Math.max(1, Math.round(ch * scale));
  const inputs = await Promise.all(tiles.map(async ({ img }) => sharp(Buffer.from(img.data), { raw: { width: img.width, height: img.height, channels: 4 } }).extract({ left: x0, top: y0, width: cw, height: ch }).resize(tw, th).png().toBuffer()));
  const labels = Buffer.from(`<svg width="${tw * tiles.length}" height="24" xmlns="http://www.w3.org/2000/svg">${tiles.map((t, i) => `<text x="${i * tw + 6}" y="17" font-family="sans-serif" font-size="15" fill="white">${t.label}</text>`).join('')}</svg>`);
  await sharp({ create: { width: tw * tiles.length, height: th + 24, channels: 4, background: '#222' } })
    .composite([{ input: labels, left: 0, top: 0 }, ...inputs.map((input, i) => ({ input, left: i * tw, top: 24 }))])
    .png().toFile(file);
}

interface Row { ssim: number; gmsd: number; sharp: number; ringSharp: number; seam: number; transplant: number; ms: number; cpuMs: number }

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const med = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

async function quality(engines: Record<string, Engine>): Promise<{ rows: Record<string, Row[]> }> {
  mkdirSync(OUT, { recursive: true });
  const tmp = mkdtempSync(join(tmpdir(), 'maskedit-bench-gmic-'));
  const names = [...LOCAL, ...(USE_GMIC ? ['gmic'] : [])];
  const rows: Record<string, Row[]> = Object.fromEntries(names.map((n) => [n, []]));
  const printed: Record<string, string | number>[] = [];
  const truthRing: number[] = [];
  // MASKEDIT_BENCH_PHOTOS: the first n photos, or a comma-separated list of name parts (e.g. brick,home).
  const pick = process.env.MASKEDIT_BENCH_PHOTOS ?? String(PHOTOS.length);
  const chosen = /^\d+$/.test(pick) ? PHOTOS.map((p, i) => [p, i] as const).slice(0, Number(pick)) : PHOTOS.map((p, i) => [p, i] as const).filter(([p]) => pick.split(',').some((part) => p.includes(part)));
  try {
    for (const [name, pi] of chosen) {
      const photo = await load(name, SIZE);
      const colour = distinctColour(photo);
      for (const [ki, kind] of KINDS.entries()) {
        const seed = 2000 + pi * 10 + ki;
        const m = makeHole(kind, photo.width, photo.height, seed);
        const truth: Rgba = { ...photo, data: new Uint8Array(photo.data) };
        const holePx = countNonZero(m);
        const rad = kind === 'strokes' ? 14 : Math.max(12, Math.round(Math.sqrt(holePx / Math.PI) * 0.45));
        placeDistractor(truth, m, rad, colour);
        const input = paintObject(truth, m);
        truthRing.push(ringSharpness(truth, m));
        const fills: Record<string, Rgba> = {};
        for (const e of names) {
          let out: Rgba, ms: number, cpuMs: number;
          if (e === 'gmic') ({ out, ms, cpuMs } = await gmicFill(input, m, tmp));
          else {
            const c0 = process.cpuUsage(), t = performance.now();
            out = await engines[e]!.fill(input, m, { ...OPTS, seed });
            ms = performance.now() - t;
            const c = process.cpuUsage(c0);
            cpuMs = (c.user + c.system) / 1000;
          }
          fills[e] = out;
          const row: Row = { ssim: ssimInHole(out, truth, m), gmsd: gmsdInHole(out, truth, m), sharp: sharpnessRatio(out, truth, m), ringSharp: ringSharpness(out, m), seam: seamRatio(out, truth, m), transplant: transplantFraction(out, truth, m, colour), ms, cpuMs };
          rows[e]!.push(row);
          const line = { photo: name, hole: `${kind} ${((holePx / m.data.length) * 100).toFixed(1)}%`, engine: e, ssim: Number(row.ssim.toFixed(3)), gmsd: Number(row.gmsd.toFixed(3)), sharp: Number(row.sharp.toFixed(2)), 'vs ring': Number(row.ringSharp.toFixed(2)), seam: Number(row.seam.toFixed(2)), 'transplant %': Number((row.transplant * 100).toFixed(2)), ms: Math.round(ms), 'cpu ms': Math.round(cpuMs) };
          printed.push(line);
          // One line per case as it is measured, so a long run on a busy machine shows its progress.
          console.log(`case ${JSON.stringify(line)}`);
        }
        await montage(join(OUT, `${name.replace(/[/.]/g, '_')}-${kind}.png`), [{ label: 'input', img: input }, ...names.map((n) => ({ label: n, img: fills[n]! })), { label: 'truth', img: truth }], m);
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  table(printed);
  console.log('');
  table(names.map((n) => {
    const r = rows[n]!;
    return {
      engine: n, cases: r.length, 'mean SSIM': Number(mean(r.map((x) => x.ssim)).toFixed(3)), 'mean GMSD': Number(mean(r.map((x) => x.gmsd)).toFixed(3)),
      'mean sharpness': Number(mean(r.map((x) => x.sharp)).toFixed(2)), 'sharpness vs ring': Number(mean(r.map((x) => x.ringSharp)).toFixed(2)), 'mean seam': Number(mean(r.map((x) => x.seam)).toFixed(2)),
      'transplant-free': `${r.filter((x) => x.transplant < 0.005).length}/${r.length}`, 'median ms': Math.round(med(r.map((x) => x.ms))), 'median cpu ms': Math.round(med(r.map((x) => x.cpuMs))),
    };
  }));
  console.log(`sharpness vs ring of the ground truth itself (what a perfect fill scores): ${mean(truthRing).toFixed(2)}`);
  return { rows };
}

/** The child-process part: one 12 MP fill with a 5 % hole; prints JSON with wall ms and the process's peak RSS (photo load included). */
async function big12(): Promise<void> {
  // The kernel's peak-RSS mark starts from the parent's at fork (getrusage's maxrss would report the parent's
  // 1.5 GB after the quality runs): reset it, and read this process's own peak (VmHWM) at the end.
  writeFileSync('/proc/self/clear_refs', '5');
  const img = await load('opencv/aero1.jpg', 0, { width: 4000, height: 3000 });
  const m = makeHole('blob', 4000, 3000, 12, 0.05);
  const e = await getEngine(process.env.MASKEDIT_BENCH_ENGINE ?? 'heal');
  const t = performance.now();
  await e.fill(img, m, { seed: 3 });
  const ms = performance.now() - t;
  await closeHelpers();
  const hwmKb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]);
  process.stdout.write(JSON.stringify({ ms, hole: countNonZero(m) / m.data.length, peakMB: hwmKb / 1024 }) + '\n');
}

async function main(): Promise<void> {
  if (process.env.MASKEDIT_BENCH_ENGINES === 'big12') return big12();
  try { execFileSync('gmic', ['-v', '-1', '-network', '0', 'version'], { stdio: 'ignore' }); } catch { throw new Error('gmic is not installed (Debian package gmic); set MASKEDIT_BENCH_GMIC=0 to skip it'); }
  const engines = Object.fromEntries(await Promise.all(ALL_LOCAL.map(async (n) => [n, await getEngine(n)] as const))) as Record<string, Engine>;
  const speedOnly = process.env.MASKEDIT_BENCH_ENGINES === 'speed';
  const ok: boolean[] = [];
  if (!speedOnly) {
    const { rows } = await quality(engines);
    const h = rows.heal ?? [];
    if (h.length) ok.push(verdict('heal transplant-free cases (fraction)', h.filter((x) => x.transplant < 0.005).length / h.length, 0.9, '>='));
    if (h.length) ok.push(verdict('heal mean sharpness ratio', mean(h.map((x) => x.sharp)), 0.85, '>='));
    if (h.length) ok.push(verdict('heal mean seam ratio', mean(h.map((x) => x.seam)), 1.15, '<='));
    if (USE_GMIC && h.length) {
      const g = rows.gmic!;
      ok.push(verdict('heal mean SSIM − gmic mean SSIM', mean(h.map((x) => x.ssim)) - mean(g.map((x) => x.ssim)), 0, '>='));
      ok.push(verdict('heal mean GMSD − gmic mean GMSD', mean(h.map((x) => x.gmsd)) - mean(g.map((x) => x.gmsd)), 0, '<='));
      ok.push(verdict('heal median wall ms / gmic median wall ms', med(h.map((x) => x.ms)) / med(g.map((x) => x.ms)), 1, '<='));
    }
    console.log(`montages (input | ${[...LOCAL, ...(USE_GMIC ? ['gmic'] : [])].join(' | ')} | truth): ${OUT}/`);
  }

  if (process.env.MASKEDIT_BENCH_ENGINES === 'quality') {
    process.exitCode = ok.every(Boolean) ? 0 : 1;
    return;
  }
  // Speed: 1024×768, 10 % blob, fill only.
  const big = await load('opencv/aero1.jpg', 1024, { width: 1024, height: 768 });
  const bigMask = makeHole('blob', 1024, 768, 77, 0.10);
  const load0 = loadavg()[0]!;
  const speed: Record<string, number> = {}, cpu: Record<string, number> = {};
  for (const [label, e] of [['heal', engines.heal!], ['patchmatch', engines.patchmatch!], ['telea', engines.telea!]] as const) {
    const c0 = process.cpuUsage();
    speed[label] = await median(() => e.fill(big, bigMask, { seed: 5 }), 5, 1);
    const c = process.cpuUsage(c0);
    cpu[label] = (c.user + c.system) / 1000 / 6;
  }
  table(Object.entries(speed).map(([k, v]) => ({ 'speed 1024x768': k, hole: `${((countNonZero(bigMask) / bigMask.data.length) * 100).toFixed(1)}%`, 'median wall ms (5 runs)': Math.round(v), 'mean CPU ms per fill': Math.round(cpu[k]!) })));
  console.log(`load average before the speed runs: ${load0.toFixed(2)} (1 min), after: ${loadavg()[0]!.toFixed(2)}; CPUs: 2`);
  ok.push(verdict('1024x768 10% hole, heal median seconds', speed.heal! / 1000, 1, '<='));

  const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], { env: { ...process.env, MASKEDIT_BENCH_ENGINES: 'big12' }, encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`12 MP child failed: ${child.stderr}`);
  const r12 = JSON.parse(child.stdout.trim().split('\n').pop()!) as { ms: number; hole: number; peakMB: number };
  console.log(`12 MP (4000x3000) with a ${(r12.hole * 100).toFixed(1)}% hole: ${Math.round(r12.ms)} ms, peak RSS ${Math.round(r12.peakMB)} MB (whole process)`);
  ok.push(verdict('12 MP 5% hole, heal seconds', r12.ms / 1000, 4, '<='));
  ok.push(verdict('12 MP 5% hole, peak RSS GB', r12.peakMB / 1024, 1, '<='));
  await closeHelpers();
  process.exitCode = ok.every(Boolean) ? 0 : 1;
}

await main();

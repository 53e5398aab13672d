/**
 * `npm run bench scaling`: how the hot path grows with the picture. `check`, strict stitch + spillover, the
 * whole pipeline except the provider, and each embedded engine on 4:3 photos of 1, 4, 16 and 48 MP with a 5 %
 * elliptical mask: time and peak memory per megapixel, and the slope between 4 MP and the largest size.
 *
 * Every case runs in a fresh child process (so one case's heap, JIT and allocator state cannot colour the next):
 * the child loads the code and reads its input files, collects garbage, resets the kernel's peak-RSS mark
 * (`/proc/self/clear_refs` 5), runs the case once and reads the new peak (VmHWM), then times three warm runs (the median is reported).
 * Peak memory is that peak minus the RSS just before the first run: what the work needs on top of a process
 * that holds its code and its input files. Goals: time/MP and memory/MP within 1.3× between 4 MP and the largest
 * size; the pipeline at most 25 bytes of peak memory per input pixel.
 *
 * Engines (heal, the default, and patchmatch, telea, ns) fill 5 % of the picture at its own resolution, at every
 * size (MASKEDIT_BENCH_ENGINE_MP=1,4,16 for fewer; MASKEDIT_BENCH_SCALING_CASES=heal,pipeline for some rows only). That takes long on big pictures, so each engine cell has a
 * cap (MASKEDIT_BENCH_ENGINE_CAP_S, default 300 s): a cell that reaches it is stopped and shown as `≥` the cap
 * (a lower bound, left out of the slopes).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { table, verdict } from './_util.js';
import { photoPath } from './_photos.js';

const SIZES = (process.env.MASKEDIT_BENCH_SCALING_MP ?? '1,4,16,48').split(',').map(Number);
const ENGINE_SIZES = (process.env.MASKEDIT_BENCH_ENGINE_MP ?? '1,4,16,48').split(',').map(Number).filter((n) => SIZES.includes(n));
const CASES = ['check', 'stitch+spillover', 'pipeline', 'heal', 'patchmatch', 'telea', 'ns'] as const;
const ENGINES: readonly Case[] = ['heal', 'patchmatch', 'telea', 'ns'];
const ENGINE_CAP_MS = Number(process.env.MASKEDIT_BENCH_ENGINE_CAP_S ?? 300) * 1000;
type Case = (typeof CASES)[number];
/** MASKEDIT_BENCH_SCALING_CASES=heal,pipeline: only these rows (default all). */
const PICKED: readonly Case[] = process.env.MASKEDIT_BENCH_SCALING_CASES ? CASES.filter((c) => process.env.MASKEDIT_BENCH_SCALING_CASES!.split(',').includes(c)) : CASES;
const FRACTION = 0.05;
const SLOPE_GOAL = 1.3;
const PIPELINE_BYTES_PER_PIXEL = 25;

function dims(mp: number): { width: number; height: number } {
  const width = Math.round(Math.sqrt((mp * 1e6 * 4) / 3) / 4) * 4;
  return { width, height: (width * 3) / 4 };
}

/** The 5 % ellipse, off-centre, 4:3. */
function inEllipse(w: number, h: number): (x: number, y: number) => boolean {
  const rx = Math.sqrt((FRACTION * w * h * (4 / 3)) / Math.PI), ry = (rx * 3) / 4;
  const cx = w * 0.6, cy = h * 0.45;
  return (x, y) => ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1;
}

// ── child: one case, one size ──────────────────────────────────────────────────────────────────────────────
function status(field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync('/proc/self/status', 'utf8'));
  return Number(m![1]) * 1024;
}

async function child(kind: Case, dir: string): Promise<void> {
  const image = new Uint8Array(readFileSync(join(dir, 'image.jpg')));
  const maskBytes = new Uint8Array(readFileSync(join(dir, 'mask.png')));
  const { width: w, height: h } = await sharp(image).metadata() as { width: number; height: number };
  const { createEditMask } = await import('../src/core/raster.js');
  const editMask = () => {
    const m = createEditMask(w, h);
    const inside = inEllipse(w, h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (inside(x, y)) m.data[y * w + x] = 255;
    return m;
  };
  let run: () => Promise<number | void>;
  if (kind === 'check') {
    const { checkPair } = await import('../src/pipeline/check.js');
    run = async () => { await checkPair({ image, mask: maskBytes }); };
  } else if (kind === 'stitch+spillover') {
    const { decodeImage } = await import('../src/io/image.js');
    const { blendMaskFor, DEFAULT_SEAM, modelMaskFor, stitch } = await import('../src/core/composite.js');
    const { spillover } = await import('../src/core/spillover.js');
    const original = (await decodeImage(image)).raster;
    // A model output with a colour cast everywhere (what GPT image models return: the whole frame redrawn).
    const result = { ...original, data: new Uint8Array(original.data) };
    for (let i = 0; i < result.data.length; i += 4) { result.data[i] = Math.min(255, result.data[i]! + 9); result.data[i + 2] = Math.max(0, result.data[i + 2]! - 5); }
    const mask = editMask();
    run = async () => {
      const { blend } = blendMaskFor(mask);
      const out = stitch(original, result, blend, { seam: DEFAULT_SEAM, modelMask: modelMaskFor(mask) });
      spillover(original, out, mask);
    };
  } else if (kind === 'pipeline') {
    const { edit } = await import('../src/pipeline/edit.js');
    const { encodeImage } = await import('../src/io/image.js');
    const { resample } = await import('../src/io/resample.js');
    // An instant "model": the crop it was sent, slightly warmer (resampled by libvips, like a real answer).
    const instant = {
      name: 'openai' as const, surface: 'images' as const,
      async edit(req: { image: { width: number; height: number; channels: 4; data: Uint8Array }; size?: string }) {
        const [sw, sh] = (req.size ?? '1024x1024').split('x').map(Number) as [number, number];
        const out = await resample({ ...req.image, data: new Uint8Array(req.image.data) }, sw, sh);
        for (let i = 0; i < out.data.length; i += 4) out.data[i] = Math.min(255, out.data[i]! + 5);
        return { images: [out] };
      },
    };
    run = async () => {
      const r = await edit({ image, mask: maskBytes, prompt: 'A living room with a lamp. Add a lamp. Preserve the room.', provider: instant as never });
      await encodeImage(r.outputs[0]!);
      return r.report.timingsMs.provider ?? 0;
    };
  } else {
    const { decodeImage } = await import('../src/io/image.js');
    const { getEngine } = await import('../src/engines/index.js');
    const engine = await getEngine(kind);
    const original = (await decodeImage(image)).raster;
    const mask = editMask();
    run = async () => { await engine.fill(original, mask, { seed: 1 }); };
  }
  // Memory from the first (cold) run: a warm-up would leave freed buffers resident in the allocator and hide
  // what the work needs. Time: the median of three warm runs (engines: the one run, their JIT warms within it).
  (globalThis as { gc?: () => void }).gc?.();
  writeFileSync('/proc/self/clear_refs', '5');
  const before = status('VmRSS');
  let t = performance.now();
  let excluded = (await run()) ?? 0;
  let ms = performance.now() - t - excluded;
  const peak = status('VmHWM') - before;
  if (!ENGINES.includes(kind)) {
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      (globalThis as { gc?: () => void }).gc?.();
      t = performance.now();
      excluded = (await run()) ?? 0;
      times.push(performance.now() - t - excluded);
    }
    ms = times.sort((x, y) => x - y)[1]!;
  }
  process.stdout.write(`${JSON.stringify({ ms, peak, pixels: w * h })}\n`);
  if (kind === 'patchmatch' || kind === 'heal') await (await import('../src/engines/_patchmatch_pool.js')).closeHelpers();
  process.exit(0);
}

// ── parent: inputs, one child per case, the table ─────────────────────────────────────────────────────────
async function makeInputs(mp: number, dir: string): Promise<void> {
  const { width: w, height: h } = dims(mp);
  await sharp(photoPath('opencv/home.jpg')).resize(w, h, { fit: 'fill', kernel: 'lanczos3' }).jpeg({ quality: 92 }).toFile(join(dir, 'image.jpg'));
  const alpha = Buffer.alloc(w * h, 255);
  const inside = inEllipse(w, h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (inside(x, y)) alpha[y * w + x] = 0;
  // An RGBA mask as editors export it: black RGB, alpha 0 where editable.
  await sharp(Buffer.alloc(w * h * 3), { raw: { width: w, height: h, channels: 3 } }).joinChannel(alpha, { raw: { width: w, height: h, channels: 1 } }).png().toFile(join(dir, 'mask.png'));
}

async function parent(): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  const root = mkdtempSync(join(tmpdir(), 'maskedit-scaling-'));
  const results: Record<string, Record<number, { ms: number; peak: number; pixels: number }>> = {};
  const capped: Record<string, Record<number, { ms: number; pixels: number }>> = {};
  const loads: number[] = [];
  try {
    for (const mp of SIZES) {
      const dir = join(root, `${mp}mp`);
      rmSync(dir, { recursive: true, force: true });
      await import('node:fs').then((fs) => fs.mkdirSync(dir));
      await makeInputs(mp, dir);
      for (const kind of PICKED) {
        if (ENGINES.includes(kind) && !ENGINE_SIZES.includes(mp)) continue;
        loads.push(loadavg()[0]!);
        const cap = ENGINES.includes(kind) ? ENGINE_CAP_MS : undefined;
        const r = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', self, '--child', kind, dir], { encoding: 'utf8', maxBuffer: 1 << 24, ...(cap ? { timeout: cap, killSignal: 'SIGKILL' as const } : {}) });
        const line = (r.stdout ?? '').trim().split('\n').pop() ?? '';
        if (cap && r.error && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') {
          (capped[kind] ??= {})[mp] = { ms: cap, pixels: dims(mp).width * dims(mp).height };
          console.log(`  ${kind} ${mp} MP: stopped at the cap, ≥ ${(cap / 1000).toFixed(0)} s`);
          continue;
        }
        if (r.status !== 0 || !line.startsWith('{')) {
          console.log(`${kind} at ${mp} MP failed (exit ${r.status}): ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`);
          continue;
        }
        (results[kind] ??= {})[mp] = JSON.parse(line);
        const x = results[kind][mp]!;
        console.log(`  ${kind} ${mp} MP: ${x.ms.toFixed(0)} ms, peak +${(x.peak / 2 ** 20).toFixed(0)} MiB`);
      }
      rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  console.log(`\n4:3 photos (opencv/home.jpg resized, JPEG q92) with a ${FRACTION * 100} % elliptical RGBA PNG mask; one fresh process per cell; load average ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} on ${(await import('node:os')).cpus().length} cores`);
  const rows: Record<string, string | number>[] = [];
  let pass = true;
  for (const kind of PICKED) {
    const byMp = results[kind] ?? {};
    const sizes = Object.keys(byMp).map(Number).sort((a, b) => a - b);
    if (!sizes.length) continue;
    const row: Record<string, string | number> = { case: kind };
    for (const mp of SIZES) {
      const x = byMp[mp], c = capped[kind]?.[mp];
      row[`${mp} MP ms/MP`] = x ? Math.round(x.ms / (x.pixels / 1e6)) : c ? `≥${Math.round(c.ms / (c.pixels / 1e6))}` : '-';
      row[`${mp} MP B/px`] = x ? Number((x.peak / x.pixels).toFixed(1)) : '-';
    }
    const big = sizes[sizes.length - 1]!, small = byMp[4] && big > 4 ? 4 : sizes[0]!;
    const a = byMp[small]!, b = byMp[big]!;
    row['slope from→to MP'] = big > small ? `${small}→${big}` : '-';
    row['time/MP slope'] = big > small ? Number(((b.ms / b.pixels) / (a.ms / a.pixels)).toFixed(2)) : '-';
    row['mem/MP slope'] = big > small ? Number(((b.peak / b.pixels) / (a.peak / a.pixels)).toFixed(2)) : '-';
    rows.push(row);
  }
  table(rows);
  for (const r of rows) {
    if (r['slope from→to MP'] === '-') continue;
    pass = verdict(`${r.case}: time/MP ${r['slope from→to MP']} MP`, r['time/MP slope'] as number, SLOPE_GOAL) && pass;
    pass = verdict(`${r.case}: memory/MP ${r['slope from→to MP']} MP`, r['mem/MP slope'] as number, SLOPE_GOAL) && pass;
  }
  const p48 = results.pipeline?.[48];
  if (p48) pass = verdict('pipeline peak bytes per input pixel at 48 MP', p48.peak / p48.pixels, PIPELINE_BYTES_PER_PIXEL) && pass;
  process.exit(pass ? 0 : 1);
}

if (process.argv[2] === '--child') await child(process.argv[3] as Case, process.argv[4]!);
else await parent();

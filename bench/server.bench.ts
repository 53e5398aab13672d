/**
 * `npm run bench server`: `maskedit serve` under load, through the official openai SDK over a real socket.
 *
 * The server runs as a child process (the real CLI: `bin/maskedit.js serve`) so its peak RSS can be read from
 * the kernel (/proc/PID/status VmHWM, the resident high-water mark) without the bench's own memory in it.
 * Inputs: a 1536x1024 PNG of random pixels (about 4.7 MB: noise does not compress) and a mask with a 256x192
 * hole.
 *
 * 1. Default server (the default engine, queue 32): 32 concurrent `images.edit` calls must all succeed; then
 *    sequential requests through the server vs the same work in-process (checkPairDecoded →
 *    localProvider.edit → PNG encode), medians of alternating runs.
 * 2. Server with `--engine telea --queue 8`: the excess of the burst must be clean 429s (status 429, OpenAI's
 *    `rate_limit_exceeded` body, a Retry-After header), the rest must succeed; the same overhead measure shows
 *    the server's fixed cost at its most visible, since telea's fill is short.
 * 3. Default server with `--queue 64`: 64 concurrent edits, all must succeed; p50/p99 latency and peak RSS.
 * Goals: 0 failures other than clean 429s; peak RSS ≤ 1.5 GB; server / in-process ≤ 1.2× (default engine).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import OpenAI, { toFile } from 'openai';
import { DEFAULT_ENGINE } from '../src/engines/engine.js';
import sharp from 'sharp';
import { encodeImage } from '../src/io/image.js';
import { checkPairDecoded } from '../src/pipeline/check.js';
import { localProvider } from '../src/providers/local.js';
import { table, verdict } from './_util.js';

const here = dirname(fileURLToPath(import.meta.url));
const W = 1536, H = 1024;
const CONCURRENT = 32;
const RUNS = 5;
const PROMPT = 'A sunlit wall of plain plaster. Preserve the lighting and every edge. Do not change anything else.';

function noisyRgba(): Buffer {
  // Random RGB does not compress: the PNG is about 4.7 MB, like a large photo upload.
  const data = randomBytes(W * H * 4);
  for (let i = 3; i < data.length; i += 4) data[i] = 255;
  return data;
}

function holeMask(): Buffer {
  const data = Buffer.alloc(W * H * 4, 255);
  for (let y = 400; y < 592; y++) for (let x = 640; x < 896; x++) data[(y * W + x) * 4 + 3] = 0;
  return data;
}

interface Child { proc: ChildProcess; baseURL: string; dir: string }

async function startChild(extra: string[] = []): Promise<Child> {
  const dir = await mkdtemp(join(tmpdir(), 'maskedit-bench-server-'));
  const proc = spawn(process.execPath, [join(here, '..', 'bin', 'maskedit.js'), 'serve', '--port', '0', '--log-level', 'silent', '--files-dir', dir, ...extra], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const baseURL = await new Promise<string>((resolve, reject) => {
    proc.stdout!.on('data', (c) => {
      out += String(c);
      const m = /listening on (\S+\/v1)/.exec(out);
      if (m) resolve(m[1]!);
    });
    proc.on('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
  return { proc, baseURL, dir };
}

async function stopChild(c: Child): Promise<void> {
  const exited = new Promise((r) => c.proc.once('exit', r));
  c.proc.kill('SIGTERM');
  await exited;
  await rm(c.dir, { recursive: true, force: true });
}

/** Peak resident set of a process, MB (Linux /proc; the kernel keeps the high-water mark). */
async function peakRssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]);
  return kb / 1024;
}

interface Outcome { ok: number; clean429: number; failures: string[]; ms: number }

async function burst(client: OpenAI, image: Buffer, mask: Buffer, n = CONCURRENT, latencies?: number[]): Promise<Outcome> {
  const out: Outcome = { ok: 0, clean429: 0, failures: [], ms: 0 };
  const t = performance.now();
  await Promise.all(Array.from({ length: n }, async (_, i) => {
    const started = performance.now();
    try {
      const res = await client.images.edit({ image: await toFile(image, `photo-${i}.png`, { type: 'image/png' }), mask: await toFile(mask, 'mask.png', { type: 'image/png' }), prompt: PROMPT });
      if (res.data?.[0]?.b64_json && res.size === `${W}x${H}`) {
        out.ok++;
        latencies?.push(performance.now() - started);
      }
      else out.failures.push(`request ${i}: unexpected body ${JSON.stringify(res).slice(0, 120)}`);
    } catch (e) {
      const err = e as InstanceType<typeof OpenAI.APIError>;
      const clean = err instanceof OpenAI.RateLimitError && err.code === 'rate_limit_exceeded' && Number(err.headers?.get('retry-after')) >= 1;
      if (clean) out.clean429++;
      else out.failures.push(`request ${i}: ${err.status ?? ''} ${err.message}`);
    }
  }));
  out.ms = performance.now() - t;
  return out;
}

const image = await sharp(noisyRgba(), { raw: { width: W, height: H, channels: 4 } }).png({ compressionLevel: 6 }).toBuffer();
const mask = await sharp(holeMask(), { raw: { width: W, height: H, channels: 4 } }).png().toBuffer();
console.log(`image ${W}x${H} PNG ${(image.length / 1024 / 1024).toFixed(1)} MB, mask ${(mask.length / 1024).toFixed(0)} KB, hole 256x192; ${CONCURRENT} concurrent edits`);

const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const edit = (client: OpenAI) => async () => client.images.edit({ image: await toFile(image, 'photo.png', { type: 'image/png' }), mask: await toFile(mask, 'mask.png', { type: 'image/png' }), prompt: PROMPT });

/** Sequential requests through the server vs the same work in-process, alternating so machine load hits both. */
async function overhead(client: OpenAI, engine: string): Promise<{ server: number; direct: number }> {
  const provider = localProvider({ engine });
  const direct = async () => {
    const { decoded } = await checkPairDecoded({ image, mask, model: 'gpt-image-1.5' });
    const res = await provider.edit({ image: decoded.image!.raster, mask: decoded.editMask!, prompt: PROMPT, model: 'gpt-image-1.5' });
    return encodeImage(res.images[0]!, { format: 'png' });
  };
  const viaServer = edit(client);
  await direct();
  await viaServer();
  const d: number[] = [], s: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    let t = performance.now();
    await direct();
    d.push(performance.now() - t);
    t = performance.now();
    await viaServer();
    s.push(performance.now() - t);
  }
  return { server: med(s), direct: med(d) };
}

let ok = true;
const rows: Record<string, string | number>[] = [];
const timing: Record<string, string | number>[] = [];

// 1. The default server (the default engine, queue 32): the burst must all succeed; its overhead is the verdict.
const main = await startChild();
try {
  const client = new OpenAI({ baseURL: main.baseURL, apiKey: 'unused', maxRetries: 0, timeout: 600_000 });
  await edit(client)();
  const b = await burst(client, image, mask);
  const rss = await peakRssMb(main.proc.pid!);
  rows.push({ server: `default (${DEFAULT_ENGINE}, --queue 32)`, ok: b.ok, clean429: b.clean429, failures: b.failures.length, seconds: b.ms / 1000, peakRssMB: Math.round(rss) });
  for (const f of b.failures.slice(0, 5)) console.log(`  failure: ${f}`);
  ok = b.failures.length === 0 && b.clean429 === 0 && b.ok === CONCURRENT && ok;
  ok = verdict('peak RSS of the server / 1.5 GB', rss / 1536, 1) && ok;
  const o = await overhead(client, 'patchmatch');
  timing.push({ engine: 'patchmatch', serverMs: Math.round(o.server), inProcessMs: Math.round(o.direct), overheadMs: Math.round(o.server - o.direct), ratio: o.server / o.direct });
  ok = verdict('server / in-process time per request (patchmatch)', o.server / o.direct, 1.2) && ok;
} finally {
  await stopChild(main);
}

// 2. The fastest engine with a short queue: the excess of the burst must be clean 429s, and the per-request
//    overhead shows at its largest (the fill itself is short).
const short = await startChild(['--engine', 'telea', '--queue', '8']);
try {
  const client = new OpenAI({ baseURL: short.baseURL, apiKey: 'unused', maxRetries: 0, timeout: 600_000 });
  await edit(client)();
  const b = await burst(client, image, mask);
  const rss = await peakRssMb(short.proc.pid!);
  rows.push({ server: 'telea, --queue 8', ok: b.ok, clean429: b.clean429, failures: b.failures.length, seconds: b.ms / 1000, peakRssMB: Math.round(rss) });
  for (const f of b.failures.slice(0, 5)) console.log(`  failure: ${f}`);
  ok = b.failures.length === 0 && b.ok + b.clean429 === CONCURRENT && b.clean429 > 0 && ok;
  const o = await overhead(client, 'telea');
  timing.push({ engine: 'telea (fastest; overhead at its most visible)', serverMs: Math.round(o.server), inProcessMs: Math.round(o.direct), overheadMs: Math.round(o.server - o.direct), ratio: o.server / o.direct });
} finally {
  await stopChild(short);
}

// 3. Issue #14's admission figure: 64 concurrent edits of ~5 MB images through the SDK (queue 64 so none is
//    turned away): 0 failures, p50/p99 latency, peak RSS ≤ 1.5 GB.
const wide = await startChild(['--queue', '64']);
try {
  const client = new OpenAI({ baseURL: wide.baseURL, apiKey: 'unused', maxRetries: 0, timeout: 1_800_000 });
  await edit(client)();
  const lat: number[] = [];
  const b = await burst(client, image, mask, 64, lat);
  const rss = await peakRssMb(wide.proc.pid!);
  const sorted = [...lat].sort((a, c) => a - c);
  const pct = (q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]! / 1000 : NaN);
  rows.push({ server: 'default, 64 concurrent, --queue 64', ok: b.ok, clean429: b.clean429, failures: b.failures.length, seconds: b.ms / 1000, peakRssMB: Math.round(rss) });
  console.log(`64 concurrent: ${b.ok} ok, ${b.failures.length + b.clean429} failures, p50 ${pct(0.5).toFixed(1)} s, p99 ${pct(0.99).toFixed(1)} s, peak RSS ${Math.round(rss)} MB`);
  for (const f of b.failures.slice(0, 5)) console.log(`  failure: ${f}`);
  ok = b.failures.length === 0 && b.clean429 === 0 && b.ok === 64 && ok;
  ok = verdict('64 concurrent: peak RSS of the server / 1.5 GB', rss / 1536, 1) && ok;
} finally {
  await stopChild(wide);
}

table(rows);
console.log('');
table(timing);
const failures = rows.reduce((n, r) => n + Number(r.failures), 0);
console.log(`failures other than clean 429s: ${failures} (goal 0) ${failures === 0 ? 'PASS' : 'MISS'}`);
if (!ok) process.exitCode = 1;

/**
 * `npm run bench -- batch`: the batch runner against an in-test OpenAI stand-in (test/_helpers/openai-standin.ts)
 * with 1 s latency and a rate limit, with tiny images (64x64 sent to dall-e-2 at 256x256) so the 2 shared cores
 * are not the bottleneck.
 *
 * 1. 200 jobs at --rpm equal to the stand-in's limit: achieved rate / allowed rate (goal ≥ 0.90), 0 failed,
 *    0 sent twice.
 * 2. `maskedit batch` in a child process, SIGKILL once half the jobs are done, then the same command again:
 *    jobs sent twice ≤ jobs that were running (in flight) at the kill, and every job done.
 * 3. BullMQ on Debian's redis-server: 3 `maskedit worker` processes vs 1 (concurrency 1 each, a limit that allows
 *    both): throughput ratio (goal ≥ 2.5).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { batch } from '../src/batch/runner.js';
import { startStandin } from '../test/_helpers/openai-standin.js';
import { startRedis } from '../test/_helpers/redis.js';
import { gradient, maskRaster, png } from '../test/_helpers/images.js';
import { table, verdict } from './_util.js';

const BIN = fileURLToPath(new URL('../bin/maskedit.js', import.meta.url));
const RPM = Number(process.env.BATCH_BENCH_RPM ?? 120);
const JOBS = Number(process.env.BATCH_BENCH_JOBS ?? 200);
const KILL_JOBS = Number(process.env.BATCH_BENCH_KILL_JOBS ?? 100);
const CONCURRENCY = Math.ceil((RPM / 60) * 1.0 * 2) + 2;

const dir = await mkdtemp(join(tmpdir(), 'maskedit-bench-batch-'));
await writeFile(join(dir, 'img.png'), await png(gradient(64, 64)));
await writeFile(join(dir, 'img.mask.png'), await png(maskRaster({ width: 64, height: 64, boxes: [{ x: 20, y: 20, width: 20, height: 16 }] })));
/** dall-e-2 keeps the bench's images tiny; it is judged on a day it still served (shut down 2026-05-12). */
const TODAY = '2026-01-01';
const jobLines = (tag: string, n: number) => Array.from({ length: n }, (_, i) => `{"id":"${tag}${i + 1}","image":"img.png","mask":"img.mask.png","prompt":"A studio shot [${tag}${i + 1}]. Remove the tag.","model":"dall-e-2","size":"256x256"}`).join('\n');
let ok = true;

// 1. Rate.
{
  const standin = await startStandin({ latencyMs: 1000, rpm: RPM });
  await writeFile(join(dir, 'rate.jsonl'), jobLines('r', JOBS));
  let failed = 0;
  const t0 = Date.now();
  for await (const ev of batch(join(dir, 'rate.jsonl'), { outdir: join(dir, 'out-rate'), rpm: RPM, concurrency: CONCURRENCY, defaults: { provider: 'openai' }, openai: { apiKey: 'bench-key', baseURL: standin.url }, contactSheet: false, today: TODAY })) {
    if (ev.type === 'job-failed') failed++;
  }
  const wall = (Date.now() - t0) / 1000;
  const acc = standin.accepted;
  // The rate between the first and the last accepted request (the first burst excluded by counting intervals).
  const span = (acc.at(-1)!.at - acc[0]!.at) / 1000;
  const achieved = (acc.length - 1) / span;
  const allowed = RPM / 60;
  table([{ jobs: JOBS, rpm: RPM, concurrency: CONCURRENCY, 'latency ms': 1000, accepted: acc.length, '429s': standin.limited, failed, 'sent twice': standin.sentTwice().length, 'wall s': wall, 'rate /s': achieved, 'allowed /s': allowed, 'max in flight': standin.maxInFlight }]);
  ok = verdict('rate: achieved / allowed', achieved / allowed, 0.9, '>=') && ok;
  ok = verdict('rate: failed jobs', failed, 0, '<=') && ok;
  ok = verdict('rate: jobs sent twice', standin.sentTwice().length, 0, '<=') && ok;
  await standin.close();
}

// 2. SIGKILL half-way, rerun.
{
  const standin = await startStandin({ latencyMs: 1000, rpm: RPM });
  await writeFile(join(dir, 'kill.jsonl'), jobLines('k', KILL_JOBS));
  const out = join(dir, 'out-kill');
  const env = { MASKEDIT_TODAY: TODAY, PATH: process.env.PATH, HOME: process.env.HOME, OPENAI_API_KEY: 'bench-key', OPENAI_BASE_URL: standin.url };
  const args = [BIN, 'batch', join(dir, 'kill.jsonl'), '-o', out, '--rpm', String(RPM), '--concurrency', String(CONCURRENCY), '--json'];
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((r) => child.on('close', () => r()));
  let done = 0, buf = '';
  await new Promise<void>((resolve) => {
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) if (l.includes('"type":"job-done"') && ++done === Math.floor(KILL_JOBS / 2)) { child.kill('SIGKILL'); resolve(); }
    });
  });
  await exited;
  const db = new Database(join(out, '.maskedit/journal.sqlite'), { readonly: true });
  const states = db.prepare(`SELECT state, count(*) n FROM jobs GROUP BY state`).all() as { state: string; n: number }[];
  db.close();
  const running = states.find((s) => s.state === 'running')?.n ?? 0;
  const doneAtKill = states.find((s) => s.state === 'done')?.n ?? 0;
  const rerun = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const code = await new Promise<number | null>((r) => rerun.on('close', r));
  const counts = standin.counts();
  const twice = standin.sentTwice().length;
  const missing = Array.from({ length: KILL_JOBS }, (_, i) => `k${i + 1}`).filter((id) => !counts.get(id)).length;
  table([{ jobs: KILL_JOBS, 'done at kill': doneAtKill, 'running at kill': running, 'rerun exit': code ?? -1, 'sent twice': twice, 'never sent': missing }]);
  ok = verdict('kill: jobs sent twice − jobs in flight at the kill', twice - running, 0, '<=') && ok;
  ok = verdict('kill: rerun exit code', code ?? -1, 0, '<=') && ok;
  await standin.close();
}

// 3. BullMQ workers: 3 vs 1.
{
  const redis = await startRedis();
  const standin = await startStandin({ latencyMs: 1000, rpm: 600 });
  const env = { MASKEDIT_TODAY: TODAY, PATH: process.env.PATH, HOME: process.env.HOME, OPENAI_API_KEY: 'bench-key', OPENAI_BASE_URL: standin.url };
  const throughput = async (workers: number, n: number, db: number): Promise<{ perS: number; failed: number; wall: number }> => {
    const url = `${redis.url}/${db}`;
    const procs = Array.from({ length: workers }, () => spawn(process.execPath, [BIN, 'worker', '--queue', url, '--concurrency', '1'], { env, stdio: ['ignore', 'ignore', 'pipe'] }));
    // Start timing only once every worker is connected and waiting.
    await Promise.all(procs.map((p) => new Promise<void>((r) => { let e = ''; p.stderr.on('data', (d: Buffer) => { e += d.toString(); if (e.includes('taking jobs')) r(); }); })));
    await writeFile(join(dir, `w${workers}.jsonl`), jobLines(`w${workers}-`, n));
    const t0 = Date.now();
    let failed = 0;
    for await (const ev of batch(join(dir, `w${workers}.jsonl`), { outdir: join(dir, `out-w${workers}`), queue: url, workers: 0, pollMs: 100, rpm: 600, defaults: { provider: 'openai' }, contactSheet: false, today: TODAY })) {
      if (ev.type === 'job-failed') failed++;
    }
    const wall = (Date.now() - t0) / 1000;
    for (const p of procs) p.kill('SIGKILL');
    return { perS: n / wall, failed, wall };
  };
  const one = await throughput(1, 20, 1);
  const three = await throughput(3, 60, 2);
  table([{ workers: 1, jobs: 20, 'wall s': one.wall, 'jobs/s': one.perS, failed: one.failed }, { workers: 3, jobs: 60, 'wall s': three.wall, 'jobs/s': three.perS, failed: three.failed }]);
  ok = verdict('BullMQ: 3 workers / 1 worker throughput', three.perS / one.perS, 2.5, '>=') && ok;
  ok = verdict('BullMQ: failed jobs', one.failed + three.failed, 0, '<=') && ok;
  await standin.close();
  await redis.stop();
}

await rm(dir, { recursive: true, force: true });
process.exit(ok ? 0 : 1);

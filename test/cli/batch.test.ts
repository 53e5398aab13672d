import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli, spawnCli } from '../_helpers/cli.js';
import { startStandin, type Standin } from '../_helpers/openai-standin.js';
import { gradient, maskRaster, png } from '../_helpers/images.js';

let dir: string;
let standin: Standin;
// Models are judged on a fixed date (the registry retires gpt-image-1-mini on 2026-12-01): the tests do not age.
const env = () => ({ OPENAI_API_KEY: 'test-key', OPENAI_BASE_URL: standin.url, MASKEDIT_TODAY: '2026-11-30' });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'maskedit-cli-batch-'));
  standin = await startStandin({ latencyMs: 300 });
  await writeFile(join(dir, 'img.png'), await png(gradient(64, 64)));
  await writeFile(join(dir, 'img.mask.png'), await png(maskRaster({ width: 64, height: 64, boxes: [{ x: 20, y: 20, width: 20, height: 16 }] })));
});
afterAll(async () => {
  await standin.close();
  await rm(dir, { recursive: true, force: true });
});

async function jobFile(name: string, ids: string[], extra = ''): Promise<string> {
  const p = join(dir, `${name}.jsonl`);
  await writeFile(p, ids.map((id) => `{"id":"${id}","image":"img.png","mask":"img.mask.png","prompt":"A studio shot [${name}-${id}]. Remove the tag.","model":"gpt-image-1-mini"${extra}}`).join('\n'));
  return p;
}

/** Spawns `maskedit batch … --json` and resolves once `n` jobs are done, with the child still running. */
function spawnUntilDone(args: string[], n: number): Promise<{ child: ReturnType<typeof spawn>; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [BIN, 'batch', ...args, '--json'], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env() }, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((r) => child.on('close', (code, sig) => r(code ?? (sig ? -1 : null))));
  return new Promise((resolve, reject) => {
    let done = 0, buf = '', err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) if (l.startsWith('{"type"') && JSON.parse(l).type === 'job-done' && ++done === n) resolve({ child, exited });
    });
    void exited.then((c) => reject(new Error(`batch exited (${c}) before ${n} jobs were done: ${err}${buf}`)));
  });
}

const journalRows = (out: string) => {
  const db = new Database(join(out, '.maskedit/journal.sqlite'), { readonly: true });
  try {
    return db.prepare('SELECT id, state FROM jobs').all() as { id: string; state: string }[];
  } finally {
    db.close();
  }
};

describe('maskedit batch (real processes)', () => {
  it('SIGKILL half-way, then the same command: every job done, jobs sent twice ≤ jobs running at the kill', async () => {
    const ids = Array.from({ length: 12 }, (_, i) => `k${i + 1}`);
    const jobs = await jobFile('kill', ids);
    const out = join(dir, 'out-kill');
    const { child, exited } = await spawnUntilDone([jobs, '-o', out, '--concurrency', '4'], 5);
    child.kill('SIGKILL');
    expect(await exited).toBe(-1);
    const running = journalRows(out).filter((r) => r.state === 'running').length;
    const doneAtKill = journalRows(out).filter((r) => r.state === 'done').map((r) => r.id);
    expect(doneAtKill.length).toBeGreaterThanOrEqual(5);
    const again = await spawnCli(['batch', jobs, '-o', out, '--concurrency', '4', '--json'], { env: env() });
    expect(again.code).toBe(0);
    const start = JSON.parse(again.stdout.split('\n')[0]!);
    expect(start).toMatchObject({ type: 'start', total: 12, alreadyDone: doneAtKill.length, recovered: running });
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'));
    expect(summary).toMatchObject({ total: 12, done: 12, failed: 0 });
    const counts = standin.counts();
    expect(ids.every((id) => (counts.get(`kill-${id}`) ?? 0) >= 1)).toBe(true);
    const twice = standin.sentTwice().filter((id) => id.startsWith('kill-'));
    expect(twice.length).toBeLessThanOrEqual(running);
    // Done jobs were never sent again.
    expect(doneAtKill.filter((id) => counts.get(`kill-${id}`)! > 1)).toEqual([]);
  });

  it('SIGINT: exit 130, the journal holds no running job, the summary names the unfinished ones', async () => {
    const ids = Array.from({ length: 10 }, (_, i) => `i${i + 1}`);
    const jobs = await jobFile('int', ids);
    const out = join(dir, 'out-int');
    const { child, exited } = await spawnUntilDone([jobs, '-o', out, '--concurrency', '2'], 2);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(journalRows(out).filter((r) => r.state === 'running')).toEqual([]);
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'));
    expect(summary.done).toBeGreaterThanOrEqual(2);
    expect(summary.jobs.filter((j: { status: string }) => j.status === 'failed').every((j: { code: string }) => j.code === 'BATCH_INTERRUPTED')).toBe(true);
    expect(summary.done + summary.jobs.filter((j: { code?: string }) => j.code === 'BATCH_INTERRUPTED').length).toBe(10);
  });

  it('exit 1 when a job fails, with its code in summary.json and summary.csv', async () => {
    const p = join(dir, 'fail.jsonl');
    await writeFile(p, '{"id":"ok","image":"img.png","mask":"img.mask.png","prompt":"A studio [fail-ok]. Remove it.","model":"gpt-image-1-mini"}\n{"id":"nomask","image":"img.png","mask":"none.png","prompt":"A studio. Remove it."}\n');
    const r = await spawnCli(['batch', p, '-o', join(dir, 'out-fail')], { env: env() });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('failed nomask: MASK_NOT_FOUND');
    const summary = JSON.parse(await readFile(join(dir, 'out-fail/summary.json'), 'utf8'));
    expect(summary.jobs[1]).toEqual({ id: 'nomask', status: 'failed', code: 'MASK_NOT_FOUND', message: `${join(dir, 'none.png')} does not exist`, attempts: 1, costUsd: 0 });
    expect(await readFile(join(dir, 'out-fail/summary.csv'), 'utf8')).toContain(`nomask,failed,,MASK_NOT_FOUND,${join(dir, 'none.png')} does not exist,1,0`);
  });
});

describe('maskedit batch (in-process)', () => {
  it.each([
    [['batch'], 'missing JOBS'],
    [['batch', 'x.jsonl'], 'missing -o OUTDIR'],
    [['batch', 'x.jsonl', '-o', 'o', '--concurrency', '0'], '--concurrency expects a whole number from 1 to 256, received "0"'],
    [['batch', 'x.jsonl', '-o', 'o', '--rpm', 'fast'], '--rpm expects a number >= 1, received "fast"'],
    [['batch', 'x.jsonl', '-o', 'o', '--provider', 'cloud'], '--provider expects one of local, openai, received "cloud"'],
    [['batch', 'x.jsonl', '-o', 'o', '--queue', 'redis://127.0.0.1:1', '--max-cost', '5'], '--max-cost cannot be used with --queue: workers on other machines spend independently'],
    [['batch', 'x.jsonl', '-o', 'o', '--queue', 'redis://127.0.0.1:1', '--openai-batch', '--provider', 'openai'], '--openai-batch and --queue cannot be combined'],
    [['batch', 'x.jsonl', '-o', 'o', '--openai-batch', '--provider', 'local'], '--openai-batch needs the openai provider'],
  ])('%j is a usage error (exit 2): %s', async (argv, message) => {
    const r = await runCli(argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });

  it('a bad job file exits 1 with its BATCH_ code', async () => {
    const p = join(dir, 'dup.jsonl');
    await writeFile(p, '{"image":"img.png","mask":"img.mask.png","prompt":"p"}\n{"image":"img.png","mask":"img.mask.png","prompt":"p"}\n');
    const r = await runCli(['batch', p, '-o', join(dir, 'o-dup'), '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error.code).toBe('BATCH_ID_DUPLICATE');
  });

  it('in a pipe: one plain line per job; on a terminal: one live line redrawn in place', async () => {
    const jobs = await jobFile('tty', ['t1', 't2']);
    const pipe = await runCli(['batch', jobs, '-o', join(dir, 'out-pipe')], { env: env() });
    expect(pipe.code).toBe(0);
    expect(pipe.stderr).toMatch(/^batch: 2 job\(s\), 0 already done, 2 to run; estimate \$/);
    expect(pipe.stderr).toContain(`done   t1 → ${join(dir, 'out-pipe/t1.png')}`);
    expect(pipe.stderr).not.toContain('\r');
    const tty = await runCli(['batch', jobs, '-o', join(dir, 'out-tty')], { env: { ...env(), NO_COLOR: '1' }, tty: true });
    expect(tty.code).toBe(0);
    expect(tty.stderr).toContain('\r· done 1/2 · failed 0 · running ');
    expect(tty.stderr).not.toContain('done   t1');
    expect(tty.stderr).toContain('finished: 2/2 done, 0 failed');
  });
});

/**
 * The embedded journal of a batch: SQLite (better-sqlite3) in `OUTDIR/.maskedit/journal.sqlite`. Each job is
 * keyed by a hash of its input bytes and options, so rerunning the same command finds what is already done and
 * an edited input or option becomes a new job. WAL with `synchronous=FULL`: a state change is on disk before
 * the call returns, so a SIGKILL never loses a recorded "done" (and never invents one).
 *
 * States: pending → running → done | failed. A run that dies leaves `running` rows; the next run puts them back
 * to pending (they may have been sent: that is the at-most-in-flight price of a crash). `failed` rows are
 * permanent (doctor errors, 4xx) or not (retries used up on 5xx/timeouts): only the latter run again.
 */
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BatchError } from './jobs.js';

export type JobState = 'pending' | 'running' | 'done' | 'failed';

export interface JobRecord {
  key: string;
  id: string;
  state: JobState;
  attempts: number;
  code: string | null;
  message: string | null;
  fix: string | null;
  permanent: boolean;
  costUsd: number;
  output: string | null;
  verdict: string | null;
  startedAt: number | null;
  finishedAt: number | null;
  ms: number | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS jobs (
  key TEXT PRIMARY KEY,
  id TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending','running','done','failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  code TEXT, message TEXT, fix TEXT,
  permanent INTEGER NOT NULL DEFAULT 0,
  cost_usd REAL NOT NULL DEFAULT 0,
  output TEXT, verdict TEXT,
  started_at INTEGER, finished_at INTEGER, ms INTEGER
);
CREATE INDEX IF NOT EXISTS jobs_id ON jobs(id);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

/**
 * The journal's key of a job: its id (it names the output), its input bytes and every option that changes the
 * result. Two jobs with the same inputs and different ids are two outputs, so two keys.
 */
export function jobKey(id: string, image: Uint8Array, mask: Uint8Array, options: Record<string, unknown>): string {
  const h = createHash('sha256').update(id).update('\0');
  for (const part of [image, mask]) {
    h.update(String(part.byteLength)).update(':').update(part);
  }
  const canonical = JSON.stringify(Object.keys(options).sort().map((k) => [k, options[k]]));
  return h.update(canonical).digest('hex');
}

export class Journal {
  readonly path: string;
  private readonly db: Database.Database;

  /** Opens (or creates) `dir/.maskedit/journal.sqlite`. */
  constructor(outdir: string) {
    const dir = join(outdir, '.maskedit');
    this.path = join(dir, 'journal.sqlite');
    try {
      mkdirSync(dir, { recursive: true });
      this.db = new Database(this.path, { timeout: 10_000 });
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      this.db.exec(SCHEMA);
    } catch (e) {
      throw new BatchError('BATCH_JOURNAL_UNUSABLE', `cannot open the batch journal ${this.path} (${(e as Error).message})`, `check that ${outdir} is a writable folder on a local disk; delete ${dir} to start the batch over`, { cause: e });
    }
  }

  /**
   * Puts every job in the journal (known keys keep their state) and makes the run's starting states: running
   * rows (a killed run) and non-permanent failures go back to pending. Returns how many were recovered.
   */
  prepare(jobs: readonly { id: string; key: string }[]): { recovered: number } {
    const insert = this.db.prepare(`INSERT OR IGNORE INTO jobs (key, id, state) VALUES (?, ?, 'pending')`);
    const rename = this.db.prepare(`UPDATE jobs SET id = ? WHERE key = ?`);
    let recovered = 0;
    this.db.transaction(() => {
      for (const j of jobs) {
        insert.run(j.key, j.id);
        rename.run(j.id, j.key);
      }
      recovered = this.db.prepare(`UPDATE jobs SET state = 'pending' WHERE state = 'running'`).run().changes;
      this.db.prepare(`UPDATE jobs SET state = 'pending', code = NULL, message = NULL, fix = NULL WHERE state = 'failed' AND permanent = 0`).run();
    })();
    return { recovered };
  }

  get(key: string): JobRecord | undefined {
    const r = this.db.prepare(`SELECT * FROM jobs WHERE key = ?`).get(key) as Row | undefined;
    return r && fromRow(r);
  }

  /** Records that a job is about to be sent (attempts + 1). */
  markRunning(key: string, now: number): void {
    this.db.prepare(`UPDATE jobs SET state = 'running', attempts = attempts + 1, started_at = ?, code = NULL, message = NULL, fix = NULL WHERE key = ?`).run(now, key);
  }

  /** Only after the output file is in place. */
  markDone(key: string, v: { output: string; costUsd: number; verdict: string; now: number; ms: number }): void {
    this.db.prepare(`UPDATE jobs SET state = 'done', output = ?, cost_usd = cost_usd + ?, verdict = ?, finished_at = ?, ms = ?, code = NULL, message = NULL, fix = NULL, permanent = 0 WHERE key = ?`)
      .run(v.output, v.costUsd, v.verdict, v.now, v.ms, key);
  }

  markFailed(key: string, v: { code: string; message: string; fix: string | undefined; permanent: boolean; now: number; costUsd?: number }): void {
    this.db.prepare(`UPDATE jobs SET state = 'failed', code = ?, message = ?, fix = ?, permanent = ?, cost_usd = cost_usd + ?, finished_at = ? WHERE key = ?`)
      .run(v.code, v.message, v.fix ?? null, v.permanent ? 1 : 0, v.costUsd ?? 0, v.now, key);
  }

  /** Back to pending without blame: the run was interrupted or the budget stopped it before sending. */
  markPending(key: string, opts: { refundAttempt?: boolean } = {}): void {
    this.db.prepare(`UPDATE jobs SET state = 'pending', attempts = attempts - ? WHERE key = ?`).run(opts.refundAttempt ? 1 : 0, key);
  }

  getMeta(name: string): string | undefined {
    return (this.db.prepare(`SELECT value FROM meta WHERE name = ?`).get(name) as { value: string } | undefined)?.value;
  }

  setMeta(name: string, value: string): void {
    this.db.prepare(`INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value`).run(name, value);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

interface Row {
  key: string; id: string; state: JobState; attempts: number; code: string | null; message: string | null; fix: string | null;
  permanent: number; cost_usd: number; output: string | null; verdict: string | null; started_at: number | null; finished_at: number | null; ms: number | null;
}

function fromRow(r: Row): JobRecord {
  return {
    key: r.key, id: r.id, state: r.state, attempts: r.attempts, code: r.code, message: r.message, fix: r.fix, permanent: r.permanent === 1,
    costUsd: r.cost_usd, output: r.output, verdict: r.verdict, startedAt: r.started_at, finishedAt: r.finished_at, ms: r.ms,
  };
}

/** Running the CLI in tests: in-process through `run` (fast), or as a spawned `node bin/maskedit.js` (real exit codes). */
import { spawn } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { run } from '../../src/cli/main.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export const BIN = fileURLToPath(new URL('../../bin/maskedit.js', import.meta.url));
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** `run(argv)` in this process; `tty` marks both streams as terminals (for colour tests). */
export async function runCli(argv: string[], opts: { env?: NodeJS.ProcessEnv; tty?: boolean } = {}): Promise<CliResult> {
  const stdout = Object.assign(new PassThrough(), { isTTY: opts.tty ?? false });
  const stderr = Object.assign(new PassThrough(), { isTTY: opts.tty ?? false });
  let out = '', err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const code = await run(argv, { stdout, stderr, env: opts.env ?? {}, signal: new AbortController().signal });
  return { code, stdout: out, stderr: err };
}

/** `node bin/maskedit.js …` in a child process (about half a second each: keep these few). */
export function spawnCli(argv: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...argv], {
      cwd: opts.cwd ?? ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '', err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout: out, stderr: err }));
  });
}

/** Rendering shared by commands: colour only on a TTY (and never with NO_COLOR), JSON on stdout. */
import type { Writable } from 'node:stream';
import type { Problem } from '../core/problems.js';

export interface Painter {
  red(s: string): string;
  yellow(s: string): string;
  green(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

/** `env` is the run's environment (`ctx.env`, read once in main.ts): NO_COLOR and TERM=dumb turn colour off. */
export function painter(stream: Writable & { isTTY?: boolean }, env: Readonly<Record<string, string | undefined>>): Painter {
  const on = Boolean(stream.isTTY) && !env.NO_COLOR && env.TERM !== 'dumb';
  const wrap = (open: number, close: number) => (s: string) => (on ? `\x1b[${open}m${s}\x1b[${close}m` : s);
  return { red: wrap(31, 39), yellow: wrap(33, 39), green: wrap(32, 39), dim: wrap(2, 22), bold: wrap(1, 22) };
}

export function writeJson(stream: Writable, value: unknown): void {
  stream.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** One line per problem, the fix indented under it. */
export function formatProblems(problems: readonly Problem[], p: Painter): string {
  return problems
    .map((pr) => {
      const tag = pr.severity === 'error' ? p.red('error') : p.yellow('warning');
      return `${tag} ${p.bold(pr.code)}: ${pr.message}\n  ${p.dim('fix:')} ${pr.fix}`;
    })
    .join('\n');
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export function formatPercent(fraction: number, digits = 1): string {
  return `${(fraction * 100).toFixed(digits)} %`;
}

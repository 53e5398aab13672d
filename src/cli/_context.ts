/**
 * What a command gets to run: parsed arguments, output streams and a cancellation signal. Commands return an
 * exit code; only `runMain` in main.ts calls `process.exit`.
 */
import type { ParseArgsConfig } from 'node:util';
import type { Writable } from 'node:stream';
import type { Code } from '../core/codes.js';
import { MaskeditError } from '../core/errors.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface CommandContext {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  signal: AbortSignal;
  env: NodeJS.ProcessEnv;
  /** The date models are judged on (YYYY-MM-DD): MASKEDIT_TODAY when set, else today's UTC date; read once in main.ts. */
  today: string;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Extra help lines under the usage line. */
  details?: string;
  options: OptionSpec;
  run(ctx: CommandContext): Promise<number>;
}

/** Exit codes shared by every command. */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

/** A usage error: wrong arguments. Exits 2. */
export class CliError extends MaskeditError {
  readonly exitCode: number;
  constructor(code: Code, message: string, fix?: string, exitCode: number = EXIT.usage) {
    super(code, message, fix);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

export function usageError(message: string, usage: string): CliError {
  return new CliError('USAGE', message, `usage: ${usage}`);
}

/** Reads a numeric option, with a usage error naming the flag. */
export function numberOption(ctx: CommandContext, name: string, cmd: Command, opts: { min?: number; max?: number; integer?: boolean } = {}): number | undefined {
  const raw = ctx.values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  const bad = typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(n) || (opts.integer && !Number.isInteger(n))
    || (opts.min !== undefined && n < opts.min) || (opts.max !== undefined && n > opts.max);
  if (bad) {
    const bounds = opts.min !== undefined && opts.max !== undefined ? `from ${opts.min} to ${opts.max}`
      : opts.min !== undefined ? `>= ${opts.min}` : opts.max !== undefined ? `<= ${opts.max}` : '';
    const range = [opts.integer ? 'a whole number' : 'a number', bounds].filter(Boolean).join(' ');
    throw usageError(`--${name} expects ${range}, received ${JSON.stringify(raw)}`, cmd.usage);
  }
  return n;
}

export function stringOption(ctx: CommandContext, name: string): string | undefined {
  const v = ctx.values[name];
  return typeof v === 'string' ? v : undefined;
}

export function choiceOption<T extends string>(ctx: CommandContext, name: string, choices: readonly T[], cmd: Command): T | undefined {
  const v = stringOption(ctx, name);
  if (v === undefined) return undefined;
  if (!(choices as readonly string[]).includes(v)) {
    throw usageError(`--${name} expects one of ${choices.join(', ')}, received ${JSON.stringify(v)}`, cmd.usage);
  }
  return v as T;
}

export function requirePositionals(ctx: CommandContext, names: string[], cmd: Command): string[] {
  if (ctx.positionals.length < names.length) {
    throw usageError(`missing ${names.slice(ctx.positionals.length).join(' and ')}`, cmd.usage);
  }
  if (ctx.positionals.length > names.length) {
    throw usageError(`unexpected argument ${JSON.stringify(ctx.positionals[names.length])}`, cmd.usage);
  }
  return ctx.positionals;
}

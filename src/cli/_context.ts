/**
 * What a command gets to run: parsed arguments, output streams and a cancellation signal. Commands return an
 * exit code; only `runMain` in main.ts calls `process.exit`.
 */
import type { Writable } from 'node:stream';
import type { Code } from '../core/codes.js';
import { MaskeditError } from '../core/errors.js';
import { renderUsage, type OptionTable } from './options.js';

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

export interface Command<T extends OptionTable = OptionTable> {
  name: string;
  summary: string;
  /** Generated from `name`, the positional arguments and the option table (options.ts `renderUsage`). */
  usage: string;
  /** Extra help lines under the usage line. */
  details?: string;
  /** Every flag, declared once (options.ts): help, checks and the mapping to library options come from it. */
  options: T;
  run(ctx: CommandContext): Promise<number>;
}

/**
 * A command with its usage line generated from its option table.
 *
 * @example
 * const command = defineCommand({ name: 'check', args: 'IMAGE MASK', summary: '…', options: CHECK_OPTIONS, run });
 */
export function defineCommand<T extends OptionTable>(c: Omit<Command<T>, 'usage'> & { args?: string }): Command<T> {
  const { args, ...rest } = c;
  return { ...rest, usage: renderUsage(c.name, args ?? '', c.options) };
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

/** A raw string flag as parseArgs gave it (for code that runs before the table's mapping, e.g. a session's). */
export function stringOption(ctx: CommandContext, name: string): string | undefined {
  const v = ctx.values[name];
  return typeof v === 'string' ? v : undefined;
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

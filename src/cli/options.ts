/**
 * CLI options declared once, as data. Each command declares an {@link OptionTable} (like citty's `args`): for
 * every flag its type, description, choices, range, default, whether it repeats, and the library option it maps
 * to. Everything else is generated from that table, here:
 *
 * - the `node:util` parseArgs config and the syntax check (unknown flags with a "did you mean", missing values,
 *   negative numbers such as `--rect -5,-5,20,20`): {@link parseCommandLine};
 * - value checks (choices, ranges, whole numbers, lists) with stable codes: {@link checkValue}, exit 2 `USAGE`
 *   naming the flag, what it expects and what it received;
 * - the usage line and `maskedit CMD --help`: {@link renderUsage}, {@link renderHelp};
 * - the mapping to the options object the command hands to the library (`edit()`, `startServer()`, …):
 *   {@link readOptions}.
 *
 * Enumerated values come from src/core/choices.ts (shared with the server and the studio). How to add a flag:
 * docs/architecture.md ("CLI options").
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { editDistance } from '../core/lifecycle.js';
import { isMaskeditError } from '../core/errors.js';
import { joinNegativeValues } from './negative-values.js';
import { CliError } from './_context.js';

export type OptionType = 'string' | 'path' | 'number' | 'int' | 'boolean' | 'enum' | 'list';

/** What a mapping function or a computed default may read besides the flag's value. */
export interface MapContext {
  env: NodeJS.ProcessEnv;
  today: string;
}

export interface OptionDef {
  type: OptionType;
  /** One line (or two) for `--help`; every flag has one. */
  description: string;
  /** One-letter alias: `-o`. */
  short?: string;
  /** Show the short form in the usage line and in "missing" errors (`-o OUT`). */
  preferShort?: boolean;
  /** The value's name in the usage line (default: N for numbers, FILE for paths, the choices for enums, TEXT). */
  metavar?: string;
  /** enum: the values taken (from core/choices.ts). */
  choices?: readonly string[];
  /** number/int: inclusive bounds. list: bounds of each item. */
  min?: number;
  max?: number;
  /** list: how many comma-separated numbers, and whether they are whole. */
  items?: number;
  integer?: boolean;
  /** list: a check on the parsed numbers beyond count and type (e.g. a positive box size). */
  accept?: (values: number[]) => boolean;
  /** Overrides the generated "expects …" phrase of the value error. */
  expects?: string;
  /** string/path: a parser whose MaskeditError is reported as is (e.g. `--rect` → MASK_RECT_INVALID). */
  parse?: (raw: string) => unknown;
  /** The flag may be given several times; its value is then an array. */
  repeatable?: boolean;
  /** Missing (or empty) is a usage error: true, or the reason shown in brackets ("the PNG to write"). */
  required?: boolean | string;
  /** Applied by the CLI when the flag is absent (a function reads the run's environment). */
  default?: string | number | boolean | ((ctx: MapContext) => string | number | boolean);
  /** Help text for a default the library applies (or a computed one): "default 8". */
  defaultLabel?: string;
  /**
   * The library option: a key path (`featherOutward`, `defaults.surface`, `files.dir`), or a function returning
   * the fields to merge. Absent: the flag is the command's own (output paths, --json, -q) and is read from
   * `values`.
   */
  to?: string | ((value: never, ctx: MapContext) => Record<string, unknown>);
}

export type OptionTable = Readonly<Record<string, OptionDef>>;

type Scalar<D> = D extends { type: 'boolean' } ? boolean
  : D extends { type: 'number' | 'int' } ? number
    : D extends { type: 'list' } ? number[]
      : D extends { parse: (raw: string) => infer R } ? R
        : string;

/** The checked, typed values of a table's flags (absent flags are undefined). */
export type OptionValues<T extends OptionTable> = { -readonly [K in keyof T]?: T[K] extends { repeatable: true } ? Scalar<T[K]>[] : Scalar<T[K]> };

/** Declares a table with its literal types kept (for {@link OptionValues}). */
export function defineOptions<const T extends OptionTable>(table: T): T {
  return table;
}

/** A command's raw values as parseArgs gives them (strings and booleans). */
export type RawValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** The parseArgs config of a table: every value-taking type is a string to parseArgs; checks come after. */
export function parseArgsOptions(table: OptionTable): NonNullable<ParseArgsConfig['options']> {
  return Object.fromEntries(Object.entries(table).map(([name, d]) => [name, {
    type: d.type === 'boolean' ? 'boolean' as const : 'string' as const,
    ...(d.short ? { short: d.short } : {}),
    ...(d.repeatable ? { multiple: true } : {}),
  }]));
}

/** `--name` or `-o`, as the usage line and "missing" errors write it. */
export function flagName(name: string, d: OptionDef): string {
  return d.preferShort && d.short ? `-${d.short}` : `--${name}`;
}

function metavarOf(d: OptionDef): string {
  if (d.metavar) return d.metavar;
  switch (d.type) {
    case 'number': case 'int': return 'N';
    case 'path': return 'FILE';
    case 'enum': return (d.choices ?? []).join('|');
    case 'list': return Array.from({ length: d.items ?? 1 }, (_, i) => 'abcdefgh'[i]).join(',');
    default: return 'TEXT';
  }
}

function bounds(d: OptionDef): string {
  return d.min !== undefined && d.max !== undefined ? `from ${d.min} to ${d.max}`
    : d.min !== undefined ? `>= ${d.min}` : d.max !== undefined ? `<= ${d.max}` : '';
}

/** The phrase after "--flag expects": "a whole number from 0 to 254", "one of low, high", … */
export function expectsPhrase(d: OptionDef): string {
  if (d.expects) return d.expects;
  switch (d.type) {
    case 'number': case 'int': return [d.type === 'int' ? 'a whole number' : 'a number', bounds(d)].filter(Boolean).join(' ');
    case 'enum': return `one of ${(d.choices ?? []).join(', ')}`;
    case 'list': return `${metavarOf(d)} as ${d.items ?? 'some'} ${d.integer ? 'whole numbers' : 'numbers'}`;
    case 'boolean': return 'no value';
    default: return `a value (${metavarOf(d)})`;
  }
}

/**
 * Checks one raw value against its definition and returns it typed. A bad value is a `USAGE` error (exit 2)
 * naming the flag, what it expects and what it received; a `parse` hook's own coded error passes through.
 *
 * @example
 * checkValue('n', { type: 'int', min: 1, max: 10, description: '' }, '2', 'maskedit edit …') // 2
 */
export function checkValue(name: string, d: OptionDef, raw: string | boolean, usage: string): unknown {
  const bad = () => new CliError('USAGE', `--${name} expects ${expectsPhrase(d)}, received ${JSON.stringify(raw)}`, `usage: ${usage}`);
  if (d.type === 'boolean') {
    if (typeof raw !== 'boolean') throw bad();
    return raw;
  }
  if (typeof raw !== 'string') throw bad();
  switch (d.type) {
    case 'number': case 'int': {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n) || (d.type === 'int' && !Number.isInteger(n))
        || (d.min !== undefined && n < d.min) || (d.max !== undefined && n > d.max)) throw bad();
      return n;
    }
    case 'enum':
      if (!(d.choices ?? []).includes(raw)) throw bad();
      return raw;
    case 'list': {
      const parts = raw.split(',').map((p) => p.trim());
      const nums = parts.map(Number);
      if ((d.items !== undefined && parts.length !== d.items) || parts.some((p) => p === '')
        || nums.some((n) => !Number.isFinite(n) || (d.integer && !Number.isInteger(n)) || (d.min !== undefined && n < d.min) || (d.max !== undefined && n > d.max))
        || (d.accept && !d.accept(nums))) throw bad();
      return nums;
    }
    default:
      if (!d.parse) return raw;
      try {
        return d.parse(raw);
      } catch (e) {
        if (isMaskeditError(e)) throw e;
        throw bad();
      }
  }
}

/**
 * argv (after the command name) → raw values and positionals, through parseArgs in strict mode. Unknown flags,
 * missing values and stray values are `USAGE` errors; every given value is then checked ({@link checkValue}).
 */
export function parseCommandLine(table: OptionTable, argv: readonly string[], usage: string): { values: RawValues; positionals: string[] } {
  const options = parseArgsOptions(table);
  let parsed;
  try {
    parsed = parseArgs({ args: joinNegativeValues(argv, options as Record<string, { type: 'string' | 'boolean'; short?: string }>), options, allowPositionals: true, strict: true });
  } catch (e) {
    const message = (e as Error).message.split('\n')[0]!.replace(/\. To specify .*$/, '');
    // parseArgs' wording for a value left out, or given to a switch, rewritten to name the flag and what it takes.
    const missing = /^Option '(?:-\w, )?--([^' ]+) <value>' argument missing/.exec(message)?.[1];
    if (missing && table[missing]) throw new CliError('USAGE', `--${missing} expects ${expectsPhrase(table[missing])}, received nothing`, `write the value after the flag: --${missing} ${metavarOf(table[missing])}; usage: ${usage}`);
    const valued = /^Option '(?:-\w, )?--([^' ]+)' does not take an argument/.exec(message)?.[1];
    if (valued && table[valued]) throw new CliError('USAGE', `--${valued} is a switch and takes no value`, `write --${valued} alone; usage: ${usage}`);
    throw new CliError('USAGE', `${message}${didYouMean(message, table)}`, `usage: ${usage}`);
  }
  const values = parsed.values as RawValues;
  typedValues(table, values, usage);
  return { values, positionals: parsed.positionals };
}

/** " (did you mean --model?)" for parseArgs' "Unknown option '--modle'" when one option is a close spelling. */
function didYouMean(message: string, table: OptionTable): string {
  const typed = /Unknown option '--([^'=]+)/.exec(message)?.[1];
  if (!typed) return '';
  const close = Object.keys(table).filter((o) => editDistance(o, typed) <= (typed.length <= 3 ? 1 : 2));
  return close.length === 1 ? ` (did you mean --${close[0]}?)` : '';
}

/** Checks and types every value present. */
export function typedValues<T extends OptionTable>(table: T, raw: RawValues, usage: string): OptionValues<T> {
  const out: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(raw)) {
    const d = table[name];
    if (!d || v === undefined) continue;
    out[name] = Array.isArray(v) ? v.map((x) => checkValue(name, d, x, usage)) : checkValue(name, d, v, usage);
  }
  return out as OptionValues<T>;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let at = target;
  for (const k of keys.slice(0, -1)) at = (at[k] ??= {}) as Record<string, unknown>;
  at[keys.at(-1)!] = value;
}

function merge(target: Record<string, unknown>, fields: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(fields)) {
    const old = target[k];
    if (old && v && typeof old === 'object' && typeof v === 'object' && !Array.isArray(v)) merge(old as Record<string, unknown>, v as Record<string, unknown>);
    else target[k] = v;
  }
}

/**
 * The command's checked values (defaults applied) and the library options they map to. Required flags are
 * checked here, so a command reads its options after the checks that come first (positionals, a session).
 *
 * @example
 * const { values, options } = readOptions(command, ctx); // options: EditOptions fields for `maskedit edit`
 */
export function readOptions<T extends OptionTable, O = Record<string, unknown>>(
  cmd: { options: T; usage: string },
  ctx: { values: RawValues } & MapContext,
): { values: OptionValues<T>; options: O } {
  const values = typedValues(cmd.options, ctx.values, cmd.usage) as Record<string, unknown>;
  const options: Record<string, unknown> = {};
  for (const [name, d] of Object.entries(cmd.options)) {
    if (d.required && (values[name] === undefined || values[name] === '')) {
      throw new CliError('USAGE', `missing ${flagName(name, d)} ${metavarOf(d)}${typeof d.required === 'string' ? ` (${d.required})` : ''}`, `usage: ${cmd.usage}`);
    }
    if (values[name] === undefined && d.default !== undefined) values[name] = typeof d.default === 'function' ? d.default(ctx) : d.default;
    const v = values[name];
    if (v === undefined || !d.to) continue;
    if (typeof d.to === 'string') setPath(options, d.to, v);
    else merge(options, d.to(v as never, ctx));
  }
  return { values: values as OptionValues<T>, options: options as O };
}

/** `maskedit NAME ARGS -o OUT [--flag N] [--mode a|b] [--ref FILE]…`: required flags first, then the rest in table order. */
export function renderUsage(name: string, args: string, table: OptionTable): string {
  const one = (flag: string, d: OptionDef) => `${flagName(flag, d)}${d.type === 'boolean' ? '' : ` ${metavarOf(d)}`}`;
  const entries = Object.entries(table);
  const required = entries.filter(([, d]) => d.required).map(([f, d]) => one(f, d));
  const optional = entries.filter(([, d]) => !d.required).map(([f, d]) => `[${one(f, d)}]${d.repeatable ? '…' : ''}`);
  return ['maskedit', name, args, ...required, ...optional].filter(Boolean).join(' ');
}

/** The facts help adds after a flag's description: choices, range, repeat, default, required. */
export function optionFacts(d: OptionDef): string {
  const facts: string[] = [];
  if (d.type === 'enum') facts.push(`One of: ${(d.choices ?? []).join(', ')}.`);
  if (d.type === 'number' || d.type === 'int') facts.push(`${d.type === 'int' ? 'A whole number' : 'A number'}${bounds(d) ? ` ${bounds(d)}` : ''}.`);
  if (d.repeatable) facts.push('Repeatable.');
  if (d.required) facts.push('Required.');
  const def = d.defaultLabel ?? (d.default !== undefined && typeof d.default !== 'function' ? `default ${String(d.default)}` : undefined);
  if (def && d.type !== 'boolean') facts.push(`(${def})`);
  return facts.join(' ');
}

/** `maskedit CMD --help`: usage, summary, details, then every flag with its description and facts. */
export function renderHelp(c: { usage: string; summary: string; details?: string; options: OptionTable }): string {
  const opts = Object.entries(c.options).flatMap(([name, d]) => [
    `  ${d.short ? `-${d.short}, ` : ''}--${name}${d.type === 'boolean' ? '' : ' VALUE'}${d.repeatable ? ' (repeatable)' : ''}`,
    `      ${[d.description, optionFacts(d)].filter(Boolean).join(' ')}`,
  ]);
  return [`Usage: ${c.usage}`, '', c.summary, ...(c.details ? ['', c.details] : []), '', 'Options:', ...opts, '  --help', '      Print this help.'].join('\n') + '\n';
}

/** The provider default (docs/providers.md): openai when this run's environment has OPENAI_API_KEY, else the embedded engine. */
export const defaultProvider = (ctx: MapContext): 'local' | 'openai' => (ctx.env.OPENAI_API_KEY ? 'openai' : 'local');

/** Flags several commands share, declared once. */
export const COMMON = {
  json: { type: 'boolean', description: 'Print the result as JSON on stdout (errors too: { ok: false, error: { code, message, fix } }).' },
  quiet: { type: 'boolean', short: 'q', preferShort: true, description: 'Print nothing but errors.' },
  model: { type: 'string', metavar: 'M', description: 'The image model (an id or alias from `maskedit models`).', defaultLabel: 'default: the newest active model recommended for edits on today\'s date', to: 'model' },
} as const satisfies OptionTable;

/**
 * Every flag of every command, through the option tables (src/cli/options.ts): parsed, checked and mapped to the
 * options object the command hands to the library, asserted exactly. The tables are iterated, so a flag added
 * without a row here fails; a row's expectation is written by hand, so a mapping read under the wrong name fails.
 */
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands/index.js';
import { editOptionsFrom } from '../../src/cli/commands/edit.js';
import type { Command, CommandContext } from '../../src/cli/_context.js';
import { parseCommandLine, readOptions, renderHelp, type OptionDef } from '../../src/cli/options.js';

const TODAY = '2026-11-30';
const commands = Object.fromEntries(await Promise.all(Object.entries(COMMANDS).map(async ([name, load]) => [name, await load()] as const))) as Record<string, Command>;

/** The flags every row of a command carries (its required ones), and what they map to alone (defaults included). */
const BASE: Record<string, { argv: string[]; options: Record<string, unknown>; values?: Record<string, unknown> }> = {
  check: { argv: [], options: {} },
  edit: { argv: ['--mask', 'm.png'], options: { mask: 'm.png', provider: 'local' } },
  batch: { argv: ['-o', 'out'], options: { outdir: 'out', defaults: { provider: 'local' } } },
  demo: { argv: [], options: { engine: 'heal' }, values: { out: 'maskedit-demo', engine: 'heal' } },
  diff: { argv: ['--mask', 'm.png'], options: { threshold: 8 } },
  mask: { argv: ['-o', 'm.png'], options: { grow: 0, shrink: 0, feather: 0 } },
  models: { argv: [], options: {} },
  plan: { argv: ['--mask', 'm.png'], options: {} },
  prompt: { argv: [], options: {} },
  serve: { argv: [], options: { host: '127.0.0.1', port: 8787, allowUrlFetch: false, allowPrivateUrls: false }, values: { host: '127.0.0.1', port: 8787, 'allow-url-fetch': false, 'allow-private-urls': false, 'log-level': 'info' } },
  session: { argv: [], options: {} },
  stitch: { argv: ['--mask', 'm.png', '-o', 'o.png'], options: { seam: 'match' } },
  studio: { argv: [], options: { port: 8788, host: '127.0.0.1' } },
  triage: { argv: ['--prompt', 'p'], options: { prompt: 'p' } },
  worker: { argv: ['--queue', 'redis://h:1'], options: { queue: 'redis://h:1', concurrency: 4 } },
};

interface Row {
  argv: string[];
  /** The flag's checked value. */
  value: unknown;
  /** What it adds to (or changes in) the base options; absent: a flag of the command's own, mapping nothing. */
  options?: Record<string, unknown>;
}

const ROWS: Record<string, Record<string, Row>> = {
  check: {
    model: { argv: ['--model', 'gpt-image-1.5'], value: 'gpt-image-1.5', options: { model: 'gpt-image-1.5' } },
    markup: { argv: ['--markup', 'over.png'], value: 'over.png', options: { markupLabel: 'over.png' } },
    json: { argv: ['--json'], value: true },
  },
  edit: {
    mask: { argv: ['--mask', 'in.mask.png'], value: 'in.mask.png', options: { mask: 'in.mask.png' } },
    prompt: { argv: ['--prompt', 'Add a flamingo.'], value: 'Add a flamingo.', options: { prompt: 'Add a flamingo.' } },
    scene: { argv: ['--scene', 'A lounge.'], value: 'A lounge.', options: { scene: 'A lounge.' } },
    change: { argv: ['--change', 'a flamingo'], value: 'a flamingo', options: { change: 'a flamingo' } },
    preserve: { argv: ['--preserve', 'walls; tiles'], value: 'walls; tiles', options: { preserve: 'walls; tiles' } },
    model: { argv: ['--model', 'gpt-image-2'], value: 'gpt-image-2', options: { model: 'gpt-image-2' } },
    fidelity: { argv: ['--fidelity', 'high'], value: 'high', options: { fidelity: 'high' } },
    subject: { argv: ['--subject', 'face'], value: 'face', options: { subject: 'face' } },
    size: { argv: ['--size', '1024x1536'], value: '1024x1536', options: { size: '1024x1536' } },
    quality: { argv: ['--quality', 'xhigh'], value: 'xhigh', options: { quality: 'xhigh' } },
    complexity: { argv: ['--complexity', 'medium'], value: 'medium', options: { complexity: 'medium' } },
    moderation: { argv: ['--moderation', 'low'], value: 'low', options: { moderation: 'low' } },
    markup: { argv: ['--markup', 'auto'], value: 'auto', options: { markup: 'auto' } },
    n: { argv: ['--n', '3'], value: 3, options: { n: 3 } },
    ref: { argv: ['--ref', 'a.png', '--ref', 'b.png'], value: ['a.png', 'b.png'], options: { references: ['a.png', 'b.png'] } },
    crop: { argv: ['--crop', 'off'], value: 'off', options: { crop: 'off' } },
    regions: { argv: ['--regions', 'separate'], value: 'separate', options: { regions: 'separate' } },
    context: { argv: ['--context', '0.5'], value: 0.5, options: { context: 0.5 } },
    strict: { argv: ['--strict'], value: true, options: { strict: true } },
    'no-strict': { argv: ['--no-strict'], value: true, options: { strict: false } },
    seam: { argv: ['--seam', 'poisson'], value: 'poisson', options: { seam: 'poisson' } },
    feather: { argv: ['--feather', '2.5'], value: 2.5, options: { feather: 2.5 } },
    'feather-outward': { argv: ['--feather-outward', '3'], value: 3, options: { featherOutward: 3 } },
    grow: { argv: ['--grow', '12'], value: 12, options: { grow: 12 } },
    expand: { argv: ['--expand', '6'], value: 6, options: { expand: 6 } },
    provider: { argv: ['--provider', 'openai'], value: 'openai', options: { provider: 'openai' } },
    surface: { argv: ['--surface', 'responses'], value: 'responses', options: { surface: 'responses' } },
    engine: { argv: ['--engine', 'telea'], value: 'telea', options: { engine: 'telea' } },
    'sample-from': { argv: ['--sample-from', 's.png'], value: 's.png', options: { sampleFrom: 's.png' } },
    exclude: { argv: ['--exclude', 'x.png'], value: 'x.png', options: { exclude: 'x.png' } },
    fix: { argv: ['--fix'], value: true, options: { fix: true } },
    'max-cost': { argv: ['--max-cost', '0.25'], value: 0.25, options: { maxCostUsd: 0.25 } },
    stream: { argv: ['--stream'], value: true },
    'partial-images': { argv: ['--partial-images', '2'], value: 2, options: { partialImages: 2 } },
    seed: { argv: ['--seed', '7'], value: 7, options: { seed: 7 } },
    session: { argv: ['--session', 'sess'], value: 'sess' },
    continue: { argv: ['--continue', 'sess'], value: 'sess' },
    output: { argv: ['-o', 'out.png'], value: 'out.png' },
    report: { argv: ['--report', 'r.json'], value: 'r.json' },
    heatmap: { argv: ['--heatmap', 'h.png'], value: 'h.png' },
    json: { argv: ['--json'], value: true },
    quiet: { argv: ['-q'], value: true },
  },
  batch: {
    output: { argv: ['--output', 'results'], value: 'results', options: { outdir: 'results' } },
    queue: { argv: ['--queue', 'redis://127.0.0.1:6379'], value: 'redis://127.0.0.1:6379', options: { queue: 'redis://127.0.0.1:6379' } },
    workers: { argv: ['--workers', '0'], value: 0, options: { workers: 0 } },
    'openai-batch': { argv: ['--openai-batch'], value: true, options: { openaiBatch: true } },
    prompt: { argv: ['--prompt', 'Remove it.'], value: 'Remove it.', options: { prompt: 'Remove it.' } },
    concurrency: { argv: ['--concurrency', '16'], value: 16, options: { concurrency: 16 } },
    rpm: { argv: ['--rpm', '7.5'], value: 7.5, options: { rpm: 7.5 } },
    'max-cost': { argv: ['--max-cost', '3'], value: 3, options: { maxCostUsd: 3 } },
    retries: { argv: ['--retries', '5'], value: 5, options: { retries: 5 } },
    'lock-ms': { argv: ['--lock-ms', '1500'], value: 1500, options: { lockMs: 1500 } },
    provider: { argv: ['--provider', 'openai'], value: 'openai', options: { defaults: { provider: 'openai' } } },
    surface: { argv: ['--surface', 'json'], value: 'json', options: { defaults: { provider: 'local', surface: 'json' } } },
    model: { argv: ['--model', 'gpt-image-1'], value: 'gpt-image-1', options: { defaults: { provider: 'local', model: 'gpt-image-1' } } },
    quality: { argv: ['--quality', 'max'], value: 'max', options: { defaults: { provider: 'local', quality: 'max' } } },
    engine: { argv: ['--engine', 'patchmatch'], value: 'patchmatch', options: { defaults: { provider: 'local', engine: 'patchmatch' } } },
    json: { argv: ['--json'], value: true },
    quiet: { argv: ['--quiet'], value: true },
  },
  demo: {
    out: { argv: ['--out', 'd'], value: 'd' },
    engine: { argv: ['--engine', 'ns'], value: 'ns', options: { engine: 'ns' } },
    json: { argv: ['--json'], value: true },
    quiet: { argv: ['-q'], value: true },
  },
  diff: {
    mask: { argv: ['-m', 'edit.png'], value: 'edit.png' },
    heatmap: { argv: ['--heatmap', 'h.webp'], value: 'h.webp' },
    threshold: { argv: ['--threshold', '0'], value: 0, options: { threshold: 0 } },
    json: { argv: ['--json'], value: true },
  },
  mask: {
    output: { argv: ['--output', 'x.png'], value: 'x.png' },
    match: { argv: ['--match', 'photo.jpg'], value: 'photo.jpg', options: { match: 'photo.jpg' } },
    edit: { argv: ['--edit', 'black'], value: 'black', options: { edit: 'black' } },
    invert: { argv: ['--invert'], value: true, options: { invert: true } },
    threshold: { argv: ['--threshold', '200'], value: 200, options: { threshold: 200 } },
    grow: { argv: ['--grow', '5'], value: 5, options: { grow: 5 } },
    shrink: { argv: ['--shrink', '2'], value: 2, options: { shrink: 2 } },
    'fill-holes': { argv: ['--fill-holes'], value: true, options: { fillHoles: true } },
    rect: {
      argv: ['--rect', '-5,-5,20,20', '--rect', '1,2,3,4'],
      value: [{ x: -5, y: -5, width: 20, height: 20 }, { x: 1, y: 2, width: 3, height: 4 }],
      options: { rects: [{ x: -5, y: -5, width: 20, height: 20 }, { x: 1, y: 2, width: 3, height: 4 }] },
    },
    select: {
      argv: ['--select', 'point:3,4', '--select', 'box:0,0,10,8'],
      value: [{ kind: 'point', x: 3, y: 4 }, { kind: 'box', box: { x: 0, y: 0, width: 10, height: 8 } }],
      options: { selections: [{ kind: 'point', x: 3, y: 4 }, { kind: 'box', box: { x: 0, y: 0, width: 10, height: 8 } }] },
    },
    diff: { argv: ['--diff', 'orig.png'], value: 'orig.png', options: { diff: 'orig.png' } },
    tolerance: { argv: ['--tolerance', '40'], value: 40, options: { tolerance: 40 } },
    feather: { argv: ['--feather', '9'], value: 9, options: { feather: 9 } },
    json: { argv: ['--json'], value: true },
  },
  models: {
    json: { argv: ['--json'], value: true },
    refresh: { argv: ['--refresh'], value: true },
  },
  plan: {
    mask: { argv: ['-m', 'other.png'], value: 'other.png' },
    model: { argv: ['--model', 'dall-e-2'], value: 'dall-e-2', options: { model: 'dall-e-2' } },
    regions: { argv: ['--regions', 'merge'], value: 'merge', options: { regions: 'merge' } },
    mode: { argv: ['--mode', 'whole'], value: 'whole', options: { mode: 'whole' } },
    context: { argv: ['--context', '1'], value: 1, options: { context: 1 } },
    preview: { argv: ['--preview', 'p.png'], value: 'p.png' },
    json: { argv: ['--json'], value: true },
  },
  prompt: {
    scene: { argv: ['--scene', 'A pool.'], value: 'A pool.', options: { scene: 'A pool.' } },
    change: { argv: ['--change', 'a duck'], value: 'a duck', options: { change: 'a duck' } },
    preserve: { argv: ['--preserve', 'tiles', '--preserve', 'walls; light'], value: ['tiles', 'walls; light'], options: { preserve: ['tiles', 'walls; light'] } },
    lint: { argv: ['--lint', 'Add a duck.'], value: 'Add a duck.', options: { lint: 'Add a duck.' } },
    model: { argv: ['--model', 'gpt-image-1-mini'], value: 'gpt-image-1-mini', options: { model: 'gpt-image-1-mini' } },
    subject: { argv: ['--subject', 'logo'], value: 'logo', options: { subject: 'logo' } },
    fidelity: { argv: ['--fidelity', 'low'], value: 'low', options: { requested: 'low' } },
    json: { argv: ['--json'], value: true },
  },
  serve: {
    host: { argv: ['--host', '0.0.0.0'], value: '0.0.0.0', options: { host: '0.0.0.0' } },
    port: { argv: ['--port', '0'], value: 0, options: { port: 0 } },
    'api-key': { argv: ['--api-key', 'k'], value: 'k' },
    'api-key-file': { argv: ['--api-key-file', 'key.txt'], value: 'key.txt' },
    'files-dir': { argv: ['--files-dir', 'files'], value: 'files', options: { files: { dir: 'files' } } },
    queue: { argv: ['--queue', '0'], value: 0, options: { queue: 0 } },
    concurrency: { argv: ['--concurrency', '2'], value: 2, options: { concurrency: 2 } },
    engine: { argv: ['--engine', 'telea'], value: 'telea', options: { engine: 'telea' } },
    'allow-url-fetch': { argv: ['--allow-url-fetch'], value: true, options: { allowUrlFetch: true } },
    'allow-private-urls': { argv: ['--allow-private-urls'], value: true, options: { allowPrivateUrls: true } },
    timeout: { argv: ['--timeout', '2.5'], value: 2.5, options: { requestTimeoutMs: 2500 } },
    'max-uploads': { argv: ['--max-uploads', '3'], value: 3, options: { maxUploads: 3 } },
    'upload-min-rate': { argv: ['--upload-min-rate', '0'], value: 0, options: { uploadMinBytesPerSec: 0 } },
    'pixel-budget': { argv: ['--pixel-budget', '1.5'], value: 1.5, options: { pixelBudget: 1_500_000 } },
    'log-level': { argv: ['--log-level', 'silent'], value: 'silent' },
  },
  session: {
    json: { argv: ['--json'], value: true },
  },
  stitch: {
    mask: { argv: ['--mask', 'edit-mask.png'], value: 'edit-mask.png' },
    output: { argv: ['--output', 'out.webp'], value: 'out.webp' },
    crop: { argv: ['--crop', '-5,-5,20,30'], value: [-5, -5, 20, 30], options: { crop: { x: -5, y: -5, width: 20, height: 30 } } },
    seam: { argv: ['--seam', 'none'], value: 'none', options: { seam: 'none' } },
    feather: { argv: ['--feather', '0'], value: 0, options: { feather: 0 } },
    'feather-outward': { argv: ['--feather-outward', '6'], value: 6, options: { featherOutward: 6 } },
    json: { argv: ['--json'], value: true },
  },
  studio: {
    port: { argv: ['--port', '0'], value: 0, options: { port: 0 } },
    host: { argv: ['--host', '::1'], value: '::1', options: { host: '::1' } },
    engine: { argv: ['--engine', 'patchmatch'], value: 'patchmatch', options: { engine: 'patchmatch' } },
    'files-dir': { argv: ['--files-dir', 'up'], value: 'up', options: { files: { dir: 'up' } } },
    open: { argv: ['--open'], value: true },
    'no-open': { argv: ['--no-open'], value: true },
    verbose: { argv: ['--verbose'], value: true },
  },
  triage: {
    prompt: { argv: ['--prompt', 'Add a duck.'], value: 'Add a duck.', options: { prompt: 'Add a duck.' } },
    result: { argv: ['--result', 'r.png'], value: 'r.png', options: { result: 'r.png' } },
    model: { argv: ['--model', 'gpt-image-1'], value: 'gpt-image-1', options: { model: 'gpt-image-1' } },
    fidelity: { argv: ['--fidelity', 'high'], value: 'high', options: { fidelity: 'high' } },
    surface: { argv: ['--surface', 'json'], value: 'json', options: { surface: 'json' } },
    json: { argv: ['--json'], value: true },
  },
  worker: {
    queue: { argv: ['--queue', 'redis://q:6380'], value: 'redis://q:6380', options: { queue: 'redis://q:6380' } },
    concurrency: { argv: ['--concurrency', '1'], value: 1, options: { concurrency: 1 } },
    'lock-ms': { argv: ['--lock-ms', '500'], value: 500, options: { lockMs: 500 } },
    quiet: { argv: ['-q'], value: true },
  },
};

/** The base argv without the flag a row sets itself (its long or short form and value). */
function baseWithout(cmd: string, flag: string): string[] {
  const def = commands[cmd]!.options[flag]!;
  const names = new Set([`--${flag}`, ...(def.short ? [`-${def.short}`] : [])]);
  const argv = BASE[cmd]!.argv;
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (names.has(argv[i]!)) i++;
    else out.push(argv[i]!);
  }
  return out;
}

/** argv → checked values and library options, as a command gets them. */
function parse(cmd: string, argv: string[], env: NodeJS.ProcessEnv = {}) {
  const command = commands[cmd]!;
  const { values, positionals } = parseCommandLine(command.options, argv, command.usage);
  return { positionals, ...readOptions(command, { values, env, today: TODAY }) };
}

function thrown(fn: () => unknown): { code: string; message: string; fix?: string } {
  try {
    fn();
  } catch (e) {
    const { code, message, fix } = e as { code: string; message: string; fix?: string };
    return { code, message, ...(fix !== undefined ? { fix } : {}) };
  }
  throw new Error('expected an error');
}

const FLAGS = Object.entries(commands).flatMap(([cmd, c]) => Object.keys(c.options).map((flag) => [cmd, flag] as const));

describe('every flag of every command maps to its library option', () => {
  it('every command has a base row and every table row a flag (no stale rows)', () => {
    expect(Object.keys(BASE).sort()).toEqual(Object.keys(commands).sort());
    expect(Object.keys(ROWS).sort()).toEqual(Object.keys(commands).sort());
    for (const [cmd, rows] of Object.entries(ROWS)) expect(Object.keys(rows).sort()).toEqual(Object.keys(commands[cmd]!.options).sort());
  });

  it.each(Object.keys(BASE))('%s: the base flags alone map to exactly the defaults', (cmd) => {
    expect(parse(cmd, BASE[cmd]!.argv).options).toEqual(BASE[cmd]!.options);
  });

  it.each(['demo', 'serve'])('%s: defaults the CLI applies itself show in the values', (cmd) => {
    expect(parse(cmd, BASE[cmd]!.argv).values).toEqual(BASE[cmd]!.values);
  });

  it.each(FLAGS)('%s --%s', (cmd, flag) => {
    const row = ROWS[cmd]?.[flag];
    expect(row, `no row for ${cmd} --${flag}`).toBeDefined();
    const { values, options, positionals } = parse(cmd, [...baseWithout(cmd, flag), ...row!.argv]);
    expect(positionals).toEqual([]);
    expect((values as Record<string, unknown>)[flag]).toEqual(row!.value);
    expect(options).toEqual({ ...BASE[cmd]!.options, ...row!.options });
  });

  it.each([['edit'], ['batch']])('%s: the provider defaults to openai when OPENAI_API_KEY is set', (cmd) => {
    const { values } = parse(cmd, BASE[cmd]!.argv, { OPENAI_API_KEY: 'sk-test' });
    expect(values.provider).toBe('openai');
  });

  it('edit: editOptionsFrom adds the image, the date and the signal to the mapped flags', () => {
    const signal = new AbortController().signal;
    const { values, positionals } = parseCommandLine(commands.edit!.options, ['in.png', '--mask', 'm.png', '--prompt', 'p', '--n', '2'], commands.edit!.usage);
    const ctx = { values, positionals, env: {}, today: TODAY, signal } as unknown as CommandContext;
    expect(editOptionsFrom(ctx, commands.edit as never, 'in.png')).toEqual({ image: 'in.png', mask: 'm.png', prompt: 'p', n: 2, provider: 'local', today: TODAY, signal });
  });

  it.each([
    [['--mask', 'm.png'], 'missing --prompt TEXT (or --scene/--change)'],
    [['--mask', 'm.png', '--prompt', 'p', '--strict', '--no-strict'], '--strict and --no-strict contradict each other'],
    [['--mask', 'm.png', '--prompt', 'p', '--model', ' '], '--model is empty; name a model (maskedit models lists them) or drop --model for the default'],
    [['--mask', 'm.png', '--prompt', 'p', '--partial-images', '1'], '--partial-images needs --stream'],
    [['--mask', '', '--prompt', 'p'], 'missing --mask MASK'],
  ])('edit: flags read together %j → USAGE %s', (argv, message) => {
    const { values } = parseCommandLine(commands.edit!.options, argv, commands.edit!.usage);
    const ctx = { values, positionals: [], env: {}, today: TODAY, signal: new AbortController().signal } as unknown as CommandContext;
    expect(thrown(() => editOptionsFrom(ctx, commands.edit as never, 'in.png'))).toMatchObject({ code: 'USAGE', message });
  });
});

/** Every refusal carries a fix: the usage line (after the missing value's form), or the parser's example. */
const FIXES: Record<string, RegExp> = {
  USAGE: /(^|; )usage: maskedit \w+ /,
  MASK_RECT_INVALID: /^write it like --rect 100,80,320,240 \(left, top, width, height in pixels\)$/,
  SELECT_INVALID: /^write it like --select box:100,80,320,240 /,
};

describe('bad values are refused with stable codes, naming expected and received', () => {
  it.each([
    // enum: a value not among the choices
    ['edit', ['--quality', 'ultra'], 'USAGE', '--quality expects one of low, medium, high, xhigh, max, auto, standard, received "ultra"'],
    ['batch', ['--provider', 'cloud'], 'USAGE', '--provider expects one of local, openai, received "cloud"'],
    ['serve', ['--log-level', 'loud'], 'USAGE', '--log-level expects one of silent, error, warn, info, debug, received "loud"'],
    // int: not whole, out of range, not a number
    ['edit', ['--n', '1.5'], 'USAGE', '--n expects a whole number from 1 to 10, received "1.5"'],
    ['edit', ['--n', '11'], 'USAGE', '--n expects a whole number from 1 to 10, received "11"'],
    ['worker', ['--lock-ms', '499'], 'USAGE', '--lock-ms expects a whole number >= 500, received "499"'],
    ['serve', ['--port', '65536'], 'USAGE', '--port expects a whole number from 0 to 65535, received "65536"'],
    // number: out of range (a negative value is taken as the value, not as a flag), not a number, empty
    ['edit', ['--feather', '-1'], 'USAGE', '--feather expects a number from 0 to 256, received "-1"'],
    ['edit', ['--context', '4.01'], 'USAGE', '--context expects a number from 0 to 4, received "4.01"'],
    ['edit', ['--max-cost', 'cheap'], 'USAGE', '--max-cost expects a number >= 0, received "cheap"'],
    ['batch', ['--rpm', ''], 'USAGE', '--rpm expects a number >= 1, received ""'],
    ['serve', ['--timeout', 'Infinity'], 'USAGE', '--timeout expects a number from 1 to 86400, received "Infinity"'],
    // list: count, whole numbers, positive size
    ['stitch', ['--crop', '1,2,3'], 'USAGE', '--crop expects x,y,w,h as four whole numbers with a positive size, received "1,2,3"'],
    ['stitch', ['--crop', '0,0,1.5,2'], 'USAGE', '--crop expects x,y,w,h as four whole numbers with a positive size, received "0,0,1.5,2"'],
    ['stitch', ['--crop', '0,0,0,5'], 'USAGE', '--crop expects x,y,w,h as four whole numbers with a positive size, received "0,0,0,5"'],
    // string with a parser: the parser's own code
    ['mask', ['--rect', '1,2'], 'MASK_RECT_INVALID', '--rect expects x,y,w,h as four whole numbers, received "1,2"'],
    ['mask', ['--select', 'lasso:1,2'], 'SELECT_INVALID', '--select expects box:X,Y,W,H or point:X,Y (whole pixels); it must start with box: or point:, received "lasso:1,2"'],
    // a value left out, per type
    ['edit', ['--mask'], 'USAGE', '--mask expects a value (MASK), received nothing'],
    ['edit', ['--prompt'], 'USAGE', '--prompt expects a value (TEXT), received nothing'],
    ['edit', ['--n'], 'USAGE', '--n expects a whole number from 1 to 10, received nothing'],
    ['edit', ['--context'], 'USAGE', '--context expects a number from 0 to 4, received nothing'],
    ['edit', ['--seam'], 'USAGE', '--seam expects one of none, match, poisson, received nothing'],
    ['stitch', ['--crop'], 'USAGE', '--crop expects x,y,w,h as four whole numbers with a positive size, received nothing'],
    ['diff', ['-m'], 'USAGE', '--mask expects a value (MASK), received nothing'],
    // a switch given a value; an unknown flag
    ['check', ['--json=yes'], 'USAGE', '--json is a switch and takes no value'],
    ['edit', ['--qualty', 'high'], 'USAGE', "Unknown option '--qualty' (did you mean --quality?)"],
  ])('%s %j → %s', (cmd, argv, code, message) => {
    const c = commands[cmd]!;
    const error = thrown(() => parseCommandLine(c.options, argv, c.usage));
    expect(error).toMatchObject({ code, message });
    expect(error.fix).toMatch(FIXES[code]!);
  });

  it.each([
    ['mask', [], 'missing -o OUT (the PNG to write)'],
    ['batch', [], 'missing -o OUTDIR (the folder for outputs, reports and the journal)'],
    ['diff', [], 'missing --mask MASK (the mask the edit was made with)'],
    ['stitch', ['--mask', 'm.png'], 'missing -o OUT (the image to write)'],
    ['plan', ['--mask', ''], 'missing --mask MASK'],
    ['triage', [], 'missing --prompt TEXT (the prompt the failing edit used)'],
    ['worker', [], 'missing --queue redis://HOST:PORT'],
  ])('%s %j: a required flag left out → USAGE %s', (cmd, argv, message) => {
    expect(thrown(() => parse(cmd, argv))).toEqual({ code: 'USAGE', message, fix: `usage: ${commands[cmd]!.usage}` });
  });
});

describe('help and usage come from the tables', () => {
  it.each(FLAGS)('%s --help describes --%s', (cmd, flag) => {
    const c = commands[cmd]!;
    const def: OptionDef = c.options[flag]!;
    expect(def.description.length).toBeGreaterThan(10);
    const lines = renderHelp(c).split('\n');
    const at = lines.findIndex((l) => new RegExp(`^  (-\\w, )?--${flag}( VALUE)?( \\(repeatable\\))?$`).test(l));
    expect(at).toBeGreaterThan(0);
    expect(lines[at + 1]!.startsWith(`      ${def.description}`)).toBe(true);
    expect(c.usage).toContain(def.preferShort ? `-${def.short}` : `--${flag}`);
  });

  it('writes a flag\'s choices, range, repeat and default after its description', () => {
    const help = renderHelp(commands.stitch!);
    expect(help).toContain('  --seam VALUE\n      none pastes, match removes the result\'s colour cast, poisson blends in the gradient domain. One of: none, match, poisson. (default match)\n');
    expect(help).toContain('  --feather VALUE\n      Blend ramp N px wide inside the mask (0 = hard edge); nothing outside the mask changes. A whole number from 0 to 1024. (default 4)\n');
    expect(renderHelp(commands.mask!)).toContain('  --rect VALUE (repeatable)\n      Make this box of INPUT (the image) editable; boxes past the edge are clipped. Repeatable.\n');
  });

  it.each([
    ['check', 'maskedit check IMAGE MASK [--model M] [--markup FILE] [--json]'],
    ['stitch', 'maskedit stitch ORIGINAL RESULT --mask MASK -o OUT [--crop x,y,w,h] [--seam none|match|poisson] [--feather N] [--feather-outward N] [--json]'],
    ['worker', 'maskedit worker --queue redis://HOST:PORT [--concurrency N] [--lock-ms MS] [-q]'],
    ['session', 'maskedit session show|undo DIR [--json]'],
  ])('the %s usage line', (cmd, usage) => {
    expect(commands[cmd]!.usage).toBe(usage);
  });
});

/**
 * Environment variables are read once, at the entry points, and passed down (docs/architecture.md): a scan of
 * src/ fails for any read of `process.env` outside the allow-list below. Comments are skipped; a quoted
 * `process.env` (text shown to the user, e.g. the snippet `maskedit serve` prints) is not a read.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openaiEnv } from '../src/cli/_env.js';
import { configureSettings, DEFAULT_ENGINE_BUDGET_BYTES, DEFAULT_MAX_PIXELS, settings, settingsFromEnv } from '../src/io/settings.js';
import { engineBudgetFromEnv } from '../src/engines/budget.js';
import { dataHome } from '../src/store/location.js';

const ROOT = join(import.meta.dirname, '..');

/** The entry points, each with what it reads. Nothing else in src/ may touch process.env. */
const ALLOWED: Record<string, string> = {
  'src/cli/main.ts': 'runMain hands process.env to run(), which configures io/settings.ts and gives commands ctx.env',
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sources(p) : /\.(ts|tsx|mts)$/.test(name) ? [p] : [];
  });
}

/** The code without its comments (block and line comments; a `//` inside a string such as a URL is kept). */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

/** Reads of the environment: `process.env`, `process['env']`, `{ env } = process`, `process.env` via globalThis. */
const READ = /(?<!['"`])\b(?:globalThis\.)?process\s*(?:\.\s*env\b|\[\s*['"`]env['"`]\s*\])|\{\s*env\b[^}]*\}\s*=\s*(?:globalThis\.)?process\b/g;

function readsIn(file: string): string[] {
  const code = withoutComments(readFileSync(file, 'utf8'));
  return code.split('\n').flatMap((line, i) => (line.match(READ) ? [`${i + 1}: ${line.trim().slice(0, 120)}`] : []));
}

describe('process.env is read only at the entry points', () => {
  const files = sources(join(ROOT, 'src')).map((f) => f.slice(ROOT.length + 1)).sort();

  it('scans the whole of src/', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(files).toContain('src/pipeline/stages.ts');
    expect(files).toContain('src/providers/_openai.ts');
  });

  it.each(files.filter((f) => !(f in ALLOWED)))('%s reads no environment variable', (file) => {
    expect(readsIn(join(ROOT, file))).toEqual([]);
  });

  it.each(Object.keys(ALLOWED))('%s (an entry point) is where the environment is read', (file) => {
    expect(readsIn(join(ROOT, file)).length).toBeGreaterThan(0);
  });

  it.each([
    ['const k = process.env.OPENAI_API_KEY;', 1],
    ["const k = process['env'].X;", 1],
    ['const { env } = process;', 1],
    ['const k = globalThis.process.env.X;', 1],
    ["const s = 'process.env.MASKEDIT_API_KEY';", 0],
    ['// process.env.X is read upstream', 0],
    ['/** Defaults to process.env.X. */', 0],
    ['const u = "http://x"; const k = process.env.X;', 1],
  ])('the scan finds the reads in %j: %i', (line, n) => {
    expect((withoutComments(line).match(READ) ?? []).length).toBe(n);
  });
});

describe('what the entry points read, passed down', () => {
  it.each([
    [{}, { maxPixels: DEFAULT_MAX_PIXELS, engineBudgetBytes: DEFAULT_ENGINE_BUDGET_BYTES }],
    [{ MASKEDIT_MAX_PIXELS: '5000' }, { maxPixels: 5000, engineBudgetBytes: DEFAULT_ENGINE_BUDGET_BYTES }],
    [{ MASKEDIT_MAX_PIXELS: '0' }, { maxPixels: DEFAULT_MAX_PIXELS, engineBudgetBytes: DEFAULT_ENGINE_BUDGET_BYTES }],
    [{ MASKEDIT_MAX_PIXELS: 'lots' }, { maxPixels: DEFAULT_MAX_PIXELS, engineBudgetBytes: DEFAULT_ENGINE_BUDGET_BYTES }],
    [{ MASKEDIT_MAX_PIXELS: '' }, { maxPixels: DEFAULT_MAX_PIXELS, engineBudgetBytes: DEFAULT_ENGINE_BUDGET_BYTES }],
    [{ MASKEDIT_ENGINE_MEMORY_MB: '4' }, { maxPixels: DEFAULT_MAX_PIXELS, engineBudgetBytes: 4 * 1024 * 1024 }],
    [{ MASKEDIT_ENGINE_MEMORY_MB: '-1' }, { maxPixels: DEFAULT_MAX_PIXELS, engineBudgetBytes: DEFAULT_ENGINE_BUDGET_BYTES }],
  ])('settingsFromEnv(%j) → %j', (env, expected) => {
    expect(settingsFromEnv(env)).toMatchObject(expected);
  });

  it.each([
    [{ XDG_DATA_HOME: '/x/data', HOME: '/home/u' }, '/x/data/maskedit'],
    [{ XDG_DATA_HOME: 'relative', HOME: '/home/u' }, '/home/u/.local/share/maskedit'],
    [{ HOME: '/home/u' }, '/home/u/.local/share/maskedit'],
  ])('the data home of %j is %s, through the settings too', (env, dir) => {
    expect(settingsFromEnv(env).dataHome).toBe(dir);
    configureSettings(settingsFromEnv(env));
    try {
      expect(dataHome()).toBe(dir);
    } finally {
      configureSettings();
    }
  });

  it('configureSettings() resets what it is not given to the defaults', () => {
    configureSettings({ maxPixels: 77 });
    expect(settings()).toMatchObject({ maxPixels: 77, engineBudgetBytes: DEFAULT_ENGINE_BUDGET_BYTES });
    configureSettings();
    expect(settings().maxPixels).toBe(DEFAULT_MAX_PIXELS);
  });

  it('engineBudgetFromEnv reads the env it is given', () => {
    expect(engineBudgetFromEnv({ MASKEDIT_ENGINE_MEMORY_MB: '8' })).toBe(8 * 1024 * 1024);
    expect(engineBudgetFromEnv({})).toBe(DEFAULT_ENGINE_BUDGET_BYTES);
  });

  it.each([
    [{}, {}],
    [{ OPENAI_API_KEY: 'sk-a', OPENAI_BASE_URL: '', MASKEDIT_RESPONSES_MODEL: '' }, { apiKey: 'sk-a' }],
    [{ OPENAI_API_KEY: 'sk-a', OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' }, { apiKey: 'sk-a', baseURL: 'http://127.0.0.1:9/v1' }],
    [{ MASKEDIT_RESPONSES_MODEL: 'gpt-5' }, { responsesModel: 'gpt-5' }],
  ])('the CLI passes the OpenAI provider %j as %j', (env, expected) => {
    expect(openaiEnv(env)).toEqual(expected);
  });
});

/**
 * `maskedit models [--json] [--refresh]`: the model registry judged on today's date (or MASKEDIT_TODAY): status,
 * shutdown date, replacement, sizes, parameters, prices and when they were read.
 *
 * `--refresh` (needs OPENAI_API_KEY; OPENAI_BASE_URL is honoured) reads `GET /v1/models` through the official SDK,
 * overlays the API's `shutdown_date` where it gives one, reports registry models the API no longer lists, and
 * caches the listing in the user's cache folder (`$XDG_CACHE_HOME/maskedit/models.json`, else
 * `~/.cache/maskedit/models.json`; `%LOCALAPPDATA%\maskedit` on Windows, `~/Library/Caches/maskedit` on macOS).
 * Later runs of `maskedit models` show the cached overlay and its date; nothing else reads the cache, and
 * nothing ever needs it.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { MaskeditError } from '../../core/errors.js';
import { findModel, getModel, describeSizes } from '../../core/models.js';
import { modelsReport, refreshFindings, type ApiListing, type ModelRow, type RefreshFindings } from '../../core/models-view.js';
import { writeFileAtomic } from '../../io/atomic.js';
import { defineCommand, EXIT, type CommandContext } from '../_context.js';
import { defineOptions, readOptions } from '../options.js';
import { painter, writeJson, type Painter } from '../_output.js';

/** The user's cache folder for maskedit (no file is written until --refresh). */
export function cacheDir(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): string {
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'maskedit');
  if (platform === 'win32' && env.LOCALAPPDATA) return join(env.LOCALAPPDATA, 'maskedit');
  const home = env.HOME || homedir();
  return platform === 'darwin' ? join(home, 'Library', 'Caches', 'maskedit') : join(home, '.cache', 'maskedit');
}

async function readCache(path: string): Promise<ApiListing | undefined> {
  try {
    const raw = JSON.parse(await readFile(path, 'utf8')) as unknown;
    if (!raw || typeof raw !== 'object') return undefined;
    const l = raw as Partial<ApiListing>;
    if (typeof l.fetchedOn !== 'string' || !Array.isArray(l.models)) return undefined;
    // A forged or damaged cache must not inject anything but ids and dates.
    const models = l.models.filter((m): m is ApiListing['models'][number] => !!m && typeof m === 'object' && typeof (m as { id?: unknown }).id === 'string')
      .map((m) => ({ id: m.id.slice(0, 200), ...(m.shutdown_date === null || typeof m.shutdown_date === 'string' ? { shutdown_date: m.shutdown_date } : {}) }));
    return { fetchedOn: l.fetchedOn.slice(0, 10), models };
  } catch {
    return undefined;
  }
}

/** GET /v1/models through the official SDK (paginated), keeping only ids and the optional shutdown_date. */
async function fetchListing(ctx: CommandContext): Promise<ApiListing> {
  if (!ctx.env.OPENAI_API_KEY) {
    throw new MaskeditError('OPENAI_NO_KEY', '--refresh reads GET /v1/models and needs OPENAI_API_KEY, which is not set',
      'export OPENAI_API_KEY=… in your shell, or run `maskedit models` without --refresh (the registry needs no network)');
  }
  const { createOpenAIClient, mapOpenAIError } = await import('../../providers/_openai.js');
  const client = createOpenAIClient({ apiKey: ctx.env.OPENAI_API_KEY, ...(ctx.env.OPENAI_BASE_URL ? { baseURL: ctx.env.OPENAI_BASE_URL } : {}), maxRetries: 1 });
  const models: ApiListing['models'] = [];
  try {
    for await (const m of client.models.list({ signal: ctx.signal } as never)) {
      const sd = (m as unknown as { shutdown_date?: unknown }).shutdown_date;
      models.push({ id: m.id, ...(sd === null || typeof sd === 'string' ? { shutdown_date: sd } : {}) });
    }
  } catch (e) {
    throw mapOpenAIError(e, client.apiKey, client.baseURL);
  }
  return { fetchedOn: ctx.today, models };
}

export const MODELS_OPTIONS = defineOptions({
  json: { type: 'boolean', description: 'Print { today, default, models: [...] } (and refresh findings) as JSON.' },
  refresh: { type: 'boolean', description: 'Read GET /v1/models (needs OPENAI_API_KEY), overlay its shutdown dates and cache the listing.' },
});

const command = defineCommand({
  name: 'models',
  summary: 'List the image models with their status on today\'s date, shutdown, replacement, sizes, parameters and prices',
  details: [
    'Judged on today\'s date, or MASKEDIT_TODAY=YYYY-MM-DD. The default model is the newest active model recommended for edits.',
    '--refresh (needs OPENAI_API_KEY) reads GET /v1/models, overlays the API\'s shutdown_date, reports models the API no longer lists, and caches the listing in your cache folder.',
    'Facts marked ? are not confirmed on OpenAI\'s own pages (docs/models.md).',
  ].join('\n'),
  options: MODELS_OPTIONS,
  async run(ctx) {
    const { values } = readOptions(command, ctx);
    const cachePath = join(cacheDir(ctx.env), 'models.json');
    let listing: ApiListing | undefined;
    let refreshed = false;
    if (values.refresh) {
      listing = await fetchListing(ctx);
      await mkdir(cacheDir(ctx.env), { recursive: true, mode: 0o700 });
      await writeFileAtomic(cachePath, Buffer.from(`${JSON.stringify(listing, null, 2)}\n`));
      refreshed = true;
    } else {
      listing = await readCache(cachePath);
    }
    const report = modelsReport(ctx.today, listing);
    const findings = listing ? refreshFindings(ctx.today, listing) : undefined;
    if (values.json) {
      writeJson(ctx.stdout, findings ? { ...report, refresh: { ...findings, cache: cachePath } } : report);
    } else {
      ctx.stdout.write(render(report.models, report.today, report.default, painter(ctx.stdout, ctx.env)));
      if (findings) ctx.stdout.write(renderFindings(findings, refreshed, cachePath));
    }
    return EXIT.ok;
  },
});

function render(rows: ModelRow[], today: string, def: string, p: Painter): string {
  const lines = [p.bold(`Image models on ${today} (default: ${def})`)];
  for (const r of rows) {
    const m = getModel(r.id);
    const status = r.status === 'active' ? p.green('active') : r.status === 'deprecated' ? p.yellow(`deprecated, shuts down ${r.shutdownDate}`) : p.red(`shut down ${r.shutdownDate}`);
    const head = `${r.id}${r.id === def ? ' (default)' : ''} — ${status}${r.replacements.length ? ` → ${r.replacements.join(' or ')}` : ''}`;
    const taken = Object.entries(r.params).filter(([k, v]) => v && k !== 'n' && k !== 'partial_images')
      .map(([k, v]) => (k === 'markup' ? 'markup' : `${k} ${v!.join('|')}`));
    const price = r.prices.imageOutput === null ? 'billed per image'
      : `$${r.prices.textInput} text / $${r.prices.imageInput} image in, $${r.prices.imageOutput} image out per 1M tokens`;
    const unsure = m.uncertain.length ? p.dim(` ? ${m.uncertain.join('; ')}`) : '';
    lines.push(`  ${p.bold(head)}`, `    ${m.note}`, `    sizes: ${describeSizes(m)}`, `    params: ${taken.join(', ')}`,
      `    prices: ${price} (read ${r.readOn}, ${r.source})`, ...(unsure ? [`   ${unsure}`] : []));
  }
  return `${lines.join('\n')}\n`;
}

function renderFindings(f: RefreshFindings, refreshed: boolean, cachePath: string): string {
  const lines = [refreshed ? `Refreshed from GET /v1/models on ${f.fetchedOn} (cached in ${cachePath}).` : `Overlay from GET /v1/models of ${f.fetchedOn} (cached in ${cachePath}; --refresh to update).`];
  if (f.notListed.length) lines.push(`  no longer listed by the API: ${f.notListed.join(', ')}`);
  for (const [id, reg, api] of f.shutdownChanged) lines.push(`  ${id}: the API says shutdown ${api ?? 'none'}, the registry ${reg ?? 'none'} (the API's date is used)`);
  if (f.unknown.length) lines.push(`  listed by the API, unknown to maskedit: ${f.unknown.filter((id) => !findModel(id)).join(', ')}`);
  if (!f.notListed.length && !f.shutdownChanged.length && !f.unknown.length) lines.push('  the API agrees with the registry');
  return `${lines.join('\n')}\n`;
}

export default command;

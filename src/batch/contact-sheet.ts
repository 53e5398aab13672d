/**
 * The batch's contact sheet: `OUTDIR/index.html`, one self-contained page (inline CSS, no script, no network)
 * that opens from disk and shows every job at a glance: before / after / spillover heatmap thumbnails, the
 * spillover verdict, the spend, and for failed jobs their code and fix. Thumbnails live in `OUTDIR/thumbs/`
 * (256 px on the long side) so the page stays light with thousands of jobs.
 */
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { DEFAULT_MAX_PIXELS, readInputFile } from '../io/image.js';
import { thumbnailPng } from '../io/resample.js';
import { formatUsd } from '../core/cost.js';
import type { EditResult } from '../pipeline/edit.js';

export const THUMB_SIZE = 256;
const KINDS = ['before', 'after', 'heatmap'] as const;


/** Writes thumbs/<id>.before.png, .after.png and .heatmap.png for a finished job. */
export async function writeThumbnails(outdir: string, id: string, result: EditResult): Promise<void> {
  const rasters = { before: result.input.raster, after: result.outputs[0]!, heatmap: result.heatmap };
  for (const k of KINDS) await writeFileAtomic(join(outdir, 'thumbs', `${id}.${k}.png`), await thumbnailPng(rasters[k], THUMB_SIZE));
}

/** A before thumbnail for a job that failed: from the input file when it decodes (bounded), else none. */
async function failedThumb(outdir: string, id: string, image: string): Promise<boolean> {
  try {
    // Through the safe read: the job's image path may name a FIFO, a device or a huge file.
    const png = await thumbnailPng(await readInputFile(image), THUMB_SIZE, DEFAULT_MAX_PIXELS);
    if (!png) return false;
    await writeFileAtomic(join(outdir, 'thumbs', `${id}.before.png`), png);
    return true;
  } catch {
    return false;
  }
}

export interface SheetRow {
  id: string;
  status: 'done' | 'failed';
  output?: string;
  code?: string;
  message?: string;
  fix?: string | undefined;
  verdict: string | null;
  attempts: number;
  costUsd: number;
  image: string;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]!));
/** Ids are checked to be plain file names (jobs.ts), but encode them for the URL anyway. */
const src = (id: string, kind: string) => `thumbs/${encodeURIComponent(id)}.${kind}.png`;

/** Writes OUTDIR/index.html. */
export async function writeContactSheet(outdir: string, summary: { total: number; done: number; failed: number; costUsd: number }, rows: readonly SheetRow[]): Promise<void> {
  const cards: string[] = [];
  for (const r of rows) {
    if (r.status === 'done') {
      cards.push(`<figure class="job done">
  <figcaption><b>${esc(r.id)}</b> <span class="v ${esc(r.verdict ?? '')}">${esc(r.verdict ?? '')}</span> <span class="usd">$${formatUsd(r.costUsd)}</span>${r.attempts > 1 ? ` <span class="att">${r.attempts} attempts</span>` : ''}</figcaption>
  <div class="row">${KINDS.map((k) => `<a href="${k === 'after' ? encodeURIComponent(`${r.id}.png`) : src(r.id, k)}"><img loading="lazy" src="${src(r.id, k)}" alt="${k}"><span>${k}</span></a>`).join('')}</div>
</figure>`);
    } else {
      const before = await failedThumb(outdir, r.id, r.image);
      cards.push(`<figure class="job failed">
  <figcaption><b>${esc(r.id)}</b> <span class="code">${esc(r.code ?? '')}</span>${r.costUsd > 0 ? ` <span class="usd">$${formatUsd(r.costUsd)}</span>` : ''}</figcaption>
  <div class="row">${before ? `<a href="${src(r.id, 'before')}"><img loading="lazy" src="${src(r.id, 'before')}" alt="before"><span>before</span></a>` : ''}<div class="why"><p>${esc(r.message ?? '')}</p>${r.fix ? `<p class="fix">fix: ${esc(r.fix)}</p>` : ''}</div></div>
</figure>`);
    }
  }
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src 'self'; style-src 'unsafe-inline'">
<title>maskedit batch: ${summary.done}/${summary.total} done</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:16px;background:#f4f4f5;color:#18181b}
h1{font-size:18px;margin:0 0 4px}.totals{margin:0 0 16px;color:#52525b}.totals b{color:#18181b}
main{display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:12px}
.job{margin:0;background:#fff;border:1px solid #e4e4e7;border-radius:8px;padding:8px}
.job.failed{border-color:#fca5a5;background:#fef2f2}
figcaption{margin-bottom:6px}.usd,.att{color:#52525b}.code{font-family:monospace;color:#b91c1c}
.v{font-size:12px;padding:1px 6px;border-radius:9px;background:#e4e4e7}.v.local{background:#dcfce7}.v.spilled{background:#fef9c3}.v.rewritten{background:#fee2e2}
.row{display:flex;gap:6px;align-items:flex-start}.row a{flex:1;text-align:center;color:#52525b;text-decoration:none;font-size:12px}
.row img{display:block;width:100%;height:120px;object-fit:contain;background:#e4e4e7;border-radius:4px}
.why{flex:2;font-size:13px}.why p{margin:0 0 4px}.fix{font-family:monospace;font-size:12px;color:#1e3a8a}
</style></head><body>
<h1>maskedit batch</h1>
<p class="totals"><b>${summary.done}</b> done, <b>${summary.failed}</b> failed of ${summary.total} · spend <b>$${formatUsd(summary.costUsd)}</b> · summary.json, summary.csv</p>
<main>
${cards.join('\n')}
</main></body></html>
`;
  await writeFileAtomic(join(outdir, 'index.html'), html);
}

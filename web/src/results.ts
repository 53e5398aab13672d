/**
 * The result side: the before/after compare in the stage (slider, raw output, spillover heatmap), the result
 * card with the figures, the crop plan and the downloads, and the history of steps with "continue from this
 * result".
 */
import type { StudioResult } from './api.js';
import { byId, dataUrlToBlob, download, h, int, pct } from './dom.js';
import type { MaskBuffer } from './mask.js';

export interface Step {
  n: number;
  input: { blob: Blob; url: string; name: string };
  /** The mask sent (RGBA PNG, alpha 0 = editable) and its pixels. */
  maskBlob: Blob;
  mask: MaskBuffer;
  result: StudioResult;
  prompt: string;
  change: string;
  ms: number;
}

export interface ResultEvents {
  onContinue(step: Step): void;
  onShowCompare(): void;
}

const VERDICT_TEXT: Record<string, string> = {
  local: 'Local — the raw output stayed inside the mask',
  spilled: 'Spilled — the raw output changed pixels outside the mask',
  rewritten: 'Rewritten — the raw output redrew much of the picture',
};

export class Results {
  private steps: Step[] = [];
  private shown: Step | null = null;
  private beforeUrl = '';
  private el = {
    card: byId('result-card'),
    verdict: byId('verdict'),
    figures: byId('figures'),
    planImg: byId<HTMLImageElement>('plan-img'),
    planCaption: byId('plan-caption'),
    history: byId('history'),
    frame: byId('compare-frame'),
    before: byId<HTMLImageElement>('before-img'),
    after: byId<HTMLImageElement>('after-img'),
    clip: byId('after-clip'),
    heat: byId<HTMLImageElement>('heatmap-img'),
    divider: byId('divider'),
    pos: byId<HTMLInputElement>('compare-pos'),
    raw: byId<HTMLInputElement>('show-raw'),
    heatOn: byId<HTMLInputElement>('show-heatmap'),
    heatOpacity: byId<HTMLInputElement>('heatmap-opacity'),
  };

  constructor(private readonly events: ResultEvents) {
    const e = this.el;
    e.pos.addEventListener('input', () => this.setPos(Number(e.pos.value)));
    e.raw.addEventListener('change', () => this.paintCompare());
    e.heatOn.addEventListener('change', () => this.paintCompare());
    e.heatOpacity.addEventListener('input', () => this.paintCompare());
    // Drag anywhere on the picture to move the divider.
    let dragging = false;
    const move = (ev: PointerEvent) => {
      const r = e.frame.getBoundingClientRect();
      this.setPos(Math.max(0, Math.min(100, ((ev.clientX - r.left) / r.width) * 100)));
    };
    e.frame.addEventListener('pointerdown', (ev) => {
      dragging = true;
      e.frame.setPointerCapture(ev.pointerId);
      move(ev);
    });
    e.frame.addEventListener('pointermove', (ev) => dragging && move(ev));
    e.frame.addEventListener('pointerup', () => { dragging = false; });
    new ResizeObserver(() => this.layoutCompare()).observe(byId('viewport'));
    byId('dl-result').addEventListener('click', () => void this.downloadResult());
    byId('dl-mask').addEventListener('click', () => this.shown && download(this.shown.maskBlob, `${stem(this.shown)}-mask.png`));
    byId('dl-report').addEventListener('click', () => this.shown && download(new Blob([`${JSON.stringify(this.shown.result.report, null, 2)}\n`], { type: 'application/json' }), `${stem(this.shown)}-report.json`));
    byId('continue').addEventListener('click', () => this.shown && this.events.onContinue(this.shown));
  }

  get hasResult(): boolean {
    return this.shown !== null;
  }

  setBefore(url: string): void {
    this.beforeUrl = url;
  }

  add(step: Omit<Step, 'n'>): void {
    const s: Step = { ...step, n: this.steps.length + 1 };
    this.steps.push(s);
    this.show(s);
  }

  show(step: Step): void {
    this.shown = step;
    const { result } = step;
    const r = result.report;
    const e = this.el;
    e.card.hidden = false;
    const spill = r.spillover;
    e.verdict.className = `verdict ${spill.verdict}`;
    e.verdict.replaceChildren(h('span', { class: 'chip' }, spill.verdict), VERDICT_TEXT[spill.verdict] ?? spill.verdict);
    const outside = spill.outside;
    const rows: [string, string, string?][] = [
      ['Changed outside the mask (raw output)', `${pct(outside.changedFraction)}`, `${int(outside.changedPixels)} of ${int(outside.pixels)} kept pixels differ by more than ${spill.threshold}`],
      ['Final outside changed pixels', int(r.finalOutsideChangedPixels), r.finalOutsideChangedPixels === 0 ? 'strict stitch: every kept pixel is bit-identical to the input' : 'some kept pixels differ (strict stitch off or outward feather)'],
      ['Changed inside the mask', pct(spill.inside.changedFraction), `${int(spill.inside.changedPixels)} of ${int(spill.inside.pixels)} pixels`],
      ['Outside PSNR (raw)', outside.psnr === null ? '∞ dB (identical)' : `${outside.psnr.toFixed(1)} dB`],
      ['Ran on', r.provider === 'local' ? `embedded engine · ${r.engine ?? ''}` : `OpenAI · ${r.model}`, r.provider === 'local' ? `prompt ignored by the engine; checked as for ${r.model}` : undefined],
      ['Sent', `${r.request.size} · quality ${r.request.quality ?? 'auto'} · fidelity ${r.request.inputFidelity ?? 'not sent'}`],
      ['Cost', `$${r.estimatedCostUsd.toFixed(4)}`, r.billed ? 'estimate for this OpenAI request' : 'what the same request would cost on OpenAI (nothing was billed)'],
      ['Time', `${(step.ms / 1000).toFixed(1)} s`, Object.entries(r.timingsMs).map(([k, v]) => `${k} ${v} ms`).join(', ')],
    ];
    e.figures.replaceChildren(...rows.map(([k, v, note]) => h('div', { class: 'fig' }, h('dt', {}, k), h('dd', {}, v), note ? h('p', { class: 'note' }, note) : null)));
    e.planImg.src = result.images.plan;
    e.planCaption.textContent = `Crop plan: ${r.plan.mode === 'crop' ? `${result.crops.length} crop(s)` : 'whole image'} — ${result.crops.map((c) => `${c.width}×${c.height} at ${c.x},${c.y} sent as ${c.sendWidth}×${c.sendHeight}`).join('; ')}`;
    this.beforeUrl = step.input.url;
    this.paintCompare();
    this.renderHistory();
    this.events.onShowCompare();
    e.card.scrollIntoView({ behavior: 'smooth', block: 'start' });
  }

  private setPos(p: number): void {
    this.el.pos.value = String(Math.round(p));
    this.el.clip.style.clipPath = `inset(0 0 0 ${p}%)`;
    this.el.divider.style.left = `${p}%`;
  }

  private paintCompare(): void {
    const s = this.shown;
    if (!s) return;
    const e = this.el;
    e.before.src = this.beforeUrl || s.input.url;
    e.after.src = e.raw.checked ? s.result.images.raw : s.result.images.result;
    e.after.alt = e.raw.checked ? 'After (raw model output)' : 'After (final, stitched)';
    e.heat.src = s.result.images.heatmap;
    e.heat.hidden = !e.heatOn.checked;
    e.heat.style.opacity = String(Number(e.heatOpacity.value) / 100);
    this.setPos(Number(e.pos.value));
    this.layoutCompare();
  }

  /** Fits the compare frame into the viewport at the image's aspect. */
  layoutCompare(): void {
    const s = this.shown;
    if (!s) return;
    const vp = byId('viewport').getBoundingClientRect();
    const k = Math.min((vp.width - 48) / s.result.width, (vp.height - 48) / s.result.height);
    this.el.frame.style.width = `${Math.max(1, s.result.width * k)}px`;
    this.el.frame.style.height = `${Math.max(1, s.result.height * k)}px`;
  }

  private async downloadResult(): Promise<void> {
    const s = this.shown;
    if (!s) return;
    download(await dataUrlToBlob(s.result.images.result), `${stem(s)}-edit-${s.n}.png`);
  }

  private renderHistory(): void {
    this.el.history.replaceChildren(...this.steps.slice().reverse().map((s) => {
      const spill = s.result.report.spillover;
      return h('li', { class: `step${s === this.shown ? ' active' : ''}` },
        h('img', { src: s.result.images.result, alt: `Step ${s.n} result`, width: 56, height: 56 }),
        h('div', { class: 'step-body' },
          h('div', { class: 'step-title' }, `Step ${s.n}`, h('span', { class: `chip ${spill.verdict}` }, spill.verdict)),
          h('div', { class: 'step-text', title: s.prompt }, s.change || s.prompt),
          h('div', { class: 'step-actions' },
            h('button', { type: 'button', class: 'btn small', onclick: () => this.show(s) }, 'Show'),
            h('button', { type: 'button', class: 'btn small', onclick: () => this.events.onContinue(s) }, 'Continue from this result'))));
    }));
  }
}

function stem(s: Step): string {
  return s.input.name.replace(/\.[a-z0-9]+$/i, '').replace(/[^\w.-]+/g, '-').replace(/-+/g, '-').replace(/^-|-$/g, '') || 'image';
}

/**
 * maskedit studio: open an image (and optionally a mask), paint the mask, write the prompt, run the edit on
 * the embedded engine or OpenAI, compare, and continue from the result — the guide's one-correction-at-a-time
 * loop. The painting surface is `editor.ts`, live checks are `analysis.ts` (src/core in the browser), the
 * server calls are `api.ts`, the result view and history are `results.ts`.
 */
import './styles.css';
import { getModel, type StudioModel, type Problem, type FidelityRequest } from 'maskedit/client';
import { checkPair, getConfig, runEdit, selectObject, StudioApiError, type StudioConfig, type StudioCheck } from './api.js';
import { fidelityView, formatUsd, promptView, type ImageMeta } from './analysis.js';
import type { AnalysisAnswer, AnalysisRequest } from './analysis.worker.js';
import { byId, h, pct, setOptions } from './dom.js';
import { MaskEditor, isTyping, type Tool } from './editor.js';
import { MaskBuffer } from './mask.js';
import { encodePng } from './png.js';
import { Results, type Step } from './results.js';

// ---- state --------------------------------------------------------------------------------------------
interface Current {
  blob: Blob;
  meta: ImageMeta;
  url: string;
}
let config: StudioConfig | null = null;
let current: Current | null = null;
let running: AbortController | null = null;
let editable = 0;
let blocking: string | null = 'Open an image first.';

const viewport = byId('viewport');
const editor = new MaskEditor(viewport, {
  onMaskChange: () => scheduleAnalysis(),
  onViewChange: () => updateStatus(),
  onSelect: (selection) => void runSelection(selection),
});

/** The Select tool: the server runs GrabCut on the image; the answer is added to the mask as one undoable step. */
async function runSelection(selection: string): Promise<void> {
  if (!current) return;
  viewport.dataset.busy = 'select';
  $.statusTool.textContent = `select · selecting (${selection})…`;
  try {
    const res = await selectObject(current.blob, current.meta.name, selection);
    const bitmap = await createImageBitmap(await (await fetch(res.mask)).blob(), { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
    if (bitmap.width !== editor.mask.width || bitmap.height !== editor.mask.height) throw new StudioApiError(`the selection is ${bitmap.width}x${bitmap.height}, the image ${editor.mask.width}x${editor.mask.height}`, 'SELECT_SIZE', 0);
    const c = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = c.getContext('2d')!;
    ctx.drawImage(bitmap, 0, 0);
    editor.addSelection(ctx.getImageData(0, 0, bitmap.width, bitmap.height).data);
  } catch (e) {
    showFindings([failureFinding(e, 'SELECT_FAILED', 'drag a box around the whole object, or paint it with the brush', `Select ${selection}: `)]);
  } finally {
    delete viewport.dataset.busy;
    updateStatus();
  }
}
/** A failed call's text: the server's message and OpenAI's code (api.ts studioFailure); anything else after `prefix`. */
function failureText(e: unknown, prefix: string): string {
  return e instanceof StudioApiError ? `${e.message}${e.code ? ` (${e.code})` : ''}` : `${prefix}${(e as Error).message}`;
}

/** A failed call as a finding in the doctor's list, its code in the code table's spelling. */
function failureFinding(e: unknown, fallbackCode: string, fix: string, prefix = ''): Problem {
  const code = e instanceof StudioApiError && e.code ? e.code.toUpperCase() : fallbackCode;
  return { code, severity: 'error', message: `${prefix}${(e as Error).message}`, fix };
}

const results = new Results({
  onContinue: (step) => void continueFrom(step),
  onShowCompare: () => setView('compare'),
});

const $ = {
  imageInput: byId<HTMLInputElement>('image-input'),
  maskInput: byId<HTMLInputElement>('mask-input'),
  openMask: byId<HTMLButtonElement>('open-mask'),
  fileName: byId('file-name'),
  badge: byId('provider-badge'),
  empty: byId('empty'),
  dropHint: byId('drop-hint'),
  brushSize: byId<HTMLInputElement>('brush-size'),
  brushSizeValue: byId('brush-size-value'),
  opacity: byId<HTMLInputElement>('overlay-opacity'),
  undo: byId<HTMLButtonElement>('undo'),
  redo: byId<HTMLButtonElement>('redo'),
  findings: byId('findings'),
  repairBox: byId('repair-box'),
  scene: byId<HTMLTextAreaElement>('scene'),
  change: byId<HTMLInputElement>('change'),
  preserve: byId<HTMLTextAreaElement>('preserve'),
  promptPreview: byId('prompt-preview'),
  promptCount: byId('prompt-count'),
  promptLint: byId('prompt-lint'),
  provider: byId<HTMLSelectElement>('provider'),
  engine: byId<HTMLSelectElement>('engine'),
  engineField: byId('engine-field'),
  model: byId<HTMLSelectElement>('model'),
  size: byId<HTMLSelectElement>('size'),
  quality: byId<HTMLSelectElement>('quality'),
  complexity: byId<HTMLSelectElement>('complexity'),
  complexityField: byId('complexity-field'),
  markup: byId<HTMLInputElement>('markup'),
  markupField: byId('markup-field'),
  modelNote: byId('model-note'),
  fidelity: byId<HTMLSelectElement>('fidelity'),
  expand: byId<HTMLInputElement>('expand'),
  partials: byId<HTMLSelectElement>('partials'),
  partialsField: byId('partials-field'),
  fidelityAdvice: byId('fidelity-advice'),
  planSummary: byId('plan-summary'),
  cost: byId('cost'),
  run: byId<HTMLButtonElement>('run'),
  cancel: byId<HTMLButtonElement>('cancel'),
  progress: byId('progress'),
  progressBar: byId('progress-bar'),
  progressText: byId('progress-text'),
  partialsStrip: byId('partials-strip'),
  runError: byId('run-error'),
  statusSize: byId('status-size'),
  statusEditable: byId('status-editable'),
  statusExclude: byId('status-exclude'),
  excludeNote: byId('exclude-note'),
  statusZoom: byId('status-zoom'),
  statusTool: byId('status-tool'),
};

// ---- opening files ------------------------------------------------------------------------------------
async function openImage(file: Blob, name: string): Promise<void> {
  let bitmap: ImageBitmap;
  try {
    // EXIF orientation is applied, as the server's decoder does, so the mask is painted on displayed pixels.
    bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  } catch {
    showFindings([{ code: 'IMAGE_UNREADABLE', severity: 'error', message: `${name} is not an image this browser can decode`, fix: 'open a PNG, JPEG or WebP file' }]);
    return;
  }
  if (current) URL.revokeObjectURL(current.url);
  const format = file.type.replace('image/', '') || 'png';
  current = { blob: file, url: URL.createObjectURL(file), meta: { name, format, bytes: file.size, width: bitmap.width, height: bitmap.height } };
  editor.setImage(bitmap);
  bitmap.close();
  $.empty.hidden = true;
  $.openMask.disabled = false;
  $.fileName.textContent = `${name} · ${current.meta.width}×${current.meta.height}`;
  $.repairBox.hidden = true;
  results.setBefore(current.url);
  setView('mask');
  syncBrush();
  scheduleAnalysis();
}

/** An existing mask in any convention goes through the server's mask doctor; repairs are offered, not forced. */
async function openMask(file: Blob, name: string): Promise<void> {
  if (!current) return;
  let check: StudioCheck;
  try {
    check = await checkPair(current.blob, current.meta.name, file, name, $.model.value);
  } catch (e) {
    showFindings([failureFinding(e, 'CHECK_FAILED', 'open another mask, or paint one')]);
    return;
  }
  const problems = check.report.problems;
  $.repairBox.hidden = false;
  $.repairBox.replaceChildren();
  const header = h('p', {}, h('strong', {}, `Doctor on ${name}: `), check.report.ok ? 'usable as it is' : 'OpenAI would reject or misread it');
  const list = h('ul', { class: 'findings compact' }, ...problems.map(findingItem));
  $.repairBox.append(header, list);
  if (check.repair) {
    const apply = h('button', { type: 'button', class: 'btn primary', onclick: () => void loadMaskUrl(check.repair!.mask, 'repaired mask') }, 'Apply repair');
    $.repairBox.append(h('p', {}, 'Repair: ', check.repair.applied.join('; '), '.'), apply);
  }
  if (check.mask && check.report.ok) {
    await loadMaskUrl(check.mask, name);
    if (check.repair) $.repairBox.append(h('p', { class: 'muted' }, 'Loaded as OpenAI reads it (alpha 0 only).'));
  } else if (!check.repair && check.repairError) {
    $.repairBox.append(h('p', { class: 'error-text' }, `Cannot repair it: ${check.repairError.message}. Fix: ${check.repairError.fix}`));
  }
  if (!check.report.ok && !check.repair) $.repairBox.append(h('p', { class: 'muted' }, 'The mask on the canvas is unchanged.'));
}

async function loadMaskUrl(url: string, label: string): Promise<void> {
  const bitmap = await createImageBitmap(await (await fetch(url)).blob(), { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
  if (bitmap.width !== editor.mask.width || bitmap.height !== editor.mask.height) {
    showFindings([{ code: 'MASK_SIZE_MISMATCH', severity: 'error', message: `${label} is ${bitmap.width}x${bitmap.height}, the image ${editor.mask.width}x${editor.mask.height}`, fix: 'apply the repair, or paint the mask here' }]);
    return;
  }
  const c = new OffscreenCanvas(bitmap.width, bitmap.height);
  const ctx = c.getContext('2d')!;
  ctx.drawImage(bitmap, 0, 0);
  const pixels = ctx.getImageData(0, 0, bitmap.width, bitmap.height).data;
  editor.command((m) => m.load(pixels));
  $.repairBox.append(h('p', { class: 'ok-text' }, `Loaded ${label}: ${pct(editor.mask.count() / (bitmap.width * bitmap.height))} editable.`));
}

function pickFiles(files: File[]): void {
  const images = files.filter((f) => /^image\//.test(f.type) || /\.(png|jpe?g|webp)$/i.test(f.name));
  if (!images.length) return;
  const isMask = (f: File) => /mask/i.test(f.name);
  if (images.length >= 2) {
    const mask = images.find(isMask) ?? images[1]!;
    const image = images.find((f) => f !== mask)!;
    void openImage(image, image.name).then(() => openMask(mask, mask.name));
  } else if (current && isMask(images[0]!)) {
    void openMask(images[0]!, images[0]!.name);
  } else {
    void openImage(images[0]!, images[0]!.name);
  }
}

byId('open-image').addEventListener('click', () => $.imageInput.click());
byId('open-image-2').addEventListener('click', () => $.imageInput.click());
$.openMask.addEventListener('click', () => $.maskInput.click());
$.imageInput.addEventListener('change', () => {
  const f = $.imageInput.files?.[0];
  if (f) void openImage(f, f.name);
  $.imageInput.value = '';
});
$.maskInput.addEventListener('change', () => {
  const f = $.maskInput.files?.[0];
  if (f) void openMask(f, f.name);
  $.maskInput.value = '';
});
for (const target of [viewport, document.body]) {
  target.addEventListener('dragover', (e) => {
    e.preventDefault();
    $.dropHint.hidden = false;
  });
  target.addEventListener('dragleave', (e) => {
    if (e.target === viewport || e.target === document.body) $.dropHint.hidden = true;
  });
  target.addEventListener('drop', (e) => {
    e.preventDefault();
    e.stopPropagation();
    $.dropHint.hidden = true;
    pickFiles([...((e as DragEvent).dataTransfer?.files ?? [])]);
  });
}

// ---- tools --------------------------------------------------------------------------------------------
function setTool(tool: Tool): void {
  editor.setTool(tool);
  for (const b of document.querySelectorAll<HTMLButtonElement>('.tool')) b.setAttribute('aria-pressed', String(b.dataset.tool === tool));
}
for (const b of document.querySelectorAll<HTMLButtonElement>('.tool')) b.addEventListener('click', () => setTool(b.dataset.tool as Tool));
function syncBrush(): void {
  $.brushSize.max = String(Math.max(600, editor.brush));
  $.brushSize.value = String(editor.brush);
  $.brushSizeValue.textContent = `${editor.brush} px`;
}
$.brushSize.addEventListener('input', () => editor.setBrush(Number($.brushSize.value)));
$.opacity.addEventListener('input', () => editor.setOpacity(Number($.opacity.value) / 100));
editor.setOpacity(Number($.opacity.value) / 100);
byId('invert').addEventListener('click', () => editor.command((m) => m.invert()));
/** Clear empties both layers: the mask and the "don't sample here" area (one undoable step). */
const clearAll = () => editor.command((m, exclude) => { m.clear(); exclude.clear(); });
byId('clear').addEventListener('click', clearAll);
$.undo.addEventListener('click', () => editor.undo());
$.redo.addEventListener('click', () => editor.redo());
byId('zoom-in').addEventListener('click', () => editor.zoom(1.25));
byId('zoom-out').addEventListener('click', () => editor.zoom(0.8));
byId('zoom-fit').addEventListener('click', () => editor.fit());

function setView(view: 'mask' | 'compare'): void {
  const compare = view === 'compare' && results.hasResult;
  byId('compare').hidden = !compare;
  byId('compare-bar').hidden = !compare;
  viewport.classList.toggle('comparing', compare);
  for (const b of document.querySelectorAll<HTMLButtonElement>('.view')) {
    b.setAttribute('aria-pressed', String(b.dataset.view === (compare ? 'compare' : 'mask')));
    if (b.dataset.view === 'compare') b.disabled = !results.hasResult;
  }
  if (compare) results.layoutCompare();
}
for (const b of document.querySelectorAll<HTMLButtonElement>('.view')) b.addEventListener('click', () => setView(b.dataset.view as 'mask' | 'compare'));

byId('show-shortcuts').addEventListener('click', (e) => {
  const card = byId('shortcuts');
  card.scrollIntoView({ behavior: 'smooth', block: 'start' });
  card.classList.add('flash');
  setTimeout(() => card.classList.remove('flash'), 900);
  (e.currentTarget as HTMLElement).setAttribute('aria-expanded', 'true');
});

// ---- keyboard -----------------------------------------------------------------------------------------
const TOOL_KEYS: Record<string, Tool> = { b: 'brush', e: 'eraser', r: 'rect', l: 'lasso', h: 'hand', s: 'select', d: 'exclude' };
window.addEventListener('keydown', (e) => {
  const key = e.key.toLowerCase();
  const mod = e.ctrlKey || e.metaKey;
  if (mod && key === 'enter') {
    e.preventDefault();
    void run();
    return;
  }
  if (key === 'escape' && running) {
    running.abort();
    return;
  }
  if (isTyping(e.target)) return;
  if (mod && key === 'z') {
    e.preventDefault();
    if (e.shiftKey) editor.redo();
    else editor.undo();
    return;
  }
  if (mod && key === 'y') {
    e.preventDefault();
    editor.redo();
    return;
  }
  if (mod || e.altKey) return;
  if (TOOL_KEYS[key]) setTool(TOOL_KEYS[key]!);
  else if (key === '[') editor.stepBrush(-1);
  else if (key === ']') editor.stepBrush(1);
  else if (key === 'i') editor.command((m) => m.invert());
  else if ((key === 'delete' || key === 'backspace') && e.shiftKey) clearAll();
  else if (key === '+' || key === '=') editor.zoom(1.25);
  else if (key === '-' || key === '_') editor.zoom(0.8);
  else if (key === '0') editor.fit();
  else if (key === 'c') setView(viewport.classList.contains('comparing') ? 'mask' : 'compare');
  else return;
  e.preventDefault();
});

// ---- live analysis ------------------------------------------------------------------------------------
let analysisQueued = false;
function scheduleAnalysis(): void {
  if (analysisQueued) return;
  analysisQueued = true;
  requestAnimationFrame(() => {
    analysisQueued = false;
    analyse();
  });
}

function findingItem(p: Problem): HTMLLIElement {
  return h('li', { class: `finding ${p.severity}`, 'data-code': p.code },
    h('span', { class: 'sev' }, p.severity === 'error' ? 'Error' : 'Warning'),
    h('div', {}, h('div', { class: 'msg' }, capitalise(p.message)), h('div', { class: 'fix' }, 'Fix: ', p.fix), h('code', { class: 'code' }, p.code)));
}

/** Sentence case for the doctor's messages, except those that start with a file name ("lounge-mask.png is …"). */
function capitalise(s: string): string {
  return /^\S+\.\w+\b/.test(s) ? s : s.charAt(0).toUpperCase() + s.slice(1);
}

function showFindings(problems: Problem[], okText?: string): void {
  $.findings.replaceChildren(...(problems.length ? problems.map(findingItem) : [h('li', { class: 'finding ok' }, h('span', { class: 'sev' }, 'OK'), h('div', { class: 'msg' }, okText ?? 'No problems found.'))]));
}

function analyse(): void {
  const model = $.model.value || config?.defaultModel || '';
  const parts = { scene: $.scene.value, change: $.change.value, preserve: $.preserve.value };
  const prompt = promptView(parts, model);
  $.promptPreview.textContent = prompt.text || 'Write the full final image, the one change and what to keep.';
  $.promptPreview.classList.toggle('placeholder', !prompt.text);
  $.promptCount.textContent = prompt.text ? `${[...prompt.text].length} / ${getModel(model).maxPromptChars} chars` : '';
  $.promptLint.replaceChildren(...prompt.problems.filter((p) => p.code !== 'PROMPT_EMPTY' || prompt.text).map(findingItem));

  const fidelity = fidelityView(model, prompt.text, $.fidelity.value as FidelityRequest);
  $.fidelityAdvice.replaceChildren(h('strong', {}, `input_fidelity: ${fidelity.value ?? 'not sent'}`), ` — ${fidelity.reason}`);

  updateUndo();
  if (!current) {
    blocking = 'Open an image first.';
    updateRun();
    return;
  }
  // The mask half runs in the worker; its answer finishes the job in showMaskAnalysis.
  const request: AnalysisRequest = {
    seq: ++analysisSeq, width: editor.mask.width, height: editor.mask.height, mask: editor.mask.data.slice(), meta: current.meta,
    model, size: $.size.value, quality: $.quality.value, fidelity: fidelity.value, prompt: prompt.text,
    partialImages: $.provider.value === 'openai' ? Number($.partials.value) : 0,
  };
  promptState = prompt;
  worker.postMessage(request, [request.mask.buffer]);
}

let analysisSeq = 0;
let promptState: { text: string; problems: Problem[] } = { text: '', problems: [] };
const worker = new Worker(new URL('./analysis.worker.ts', import.meta.url), { type: 'module' });
worker.onmessage = (e: MessageEvent<AnalysisAnswer>) => {
  if (e.data.seq === analysisSeq && current) showMaskAnalysis(e.data);
};

function showMaskAnalysis({ editable: count, findings, view }: AnalysisAnswer): void {
  editable = count;
  const total = editor.mask.width * editor.mask.height;
  showFindings(findings, `Mask OK: ${pct(editable / total)} of the image is editable; everything else stays bit-identical (strict stitch).`);
  $.statusEditable.textContent = `${pct(editable / total)} editable`;
  syncExclude();
  editor.setPlan(view?.plan?.crops ?? []);
  if (view?.plan) {
    const openai = $.provider.value === 'openai';
    // The embedded engine never crops (it fills at the image's own resolution), so the plan is what OpenAI would get.
    $.planSummary.replaceChildren(h('strong', {}, openai ? 'Plan: ' : 'Plan on OpenAI: '), `${view.summary} (detail ×${view.plan.detail.crop.toFixed(2)} vs ×${view.plan.detail.whole.toFixed(2)} for the whole image)${openai ? '' : '; the embedded engine fills the whole image at its own resolution'}`);
    $.cost.replaceChildren(h('strong', {}, `≈ $${formatUsd(view.usd ?? 0)}`), openai ? ' on OpenAI (estimate)' : ' if run on OpenAI · free on the embedded engine');
    $.cost.title = view.notes.join('\n');
  } else {
    $.planSummary.textContent = view?.error ?? '';
    $.cost.textContent = '';
  }
  const prompt = promptState;
  blocking = !editable ? 'Paint the area to change first.'
    : findings.some((p) => p.severity === 'error') ? 'Fix the mask errors first.'
      : !prompt.text ? 'Write the prompt first.'
        : prompt.problems.some((p) => p.severity === 'error') ? 'Fix the prompt errors first.'
          : view?.error ? view.error : null;
  updateRun();
}

function updateUndo(): void {
  $.undo.disabled = !editor.history.canUndo;
  $.redo.disabled = !editor.history.canRedo;
}

function updateRun(): void {
  $.run.disabled = Boolean(blocking) || Boolean(running);
  $.run.title = blocking ?? 'Run the edit (Ctrl+Enter)';
}

function updateStatus(): void {
  syncBrush();
  if (!current) return;
  $.statusSize.textContent = `${current.meta.width} × ${current.meta.height} px`;
  $.statusZoom.textContent = `${Math.round(editor.scale * 100)} %`;
  $.statusTool.textContent = `${editor.tool === 'exclude' ? "don't sample" : editor.tool}${editor.tool === 'brush' || editor.tool === 'eraser' || editor.tool === 'exclude' ? ` · ${editor.brush} px` : ''}`;
}

for (const el of [$.scene, $.change, $.preserve]) el.addEventListener('input', scheduleAnalysis);
for (const el of [$.size, $.quality, $.fidelity, $.partials, $.engine]) el.addEventListener('change', scheduleAnalysis);
$.model.addEventListener('change', () => {
  syncModelOptions();
  scheduleAnalysis();
});
$.provider.addEventListener('change', () => {
  syncProvider();
  scheduleAnalysis();
});

/** The model's controls from the registry as the server sent it (GET /api/config): qualities, complexity, markup, lifecycle. */
function syncModelOptions(): void {
  const info: StudioModel | undefined = config?.models.find((m) => m.id === $.model.value);
  const model = getModel($.model.value);
  const sizes = info?.sizes ?? [...model.sizes];
  const qualities = info?.qualities ?? [...model.qualities];
  setOptions($.size, [{ value: 'auto', label: 'planned (auto)' }, ...sizes.map((s) => ({ value: s }))]);
  setOptions($.quality, qualities.map((q) => ({ value: q })), qualities.includes('medium') ? ($.quality.value || 'medium') : undefined);
  $.complexityField.hidden = !info?.complexity;
  // The values are the registry's (sent by /api/config), not written in the page.
  if (info?.complexity) setOptions($.complexity, [{ value: '', label: 'model default (high)' }, ...info.complexity.map((c) => ({ value: c }))]);
  $.markupField.hidden = !info?.markup;
  $.modelNote.textContent = !info ? '' : info.status === 'deprecated'
    ? `${info.id} is deprecated: OpenAI shuts it down on ${info.shutdownDate}. Move to ${info.replacements.join(' or ')}.`
    : `${info.id}: ${info.note}.`;
  $.modelNote.classList.toggle('warn', info?.status === 'deprecated');
}

function syncProvider(): void {
  const openai = $.provider.value === 'openai';
  $.engineField.hidden = openai;
  $.partialsField.hidden = !openai;
}

// ---- the "don't sample here" area -----------------------------------------------------------------------
/** The engine that copies patches and so can honour a don't-sample area (engines/heal.ts `exclude`). */
const SAMPLING_ENGINE = 'heal';

/** Why the painted don't-sample area will not be used by this run (and so is not sent), or null when it will be. */
function excludeIgnored(): string | null {
  if ($.provider.value === 'openai') return "OpenAI cannot use it: it is not sent. It applies to the embedded engine.";
  if ($.engine.value && $.engine.value !== SAMPLING_ENGINE) return `the ${$.engine.value} engine does not copy patches, so it cannot use it: it is not sent. Pick the ${SAMPLING_ENGINE} engine.`;
  if ($.size.value !== 'auto') return 'with a fixed Size the engine fills a resized copy and cannot use it: it is not sent. Set Size to planned (auto).';
  return null;
}

/** The status line's share and the note under "Run on": shown whenever an area is painted, saying whether it is used. */
function syncExclude(): void {
  const n = editor.hasImage ? editor.exclude.count() : 0;
  const total = editor.mask.width * editor.mask.height;
  $.statusExclude.textContent = n ? `${pct(n / total)} don't sample` : '';
  const ignored = n ? excludeIgnored() : null;
  $.excludeNote.hidden = !n;
  $.excludeNote.classList.toggle('warn', Boolean(ignored));
  $.excludeNote.replaceChildren(h('strong', {}, "Don't sample here: "), ignored
    ? `${pct(n / total)} of the image painted, ignored — ${ignored}`
    : `${pct(n / total)} of the image (blue); the fill will not copy from it.`);
}

// ---- running ------------------------------------------------------------------------------------------
const STEP_LABELS: Record<string, string> = {
  check: 'Checking the image and mask', plan: 'Planning the crops', encode: 'Preparing the image and mask', fill: 'Filling the masked area',
  provider: 'Model answered', mapback: 'Mapping back onto the image', spillover: 'Measuring spillover', stitch: 'Stitching (everything outside the mask stays bit-identical)',
  upload: 'Uploading', queue: 'Waiting for a free slot',
};

async function run(): Promise<void> {
  if (!current || running || blocking) return;
  const controller = new AbortController();
  running = controller;
  updateRun();
  $.cancel.hidden = false;
  $.runError.hidden = true;
  $.progress.hidden = false;
  $.partialsStrip.hidden = true;
  $.partialsStrip.replaceChildren();
  setProgress('upload');
  const maskBlob = await encodePng(editor.mask.width, editor.mask.height, editor.mask.toApiRgba());
  const maskCopy = new MaskBuffer(editor.mask.width, editor.mask.height, editor.mask.data.slice());
  const form = new FormData();
  form.append('image', current.blob, current.meta.name);
  form.append('mask', maskBlob, 'mask.png');
  for (const [k, el] of [['scene', $.scene], ['change', $.change], ['preserve', $.preserve]] as const) if (el.value.trim()) form.append(k, el.value);
  form.append('model', $.model.value);
  if ($.size.value !== 'auto') form.append('size', $.size.value);
  form.append('quality', $.quality.value);
  if (!$.complexityField.hidden && $.complexity.value) form.append('complexity', $.complexity.value);
  if (!$.markupField.hidden && $.markup.checked) form.append('markup', 'auto');
  form.append('fidelity', $.fidelity.value);
  if (Number($.expand.value) > 0) form.append('expand', String(Math.round(Number($.expand.value))));
  form.append('provider', $.provider.value);
  if ($.provider.value === 'local') form.append('engine', $.engine.value);
  else form.append('partial_images', $.partials.value);
  if (editor.exclude.count() && !excludeIgnored()) form.append('exclude', await encodePng(editor.exclude.width, editor.exclude.height, editor.exclude.toApiRgba()), 'exclude.png');
  const started = performance.now();
  const input = current;
  try {
    const result = await runEdit(form, {
      signal: controller.signal,
      onProgress: (p) => setProgress(p.step, p.fraction, p.message),
      onPartial: (p) => {
        $.partialsStrip.hidden = false;
        $.partialsStrip.append(h('figure', {}, h('img', { src: p.image, alt: `Partial preview ${p.index + 1}` }), h('figcaption', {}, `preview ${p.index + 1}${p.crop ? ` · crop ${p.crop + 1}` : ''}`)));
      },
    });
    const prompt = promptView({ scene: $.scene.value, change: $.change.value, preserve: $.preserve.value }, $.model.value).text;
    results.add({ input: { blob: input.blob, url: input.url, name: input.meta.name }, maskBlob, mask: maskCopy, result, prompt, change: $.change.value || $.scene.value, ms: performance.now() - started });
    setView('compare');
  } catch (e) {
    const aborted = controller.signal.aborted;
    $.runError.hidden = false;
    $.runError.textContent = aborted ? 'Cancelled. Nothing was changed.' : failureText(e, 'The edit failed: ');
    $.runError.classList.toggle('muted', aborted);
  } finally {
    running = null;
    $.cancel.hidden = true;
    $.progress.hidden = true;
    updateRun();
  }
}

function setProgress(step: string, fraction?: number, message?: string): void {
  $.progressText.textContent = `${STEP_LABELS[step] ?? step}${message ? ` — ${message}` : ''}`;
  $.progress.classList.toggle('indeterminate', fraction === undefined);
  if (fraction !== undefined) $.progressBar.style.width = `${Math.round(fraction * 100)}%`;
}

$.run.addEventListener('click', () => void run());
$.cancel.addEventListener('click', () => running?.abort());

async function continueFrom(step: Step): Promise<void> {
  const blob = await (await fetch(step.result.images.result)).blob();
  const stem = step.input.name.replace(/( · step \d+)?(\.[a-z]+)?$/i, '');
  await openImage(blob, `${stem} · step ${step.n}.png`);
  $.change.focus();
  $.change.select();
}

// ---- start --------------------------------------------------------------------------------------------
syncModelOptions();
setTool('brush');
analyse();
getConfig().then((c) => {
  config = c;
  setOptions($.provider, c.providers.map((p) => ({ value: p.id, label: p.available ? p.label : `${p.label} — unavailable: ${p.reason ?? ''}`, disabled: !p.available })), c.defaultProvider);
  setOptions($.engine, c.engines.map((e) => ({ value: e, label: e === 'heal' ? 'heal (best)' : e === 'telea' ? 'telea (fast)' : e })), c.defaultEngine);
  // The model list, the default and each model's controls come from the registry through the server (judged on its date).
  setOptions($.model, c.models.map((m) => ({ value: m.id, label: m.status === 'deprecated' ? `${m.id} — deprecated, shuts down ${m.shutdownDate}` : m.id === c.defaultModel ? `${m.id} (default)` : m.id })), c.defaultModel);
  syncModelOptions();
  syncProvider();
  const openai = c.providers.find((p) => p.id === 'openai')?.available;
  $.badge.textContent = openai ? 'Embedded engine · OpenAI' : 'Embedded engine · no OpenAI key';
  $.badge.title = openai ? 'The server has OPENAI_API_KEY; the key stays on the server.' : 'Start the studio with OPENAI_API_KEY in its environment to run on OpenAI.';
  $.badge.classList.add(openai ? 'on' : 'off');
  scheduleAnalysis();
}).catch((e: unknown) => {
  $.badge.textContent = 'server unreachable';
  $.badge.classList.add('bad');
  $.runError.hidden = false;
  $.runError.textContent = failureText(e, 'Cannot reach the studio server: ');
});
void config;

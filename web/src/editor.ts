/**
 * The painting surface: the image and the mask overlay as two canvases at the image's own pixel size inside a
 * "world" element that is scaled and translated for zoom and pan, so every stroke lands on image pixels and
 * the display is only a view. Tools: brush, eraser, rectangle, lasso, hand (pan), select (a box or a click,
 * handed to `onSelect`; the server's answer comes back through `addSelection` as one undoable step), and the
 * "don't sample here" brush, which paints a second layer (`exclude`: areas the embedded engine must not copy
 * from; Alt erases it) shown in its own colour. Both layers share one buffer, so every undo step restores both.
 * In-progress shapes and the planned crops are drawn in an SVG on top (strokes that stay one screen pixel wide
 * at any zoom).
 */
import type { Box } from 'maskedit/client';
import { History, MaskBuffer, union, type Point } from './mask.js';

export type Tool = 'brush' | 'eraser' | 'rect' | 'lasso' | 'hand' | 'select' | 'exclude';

const SVG = 'http://www.w3.org/2000/svg';
/** Overlay colour for editable pixels (the canvas's CSS opacity sets how strongly it shows). */
export const OVERLAY = [255, 64, 110] as const;
/** Overlay colour for "don't sample here" pixels; where a pixel is both, it shows as editable (holes are never sources). */
export const EXCLUDE_OVERLAY = [0, 190, 255] as const;

export interface EditorEvents {
  /** After every finished stroke or mask command (the mask changed). */
  onMaskChange(): void;
  /** Zoom, tool or brush size changed. */
  onViewChange(): void;
  /** The select tool finished a gesture: `box:X,Y,W,H` (a drag) or `point:X,Y` (a click), in image pixels. */
  onSelect?(selection: string): void;
}

export class MaskEditor {
  tool: Tool = 'brush';
  /** Brush diameter in image pixels. */
  brush = 24;
  /** Screen pixels per image pixel. */
  scale = 1;
  private tx = 0;
  private ty = 0;
  mask: MaskBuffer = new MaskBuffer(1, 1);
  /** The "don't sample here" layer: 255 = the fill must not copy from this pixel. */
  exclude: MaskBuffer = new MaskBuffer(1, 1);
  /** Both layers in one buffer (mask, then exclude): what the history snapshots. */
  private layers = new Uint8Array(2);
  readonly history = new History();
  private imageCanvas = document.createElement('canvas');
  private maskCanvas = document.createElement('canvas');
  private overlay: ImageData | null = null;
  private world = document.createElement('div');
  private svg = document.createElementNS(SVG, 'svg');
  private shape = document.createElementNS(SVG, 'path');
  private planLayer = document.createElementNS(SVG, 'g');
  private cursor = document.createElement('div');
  private drag: { kind: 'paint' | 'rect' | 'lasso' | 'pan' | 'select'; layer: MaskBuffer; last: Point; start: Point; points: Point[]; screen: Point; t0: Point; value: 0 | 255; dirty: Box | null } | null = null;
  private spaceHeld = false;
  hasImage = false;

  constructor(readonly viewport: HTMLElement, private readonly events: EditorEvents) {
    this.world.className = 'world';
    this.imageCanvas.className = 'layer image-layer';
    this.maskCanvas.className = 'layer mask-layer';
    this.maskCanvas.setAttribute('aria-label', 'Mask canvas: paint the area to change');
    this.maskCanvas.setAttribute('role', 'img');
    this.svg.classList.add('layer', 'shape-layer');
    this.shape.setAttribute('class', 'shape');
    this.planLayer.setAttribute('class', 'plan');
    this.svg.append(this.planLayer, this.shape);
    this.world.append(this.imageCanvas, this.maskCanvas, this.svg);
    this.cursor.className = 'brush-cursor';
    this.cursor.hidden = true;
    viewport.append(this.world, this.cursor);
    this.bindPointer();
    new ResizeObserver(() => {
      if (this.hasImage && this.autoFit) this.fit();
    }).observe(viewport);
  }

  private autoFit = true;

  /** Shows a new image (a decoded bitmap) with an empty mask, or the given one. */
  setImage(bitmap: ImageBitmap, mask?: MaskBuffer): void {
    const { width, height } = bitmap;
    const sameSize = this.hasImage && this.imageCanvas.width === width && this.imageCanvas.height === height;
    for (const c of [this.imageCanvas, this.maskCanvas]) {
      c.width = width;
      c.height = height;
    }
    this.imageCanvas.getContext('2d')!.drawImage(bitmap, 0, 0);
    this.svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
    this.svg.setAttribute('width', String(width));
    this.svg.setAttribute('height', String(height));
    this.world.style.width = `${width}px`;
    this.world.style.height = `${height}px`;
    const n = width * height;
    this.layers = new Uint8Array(2 * n);
    if (mask) this.layers.set(mask.data.subarray(0, n));
    this.mask = new MaskBuffer(width, height, this.layers.subarray(0, n));
    this.exclude = new MaskBuffer(width, height, this.layers.subarray(n));
    this.overlay = new ImageData(width, height);
    this.history.reset();
    this.hasImage = true;
    // A brush to suit the picture (diameter 1/20 of its short side), kept when the next picture has the same
    // size — "Continue from this result" should not undo the size the user picked.
    if (!sameSize) this.brush = Math.max(8, Math.round(Math.min(width, height) / 20));
    this.redrawMask();
    this.setPlan([]);
    this.autoFit = true;
    this.fit();
  }

  /** The image pixels as RGBA (for the browser-side previews). */
  imagePixels(): ImageData {
    return this.imageCanvas.getContext('2d')!.getImageData(0, 0, this.imageCanvas.width, this.imageCanvas.height);
  }

  setOpacity(alpha: number): void {
    this.maskCanvas.style.opacity = String(alpha);
  }

  setTool(tool: Tool): void {
    this.tool = tool;
    this.viewport.dataset.tool = tool;
    this.events.onViewChange();
  }

  setBrush(size: number): void {
    this.brush = Math.max(1, Math.min(1000, Math.round(size)));
    this.updateCursorSize();
    this.events.onViewChange();
  }

  /** `[` and `]`: about 15 % a step, at least one pixel. */
  stepBrush(direction: -1 | 1): void {
    const next = direction > 0 ? Math.max(this.brush + 1, this.brush * 1.15) : Math.min(this.brush - 1, this.brush / 1.15);
    this.setBrush(next);
  }

  // ---- mask commands ------------------------------------------------------------------------------------
  /** One undoable step over both layers. */
  command(fn: (m: MaskBuffer, exclude: MaskBuffer) => void): void {
    if (!this.hasImage) return;
    this.history.push(this.layers);
    fn(this.mask, this.exclude);
    this.redrawMask();
    this.events.onMaskChange();
  }

  /** Adds a selection (gray pixels, RGBA from a decoded PNG: ≥ 128 = selected) to the mask as one undoable step. */
  addSelection(rgba: Uint8ClampedArray | Uint8Array): void {
    this.command((m) => {
      for (let i = 0, j = 0; i < m.data.length; i++, j += 4) if (rgba[j]! >= 128) m.data[i] = 255;
    });
  }

  undo(): void {
    if (this.history.undo(this.layers)) {
      this.redrawMask();
      this.events.onMaskChange();
    }
  }

  redo(): void {
    if (this.history.redo(this.layers)) {
      this.redrawMask();
      this.events.onMaskChange();
    }
  }

  // ---- view ---------------------------------------------------------------------------------------------
  fit(): void {
    if (!this.hasImage) return;
    const r = this.viewport.getBoundingClientRect();
    const pad = 24;
    const s = Math.min((r.width - pad * 2) / this.mask.width, (r.height - pad * 2) / this.mask.height);
    this.scale = Math.max(0.01, s);
    this.tx = (r.width - this.mask.width * this.scale) / 2;
    this.ty = (r.height - this.mask.height * this.scale) / 2;
    this.autoFit = true;
    this.apply();
  }

  /** Zooms by `factor` around a viewport point (default: the centre). */
  zoom(factor: number, at?: Point): void {
    if (!this.hasImage) return;
    const r = this.viewport.getBoundingClientRect();
    const p = at ?? { x: r.width / 2, y: r.height / 2 };
    const next = Math.max(0.02, Math.min(32, this.scale * factor));
    const k = next / this.scale;
    this.tx = p.x - (p.x - this.tx) * k;
    this.ty = p.y - (p.y - this.ty) * k;
    this.scale = next;
    this.autoFit = false;
    this.apply();
  }

  private apply(): void {
    this.world.style.transform = `translate(${this.tx}px, ${this.ty}px) scale(${this.scale})`;
    this.world.classList.toggle('pixelated', this.scale >= 2);
    this.updateCursorSize();
    this.events.onViewChange();
  }

  private updateCursorSize(): void {
    // `brush` is the diameter in image pixels, as the size slider says.
    const d = this.brush * this.scale;
    this.cursor.style.width = this.cursor.style.height = `${d}px`;
  }

  /** Viewport point → image coordinates. */
  toImage(clientX: number, clientY: number): Point {
    const r = this.viewport.getBoundingClientRect();
    return { x: (clientX - r.left - this.tx) / this.scale, y: (clientY - r.top - this.ty) / this.scale };
  }

  /** Outlines the planned crops (image coordinates). */
  setPlan(boxes: readonly Box[]): void {
    this.planLayer.replaceChildren(...boxes.map((b, i) => {
      const rect = document.createElementNS(SVG, 'rect');
      rect.setAttribute('x', String(b.x));
      rect.setAttribute('y', String(b.y));
      rect.setAttribute('width', String(b.width));
      rect.setAttribute('height', String(b.height));
      rect.setAttribute('class', `crop crop-${i % 4}`);
      return rect;
    }));
  }

  // ---- drawing ------------------------------------------------------------------------------------------
  /** Repaints the overlay inside `box` (whole mask when omitted). */
  private redrawMask(box?: Box | null): void {
    if (!this.overlay) return;
    const { width, height } = this.mask;
    const b = box ?? { x: 0, y: 0, width, height };
    const d = this.overlay.data, m = this.mask.data, ex = this.exclude.data;
    for (let y = b.y; y < b.y + b.height; y++) {
      for (let x = b.x; x < b.x + b.width; x++) {
        const i = y * width + x, j = i * 4;
        const c = m[i] ? OVERLAY : ex[i] ? EXCLUDE_OVERLAY : null;
        if (c) {
          d[j] = c[0]; d[j + 1] = c[1]; d[j + 2] = c[2]; d[j + 3] = 255;
        } else d[j + 3] = 0;
      }
    }
    this.maskCanvas.getContext('2d')!.putImageData(this.overlay, 0, 0, b.x, b.y, b.width, b.height);
  }

  private setShape(d: string): void {
    this.shape.setAttribute('d', d);
  }

  private bindPointer(): void {
    const vp = this.viewport;
    vp.addEventListener('pointerdown', (e) => {
      if (!this.hasImage || (e.button !== 0 && e.button !== 1)) return;
      e.preventDefault();
      vp.focus({ preventScroll: true });
      vp.setPointerCapture(e.pointerId);
      const p = this.toImage(e.clientX, e.clientY);
      const screen = { x: e.clientX, y: e.clientY };
      const pan = e.button === 1 || this.spaceHeld || this.tool === 'hand';
      const base = { layer: this.mask, last: p, start: p, points: [p], screen, t0: { x: this.tx, y: this.ty }, dirty: null };
      if (pan) {
        this.drag = { kind: 'pan', value: 0, ...base };
        return;
      }
      if (this.tool === 'select') {
        // No history entry yet: the selection arrives later from the server as one command.
        this.drag = { kind: 'select', value: 255, ...base };
        return;
      }
      this.history.push(this.layers);
      if (this.tool === 'brush' || this.tool === 'eraser' || this.tool === 'exclude') {
        // The "don't sample" brush paints its own layer; with Alt it erases it.
        const value = this.tool === 'eraser' || (this.tool === 'exclude' && e.altKey) ? 0 : 255;
        this.drag = { kind: 'paint', value, ...base, layer: this.tool === 'exclude' ? this.exclude : this.mask };
        this.drag.dirty = this.drag.layer.disc(p.x, p.y, this.brush / 2, value);
        this.redrawMask(this.drag.dirty);
      } else {
        // Rectangles and lassos add; with Alt they erase.
        this.drag = { kind: this.tool === 'rect' ? 'rect' : 'lasso', value: e.altKey ? 0 : 255, ...base };
      }
    });
    vp.addEventListener('pointermove', (e) => {
      const p = this.toImage(e.clientX, e.clientY);
      this.moveCursor(e);
      const d = this.drag;
      if (!d) return;
      if (d.kind === 'pan') {
        this.tx = d.t0.x + e.clientX - d.screen.x;
        this.ty = d.t0.y + e.clientY - d.screen.y;
        this.autoFit = false;
        this.apply();
      } else if (d.kind === 'paint') {
        const box = d.layer.line(d.last.x, d.last.y, p.x, p.y, this.brush / 2, d.value);
        d.dirty = union(d.dirty, box);
        this.redrawMask(box);
      } else if (d.kind === 'rect' || d.kind === 'select') {
        const x = Math.min(d.start.x, p.x), y = Math.min(d.start.y, p.y);
        this.setShape(`M${x},${y}h${Math.abs(p.x - d.start.x)}v${Math.abs(p.y - d.start.y)}h${-Math.abs(p.x - d.start.x)}Z`);
      } else {
        d.points.push(p);
        this.setShape(`M${d.points.map((q) => `${q.x.toFixed(1)},${q.y.toFixed(1)}`).join('L')}Z`);
      }
      d.last = p;
    });
    const end = (e: PointerEvent) => {
      const d = this.drag;
      if (!d) return;
      this.drag = null;
      if (vp.hasPointerCapture(e.pointerId)) vp.releasePointerCapture(e.pointerId);
      if (d.kind === 'pan') return;
      if (d.kind === 'select') {
        this.setShape('');
        const p = this.toImage(e.clientX, e.clientY);
        const moved = Math.hypot(e.clientX - d.screen.x, e.clientY - d.screen.y) >= 4;
        const clampX = (v: number) => Math.max(0, Math.min(this.mask.width - 1, Math.round(v)));
        const clampY = (v: number) => Math.max(0, Math.min(this.mask.height - 1, Math.round(v)));
        if (moved) {
          const x0 = clampX(Math.min(d.start.x, p.x)), y0 = clampY(Math.min(d.start.y, p.y));
          const x1 = clampX(Math.max(d.start.x, p.x)), y1 = clampY(Math.max(d.start.y, p.y));
          if (x1 - x0 >= 2 && y1 - y0 >= 2) this.events.onSelect?.(`box:${x0},${y0},${x1 - x0},${y1 - y0}`);
        } else {
          this.events.onSelect?.(`point:${clampX(p.x)},${clampY(p.y)}`);
        }
        return;
      }
      if (d.kind === 'rect') this.redrawMask(this.mask.rect(d.start, this.toImage(e.clientX, e.clientY), d.value));
      if (d.kind === 'lasso') this.redrawMask(this.mask.polygon(d.points, d.value));
      this.setShape('');
      this.events.onMaskChange();
    };
    vp.addEventListener('pointerup', end);
    vp.addEventListener('pointercancel', end);
    vp.addEventListener('pointerleave', () => {
      this.cursor.hidden = true;
    });
    vp.addEventListener('wheel', (e) => {
      if (!this.hasImage) return;
      e.preventDefault();
      const r = vp.getBoundingClientRect();
      this.zoom(Math.exp(-e.deltaY * (e.deltaMode === 1 ? 0.05 : 0.0015)), { x: e.clientX - r.left, y: e.clientY - r.top });
    }, { passive: false });
    window.addEventListener('keydown', (e) => {
      if (e.code === 'Space' && !isTyping(e.target)) {
        this.spaceHeld = true;
        vp.classList.add('panning');
      }
    });
    window.addEventListener('keyup', (e) => {
      if (e.code === 'Space') {
        this.spaceHeld = false;
        vp.classList.remove('panning');
      }
    });
  }

  private moveCursor(e: PointerEvent): void {
    const show = this.hasImage && (this.tool === 'brush' || this.tool === 'eraser' || this.tool === 'exclude') && !this.spaceHeld;
    this.cursor.hidden = !show;
    if (!show) return;
    const r = this.viewport.getBoundingClientRect();
    this.cursor.style.transform = `translate(${e.clientX - r.left}px, ${e.clientY - r.top}px) translate(-50%, -50%)`;
    this.cursor.classList.toggle('erase', this.tool === 'eraser' || (this.tool === 'exclude' && e.altKey));
    this.cursor.classList.toggle('exclude', this.tool === 'exclude');
  }
}

export function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || !el.tagName) return false;
  const tag = el.tagName;
  if (tag === 'TEXTAREA' || el.isContentEditable) return true;
  if (tag === 'INPUT') {
    const type = (el as HTMLInputElement).type;
    return type === 'text' || type === 'search' || type === 'number';
  }
  return tag === 'SELECT';
}

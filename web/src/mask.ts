/**
 * The painted mask at the image's own pixel size: one byte per pixel, 255 = editable, 0 = keep (core's
 * `EditMask`). Painting is rasterised here rather than with canvas paths so the mask is strictly binary — a
 * canvas brush would leave anti-aliased alpha that OpenAI reads as "keep" (only alpha 0 is editable,
 * CreateImageEditRequest.mask) — and undo is a byte copy.
 *
 * @example
 * const m = new MaskBuffer(1024, 768);
 * m.line(10, 10, 200, 40, 24, 255); // a brush stroke of radius 24
 */
import type { Box, EditMask } from 'maskedit/client';

export type Point = { x: number; y: number };

export class MaskBuffer implements EditMask {
  readonly channels = 1 as const;
  readonly data: Uint8Array;
  constructor(readonly width: number, readonly height: number, data?: Uint8Array) {
    this.data = data ?? new Uint8Array(width * height);
  }

  /** Editable pixels. */
  count(): number {
    let n = 0;
    const d = this.data;
    for (let i = 0; i < d.length; i++) if (d[i]) n++;
    return n;
  }

  /** A filled disc; returns the box it touched (clipped), or null when off the image. */
  disc(cx: number, cy: number, r: number, value: 0 | 255): Box | null {
    const x0 = Math.max(0, Math.floor(cx - r)), x1 = Math.min(this.width - 1, Math.ceil(cx + r));
    const y0 = Math.max(0, Math.floor(cy - r)), y1 = Math.min(this.height - 1, Math.ceil(cy + r));
    if (x0 > x1 || y0 > y1) return null;
    const r2 = r * r;
    for (let y = y0; y <= y1; y++) {
      const dy = y + 0.5 - cy;
      const row = y * this.width;
      for (let x = x0; x <= x1; x++) {
        const dx = x + 0.5 - cx;
        if (dx * dx + dy * dy <= r2) this.data[row + x] = value;
      }
    }
    return { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
  }

  /** A brush segment: discs every quarter radius, so the stroke has no gaps at any speed. */
  line(ax: number, ay: number, bx: number, by: number, r: number, value: 0 | 255): Box | null {
    const len = Math.hypot(bx - ax, by - ay);
    const steps = Math.max(1, Math.ceil(len / Math.max(0.5, r / 4)));
    let box: Box | null = null;
    for (let i = 0; i <= steps; i++) {
      const t = i / steps;
      box = union(box, this.disc(ax + (bx - ax) * t, ay + (by - ay) * t, r, value));
    }
    return box;
  }

  rect(a: Point, b: Point, value: 0 | 255): Box | null {
    const x0 = clamp(Math.round(Math.min(a.x, b.x)), 0, this.width), x1 = clamp(Math.round(Math.max(a.x, b.x)), 0, this.width);
    const y0 = clamp(Math.round(Math.min(a.y, b.y)), 0, this.height), y1 = clamp(Math.round(Math.max(a.y, b.y)), 0, this.height);
    if (x1 <= x0 || y1 <= y0) return null;
    for (let y = y0; y < y1; y++) this.data.fill(value, y * this.width + x0, y * this.width + x1);
    return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
  }

  /** Fills a polygon by scanlines at pixel centres, even-odd rule. */
  polygon(points: readonly Point[], value: 0 | 255): Box | null {
    if (points.length < 3) return null;
    const ys = points.map((p) => p.y);
    const y0 = clamp(Math.floor(Math.min(...ys)), 0, this.height - 1), y1 = clamp(Math.ceil(Math.max(...ys)), 0, this.height - 1);
    let box: Box | null = null;
    const xs: number[] = [];
    for (let y = y0; y <= y1; y++) {
      const sy = y + 0.5;
      xs.length = 0;
      for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
        const p = points[i]!, q = points[j]!;
        if ((p.y <= sy) !== (q.y <= sy)) xs.push(p.x + ((sy - p.y) / (q.y - p.y)) * (q.x - p.x));
      }
      xs.sort((a, b) => a - b);
      for (let k = 0; k + 1 < xs.length; k += 2) {
        const a = clamp(Math.ceil(xs[k]! - 0.5), 0, this.width), b = clamp(Math.floor(xs[k + 1]! - 0.5) + 1, 0, this.width);
        if (b <= a) continue;
        this.data.fill(value, y * this.width + a, y * this.width + b);
        box = union(box, { x: a, y, width: b - a, height: 1 });
      }
    }
    return box;
  }

  invert(): void {
    const d = this.data;
    for (let i = 0; i < d.length; i++) d[i] = d[i] ? 0 : 255;
  }

  clear(): void {
    this.data.fill(0);
  }

  /** Loads a gray mask's pixels (any channel count; the first channel, ≥ 128 = editable). */
  load(rgba: Uint8ClampedArray | Uint8Array, channels = 4): void {
    for (let i = 0, j = 0; i < this.data.length; i++, j += channels) this.data[i] = rgba[j]! >= 128 ? 255 : 0;
  }

  /** The mask file OpenAI accepts: RGBA, alpha 0 where editable and 255 elsewhere (RGB black). */
  toApiRgba(): Uint8Array {
    const out = new Uint8Array(this.data.length * 4);
    for (let i = 0, j = 3; i < this.data.length; i++, j += 4) out[j] = this.data[i] ? 0 : 255;
    return out;
  }
}

/**
 * Undo/redo as whole-mask snapshots, bounded by bytes (a 12-MP mask is 12 MB a step).
 *
 * @example
 * history.push(mask.data); mask.line(…); history.undo(mask.data);
 */
export class History {
  private undos: Uint8Array[] = [];
  private redos: Uint8Array[] = [];
  constructor(private readonly maxBytes = 256 * 1024 * 1024) {}

  /** Call before changing the mask, with its current pixels. */
  push(current: Uint8Array): void {
    this.undos.push(current.slice());
    this.redos = [];
    let bytes = this.undos.reduce((s, u) => s + u.length, 0);
    while (this.undos.length > 1 && bytes > this.maxBytes) bytes -= this.undos.shift()!.length;
  }

  /** Restores the previous state into `target`; false when there is none. */
  undo(target: Uint8Array): boolean {
    const prev = this.undos.pop();
    if (!prev) return false;
    this.redos.push(target.slice());
    target.set(prev);
    return true;
  }

  redo(target: Uint8Array): boolean {
    const next = this.redos.pop();
    if (!next) return false;
    this.undos.push(target.slice());
    target.set(next);
    return true;
  }

  get canUndo(): boolean {
    return this.undos.length > 0;
  }

  get canRedo(): boolean {
    return this.redos.length > 0;
  }

  reset(): void {
    this.undos = [];
    this.redos = [];
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

export function union(a: Box | null, b: Box | null): Box | null {
  if (!a) return b;
  if (!b) return a;
  const x = Math.min(a.x, b.x), y = Math.min(a.y, b.y);
  return { x, y, width: Math.max(a.x + a.width, b.x + b.width) - x, height: Math.max(a.y + a.height, b.y + b.height) - y };
}

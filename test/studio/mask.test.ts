/**
 * The studio's mask buffer and PNG encoder (web/src/mask.ts, web/src/png.ts) in Node: shapes are strictly
 * binary and land on the right pixels, undo/redo restore exact bytes, and the PNG the studio uploads is an RGBA
 * file sharp decodes back to the same pixels (alpha 0 exactly where editable).
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { History, MaskBuffer } from '../../web/src/mask.js';
import { encodePng } from '../../web/src/png.js';

const at = (m: MaskBuffer, x: number, y: number) => m.data[y * m.width + x];

describe('MaskBuffer shapes', () => {
  it.each([
    ['disc', (m: MaskBuffer) => m.disc(20, 20, 5, 255), [[20, 20, 255], [24, 20, 255], [26, 20, 0], [20, 14, 0]], Math.round(Math.PI * 25)],
    ['rect', (m: MaskBuffer) => m.rect({ x: 10, y: 5 }, { x: 4, y: 15 }, 255), [[4, 5, 255], [9, 14, 255], [10, 14, 0], [4, 15, 0]], 60],
    ['triangle', (m: MaskBuffer) => m.polygon([{ x: 0, y: 0 }, { x: 20, y: 0 }, { x: 0, y: 20 }], 255), [[1, 1, 255], [18, 0, 255], [15, 15, 0]], 210],
    ['line', (m: MaskBuffer) => m.line(5, 30, 35, 30, 2, 255), [[5, 30, 255], [20, 30, 255], [35, 30, 255], [20, 33, 0]], 132],
  ] as const)('%s paints only 0/255 at the expected pixels', (_name, draw, probes, area) => {
    const m = new MaskBuffer(40, 40);
    const box = draw(m);
    for (const [x, y, v] of probes) expect([x, y, at(m, x, y)]).toEqual([x, y, v]);
    expect(m.data.every((v) => v === 0 || v === 255)).toBe(true);
    expect(Math.abs(m.count() - area)).toBeLessThanOrEqual(Math.ceil(area * 0.08));
    // The dirty box covers every painted pixel.
    for (let y = 0; y < 40; y++) for (let x = 0; x < 40; x++) {
      if (at(m, x, y)) expect(x >= box!.x && x < box!.x + box!.width && y >= box!.y && y < box!.y + box!.height).toBe(true);
    }
  });

  it('clips shapes at the border and ignores shapes fully outside', () => {
    const m = new MaskBuffer(10, 10);
    expect(m.disc(-50, -50, 5, 255)).toBeNull();
    expect(m.rect({ x: -5, y: -5 }, { x: 3, y: 2 }, 255)).toEqual({ x: 0, y: 0, width: 3, height: 2 });
    expect(m.count()).toBe(6);
  });

  it('invert, clear and the API mask', () => {
    const m = new MaskBuffer(4, 2);
    m.rect({ x: 0, y: 0 }, { x: 1, y: 2 }, 255);
    expect(Array.from(m.toApiRgba().filter((_, i) => i % 4 === 3))).toEqual([0, 255, 255, 255, 0, 255, 255, 255]);
    m.invert();
    expect(m.count()).toBe(6);
    m.clear();
    expect(m.count()).toBe(0);
  });
});

describe('History', () => {
  it('undoes and redoes exact bytes and drops the redo branch on a new change', () => {
    const m = new MaskBuffer(8, 8);
    const h = new History();
    h.push(m.data);
    m.rect({ x: 0, y: 0 }, { x: 4, y: 4 }, 255);
    const afterRect = m.data.slice();
    h.push(m.data);
    m.invert();
    expect(h.undo(m.data)).toBe(true);
    expect(m.data).toEqual(afterRect);
    expect(h.undo(m.data)).toBe(true);
    expect(m.count()).toBe(0);
    expect(h.undo(m.data)).toBe(false);
    expect(h.redo(m.data)).toBe(true);
    expect(m.data).toEqual(afterRect);
    h.push(m.data);
    m.clear();
    expect(h.canRedo).toBe(false);
  });

  it('keeps at least one step and stays under its byte budget', () => {
    const h = new History(250);
    const data = new Uint8Array(100);
    for (let i = 0; i < 5; i++) h.push(data);
    let undos = 0;
    while (h.undo(data)) undos++;
    expect(undos).toBe(2);
  });
});

describe('encodePng', () => {
  it('writes an RGBA PNG sharp reads back bit-exactly, alpha 0 where editable', async () => {
    const m = new MaskBuffer(37, 23);
    m.disc(18, 11, 7, 255);
    const blob = await encodePng(m.width, m.height, m.toApiRgba());
    expect(blob.type).toBe('image/png');
    const bytes = Buffer.from(await blob.arrayBuffer());
    const meta = await sharp(bytes).metadata();
    expect([meta.format, meta.width, meta.height, meta.channels, meta.hasAlpha]).toEqual(['png', 37, 23, 4, true]);
    const raw = await sharp(bytes).raw().toBuffer();
    expect(raw.equals(Buffer.from(m.toApiRgba()))).toBe(true);
  });
});

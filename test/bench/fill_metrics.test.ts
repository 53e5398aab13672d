import { describe, expect, it } from 'vitest';
import { ringSharpness, ringZone } from '../../bench/_fill_metrics.js';

const W = 40, H = 40;
const hole = { width: W, height: H, channels: 1 as const, data: new Uint8Array(W * H).map((_, i) => ((i % W) >= 15 && (i % W) < 25 && Math.floor(i / W) >= 15 && Math.floor(i / W) < 25 ? 255 : 0)) };
const image = (inside: (x: number, y: number) => number) => {
  const data = new Uint8Array(W * H * 4);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const v = hole.data[y * W + x] ? inside(x, y) : 20 + 5 * x;
    data.set([v, v, v, 255], (y * W + x) * 4);
  }
  return { width: W, height: H, channels: 4 as const, data };
};

describe('ringZone', () => {
  it('takes the known pixels from 3 to 12 px (chessboard) outside the hole', () => {
    const ring = ringZone(hole, 3, 12);
    expect(ring[20 * W + 20]).toBe(0); // in the hole
    expect(ring[20 * W + 13]).toBe(0); // 2 px out
    expect(ring[20 * W + 12]).toBe(1); // 3 px out
    expect(ring[20 * W + 3]).toBe(1); // 12 px out
    expect(ring[20 * W + 2]).toBe(0); // 13 px out
    expect(ring[12 * W + 12]).toBe(1); // 3 px out diagonally
  });
});

describe('ringSharpness', () => {
  it('is 1 when the hole continues the ring (a ramp), 0 when it is flat, 2 when twice as steep', () => {
    expect(ringSharpness(image((x) => 20 + 5 * x), hole)).toBeCloseTo(1, 6);
    expect(ringSharpness(image((x) => 10 * x - 100), hole)).toBeCloseTo(2, 6);
    expect(ringSharpness(image(() => 125), hole)).toBe(0);
  });
});

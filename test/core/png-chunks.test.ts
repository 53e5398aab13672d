import { describe, expect, it } from 'vitest';
import { apngFrames } from '../../src/core/png-chunks.js';
import { animatedPng, chunk, gradient, ihdr, png, PNG_SIGNATURE } from '../_helpers/images.js';

describe('apngFrames', () => {
  it.each([
    ['a still PNG', async () => png(gradient(4, 4)), 1],
    ['an APNG with 2 frames', async () => animatedPng(await png(gradient(4, 4)), 2), 2],
    ['an APNG with 7 frames', async () => animatedPng(await png(gradient(4, 4)), 7), 7],
    ['acTL after IDAT (not an APNG: the spec puts it first)', async () => Buffer.concat([PNG_SIGNATURE, chunk('IHDR', ihdr(1, 1)), chunk('IDAT'), chunk('acTL', Buffer.from([0, 0, 0, 5, 0, 0, 0, 0])), chunk('IEND')]), 1],
    ['acTL with 0 frames', async () => Buffer.concat([PNG_SIGNATURE, chunk('IHDR', ihdr(1, 1)), chunk('acTL', Buffer.alloc(8)), chunk('IEND')]), 1],
    ['a truncated acTL', async () => Buffer.concat([PNG_SIGNATURE, chunk('IHDR', ihdr(1, 1)), chunk('acTL', Buffer.alloc(8))]).subarray(0, 8 + 25 + 10), 1],
    ['not PNG bytes', async () => Buffer.from('GIF89a'), 1],
  ])('%s → %i', async (_, make, frames) => {
    expect(apngFrames(await make())).toBe(frames);
  });
});

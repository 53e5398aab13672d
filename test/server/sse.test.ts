import { describe, expect, it } from 'vitest';
import { sseFrame } from '../../src/server/sse.js';

describe('sseFrame', () => {
  it('writes one event and one data line, then a blank line', () => {
    expect(sseFrame('image_edit.partial_image', { type: 'image_edit.partial_image', text: 'a\nb' })).toBe('event: image_edit.partial_image\ndata: {"type":"image_edit.partial_image","text":"a\\nb"}\n\n');
  });
});

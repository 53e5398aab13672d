/**
 * The studio's live prompt view (web/src/analysis.ts): the builder closes every prompt with "Do not change
 * anything else.", so a bare change must still be flagged as hole-only from the user's own words.
 */
import { describe, expect, it } from 'vitest';
import { promptView } from '../../web/src/analysis.js';

describe('promptView', () => {
  it.each([
    ['a bare change', { scene: '', change: 'remove the chair', preserve: '' }, ['PROMPT_HOLE_ONLY']],
    ['a bare change with a preserve list', { scene: '', change: 'remove the chair', preserve: 'the walls; the lighting' }, ['PROMPT_HOLE_ONLY']],
    ['the full final image and the change', { scene: 'A sunlit lounge with a pool and an empty tiled floor', change: 'remove the chair', preserve: '' }, []],
    ['only the full final image', { scene: 'A sunlit lounge with a pool and an empty tiled floor', change: '', preserve: 'the walls' }, []],
  ])('%s', (_name, parts, codes) => {
    const view = promptView(parts, 'gpt-image-1.5');
    expect(view.text.endsWith('Do not change anything else.')).toBe(true);
    expect(view.problems.map((p) => p.code)).toEqual(codes);
    for (const p of view.problems) expect(p.fix).toBe('describe the whole picture after the edit in "The full final image", e.g. "A sunlit lounge with a pool and an empty tiled floor"');
  });

  it('never builds a prompt over the model\'s limit: the closing sentence is left out with PROMPT_CLOSING_DROPPED', () => {
    const scene = `A sunlit lounge ${'with a pool '.repeat(82)}`.trim(); // 1000 characters with the full stop
    const view = promptView({ scene, change: '', preserve: '' }, 'dall-e-2');
    expect([...view.text].length).toBe(1000);
    expect(view.text.endsWith('Do not change anything else.')).toBe(false);
    expect(view.problems.map((p) => p.code)).toEqual(['PROMPT_CLOSING_DROPPED', 'PROMPT_NO_PRESERVE']);
  });

  it('keeps the linter\'s errors on the text that is sent', () => {
    expect(promptView({ scene: '', change: '', preserve: '' }, 'gpt-image-1.5').problems.map((p) => p.code)).toEqual(['PROMPT_EMPTY']);
  });
});

import { describe, expect, it } from 'vitest';
import { analyzePrompt, buildPrompt, composePrompt, DO_NOT_CHANGE, lintPrompt, parsePreserve } from '../../src/core/prompt.js';

// The mask edit guide's own examples (reference/mask-edit-guide.txt, "Write Prompts For The Full Final Image").
const GUIDE_BAD_FLAMINGO = 'Put a flamingo in the pool.';
const GUIDE_GOOD_FLAMINGO = 'A sunlit indoor lounge area with a pool containing a flamingo. Preserve the pink room walls, the pool tile pattern, the reflections, the furniture, and the camera angle. Do not redesign the rest of the room.';
const GUIDE_BAD_LABEL = 'Replace the label.';
const GUIDE_GOOD_LABEL = 'Replace only the blank label area on the bottle with a clean gold logo. Preserve the bottle shape, cap, glass reflections, lighting, shadows, background, and camera framing. Do not change any other packaging detail.';
const GUIDE_CODE_SAMPLE = 'A sunlit indoor lounge area with a pool containing a flamingo. Preserve the room, lighting, reflections, and camera angle.';
const GUIDE_FOLLOW_UP = 'Keep everything the same, but enlarge the logo slightly.';

/** A prompt of exactly `length` characters made of the guide's good prompt, ending with "x" (no full stop). */
function textOf(length: number): string {
  const base = `${GUIDE_GOOD_FLAMINGO} `;
  return `${base.repeat(Math.ceil(length / base.length)).slice(0, length - 1)}x`;
}

describe('parsePreserve', () => {
  it.each([
    ['the room; lighting;; camera angle ', ['the room', 'lighting', 'camera angle']],
    ['the bottle shape, cap and glass', ['the bottle shape, cap and glass']],
    ['walls\nreflections.', ['walls', 'reflections']],
    ['Walls; walls; WALLS', ['Walls']],
    ['', []],
  ])('%j → %j', (input, expected) => {
    expect(parsePreserve(input)).toEqual(expected);
  });

  it('takes arrays and splits their items too', () => {
    expect(parsePreserve(['a; b', 'c'])).toEqual(['a', 'b', 'c']);
    expect(parsePreserve(undefined)).toEqual([]);
  });
});

describe('buildPrompt', () => {
  it.each([
    [
      'scene + change + preserve',
      { scene: 'a sunlit indoor lounge with a pool', change: 'add a flamingo floating in the pool', preserve: 'the walls; the reflections; the camera angle' },
      'A sunlit indoor lounge with a pool. Add a flamingo floating in the pool. Preserve the walls, the reflections and the camera angle. Do not change anything else.',
    ],
    [
      'scene only',
      { scene: 'A sunlit lounge with a pool containing a flamingo.' },
      `A sunlit lounge with a pool containing a flamingo. ${DO_NOT_CHANGE}`,
    ],
    [
      'whole prompt with a preserve item it already mentions',
      { prompt: 'A lounge with a flamingo. Preserve the walls.', preserve: 'the walls; the tiles' },
      'A lounge with a flamingo. Preserve the walls. Preserve the tiles. Do not change anything else.',
    ],
    [
      'a prompt that already closes with its own "do not change" keeps it and gets no second one',
      { prompt: GUIDE_GOOD_LABEL, preserve: 'cap' },
      GUIDE_GOOD_LABEL,
    ],
    [
      'whitespace is collapsed and a final question mark kept',
      { prompt: '  what   if the pool had a flamingo?  ' },
      `What if the pool had a flamingo? ${DO_NOT_CHANGE}`,
    ],
    ['nothing at all', {}, ''],
    ['only blanks', { scene: '  ', preserve: ' ; ' }, ''],
  ])('%s', (_name, parts, expected) => {
    expect(buildPrompt(parts)).toBe(expected);
  });

  it('builds prompts the linter accepts', () => {
    const p = buildPrompt({ scene: 'A sunlit lounge with a pool containing a flamingo', preserve: ['the walls', 'the reflections'] });
    expect(lintPrompt(p)).toEqual([]);
  });

  it('counts "keep everything else" as the closing sentence', () => {
    expect(buildPrompt({ prompt: 'A red car. Keep everything else as it was.' })).toBe('A red car. Keep everything else as it was.');
  });
});

describe('analyzePrompt', () => {
  it.each([
    [GUIDE_BAD_FLAMINGO, ['Put a flamingo in the pool'], 0, 0],
    [GUIDE_GOOD_FLAMINGO, [], 2, 1],
    [GUIDE_GOOD_LABEL, ['Replace only the blank label area on the bottle with a clean gold logo'], 2, 0],
    [GUIDE_FOLLOW_UP, ['enlarge the logo slightly'], 1, 0],
    ['Add a flamingo and then remove the lamp; also make the sky pink.', ['Add a flamingo', 'remove the lamp', 'make the sky pink'], 0, 0],
    ['Make sure the lighting matches the room.', [], 0, 1],
    ['Please just remove the cup. Do not change the table.', ['remove the cup'], 1, 0],
  ])('%j → changes %j, %i preserve, %i scene sentences', (text, changes, preserves, scene) => {
    const a = analyzePrompt(text);
    expect(a.changes).toEqual(changes);
    expect(a.preserves).toHaveLength(preserves);
    expect(a.scene).toHaveLength(scene);
  });
});

describe('lintPrompt', () => {
  const codes = (text: string, model?: string) => lintPrompt(text, model ? { model } : {}).map((p) => p.code);

  it.each([
    // The guide's bad examples: short imperatives naming only the inserted thing.
    ['guide bad: flamingo', GUIDE_BAD_FLAMINGO, ['PROMPT_HOLE_ONLY']],
    ['guide bad: label', GUIDE_BAD_LABEL, ['PROMPT_HOLE_ONLY']],
    ['hole only, two changes', 'Add a flamingo to the pool and remove the lamp.', ['PROMPT_HOLE_ONLY', 'PROMPT_MULTIPLE_CHANGES']],
    ['hole only, polite', 'Please add a small dog on the sofa!', ['PROMPT_HOLE_ONLY']],
    // The guide's good examples pass.
    ['guide good: flamingo', GUIDE_GOOD_FLAMINGO, []],
    ['guide good: label', GUIDE_GOOD_LABEL, []],
    ['guide code sample', GUIDE_CODE_SAMPLE, []],
    ['guide follow-up', GUIDE_FOLLOW_UP, []],
    // Realistic others.
    ['scene without preserve', 'A cozy living room at dusk with a red sofa by the window and a cat asleep on it.', ['PROMPT_NO_PRESERVE']],
    ['long change without preserve', 'Add a pink flamingo standing in the shallow end of the pool, lit by the warm afternoon sun from the left window, with a soft reflection on the water.', ['PROMPT_NO_PRESERVE']],
    ['several changes with a preserve list', 'A bright kitchen. Replace the kettle with a teapot, remove the fruit bowl and add a plant on the sill. Keep the cabinets and the light.', ['PROMPT_MULTIPLE_CHANGES']],
    ['negated verbs are not changes', 'A bright kitchen with a teapot on the stove. Do not change the cabinets, do not move the chairs and do not alter the light.', []],
    ['built prompt', buildPrompt({ scene: 'A beach at sunset with a red kite in the sky', preserve: 'the sea; the people' }), []],
    // A bare "anything else" closing names nothing to keep: it does not turn a hole-only prompt into a good one.
    ['hole only + generic closing', 'Put a flamingo in the pool. Do not change anything else.', ['PROMPT_HOLE_ONLY']],
    ['built from a change alone', buildPrompt({ change: 'Put a flamingo in the pool' }), ['PROMPT_HOLE_ONLY']],
    ['hole only + keep everything else', 'Add a lamp on the desk. Keep everything else the same.', ['PROMPT_HOLE_ONLY']],
    ['scene + generic closing', 'A sunlit lounge with a pool containing a flamingo. Do not change anything else.', []],
  ])('%s', (_name, text, expected) => {
    expect(codes(text)).toEqual(expected);
  });

  it.each([['', 'gpt-image-1.5'], ['   \n ', 'dall-e-2']])('%j is PROMPT_EMPTY and nothing else', (text, model) => {
    const problems = lintPrompt(text, { model });
    expect(problems).toEqual([{
      code: 'PROMPT_EMPTY', severity: 'error',
      message: 'the prompt is empty; a masked edit needs a description of the final image',
      fix: expect.stringContaining('maskedit prompt --scene'),
    }]);
  });

  it.each([
    ['dall-e-2', 1000, 1001],
    ['gpt-image-1.5', 32000, 32001],
    ['gpt-image-2', 32000, 32001],
  ])('%s limit %i: %i characters are too long, counted over the whole prompt sent', (model, limit, length) => {
    const problem = lintPrompt(textOf(length), { model }).find((p) => p.code === 'PROMPT_TOO_LONG');
    expect(problem).toEqual({
      code: 'PROMPT_TOO_LONG', severity: 'error',
      message: `the prompt is ${length} characters; ${model} takes at most ${limit}, counted over the whole prompt sent (scene, change, preserve list and any closing sentence)`,
      fix: `cut it to ${limit} characters: keep one sentence for the final image, one change and a short preserve list`,
    });
  });

  it.each([
    ['dall-e-2', 1000],
    ['gpt-image-1.5', 32000],
    ['gpt-image-1.5', 2000],
  ])('%s: %i characters are within the limit', (model, length) => {
    expect(lintPrompt(textOf(length), { model }).map((p) => p.code)).not.toContain('PROMPT_TOO_LONG');
  });

  it('counts characters, not UTF-16 units', () => {
    const text = `${'🦩'.repeat(600)} A pool. Keep the walls.`;
    expect(codes(text, 'dall-e-2')).toEqual([]);
  });

  it('explains hole-only prompts with a better shape and a command', () => {
    const [p] = lintPrompt(GUIDE_BAD_FLAMINGO);
    expect(p).toEqual({
      code: 'PROMPT_HOLE_ONLY', severity: 'warning',
      message: 'the prompt only names the change ("Put a flamingo in the pool"); GPT image edits rewrite the whole picture, so describe the full final image',
      fix: 'describe the whole result and what stays: "A <the whole final image, change included>. Preserve <what must stay: subject, lighting, reflections, camera angle>. Do not change anything else." — or build it: `maskedit prompt --scene "…the whole final image…" --change "Put a flamingo in the pool" --preserve "…; …"`',
    });
  });

  it('names each change when there are several', () => {
    const p = lintPrompt('A bright kitchen. Replace the kettle with a teapot and remove the fruit bowl. Keep the cabinets.')[0]!;
    expect(p.code).toBe('PROMPT_MULTIPLE_CHANGES');
    expect(p.message).toBe('the prompt asks for 2 changes ("Replace the kettle with a teapot", "remove the fruit bowl"); one change per edit drifts less');
  });

  it('warns (never errors) for style problems', () => {
    for (const t of [GUIDE_BAD_FLAMINGO, 'A red sofa.', 'Add a and remove b.']) {
      expect(lintPrompt(t).every((p) => p.severity === 'warning')).toBe(true);
    }
  });
});

describe('composePrompt: the limit counts the whole prompt sent', () => {
  const closing = ` ${DO_NOT_CHANGE}`.length; // 29

  it('adds the closing sentence while the whole prompt stays within the limit', () => {
    const own = `A${'x'.repeat(32000 - closing - 2)}`; // sentence() adds the full stop
    const c = composePrompt({ prompt: own }, { model: 'gpt-image-2' });
    expect(c).toEqual({ text: `${own}. ${DO_NOT_CHANGE}`, added: closing, problems: [] });
    expect([...c.text].length).toBe(32000);
  });

  it.each([
    ['gpt-image-2', 32000, 31999],
    ['gpt-image-1.5', 32000, 31990],
    ['dall-e-2', 1000, 999],
  ])('%s: a prompt that fits only without the closing is sent as written, with PROMPT_CLOSING_DROPPED', (model, limit, ownChars) => {
    const own = `Y${'y'.repeat(ownChars - 2)}.`;
    const c = composePrompt({ prompt: own }, { model });
    expect(c.text).toBe(own);
    expect(c.added).toBe(0);
    expect(c.problems).toEqual([{
      code: 'PROMPT_CLOSING_DROPPED', severity: 'warning',
      message: `maskedit left out its closing sentence "${DO_NOT_CHANGE}": with it the prompt would be ${ownChars + closing} characters, over ${model}'s limit of ${limit} for the whole prompt sent; your ${ownChars} characters are sent as written`,
      fix: `to keep the closing, cut your prompt to ${limit - closing} characters, or end it with your own "keep everything else the same" sentence`,
    }]);
    expect(lintPrompt(c.text, { model }).map((p) => p.code)).not.toContain('PROMPT_TOO_LONG');
  });

  it('keeps a prompt that is itself over the limit at its own length, for the linter to refuse', () => {
    const own = `Z${'z'.repeat(32000)}.`;
    const c = composePrompt({ prompt: own }, { model: 'gpt-image-2' });
    expect(c).toEqual({ text: own, added: 0, problems: [] });
    expect(lintPrompt(c.text, { model: 'gpt-image-2' }).map((p) => p.code)).toEqual(['PROMPT_TOO_LONG', 'PROMPT_NO_PRESERVE']);
  });

  it('adds nothing when the prompt closes in its own words, and equals buildPrompt otherwise', () => {
    const own = 'A lounge with a flamingo. Keep everything else the same.';
    expect(composePrompt({ prompt: own })).toEqual({ text: own, added: 0, problems: [] });
    const parts = { scene: 'A sunlit lounge with a flamingo', preserve: 'the walls; the tiles' };
    expect(composePrompt(parts).text).toBe(buildPrompt(parts));
    expect(composePrompt(parts).added).toBe(closing);
  });
});

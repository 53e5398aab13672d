import { describe, expect, it } from 'vitest';
import { adviseFidelity, subjectFromPrompt } from '../../src/core/fidelity.js';

describe('adviseFidelity: the guide table', () => {
  it.each([
    // [situation, prompt, subject, expected value, matched word]
    ['simple replacement in a casual scene', 'A sunlit lounge with a pool containing a flamingo. Preserve the room.', undefined, 'low', undefined],
    ['something near a face', 'A portrait of a woman wearing round sunglasses. Keep her face unchanged.', undefined, 'high', 'face'],
    ['logo on clothing', 'A grey hoodie with a small embroidered logo on the chest.', undefined, 'high', 'logo'],
    ['packaging', 'Replace only the blank label area on the bottle with a clean gold logo.', undefined, 'high', 'logo'],
    ['branded product hero shot', 'A studio hero shot of the perfume product on white marble.', undefined, 'high', 'product'],
    ['signage text', 'A shop front whose signage reads OPEN in neon lettering.', undefined, 'high', 'lettering'],
    ['--subject wins over prompt words', 'A lounge with a pool.', 'face', 'high', undefined],
    ['--subject scene', 'A portrait of a man.', 'scene', 'low', undefined],
  ] as const)('%s → %s', (_name, prompt, subject, value, matched) => {
    const a = adviseFidelity({ model: 'gpt-image-1.5', prompt, ...(subject ? { subject } : {}) });
    expect(a.value).toBe(value);
    expect(a.matched).toBe(matched);
    expect(a.problems).toEqual([]);
  });

  it('gives the reason with the basis and the cost of high', () => {
    expect(adviseFidelity({ model: 'gpt-image-1', prompt: 'Add sunglasses to the face.' }).reason).toBe(
      'high for faces: identity drift is expensive and the guide names faces as the main preservation case (the prompt mentions "face"); it costs about 4160 extra input tokens per square image (6240 non-square)');
    expect(adviseFidelity({ model: 'gpt-image-1.5', prompt: 'A pool with a flamingo.' }).reason).toBe(
      'low for a simple replacement in a casual scene: the mask handles location and the rest is not detail-critical (the prompt names no face, logo, product or text)');
    expect(adviseFidelity({ model: 'gpt-image-1.5', subject: 'logo' }).reason).toContain('(--subject logo)');
  });

  it('honours an explicit request and says when the advice differs', () => {
    const a = adviseFidelity({ model: 'gpt-image-1.5', prompt: 'A portrait of a girl.', requested: 'low' });
    expect(a.value).toBe('low');
    expect(a.reason).toBe('you asked for low; the advice would be high for faces: identity drift is expensive and the guide names faces as the main preservation case (the prompt mentions "portrait")');
    expect(adviseFidelity({ model: 'gpt-image-1.5', requested: 'low' }).reason).toMatch(/^you asked for low, which matches the advice/);
  });

  // What keeps detail instead, by what each model takes (registry params): the advice is model-aware.
  const INSTEAD: Record<string, string> = {
    'gpt-image-1-mini': 'a preserve list (--preserve), a tight crop (--crop auto, the default)',
    'gpt-image-2': 'a preserve list (--preserve), a tight crop (--crop auto, the default)',
    'dall-e-2': 'a preserve list (--preserve), a tight crop (--crop auto, the default)',
    'gpt-image-2.5-sunburst': 'a preserve list (--preserve), --quality xhigh, a tight crop (--crop auto, the default)',
    'gpt-image-2.6-sunburst': 'a preserve list (--preserve), --markup auto (an outline and pointer at the mask), --quality xhigh, a tight crop (--crop auto, the default)',
  };
  it.each(['gpt-image-1-mini', 'gpt-image-2', 'gpt-image-2-2026-04-21', 'dall-e-2', 'gpt-image-2.5-sunburst', 'gpt-image-2.6-sunburst'])('%s: never a value; warns only when asked for one; says what helps instead', (model) => {
    const id = model === 'gpt-image-2-2026-04-21' ? 'gpt-image-2' : model;
    const silent = adviseFidelity({ model, prompt: 'A portrait of a man.' });
    expect(silent.value).toBeUndefined();
    expect(silent.problems).toEqual([]);
    expect(silent.reason).toBe(`${id} has no input_fidelity parameter, so none is sent (the prompt mentions "portrait"); for faces, keep detail with ${INSTEAD[id]}`);
    expect(adviseFidelity({ model, prompt: 'A pool with a flamingo.' }).reason).toBe(`${id} has no input_fidelity parameter, so none is sent (the prompt names no face, logo, product or text)`);
    for (const requested of ['low', 'high'] as const) {
      const asked = adviseFidelity({ model, requested });
      expect(asked.value).toBeUndefined();
      expect(asked.problems).toEqual([{
        code: 'MODEL_NO_INPUT_FIDELITY', severity: 'warning',
        message: `${id} does not take input_fidelity; received --fidelity ${requested}, which will not be sent`,
        fix: `drop --fidelity; on ${id} detail is kept by ${INSTEAD[id]}`,
      }]);
    }
    expect(adviseFidelity({ model, requested: 'auto' }).problems).toEqual([]);
  });
});

describe('subjectFromPrompt', () => {
  it.each([
    ['A south-facing terrace with plants.', 'scene'],
    ['You can see the lake.', 'scene'],
    ['A menu board in chalk', 'text'],
    ['A close-up of the baby smiling', 'face'],
    ['A logo on the woman\'s shirt', 'face'],
    ['', 'scene'],
  ])('%j → %s', (prompt, subject) => {
    expect(subjectFromPrompt(prompt).subject).toBe(subject);
  });
});

import { describe, expect, it } from 'vitest';
import { MODELS } from '../../src/core/models.js';
import { resolveParams, type RequestedParams, type ParamSurface } from '../../src/core/params.js';

// One request per column; each model's row says what happens to it: s = sent, d = dropped with a warning,
// r = refused before any request. Written out by hand from OpenAI's facts (docs/models.md), not from the registry.
const REQUESTS: [string, RequestedParams, ParamSurface][] = [
  ['quality high', { quality: 'high' }, 'images'],
  ['quality xhigh', { quality: 'xhigh' }, 'images'],
  ['quality max', { quality: 'max' }, 'images'],
  ['quality standard', { quality: 'standard' }, 'images'],
  ['input_fidelity high', { inputFidelity: 'high' }, 'images'],
  ['background transparent', { background: 'transparent' }, 'images'],
  ['complexity low', { complexity: 'low' }, 'images'],
  ['markup', { markup: true }, 'images'],
  ['moderation low (json)', { moderation: 'low' }, 'json'],
  ['moderation low (images)', { moderation: 'low' }, 'images'],
  ['output_format svg', { outputFormat: 'svg' }, 'images'],
  ['output_format gif', { outputFormat: 'gif' }, 'images'],
  ['partial_images 2', { partialImages: 2 }, 'images'],
  ['n 3', { n: 3 }, 'images'],
];
const TABLE: Record<string, string> = {
  //                         hi xh mx st fi bg cx mk mj mi sv gf pi n
  'gpt-image-2.6-sunburst': 's  s  s  r  d  s  s  s  s  d  s  r  s  s',
  'gpt-image-2.6-flare':    's  s  s  r  d  s  s  s  s  d  s  r  s  s',
  'gpt-image-2.5-sunburst': 's  s  s  r  d  s  r  d  s  d  r  r  s  s',
  'gpt-image-2.5-flare':    's  s  s  r  d  s  r  d  s  d  r  r  s  s',
  'gpt-image-2':            's  r  r  r  d  s  r  d  s  d  r  r  s  s',
  'gpt-image-1.5':          's  r  r  r  s  s  r  d  s  d  r  r  s  s',
  'gpt-image-1-mini':       's  r  r  r  d  s  r  d  s  d  r  r  s  s',
  'gpt-image-1':            's  r  r  r  s  s  r  d  s  d  r  r  s  s',
  'dall-e-2':               'r  r  r  s  d  r  r  d  d  d  r  r  r  s',
};
const ACTION = { s: 'send', d: 'drop', r: 'refuse' } as const;

describe('every model × parameter: sent, dropped with a warning, or refused', () => {
  it('the table covers every registry model', () => {
    expect(Object.keys(TABLE).sort()).toEqual(MODELS.map((m) => m.id).sort());
  });

  const cases = Object.entries(TABLE).flatMap(([model, row]) => row.trim().split(/\s+/).map((a, i) => [model, REQUESTS[i]![0], i, ACTION[a as keyof typeof ACTION]] as const));
  it.each(cases)('%s, %s → %s', (model, _name, i, action) => {
    const [, req, surface] = REQUESTS[i]!;
    const r = resolveParams(model, req, surface);
    expect(r.decisions).toHaveLength(1);
    expect(r.decisions[0]!.action).toBe(action);
    if (action === 'send') {
      expect(r.problems).toEqual([]);
      expect(r.send).toEqual(req);
      expect(r.ok).toBe(true);
    } else if (action === 'drop') {
      expect(r.problems.map((p) => p.severity)).toEqual(['warning']);
      expect(r.send).toEqual({});
      expect(r.ok).toBe(true);
    } else {
      expect(r.problems.map((p) => [p.code, p.severity])).toEqual([['MODEL_PARAM_UNSUPPORTED', 'error']]);
      expect(r.ok).toBe(false);
    }
  });
});

describe('messages name the allowed values and a model that takes it', () => {
  const live = MODELS.filter((m) => m.lifecycle.shutdown === null);
  it('quality xhigh on gpt-image-2', () => {
    expect(resolveParams('gpt-image-2', { quality: 'xhigh' }, 'images', live).problems).toEqual([{
      code: 'MODEL_PARAM_UNSUPPORTED', severity: 'error',
      message: 'gpt-image-2 takes quality low, medium, high, auto; received --quality xhigh',
      fix: 'use --quality with one of low, medium, high, auto; or use --model gpt-image-2.6-sunburst, which takes it',
    }]);
  });
  it('complexity on 2.5', () => {
    expect(resolveParams('gpt-image-2.5-sunburst', { complexity: 'low' }, 'images', live).problems).toEqual([{
      code: 'MODEL_PARAM_UNSUPPORTED', severity: 'error',
      message: 'gpt-image-2.5-sunburst does not take complexity; received --complexity low',
      fix: 'drop --complexity; or use --model gpt-image-2.6-sunburst, which takes it',
    }]);
  });
  it('input_fidelity on 2.6 is dropped with MODEL_NO_INPUT_FIDELITY', () => {
    expect(resolveParams('gpt-image-2.6-sunburst', { inputFidelity: 'high' }, 'images').problems).toEqual([{
      code: 'MODEL_NO_INPUT_FIDELITY', severity: 'warning',
      message: 'gpt-image-2.6-sunburst does not take input_fidelity; received --fidelity high, which will not be sent',
      fix: 'drop --fidelity',
    }]);
  });
  it.each(['images', 'engine', 'json'] as const)('moderation and markup by surface: %s', (surface) => {
    const r = resolveParams('gpt-image-2.6-flare', { moderation: 'low', markup: true, complexity: 'medium' }, surface);
    expect(r.send).toEqual(surface === 'images' ? { markup: true, complexity: 'medium' } : { moderation: 'low', markup: true, complexity: 'medium' });
  });
  it('the responses tool carries moderation but not markup or complexity', () => {
    const r = resolveParams('gpt-image-2.6-flare', { moderation: 'low', markup: true, complexity: 'medium' }, 'responses');
    expect(r.send).toEqual({ moderation: 'low' });
    expect(r.problems.map((p) => p.code)).toEqual(['MODEL_PARAM_DROPPED', 'MODEL_PARAM_DROPPED']);
  });
});

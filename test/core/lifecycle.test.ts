import { describe, expect, it } from 'vitest';
import { MODELS, findModel } from '../../src/core/models.js';
import {
  activeModels, assertModelLive, closestModels, daysBetween, defaultModel, lifecycleProblems, liveReplacements, modelStatus, parseToday, servedModels, statusOf,
} from '../../src/core/lifecycle.js';

describe('statusOf: before, on and after each date', () => {
  it.each([
    // [model, date, status]
    ['gpt-image-1.5', '2026-06-01', 'active'],
    ['gpt-image-1.5', '2026-06-02', 'deprecated'],
    ['gpt-image-1.5', '2026-11-20', 'deprecated'],
    ['gpt-image-1.5', '2026-11-30', 'deprecated'],
    ['gpt-image-1.5', '2026-12-01', 'shutdown'],
    ['gpt-image-1.5', '2026-12-02', 'shutdown'],
    ['gpt-image-1.5-2025-12-16', '2026-11-30', 'deprecated'],
    ['chatgpt-image-latest', '2026-12-01', 'shutdown'],
    ['gpt-image-1-mini', '2026-11-30', 'deprecated'],
    ['gpt-image-1-mini', '2026-12-01', 'shutdown'],
    ['gpt-image-1', '2026-10-22', 'deprecated'],
    ['gpt-image-1', '2026-10-23', 'shutdown'],
    ['dall-e-2', '2026-05-11', 'deprecated'],
    ['dall-e-2', '2026-05-12', 'shutdown'],
    ['gpt-image-2', '2026-12-02', 'active'],
    ['gpt-image-2-2026-04-21', '2027-06-01', 'active'],
    ['gpt-image-2.5-sunburst', '2026-12-02', 'active'],
    ['gpt-image-2.5-flare-2026-09-08', '2026-12-02', 'active'],
    ['gpt-image-2.6-sunburst', '2026-12-02', 'active'],
    ['gpt-image-2.6-flare', '2026-12-02', 'active'],
  ] as const)('%s on %s → %s', (id, date, status) => {
    expect(modelStatus(id, date)).toBe(status);
  });

  it('an unknown id has no status', () => {
    expect(modelStatus('gpt-image-9', '2026-11-30')).toBeUndefined();
  });
});

describe('servedModels / activeModels: what answers on a date, never a model from its future', () => {
  it.each([
    // dall-e-2: deprecated 2025-11-14, shut down 2026-05-12; gpt-image-1: deprecated 2026-04-21, shut down 2026-10-23.
    ['2026-01-01', ['gpt-image-1.5', 'gpt-image-1-mini', 'gpt-image-1', 'dall-e-2'], ['gpt-image-1.5', 'gpt-image-1-mini', 'gpt-image-1']],
    ['2026-05-01', ['gpt-image-2', 'gpt-image-1.5', 'gpt-image-1-mini', 'gpt-image-1', 'dall-e-2'], ['gpt-image-2', 'gpt-image-1.5', 'gpt-image-1-mini']],
    ['2026-09-08', ['gpt-image-2.5-sunburst', 'gpt-image-2.5-flare', 'gpt-image-2', 'gpt-image-1.5', 'gpt-image-1-mini', 'gpt-image-1'], ['gpt-image-2.5-sunburst', 'gpt-image-2.5-flare', 'gpt-image-2']],
    ['2026-11-30', ['gpt-image-2.6-sunburst', 'gpt-image-2.6-flare', 'gpt-image-2.5-sunburst', 'gpt-image-2.5-flare', 'gpt-image-2', 'gpt-image-1.5', 'gpt-image-1-mini'], ['gpt-image-2.6-sunburst', 'gpt-image-2.6-flare', 'gpt-image-2.5-sunburst', 'gpt-image-2.5-flare', 'gpt-image-2']],
    ['2026-12-01', ['gpt-image-2.6-sunburst', 'gpt-image-2.6-flare', 'gpt-image-2.5-sunburst', 'gpt-image-2.5-flare', 'gpt-image-2'], ['gpt-image-2.6-sunburst', 'gpt-image-2.6-flare', 'gpt-image-2.5-sunburst', 'gpt-image-2.5-flare', 'gpt-image-2']],
  ])('on %s: served %j, active %j', (today, served, active) => {
    expect(servedModels(today).map((m) => m.id)).toEqual(served);
    expect(activeModels(today).map((m) => m.id)).toEqual(active);
  });
});

describe('defaultModel: the newest active model recommended for edits on the date', () => {
  it.each([
    ['2026-01-01', 'gpt-image-1.5'],
    ['2026-04-21', 'gpt-image-2'],
    ['2026-09-08', 'gpt-image-2.5-sunburst'],
    ['2026-11-03', 'gpt-image-2.5-sunburst'],
    ['2026-11-04', 'gpt-image-2.6-sunburst'],
    ['2026-11-30', 'gpt-image-2.6-sunburst'],
    ['2026-12-01', 'gpt-image-2.6-sunburst'],
  ])('%s → %s', (date, id) => {
    expect(defaultModel(date)).toBe(id);
  });

  it('is never deprecated or shut down on any day from 2025-12-16 to 2027-12-31', () => {
    const bad: string[] = [];
    for (let t = Date.parse('2025-12-16T00:00:00Z'); t <= Date.parse('2027-12-31T00:00:00Z'); t += 86_400_000) {
      const day = new Date(t).toISOString().slice(0, 10);
      const id = defaultModel(day);
      if (statusOf(findModel(id)!, day) !== 'active') bad.push(`${day}:${id}`);
    }
    expect(bad).toEqual([]);
  });
});

describe('lifecycleProblems', () => {
  it('active: silent', () => {
    expect(lifecycleProblems('gpt-image-2.6-flare', '2026-11-30')).toEqual([]);
  });

  it('deprecated: MODEL_DEPRECATED with the shutdown date, days left and the replacement flag', () => {
    expect(lifecycleProblems('gpt-image-1.5', '2026-11-20')).toEqual([{
      code: 'MODEL_DEPRECATED', severity: 'warning',
      message: 'gpt-image-1.5 is deprecated: OpenAI shuts it down on 2026-12-01 (in 11 days, judged on 2026-11-20)',
      fix: 'move to --model gpt-image-2.6-sunburst (or --model gpt-image-2.6-flare) before 2026-12-01',
    }]);
    expect(lifecycleProblems('gpt-image-1.5', '2026-11-30')[0]!.message).toBe('gpt-image-1.5 is deprecated: OpenAI shuts it down on 2026-12-01 (in 1 day, judged on 2026-11-30)');
  });

  it.each(['2026-12-01', '2026-12-02'])('shut down on %s: MODEL_SHUT_DOWN naming the replacement', (date) => {
    expect(lifecycleProblems('gpt-image-1.5', date)).toEqual([{
      code: 'MODEL_SHUT_DOWN', severity: 'error',
      message: `gpt-image-1.5 was shut down on 2026-12-01 (judged on ${date}); OpenAI no longer accepts it, so nothing was sent`,
      fix: 'use --model gpt-image-2.6-sunburst (or --model gpt-image-2.6-flare)',
    }]);
  });

  it('an alias names itself and the entry', () => {
    expect(lifecycleProblems('chatgpt-image-latest', '2026-12-05')[0]!.message).toMatch(/^chatgpt-image-latest \(gpt-image-1\.5\) was shut down on 2026-12-01/);
  });

  it('unknown: MODEL_UNKNOWN with the closest known ids (sent as given)', () => {
    const [p] = lifecycleProblems('gpt-image-2.6-sunbrust', '2026-11-30');
    expect(p!.code).toBe('MODEL_UNKNOWN');
    expect(p!.severity).toBe('warning');
    expect(closestModels('gpt-image-2.6-sunbrust')[0]).toBe('gpt-image-2.6-sunburst');
    expect(p!.fix).toBe('check the spelling (did you mean --model gpt-image-2.6-sunburst?), or run `maskedit models --refresh` to see what the API lists');
  });

  it('assertModelLive throws MODEL_SHUT_DOWN, returns the warnings otherwise', () => {
    expect(() => assertModelLive('gpt-image-1', '2026-11-30')).toThrow(expect.objectContaining({ code: 'MODEL_SHUT_DOWN', fix: 'use --model gpt-image-2.6-sunburst (or --model gpt-image-2.6-flare)' }));
    expect(assertModelLive('gpt-image-1.5', '2026-11-20').map((p) => p.code)).toEqual(['MODEL_DEPRECATED']);
  });
});

describe('replacements follow chains to a live model', () => {
  it.each([
    ['gpt-image-1', '2026-11-30', ['gpt-image-2.6-sunburst', 'gpt-image-2.6-flare']],
    ['dall-e-2', '2026-11-30', ['gpt-image-2.6-sunburst', 'gpt-image-2.6-flare']],
    // Before the 2.6 pair was released, the chain ends at the default model of that day.
    ['gpt-image-1', '2026-10-23', ['gpt-image-2.5-sunburst']],
    ['gpt-image-1.5', '2026-12-02', ['gpt-image-2.6-sunburst', 'gpt-image-2.6-flare']],
  ] as const)('%s on %s → %j', (id, date, want) => {
    expect(liveReplacements(id, date)).toEqual(want);
  });
});

describe('parseToday', () => {
  it.each(['2026-12-02', '2024-02-29'])('accepts %s', (d) => expect(parseToday(d)).toBe(d));
  it.each(['', 'today', '2026-13-01', '2026-02-30', '2026-1-5', '20261202', '2026-12-02T00:00:00Z', '2023-02-29'])('refuses %j with TODAY_INVALID', (d) => {
    expect(() => parseToday(d)).toThrow(expect.objectContaining({ code: 'TODAY_INVALID', message: `MASKEDIT_TODAY must be a date written YYYY-MM-DD, received ${JSON.stringify(d)}` }));
  });
  it('counts days', () => expect(daysBetween('2026-11-20', '2026-12-01')).toBe(11));
});

describe('the registry data', () => {
  it('every replacement, snapshot and alias resolves; every date is a date; dates are in order', () => {
    for (const m of MODELS) {
      for (const r of m.lifecycle.replacements) expect(findModel(r), `${m.id} → ${r}`).toBeDefined();
      for (const a of [...m.snapshots, ...m.aliases]) expect(findModel(a)!.id).toBe(m.id);
      const { released, deprecated, shutdown } = m.lifecycle;
      for (const d of [released, deprecated, shutdown, m.readOn]) if (d !== null) expect(() => parseToday(d)).not.toThrow();
      if (deprecated) expect(deprecated > released).toBe(true);
      if (shutdown) expect(shutdown > (deprecated ?? released)).toBe(true);
    }
  });
});

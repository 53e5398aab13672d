/** The enumerated values written once in core (choices.ts), and the registry unions they are derived from. */
import { describe, expect, it } from 'vitest';
import * as choices from '../../src/core/choices.js';
import { ENGINE_NAMES as ENGINE_NAMES_OF_ENGINES } from '../../src/engines/engine.js';

describe('core/choices', () => {
  it.each([
    ['QUALITIES', ['low', 'medium', 'high', 'xhigh', 'max', 'auto', 'standard']],
    ['INPUT_FIDELITIES', ['low', 'high']],
    ['BACKGROUNDS', ['transparent', 'opaque', 'auto']],
    ['COMPLEXITIES', ['low', 'medium', 'high']],
    ['MODERATIONS', ['low', 'auto']],
    ['FIDELITY_REQUESTS', ['auto', 'low', 'high']],
    ['PROVIDER_NAMES', ['local', 'openai']],
    ['SURFACES', ['images', 'json', 'responses']],
    ['ENGINE_NAMES', ['heal', 'patchmatch', 'telea', 'ns']],
    ['CROP_MODES', ['auto', 'off']],
    ['REGIONS_MODES', ['merge', 'separate', 'auto']],
    ['PLAN_MODES', ['crop', 'whole']],
    ['SEAM_MODES', ['none', 'match', 'poisson']],
    ['POLARITIES', ['auto', 'black', 'white']],
    ['SUBJECTS', ['face', 'logo', 'product', 'text', 'scene']],
  ] as const)('%s is %j', (name, values) => {
    expect(choices[name]).toEqual(values);
  });

  it('registryValues unions a parameter over every model, in registry order', () => {
    expect(choices.registryValues('output_format')).toEqual(['png', 'jpeg', 'webp', 'svg', 'gif']);
    expect(choices.registryValues('markup')).toEqual(['png']);
  });

  it('the engines module re-exports the same list (one source)', () => {
    expect(ENGINE_NAMES_OF_ENGINES).toBe(choices.ENGINE_NAMES);
    expect(choices.DEFAULT_ENGINE).toBe('heal');
  });
});
